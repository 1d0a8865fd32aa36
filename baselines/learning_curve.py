"""The main command: an honest learning curve on held-out recordings.

``python -m baselines.learning_curve MODEL [options]`` trains a registered
model (:data:`baselines.models.MODELS`) on growing numbers of training
windows, several seeds each, and scores it on windows of *held-out
recordings* drawn once with a fixed seed, so numbers compare across models
and runs.

- Offline models (``knn``, ``adaboost``, ``dummy``): ``fit`` on a fixed,
  composer-balanced sample of ``train_size`` windows.
- SGD models: ``partial_fit`` on ``--epochs`` epochs, each of
  ``train_size`` fresh balanced windows (:class:`StreamingSampler`), train
  and validation scored after every epoch.

It writes ``<out>/<run name>/{points.csv, curve.png, run.json}`` (see
:mod:`baselines.runs`) and prints a short table.  Finished points are kept
in ``points/`` and reused by a rerun.

:func:`learning_curve` is the Python-level function, with scikit-learn's
shapes: ``(train_sizes, train_scores, test_scores)``, each score array
``(n_ticks, n_seeds)``.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from dataclasses import dataclass

import numpy as np

from baselines import metrics as M
from baselines.models import (
    MODELS,
    TASKS,
    decode_targets,
    encode_targets,
    label_scores,
    make_model,
    output_classes,
)

__all__ = ["CURVE_METRIC", "learning_curve", "run", "main", "parse_train_sizes"]

#: The score each task's curve shows.
CURVE_METRIC = {
    "composer": "composer_accuracy",
    "instruments": "instrument_exact_match",
    "joint": "joint_exact_match",
}

DEFAULT_TRAIN_SIZES = "0.1,0.325,0.55,0.775,1.0"
DEFAULT_WINDOWS_PER_COMPOSER = 255
DEFAULT_EPOCHS = 3
BACKENDS = ("loky", "threading", "sequential", "dask")


# ---------------------------------------------------------------------------
# Scoring


def predict_and_score(model, X, composer_index, instruments, *, task, dataset,
                      recording_ids=None, full=False):
    """Predict ``X`` and return the task's metrics (stable keys; all if ``full``)."""
    y_pred = model.predict(X)
    composer_pred, instruments_pred = decode_targets(task, y_pred)
    scores = label_scores(model, X)
    kwargs = {}
    classes = np.arange(len(dataset.composers))
    if task in ("composer", "joint"):
        kwargs.update(y_true=np.asarray(composer_index), y_pred=composer_pred, classes=classes)
        proba = scores[0]
        if proba is not None and proba.ndim == 2 and proba.shape[1] == len(classes):
            kwargs["proba"] = proba
        if recording_ids is not None:
            kwargs["recording_ids"] = recording_ids
    if task in ("instruments", "joint"):
        instrument_scores = scores[1:] if task == "joint" else scores
        Y_score = None
        if all(s is not None and s.ndim == 1 for s in instrument_scores):
            Y_score = np.column_stack(instrument_scores)
        kwargs.update(Y_true=instruments, Y_pred=instruments_pred, Y_score=Y_score,
                      instrument_names=dataset.instrument_names)
    result = M.evaluate(task, **kwargs)
    if "composer" in result:
        # Class indices -> composer names, for readers of run.json.
        result["composer"]["labels"] = list(dataset.composers)
        for key in ("precision", "recall", "f1"):
            result["composer"][key] = {
                dataset.composers[int(k)]: v for k, v in result["composer"][key].items()
            }
    if full:
        return result
    return {k: v for k, v in result.items() if not isinstance(v, dict)}


# ---------------------------------------------------------------------------
# One point: (train size, seed)


@dataclass
class PointTask:
    """Everything one (train size, seed) point needs, passed as slices."""

    model: str
    model_params: dict
    task: str
    train_size: int
    seed: int
    epochs: int
    dataset: object
    X_eval: np.ndarray
    eval_composer: np.ndarray
    eval_instruments: np.ndarray
    eval_recording_ids: np.ndarray
    X_train: np.ndarray | None = None
    train_composer: np.ndarray | None = None
    train_instruments: np.ndarray | None = None
    sampler: object | None = None


