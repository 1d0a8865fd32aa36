"""The template floor, temporal smoothing, undersampling, frames -> segments."""

from __future__ import annotations

import numpy as np
import pytest

from baselines.metrics_chords import confusion, frames_to_segments
from baselines.chord_models import (
    ChordTemplateClassifier, chord_templates, frame_probabilities, pitch_class_profile, smooth,
    undersample_indices,
)
from baselines.data.chord_labels import MAJMIN_CLASSES, NO_CHORD


def _chroma(pcs, frames=3):
    x = np.zeros((12, frames), np.float32)
    x[pcs] = 1.0
    return x.reshape(-1)


def test_template_matches_triads_and_says_n_below_threshold():
    X = np.stack([_chroma([0, 4, 7]), _chroma([9, 0, 4]), _chroma([7, 11, 2, 5]),
                  np.zeros(36, np.float32), _chroma([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11])])
    model = ChordTemplateClassifier(threshold=0.6).fit(X, [0, 21, 7, 24, 24])
    names = [MAJMIN_CLASSES[k] for k in model.predict(X)]
    assert names == ["C:maj", "A:min", "G:maj", "N", "N"]
    proba = model.predict_proba(X)
    assert proba.shape == (5, 25) and np.allclose(proba.sum(axis=1), 1)
    assert model.score(X, [0, 21, 7, 24, 24]) == 1.0


def test_template_validates_in_fit_only():
    model = ChordTemplateClassifier(threshold=2.0)  # __init__ stores, does not check
    with pytest.raises(ValueError, match="threshold=2.0"):
        model.fit(np.zeros((2, 12), np.float32))
    with pytest.raises(ValueError, match=r"class indices in \[0, 25\); got labels 0, 30"):
        ChordTemplateClassifier().fit(np.zeros((2, 12), np.float32), [0, 30])
    with pytest.raises(ValueError, match="got labels 'C:maj', 'N'"):
        ChordTemplateClassifier().fit(np.zeros((2, 12), np.float32), ["C:maj", "N"])
    with pytest.raises(ValueError, match="Unknown label type: continuous"):
        ChordTemplateClassifier().fit(np.zeros((2, 12), np.float32), [0.5, 3.0])
    with pytest.raises(ValueError, match="NaN"):
        ChordTemplateClassifier().fit(np.full((2, 12), np.nan, np.float32), [0, 1])
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        ChordTemplateClassifier().predict(np.zeros((2, 12), np.float32))


def test_template_reads_any_feature_count_as_pitch_class_rows():
    c_major = [[1, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0]]
    # 12 * k features: 12 rows of k frames, averaged (FrameContext's layout).
    assert pitch_class_profile(_chroma([0, 4, 7], frames=5)[None]).tolist() == c_major
    # Other counts: zeros fill the row to 12 * ceil(d / 12), so feature j is
    # pitch class j // ceil(d / 12): with 8 features, pitch classes 0..7.
    row = np.zeros((1, 8), np.float32)
    row[0, [0, 4, 7]] = 1
    assert pitch_class_profile(row).tolist() == c_major
    model = ChordTemplateClassifier().fit(row, [0])
    assert MAJMIN_CLASSES[model.predict(row)[0]] == "C:maj"
    # 14 features: two per pitch class, the last five classes short or empty.
    row = np.zeros((1, 14), np.float32)
    row[0, [0, 1, 8, 9, 12]] = 1  # C, C, E, E and the first of F#'s two
    assert pitch_class_profile(row)[0].tolist() == [1, 0, 0, 0, 1, 0, 0.5] + [0] * 5


def test_templates_are_triads():
    t = chord_templates()
    assert t.shape == (24, 12) and (t.sum(axis=1) == 3).all()
    assert np.flatnonzero(t[MAJMIN_CLASSES.index("Bb:min")]).tolist() == [1, 5, 10]


def test_smoothing_removes_a_one_frame_blip():
    classes = np.array([0] * 10 + [5] + [0] * 10 + [12] * 10)
    P = np.eye(25)[classes] * 0.8 + 0.2 / 25
    assert (smooth(P, method="none") == classes).all()
    expected = np.array([0] * 21 + [12] * 10)
    assert (smooth(P, method="median", median_frames=5) == expected).all()
    assert (smooth(P, method="hmm", self_transition=0.9) == expected).all()
    with pytest.raises(ValueError, match="method='mode'"):
        smooth(P, method="mode")


def test_frame_probabilities_of_a_model_without_them():
    from sklearn.linear_model import SGDClassifier

    X = np.random.default_rng(0).normal(size=(40, 4))
    y = np.array([3, 7] * 20)
    model = SGDClassifier(loss="hinge", random_state=0).fit(X, y)
    P = frame_probabilities(model, X)
    assert P.shape == (40, 25) and set(np.flatnonzero(P.sum(axis=0))) <= {3, 7}
    assert np.allclose(P.sum(axis=1), 1)


def test_undersampling_strings_dicts_callables_and_clamping():
    y = np.array([0] * 100 + [2] * 50 + [24] * 10)
    kept = undersample_indices(y, "auto", random_state=0)
    assert np.bincount(y[kept]).tolist()[0] == 10 and len(kept) == 30
    kept = undersample_indices(y, "cap:40", random_state=0)
    assert sorted(np.unique(y[kept], return_counts=True)[1].tolist()) == [10, 40, 40]
    with pytest.warns(UserWarning, match="class 24: 80 -> 10"):
        kept = undersample_indices(y, {0: 20, 24: 80}, random_state=0)
    counts = dict(zip(*np.unique(y[kept], return_counts=True)))
    assert counts == {0: 20, 2: 50, 24: 10}
    kept = undersample_indices(y, lambda y: {0: 5}, random_state=1)
    assert (y[kept] == 0).sum() == 5
    again = undersample_indices(y, lambda y: {0: 5}, random_state=1)
    assert (kept == again).all()


def test_frames_to_segments_midpoints_and_clipping():
    intervals, labels = frames_to_segments([0, 0, 12, 12, NO_CHORD], hop_seconds=1.0, seconds=4.2)
    assert labels == ["C:maj", "C:min", "N"]
    np.testing.assert_allclose(intervals, [[0, 1.5], [1.5, 3.5], [3.5, 4.2]])
    with pytest.raises(ValueError, match=r"\[0, 25\)"):
        frames_to_segments([0, 25], hop_seconds=1.0, seconds=2.0)


def test_confusion_leaves_out_excluded_frames():
    cm = confusion([0, 0, -1, 24], [0, 1, 3, 24])
    assert cm.sum() == 3 and cm[0, 0] == 1 and cm[0, 1] == 1 and cm[24, 24] == 1


def test_balance_values_from_the_command_line():
    from baselines.chord_models import parse_balance

    assert parse_balance(None) is None and parse_balance("none") is None
    assert parse_balance('{"0": 8000, "2": 8000}') == {0: 8000, 2: 8000}
    assert parse_balance("cap:2000") == "cap:2000" and parse_balance("auto") == "auto"
    with pytest.raises(ValueError, match="class indices to frame counts"):
        parse_balance('{"C:maj": 10}')
