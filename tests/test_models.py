"""The model registry: every model on every target kind it serves, tuning grids,
the estimator contract (the sklearn checks are in test_estimator_checks.py)."""

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from baselines.models import (
    MODELS,
    TARGET_KINDS,
    ScaledModel,
    decode_targets,
    encode_targets,
    label_scores,
    make_model,
    models_for,
    output_classes,
    search_grid,
)
from baselines.tasks import get_task, task_names

TASKS = ("composer", "instruments", "joint")  # the MusicNet tasks these data encode

N_COMPOSERS, N_INSTRUMENTS = 3, 4


@pytest.fixture(scope="module")
def data():
    rng = np.random.RandomState(0)
    n = 240
    composer = rng.randint(0, N_COMPOSERS, n)
    instruments = (rng.rand(n, N_INSTRUMENTS) < 0.4).astype(np.uint8)
    instruments[:, -1] = 0  # an instrument absent from every training window
    X = rng.randn(n, 12).astype(np.float32)
    X[:, :3] += 3 * composer[:, None]
    X[:, 1] += 3 * instruments[:, 0]
    return X, composer, instruments


FAST = {"adaboost": {"n_estimators": 5}, "adaboost-logistic": {"n_estimators": 3},
        "knn": {"n_components": 8}, "random-forest": {"n_estimators": 10}}


@pytest.mark.parametrize("name, task", [(n, t) for t in TASKS for n in models_for(t)])
def test_every_model_on_every_task(name, task, data):
    X, composer, instruments = data
    y = encode_targets(task, composer, instruments)
    model = make_model(name, task, random_state=0, **FAST.get(name, {}))
    if MODELS[name].streaming:
        classes = output_classes(task, N_COMPOSERS, N_INSTRUMENTS)
        for start in list(range(0, len(X), 80)) * 3:  # three epochs
            model.partial_fit(X[start:start + 80], y[start:start + 80], classes=classes)
    else:
        model.fit(X, y)
    prediction = model.predict(X)
    assert prediction.shape == y.shape
    composer_pred, instruments_pred = decode_targets(task, prediction)
    if composer_pred is not None:
        accuracy = np.mean(composer_pred == composer)
        if name.startswith("dummy"):
            assert accuracy < 0.6
        else:  # composer is linearly separable here
            assert accuracy > 0.8, accuracy
    if instruments_pred is not None:
        assert set(np.unique(instruments_pred)) <= {0, 1}
        assert instruments_pred.shape == instruments.shape
    scores = label_scores(model, X)
    assert len(scores) == (1 if task == "composer" else y.shape[1])
    # same seed, same predictions
    again = make_model(name, task, random_state=0, **FAST.get(name, {}))
    if MODELS[name].streaming:
        for start in list(range(0, len(X), 80)) * 3:
            again.partial_fit(X[start:start + 80], y[start:start + 80], classes=classes)
    else:
        again.fit(X, y)
    np.testing.assert_array_equal(again.predict(X), prediction)


def test_streaming_flag_matches_partial_fit_support():
    for name, spec in MODELS.items():
        for kind in spec.kinds:
            model = make_model(name, kind)
            assert model.supports_partial_fit == spec.streaming, (name, kind)
            assert hasattr(model, "partial_fit") == spec.streaming, (name, kind)
        if spec.streaming:
            assert name.startswith("sgd-")


def test_sgd_losses():
    estimators = {name: make_model(name, MODELS[name].kinds[0]).estimator
                  for name in MODELS if name.startswith("sgd-")}
    losses = {name: getattr(est, "estimator", est).loss for name, est in estimators.items()}
    assert losses == {"sgd-perceptron": "perceptron", "sgd-hinge": "hinge",
                      "sgd-log": "log_loss", "sgd-modified-huber": "modified_huber",
                      "sgd-squared-error": "squared_error", "sgd-huber": "huber",
                      "sgd-epsilon-insensitive": "epsilon_insensitive"}


def test_adaboost_bases():
    from sklearn.linear_model import LogisticRegression
    from sklearn.tree import DecisionTreeClassifier

    assert isinstance(make_model("adaboost").estimator.estimator, DecisionTreeClassifier)
    assert isinstance(make_model("adaboost-logistic").estimator.estimator, LogisticRegression)
    assert isinstance(make_model("adaboost", base="logistic").estimator.estimator,
                      LogisticRegression)