def _row(task, size, epoch, seed, split, scores, fit_seconds):
    # fit_seconds: training time so far at this point (the side-by-side
    # table's time to reach a share of the final score).
    return {"train_windows": int(size), "epoch": int(epoch), "seed": int(seed),
            "split": split, **scores, "fit_seconds": float(fit_seconds)}


def fit_point(point: PointTask) -> dict:
    """Train and score one point; returns rows, final metrics and timings."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        return _fit_point(point)


def _fit_point(point: PointTask) -> dict:
    d = point.dataset
    model = make_model(point.model, point.task, random_state=point.seed, **point.model_params)
    score = dict(task=point.task, dataset=d)
    rows = []
    fit_seconds = 0.0
    if MODELS[point.model].streaming:
        classes = output_classes(point.task, len(d.composers), len(d.programs))
        for epoch in range(1, point.epochs + 1):
            held = None
            t0 = time.perf_counter()
            for X, yc, Yi in point.sampler.iter_batches(epoch - 1):
                y = encode_targets(point.task, yc, Yi)
                model.partial_fit(X, y, classes=classes)
                if held is None:  # the epoch's first batch scores "train"
                    held = (X, yc, Yi)
            fit_seconds += time.perf_counter() - t0
            rows.append(_row(point.task, point.train_size, epoch, point.seed, "train",
                             predict_and_score(model, *held, **score), fit_seconds))
            rows.append(_row(point.task, point.train_size, epoch, point.seed, "validation",
                             predict_and_score(model, point.X_eval, point.eval_composer,
                                               point.eval_instruments,
                                               recording_ids=point.eval_recording_ids,
                                               **score), fit_seconds))
        train_windows = point.train_size * point.epochs
    else:
        y = encode_targets(point.task, point.train_composer, point.train_instruments)
        t0 = time.perf_counter()
        model.fit(point.X_train, y)
        fit_seconds = time.perf_counter() - t0
        rows.append(_row(point.task, point.train_size, 1, point.seed, "train",
                         predict_and_score(model, point.X_train, point.train_composer,
                                           point.train_instruments, **score),
                         fit_seconds))
        train_windows = point.train_size
    t0 = time.perf_counter()
    final = predict_and_score(model, point.X_eval, point.eval_composer, point.eval_instruments,
                              recording_ids=point.eval_recording_ids, full=True, **score)
    predict_seconds = time.perf_counter() - t0
    if not MODELS[point.model].streaming:
        rows.append(_row(point.task, point.train_size, 1, point.seed, "validation",
                         {k: v for k, v in final.items() if not isinstance(v, dict)},
                         fit_seconds))
    return {
        "rows": rows,
        "metrics": final,
        "fit_seconds": fit_seconds,
        "predict_seconds_per_1000": predict_seconds / len(point.X_eval) * 1000,
        "train_windows": int(train_windows),
    }


# ---------------------------------------------------------------------------
# The curve


def parse_train_sizes(text, max_windows) -> list[int]:
    """``"0.1,0.5,1.0"`` (fractions of ``max_windows``) or ``"100,400"``."""
    sizes = []
    for part in str(text).split(","):
        part = part.strip()
        try:
            value = float(part)
        except ValueError:
            raise ValueError(f"train size {part!r} is not a number") from None
        if value <= 0:
            raise ValueError(f"train size {part!r} must be positive")
        if "." in part or "e" in part.lower():
            if value > 1:
                raise ValueError(f"fractional train size {part!r} must be in (0, 1]")
            value = max(1, int(round(value * max_windows)))
        sizes.append(int(value))
    return sorted(set(sizes))


@contextlib.contextmanager
def _backend(backend, scheduler, n_jobs):
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


def run(model, *, task="composer", features="stats", dataset="default", root=None,
        train_sizes=DEFAULT_TRAIN_SIZES, epochs=DEFAULT_EPOCHS, windows_per_epoch=None, seed=0,
        n_seeds=3, eval_seed=0, eval_windows=100, cap_strategy="under-over",
        batch_size=1000, n_jobs=1, backend="loky", scheduler=None, out="results",
        min_composer_recordings=None, min_instrument_recordings=None,
        model_params=None, progress=True, print_table=True, command=None) -> dict:
    """Run a learning curve and write its files; returns the ``run.json`` payload.

    Parameters mirror the command line (see ``--help``).  ``model_params``
    go to the model's builder (e.g. ``{"n_components": 32}`` for knn).
    """
    from pathlib import Path

    from baselines import runs
    from baselines.datasets import load_dataset, make_feature_extractor
    from baselines.streaming import StreamingSampler, window_features

    started = time.perf_counter()
    if model not in MODELS:
        raise ValueError(f"unknown model {model!r}; valid models: {', '.join(MODELS)}")
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r}; valid tasks: {', '.join(TASKS)}")
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; valid backends: {', '.join(BACKENDS)}")
    if scheduler and backend != "dask":
        raise ValueError("--scheduler needs --backend dask")
    for name, value in (("epochs", epochs), ("n_seeds", n_seeds), ("eval_windows", eval_windows)):
        if int(value) < 1:
            raise ValueError(f"{name}={value} must be a positive integer")
    model_params = dict(model_params or {})
    make_model(model, task, **model_params)  # unknown params fail here, early
    spec = MODELS[model]
    extractor = make_feature_extractor(features)
    data = load_dataset(dataset, root=root, seed=seed, progress=progress, n_jobs=n_jobs,
                        min_composer_recordings=min_composer_recordings,
                        min_instrument_recordings=min_instrument_recordings)
    if task in ("instruments", "joint") and len(data.programs) < 2:
        raise ValueError(
            f"task {task!r} needs at least two instruments; {len(data.programs)} left "
            f"after filtering: {data.filtered.report()}"
        )
    cache = data.frame_cache()
    grid = extractor.hop_length / extractor.sr
    n_composers = len(data.composers)
    if windows_per_epoch is None:
        # Three times the study's cap of 85 per composer: on the default
        # corpus every model gained from it (sgd-log 0.29 -> 0.31 composer
        # accuracy at 3 epochs), and an epoch still takes seconds.
        windows_per_epoch = DEFAULT_WINDOWS_PER_COMPOSER * n_composers
    sizes = parse_train_sizes(train_sizes, windows_per_epoch)
    available = data.max_training_windows(grid)
    if sizes[-1] > available:
        raise ValueError(
            f"train size {sizes[-1]} is larger than the {available} training windows "
            f"available ({len(data.train)} training recordings, {data.length:g} s windows)"
        )
    if sizes[0] < n_composers:
        raise ValueError(
            f"train size {sizes[0]} is smaller than the number of composers ({n_composers})"
        )
    seeds = [int(seed) + i for i in range(int(n_seeds))]

    # The held-out windows: drawn once (eval_seed), the same for every model.
    eval_w = data.evaluation_windows(n_per_recording=eval_windows, grid=grid,
                                     random_state=eval_seed)
    eval_composer, eval_instruments = data.targets(eval_w)

    args = dict(model=model, task=task, features=features, dataset=dataset,
                root=str(root) if root else None, train_sizes=sizes, epochs=int(epochs),
                windows_per_epoch=int(windows_per_epoch), seed=int(seed), n_seeds=int(n_seeds),
                eval_seed=int(eval_seed), eval_windows=int(eval_windows),
                cap_strategy=cap_strategy, batch_size=int(batch_size),
                min_composer_recordings=min_composer_recordings,
                min_instrument_recordings=min_instrument_recordings,
                model_params=model_params)
    identity = dict(args, dataset_fingerprint=data.fingerprint,
                    extractor=repr(extractor.get_params()))
    run_name = (f"{model}-{task}-{features}-{dataset}-"
                f"{runs.stable_hash({k: v for k, v in identity.items() if k not in ('train_sizes', 'n_seeds', 'seed')}, 8)}")
    run_dir = Path(out) / run_name
    store = runs.PointStore(run_dir)

    def point_key(size, s):
        return runs.stable_hash(dict(identity, train_sizes=None, n_seeds=None, seed=None,
                                     point=[size, s], streaming=spec.streaming))

    todo = [(size, s) for size in sizes for s in seeds if store.get(point_key(size, s)) is None]
    done = len(sizes) * len(seeds) - len(todo)
    if todo:
        X_eval = window_features(extractor, eval_w, data.test, cache=cache, n_jobs=n_jobs,
                                 progress=progress, desc="held-out features")
        tasks = []
        if spec.streaming:
            for size, s in todo:
                sampler = StreamingSampler(
                    data.train, extractor, composers=data.composers, programs=data.programs,
                    windows_per_epoch=size, length=data.length, strategy=cap_strategy,
                    batch_size=batch_size, cache=cache, random_state=s,
                )
                tasks.append(PointTask(model, model_params, task, size, s, int(epochs), data,
                                       X_eval, eval_composer, eval_instruments,
                                       eval_w.recording_ids, sampler=sampler))
        else:
            # One sample per seed, of the largest size; smaller sizes take
            # its first windows (nested, as sklearn's learning_curve).
            for s in seeds:
                sizes_s = [size for size, s2 in todo if s2 == s]
                if not sizes_s:
                    continue
                train_w = data.training_windows(max(sizes), grid=grid,
                                                strategy=cap_strategy, random_state=s)
                X_train = window_features(extractor, train_w, data.train, cache=cache,
                                          n_jobs=n_jobs, progress=progress,
                                          desc=f"training features (seed {s})")
                train_composer, train_instruments = data.targets(train_w)
                for size in sizes_s:
                    tasks.append(PointTask(
                        model, model_params, task, size, s, 1, data, X_eval, eval_composer,
                        eval_instruments, eval_w.recording_ids,
                        X_train=X_train[:size], train_composer=train_composer[:size],
                        train_instruments=train_instruments[:size]))
        from joblib import Parallel, delayed

        with _backend(backend, scheduler, n_jobs):
            results = Parallel(return_as="generator")(delayed(fit_point)(t) for t in tasks)
            if progress:
                from tqdm.auto import tqdm

                results = tqdm(results, total=len(tasks), desc=f"{model} points",
                               initial=0)
            for t, result in zip(tasks, results):
                store.put(point_key(t.train_size, t.seed), result)
    # Every point, computed now or before.
    results = {(size, s): store.get(point_key(size, s)) for size in sizes for s in seeds}
    rows = []
    for (size, s), result in results.items():
        for row in result["rows"]:
            if "fit_seconds" not in row and not spec.streaming:
                # Stored before rows had it: the point is one fit, its seconds.
                row = {**row, "fit_seconds": result["fit_seconds"]}
            rows.append({"model": model, "task": task, "features": features, **row})
    points = runs.write_points_csv(rows, run_dir / "points.csv")
    metric = CURVE_METRIC[task]
    runs.plot_curves(points, metric, run_dir / "curve.png",
                     title=f"{model} / {task} / {features} on {dataset}: held-out recordings")

    # Final metrics: the largest train size, mean over seeds (the first
    # seed's full detail under "detail").
    last = [results[(sizes[-1], s)] for s in seeds]
    final = {}
    for key in M.RUN_METRIC_KEYS:
        values = [r["metrics"][key] for r in last if key in r["metrics"]]
        if values:
            final[key] = float(np.mean(values))
            final[key + "_std"] = float(np.std(values))
    final["composer"] = last[0]["metrics"].get("composer")
    final["instruments"] = last[0]["metrics"].get("instruments")
    final = {k: v for k, v in final.items() if v is not None}
    payload = {
        "command": command or "learning_curve",
        "model": model,
        "task": task,
        "features": features,
        "corpus_name": dataset,
        "args": args,
        "seed": int(seed),
        "seeds": seeds,
        "versions": runs.package_versions(),
        "dataset_fingerprint": data.fingerprint,
        "dataset": {"root": str(data.root), "train_recordings": [r.id for r in data.train],
                    "test_recordings": [r.id for r in data.test],
                    "composers": list(data.composers),
                    "instruments": data.instrument_names,
                    "evaluation_windows": len(eval_w)},
        "composers": list(data.composers),
        "points_reused": done,
        "points_computed": len(todo),
        "wall_seconds": time.perf_counter() - started,
        "peak_memory_mb": runs.peak_memory_mb(),
        "fit_seconds": float(np.mean([r["fit_seconds"] for r in last])),
        "predict_seconds_per_1000": float(np.mean([r["predict_seconds_per_1000"] for r in last])),
        "train_windows": int(last[0]["train_windows"]),
        "metrics": final,
        "run_dir": str(run_dir),
    }
    runs.write_json(run_dir / "run.json", payload)
    if print_table:
        print(format_table(points, metric, payload))
    return payload


def format_table(points, metric, payload) -> str:
    """The short table the command prints: validation score per train size."""
    final = points[points["epoch"] == points.groupby("train_windows")["epoch"].transform("max")]
    lines = [f"{payload['model']} / {payload['task']} / {payload['features']}: "
             f"{metric} on held-out recordings (mean +- std over seeds)",
             f"{'train windows':>14} {'train':>15} {'validation':>15}"]
    for size, group in final.groupby("train_windows"):
        cells = []
        for split in ("train", "validation"):
            v = group[group["split"] == split][metric]
            cells.append(f"{v.mean():.3f} +- {v.std(ddof=0):.3f}" if len(v) else "-")
        lines.append(f"{size:>14} {cells[0]:>15} {cells[1]:>15}")
    m = payload["metrics"]
    summary = ", ".join(f"{k}={m[k]:.3f}" for k in M.RUN_METRIC_KEYS if k in m)
    lines.append(f"final: {summary}")
    lines.append(f"run files: {payload['run_dir']}")
    return "\n".join(lines)


def learning_curve(model, *, train_sizes=DEFAULT_TRAIN_SIZES, task="composer", **kwargs):
    """scikit-learn's shapes: ``(train_sizes, train_scores, test_scores)``.

    Runs :func:`run` (writing its files) and returns the task's curve metric
    at the final epoch of each train size, each score array of shape
    ``(n_ticks, n_seeds)``; test scores are on the held-out recordings.
    """
    import pandas as pd

    payload = run(model, train_sizes=train_sizes, task=task, print_table=False, **kwargs)
    points = pd.read_csv(os.path.join(payload["run_dir"], "points.csv"))
    metric = CURVE_METRIC[task]
    final = points[points["epoch"] == points.groupby("train_windows")["epoch"].transform("max")]
    sizes = np.array(sorted(final["train_windows"].unique()))
    seeds = payload["seeds"]

    def grid(split):
        part = final[final["split"] == split].set_index(["train_windows", "seed"])[metric]
        return np.array([[part.loc[(size, s)] for s in seeds] for size in sizes])

    return sizes, grid("train"), grid("validation")


# ---------------------------------------------------------------------------
# Command line


def _parse_params(items):
    params = {}
    for item in items or []:
        if "=" not in item:
            raise ValueError(f"--param {item!r} must look like NAME=VALUE")
        name, value = item.split("=", 1)
        for cast in (int, float):
            try:
                value = cast(value)
                break
            except ValueError:
                continue
        else:
            value = {"None": None, "true": True, "false": False}.get(value, value)
        params[name] = value
    return params


def build_parser():
    def feature_help():
        try:
            from baselines.datasets import feature_names

            return ", ".join(feature_names())
        except Exception:  # noqa: BLE001 - help must print even if features fail
            return "see features.registry"

    parser = argparse.ArgumentParser(
        prog="python -m baselines.learning_curve",
        description="Learning curve of a classical model on held-out recordings: "
        "writes points.csv, curve.png and run.json under --out and prints a table. "
        "Rerunning with the same arguments reuses finished points.",
    )
    parser.add_argument("model", help=f"model: one of {', '.join(MODELS)}")
    parser.add_argument("--task", default="composer",
                        help=f"task: one of {', '.join(TASKS)} (default: composer)")
    parser.add_argument("--features", default="stats",
                        help=f"feature set: one of {feature_help()} (default: stats)")
    parser.add_argument("--dataset", default="default",
                        help="default (rendered default corpus), small (its test-sized "
                        "version) or musicnet (with --root PATH) (default: default)")
    parser.add_argument("--root", default=None,
                        help="MusicNet-format root folder for --dataset musicnet (default: none)")
    parser.add_argument("--train-sizes", default=DEFAULT_TRAIN_SIZES,
                        help="comma-separated training windows per point: fractions (with a "
                        "dot) of --windows-per-epoch, or counts; for SGD models, windows per "
                        f"epoch (default: {DEFAULT_TRAIN_SIZES})")
    parser.add_argument("--epochs", type=int, default=DEFAULT_EPOCHS,
                        help=f"epochs of fresh windows for SGD models (default: {DEFAULT_EPOCHS})")
    parser.add_argument("--windows-per-epoch", type=int, default=None,
                        help="largest train size; for SGD models, windows per epoch "
                        f"(default: {DEFAULT_WINDOWS_PER_COMPOSER} per composer, three times "
                        "the study's cap of 85)")
    parser.add_argument("--balance", default="under-over",
                        help="composer balancing: under-over (undersample to the cap, "
                        "oversample up to it), under, over, none, under:<imblearn "
                        "sampling_strategy>, over:<...> (default: under-over)")
    parser.add_argument("--batch-size", type=int, default=1000,
                        help="partial_fit mini-batch size (default: 1000)")
    parser.add_argument("--seed", type=int, default=0,
                        help="first seed: seeds SEED..SEED+N-1 draw training windows and "
                        "seed models; also seeds the split (default: 0)")
    parser.add_argument("--n-seeds", type=int, default=3,
                        help="seeds per train size, for mean and spread (default: 3)")
    parser.add_argument("--eval-seed", type=int, default=0,
                        help="seed of the held-out windows, shared by every model (default: 0)")
    parser.add_argument("--eval-windows", type=int, default=100,
                        help="windows drawn per held-out recording (default: 100, the study's)")
    parser.add_argument("--min-composer-recordings", type=int, default=None,
                        help="drop composers with fewer recordings (default: 5, the study's)")
    parser.add_argument("--min-instrument-recordings", type=int, default=None,
                        help="drop instruments playing in fewer recordings (default: 10, the "
                        "study's)")
    parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                        help="model parameter, repeatable, e.g. n_components=32 "
                        "(default: the registry's)")
    parser.add_argument("--n-jobs", type=int, default=1,
                        help="parallel fits (points) and feature jobs (default: 1)")
    parser.add_argument("--backend", default="loky",
                        help="joblib backend for the fits: loky, threading, sequential or "
                        "dask (default: loky)")
    parser.add_argument("--scheduler", default=None,
                        help="dask.distributed scheduler ADDRESS for --backend dask "
                        "(default: a LocalCluster in this process)")
    parser.add_argument("--out", default="results",
                        help="folder for the run files (default: results)")
    parser.add_argument("--no-progress", action="store_true",
                        help="hide progress bars (default: shown)")
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        run(args.model, task=args.task, features=args.features, dataset=args.dataset,
            root=args.root, train_sizes=args.train_sizes, epochs=args.epochs,
            windows_per_epoch=args.windows_per_epoch, seed=args.seed, n_seeds=args.n_seeds,
            eval_seed=args.eval_seed, eval_windows=args.eval_windows,
            cap_strategy=args.balance, batch_size=args.batch_size, n_jobs=args.n_jobs,
            min_composer_recordings=args.min_composer_recordings,
            min_instrument_recordings=args.min_instrument_recordings,
            backend=args.backend, scheduler=args.scheduler, out=args.out,
            model_params=_parse_params(args.param), progress=not args.no_progress,
            command="python -m baselines.learning_curve " + " ".join(
                sys.argv[1:] if argv is None else list(argv)))
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
