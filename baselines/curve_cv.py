"""The learning curve under a protocol: grouped cross-validation, and intervals.

``--protocol cv`` (the default on the embedded corpora) replaces the one
train/test split by grouped k-fold cross-validation over all recordings
(:func:`baselines.protocol.grouped_folds`: folds by the dataset's group, the
work for MusicNet-kind corpora, stratified by composer where the classes
allow, repeated with seeds).  Each fold is a learning curve of its own
(:func:`fold_plans`: the plan with that fold's recordings on each side and
held-out windows drawn from its test recordings); its points are stored and
reused like any other.

:func:`interval_metrics` turns the pooled predictions of the largest train
size (every fold of every repeat, or the official split's test windows)
into 95 % intervals from a bootstrap over test groups, for the task's
headline metric and recording accuracy, and the number of groups they
rest on: ``<key>_ci_low``, ``<key>_ci_high``, ``<key>_n_groups`` in the run
record's metrics.
"""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np

from baselines.protocol import grouped_folds, metric_interval, n_groups, score_interval

__all__ = ["INTERVAL_KEYS", "fold_plans", "interval_metrics", "pooled_folds",
           "pooled_predictions", "prediction_block", "recording_folds"]

#: Metrics given an interval, besides the task's headline metric (those a
#: task's evaluate lacks are skipped): the joint table's composer and
#: instrument columns get theirs too.
INTERVAL_KEYS = ("recording_accuracy", "composer_accuracy", "instrument_exact_match")
#: Bootstrap resamples of a run's intervals (each one scores the task once).
N_BOOT = 1000


def recording_folds(data, *, folds: int, repeats: int, seed: int):
    """``(recordings sorted by id, folds over them)``: grouped, stratified by
    composer where the recordings have one."""
    recordings = sorted(data.recordings, key=lambda r: r.id)
    groups = [r.group for r in recordings]
    composers = [getattr(r, "composer", None) for r in recordings]
    y = None if any(c is None for c in composers) else composers
    return recordings, grouped_folds(groups, y, n_splits=folds, n_repeats=repeats,
                                     random_state=seed)


def fold_plans(plan, *, folds: int, repeats: int) -> list:
    """One plan per fold: the fold's recordings on each side, its own held-out
    windows (same seed and count as the plan's), point keys that name the fold."""
    recordings, rec_folds = recording_folds(plan.data, folds=folds, repeats=repeats,
                                            seed=plan.args["seed"])
    out = []
    for fold in rec_folds:
        data = dataclasses.replace(plan.data, train=tuple(recordings[i] for i in fold.train),
                                   test=tuple(recordings[i] for i in fold.test))
        eval_windows = data.evaluation_windows(n_per_recording=plan.args["eval_windows"],
                                               grid=plan.grid,
                                               random_state=plan.args["eval_seed"])
        out.append(dataclasses.replace(
            plan, data=data, eval_windows=eval_windows,
            y_eval=plan.task.targets(data, eval_windows),
            identity=dict(plan.identity, fold=[fold.repeat, fold.fold])))
    return out


def pooled_predictions(plans, results):
    """Concatenate the held-out truth, predictions and groups of several plans.

    Parameters
    ----------
    plans : list of CurvePlan
        One per fold (or the official plan alone).
    results : list of dict
        Each plan's stored point result at the largest train size (first
        seed), holding ``predictions``.

    Returns
    -------
    y_true, y_pred, units, groups : np.ndarray
        ``units`` are recording ids made unique per plan (a recording is
        tested once per repeat; its windows' votes must not mix repeats);
        ``groups`` the recordings' groups (works).
    """
    y_true, y_pred, units, groups = [], [], [], []
    for k, (plan, result) in enumerate(zip(plans, results)):
        by_id = {r.id: r.group for r in plan.data.test}
        ids = np.asarray(plan.eval_windows.recording_ids)
        y_true.append(np.asarray(plan.y_eval))
        y_pred.append(np.asarray(result["predictions"]))
        units.append([f"{k}:{i}" for i in ids])
        groups.append([str(by_id[int(i)]) for i in ids])
    return (np.concatenate(y_true), np.concatenate(y_pred), np.concatenate(units),
            np.concatenate(groups))


