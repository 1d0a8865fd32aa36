"""The model registry: the command line's short names -> sklearn estimators.

A model is built for a *target kind*, the shape of what a task predicts:

multiclass
    ``y`` of shape ``(n,)``: one class per unit (``composer``, ``genre``).
multilabel
    ``Y`` of shape ``(n, n_labels)``, 0/1 (``instruments``).
multiclass+multilabel
    ``Y`` of shape ``(n, 1 + n_labels)``: a class index in column 0, label
    indicators after it (``joint``; :func:`encode_targets` /
    :func:`decode_targets` convert).  A unit counts as exactly right only
    when every column is right.
regression
    ``Y`` of shape ``(n, n_targets)``, real values (``affect``).

Every model is a :class:`~baselines.wrappers.ScaledModel` (classification)
or :class:`~baselines.wrappers.ScaledRegressor`: a ``StandardScaler``
(updated with ``partial_fit`` in streaming mode), an optional PCA (offline
only), and the estimator.  Multi-output kinds wrap estimators that are not
natively multi-output in ``MultiOutputClassifier`` (which supports
``partial_fit`` with ``classes=[classes_0, [0, 1], ...]``;
``OneVsRestClassifier.partial_fit`` rejects indicator matrices in
scikit-learn 1.9) or ``MultiOutputRegressor``.

Each :class:`ModelSpec` says which kinds it serves, whether it streams
(``partial_fit`` on fresh epochs) and a small ``param_grid`` of
:func:`make_model` keywords for tuning by grouped cross-validation
(:func:`search_grid` names them for ``GridSearchCV``).

Adding a model: write a builder ``(kind, **params) -> ScaledModel`` (and
``(**params) -> ScaledRegressor`` where it has a regression twin), register a
:class:`ModelSpec` in :data:`MODELS`; ``tests/test_models.py`` and
``tests/test_estimator_checks.py`` then run it on every kind it serves (and a
task-only model, ``ModelSpec(tasks=..., task_model=...)``, on every task it
serves).
Callers pass ``get_task(task).target_kind`` (a task name also works).

>>> from baselines.models import make_model
>>> model = make_model("sgd-hinge", "multiclass", random_state=0)
>>> model.supports_partial_fit
True
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.ensemble import (AdaBoostClassifier, AdaBoostRegressor, RandomForestClassifier,
                              RandomForestRegressor)
from sklearn.linear_model import LogisticRegression, SGDClassifier, SGDRegressor
from sklearn.multioutput import MultiOutputClassifier, MultiOutputRegressor
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.svm import SVC
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from baselines.tasks import TARGET_KINDS, Task, get_task, task_names
from baselines.wrappers import ConstantSafeClassifier, ScaledModel, ScaledRegressor, label_scores

__all__ = [
    "TARGET_KINDS",
    "CLASSIFICATION_KINDS",
    "target_kind_of",
    "ModelSpec",
    "MODELS",
    "make_model",
    "models_for",
    "search_grid",
    "ScaledModel",
    "ScaledRegressor",
    "ConstantSafeClassifier",
    "encode_targets",
    "decode_targets",
    "output_classes",
    "label_scores",
]

CLASSIFICATION_KINDS = tuple(kind for kind in TARGET_KINDS if kind != "regression")


def target_kind_of(kind_or_task) -> str:
    """A target kind, given one or a registered task (or its name).

    Raises
    ------
    ValueError
        Neither a target kind nor a registered task.
    """
    if isinstance(kind_or_task, str) and kind_or_task in TARGET_KINDS:
        return kind_or_task
    if isinstance(kind_or_task, Task) or kind_or_task in task_names():
        return get_task(kind_or_task).target_kind
    raise ValueError(f"unknown target kind {kind_or_task!r}; valid kinds: "
                     f"{', '.join(TARGET_KINDS)} (or a task: {', '.join(task_names())})")


# The target encoding is the tasks' (baselines.tasks.musicnet); these names
# stay importable from here.
from baselines.tasks.musicnet import decode_targets, encode_targets, output_classes  # noqa: E402,F401


# ---------------------------------------------------------------------------
# Registry


@dataclass(frozen=True)
class ModelSpec:
    """One registered model.

    Attributes
    ----------
    name : str
        The command line's short name.
    classifier : callable or None
        ``classifier(kind, **params) -> ScaledModel`` for the classification
        kinds; ``None`` where the model has no classifier.
    regressor : callable or None
        ``regressor(**params) -> ScaledRegressor``; ``None`` where the model
        has no regression twin.
    streaming : bool
        Trained by ``partial_fit`` on fresh epochs (the SGD models) rather
        than ``fit`` on a fixed sample.
    description : str
    param_grid : dict
        :func:`make_model` keyword -> candidate values, for tuning by grouped
        cross-validation inside training folds; empty when nothing is tuned.
    tasks : tuple of str
        For a model that serves only some tasks whatever their kind (the
        chord template reads chroma frames): those tasks, built by
        ``task_model(**params)``; such a model serves no bare target kind.
    task_model : callable or None
    """

    name: str
    classifier: Callable | None
    regressor: Callable | None
    streaming: bool
    description: str = ""
    param_grid: dict = field(default_factory=dict)
    tasks: tuple = ()
    task_model: Callable | None = None

    @property
    def kinds(self) -> tuple:
        """The target kinds this model serves."""
        return ((CLASSIFICATION_KINDS if self.classifier else ())
                + (("regression",) if self.regressor else ()))

    @property
    def tunable(self) -> bool:
        """Whether the model has hyperparameters to tune (a non-empty grid)."""
        return bool(self.param_grid)

    def build(self, kind, **params):
        """A fresh model for ``kind`` (a :data:`TARGET_KINDS` entry)."""
        if kind == "regression":
            return self.regressor(**params)
        return self.classifier(kind, **params)


def _multi(kind, classifier, *, safe=False):
    """The classifier for a kind: as is for one output or a natively multi-output one."""
    if kind == "multiclass":
        return classifier
    return MultiOutputClassifier(ConstantSafeClassifier(classifier) if safe else classifier)


def _knn(kind, *, n_neighbors=5, n_components=64, weights="uniform", random_state=None):
    knn = KNeighborsClassifier(n_neighbors=n_neighbors, weights=weights, algorithm="brute")
    return ScaledModel(knn, n_components=n_components, random_state=random_state)


def _knn_regressor(*, n_neighbors=5, n_components=64, weights="uniform", random_state=None):
    knn = KNeighborsRegressor(n_neighbors=n_neighbors, weights=weights, algorithm="brute")
    return ScaledRegressor(knn, n_components=n_components, random_state=random_state)


def _adaboost(kind, *, base="tree", n_estimators=50, max_depth=1,
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
    return ScaledModel(_multi(kind, ada, safe=True), n_components=n_components,
                       random_state=random_state)


def _adaboost_regressor(*, n_estimators=50, max_depth=3, learning_rate=1.0, loss="linear",
                        n_components=None, random_state=None):
    # Depth 3 is AdaBoostRegressor's own default: stumps fit little of a real target.
    ada = AdaBoostRegressor(DecisionTreeRegressor(max_depth=max_depth),
                            n_estimators=n_estimators, learning_rate=learning_rate, loss=loss)
    return ScaledRegressor(MultiOutputRegressor(ada), n_components=n_components,
                           random_state=random_state)


def _sgd(loss):
    def build(kind, *, alpha=1e-4, penalty="l2", learning_rate="optimal", eta0=0.01,
              average=False, random_state=None):
        sgd = SGDClassifier(
            loss=loss, alpha=alpha, penalty=penalty, learning_rate=learning_rate,
            eta0=eta0, average=average,
        )
        return ScaledModel(_multi(kind, sgd, safe=True), random_state=random_state)
    return build


def _sgd_regressor(loss, eta0=0.01):
    def build(*, alpha=1e-4, penalty="l2", learning_rate="invscaling", eta0=eta0,
              epsilon=0.1, average=False, random_state=None):
        sgd = SGDRegressor(loss=loss, alpha=alpha, penalty=penalty,
                           learning_rate=learning_rate, eta0=eta0, epsilon=epsilon,
                           average=average)
        # targets standardised: SGD's step sizes assume unit-scale targets
        return ScaledRegressor(MultiOutputRegressor(sgd), random_state=random_state,
                               scale_targets=True)
    return build


def _logreg(kind, *, C=1.0, max_iter=1000, random_state=None):
    logreg = LogisticRegression(C=C, max_iter=max_iter)
    return ScaledModel(_multi(kind, logreg, safe=True), random_state=random_state)


def _svc_rbf(kind, *, C=1.0, gamma="scale", random_state=None):
    # probability=False: Platt scaling costs five extra fits; binary outputs
    # score by decision values, multi-class ones vote (see label_scores).
    svc = SVC(kernel="rbf", C=C, gamma=gamma)
    return ScaledModel(_multi(kind, svc, safe=True), random_state=random_state)


def _forest(kind, *, n_estimators=100, max_depth=None, min_samples_leaf=1, random_state=None):
    # Natively multi-output: one forest serves every kind.
    forest = RandomForestClassifier(n_estimators=n_estimators, max_depth=max_depth,
                                    min_samples_leaf=min_samples_leaf, n_jobs=1)
    return ScaledModel(forest, random_state=random_state)


def _forest_regressor(*, n_estimators=100, max_depth=None, min_samples_leaf=1,
                      random_state=None):
    forest = RandomForestRegressor(n_estimators=n_estimators, max_depth=max_depth,
                                   min_samples_leaf=min_samples_leaf, n_jobs=1)
    return ScaledRegressor(forest, random_state=random_state)


def _template(*, threshold=0.5, temperature=0.05, random_state=None):
    from baselines.chord_models import ChordTemplateClassifier

    return ChordTemplateClassifier(threshold=threshold, temperature=temperature)


def _dummy(strategy):
    def build(kind, *, random_state=None):
        return ScaledModel(DummyClassifier(strategy=strategy), random_state=random_state)
    return build


def _dummy_regressor(*, strategy="mean", random_state=None):
    return ScaledRegressor(DummyRegressor(strategy=strategy), random_state=random_state)


_ALPHAS = {"alpha": [1e-5, 1e-4, 1e-3, 1e-2]}

MODELS: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        ModelSpec("knn", _knn, _knn_regressor, False,
                  "KNeighbors (brute) after PCA-64",
                  {"n_neighbors": [1, 5, 15, 35]}),
        ModelSpec("adaboost", _adaboost, _adaboost_regressor, False,
                  "AdaBoost of depth-1 trees (depth 3 for regression; "
                  "base='logistic': the study's)",
                  {"n_estimators": [50, 200], "max_depth": [1, 3]}),
        ModelSpec("adaboost-logistic",
                  lambda kind, **p: _adaboost(kind, **{"base": "logistic", **p}), None, False,
                  "AdaBoost of LogisticRegression, as the study used it",
                  {"n_estimators": [10, 50]}),
        ModelSpec("sgd-perceptron", _sgd("perceptron"), None, True,
                  "SGD, perceptron loss", _ALPHAS),
        ModelSpec("sgd-hinge", _sgd("hinge"), None, True,
                  "SGD, hinge loss (linear SVM)", _ALPHAS),
        ModelSpec("sgd-log", _sgd("log_loss"), None, True,
                  "SGD, log loss (logistic)", _ALPHAS),
        ModelSpec("sgd-modified-huber", _sgd("modified_huber"), None, True,
                  "SGD, modified Huber loss", _ALPHAS),
        # Squared loss has an unbounded gradient: a step is stable while
        # eta * |x|^2 < 2, and standardised `stats` rows have |x|^2 ~ 458, so
        # scikit-learn's eta0=0.01 diverged (R^2 -523 on the style corpus).
        ModelSpec("sgd-squared-error", None, _sgd_regressor("squared_error", eta0=1e-3), True,
                  "SGD regression, squared error", _ALPHAS),
        ModelSpec("sgd-huber", None, _sgd_regressor("huber"), True,
                  "SGD regression, Huber loss", _ALPHAS),
        ModelSpec("sgd-epsilon-insensitive", None, _sgd_regressor("epsilon_insensitive"), True,
                  "SGD regression, epsilon-insensitive loss (linear SVR)", _ALPHAS),
        ModelSpec("logreg", _logreg, None, False,
                  "LogisticRegression (reference row)",
                  {"C": [0.01, 0.1, 1.0, 10.0]}),
        ModelSpec("svc-rbf", _svc_rbf, None, False,
                  "SVC with RBF kernel (reference row)",
                  {"C": [0.1, 1.0, 10.0, 100.0]}),
        ModelSpec("random-forest", _forest, _forest_regressor, False,
                  "RandomForest (reference row)",
                  {"n_estimators": [100, 300], "max_depth": [None, 16]}),
        ModelSpec("template", None, None, False,
                  "binary major/minor triad templates, cosine on chroma frames, a threshold "
                  "for N (trains nothing; chords only)", tasks=("chords",),
                  task_model=_template),
        ModelSpec("dummy", _dummy("most_frequent"), _dummy_regressor, False,
                  "Dummy: most frequent class / mean of each target (chance)"),
        ModelSpec("dummy-stratified", _dummy("stratified"), None, False,
                  "DummyClassifier, stratified random guesses"),
    )
}


def models_for(kind) -> list[str]:
    """Names of the models that serve ``kind`` (a target kind or a task name;
    a task also gets the models made for it alone)."""
    task = _task_name(kind)
    kind = target_kind_of(kind)
    return [name for name, spec in MODELS.items()
            if kind in spec.kinds or (task is not None and task in spec.tasks)]


def _task_name(kind_or_task):
    """The task's name, or None for a bare target kind."""
    if isinstance(kind_or_task, Task):
        return kind_or_task.name
    if isinstance(kind_or_task, str) and kind_or_task not in TARGET_KINDS:
        return kind_or_task if kind_or_task in task_names() else None
    return None


