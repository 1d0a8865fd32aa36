"""The model registry: every model on every task, the estimator contract."""

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from baselines.models import (
    MODELS,
    TASKS,
    decode_targets,
    encode_targets,
    label_scores,
    make_model,
    output_classes,
)

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
        "knn": {"n_components": 8}}


@pytest.mark.parametrize("name,task", [(name, task) for name, spec in MODELS.items()
                                       for task in TASKS if task in spec.tasks])
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
        if "composer" not in spec.tasks:
            continue
        model = make_model(name, "composer")
        assert model.supports_partial_fit == spec.streaming or not spec.streaming
        if spec.streaming:
            assert name.startswith("sgd-")


def test_sgd_losses():
    losses = {name: make_model(name, "composer").estimator.loss
              for name in MODELS if name.startswith("sgd-")}
    assert losses == {"sgd-perceptron": "perceptron", "sgd-hinge": "hinge",
                      "sgd-log": "log_loss", "sgd-modified-huber": "modified_huber"}


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
    with pytest.raises(ValueError, match="unknown task 'genre'.*composer, instruments, joint"):
        make_model("knn", "genre")


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
    with pytest.raises(ValueError, match="offline only"):
        make_model("knn").partial_fit(X, composer, classes=np.arange(3))


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
