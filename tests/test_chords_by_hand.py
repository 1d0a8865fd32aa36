"""An Isophonics-layout folder written by hand, scored by hand.

Two tracks, with tabs, a comment, a gap, a seventh and a dim chord, and
audio synthesised from their chords.  The reader, the label mapping and
``chord_majmin_wcsr`` are checked against values worked out below.
"""

from __future__ import annotations

import numpy as np
import pytest
from chord_helpers import write_track

from baselines.metrics_chords import aggregate, collection_table, score_track
from baselines.data.chord_labels import EXCLUDED, MAJMIN_CLASSES, majmin_classes
from baselines.data.isophonics import IsophonicsDataset

A_LINES = ["# written by hand: a gap from 4 to 5 s", "0.0\t2.0\tC:maj", "2.0\t4.0\tG:7",
           "5.0\t6.0\tB:dim", "6.0\t8.0\tA:min"]
B_LINES = ["0 3 F:maj", "3\t6\tD:min7"]
HOP = 0.5  # seconds between frame centres


def _classes(*names):
    return [MAJMIN_CLASSES.index(n) for n in names]


@pytest.fixture
def folder(tmp_path):
    a = ([[0, 2], [2, 4], [4, 5], [5, 6], [6, 8]], ["C:maj", "G:7", "N", "B:dim", "A:min"])
    b = ([[0, 3], [3, 6]], ["F:maj", "D:min7"])
    write_track(tmp_path, "Hand", "One", "a", A_LINES, audio_chords=a)
    write_track(tmp_path, "Hand", "Two", "b", B_LINES, audio_chords=b)
    return tmp_path


def test_reader_and_label_mapping(folder):
    data = IsophonicsDataset(folder, seed=0)
    assert [t.id for t in data] == ["Hand/One/a", "Hand/Two/b"]
    a = data["Hand/One/a"]
    intervals, labels = a.chords()
    assert labels == ["C:maj", "G:7", "N", "B:dim", "A:min"]  # the gap became N
    np.testing.assert_allclose(intervals, [[0, 2], [2, 4], [4, 5], [5, 6], [6, 8]])
    assert a.seconds == 8.0 and data["Hand/Two/b"].seconds == 6.0
    assert len(a.audio(sr=22050)) == 8 * 22050
    classes = majmin_classes(labels).tolist()
    assert classes == _classes("C:maj", "G:maj", "N") + [EXCLUDED] + _classes("A:min")
    assert majmin_classes(data["Hand/Two/b"].chords()[1]).tolist() == _classes("F:maj", "D:min")
    # the seventh and the dim chord count in the class distribution as worked out
    dist = data.class_distribution()["Hand"]
    assert dist["G:maj"] == 2.0 and dist["excluded"] == 1.0 and dist["N"] == 1.0
    assert dist["D:min"] == 3.0


def test_majmin_wcsr_of_a_known_prediction(folder):
    data = IsophonicsDataset(folder, seed=0)
    # Track a, 17 frames centred on 0, 0.5, ..., 8 s.  A run starting at frame
    # s covers from (s - 1/2) * HOP: C:maj [0, 3.75), N [3.75, 4.75),
    # C:maj [4.75, 5.75), A:min [5.75, 8].
    pred_a = np.array(_classes(*["C:maj"] * 8, "N", "N", "C:maj", "C:maj", *["A:min"] * 5))
    # Track b, 13 frames: F:maj throughout.
    pred_b = np.array(_classes(*["F:maj"] * 13))
    per_track = []
    for track, pred in ((data["Hand/One/a"], pred_a), (data["Hand/Two/b"], pred_b)):
        per_track.append(score_track(*track.chords(), pred, hop_seconds=HOP, seconds=track.seconds,
                                     collection=track.collection, track_id=track.id))
    # By hand, track a: B:dim (5-6 s) is left out, 7 s are scored; right are
    # C 0-2 (2 s), N 4-4.75 (0.75 s), A:min 6-8 (2 s): 4.75 / 7.
    assert per_track[0]["scores"]["majmin"] == pytest.approx(4.75 / 7)
    # track b: F:maj right for 3 of 6 s (D:min7 is D:min, predicted F:maj).
    assert per_track[1]["scores"]["majmin"] == pytest.approx(0.5)
    metrics = aggregate(per_track)
    # MIREX WCSR: weighted by track duration (8 s and 6 s).
    assert metrics["chord_majmin_wcsr"] == pytest.approx((8 * 4.75 / 7 + 6 * 0.5) / 14)
    # Frames: a scores 14 (the dim frames and the frame at 8.0 s are left
    # out), 10 right; b scores 12, 6 right.
    assert metrics["chord_frame_accuracy"] == pytest.approx(16 / 26)
    # root: G:7 predicted C:maj is wrong, N right, dim (root B) vs C wrong
    assert 0 < metrics["chord_root_wcsr"] < 1
    table = collection_table(per_track)
    assert table["Hand"]["tracks"] == 2
    assert table["Hand"]["chord_majmin_wcsr"] == pytest.approx(metrics["chord_majmin_wcsr"])


def test_template_reads_the_synthesised_chords(folder):
    from baselines.chord_models import ChordTemplateClassifier
    from features.context import FrameContext

    data = IsophonicsDataset(folder, seed=0)
    fc = FrameContext(kind="chroma", context=1, hop_length=11025, n_fft=4096)
    model = ChordTemplateClassifier().fit(np.zeros((1, 36), np.float32))
    for track in data:
        frames = fc.recording_frames(track.audio(sr=fc.sr))
        pred = model.predict(fc.frame_features(frames))
        result = score_track(*track.chords(), pred, hop_seconds=HOP, seconds=track.seconds)
        # pure synthesised triads and sevenths: the template gets nearly all
        assert result["scores"]["majmin"] > 0.8, (track.id, [MAJMIN_CLASSES[p] for p in pred])
