"""Fit and predict for every model in the registry, at two training sizes.

Every model learns the ``joint`` task (composer and instruments in one
estimator, as ``baselines.models`` encodes it) on summary features of
windows drawn from the profile's corpus; the second training size is four
times the first, so the growth of cost with data shows.  The held-out
windows come from other recordings and are the same at both sizes.

``track_*`` report each model's held-out composer accuracy and instrument
exact match next to its times, so a speed-up that costs accuracy shows in
the same report.
"""

from __future__ import annotations

import numpy as np

from .common import (
    PROFILE,
    SEED,
    Benchmark,
    load_corpus,
    model_dataset,
    optional_import,
    require,
)

TASK = "joint"
_models = optional_import("baselines.models")
MODEL_NAMES = _models.models_for(TASK) if _models is not None else ["(models missing)"]


def model_feature_set() -> str:
    """The tabular feature set the models learn from."""
    if PROFILE.model_features:
        return PROFILE.model_features
    registry = require("features.registry")
    names = list(registry.FEATURE_SETS)
    for preferred in ("stats", "summary", "mfcc-stats", "mfcc"):
        if preferred in names:
            return preferred
    return names[0]


def load_dataset(n_train: int) -> dict:
    """The cached dataset of ``n_train`` training windows (fixed seed)."""
    corpus = load_corpus()
    return model_dataset(
        str(corpus.root), corpus.fingerprint(), model_feature_set(), int(n_train),
        PROFILE.test_windows, SEED,
    )


def targets(data: dict, part: str) -> np.ndarray:
    models = require("baselines.models")
    return models.encode_targets(
        TASK, data[f"composer_{part}"], data[f"instruments_{part}"]
    )


def build(name: str):
    models = require("baselines.models")
    return models.make_model(name, TASK, random_state=SEED)


def fit_passes(model) -> float:
    """Mean ``n_iter_`` (passes over the data) of the SGD estimators in ``model``."""
    found = []

    def visit(est, depth=0):
        if depth > 6 or est is None:
            return
        n_iter = getattr(est, "n_iter_", None)
        if n_iter is not None and not hasattr(est, "estimators_"):
            found.append(float(np.mean(n_iter)))
            return
        for attr in ("estimators_", "estimator_", "estimator", "steps", "model_", "model"):
            child = getattr(est, attr, None)
            if child is None:
                continue
            if isinstance(child, (list, tuple)):
                for item in child:
                    visit(item[-1] if isinstance(item, tuple) else item, depth + 1)
            else:
                visit(child, depth + 1)

    visit(model)
    return float(np.mean(found)) if found else float("nan")


class ModelSuite(Benchmark):
    """Fit/predict time and peak memory, held-out scores, per model and size."""

    param_names = ["model", "train_windows"]
    params = (MODEL_NAMES, list(PROFILE.train_sizes))

    def setup_cache(self):
        # Heavy work once per asv run: the datasets and a fitted model for
        # every (model, size); setup() picks its pair out of this.
        require("baselines.models")
        fitted = {}
        for n_train in PROFILE.train_sizes:
            data = load_dataset(n_train)
            y = targets(data, "train")
            for name in MODEL_NAMES:
                fitted[(name, n_train)] = build(name).fit(data["X_train"], y)
        return fitted

    def setup(self, fitted, model, train_windows):
        if (model, train_windows) not in fitted:
            raise NotImplementedError(f"no fitted {model} at {train_windows}")
        data = load_dataset(train_windows)
        self.X_train = data["X_train"]
        self.y_train = targets(data, "train")
        self.X_test = data["X_test"]
        self.composer_test = data["composer_test"]
        self.instruments_test = data["instruments_test"]
        self.estimator = fitted[(model, train_windows)]
        self.model = model

    def time_fit(self, *args):
        build(self.model).fit(self.X_train, self.y_train)

    def peakmem_fit(self, *args):
        build(self.model).fit(self.X_train, self.y_train)

    def time_predict(self, *args):
        self.estimator.predict(self.X_test)

    def peakmem_predict(self, *args):
        self.estimator.predict(self.X_test)

    def _scores(self):
        models = require("baselines.models")
        composer, instruments = models.decode_targets(
            TASK, self.estimator.predict(self.X_test)
        )
        return (
            float(np.mean(composer == self.composer_test)),
            float(np.mean(np.all(instruments == self.instruments_test, axis=1))),
        )

    def track_composer_accuracy(self, *args):
        return self._scores()[0]

    track_composer_accuracy.unit = "accuracy"

    def track_instrument_exact_match(self, *args):
        return self._scores()[1]

    track_instrument_exact_match.unit = "exact match"

    def track_fit_passes(self, *args):
        # SGD's fit iterates to convergence: passes over the data grow with
        # it, which is why fit cost grows faster than the data.
        return fit_passes(self.estimator)

    track_fit_passes.unit = "passes"
