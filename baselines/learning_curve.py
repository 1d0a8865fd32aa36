"""The main command: an honest learning curve on held-out recordings.

``python -m baselines.learning_curve MODEL [options]`` trains a registered
model (:data:`baselines.models.MODELS`) on a registered task
(:data:`baselines.tasks.TASKS`) with growing numbers of training windows,
several seeds each, and scores it on windows of *held-out recordings* drawn
once with a fixed seed, so numbers compare across models and runs.

- Offline models (``knn``, ``adaboost``, ``dummy``): ``fit`` on a fixed,
  balanced sample of ``train_size`` windows.
- SGD models: ``partial_fit`` on ``--epochs`` epochs, each of
  ``train_size`` fresh balanced windows (:class:`StreamingSampler`), train
  and validation scored after every epoch.

:func:`run` is three steps, one module each: plan (:mod:`baselines.curve_plan`:
arguments, data, run name), fit the points (:mod:`baselines.curve_points`),
write the run files (:func:`write_run`, through :mod:`baselines.records`:
``<out>/<run name>/{points.csv, curve.png, run.json}``).  Finished points
are kept in ``points/`` and reused by a rerun.

:func:`learning_curve` is the Python-level function, with scikit-learn's
shapes: ``(train_sizes, train_scores, test_scores)``, each score array
``(n_ticks, n_seeds)``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

from baselines import records, runs
from features.allocator import keep_freed_memory
from baselines.curve_plan import (
    DEFAULT_EPOCHS,
    DEFAULT_TRAIN_SIZES,
    DEFAULT_WINDOWS_PER_CLASS,
    plan_curve,
)
from baselines.curve_plan import parse_train_sizes  # noqa: F401  (public here too)
from baselines.curve_cv import (fold_plans, interval_metrics, pooled_folds, pooled_predictions,
                                prediction_block)
from baselines.curve_points import fit_points, point_jobs
from baselines.models import MODELS

__all__ = ["learning_curve", "run", "write_run", "format_table", "main", "parse_train_sizes"]


def run(model, *, n_jobs=1, backend="loky", scheduler=None, progress=True, print_table=True,
        command=None, **options) -> dict:
    """Run a learning curve and write its files; returns the ``run.json`` payload.

    ``options`` are :func:`baselines.curve_plan.plan_curve`'s (they mirror the
    command line, see ``--help``); ``model_params`` go to the model's builder
    (e.g. ``{"n_components": 32}`` for knn).
    """
    from baselines.tasks import get_task

    task = get_task(options.get("task", "composer"))
    if task.unit == "frame":
        # --tune (a grid search inside each training set) serves window tasks.
        if options.pop("tune", False):
            raise ValueError(f"--tune is not supported for the frame task {task.name!r}")
        # Frame-unit tasks score every frame of whole held-out tracks.
        from baselines.frame_curve import run_frame_curve

        return run_frame_curve(model, **{**options, "task": task}, n_jobs=n_jobs,
                               progress=progress, command=command)
    for frame_only in ("context", "balance", "audio_root", "split_file"):
        options.pop(frame_only, None)
    started = time.perf_counter()
    plan = plan_curve(model, backend=backend, scheduler=scheduler, progress=progress,
                      n_jobs=n_jobs, **options)
    plans = [plan]
    if plan.protocol["name"] == "cv":
        plans = fold_plans(plan, folds=plan.protocol["folds"], repeats=plan.protocol["repeats"])
    computed = 0
    for part in plans:
        todo = part.todo()
        if todo:
            jobs = point_jobs(part, todo, n_jobs=n_jobs, progress=progress)
            fit_points(part, jobs, backend=backend, scheduler=scheduler, n_jobs=n_jobs,
                       progress=progress)
        computed += len(todo)
    payload = write_run(plan, computed=computed, started=started, command=command,
                        parts=plans)
    if print_table:
        import pandas as pd

        points = pd.read_csv(plan.run_dir / "points.csv")
        print(format_table(points, plan.task.headline_metric, payload,
                           keys=plan.task.summary_keys))
    return payload


def _summary(results, keys) -> tuple[dict, dict]:
    """``(metrics, detail)`` of the largest train size: each summary key's mean
    and std over seeds, and the first seed's per-class blocks."""
    metrics = {}
    for key in keys:
        values = [r["metrics"][key] for r in results if key in r["metrics"]]
        if values:
            metrics[key] = float(np.mean(values))
            metrics[key + "_std"] = float(np.std(values))
    _, detail = records.split_metrics(results[0]["metrics"])
    return metrics, detail


def _fit_seconds_of(row, result, streaming) -> dict:
    """``row`` with ``fit_seconds``: a point stored before rows had it and
    fitted once (not streaming) gets that fit's seconds, exactly."""
    if "fit_seconds" in row or streaming:
        return row
    return {**row, "fit_seconds": result["fit_seconds"]}