def make_model(name, target_kind="multiclass", **params):
    """A fresh, unfitted model for a target kind.

    Parameters
    ----------
    name : str
        A key of :data:`MODELS`.
    target_kind : str or Task, default="multiclass"
        One of :data:`TARGET_KINDS` (``get_task(task).target_kind``); a
        registered task or its name (``"composer"``) is mapped to its kind.
    **params
        Passed to the model's builder (``random_state``, ``n_components``,
        ``alpha``, ...; the keys of ``MODELS[name].param_grid``).

    Raises
    ------
    ValueError
        If the model or the kind is unknown, or the model does not serve the
        kind; the message lists the valid names.
    """
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}; valid models: {', '.join(MODELS)}")
    kind = target_kind_of(target_kind)
    spec = MODELS[name]
    if spec.tasks:
        task = _task_name(target_kind)
        if task not in spec.tasks:
            raise ValueError(f"model {name!r} serves only the tasks {', '.join(spec.tasks)}; "
                             f"got {target_kind if task is None else task!r}")
        return spec.task_model(**params)
    if kind not in spec.kinds:
        raise ValueError(
            f"model {name!r} does not serve target kind {kind!r} (it serves "
            f"{', '.join(spec.kinds)}); models for {kind!r}: {', '.join(models_for(kind))}"
        )
    return spec.build(kind, **params)


def search_grid(model, param_grid) -> dict:
    """``param_grid`` (:func:`make_model` keywords) as ``model``'s parameter names.

    For ``GridSearchCV(model, search_grid(model, MODELS[name].param_grid))``:
    each keyword becomes the one nested parameter it sets, e.g. ``alpha`` ->
    ``estimator__estimator__estimator__alpha`` for SGD on a multi-label kind.

    Raises
    ------
    ValueError
        A keyword matches no nested parameter, or more than one.
    """
    names = list(model.get_params(deep=True))
    grid = {}
    for key, values in param_grid.items():
        hits = [n for n in names if n == key or n.endswith("__" + key)]
        # The wrapper's own parameter (n_components) wins over a nested namesake.
        if key in hits:
            hits = [key]
        if len(hits) != 1:
            raise ValueError(f"{type(model).__name__}: grid key {key!r} matches "
                             f"{len(hits)} parameters ({', '.join(hits) or 'none'})")
        grid[hits[0]] = list(values)
    return grid
