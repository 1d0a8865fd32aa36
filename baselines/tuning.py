"""Nested tuning: hyperparameters chosen by grouped CV inside the training data.

:class:`GroupedSearchCV` wraps an estimator and a parameter grid.  Its
``fit(X, y, groups=...)`` runs a grid search whose folds split the *groups*
of the data it is given (never a work on both sides, stratified where the
classes allow), refits the best setting on all of it, and then predicts
like that estimator.  Fitted on a training fold only, it is nested cross-
validation: no choice ever sees a test group.
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, clone
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

__all__ = ["GroupedSearchCV", "model_grid"]


def model_grid(name: str, model) -> dict:
    """``MODELS[name].param_grid`` in ``model``'s own parameter names.

    Empty when the registry gives the model no grid (nothing to tune).
    """
    from baselines import models

    grid = dict(getattr(models.MODELS[name], "param_grid", None) or {})
    if not grid:
        return {}
    search_grid = getattr(models, "search_grid", None)
    return search_grid(model, grid) if search_grid is not None else grid


def _best_has(attr):
    def check(self):
        target = getattr(self, "best_estimator_", self.estimator)
        return hasattr(target, attr)

    return check


class GroupedSearchCV(MetaEstimatorMixin, ClassifierMixin, BaseEstimator):
    """Grid search over grouped folds of the training data, then refit.

    Parameters
    ----------
    estimator : estimator
    param_grid : dict or list of dict
        As :class:`sklearn.model_selection.GridSearchCV`'s.
    n_splits : int, default=3
        Inner folds (fewer when the training data has fewer groups).
    scoring : str or callable or None, default=None
        The estimator's ``score`` (accuracy for classifiers) when None.
    random_state : int, default=0

    Attributes
    ----------
    best_params_ : dict
    best_estimator_ : estimator
    classes_ : np.ndarray
    n_groups_ : int
        Groups the inner folds split.
    cv_ : splitter
        The inner folds (``StratifiedGroupKFold`` or ``GroupKFold``).
    """

    def __init__(self, estimator, param_grid, *, n_splits=3, scoring=None, random_state=0):
        self.estimator = estimator
        self.param_grid = param_grid
        self.n_splits = n_splits
        self.scoring = scoring
        self.random_state = random_state

    def fit(self, X, y, groups=None, **fit_params):
        """Search ``param_grid`` over grouped folds of ``(X, y)``, refit the best.

        Parameters
        ----------
        X, y : array-like
        groups : array-like [shape=(n,)] or None
            Group per row.  Without groups every row is its own group (and a
            warning says the search may then leak between windows of one
            recording).

        Returns
        -------
        self
        """
        from sklearn.model_selection import GridSearchCV, GroupKFold, StratifiedGroupKFold

        y = np.asarray(y)
        if groups is None:
            warnings.warn("GroupedSearchCV.fit without groups: every row is its own group, so "
                          "inner folds may share recordings", UserWarning, stacklevel=2)
            groups = np.arange(len(y))
        groups = np.asarray(groups)
        n_groups = len(np.unique(groups))
        n_splits = min(int(self.n_splits), n_groups)
        if n_splits < 2:
            raise ValueError(f"nested tuning needs at least 2 groups in the training data; "
                             f"got {n_groups}")
        stratify = y.ndim == 1 and all(
            len(np.unique(groups[y == c])) >= n_splits for c in np.unique(y))
        cv = (StratifiedGroupKFold(n_splits, shuffle=True, random_state=self.random_state)
              if stratify else GroupKFold(n_splits, shuffle=True, random_state=self.random_state))
        search = GridSearchCV(clone(self.estimator), self.param_grid, cv=cv,
                              scoring=self.scoring, refit=True, n_jobs=1, error_score="raise")
        search.fit(X, y, groups=groups, **fit_params)
        self.best_params_ = search.best_params_
        self.best_score_ = float(search.best_score_)
        self.best_estimator_ = search.best_estimator_
        self.n_groups_ = n_groups
        self.cv_ = cv
        if hasattr(self.best_estimator_, "classes_"):
            self.classes_ = self.best_estimator_.classes_
        return self

    def predict(self, X):
        check_is_fitted(self, "best_estimator_")
        return self.best_estimator_.predict(X)

    @available_if(_best_has("predict_proba"))
    def predict_proba(self, X):
        check_is_fitted(self, "best_estimator_")
        return self.best_estimator_.predict_proba(X)

    @available_if(_best_has("decision_function"))
    def decision_function(self, X):
        check_is_fitted(self, "best_estimator_")
        return self.best_estimator_.decision_function(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = clone(self.estimator).__sklearn_tags__()
        tags.input_tags = inner.input_tags
        tags.target_tags = inner.target_tags
        return tags
