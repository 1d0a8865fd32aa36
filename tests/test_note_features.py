"""Score-level features from hand-written notes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from baselines.data.note_features import NOTE_FEATURE_NAMES, note_features


def notes_table(rows):
    """``(start, end, pitch, beats)`` rows -> a Recording.notes()-like table."""
    return pd.DataFrame({
        "start": [r[0] for r in rows], "end": [r[1] for r in rows],
        "instrument": 1, "note": [r[2] for r in rows], "start_beat": 0.0,
        "end_beat": [r[3] for r in rows], "note_value": "Quarter",
    })


def feature(row, name):
    return float(row[NOTE_FEATURE_NAMES.index(name)])


def test_a_held_triad_then_a_scale():
    # C major triad for 2 s (2 beats at 60 bpm), then C D E F one per second.
    rows = [(0.0, 2.0, 48, 2.0), (0.0, 2.0, 52, 2.0), (0.0, 2.0, 55, 2.0)]
    rows += [(2.0 + i, 3.0 + i, p, 1.0) for i, p in enumerate((60, 62, 64, 65))]
    X = note_features(notes_table(rows), [0.0, 10.0], 6.0)
    assert X.shape == (2, len(NOTE_FEATURE_NAMES)) and X.dtype == np.float32
    row = X[0]
    assert feature(row, "density_onsets") == pytest.approx(7 / 6)
    assert feature(row, "density_onset_times") == pytest.approx(5 / 6)
    assert feature(row, "ioi_mean") == pytest.approx(1.25)  # onsets at 0, 2, 3, 4, 5 s
    assert feature(row, "polyphony_max") == 3
    assert feature(row, "polyphony_silence") == pytest.approx(0.0)
    # Triad: a major third (4), a minor third (3), a fifth (7 -> class 5).
    for ic in (3, 4, 5):
        assert feature(row, f"vertical_ic{ic}") == pytest.approx(1 / 3)
    # Top line 55 -> 60 -> 62 -> 64 -> 65: steps 5, 2, 2, 1.
    assert feature(row, "melodic_top_mean") == pytest.approx(2.5)
    assert feature(row, "melodic_top_step") == pytest.approx(0.75)
    assert feature(row, "melodic_top_fifth") == pytest.approx(0.25)
    assert feature(row, "duration_value_whole") == pytest.approx(4 / 7)
    assert feature(row, "duration_value_double") == pytest.approx(3 / 7)
    pc = row[[NOTE_FEATURE_NAMES.index(f"pc_{i:02d}") for i in range(12)]]
    assert pc.sum() == pytest.approx(1.0)
    assert pc[0] == pytest.approx(3 / 10)  # C: 2 s (bass) + 1 s (melody) of 10 s
    key = row[[NOTE_FEATURE_NAMES.index(f"pc_key_{i:02d}") for i in range(12)]]
    assert key[0] == pytest.approx(pc[0])  # tonic C: no rotation
    assert feature(row, "pc_key_major") > feature(row, "pc_key_minor")
    # The empty window: zeros, all silence.
    empty = X[1]
    assert feature(empty, "polyphony_silence") == 1.0
    assert np.count_nonzero(empty) == 1


def test_transposition_moves_pc_but_not_the_key_normalised_histogram():
    rows = [(0.0, 1.0, p, 1.0) for p in (60, 64, 67, 72)] + [(1.0, 2.0, 62, 1.0)]
    up = [(s, e, p + 3, b) for s, e, p, b in rows]
    a = note_features(notes_table(rows), [0.0], 2.0)[0]
    b = note_features(notes_table(up), [0.0], 2.0)[0]
    pcs = [NOTE_FEATURE_NAMES.index(f"pc_{i:02d}") for i in range(12)]
    keys = [NOTE_FEATURE_NAMES.index(f"pc_key_{i:02d}") for i in range(12)]
    assert not np.allclose(a[pcs], b[pcs])
    np.testing.assert_allclose(a[keys], b[keys])
    np.testing.assert_allclose(np.roll(a[pcs], 3), b[pcs])


def test_bad_input_names_the_problem():
    with pytest.raises(ValueError, match="length=0"):
        note_features(notes_table([(0, 1, 60, 1)]), [0.0], 0)
    with pytest.raises(ValueError, match=r"lack columns \['end_beat'\]"):
        note_features(notes_table([(0, 1, 60, 1)]).drop(columns="end_beat"), [0.0], 1.0)