def write_run(plan, *, computed, started, command=None, parts=None) -> dict:
    """Write ``points.csv``, ``curve.png`` and ``run.json`` from the stored points.

    ``parts`` are the plans whose points make the run: the folds under the
    cv protocol (their points are averaged over folds in ``points.csv``),
    ``[plan]`` (the default) under the official split.  Returns the record
    as written, plus ``run_dir`` (where the files went).
    """
    parts = parts or [plan]
    results = {(k, size, s): part.store.get(part.point_key(size, s))
               for k, part in enumerate(parts) for size in plan.sizes for s in plan.seeds}
    rows = [{"model": plan.model, "task": plan.task.name, "features": plan.features,
             **_fit_seconds_of(row, result, plan.streaming)}
            for result in results.values() for row in result["rows"]]
    if len(parts) > 1:
        rows = records.mean_over_folds(rows)
    points = records.write_points_csv(rows, plan.run_dir / "points.csv")
    metric = plan.task.headline_metric
    runs.plot_curves(points, metric, plan.run_dir / "curve.png",
                     title=f"{plan.model} / {plan.task.name} / {plan.features} on "
                     f"{plan.dataset}: held-out recordings")
    last = [results[(k, plan.sizes[-1], s)] for k in range(len(parts)) for s in plan.seeds]
    metrics, detail = _summary(last, plan.task.summary_keys)
    first_seed = [results[(k, plan.sizes[-1], plan.seeds[0])] for k in range(len(parts))]
    if all("predictions" in r for r in first_seed):  # points of older runs lack them
        pooled = pooled_predictions(parts, first_seed)
        labels = plan.task.labels(plan.data)
        metrics.update(interval_metrics(plan.task, labels, *pooled, random_state=plan.seeds[0],
                                        folds=pooled_folds(parts) if len(parts) > 1 else None))
        if len(parts) > 1 and plan.task.details is not None:
            y_true, y_pred, units, _ = pooled
            detail = plan.task.details(y_true, y_pred, groups=units, labels=labels)
        if len(parts) == 1:  # the official split: pairable with the CNN's windows
            block = prediction_block(plan.eval_windows, pooled[3], pooled[0], pooled[1])
            if block is not None:
                detail = {**detail, "predictions": block}
    record = {
        "command": command or "learning_curve",
        "model": plan.model,
        "task": plan.task.name,
        "features": plan.features,
        "corpus_name": plan.dataset,
        "args": plan.args,
        "seed": int(plan.args["seed"]),
        "seeds": plan.seeds,
        "versions": runs.package_versions(),
        "dataset_fingerprint": plan.data.fingerprint,
        "dataset": {**plan.data.describe(),
                    "evaluation_windows": int(sum(len(p.eval_windows) for p in parts))},
        "config": {"protocol": plan.protocol["name"],
                   **({k: plan.protocol[k] for k in ("folds", "repeats")}
                      if plan.protocol["name"] == "cv" else {})},
        "points_reused": len(results) - computed,
        "points_computed": computed,
        "wall_seconds": time.perf_counter() - started,
        "peak_memory_mb": runs.peak_memory_mb(),
        "fit_seconds": float(np.mean([r["fit_seconds"] for r in last])),
        "predict_seconds_per_1000": float(np.mean([r["predict_seconds_per_1000"] for r in last])),
        "train_windows": int(last[0]["train_windows"]),
        "finished": True,
        "headline_metric": metric,
        "metrics": metrics,
        "detail": {**detail, "seed": plan.seeds[0]},
    }
    path = records.write_run(plan.run_dir, record)
    return {**records.read_run(path).record, "run_dir": str(plan.run_dir)}


def format_table(points, metric, payload, *, keys=()) -> str:
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
    # A metric that could not be computed (a constant prediction's
    # correlation) is null in the record.
    summary = ", ".join(f"{k}={'-' if m[k] is None else format(m[k], '.3f')}"
                        for k in keys if k in m)
    lines.append(f"final: {summary}")
    lines.append(f"run files: {payload['run_dir']}")
    return "\n".join(lines)


