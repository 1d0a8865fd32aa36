"""The model registry: the command line's short names -> sklearn estimators.

Every model is a :class:`ScaledModel`: a ``StandardScaler`` (updated with
``partial_fit`` in streaming mode), an optional PCA (offline only), and a
classifier.  The three tasks share one target encoding, so one estimator
covers them all with sklearn's multi-output contract:

composer
    ``y`` of shape ``(n,)``: the composer's index in the class list.
instruments
    ``Y`` of shape ``(n, n_instruments)``, 0/1 (multi-label).
joint
    ``Y`` of shape ``(n, 1 + n_instruments)``: the composer's index in
    column 0, the instrument indicators after it.  A window counts as exactly
    right only when every column is right (:func:`encode_targets` /
    :func:`decode_targets` convert).

Multi-output classifiers that do not support it natively are wrapped in
``MultiOutputClassifier`` (which supports ``partial_fit`` with
``classes=[classes_0, [0, 1], ...]``; ``OneVsRestClassifier.partial_fit``
rejects indicator matrices in scikit-learn 1.9).

>>> from baselines.models import make_model
>>> model = make_model("sgd-hinge", "composer", random_state=0)
>>> model.supports_partial_fit
True
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.decomposition import PCA
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import AdaBoostClassifier
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.multioutput import MultiOutputClassifier
from sklearn.neighbors import KNeighborsClassifier
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

__all__ = [
    "TASKS",
    "ModelSpec",
    "MODELS",
    "make_model",
    "ScaledModel",
    "ConstantSafeClassifier",
    "encode_targets",
    "decode_targets",
    "output_classes",
    "label_scores",
]

TASKS = ("composer", "instruments", "joint")


# ---------------------------------------------------------------------------
# Targets


# The target encoding is the tasks' (baselines.tasks.musicnet); these names
# stay importable from here.
from baselines.tasks.musicnet import decode_targets, encode_targets, output_classes  # noqa: E402,F401


def _check_task(task):
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r}; valid tasks: {', '.join(TASKS)}")


# ---------------------------------------------------------------------------
# Estimators


class ConstantSafeClassifier(ClassifierMixin, BaseEstimator):
    """A classifier that predicts the only class when ``fit`` sees one.

    A multi-label column can be constant in a small training sample (an
    instrument absent from every drawn window); most classifiers refuse to
    fit one class.  With several classes it is exactly ``estimator``.

    Parameters
    ----------
    estimator : classifier
    """

    def __init__(self, estimator=None):
        self.estimator = estimator

    def fit(self, X, y, **fit_params):
        y = np.asarray(y)
        self.classes_ = np.unique(y)
        if len(self.classes_) < 2:
            self.estimator_ = None
        else:
            self.estimator_ = clone(self.estimator).fit(X, y, **fit_params)
        self.n_features_in_ = np.asarray(X).shape[1]
        return self

    def partial_fit(self, X, y, classes=None, **fit_params):
        if not hasattr(self, "estimator_") or self.estimator_ is None:
            if classes is None:
                raise ValueError("classes must be passed on the first call to partial_fit")
            self.estimator_ = clone(self.estimator)
            self.classes_ = np.asarray(classes)
            self.n_features_in_ = np.asarray(X).shape[1]
        self.estimator_.partial_fit(X, y, classes=self.classes_, **fit_params)
        return self

    def predict(self, X):
        check_is_fitted(self, "classes_")
        if self.estimator_ is None:
            return np.full(np.asarray(X).shape[0], self.classes_[0])
        return self.estimator_.predict(X)

    def predict_proba(self, X):
        check_is_fitted(self, "classes_")
        if self.estimator_ is None:
            return np.ones((np.asarray(X).shape[0], 1))
        return self.estimator_.predict_proba(X)

    def decision_function(self, X):
        check_is_fitted(self, "classes_")
        if self.estimator_ is None:
            sign = 1.0 if self.classes_[0] == 1 else -1.0
            return np.full(np.asarray(X).shape[0], sign)
        return self.estimator_.decision_function(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = True
        return tags


class ScaledModel(ClassifierMixin, BaseEstimator):
    """StandardScaler -> optional PCA -> classifier, with ``partial_fit``.

    Parameters
    ----------
    estimator : classifier
        Cloned on ``fit`` / the first ``partial_fit``.
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

    def __init__(self, estimator=None, *, n_components=None, random_state=None):
        self.estimator = estimator
        self.n_components = n_components
        self.random_state = random_state

    @property
    def supports_partial_fit(self) -> bool:
        """Whether the classifier learns from mini-batches."""
        inner = self.estimator
        if isinstance(inner, MultiOutputClassifier):
            inner = inner.estimator
        if isinstance(inner, ConstantSafeClassifier):
            inner = inner.estimator
        return hasattr(inner, "partial_fit")

    def _seeded_estimator(self):
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

    def fit(self, X, y):
        """Fit scaler, PCA and classifier on all of ``X``."""
        X = validate_data(self, X, dtype=[np.float32, np.float64], reset=True)
        y = np.asarray(y)
        if len(y) != X.shape[0]:
            raise ValueError(f"X has {X.shape[0]} rows but y has {len(y)}")
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
        self.classes_ = _classes_of(self.estimator_)
        return self

    def partial_fit(self, X, y, classes=None):
        """One mini-batch: update the scaler's statistics, then the classifier.

        Parameters
        ----------
        classes : array-like or list of array-like
            Required on the first call (see :func:`output_classes`).
        """
        first = not hasattr(self, "estimator_")
        X = validate_data(self, X, dtype=[np.float32, np.float64], reset=first)
        if first:
            if classes is None:
                raise ValueError("classes must be passed on the first call to partial_fit")
            if self.n_components is not None:
                raise ValueError(
                    f"n_components={self.n_components}: PCA is offline only; "
                    "use fit, or n_components=None with partial_fit"
                )
            if not self.supports_partial_fit:
                raise ValueError(
                    f"{type(self.estimator).__name__} does not support partial_fit"
                )
            self.scaler_ = StandardScaler()
            self.pca_ = None
            self.estimator_, _ = self._seeded_estimator()
            self._partial_classes = classes
        self.scaler_.partial_fit(X)
        self.estimator_.partial_fit(
            self.scaler_.transform(X), np.asarray(y), classes=self._partial_classes
        )
        self.classes_ = _classes_of(self.estimator_)
        return self

    def _transform(self, X):
        check_is_fitted(self, "estimator_")
        X = validate_data(self, X, dtype=[np.float32, np.float64], reset=False)
        Z = self.scaler_.transform(X)
        if self.pca_ is not None:
            Z = self.pca_.transform(Z)
        return Z

    def predict(self, X):
        Z = self._transform(X)
        return self.estimator_.predict(Z)

    def predict_proba(self, X):
        Z = self._transform(X)
        return self.estimator_.predict_proba(Z)

    def has_proba(self) -> bool:
        """Whether fitted classifier gives probabilities."""
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


