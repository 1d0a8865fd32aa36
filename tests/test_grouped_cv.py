"""The ablation's helpers: out-of-fold probabilities, recording votes, the table."""

from __future__ import annotations

import numpy as np

from baselines.grouped_cv import (default_pipeline, oof_probabilities, recording_scores,
                                  score_rows, table)
from baselines.protocol import grouped_folds


def synthetic(seed=0):
    rng = np.random.default_rng(seed)
    recordings = np.repeat(np.arange(24), 5)          # 5 windows per recording
    works = recordings // 2                            # 2 recordings per work
    y = (works % 3).astype(int)                        # 3 classes, 4 works each
    X = rng.normal(size=(120, 4))
    X[:, 0] += 2.0 * y
    return X, y, recordings, works


def test_every_window_is_predicted_once_per_repeat_by_a_model_that_never_saw_its_work():
    X, y, recordings, works = synthetic()
    folds = grouped_folds(works, y, n_splits=4, n_repeats=2)
    proba = oof_probabilities(default_pipeline, X, y, folds, 3)
    assert proba.shape == (2, 120, 3)
    np.testing.assert_allclose(proba.sum(axis=2), 1.0)
    assert (proba.argmax(axis=2) == y).mean() > 0.6


def test_recording_votes_and_table():
    X, y, recordings, works = synthetic(1)
    proba = np.zeros((1, 120, 3))
    proba[0, np.arange(120), y] = 1.0                   # right on every window...
    proba[0, :3, :] = 0.0
    proba[0, :3, (y[0] + 1) % 3] = 1.0                  # ...but 3 of recording 0's 5
    correct, ids = recording_scores(proba, y, recordings)
    assert list(ids) == list(range(24))
    assert correct[0, 0] == 0 and correct[0, 1:].all()
    scores = score_rows({"a": proba, "b": proba}, y, recordings, works)
    assert scores["a"].recording.estimate == 23 / 24
    assert scores["a"].window.estimate == 117 / 120
    assert scores["a"].recording.n_groups == 12
    text = table(scores, "a", ids // 2)
    assert "| b | 0.97 [" in text and "+0.00 [+0.00, +0.00]" in text


def test_nested_tuning_inside_the_training_folds():
    X, y, recordings, works = synthetic(2)
    folds = grouped_folds(works, y, n_splits=3)
    proba = oof_probabilities(lambda: default_pipeline(tune=True), X, y, folds, 3,
                              groups=works)
    assert proba.shape == (1, 120, 3)
    assert (proba.argmax(axis=2) == y).mean() > 0.6