def test_knn_has_pca_and_brute_force():
    model = make_model("knn")
    assert model.n_components == 64
    assert model.estimator.algorithm == "brute"


def test_unknown_names_list_valid_ones():
    with pytest.raises(ValueError, match="unknown model 'svm'.*knn.*sgd-hinge"):
        make_model("svm")
    with pytest.raises(ValueError, match="unknown target kind 'mood'.*multiclass.*regression"
                                         ".*composer, instruments, joint, chords, genre, affect"):
        make_model("knn", "mood")


@pytest.mark.parametrize("name", ["logreg", "svc-rbf", "adaboost-logistic", "sgd-hinge",
                                  "dummy-stratified"])
def test_model_of_another_kind_lists_those_that_fit(name):
    with pytest.raises(ValueError, match=f"model '{name}' does not serve target kind "
                                         "'regression'.*models for 'regression': knn, adaboost"
                                         ".*sgd-squared-error"):
        make_model(name, "regression")
    with pytest.raises(ValueError, match="does not serve target kind 'multiclass'.*logreg"):
        make_model("sgd-huber", "composer")


def test_task_names_map_to_kinds():
    kinds = {task: get_task(task).target_kind for task in TASKS}
    assert kinds == {"composer": "multiclass", "instruments": "multilabel",
                     "joint": "multiclass+multilabel"}
    for task in task_names():
        kind = get_task(task).target_kind
        for name in models_for(task):
            if MODELS[name].tasks:  # made for some tasks alone: no bare kind to compare
                assert task in MODELS[name].tasks and name not in models_for(kind)
                assert repr(make_model(name, task)) == repr(make_model(name, get_task(task)))
                continue
            assert repr(make_model(name, task)) == repr(make_model(name, kind))
            assert repr(make_model(name, get_task(task))) == repr(make_model(name, kind))
    with pytest.raises(ValueError, match="'template' serves only the tasks chords"):
        make_model("template", "composer")
    assert set(models_for("regression")) == {
        "knn", "adaboost", "sgd-squared-error", "sgd-huber", "sgd-epsilon-insensitive",
        "random-forest", "dummy"}
    assert {"logreg", "svc-rbf", "random-forest"} <= set(models_for("multiclass"))
    assert set(TARGET_KINDS) == {kind for spec in MODELS.values() for kind in spec.kinds}


def test_regressors_fit_multi_target():
    rng = np.random.RandomState(1)
    X = rng.randn(240, 12).astype(np.float32)
    Y = np.column_stack([X[:, 0] * 2.0 + 0.1 * rng.randn(len(X)), -X[:, 1]])
    for name in models_for("regression"):
        model = make_model(name, "regression", random_state=0, **FAST.get(name, {}))
        if MODELS[name].streaming:  # Huber's clipped gradients (epsilon=0.1) need epochs
            for _ in range(20):
                for start in range(0, len(X), 60):
                    model.partial_fit(X[start:start + 60], Y[start:start + 60])
        else:
            model.fit(X, Y)
        assert model.predict(X).shape == Y.shape, name
        r2 = model.score(X, Y)
        if name == "dummy":
            assert abs(r2) < 1e-6
        else:  # the targets are linear in X
            assert r2 > 0.5, (name, r2)


@pytest.mark.parametrize("name", [n for n, spec in MODELS.items() if spec.tunable])
def test_param_grid_names_parameters_of_every_kind(name):
    spec = MODELS[name]
    assert all(len(values) >= 2 for values in spec.param_grid.values())
    for kind in spec.kinds:
        model = make_model(name, kind)
        grid = search_grid(model, spec.param_grid)
        assert len(grid) == len(spec.param_grid)
        for key, values in grid.items():  # each value reaches the estimator it names
            model.set_params(**{key: values[-1]})
            assert model.get_params(deep=True)[key] == values[-1]
        # the same keywords through make_model build the same model
        params = {k: v[-1] for k, v in spec.param_grid.items()}
        assert repr(make_model(name, kind, **params)) == repr(model)


