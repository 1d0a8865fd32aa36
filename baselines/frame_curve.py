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

Protocol (``--protocol``, as for window tasks): ``cv``, the default on an
embedded corpus, is grouped k-fold cross-validation over all tracks
(:func:`baselines.protocol.grouped_folds`: the track's group never on both
sides, stratified by collection where the collections allow); each fold is
a learning curve of its own, and the headline numbers score every track
once, pooled over the folds, with the task's 95 % bootstrap interval over
tracks and their count.  ``official`` is the dataset's split by track (a
split file, else seeded and stratified by collection).

Writes ``<out>/<model>-<task>-<dataset>-<features>[-balanced]/{points.csv,
curve.png, run.json}`` through :mod:`baselines.records`; finished points are
kept in its ``points/`` folder (:class:`baselines.runs.PointStore`) and a
rerun reuses them (the first seed's largest size is always refitted: its
model is smoothed and detailed).
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import numpy as np

from . import records
from .chord_models import SMOOTHING, parse_balance
from .curves import Curve, plot_learning_curves
from .frame_pipeline import (fit_offline, fit_streaming, predict_items, score_items,
                             training_units)
from .runs import PointStore, package_versions, peak_memory_mb, stable_hash

__all__ = ["DEFAULT_FRAME_FEATURES", "FramePart", "frame_parts", "frame_sizes", "run_frame_curve",
           "suffixed_keys"]

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
                    split_file=None, protocol=None, folds=5, repeats=1, **ignored) -> dict:
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
    protocol : {None, "official", "cv"}
        ``None``: ``cv`` on the task's embedded corpus, else ``official``.
    folds, repeats : int
        Of the ``cv`` protocol; frames are pooled over the folds of one
        repeat, so ``repeats`` must be 1.
    """
    from features.registry import make_extractor

    from .datasets import load_dataset
    from .models import MODELS, make_model

    started = time.perf_counter()
    features = features or DEFAULT_FRAME_FEATURES
    balance_arg, balance = balance, parse_balance(balance)
    name = dataset or task.default_dataset
    model_params = dict(model_params or {})
    from .curve_plan import resolve_protocol
    from .data.registry import get_dataset

    reader = get_dataset(name)
    task.check_dataset_kind(reader.kind, name)
    protocol = resolve_protocol(protocol, reader, root, folds, repeats)
    if protocol.get("repeats", 1) != 1:
        raise ValueError(f"--repeats {protocol['repeats']}: a frame task pools the frames of one "
                         "repeat of its folds; use --repeats 1")
    make_model(model, task.name, **model_params)  # unknown models and params fail early
    data = load_dataset(name, root=root, seed=seed, progress=progress, audio_root=audio_root,
                        split_file=split_file)
    task.check_dataset(data)
    if progress:
        print(data.summary(), flush=True)
    extractor = make_extractor(features, unit="frame", context=context)
    parts = frame_parts(data, extractor, protocol, seed=seed, n_jobs=n_jobs, progress=progress)
    hop = {"hop_seconds": extractor.hop_length / extractor.sr}
    streaming = MODELS[model].streaming
    # A model that learns nothing from data (the template) gets one point, one seed.
    learns = getattr(make_model(model, task.name, **model_params), "learns_from_data", True)
    seeds = list(range(seed, seed + n_seeds)) if learns else [seed]
    label = model + ("-balanced" if balance else "")
    columns = {"model": label, "task": task.name, "features": features}
    run_name = f"{label}-{task.name}-{name}-{features}"
    folder = Path(out) / run_name
    store = PointStore(folder)
    identity = {"model": model, "model_params": model_params, "task": task.name,
                "fingerprint": data.fingerprint, "extractor": extractor.get_params(),
                "epochs": epochs, "balance": balance_arg, "batch_size": batch_size}
    points, finals, counts = [], [], {"reused": 0, "computed": 0}
    per_seed = {s: [] for s in seeds}  # each part's metrics at its largest size
    for part in parts:
        total = len(training_units(part.train, extractor, None, task=task,
                                   dataset=part.data)[1])
        sizes = frame_sizes(train_sizes, total) if learns else [total]
        labels = {**task.labels(part.data), **hop}
        for s in seeds:
            for index, size in enumerate(sizes):
                key = stable_hash({**identity, "size": size, "seed": s,
                                   **({"fold": part.fold} if part.fold is not None else {})})
                final = s == seeds[0] and size == sizes[-1]  # its model is smoothed and detailed
                stored = None if final else store.get(key)
                if stored is not None:
                    counts["reused"] += 1
                    metrics, seen = stored["metrics"], stored["seen"]
                else:
                    counts["computed"] += 1
                    estimator = make_model(model, task.name, random_state=s, **model_params)
                    start = time.perf_counter()
                    if streaming:
                        estimator, seen = fit_streaming(
                            estimator, part.train, extractor, size, task=task, dataset=part.data,
                            epochs=epochs, batch_size=batch_size, random_state=s, balance=balance)
                    else:
                        estimator, seen = fit_offline(estimator, part.train, extractor, size,
                                                      task=task, dataset=part.data,
                                                      random_state=s, balance=balance)
                    fit_seconds = time.perf_counter() - start
                    start = time.perf_counter()
                    metrics, _ = score_items(estimator, part.test, extractor, task=task,
                                             labels=labels)
                    predict_seconds = time.perf_counter() - start
                    stored = {"metrics": metrics, "fit_seconds": fit_seconds,
                              "predict_seconds": predict_seconds, "seen": seen}
                    store.put(key, stored)
                    if final:
                        finals.append((part, estimator, stored))
                points.append({**columns, "train_windows": seen,
                               "epoch": epochs if streaming else 1, "seed": s,
                               "split": "validation", "size_index": index,
                               "fit_seconds": stored["fit_seconds"], **metrics})
                if progress:
                    where = "" if part.fold is None else f"fold {part.fold}, "
                    print(f"{label} {where}seed {s}, {seen} frames: {task.headline_metric} "
                          f"{metrics[task.headline_metric]:.4f}", flush=True)
            per_seed[s].append(metrics)
    summary, detail = _pooled_summary(finals, data, extractor, task, hop)
    for key in task.summary_keys:
        # As for window tasks: the point estimate is the mean over seeds and
        # folds of the largest size; interval and group count come from the
        # pooled first-seed predictions.
        values = [np.mean([m[key] for m in per_seed[s]]) for s in seeds]
        summary[key] = float(np.mean(values))
        if len(seeds) > 1:
            summary[f"{key}_std"] = float(np.std(values))
    frame = records.write_points_csv(_mean_over_parts(points), folder / "points.csv")
    plot_learning_curves([Curve(label, frame)], folder / "curve.png", metric=task.headline_metric,
                         title=f"{label} / {features}, {task.name}, {name}")
    test_tracks = [it for part in parts for it in part.test]
    n_frames = sum(it.n_frames for it in test_tracks)
    fit_seconds = float(np.mean([stored["fit_seconds"] for _, _, stored in finals]))
    predict_seconds = float(sum(stored["predict_seconds"] for _, _, stored in finals))
    seen = int(np.mean([stored["seen"] for _, _, stored in finals]))
    cv = protocol["name"] == "cv"
    record = {
        "command": command or f"python -m baselines.learning_curve {model} --task {task.name}",
        "args": {"model": model, "task": task.name, "features": features, "dataset": name,
                 "root": None if root is None else str(root), "train_sizes": train_sizes,
                 "epochs": epochs, "seed": seed, "n_seeds": n_seeds, "balance": balance_arg,
                 "batch_size": batch_size, "context": context, "model_params": model_params,
                 "audio_root": None if audio_root is None else str(audio_root),
                 "split_file": None if split_file is None else str(split_file),
                 "protocol": protocol},
        "model": label, "task": task.name, "features": features, "corpus_name": name,
        "dataset": {**data.describe(),
                    **({"folds": [[it.track.id for it in part.test] for part in parts]}
                       if cv else {})},
        "seed": seeds[0], "seeds": seeds,
        "versions": package_versions(), "dataset_fingerprint": data.fingerprint,
        "finished": True, "wall_seconds": time.perf_counter() - started,
        "peak_memory_mb": peak_memory_mb(), "fit_seconds": fit_seconds,
        "predict_seconds_per_1000": 1000 * predict_seconds / max(1, n_frames),
        "train_windows": seen, "headline_metric": task.headline_metric, "metrics": summary,
        "detail": {"seed": seeds[0], **(detail or {}),
                   "protocol": {"split": (f"grouped {protocol['folds']}-fold cross-validation "
                                          "by track, stratified by collection; every track "
                                          "scored once, pooled over the folds" if cv else
                                          "one split by track (the dataset's: a split file, "
                                          "else seeded and stratified by collection)"),
                                "interval": "95 % bootstrap over test tracks"}},
        "config": {"extractor": extractor.get_params(), "unit": task.unit,
                   "protocol": protocol["name"],
                   **({k: protocol[k] for k in ("folds", "repeats")} if cv else {})},
        "points_reused": counts["reused"], "points_computed": counts["computed"],
    }
    records.write_run(folder, record)
    if progress:
        print(f"{run_name}: {seen} training frames, {len(test_tracks)} test tracks; "
              f"{task.headline_metric} {summary[task.headline_metric]:.4f}; wrote {folder}")
    return record


@dataclasses.dataclass(frozen=True)
class FramePart:
    """One train/test partition of the tracks: the dataset with that split,
    and the frames of each side.  ``fold`` is ``None`` for the official split."""

    fold: int | None
    data: object
    train: list
    test: list


def frame_parts(data, extractor, protocol, *, seed=0, n_jobs=1, progress=True) -> list:
    """The :class:`FramePart` of each fold (``cv``) or of the dataset's split.

    Frames are computed (or read from the frame cache) once for all tracks.
    """
    if protocol["name"] != "cv":
        return [FramePart(None, data,
                          data.frame_items(data.train, extractor, n_jobs=n_jobs,
                                           progress=progress),
                          data.frame_items(data.test, extractor, n_jobs=n_jobs,
                                           progress=progress))]
    from .protocol import grouped_folds

    tracks = sorted(data.recordings, key=lambda t: t.id)
    items = data.frame_items(tracks, extractor, n_jobs=n_jobs, progress=progress)
    strata = [getattr(t, "collection", None) for t in tracks]
    folds = grouped_folds([t.group for t in tracks],
                          None if any(c is None for c in strata) else strata,
                          n_splits=protocol["folds"], n_repeats=1, random_state=seed)
    return [FramePart(fold.fold,
                      dataclasses.replace(data, train=tuple(tracks[i] for i in fold.train),
                                          test=tuple(tracks[i] for i in fold.test)),
                      [items[i] for i in fold.train], [items[i] for i in fold.test])
            for fold in folds]


def _pooled_summary(finals, data, extractor, task, hop) -> tuple:
    """The task's metrics (with interval and group count) and details of the
    largest size's first-seed models, every test track of every part pooled,
    and the same after each smoothing (keys suffixed)."""
    tracks = tuple(part.data.test[k] for part, _, _ in finals for k in range(len(part.test)))
    labels = {**task.labels(dataclasses.replace(data, train=(), test=tracks)), **hop}
    summary, detail = {}, None
    for smoothing in SMOOTHING:
        pooled = [predict_items(estimator, part.test, extractor, smoothing=smoothing)
                  for part, estimator, _ in finals]
        y_true, y_pred, groups = (np.concatenate(a) for a in zip(*pooled))
        metrics = task.evaluate(y_true, y_pred, groups=groups, labels=labels)
        if smoothing == SMOOTHING[0]:
            summary.update(metrics)
            if task.details is not None:
                detail = task.details(y_true, y_pred, groups=groups, labels=labels)
        else:
            summary.update(suffixed_keys(metrics, smoothing))
    return summary, detail


def _mean_over_parts(points) -> list:
    """Points of every fold -> their mean per (train size, seed); the official
    split's points as they are.  ``size_index`` is dropped."""
    import pandas as pd

    keys = ["model", "task", "features", "epoch", "seed", "split", "size_index"]
    frame = pd.DataFrame(records.mean_over_folds(points, keys))
    frame["train_windows"] = frame["train_windows"].round().astype(int)
    return frame.drop(columns="size_index").to_dict("records")
