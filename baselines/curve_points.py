"""Fit the points of a learning curve: one (train size, seed) at a time.

- :func:`point_jobs`: a :class:`PointJob` per unfinished point, with the
  held-out features computed once and, for offline models, one training
  sample per seed (smaller sizes take its first windows, nested as
  scikit-learn's ``learning_curve`` nests them).
- :func:`fit_point`: train and score one point.  Offline models ``fit`` a
  fixed balanced sample; streaming (SGD) models ``partial_fit`` epochs of
  fresh balanced windows, scored on train and validation after each epoch.
- :func:`fit_points`: the joblib (or dask) fan-out, storing each finished
  point as it arrives so that an interrupted run resumes.

Scores come from the plan's task (:meth:`Task.evaluate`); nothing here
names a task.
"""

from __future__ import annotations

import contextlib
import os
import time
from dataclasses import dataclass

import numpy as np

from baselines.models import MODELS, label_scores, make_model

__all__ = ["PointJob", "predict_and_score", "fit_point", "point_jobs", "fit_points"]


def predict_and_score(model, X, y_true, *, task, labels, groups=None, full=False,
                      return_predictions=False):
    """Predict ``X`` and return the task's metrics (with the detail if ``full``);
    ``(metrics, y_pred)`` with ``return_predictions``."""
    y_pred = model.predict(X)
    # Regressors have no class scores.
    scores = None if task.target_kind == "regression" else label_scores(model, X)
    result = task.evaluate(y_true, y_pred, scores=scores, groups=groups, labels=labels)
    if full and task.details is not None:
        result = {**result, **task.details(y_true, y_pred, scores=scores, groups=groups,
                                           labels=labels)}
    return (result, y_pred) if return_predictions else result


@dataclass
class PointJob:
    """Everything one (train size, seed) point needs, passed as slices."""

    model: str
    model_params: dict
    task: object
    train_size: int
    seed: int
    epochs: int
    labels: dict
    output_classes: object
    X_eval: np.ndarray
    y_eval: np.ndarray
    eval_groups: np.ndarray
    X_train: np.ndarray | None = None
    y_train: np.ndarray | None = None
    sampler: object | None = None
    data: object | None = None
    tune: bool = False
    train_groups: np.ndarray | None = None


def _row(size, epoch, seed, split, scores, fit_seconds):
    # fit_seconds: training time so far at this point (the side-by-side
    # table's time to reach a share of the final score).
    return {"train_windows": int(size), "epoch": int(epoch), "seed": int(seed),
            "split": split, **scores, "fit_seconds": float(fit_seconds)}


