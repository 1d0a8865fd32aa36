"""Nested tuning chooses by grouped folds of the training data only."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

from baselines.tuning import GroupedSearchCV


def grouped_data(seed=0):
    rng = np.random.default_rng(seed)
    groups = np.repeat(np.arange(12), 10)
    y = groups % 2
    # A per-group offset that a model could memorise: only grouped folds see
    # that it does not carry over to new groups.
    X = rng.normal(size=(120, 5)) + rng.normal(0, 3, size=(12, 5))[groups]
    X[:, 0] += 0.8 * y
    return X, y, groups


def test_inner_folds_never_split_a_group():
    X, y, groups = grouped_data()
    search = GroupedSearchCV(LogisticRegression(), {"C": [0.01, 1.0]}, n_splits=3)
    search.fit(X, y, groups=groups)
    folds = list(search.cv_.split(X, y, groups))
    assert len(folds) == 3
    for train, test in folds:
        assert not set(groups[train]) & set(groups[test])
    assert search.best_params_["C"] in (0.01, 1.0)
    assert search.n_groups_ == 12
    assert list(search.classes_) == [0, 1]
    assert search.predict_proba(X).shape == (120, 2)


def test_nested_uses_only_the_training_groups():
    X, y, groups = grouped_data(1)
    outer = GroupKFold(3)
    for train, test in outer.split(X, y, groups):
        search = GroupedSearchCV(LogisticRegression(), {"C": [0.1, 1.0]}, n_splits=2)
        search.fit(X[train], y[train], groups=groups[train])
        assert search.n_groups_ == len(set(groups[train]))
        assert not set(groups[train]) & set(groups[test])


def test_errors_and_warnings():
    X, y, groups = grouped_data()
    with pytest.warns(UserWarning, match="without groups"):
        GroupedSearchCV(LogisticRegression(), {"C": [1.0]}).fit(X, y)
    with pytest.raises(ValueError, match="at least 2 groups"):
        GroupedSearchCV(LogisticRegression(), {"C": [1.0]}).fit(X, y, groups=np.zeros(len(y)))
    assert not hasattr(GroupedSearchCV(LogisticRegression(), {}).fit(X, y, groups=groups),
                       "no_such_method")
