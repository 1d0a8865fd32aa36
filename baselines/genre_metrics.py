"""Metrics of the genre and affect tasks, in the mir_eval manner.

Every function validates its inputs first (``ValueError`` naming the
mismatch) and ``evaluate_*`` returns one flat dict of stable keys to floats.

Genre (multi-class; per window, and per clip by a vote of its windows)
    ``genre_accuracy``, ``genre_macro_f1``, ``genre_weighted_f1``,
    ``genre_clip_accuracy`` (each clip's windows vote, ties to the first
    class in sorted order; with probabilities, their mean decides), and the
    per-class table ``genre_precision_<class>``, ``genre_recall_<class>``,
    ``genre_f1_<class>`` (:func:`per_class_table` gives it as rows).
Affect (multi-target regression)
    ``affect_spearman_<target>``, ``affect_r2_<target>``,
    ``affect_mae_<target>`` per target column and ``affect_spearman_mean``.
    A constant column (prediction or truth) has no Spearman correlation:
    NaN, left out of the mean.
"""

from __future__ import annotations

import numpy as np
from sklearn import metrics as skm

from .metrics import recording_predictions, validate_labels

__all__ = ["GENRE_KEYS", "AFFECT_KEYS", "evaluate_genre", "evaluate_affect", "clip_accuracy",
           "per_class_table", "validate_targets"]

#: Stable keys always present in ``evaluate_genre``'s result.
GENRE_KEYS = ("genre_accuracy", "genre_macro_f1", "genre_weighted_f1", "genre_clip_accuracy")
#: Stable key always present in ``evaluate_affect``'s result (plus per-target keys).
AFFECT_KEYS = ("affect_spearman_mean",)


def clip_accuracy(clip_ids, y_true, *, y_pred=None, proba=None, classes=None) -> float:
    """Accuracy of per-clip predictions made by voting a clip's windows.

    Parameters
    ----------
    clip_ids, y_true : array-like [shape=(n_windows,)]
        Every window of a clip must carry the clip's genre.
    y_pred : array-like [shape=(n_windows,)], optional
        Hard votes (ties: the first class in sorted order).
    proba : np.ndarray [shape=(n_windows, n_classes)], optional
        Soft vote: the mean probability decides.
    classes : array-like, required with ``proba``

    Raises
    ------
    ValueError
        Lengths differ, or one clip's windows carry two genres.
    """
    clip_ids = np.asarray(clip_ids)
    y_true = np.asarray(y_true)
    if len(clip_ids) != len(y_true):
        raise ValueError(f"clip_ids has {len(clip_ids)} entries but y_true has {len(y_true)}")
    if y_pred is not None:
        validate_labels(y_true, y_pred, name="genre")
    truth = {}
    for cid, label in zip(clip_ids.tolist(), y_true.tolist()):
        if truth.setdefault(cid, label) != label:
            raise ValueError(f"clip {cid!r} has windows labelled {truth[cid]!r} and {label!r}")
    if y_pred is not None and classes is None:
        classes = np.unique(np.concatenate([y_true, np.asarray(y_pred)]))
    ids, predictions = recording_predictions(clip_ids, proba=proba, y_pred=y_pred, classes=classes)
    return float(np.mean([truth[i] == p for i, p in zip(ids.tolist(), predictions.tolist())]))


def per_class_table(y_true, y_pred, *, labels=None) -> list[dict]:
    """Rows ``{"class", "precision", "recall", "f1", "support"}``, one per class."""
    y_true, y_pred = validate_labels(y_true, y_pred, name="genre")
    if labels is None:
        labels = np.unique(np.concatenate([y_true, y_pred]))
    p, r, f, s = skm.precision_recall_fscore_support(y_true, y_pred, labels=labels,
                                                     zero_division=0)
    return [{"class": str(c), "precision": float(pi), "recall": float(ri), "f1": float(fi),
             "support": int(si)} for c, pi, ri, fi, si in zip(labels, p, r, f, s)]


