"""The MusicNet tasks: composer, instruments and joint, on windows.

Every task reads MusicNet-kind datasets (the MusicNet layout: wav + label
csv + metadata csv; the rendered default corpus is written in it) and
predicts one answer per window of ``length`` seconds:

composer (multi-class)
    ``y`` of shape ``(n,)``: the index of the window's composer in the
    dataset's composer list.  Headline: ``composer_accuracy``.
instruments (multi-label)
    ``Y`` of shape ``(n, n_instruments)``, 0/1: which instruments sound in the
    window.  Headline: ``instrument_exact_match``.
joint (multi-class plus multi-label)
    ``Y`` of shape ``(n, 1 + n_instruments)``: the composer's index in
    column 0, the instrument indicators after it; a window counts as exactly
    right only when every column is right.  Headline: ``joint_exact_match``.

:func:`encode_targets` / :func:`decode_targets` / :func:`output_classes`
convert between the annotations and the estimator's ``y``
(``baselines.models`` re-exports them under the same names).  Scores come
from :mod:`baselines.metrics`, which validates its inputs first.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from baselines import metrics as M
from baselines.tasks import Task, register_task

__all__ = [
    "MUSICNET_TASKS",
    "encode_targets",
    "decode_targets",
    "output_classes",
]

#: The names of this family, in registration order.
MUSICNET_TASKS = ("composer", "instruments", "joint")


def _check_name(task):
    if task not in MUSICNET_TASKS:
        raise ValueError(f"unknown task {task!r}; valid tasks: {', '.join(MUSICNET_TASKS)}")


# ---------------------------------------------------------------------------
# Targets


def encode_targets(task, composer_index, instruments):
    """The estimator's ``y`` for a task.

    Parameters
    ----------
    task : {"composer", "instruments", "joint"}
    composer_index : np.ndarray [shape=(n,)], int
    instruments : np.ndarray [shape=(n, n_instruments)], 0/1
    """
    _check_name(task)
    if task == "composer":
        return np.asarray(composer_index, dtype=np.int64)
    instruments = np.asarray(instruments, dtype=np.int64)
    if task == "instruments":
        return instruments
    return np.column_stack([np.asarray(composer_index, dtype=np.int64), instruments])


def decode_targets(task, y):
    """Split an estimator's ``y`` (or prediction) into (composer, instruments).

    The part a task does not have is ``None``.
    """
    _check_name(task)
    y = np.asarray(y)
    if task == "composer":
        return y, None
    if task == "instruments":
        return None, y
    return y[:, 0], y[:, 1:]


def output_classes(task, n_composers, n_instruments):
    """``classes=`` for the first ``partial_fit`` call of a task."""
    _check_name(task)
    composers = np.arange(n_composers)
    binary = np.array([0, 1])
    if task == "composer":
        return composers
    if task == "instruments":
        return [binary] * n_instruments
    return [composers] + [binary] * n_instruments


# ---------------------------------------------------------------------------
# The functions a Task holds


def _targets(task, dataset, windows):
    composer_index, instruments = dataset.targets(windows)
    return encode_targets(task, composer_index, instruments)


def _output_classes(task, dataset):
    return output_classes(task, len(dataset.composers), len(dataset.programs))


def _labels(dataset) -> dict:
    return {"composers": tuple(dataset.composers),
            "instruments": tuple(dataset.instrument_names)}


def _check(task, dataset):
    if task in ("instruments", "joint") and len(dataset.programs) < 2:
        raise ValueError(
            f"task {task!r} needs at least two instruments; {len(dataset.programs)} left "
            f"after filtering: {dataset.filtered.report()}"
        )


def _evaluate_all(task, y_true, y_pred, *, scores=None, groups=None, labels=None) -> dict:
    """:func:`baselines.metrics.evaluate` of decoded targets: flat keys and detail."""
    labels = labels or {}
    composer_true, instruments_true = decode_targets(task, y_true)
    composer_pred, instruments_pred = decode_targets(task, y_pred)
    kwargs = {}
    if composer_true is not None:
        composers = labels.get("composers")
        classes = (np.arange(len(composers)) if composers is not None
                   else np.unique(np.concatenate([composer_true, composer_pred])))
        kwargs.update(y_true=np.asarray(composer_true), y_pred=composer_pred, classes=classes)
        proba = scores[0] if scores else None
        if proba is not None and proba.ndim == 2 and proba.shape[1] == len(classes):
            kwargs["proba"] = proba
        if groups is not None:
            kwargs["recording_ids"] = groups
    if instruments_true is not None:
        instrument_scores = (scores[1:] if task == "joint" else scores) if scores else None
        Y_score = None
        if instrument_scores and all(s is not None and s.ndim == 1 for s in instrument_scores):
            Y_score = np.column_stack(instrument_scores)
        names = labels.get("instruments")
        kwargs.update(Y_true=instruments_true, Y_pred=instruments_pred, Y_score=Y_score,
                      instrument_names=list(names) if names is not None else None)
    result = M.evaluate(task, **kwargs)
    composers = labels.get("composers")
    if "composer" in result and composers is not None:
        # Class indices -> composer names, for readers of run.json.
        result["composer"]["labels"] = list(composers)
        for key in ("precision", "recall", "f1"):
            result["composer"][key] = {
                composers[int(k)]: v for k, v in result["composer"][key].items()
            }
    return result


def _evaluate(task, y_true, y_pred, *, scores=None, groups=None, labels=None) -> dict:
    result = _evaluate_all(task, y_true, y_pred, scores=scores, groups=groups, labels=labels)
    return {k: v for k, v in result.items() if not isinstance(v, dict)}


def _details(task, y_true, y_pred, *, scores=None, groups=None, labels=None) -> dict:
    result = _evaluate_all(task, y_true, y_pred, scores=scores, groups=groups, labels=labels)
    return {k: v for k, v in result.items() if isinstance(v, dict)}


def _item_scores(task, y_true, y_pred, *, scores=None, groups=None, labels=None) -> dict:
    """Per-item 0/1 scores of the mean-type keys (see ``Task.item_scores``):
    windows for accuracy and exact match, one item per recording (its first
    window's row) for ``recording_accuracy`` by hard vote."""
    composer_true, instruments_true = decode_targets(task, y_true)
    composer_pred, instruments_pred = decode_targets(task, y_pred)
    rows = np.arange(len(y_true))
    out = {}
    if composer_true is not None:
        composer_true, composer_pred = np.asarray(composer_true), np.asarray(composer_pred)
        correct = composer_true == composer_pred
        out["composer_accuracy"] = (correct.astype(float), rows)
        if groups is not None and scores is None:
            composers = (labels or {}).get("composers")
            classes = (np.arange(len(composers)) if composers is not None
                       else np.unique(np.concatenate([composer_true, composer_pred])))
            out["recording_accuracy"] = M.vote_item_scores(groups, composer_true, composer_pred,
                                                           classes=classes)
    if instruments_true is not None:
        exact = np.all(np.asarray(instruments_true) == np.asarray(instruments_pred), axis=1)
        out["instrument_exact_match"] = (exact.astype(float), rows)
        if composer_true is not None:
            out["joint_exact_match"] = ((correct & exact).astype(float), rows)
    return out


# ---------------------------------------------------------------------------
# Registration

_COMPOSER_KEYS = ("composer_accuracy", "composer_balanced_accuracy", "composer_macro_f1",
                  "recording_accuracy")
_INSTRUMENT_KEYS = ("instrument_exact_match", "instrument_hamming_loss",
                    "instrument_micro_f1", "instrument_macro_f1")


def _summary(keys):
    # run.json's metrics: the stable run keys this task produces, in their order.
    return tuple(k for k in M.RUN_METRIC_KEYS if k in keys)


def _musicnet_task(name, description, target_kind, headline, keys):
    return register_task(Task(
        name=name,
        description=description,
        dataset_kinds=("musicnet",),
        default_dataset="default",
        unit="window",
        target_kind=target_kind,
        headline_metric=headline,
        metric_keys=keys,
        summary_keys=_summary(keys),
        cnn_head=name,
        targets=partial(_targets, name),
        output_classes=partial(_output_classes, name),
        evaluate=partial(_evaluate, name),
        labels=_labels,
        details=partial(_details, name),
        check=partial(_check, name),
        item_scores=partial(_item_scores, name),
    ))


COMPOSER = _musicnet_task(
    "composer", "the composer of a window (multi-class)", "multiclass",
    "composer_accuracy", _COMPOSER_KEYS)
INSTRUMENTS = _musicnet_task(
    "instruments", "the instruments sounding in a window (multi-label)", "multilabel",
    "instrument_exact_match", _INSTRUMENT_KEYS)
JOINT = _musicnet_task(
    "joint", "composer and instruments of a window, all right at once",
    "multiclass+multilabel", "joint_exact_match",
    _COMPOSER_KEYS + _INSTRUMENT_KEYS + ("joint_exact_match",))