def _classes_of(estimator):
    if isinstance(estimator, MultiOutputClassifier):
        return [e.classes_ for e in estimator.estimators_]
    return estimator.classes_


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
        if isinstance(classes, list):  # natively multi-output (KNN, dummy)
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


# ---------------------------------------------------------------------------
# Registry


@dataclass(frozen=True)
class ModelSpec:
    """One registered model.

    Attributes
    ----------
    name : str
        The command line's short name.
    build : callable
        ``build(task, **params) -> ScaledModel``.
    streaming : bool
        Trained by ``partial_fit`` on fresh epochs (the SGD models) rather
        than ``fit`` on a fixed sample.
    tasks : tuple of str
    description : str
    """

    name: str
    build: Callable
    streaming: bool
    tasks: tuple = TASKS
    description: str = ""
    defaults: dict = field(default_factory=dict)


def _multi(task, classifier, *, safe=False):
    """The classifier for a task: as is when it is natively multi-output."""
    if task == "composer":
        return classifier
    return MultiOutputClassifier(ConstantSafeClassifier(classifier) if safe else classifier)


def _knn(task, *, n_neighbors=5, n_components=64, weights="uniform", random_state=None):
    knn = KNeighborsClassifier(n_neighbors=n_neighbors, weights=weights, algorithm="brute")
    return ScaledModel(knn, n_components=n_components, random_state=random_state)


def _adaboost(task, *, base="tree", n_estimators=50, max_depth=1,
              learning_rate=1.0, n_components=None, random_state=None):
    if base == "tree":
        base_estimator = DecisionTreeClassifier(max_depth=max_depth)
    elif base in ("logistic", "logreg"):
        base_estimator = LogisticRegression(max_iter=200)
    else:
        raise ValueError(f"base={base!r} is not one of 'tree', 'logistic'")
    ada = AdaBoostClassifier(
        base_estimator, n_estimators=n_estimators, learning_rate=learning_rate
    )
    return ScaledModel(_multi(task, ada, safe=True), n_components=n_components,
                       random_state=random_state)


def _sgd(loss):
    def build(task, *, alpha=1e-4, penalty="l2", learning_rate="optimal", eta0=0.01,
              average=False, random_state=None):
        sgd = SGDClassifier(
            loss=loss, alpha=alpha, penalty=penalty, learning_rate=learning_rate,
            eta0=eta0, average=average,
        )
        return ScaledModel(_multi(task, sgd, safe=True), random_state=random_state)
    return build


def _dummy(strategy):
    def build(task, *, random_state=None):
        return ScaledModel(DummyClassifier(strategy=strategy), random_state=random_state)
    return build


MODELS: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        ModelSpec("knn", _knn, False, description="KNeighbors (brute) after PCA-64"),
        ModelSpec("adaboost", _adaboost, False,
                  description="AdaBoost of depth-1 trees (base='logistic': the study's)"),
        ModelSpec("adaboost-logistic",
                  lambda task, **p: _adaboost(task, **{"base": "logistic", **p}), False,
                  description="AdaBoost of LogisticRegression, as the study used it"),
        ModelSpec("sgd-perceptron", _sgd("perceptron"), True, description="SGD, perceptron loss"),
        ModelSpec("sgd-hinge", _sgd("hinge"), True, description="SGD, hinge loss (linear SVM)"),
        ModelSpec("sgd-log", _sgd("log_loss"), True, description="SGD, log loss (logistic)"),
        ModelSpec("sgd-modified-huber", _sgd("modified_huber"), True,
                  description="SGD, modified Huber loss"),
        ModelSpec("dummy", _dummy("most_frequent"), False,
                  description="DummyClassifier, most frequent class (chance)"),
        ModelSpec("dummy-stratified", _dummy("stratified"), False,
                  description="DummyClassifier, stratified random guesses"),
    )
}


def make_model(name, task="composer", **params):
    """A fresh, unfitted model for ``task``.

    Parameters
    ----------
    name : str
        A key of :data:`MODELS`.
    task : {"composer", "instruments", "joint"}
    **params
        Passed to the model's builder (``random_state``, ``n_components``,
        ``alpha``, ...).

    Raises
    ------
    ValueError
        If the model or the task is unknown, or the model does not support the
        task; the message lists the valid names.
    """
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}; valid models: {', '.join(MODELS)}")
    _check_task(task)
    spec = MODELS[name]
    if task not in spec.tasks:
        raise ValueError(
            f"model {name!r} does not support task {task!r}; it supports "
            f"{', '.join(spec.tasks)}"
        )
    return spec.build(task, **params)