def pooled_folds(plans) -> np.ndarray:
    """The plan index of each item of :func:`pooled_predictions`' arrays."""
    return np.repeat(np.arange(len(plans)), [len(p.eval_windows) for p in plans])


def prediction_block(windows, groups, y_true, y_pred) -> dict | None:
    """The held-out predictions as a run record's ``detail.predictions``.

    Kept for one-answer-per-window tasks only, so that the report can pair
    two runs scored on the same windows (a classical model and the CNN).
    """
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.ndim != 1 or y_pred.shape != y_true.shape:
        return None
    return {"recording_ids": [int(i) for i in windows.recording_ids],
            "starts": [round(float(s), 6) for s in windows.starts],
            "groups": [str(g) for g in groups],
            "y_true": y_true.tolist(), "y_pred": y_pred.tolist()}


def interval_metrics(task, labels, y_true, y_pred, units, groups, *, random_state=0,
                     n_boot: int = N_BOOT, keys=None, folds=None) -> dict:
    """``<key>_ci_low``, ``<key>_ci_high``, ``<key>_n_groups`` of the headline
    metric and recording accuracy (or of ``keys``), groups resampled.

    ``folds`` (one label per item: the plan it was scored in) makes a metric
    without item scores (Spearman, R^2, macro F1) a mean of its values
    within each fold on every resample, as the run's own value is: pooled
    across folds, a correlation would read each fold's offset (a model
    fitted on other data) as signal or as noise, and a dummy predicting each
    fold's training mean would get an interval around a value it does not
    have.  No interval where the metric is undefined on the whole set.
    """
    out = {}
    index = np.arange(len(y_true))
    fold_of = None if folds is None else np.asarray(folds)
    fast = (task.item_scores(y_true, y_pred, groups=units, labels=labels)
            if task.item_scores is not None else {})

    def scored(idx) -> dict:
        # metric_interval passes subsets of its "y" arrays: here the item
        # indices, so the task sees the subset's units too.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a resample may lack a class
            return task.evaluate(y_true[idx], y_pred[idx], groups=units[idx], labels=labels)

    def evaluate(idx, key):
        value = scored(idx).get(key)
        return np.nan if value is None else float(value)

    known = None  # the keys the task's evaluate gives, read once if needed
    keys = (task.headline_metric,) + INTERVAL_KEYS if keys is None else tuple(keys)
    for key in dict.fromkeys(keys):
        if key in fast:
            # a mean of per-item scores: resample the groups' sums (one pass)
            # rather than calling evaluate once per resample
            scores, rows = fast[key]
            interval = score_interval(scores, np.asarray(groups)[rows], n_boot=n_boot,
                                      random_state=random_state)
            out.update({k: v for k, v in interval.as_dict(key).items() if k != key})
            continue
        if known is None:
            known = set(scored(index))
        if key not in known:
            continue  # the task has no such metric

        def statistic(idx, _same, key=key):
            if fold_of is None:
                return evaluate(idx, key)
            labels_here = fold_of[idx]
            values = [evaluate(idx[labels_here == f], key) for f in np.unique(labels_here)]
            values = [v for v in values if np.isfinite(v)]
            return float(np.mean(values)) if values else np.nan

        if not np.isfinite(statistic(index, index)):
            # undefined here (a constant prediction has no correlation): no
            # interval around it, but the groups it was scored on still count
            out[f"{key}_n_groups"] = n_groups(groups)
            continue
        interval = metric_interval(statistic, index, index, groups, n_boot=n_boot,
                                   random_state=random_state)
        # The point estimate stays the run's own (the mean over seeds and
        # folds); the interval comes from the pooled first-seed predictions.
        out.update({k: v for k, v in interval.as_dict(key).items() if k != key})
    return out