def test_untunable_models_have_empty_grids():
    assert not MODELS["dummy"].tunable and not MODELS["dummy-stratified"].tunable
    assert MODELS["logreg"].param_grid == {"C": [0.01, 0.1, 1.0, 10.0]}
    with pytest.raises(ValueError, match="grid key 'nope' matches 0 parameters"):
        search_grid(make_model("knn"), {"nope": [1, 2]})


def test_partial_fit_contract(data):
    X, composer, _ = data
    model = make_model("sgd-hinge", "composer", random_state=0)
    with pytest.raises(ValueError, match="classes must be passed"):
        model.partial_fit(X[:10], composer[:10])
    model.partial_fit(X[:50], composer[:50], classes=np.arange(N_COMPOSERS))
    with pytest.raises(ValueError, match="features"):
        model.partial_fit(X[:10, :5], composer[:10])
    with pytest.raises(NotFittedError):
        make_model("knn").predict(X)
    # methods the wrapped estimator lacks are hidden: hasattr tells the truth
    assert not hasattr(make_model("knn"), "partial_fit")
    assert not hasattr(make_model("sgd-hinge"), "predict_proba")
    assert not hasattr(make_model("sgd-hinge", "instruments"), "predict_proba")
    assert hasattr(make_model("sgd-log", "instruments"), "predict_proba")
    from sklearn.linear_model import SGDClassifier
    with pytest.raises(ValueError, match="offline only"):
        ScaledModel(SGDClassifier(), n_components=2).partial_fit(X, composer, classes=[0, 1, 2])


def test_fit_then_partial_fit_continues(data):
    X, composer, instruments = data
    for task in TASKS:
        y = encode_targets(task, composer, instruments)
        model = make_model("sgd-log", task, random_state=0).fit(X[:120], y[:120])
        model.partial_fit(X[120:], y[120:])  # classes_ from fit
        assert model.predict(X).shape == y.shape


def test_y_is_validated(data):
    X, composer, _ = data
    with pytest.raises(ValueError, match="Unknown label type"):
        make_model("logreg").fit(X, X[:, 0])
    with pytest.raises(ValueError, match="1-d; MultiOutputClassifier needs 2-d y"):
        make_model("logreg", "instruments").fit(X, composer)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        make_model("knn", "regression").fit(X, X[:-1, :2])


def test_init_stores_params_only():
    model = make_model("knn", n_components=16, random_state=3)
    params = model.get_params(deep=False)
    assert params["n_components"] == 16 and params["random_state"] == 3
    assert not any(k.endswith("_") for k in vars(model))


def test_targets_round_trip():
    composer = np.array([0, 2, 1])
    instruments = np.array([[1, 0], [0, 1], [1, 1]])
    joint = encode_targets("joint", composer, instruments)
    assert joint.shape == (3, 3)
    c, i = decode_targets("joint", joint)
    np.testing.assert_array_equal(c, composer)
    np.testing.assert_array_equal(i, instruments)
    assert output_classes("instruments", 3, 2)[0].tolist() == [0, 1]


@pytest.mark.parametrize("name", ["sgd-squared-error", "sgd-huber", "sgd-epsilon-insensitive"])
def test_sgd_regressors_learn_targets_in_the_hundreds(name):
    """Targets are standardised inside (a tempo in beats per minute made
    SGDRegressor overshoot); predictions come back in the targets' units."""
    from sklearn.metrics import r2_score

    rng = np.random.default_rng(0)
    X = rng.normal(size=(3000, 8)).astype(np.float32)
    Y = np.column_stack([120 + 30 * X[:, 0] - 10 * X[:, 1], 0.5 + 0.1 * X[:, 2]])
    Y += rng.normal(scale=[3.0, 0.01], size=Y.shape)
    streamed = make_model(name, "affect", random_state=0)
    for _ in range(5):
        for b in range(0, 2000, 500):
            streamed.partial_fit(X[b:b + 500], Y[b:b + 500])
    offline = make_model(name, "affect", random_state=0).fit(X[:2000], Y[:2000])
    for model in (streamed, offline):
        P = model.predict(X[2000:])
        assert P.shape == (1000, 2)
        assert r2_score(Y[2000:, 0], P[:, 0]) > 0.9
        assert abs(P[:, 0].mean() - 120) < 5  # the targets' units, not standardised ones