def fit_point(job: PointJob) -> dict:
    """Train and score one point; returns rows, final metrics and timings."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        return _fit_point(job)


def _tune(model, job: PointJob):
    """With ``--tune``: the grid search over grouped folds of the training
    windows (nested: only this point's training data), and the best setting."""
    from sklearn.base import clone

    from baselines.tuning import GroupedSearchCV, model_grid

    grid = model_grid(job.model, model)
    if not grid:
        return None, {}  # the registry gives this model nothing to tune
    search = GroupedSearchCV(clone(model), grid, random_state=job.seed)
    search.fit(job.X_train, job.y_train, groups=job.train_groups)
    return search, search.best_params_


def _fit_streaming(model, job: PointJob):
    rows, fit_seconds = [], 0.0
    if job.tune:
        # Choose on a fixed sample of training windows, then stream with it.
        t0 = time.perf_counter()
        _, best = _tune(model, job)
        model.set_params(**best)
        fit_seconds += time.perf_counter() - t0
    score = dict(task=job.task, labels=job.labels)
    for epoch in range(1, job.epochs + 1):
        held = None
        t0 = time.perf_counter()
        for X, windows in job.sampler.iter_window_batches(epoch - 1):
            y = job.task.targets(job.data, windows)
            if job.output_classes is None:  # regression: no classes
                model.partial_fit(X, y)
            else:
                model.partial_fit(X, y, classes=job.output_classes)
            if held is None:  # the epoch's first batch scores "train"
                held = (X, y)
        fit_seconds += time.perf_counter() - t0
        rows.append(_row(job.train_size, epoch, job.seed, "train",
                         predict_and_score(model, *held, **score), fit_seconds))
        rows.append(_row(job.train_size, epoch, job.seed, "validation",
                         predict_and_score(model, job.X_eval, job.y_eval,
                                           groups=job.eval_groups, **score), fit_seconds))
    return rows, fit_seconds, job.train_size * job.epochs


def _fit_offline(model, job: PointJob):
    t0 = time.perf_counter()
    if job.tune:
        # The caller's model takes the best setting, then fits all the
        # training windows (as the search's own refit does).
        model.set_params(**_tune(model, job)[1])
    model.fit(job.X_train, job.y_train)
    fit_seconds = time.perf_counter() - t0
    rows = [_row(job.train_size, 1, job.seed, "train",
                 predict_and_score(model, job.X_train, job.y_train, task=job.task,
                                   labels=job.labels), fit_seconds)]
    return rows, fit_seconds, job.train_size


def _fit_point(job: PointJob) -> dict:
    model = make_model(job.model, job.task.target_kind, random_state=job.seed,
                       **job.model_params)
    streaming = MODELS[job.model].streaming
    fit = _fit_streaming if streaming else _fit_offline
    rows, fit_seconds, train_windows = fit(model, job)
    t0 = time.perf_counter()
    final, y_pred = predict_and_score(model, job.X_eval, job.y_eval, task=job.task,
                                      labels=job.labels, groups=job.eval_groups, full=True,
                                      return_predictions=True)
    predict_seconds = time.perf_counter() - t0
    if not streaming:
        rows.append(_row(job.train_size, 1, job.seed, "validation",
                         {k: v for k, v in final.items() if not isinstance(v, dict)},
                         fit_seconds))
    return {
        "rows": rows,
        "metrics": final,
        "fit_seconds": fit_seconds,
        "predict_seconds_per_1000": predict_seconds / len(job.X_eval) * 1000,
        "train_windows": int(train_windows),
        # The held-out predictions, for intervals over test groups.
        "predictions": np.asarray(y_pred).tolist(),
    }


def point_jobs(plan, todo, *, n_jobs=1, progress=True) -> list:
    """A :class:`PointJob` per unfinished ``(train size, seed)`` of ``plan``."""
    from baselines.streaming import StreamingSampler, window_features

    data, task = plan.data, plan.task
    cache = data.frame_cache()
    # A dataset of precomputed arrays computes its own window features and
    # streams its own epochs; the others go through the frame cache.
    features_of = getattr(data, "window_features", window_features)
    X_eval = features_of(plan.extractor, plan.eval_windows, data.test, cache=cache,
                         n_jobs=n_jobs, progress=progress, desc="held-out features")
    tune = bool(getattr(plan, "tune", False))
    common = dict(model=plan.model, model_params=plan.model_params, task=task,
                  labels=task.labels(data), output_classes=task.output_classes(data),
                  X_eval=X_eval, y_eval=plan.y_eval,
                  eval_groups=plan.eval_windows.recording_ids, tune=tune)
    group_of = {r.id: r.group for r in data.train}

    def training_sample(s):
        train_w = data.training_windows(max(plan.sizes), grid=plan.grid,
                                        strategy=plan.cap_strategy, random_state=s)
        X_train = features_of(plan.extractor, train_w, data.train, cache=cache,
                              n_jobs=n_jobs, progress=progress,
                              desc=f"training features (seed {s})")
        groups = np.array([str(group_of[int(i)]) for i in train_w.recording_ids])
        return X_train, task.targets(data, train_w), groups

    if plan.streaming:
        def sampler(size, s):
            options = dict(windows_per_epoch=size, strategy=plan.cap_strategy,
                           batch_size=plan.batch_size, cache=cache, random_state=s)
            if hasattr(data, "sampler"):
                return data.sampler(plan.extractor, **options)
            return StreamingSampler(data.train, plan.extractor, composers=data.classes,
                                    programs=data.programs, length=data.length, **options)

        # With --tune, a fixed training sample per seed chooses the setting.
        samples = {s: training_sample(s) for s in {s for _, s in todo}} if tune else {}
        return [PointJob(
            train_size=size, seed=s, epochs=plan.epochs, data=data, **common,
            **(dict(zip(("X_train", "y_train", "train_groups"), samples[s])) if tune else {}),
            sampler=sampler(size, s))
            for size, s in todo]
    jobs = []
    for s in plan.seeds:
        sizes_s = [size for size, s2 in todo if s2 == s]
        if not sizes_s:
            continue
        X_train, y_train, groups = training_sample(s)
        jobs.extend(PointJob(train_size=size, seed=s, epochs=1, **common,
                             X_train=X_train[:size], y_train=y_train[:size],
                             train_groups=groups[:size])
                    for size in sizes_s)
    return jobs


@contextlib.contextmanager
def parallel_backend(backend, scheduler, n_jobs):
    """joblib's backend: loky (processes), or dask on a distributed cluster."""
    from joblib import parallel_config

    if backend != "dask":
        with parallel_config(backend=backend, n_jobs=n_jobs):
            yield
        return
    from dask.distributed import Client, LocalCluster

    cluster = None
    if scheduler:
        client = Client(scheduler)
    else:
        cluster = LocalCluster(n_workers=max(1, n_jobs if n_jobs > 0 else os.cpu_count()),
                               threads_per_worker=1, processes=False,
                               dashboard_address=None)
        client = Client(cluster)
    try:
        with parallel_config(backend="dask", n_jobs=n_jobs):
            yield
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def fit_points(plan, jobs, *, backend="loky", scheduler=None, n_jobs=1, progress=True) -> None:
    """Fit ``jobs`` in parallel, storing each finished point in ``plan.store``."""
    from joblib import Parallel, delayed

    with parallel_backend(backend, scheduler, n_jobs):
        results = Parallel(return_as="generator")(delayed(fit_point)(job) for job in jobs)
        if progress:
            from tqdm.auto import tqdm

            results = tqdm(results, total=len(jobs), desc=f"{plan.model} points")
        for job, result in zip(jobs, results):
            plan.store.put(plan.point_key(job.train_size, job.seed), result)
