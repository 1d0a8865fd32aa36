"""The protocol: grouped folds never split a group, intervals resample groups."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import accuracy_score

from baselines.protocol import (
    ProtocolWarning,
    check_disjoint,
    expand_folds,
    grouped_folds,
    make_folds,
    metric_interval,
    n_groups,
    official_folds,
    paired_interval,
    score_interval,
)


def grouped_items(n_classes=3, groups_per_class=6, items_per_group=4):
    """Items with one class per group, groups named ``c<class>-w<work>``."""
    y, groups = [], []
    for c in range(n_classes):
        for w in range(groups_per_class):
            y += [c] * items_per_group
            groups += [f"c{c}-w{w}"] * items_per_group
    return np.array(y), np.array(groups)


@pytest.mark.parametrize("stratify", [True, False])
def test_no_group_on_both_sides_and_every_item_tested_once(stratify):
    y, groups = grouped_items()
    folds = grouped_folds(groups, y, n_splits=3, n_repeats=2, random_state=1, stratify=stratify)
    assert len(folds) == 6
    for repeat in (0, 1):
        tested = np.concatenate([f.test for f in folds if f.repeat == repeat])
        assert sorted(tested) == list(range(len(y)))
    for fold in folds:
        assert not set(groups[fold.train]) & set(groups[fold.test])
        assert len(fold.train) + len(fold.test) == len(y)


def test_stratified_folds_hold_every_class():
    y, groups = grouped_items(groups_per_class=6)
    for fold in grouped_folds(groups, y, n_splits=3, n_repeats=1):
        assert set(y[fold.test]) == {0, 1, 2}


def test_repeats_differ_and_seed_reproduces():
    y, groups = grouped_items()
    a = grouped_folds(groups, y, n_splits=3, n_repeats=2, random_state=0)
    b = grouped_folds(groups, y, n_splits=3, n_repeats=2, random_state=0)
    assert all(np.array_equal(f.test, g.test) for f, g in zip(a, b))
    first = {tuple(sorted(groups[f.test])) for f in a if f.repeat == 0}
    second = {tuple(sorted(groups[f.test])) for f in a if f.repeat == 1}
    assert first != second


def test_falls_back_with_a_warning_naming_the_class():
    y, groups = grouped_items(groups_per_class=4)
    y[groups == "c2-w0"] = 9  # class 9 lives in one group only
    with pytest.warns(ProtocolWarning, match=r"9 \(1\)"):
        folds = grouped_folds(groups, y, n_splits=3)
    for fold in folds:
        assert not set(groups[fold.train]) & set(groups[fold.test])
    with pytest.warns(ProtocolWarning, match="multi-label"):
        grouped_folds(groups, np.zeros((len(y), 2)), n_splits=3)


def test_too_few_groups_is_an_error():
    with pytest.raises(ValueError, match="2 groups cannot fill n_splits=3"):
        grouped_folds(["a", "a", "b"], [0, 0, 1], n_splits=3)


def test_official_split_and_straddling_warning():
    splits = np.array(["train", "train", "test", "test"])
    (fold,) = official_folds(splits)
    assert list(fold.train) == [0, 1] and list(fold.test) == [2, 3]
    with pytest.warns(ProtocolWarning, match="1 groups are on both sides.*'w1'"):
        official_folds(splits, ["w0", "w1", "w1", "w2"])
    with pytest.raises(ValueError, match="needs train and test"):
        official_folds(["train", "train"])
    assert len(make_folds("official", groups=[0, 1, 2, 3], splits=splits)) == 1
    with pytest.raises(ValueError, match="'official' or 'cv'"):
        make_folds("holdout", groups=[0])


def test_check_disjoint_names_groups():
    check_disjoint(["a", "b"], ["c"])
    with pytest.raises(ValueError, match="1 groups are on both sides of the fold: 'b'"):
        check_disjoint(["a", "b"], ["b", "c"], what="fold")


def test_n_groups():
    assert n_groups(["a", "b", "a", "c"]) == 3
    assert n_groups(np.array([3, 3, 3])) == 1


def test_interval_of_a_model_against_itself_is_zero():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 200)
    pred = np.where(rng.random(200) < 0.6, y, (y + 1) % 3)
    groups = np.repeat(np.arange(40), 5)
    diff = paired_interval(accuracy_score, y, pred, pred, groups, n_boot=200)
    assert (diff.estimate, diff.low, diff.high) == (0.0, 0.0, 0.0)
    correct = (pred == y).astype(float)
    fast = paired_interval(None, None, correct, correct, groups)
    assert (fast.estimate, fast.low, fast.high, fast.n_groups) == (0.0, 0.0, 0.0, 40)


def test_paired_interval_sees_a_real_difference():
    rng = np.random.default_rng(1)
    groups = np.repeat(np.arange(60), 10)
    difficulty = rng.random(60)[groups]  # shared by both models: cancels in the pair
    better = (rng.random(600) < 0.2 + 0.6 * difficulty).astype(float)
    worse = better * (rng.random(600) > 0.15)
    diff = paired_interval(None, None, better, worse, groups)
    assert diff.low > 0 and diff.estimate == pytest.approx(better.mean() - worse.mean())
    unpaired_low = score_interval(better, groups).low - score_interval(worse, groups).high
    assert diff.low > unpaired_low  # pairing removes the shared variation


def test_interval_coverage():
    """About 95 % of intervals cover the true accuracy of grouped Bernoulli data."""
    rng = np.random.default_rng(2)
    n_groups_, per_group, p = 40, 8, 0.6
    covered = 0
    trials = 200
    groups = np.repeat(np.arange(n_groups_), per_group)
    for t in range(trials):
        # Groups differ in difficulty, so items within a group are correlated.
        group_p = np.clip(p + rng.normal(0, 0.15, n_groups_), 0, 1)
        scores = (rng.random(len(groups)) < group_p[groups]).astype(float)
        interval = score_interval(scores, groups, n_boot=500, random_state=t)
        covered += interval.low <= p <= interval.high
    assert 0.85 <= covered / trials <= 0.99


def test_resampling_windows_instead_of_groups_would_be_too_narrow():
    rng = np.random.default_rng(3)
    groups = np.repeat(np.arange(20), 30)
    scores = (rng.random(20)[groups] > 0.5).astype(float)  # all-or-nothing per group
    by_group = score_interval(scores, groups)
    by_item = score_interval(scores, np.arange(len(scores)))
    assert by_group.n_groups == 20 and by_item.n_groups == 600
    assert (by_group.high - by_group.low) > 3 * (by_item.high - by_item.low)


def test_metric_interval_matches_score_interval_for_accuracy():
    rng = np.random.default_rng(4)
    y = rng.integers(0, 4, 300)
    pred = np.where(rng.random(300) < 0.5, y, 0)
    groups = np.repeat(np.arange(30), 10)
    general = metric_interval(accuracy_score, y, pred, groups, n_boot=1000)
    fast = score_interval(pred == y, groups, n_boot=1000)
    assert general.estimate == pytest.approx(fast.estimate)
    assert general.low == pytest.approx(fast.low, abs=0.03)
    assert general.high == pytest.approx(fast.high, abs=0.03)
    assert general.low < general.estimate < general.high
    d = general.as_dict("recording_accuracy")
    assert set(d) == {"recording_accuracy", "recording_accuracy_ci_low",
                      "recording_accuracy_ci_high", "recording_accuracy_n_groups"}


def test_expand_folds_puts_windows_on_their_recordings_side():
    y, groups = grouped_items(items_per_group=2)       # items are recordings here
    folds = grouped_folds(groups, y, n_splits=3)
    owner = np.repeat(np.arange(len(y)), 5)             # five windows per recording
    windows = expand_folds(folds, owner)
    for rec_fold, win_fold in zip(folds, windows):
        assert sorted(set(owner[win_fold.test])) == sorted(rec_fold.test)
        assert sorted(set(owner[win_fold.train])) == sorted(rec_fold.train)
        assert len(win_fold.test) == 5 * len(rec_fold.test)