def learning_curve(model, *, train_sizes=DEFAULT_TRAIN_SIZES, task="composer", **kwargs):
    """scikit-learn's shapes: ``(train_sizes, train_scores, test_scores)``.

    Runs :func:`run` (writing its files) and returns the task's headline
    metric at the final epoch of each train size, each score array of shape
    ``(n_ticks, n_seeds)``; test scores are on the held-out recordings.
    """
    import pandas as pd

    payload = run(model, train_sizes=train_sizes, task=task, print_table=False, **kwargs)
    points = pd.read_csv(os.path.join(payload["run_dir"], "points.csv"))
    metric = payload["headline_metric"]
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
    from baselines.data.registry import DATASET_READERS
    from baselines.tasks import TASKS

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
    parser.add_argument("--features", default=None,
                        help=f"feature set: one of {feature_help()} for window tasks; for frame "
                        "tasks (chords) a frame feature set: chroma, cqt-chroma, logmel, logcqt, "
                        "beat-chroma (default: stats; cqt-chroma for frame tasks)")
    parser.add_argument("--dataset", default=None,
                        help="dataset: " + "; ".join(
                            f"{name} ({reader.description})"
                            for name, reader in DATASET_READERS.items())
                        + " (default: the task's embedded default, 'default' for the "
                        "MusicNet tasks)")
    parser.add_argument("--root", default=None,
                        help="the dataset's folder; needed where the dataset has no embedded "
                        "default (default: none)")
    parser.add_argument("--train-sizes", default=DEFAULT_TRAIN_SIZES,
                        help="comma-separated training windows per point: fractions (with a "
                        "dot) of --windows-per-epoch, or counts; for SGD models, windows per "
                        f"epoch (default: {DEFAULT_TRAIN_SIZES})")
    parser.add_argument("--epochs", type=int, default=DEFAULT_EPOCHS,
                        help=f"epochs of fresh windows for SGD models (default: {DEFAULT_EPOCHS})")
    parser.add_argument("--windows-per-epoch", type=int, default=None,
                        help="largest train size; for SGD models, windows per epoch "
                        f"(default: {DEFAULT_WINDOWS_PER_CLASS} per class (composer), three times "
                        "the study's cap of 85)")
    parser.add_argument("--balance", default=None,
                        help="composer balancing: under-over (undersample to the cap, "
                        "oversample up to it), under, over, none, under:<imblearn "
                        "sampling_strategy>, over:<...> (default: under-over); for frame "
                        "tasks, undersampling of the training frames: an imblearn "
                        "sampling_strategy string, cap:<n>, or a JSON dict class -> frames "
                        "such as '{\"0\": 8000, \"2\": 8000}' (default: none)")
    parser.add_argument("--context", type=int, default=4,
                        help="frame tasks: frames of context on each side (default: 4)")
    parser.add_argument("--audio-root", default=None,
                        help="lab-kind datasets: where the audio is, if not beside the "
                        "annotations (default: beside them)")
    parser.add_argument("--split-file", default=None,
                        help="lab-kind datasets: csv track,split (default: a seeded split by "
                        "track, stratified by collection)")
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
    parser.add_argument("--protocol", default=None, choices=("official", "cv"),
                        help="official: the corpus's own train/test split; cv: grouped "
                        "k-fold cross-validation over all recordings by their group (the work "
                        "for MusicNet, the track for chords, the piece or artist for genre; "
                        "default: cv on an embedded corpus, official with --root)")
    parser.add_argument("--tune", action="store_true",
                        help="choose the model's hyperparameters (its registry param_grid) "
                        "by grouped cross-validation inside each training set only "
                        "(default: the registry's fixed setting)")
    parser.add_argument("--folds", type=int, default=5,
                        help="folds of --protocol cv (default: 5)")
    parser.add_argument("--repeats", type=int, default=1,
                        help="repeats of --protocol cv, each with its own seed (default: 1)")
    parser.add_argument("--out", default="results",
                        help="folder for the run files (default: results)")
    parser.add_argument("--no-progress", action="store_true",
                        help="hide progress bars (default: shown)")
    return parser


def _default_features(task_name):
    from baselines.tasks import get_task

    try:
        return None if get_task(task_name).unit == "frame" else "stats"
    except ValueError:
        return "stats"  # an unknown task is reported by run()


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    keep_freed_memory()  # larger feature batches without page faults (features.allocator)
    try:
        run(args.model, task=args.task, dataset=args.dataset, context=args.context,
            audio_root=args.audio_root, split_file=args.split_file,
            features=args.features or _default_features(args.task),
            balance=args.balance,
            root=args.root, train_sizes=args.train_sizes, epochs=args.epochs,
            windows_per_epoch=args.windows_per_epoch, seed=args.seed, n_seeds=args.n_seeds,
            eval_seed=args.eval_seed, eval_windows=args.eval_windows,
            cap_strategy=args.balance or "under-over", batch_size=args.batch_size,
            n_jobs=args.n_jobs,
            min_composer_recordings=args.min_composer_recordings,
            min_instrument_recordings=args.min_instrument_recordings,
            backend=args.backend, scheduler=args.scheduler, out=args.out,
            model_params=_parse_params(args.param), progress=not args.no_progress,
            protocol=args.protocol, folds=args.folds, repeats=args.repeats, tune=args.tune,
            command="python -m baselines.learning_curve " + " ".join(
                sys.argv[1:] if argv is None else list(argv)))
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
