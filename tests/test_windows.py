"""Tests of windows, their labels, class filtering and splits."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import soundfile as sf

from baselines.data.ensembles import INSTRUMENT_PROGRAMS
from baselines.data.musicnet import CorpusWarning, MusicNetCorpus
from baselines.data.selection import filter_classes, split_recordings
from baselines.data.windows import (
    DEFAULT_WINDOW_SECONDS,
    Windows,
    draw_windows,
    random_window_starts,
    window_instruments,
)

WAV_SR = 8000  # not 44.1 kHz: label times are 44.1 kHz samples regardless
LABEL_SR = 44100
VIOLIN, CELLO, PIANO, GUITAR = 41, 43, 1, 25  # 1-based General MIDI programs


def write_corpus(root, recordings):
    """Write a MusicNet-format folder from ``(id, split, composer, seconds, notes)``,
    notes being ``(start_s, end_s, program)``."""
    rows = []
    for rid, split, composer, seconds, notes in recordings:
        rows.append({
            "id": rid, "composer": composer, "composition": f"Piece {rid}",
            "movement": "", "ensemble": "", "source": "", "transcriber": "",
            "catalog_name": "", "seconds": seconds,
        })
        for kind in ("data", "labels"):
            (root / f"{split}_{kind}").mkdir(parents=True, exist_ok=True)
        t = np.arange(int(seconds * WAV_SR)) / WAV_SR
        sf.write(root / f"{split}_data" / f"{rid}.wav", 0.3 * np.sin(2 * np.pi * 220 * t), WAV_SR)
        pd.DataFrame(
            [
                {"start_time": round(s * LABEL_SR), "end_time": round(e * LABEL_SR),
                 "instrument": p, "note": 60, "start_beat": 0, "end_beat": 1,
                 "note_value": "Whole"}
                for s, e, p in notes
            ],
            columns=["start_time", "end_time", "instrument", "note", "start_beat",
                     "end_beat", "note_value"],
        ).to_csv(root / f"{split}_labels" / f"{rid}.csv", index=False)
    pd.DataFrame(rows).to_csv(root / "musicnet_metadata.csv", index=False)
    return MusicNetCorpus(root)


def notes_frame(notes):
    return pd.DataFrame(notes, columns=["start", "end", "instrument"])


def column(program):
    return INSTRUMENT_PROGRAMS.index(program)


# --- starts ----------------------------------------------------------------


def test_random_window_starts_bounds_and_seed():
    starts = random_window_starts(12.0, 200, length=5.0, random_state=3)
    assert starts.shape == (200,)
    assert starts.min() >= 0 and (starts + 5.0).max() <= 12.0
    assert starts.std() > 1.0  # spread over the recording, not stuck at 0
    np.testing.assert_array_equal(
        starts, random_window_starts(12.0, 200, length=5.0, random_state=3)
    )
    assert not np.array_equal(starts, random_window_starts(12.0, 200, random_state=4))
    gen = random_window_starts(12.0, 5, random_state=np.random.default_rng(0))
    assert gen.shape == (5,) and (gen + 5.0 <= 12.0).all()
    assert DEFAULT_WINDOW_SECONDS == 5.0


def test_random_window_starts_on_grid():
    grid = 512 / 22050
    starts = random_window_starts(7.0, 500, length=5.0, grid=grid, random_state=0)
    steps = starts / grid
    np.testing.assert_allclose(steps, np.round(steps), atol=1e-9)
    assert (starts + 5.0 <= 7.0).all()
    assert len(np.unique(starts)) > 50
    # A recording exactly one window long has a single start.
    np.testing.assert_array_equal(random_window_starts(5.0, 3, grid=grid), 0.0)


def test_random_window_starts_errors():
    with pytest.raises(ValueError, match=r"seconds=4.0 is shorter than one window of length=5.0"):
        random_window_starts(4.0, 1)
    with pytest.raises(ValueError, match=r"grid=-1 must be a positive"):
        random_window_starts(10.0, 1, grid=-1)
    with pytest.raises(ValueError, match=r"n=-2 must be a non-negative integer"):
        random_window_starts(10.0, -2)


# --- labels ----------------------------------------------------------------


def test_window_instruments_overlap_rules():
    notes = notes_frame([
        (1.0, 2.0, VIOLIN),   # inside window 0 only
        (5.0, 6.0, CELLO),    # starts exactly at window 0's end: not in it
        (0.0, 10.0, GUITAR),  # outside the vocabulary: ignored
        (7.0, 7.0, PIANO),    # zero length: never sounds
    ])
    labels = window_instruments(notes, [0.0, 5.0, 6.0], 5.0, INSTRUMENT_PROGRAMS)
    assert labels.dtype == np.uint8 and labels.shape == (3, len(INSTRUMENT_PROGRAMS))
    expected = np.zeros_like(labels)
    expected[0, column(VIOLIN)] = 1
    expected[1, column(CELLO)] = 1  # [5, 10) contains the cello note
    # window [6, 11): the cello note ends at 6.0, no positive overlap
    np.testing.assert_array_equal(labels, expected)
    # Custom vocabulary: columns follow ``programs``.
    np.testing.assert_array_equal(
        window_instruments(notes, [0.0, 5.0], 5.0, (CELLO, GUITAR, VIOLIN)),
        [[0, 1, 1], [1, 1, 0]],
    )


def test_window_instruments_matches_brute_force():
    rng = np.random.default_rng(0)
    start = rng.uniform(0, 60, 300)
    notes = notes_frame(list(zip(start, start + rng.uniform(0, 2, 300),
                                 rng.choice(INSTRUMENT_PROGRAMS, 300))))
    starts = rng.uniform(0, 55, 100)
    labels = window_instruments(notes, starts, 3.0)
    for i, s in enumerate(starts):
        overlap = np.minimum(notes["end"], s + 3.0) - np.maximum(notes["start"], s)
        present = set(notes["instrument"][overlap > 0])
        assert [p in present for p in INSTRUMENT_PROGRAMS] == list(labels[i].astype(bool))


# --- windows from a hand-written corpus ------------------------------------


def test_draw_windows_labels_from_hand_written_corpus(tmp_path):
    corpus = write_corpus(tmp_path, [
        # violin all along, cello only in [6.0, 6.5) seconds
        (3, "train", "Haydn", 10.0, [(0.0, 10.0, VIOLIN), (6.0, 6.5, CELLO)]),
        (5, "train", "Brahms", 6.0, [(0.5, 1.0, PIANO)]),
    ])
    windows = draw_windows(corpus.recordings, 40, length=5.0, random_state=0)
    assert len(windows) == 80
    assert windows.programs == INSTRUMENT_PROGRAMS
    haydn = windows.recording_ids == 3
    assert set(windows.composers[haydn]) == {"Haydn"}
    assert set(windows.composers[~haydn]) == {"Brahms"}
    # Program 41 is the violin column, the third of the vocabulary.
    assert column(VIOLIN) == 2
    assert (windows.instruments[haydn, 2] == 1).all()
    cello_expected = windows.starts[haydn] > 1.0  # [s, s+5) overlaps [6, 6.5)
    assert cello_expected.any() and not cello_expected.all()
    np.testing.assert_array_equal(windows.instruments[haydn, column(CELLO)], cello_expected)
    piano_expected = windows.starts[~haydn] < 1.0
    np.testing.assert_array_equal(windows.instruments[~haydn, column(PIANO)], piano_expected)
    others = [c for c in range(len(INSTRUMENT_PROGRAMS))
              if c not in (column(VIOLIN), column(CELLO), column(PIANO))]
    assert windows.instruments[:, others].sum() == 0
    # Same seed, same windows.
    again = draw_windows(corpus.recordings, 40, length=5.0, random_state=0)
    np.testing.assert_array_equal(again.starts, windows.starts)


def test_windows_concat_and_index(tmp_path):
    corpus = write_corpus(tmp_path, [
        (1, "train", "A", 6.0, [(0.0, 6.0, VIOLIN)]),
        (2, "train", "B", 6.0, [(0.0, 6.0, CELLO)]),
    ])
    a = draw_windows(corpus.recordings[:1], 3, random_state=0)
    b = draw_windows(corpus.recordings[1:], 2, random_state=1)
    both = Windows.concat([a, b])
    assert len(both) == 5
    np.testing.assert_array_equal(both.recording_ids, [1, 1, 1, 2, 2])
    assert list(both.composers) == ["A", "A", "A", "B", "B"]
    picked = both[[0, 4]]
    np.testing.assert_array_equal(picked.recording_ids, [1, 2])
    np.testing.assert_array_equal(picked.starts, both.starts[[0, 4]])
    assert picked.instruments[1, column(CELLO)] == 1 and picked.instruments[1].sum() == 1
    assert len(both[both.recording_ids == 2]) == 2
    assert len(both[3]) == 1 and both[3].composers[0] == "B"
    with pytest.raises(ValueError, match="cannot concatenate Windows with length=3.0"):
        Windows.concat([a, draw_windows(corpus.recordings[:1], 1, length=3.0)])


def test_draw_windows_rejects_short_recording(tmp_path):
    corpus = write_corpus(tmp_path, [(1, "train", "A", 2.0, [])])
    with pytest.raises(ValueError, match=r"recording 1 .* shorter than length=5.0"):
        draw_windows(corpus.recordings, 1)


# --- filtering -------------------------------------------------------------


def filtering_corpus(tmp_path):
    v, c, g = (0.0, 5.5, VIOLIN), (1.0, 2.0, CELLO), (0.0, 1.0, GUITAR)
    return write_corpus(tmp_path, [
        (1, "train", "Bach", 6.0, [v, c]),
        (2, "train", "Bach", 6.0, [v]),
        (3, "train", "Bach", 6.0, [v, g]),
        (4, "train", "Bach", 2.0, [c]),       # too short for a 5 s window
        (5, "train", "Mozart", 6.0, [v]),
        (6, "train", "Mozart", 6.0, [c]),
        (7, "train", "Satie", 6.0, [c, v]),   # the only Satie
        (8, "train", "Satie", 3.0, [c]),      # short: Satie falls to 1
    ])


def test_filter_classes_thresholds(tmp_path):
    corpus = filtering_corpus(tmp_path)
    with pytest.warns(CorpusWarning) as record:
        kept = filter_classes(corpus.recordings, min_composer_recordings=2,
                              min_instrument_recordings=3, length=5.0)
    messages = " ".join(str(w.message) for w in record)
    assert "recording 4" in messages and "recording 8" in messages
    assert kept.dropped_short == (4, 8)
    assert [r.id for r in kept.recordings] == [1, 2, 3, 5, 6]
    assert kept.composers == ("Bach", "Mozart")
    assert kept.dropped_composers == {"Satie": 1}
    # violin plays in 1, 2, 3, 5 (4 >= 3); cello in 1, 6 (2 < 3)
    assert kept.programs == (VIOLIN,)
    assert kept.dropped_instruments == {CELLO: 2}
    assert kept.unknown_instruments == {GUITAR: 1}
    report = kept.report()
    assert "Satie (1)" in report and "cello [43] (2)" in report
    assert "ids [4, 8]" in report and "program 25" in report

    looser = filter_classes(kept.recordings, min_composer_recordings=2,
                            min_instrument_recordings=2)
    assert looser.programs == (VIOLIN, CELLO)  # vocabulary order
    assert looser.dropped_instruments == {}


def test_filter_classes_needs_two_composers(tmp_path):
    corpus = filtering_corpus(tmp_path)
    with pytest.warns(CorpusWarning):
        with pytest.raises(ValueError, match=r"only 1 composer\(s\) \['Bach'\].*too few recordings: Mozart \(2\), Satie \(1\)"):
            filter_classes(corpus.recordings, min_composer_recordings=3)
    # The study's defaults (5 composer, 10 instrument recordings) drop all here.
    with pytest.warns(CorpusWarning):
        with pytest.raises(ValueError, match="min_composer_recordings=5"):
            filter_classes(corpus.recordings)


# --- splits ----------------------------------------------------------------


def split_corpus(tmp_path):
    recs = []
    for i in range(12):
        composer = ["Bach", "Mozart", "Haydn"][i % 3]
        split = "test" if i in (0, 4, 8) else "train"
        recs.append((100 + i, split, composer, 1.0, [(0.0, 0.5, PIANO)]))
    return write_corpus(tmp_path, recs)


def ids(recordings):
    return [r.id for r in recordings]


def test_official_split(tmp_path):
    corpus = split_corpus(tmp_path)
    assert corpus.has_official_split
    train, test = split_recordings(corpus.recordings)
    assert ids(test) == [100, 104, 108]
    assert not set(ids(train)) & set(ids(test))
    assert sorted(ids(train) + ids(test)) == ids(corpus.recordings)
    assert all(r.split == "train" for r in train)


def test_stratified_split_is_seeded_and_disjoint(tmp_path):
    corpus = split_corpus(tmp_path)
    train, test = split_recordings(corpus.recordings, use_official=False,
                                   test_size=0.25, random_state=0)
    assert not set(ids(train)) & set(ids(test))
    assert sorted(ids(train) + ids(test)) == ids(corpus.recordings)
    for composer in ("Bach", "Mozart", "Haydn"):
        assert [r.composer for r in test].count(composer) == 1  # 25% of 4
        assert [r.composer for r in train].count(composer) == 3
    again = split_recordings(corpus.recordings, use_official=False, random_state=0)
    assert ids(again[1]) == ids(test)
    others = {tuple(ids(split_recordings(corpus.recordings, use_official=False,
                                         random_state=s)[1])) for s in range(10)}
    assert len(others) > 1  # the seed matters
    # A tiny test_size still leaves every composer one test recording.
    tr, te = split_recordings(corpus.recordings, use_official=False, test_size=0.05)
    assert sorted(r.composer for r in te) == ["Bach", "Haydn", "Mozart"]
    # Only train recordings: no official split, stratified instead.
    only_train = [r for r in corpus.recordings if r.split == "train"]
    tr, te = split_recordings(only_train, random_state=1)
    assert te and not set(ids(tr)) & set(ids(te))
    assert {r.composer for r in te} == {"Bach", "Mozart", "Haydn"}


def test_stratified_split_errors(tmp_path):
    corpus = split_corpus(tmp_path)
    recs = [r for r in corpus.recordings if r.composer != "Haydn" or r.id == 102]
    with pytest.raises(ValueError, match=r"too few: Haydn \(1\)"):
        split_recordings(recs, use_official=False)
    with pytest.raises(ValueError, match=r"test_size=1.5 must be a number in \(0, 1\)"):
        split_recordings(corpus.recordings, use_official=False, test_size=1.5)
