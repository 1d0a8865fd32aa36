"""Learning curves of frame-unit tasks (``python -m baselines.learning_curve MODEL --task chords``).

:func:`baselines.learning_curve.run` hands a task whose ``unit`` is
``"frame"`` here.  A model is trained on growing numbers of training frames
(each with ``context`` frames on each side) of the training tracks and
scored on *every* frame of the held-out tracks (the track is the group: no
track has frames on both sides).  Offline models ``fit`` once per (size,
seed); streaming models (the SGD family) ``partial_fit`` on ``epochs`` epochs
of fresh frames.  A model that trains nothing (``template``) gets one point.
At the largest size the first seed's model is also scored after a median
filter and an HMM: the same keys with ``_median`` / ``_hmm`` appended, rows
of their own in the report.

Protocol: the dataset's split by track (a split file, else seeded and
stratified by collection); the task's ``evaluate`` adds a 95 % bootstrap
interval over the test tracks.  (The grouped cross-validation of
``baselines.protocol`` is not used here yet.)

Writes ``<out>/<model>-<task>-<dataset>-<features>[-balanced]/{points.csv,
curve.png, run.json}`` through :mod:`baselines.records`; finished points are
kept in its ``points/`` folder (:class:`baselines.runs.PointStore`) and a
rerun reuses them (the first seed's largest size is always refitted: its
model is smoothed and detailed).
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from . import records
from .chord_models import SMOOTHING, parse_balance
from .curves import Curve, plot_learning_curves
from .frame_pipeline import fit_offline, fit_streaming, score_items, training_units
from .runs import PointStore, package_versions, peak_memory_mb, stable_hash

__all__ = ["DEFAULT_FRAME_FEATURES", "frame_sizes", "run_frame_curve", "suffixed_keys"]

DEFAULT_FRAME_FEATURES = "cqt-chroma"
DEFAULT_CONTEXT = 4


def frame_sizes(text: str, total: int) -> list:
    """Train sizes from ``"0.1,0.5,1.0"`` (fractions of ``total``, with a dot) or counts."""
    out = []
    for part in str(text).split(","):
        part = part.strip()
        n = int(round(float(part) * total)) if "." in part else int(part)
        if n < 1:
            raise ValueError(f"train size {part!r} gives {n} frames")
        out.append(min(n, total))
    return sorted(set(out))


def suffixed_keys(metrics: dict, suffix: str) -> dict:
    """``key_<suffix>`` (``key_<suffix>_ci_low`` for an interval's ends)."""
    out = {}
    for key, value in metrics.items():
        if key == "n_groups":
            continue
        if "_ci_" in key:
            base, end = key.rsplit("_ci_", 1)
            out[f"{base}_{suffix}_ci_{end}"] = value
        else:
            out[f"{key}_{suffix}"] = value
    return out


def run_frame_curve(model, *, task, features=None, dataset=None, root=None,
                    train_sizes="0.1,0.325,0.55,0.775,1.0", epochs=3, seed=0, n_seeds=1,
                    balance=None, batch_size=1000, context=DEFAULT_CONTEXT, out="results",
                    model_params=None, progress=True, n_jobs=1, command=None, audio_root=None,
                    split_file=None, **ignored) -> dict:
    """Run a frame task's learning curve and write its files; returns ``run.json``'s payload.

    Parameters
    ----------
    model : str
        A registered model (:data:`baselines.models.MODELS`).
    task : baselines.tasks.Task
        With ``unit == "frame"``.
    features : str, optional
        A frame feature set (:data:`features.registry.FRAME_FEATURE_SETS`);
        default ``cqt-chroma``.
    dataset, root : str, optional
        ``--dataset`` (default the task's) and its folder.
    train_sizes : str
        Fractions (with a dot) of all training frames, or counts.
    epochs, batch_size : int
        Streaming models: epochs of fresh frames, ``partial_fit`` batch.
    seed, n_seeds : int
        Seeds ``seed .. seed + n_seeds - 1``; ``seed`` also seeds the split.
    balance : str or None
        Undersampling of the training frames
        (:func:`baselines.chord_models.undersample_indices`).
    context : int
        Frames on each side.
    audio_root, split_file : path-like, optional
        Passed to the lab-kind loader.
    """
    from features.registry import make_extractor

    from .datasets import load_dataset
    from .models import MODELS, make_model

    started = time.perf_counter()
    features = features or DEFAULT_FRAME_FEATURES
    balance_arg, balance = balance, parse_balance(balance)
    name = dataset or task.default_dataset
    model_params = dict(model_params or {})
    from .data.registry import get_dataset

    task.check_dataset_kind(get_dataset(name).kind, name)
    make_model(model, task.name, **model_params)  # unknown models and params fail early
    data = load_dataset(name, root=root, seed=seed, progress=progress, audio_root=audio_root,
                        split_file=split_file)
    task.check_dataset(data)
    if progress:
        print(data.summary(), flush=True)
    extractor = make_extractor(features, unit="frame", context=context)
    train = data.frame_items(data.train, extractor, n_jobs=n_jobs, progress=progress)
    test = data.frame_items(data.test, extractor, n_jobs=n_jobs, progress=progress)
    labels = {**task.labels(data), "hop_seconds": extractor.hop_length / extractor.sr}
    streaming = MODELS[model].streaming
    total = len(training_units(train, extractor, None, task=task, dataset=data)[1])
    # A model that learns nothing from data (the template) gets one point, one seed.
    learns = getattr(make_model(model, task.name, **model_params), "learns_from_data", True)
    sizes = frame_sizes(train_sizes, total) if learns else [total]
    seeds = list(range(seed, seed + n_seeds)) if learns else [seed]
    label = model + ("-balanced" if balance else "")
    columns = {"model": label, "task": task.name, "features": features}
    run_name = f"{label}-{task.name}-{name}-{features}"
    folder = Path(out) / run_name
    store = PointStore(folder)
    identity = {"model": model, "model_params": model_params, "task": task.name,
                "fingerprint": data.fingerprint, "extractor": extractor.get_params(),
                "epochs": epochs, "balance": balance_arg, "batch_size": batch_size}
    points, last, counts = [], {}, {"reused": 0, "computed": 0}
    for s in seeds:
        for size in sizes:
            key = stable_hash({**identity, "size": size, "seed": s})
            final = s == seeds[0] and size == sizes[-1]  # its model is smoothed and detailed
            stored = None if final else store.get(key)
            if stored is not None:
                counts["reused"] += 1
                estimator, metrics = None, stored["metrics"]
                fit_seconds, predict_seconds, seen = (stored["fit_seconds"],
                                                      stored["predict_seconds"], stored["seen"])
            else:
                counts["computed"] += 1
                estimator = make_model(model, task.name, random_state=s, **model_params)
                start = time.perf_counter()
                if streaming:
                    estimator, seen = fit_streaming(estimator, train, extractor, size, task=task,
                                                    dataset=data, epochs=epochs,
                                                    batch_size=batch_size, random_state=s,
                                                    balance=balance)
                else:
                    estimator, seen = fit_offline(estimator, train, extractor, size, task=task,
                                                  dataset=data, random_state=s, balance=balance)
                fit_seconds = time.perf_counter() - start
                start = time.perf_counter()
                metrics, _ = score_items(estimator, test, extractor, task=task, labels=labels)
                predict_seconds = time.perf_counter() - start
                store.put(key, {"metrics": metrics, "fit_seconds": fit_seconds,
                                "predict_seconds": predict_seconds, "seen": seen})
            points.append({**columns, "train_windows": seen, "epoch": epochs if streaming else 1,
                           "seed": s, "split": "validation", **metrics})
            if progress:
                print(f"{label} seed {s}, {seen} frames: {task.headline_metric} "
                      f"{metrics[task.headline_metric]:.4f}", flush=True)
        last[s] = (estimator, metrics, fit_seconds, predict_seconds, seen)
    estimator, _, fit_seconds, predict_seconds, seen = last[seeds[0]]
    summary = dict(last[seeds[0]][1])
    for key in task.summary_keys:
        values = [last[s][1][key] for s in seeds]
        summary[key] = float(np.mean(values))
        if len(seeds) > 1:
            summary[f"{key}_std"] = float(np.std(values))
    _, detail = score_items(estimator, test, extractor, task=task, labels=labels, details=True)
    for smoothing in SMOOTHING[1:]:
        smoothed, _ = score_items(estimator, test, extractor, task=task, labels=labels,
                                  smoothing=smoothing)
        summary.update(suffixed_keys(smoothed, smoothing))
    frame = records.write_points_csv(points, folder / "points.csv")
    plot_learning_curves([Curve(label, frame)], folder / "curve.png", metric=task.headline_metric,
                         title=f"{label} / {features}, {task.name}, {name}")
    n_frames = sum(it.n_frames for it in test)
    record = {
        "command": command or f"python -m baselines.learning_curve {model} --task {task.name}",
        "args": {"model": model, "task": task.name, "features": features, "dataset": name,
                 "root": None if root is None else str(root), "train_sizes": train_sizes,
                 "epochs": epochs, "seed": seed, "n_seeds": n_seeds, "balance": balance_arg,
                 "batch_size": batch_size, "context": context, "model_params": model_params,
                 "audio_root": None if audio_root is None else str(audio_root),
                 "split_file": None if split_file is None else str(split_file)},
        "model": label, "task": task.name, "features": features, "corpus_name": name,
        "dataset": data.describe(), "seed": seeds[0], "seeds": seeds,
        "versions": package_versions(), "dataset_fingerprint": data.fingerprint,
        "finished": True, "wall_seconds": time.perf_counter() - started,
        "peak_memory_mb": peak_memory_mb(), "fit_seconds": fit_seconds,
        "predict_seconds_per_1000": 1000 * predict_seconds / max(1, n_frames),
        "train_windows": seen, "headline_metric": task.headline_metric, "metrics": summary,
        "detail": {"seed": seeds[0], **(detail or {}),
                   "protocol": {"split": "one split by track (the dataset's: a split file, else "
                                         "seeded and stratified by collection)",
                                "interval": "95 % bootstrap over test tracks"}},
        "config": {"extractor": extractor.get_params(), "unit": task.unit},
        "points_reused": counts["reused"], "points_computed": counts["computed"],
    }
    records.write_run(folder, record)
    if progress:
        print(f"{run_name}: {seen} training frames, {len(test)} test tracks; "
              f"{task.headline_metric} {summary[task.headline_metric]:.4f}; wrote {folder}")
    return record