def evaluate_genre(y_true, y_pred, clip_ids, *, proba=None, classes=None, labels=None) -> dict:
    """Window and clip scores of genre predictions.

    Parameters
    ----------
    y_true, y_pred : array-like [shape=(n_windows,)]
    clip_ids : array-like [shape=(n_windows,)]
        The clip each window was cut from (windows of one clip vote).
    proba, classes : optional
        Window probabilities (and their column classes) for a soft clip vote.
    labels : array-like, optional
        Classes of the macro average (default: those in either array).

    Returns
    -------
    dict
        :data:`GENRE_KEYS` and ``genre_{precision,recall,f1}_<class>``.
    """
    y_true, y_pred = validate_labels(y_true, y_pred, name="genre")
    if labels is None:
        labels = np.unique(np.concatenate([y_true, y_pred]))
    out = {
        "genre_accuracy": float(skm.accuracy_score(y_true, y_pred)),
        "genre_macro_f1": float(skm.f1_score(y_true, y_pred, labels=labels, average="macro",
                                             zero_division=0)),
        "genre_weighted_f1": float(skm.f1_score(y_true, y_pred, labels=labels, average="weighted",
                                                zero_division=0)),
        "genre_clip_accuracy": (clip_accuracy(clip_ids, y_true, proba=proba, classes=classes)
                                if proba is not None else
                                clip_accuracy(clip_ids, y_true, y_pred=y_pred, classes=labels)),
    }
    for row in per_class_table(y_true, y_pred, labels=labels):
        for key in ("precision", "recall", "f1"):
            out[f"genre_{key}_{row['class']}"] = row[key]
    return out


def validate_targets(Y_true, Y_pred, names) -> tuple[np.ndarray, np.ndarray]:
    """Check two ``(n, n_targets)`` float arrays against ``names``.

    Raises
    ------
    ValueError
        Shapes differ or do not match ``names``, fewer than two rows, or
        non-finite values.
    """
    Y_true = np.asarray(Y_true, dtype=float)
    Y_pred = np.asarray(Y_pred, dtype=float)
    if Y_true.ndim == 1:
        Y_true = Y_true[:, None]
    if Y_pred.ndim == 1:
        Y_pred = Y_pred[:, None]
    if Y_true.shape != Y_pred.shape:
        raise ValueError(f"affect targets have shape {Y_true.shape}, predictions {Y_pred.shape}")
    if Y_true.shape[1] != len(names):
        raise ValueError(f"{Y_true.shape[1]} target columns but {len(names)} names {list(names)}")
    if Y_true.shape[0] < 2:
        raise ValueError(f"affect scores need at least 2 rows, got {Y_true.shape[0]}")
    for what, Y in (("targets", Y_true), ("predictions", Y_pred)):
        if not np.all(np.isfinite(Y)):
            raise ValueError(f"affect {what} contain NaN or infinite values")
    return Y_true, Y_pred


def evaluate_affect(Y_true, Y_pred, names) -> dict:
    """Per-target Spearman, R^2 and MAE, and the mean Spearman.

    Parameters
    ----------
    Y_true, Y_pred : array-like [shape=(n, n_targets)]
    names : sequence of str
        Target column names (the keys' suffixes).

    Returns
    -------
    dict
        ``affect_spearman_<name>``, ``affect_r2_<name>``, ``affect_mae_<name>``
        and ``affect_spearman_mean`` (NaN when no target has a correlation).
    """
    from scipy.stats import spearmanr

    Y_true, Y_pred = validate_targets(Y_true, Y_pred, names)
    out, rhos = {}, []
    for j, name in enumerate(names):
        t, p = Y_true[:, j], Y_pred[:, j]
        constant = np.ptp(t) == 0 or np.ptp(p) == 0
        rho = float("nan") if constant else float(spearmanr(t, p).statistic)
        out[f"affect_spearman_{name}"] = rho
        out[f"affect_r2_{name}"] = float(skm.r2_score(t, p))
        out[f"affect_mae_{name}"] = float(skm.mean_absolute_error(t, p))
        if np.isfinite(rho):
            rhos.append(rho)
    out["affect_spearman_mean"] = float(np.mean(rhos)) if rhos else float("nan")
    return out
