"""The estimators the model registry builds: scaling wrappers that keep the
scikit-learn estimator contract.

:class:`ScaledModel` (classification) and :class:`ScaledRegressor` chain a
``StandardScaler`` (updated by ``partial_fit`` in streaming mode), an
optional PCA (offline only) and the wrapped estimator.  Methods the wrapped
estimator lacks are hidden with ``available_if`` (``hasattr`` tells the
truth), ``y`` is validated in ``fit`` and ``partial_fit``, and the wrapped
estimator's target tags are forwarded, so scikit-learn's checks feed a
multi-output wrapper 2-D ``y``.

:class:`ConstantSafeClassifier` lets a multi-label column be constant in a
training sample.  :func:`label_scores` gives per-output scores for metrics.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, clone
from sklearn.decomposition import PCA
from sklearn.linear_model import SGDClassifier
from sklearn.multioutput import MultiOutputClassifier
from sklearn.preprocessing import StandardScaler
from sklearn.utils import check_random_state, get_tags
from sklearn.utils._available_if import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

__all__ = ["ConstantSafeClassifier", "ScaledModel", "ScaledRegressor", "label_scores"]

_FLOATS = [np.float32, np.float64]


def _has(method):
    """``available_if`` condition: the fitted (else the unfitted) ``estimator`` has ``method``."""
    def check(self):
        inner = getattr(self, "estimator_", None)
        if inner is None:
            inner = self.estimator
        return hasattr(inner, method)
    return check


# ---------------------------------------------------------------------------
# One binary (or multi-class) column that may be constant


class ConstantSafeClassifier(ClassifierMixin, BaseEstimator):
    """A classifier that predicts the only class when ``fit`` sees one.

    A multi-label column can be constant in a small training sample (an
    instrument absent from every drawn window); most classifiers refuse to
    fit one class.  With several classes it is exactly ``estimator``.
    ``predict_proba``, ``decision_function`` and ``partial_fit`` exist only
    where ``estimator`` has them.

    Parameters
    ----------
    estimator : classifier
    """

    def __init__(self, estimator=None):
        self.estimator = estimator

    def _check_fit_input(self, X, y, reset):
        X = validate_data(self, X, dtype=None, ensure_all_finite=False, reset=reset)
        y = np.asarray(y)
        if y.ndim != 1 or len(y) != X.shape[0]:
            raise ValueError(f"y of shape {y.shape} must be 1-d with X's {X.shape[0]} rows")
        check_classification_targets(y)
        return X, y

    def fit(self, X, y, **fit_params):
        X, y = self._check_fit_input(X, y, reset=True)
        self.classes_ = np.unique(y)
        if len(self.classes_) < 2:
            self.estimator_ = None
        else:
            self.estimator_ = clone(self.estimator).fit(X, y, **fit_params)
        return self

    @available_if(lambda self: hasattr(self.estimator, "partial_fit"))
    def partial_fit(self, X, y, classes=None, **fit_params):
        X, y = self._check_fit_input(X, y, reset=not hasattr(self, "classes_"))
        if getattr(self, "estimator_", None) is None:
            if classes is None and not hasattr(self, "classes_"):
                raise ValueError("classes must be passed on the first call to partial_fit")
            known = np.asarray(classes) if classes is not None else self.classes_
            # Still constant (after a one-class fit): learn the classes from the data.
            self.classes_ = np.union1d(known, y)
            if len(self.classes_) < 2:
                self.estimator_ = None
                return self
            self.estimator_ = clone(self.estimator)
        self.estimator_.partial_fit(X, y, classes=self.classes_, **fit_params)
        return self

    def _n_rows(self, X):
        check_is_fitted(self, "classes_")
        return validate_data(self, X, dtype=None, ensure_all_finite=False, reset=False).shape[0]

    def predict(self, X):
        n = self._n_rows(X)
        if self.estimator_ is None:
            return np.full(n, self.classes_[0])
        return self.estimator_.predict(X)

    @available_if(lambda self: hasattr(self.estimator, "predict_proba"))
    def predict_proba(self, X):
        n = self._n_rows(X)
        if self.estimator_ is None:
            return np.ones((n, 1))
        return self.estimator_.predict_proba(X)

    @available_if(lambda self: hasattr(self.estimator, "decision_function"))
    def decision_function(self, X):
        n = self._n_rows(X)
        if self.estimator_ is None:
            sign = 1.0 if self.classes_[0] == 1 else -1.0
            return np.full(n, sign)
        return self.estimator_.decision_function(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = True
        return tags


# ---------------------------------------------------------------------------
# Scaler -> PCA -> estimator


class _Scaled(BaseEstimator):
    """Shared machinery of :class:`ScaledModel` and :class:`ScaledRegressor`."""

    def __init__(self, estimator=None, *, n_components=None, random_state=None):
        self.estimator = estimator
        self.n_components = n_components
        self.random_state = random_state

    @property
    def supports_partial_fit(self) -> bool:
        """Whether the wrapped estimator learns from mini-batches."""
        return hasattr(self.estimator, "partial_fit")

    def _seeded_estimator(self):
        if self.estimator is None:
            raise ValueError(f"{type(self).__name__}(estimator=None): pass an estimator")
        estimator = clone(self.estimator)
        seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
        params = {
            key: seed
            for key in estimator.get_params(deep=True)
            if key == "random_state" or key.endswith("__random_state")
        }
        if params:
            estimator.set_params(**params)
        return estimator, seed

    def _multi_output(self) -> bool:
        return self.estimator is not None and get_tags(self.estimator).target_tags.multi_output

    def _validate(self, X, y, reset):
        X, y = validate_data(self, X, y, dtype=_FLOATS, reset=reset,
                             multi_output=self._multi_output(), y_numeric=self._y_numeric)
        if not self._y_numeric:
            check_classification_targets(y)
        if y.ndim == 1 and not get_tags(self).target_tags.single_output:
            raise ValueError(f"y of shape {y.shape} is 1-d; {type(self.estimator).__name__} needs "
                             "2-d y, one column per output (class index, label or target)")
        return X, y

    def _targets(self, y, *, first):
        """The targets the estimator learns (a subclass may transform them)."""
        return y

    def _fit(self, X, y):
        X, y = self._validate(X, y, reset=True)
        y = self._targets(y, first=True)
        self.scaler_ = StandardScaler().fit(X)
        Z = self.scaler_.transform(X)
        estimator, seed = self._seeded_estimator()
        if self.n_components is not None:
            n = int(min(self.n_components, Z.shape[0], Z.shape[1]))
            self.pca_ = PCA(n_components=n, random_state=seed).fit(Z)
            Z = self.pca_.transform(Z)
        else:
            self.pca_ = None
        self.estimator_ = estimator.fit(Z, y)
        return self

    def _partial_fit(self, X, y, **fit_params):
        first = not hasattr(self, "estimator_")
        X, y = self._validate(X, y, reset=first)
        y = self._targets(y, first=first)
        if self.n_components is not None or getattr(self, "pca_", None) is not None:
            raise ValueError(
                f"n_components={self.n_components}: PCA is offline only; "
                "use fit, or n_components=None with partial_fit"
            )
        if first:
            self.scaler_ = StandardScaler()
            self.pca_ = None
            self.estimator_, _ = self._seeded_estimator()
        self.scaler_.partial_fit(X)
        self.estimator_.partial_fit(self.scaler_.transform(X), y, **fit_params)
        return self

    def _transform(self, X):
        check_is_fitted(self, "estimator_")
        X = validate_data(self, X, dtype=_FLOATS, reset=False)
        Z = self.scaler_.transform(X)
        if self.pca_ is not None:
            Z = self.pca_.transform(Z)
        return Z

    def predict(self, X):
        """Predictions of the wrapped estimator on scaled (and projected) ``X``."""
        Z = self._transform(X)
        return self.estimator_.predict(Z)

    def _forward_tags(self, tags):
        # Called by the subclasses after their mixin's tags: the mixin
        # (first in the MRO) would reset classifier_tags / regressor_tags.
        if self.estimator is not None:
            inner = get_tags(self.estimator)
            tags.target_tags.multi_output = inner.target_tags.multi_output
            tags.target_tags.single_output = inner.target_tags.single_output
            for kind in ("classifier_tags", "regressor_tags"):
                mine, theirs = getattr(tags, kind), getattr(inner, kind)
                if mine is not None and theirs is not None:
                    mine.poor_score = theirs.poor_score
            if tags.classifier_tags is not None and inner.classifier_tags is not None:
                tags.classifier_tags.multi_class = inner.classifier_tags.multi_class
        return tags


class ScaledModel(ClassifierMixin, _Scaled):
    """StandardScaler -> optional PCA -> classifier, with ``partial_fit``.

    Parameters
    ----------
    estimator : classifier
        Cloned on ``fit`` / the first ``partial_fit``; a multi-output
        classifier (``MultiOutputClassifier``, or a natively multi-output
        one) for 2-D ``y``.
    n_components : int or None, default=None
        PCA dimensions after scaling (offline ``fit`` only; clipped to the
        number of samples and features).
    random_state : int, RandomState or None, default=None
        Seeds the PCA and, where they take one, every nested estimator.

    Attributes
    ----------
    scaler_ : StandardScaler
    pca_ : PCA or None
    estimator_ : the fitted classifier
    classes_ : np.ndarray or list of np.ndarray (one per output)
    n_features_in_ : int
    """

    _y_numeric = False

    def __sklearn_tags__(self):
        return self._forward_tags(super().__sklearn_tags__())

    def fit(self, X, y):
        """Fit scaler, PCA and classifier on all of ``X``."""
        self._fit(X, y)
        self.classes_ = _classes_of(self.estimator_)
        return self

    @available_if(lambda self: self.supports_partial_fit)
    def partial_fit(self, X, y, classes=None):
        """One mini-batch: update the scaler's statistics, then the classifier.

        Parameters
        ----------
        classes : array-like or list of array-like
            Required on the first call (see :func:`baselines.models.output_classes`):
            one array per output, or one flat array for every output; after
            ``fit`` or a first call, ``classes_`` is used.
        """
        if classes is None:
            if not hasattr(self, "classes_"):
                raise ValueError("classes must be passed on the first call to partial_fit")
            classes = self.classes_
        elif np.ndim(y) == 2 and len(classes) and np.ndim(classes[0]) == 0:
            # One flat list of classes serves every output.
            classes = [np.asarray(classes)] * np.shape(y)[1]
        self._partial_fit(X, y, classes=classes)
        self.classes_ = _classes_of(self.estimator_)
        return self

    @available_if(_has("predict_proba"))
    def predict_proba(self, X):
        """Probabilities of the wrapped classifier (where it has them)."""
        Z = self._transform(X)
        return self.estimator_.predict_proba(Z)

    def has_proba(self) -> bool:
        """Whether the fitted classifier gives probabilities."""
        check_is_fitted(self, "estimator_")
        est = self.estimator_
        if isinstance(est, MultiOutputClassifier):
            est = est.estimators_[0]
        if isinstance(est, ConstantSafeClassifier):
            est = est.estimator
        return hasattr(est, "predict_proba")

    def decision_scores(self, X):
        """Per-output scores: probabilities where the classifier has them,
        else decision values (see :func:`label_scores`)."""
        return label_scores(self, X)


class ScaledRegressor(RegressorMixin, _Scaled):
    """StandardScaler -> optional PCA -> regressor, with ``partial_fit``.

    Parameters and attributes as :class:`ScaledModel` (no ``classes_``);
    ``estimator`` is a ``MultiOutputRegressor`` or a natively multi-output
    regressor for 2-D ``y`` (one column per target).

    scale_targets : bool, default=False
        Standardise each target column too (``target_scaler_``, updated by
        ``partial_fit`` as the features' scaler is), predictions mapped back:
        scikit-learn's ``TransformedTargetRegressor`` with a
        ``StandardScaler``, for mini-batches.  SGD regression needs it:
        with a step size made for unit-scale targets, a target in the
        hundreds (a tempo in beats per minute) made ``SGDRegressor``
        overshoot (R^2 in the thousands below zero, measured).  Trees,
        neighbours and boosting do not care, so it stays off for them.
    """

    _y_numeric = True

    def __init__(self, estimator=None, *, n_components=None, random_state=None,
                 scale_targets=False):
        super().__init__(estimator, n_components=n_components, random_state=random_state)
        self.scale_targets = scale_targets

    def __sklearn_tags__(self):
        return self._forward_tags(super().__sklearn_tags__())

    def _targets(self, y, *, first):
        """Standardised targets with ``scale_targets`` (the scaler refitted
        on ``fit`` / a first ``partial_fit``, updated by later batches)."""
        if not self.scale_targets:
            self.target_scaler_ = None
            return y
        column = np.asarray(y, dtype=np.float64)
        column = column.reshape(-1, 1) if column.ndim == 1 else column
        if first or getattr(self, "target_scaler_", None) is None:
            self.target_scaler_ = StandardScaler()
        self.target_scaler_.partial_fit(column)
        out = self.target_scaler_.transform(column)
        return out.ravel() if np.ndim(y) == 1 else out

    def fit(self, X, y):
        """Fit scaler, PCA and regressor on all of ``X``."""
        return self._fit(X, y)

    @available_if(lambda self: self.supports_partial_fit)
    def partial_fit(self, X, y):
        """One mini-batch: update the scalers' statistics, then the regressor."""
        return self._partial_fit(X, y)

    def predict(self, X):
        """Predictions on scaled (and projected) ``X``, in the targets' units."""
        out = super().predict(X)
        if getattr(self, "target_scaler_", None) is None:
            return out
        column = np.asarray(out, dtype=np.float64)
        back = self.target_scaler_.inverse_transform(column.reshape(len(column), -1))
        return back.ravel() if column.ndim == 1 else back


def _classes_of(estimator):
    if isinstance(estimator, MultiOutputClassifier):
        return [e.classes_ for e in estimator.estimators_]
    return estimator.classes_


# ---------------------------------------------------------------------------
# Scores for metrics


def label_scores(model, X):
    """Scores of each output of a fitted :class:`ScaledModel`.

    Returns
    -------
    list of np.ndarray
        One per output.  Binary outputs give a 1-d score of the positive
        label (probability, or decision value); multi-class outputs give
        ``(n, n_classes)`` probabilities, or ``None`` where the classifier has
        no probabilities (vote instead).
    """
    Z = model._transform(X)
    est = model.estimator_
    if isinstance(est, MultiOutputClassifier):
        parts = est.estimators_
        outputs = [(e, e.classes_) for e in parts]
    else:
        classes = est.classes_
        if isinstance(classes, list):  # natively multi-output (KNN, dummy, forest)
            if hasattr(est, "predict_proba"):
                probas = est.predict_proba(Z)
                return [_positive_or_full(p, c) for p, c in zip(probas, classes)]
            return [None] * len(classes)
        outputs = [(est, classes)]
    scores = []
    for e, classes in outputs:
        binary = set(np.asarray(classes).tolist()) <= {0, 1}
        if _has_proba(e):
            scores.append(_positive_or_full(e.predict_proba(Z), classes))
        elif binary and hasattr(e, "decision_function"):
            d = np.asarray(e.decision_function(Z), dtype=float)
            scores.append(d if len(classes) == 2 else np.full(len(Z), d.ravel()[0]))
        else:
            scores.append(None)
    return scores


def _has_proba(estimator):
    inner = estimator.estimator if isinstance(estimator, ConstantSafeClassifier) else estimator
    if isinstance(inner, SGDClassifier):
        return inner.loss in ("log_loss", "modified_huber")
    return hasattr(inner, "predict_proba")


def _positive_or_full(proba, classes):
    classes = np.asarray(classes)
    proba = np.asarray(proba, dtype=float)
    if set(classes.tolist()) <= {0, 1} and len(classes) <= 2:
        if len(classes) == 2:
            return proba[:, 1]
        return np.full(len(proba), float(classes[0]))
    return proba
