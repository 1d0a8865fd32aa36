"""Metrics for the three tasks, in the mir_eval manner.

Every metric validates its inputs first and raises ``ValueError`` naming the
mismatch (lengths, shapes, label sets); every ``evaluate_*`` returns a plain
dict of metric name to value.

Composer (multi-class, one composer per window)
    ``accuracy``, ``balanced_accuracy``, ``macro_f1``, per-class
    ``precision``/``recall``/``f1`` and the ``confusion_matrix``.
Instruments (multi-label over the instrument vocabulary)
    ``exact_match`` (subset accuracy), ``hamming_loss``, ``micro_f1``,
    ``macro_f1`` and per-instrument ``roc_auc`` where scores exist and both
    labels occur.
Joint
    ``joint_exact_match``: a window counts only when its composer *and* every
    instrument are right.
Recordings
    :func:`recording_predictions` aggregates window probabilities (mean) or
    votes per recording; ``recording_accuracy`` scores those against the
    recording's composer, since users label whole pieces.

The stable keys that run files carry are in :data:`RUN_METRIC_KEYS`.
"""

from __future__ import annotations

import numpy as np
from sklearn import metrics as skm

__all__ = [
    "RUN_METRIC_KEYS",
    "validate_labels",
    "validate_multilabel",
    "composer_accuracy",
    "evaluate_composer",
    "evaluate_instruments",
    "vote_item_scores",
    "joint_exact_match",
    "recording_predictions",
    "recording_accuracy",
    "evaluate",
]

#: Keys of ``run.json["metrics"]`` that the report and other tools read.
RUN_METRIC_KEYS = (
    "composer_accuracy",
    "composer_macro_f1",
    "instrument_exact_match",
    "instrument_hamming_loss",
    "joint_exact_match",
    "recording_accuracy",
)


def validate_labels(y_true, y_pred, *, name="composer"):
    """Check a pair of 1-d label arrays and return them as arrays.

    Raises
    ------
    ValueError
        If either is not 1-d, if they are empty, or if their lengths differ.
    """
    y_true = np.asarray(y_true)
    y_pred = np.asarray(y_pred)
    if y_true.ndim != 1 or y_pred.ndim != 1:
        raise ValueError(
            f"{name} labels must be 1-d: y_true has shape {y_true.shape}, "
            f"y_pred has shape {y_pred.shape}"
        )
    if len(y_true) != len(y_pred):
        raise ValueError(
            f"{name} labels differ in length: len(y_true)={len(y_true)} "
            f"!= len(y_pred)={len(y_pred)}"
        )
    if len(y_true) == 0:
        raise ValueError(f"{name} labels are empty")
    return y_true, y_pred


def validate_multilabel(Y_true, Y_pred, *, name="instrument"):
    """Check a pair of binary indicator matrices and return them as int arrays.

    Raises
    ------
    ValueError
        If either is not 2-d, their shapes differ, they are empty, or they
        hold values other than 0 and 1.
    """
    Y_true = np.asarray(Y_true)
    Y_pred = np.asarray(Y_pred)
    if Y_true.ndim != 2 or Y_pred.ndim != 2:
        raise ValueError(
            f"{name} labels must be 2-d indicator matrices: Y_true has shape "
            f"{Y_true.shape}, Y_pred has shape {Y_pred.shape}"
        )
    if Y_true.shape != Y_pred.shape:
        raise ValueError(
            f"{name} label shapes differ: Y_true {Y_true.shape} != "
            f"Y_pred {Y_pred.shape}"
        )
    if Y_true.size == 0:
        raise ValueError(f"{name} labels are empty: shape {Y_true.shape}")
    for label, Y in (("Y_true", Y_true), ("Y_pred", Y_pred)):
        bad = np.setdiff1d(np.unique(Y), [0, 1])
        if bad.size:
            raise ValueError(
                f"{name} {label} must hold only 0 and 1, found {bad[:5].tolist()}"
            )
    return Y_true.astype(np.int8), Y_pred.astype(np.int8)


def composer_accuracy(y_true, y_pred) -> float:
    """Fraction of windows whose composer is right."""
    y_true, y_pred = validate_labels(y_true, y_pred)
    return float(np.mean(y_true == y_pred))


def evaluate_composer(y_true, y_pred, *, labels=None) -> dict:
    """Multi-class metrics for the composer task.

    Parameters
    ----------
    y_true, y_pred : array-like [shape=(n_windows,)]
    labels : sequence, optional
        Class order for the per-class metrics and the confusion matrix
        (default: the sorted union of both).

    Returns
    -------
    dict
        ``accuracy``, ``balanced_accuracy``, ``macro_f1`` (floats),
        ``labels`` (list), ``precision``, ``recall``, ``f1`` (dicts label ->
        float) and ``confusion_matrix`` (list of lists, rows true).

    Raises
    ------
    ValueError
        On mismatched inputs, or labels that miss a class present in the data.
    """
    y_true, y_pred = validate_labels(y_true, y_pred)
    present = np.union1d(y_true, y_pred)
    if labels is None:
        labels = present
    else:
        labels = np.asarray(labels)
        missing = np.setdiff1d(present, labels)
        if missing.size:
            raise ValueError(
                f"labels miss classes present in the data: {missing.tolist()}"
            )
    precision, recall, f1, _ = skm.precision_recall_fscore_support(
        y_true, y_pred, labels=labels, zero_division=0
    )
    # balanced accuracy over the classes that occur in y_true (sklearn's).
    return {
        "accuracy": float(np.mean(y_true == y_pred)),
        "balanced_accuracy": float(skm.balanced_accuracy_score(y_true, y_pred)),
        "macro_f1": float(
            skm.f1_score(y_true, y_pred, labels=labels, average="macro", zero_division=0)
        ),
        "labels": [_plain(v) for v in labels],
        "precision": {str(k): float(v) for k, v in zip(labels, precision)},
        "recall": {str(k): float(v) for k, v in zip(labels, recall)},
        "f1": {str(k): float(v) for k, v in zip(labels, f1)},
        "confusion_matrix": skm.confusion_matrix(y_true, y_pred, labels=labels).tolist(),
    }


def evaluate_instruments(Y_true, Y_pred, *, Y_score=None, names=None) -> dict:
    """Multi-label metrics for the instruments task.

    Parameters
    ----------
    Y_true, Y_pred : array-like [shape=(n_windows, n_instruments)], 0/1
    Y_score : array-like [shape=(n_windows, n_instruments)], optional
        Scores (probabilities or decision values) of the positive label; gives
        per-instrument ROC AUC where both labels occur in ``Y_true``.
    names : sequence of str, optional
        Instrument names for the per-instrument keys (default: column index).

    Returns
    -------
    dict
        ``exact_match``, ``hamming_loss``, ``micro_f1``, ``macro_f1``,
        ``per_instrument_accuracy`` (dict name -> fraction of windows whose
        column is right), ``roc_auc`` (dict name -> float, only the columns
        where it is defined).
    """
    Y_true, Y_pred = validate_multilabel(Y_true, Y_pred)
    n_labels = Y_true.shape[1]
    if names is None:
        names = [str(i) for i in range(n_labels)]
    if len(names) != n_labels:
        raise ValueError(
            f"len(names)={len(names)} != number of instrument columns {n_labels}"
        )
    result = {
        "exact_match": float(np.mean(np.all(Y_true == Y_pred, axis=1))),
        "hamming_loss": float(np.mean(Y_true != Y_pred)),
        "micro_f1": float(skm.f1_score(Y_true, Y_pred, average="micro", zero_division=0)),
        "macro_f1": float(skm.f1_score(Y_true, Y_pred, average="macro", zero_division=0)),
        "per_instrument_accuracy": {
            str(name): float(a) for name, a in zip(names, np.mean(Y_true == Y_pred, axis=0))
        },
        "roc_auc": {},
    }
    if Y_score is not None:
        Y_score = np.asarray(Y_score, dtype=float)
        if Y_score.shape != Y_true.shape:
            raise ValueError(
                f"Y_score shape {Y_score.shape} != Y_true shape {Y_true.shape}"
            )
        for j, name in enumerate(names):
            if 0 < Y_true[:, j].sum() < len(Y_true):
                result["roc_auc"][str(name)] = float(
                    skm.roc_auc_score(Y_true[:, j], Y_score[:, j])
                )
    return result


def joint_exact_match(y_true, y_pred, Y_true, Y_pred) -> float:
    """Fraction of windows whose composer and every instrument are right.

    Raises
    ------
    ValueError
        If the composer and instrument labels describe different numbers of
        windows, or either pair is malformed.
    """
    y_true, y_pred = validate_labels(y_true, y_pred)
    Y_true, Y_pred = validate_multilabel(Y_true, Y_pred)
    if len(y_true) != len(Y_true):
        raise ValueError(
            f"composer labels cover {len(y_true)} windows but instrument labels "
            f"cover {len(Y_true)}"
        )
    return float(np.mean((y_true == y_pred) & np.all(Y_true == Y_pred, axis=1)))


def recording_predictions(recording_ids, *, proba=None, y_pred=None, classes=None):
    """Aggregate window predictions into one prediction per recording.

    With ``proba`` the window probabilities are averaged (soft vote); with
    ``y_pred`` the most frequent window prediction wins (ties: the first in
    ``classes`` order).

    Parameters
    ----------
    recording_ids : array-like [shape=(n_windows,)]
    proba : np.ndarray [shape=(n_windows, n_classes)], optional
    y_pred : array-like [shape=(n_windows,)], optional
    classes : array-like [shape=(n_classes,)]
        Class of each ``proba`` column; required with ``proba``.

    Returns
    -------
    ids : np.ndarray [shape=(n_recordings,)]
        Sorted recording ids.
    predictions : np.ndarray [shape=(n_recordings,)]
    """
    recording_ids = np.asarray(recording_ids)
    if (proba is None) == (y_pred is None):
        raise ValueError("give exactly one of proba= or y_pred=")
    if recording_ids.ndim != 1 or len(recording_ids) == 0:
        raise ValueError(
            f"recording_ids must be a non-empty 1-d array, got shape {recording_ids.shape}"
        )
    if proba is not None:
        proba = np.asarray(proba, dtype=float)
        if classes is None:
            raise ValueError("classes= is required with proba=")
        classes = np.asarray(classes)
        if proba.ndim != 2 or proba.shape[0] != len(recording_ids):
            raise ValueError(
                f"proba has shape {proba.shape}, expected ({len(recording_ids)}, n_classes)"
            )
        if proba.shape[1] != len(classes):
            raise ValueError(
                f"proba has {proba.shape[1]} columns but {len(classes)} classes"
            )
    else:
        y_pred = np.asarray(y_pred)
        if y_pred.shape != recording_ids.shape:
            raise ValueError(
                f"len(y_pred)={len(y_pred)} != len(recording_ids)={len(recording_ids)}"
            )
        classes = np.unique(y_pred) if classes is None else np.asarray(classes)
        unknown = np.setdiff1d(y_pred, classes)
        if unknown.size:
            raise ValueError(f"y_pred holds classes not in classes: {unknown.tolist()}")
        proba = (y_pred[:, None] == classes[None, :]).astype(float)
    ids, inverse = np.unique(recording_ids, return_inverse=True)
    totals = np.zeros((len(ids), proba.shape[1]))
    np.add.at(totals, inverse, proba)
    return ids, classes[np.argmax(totals, axis=1)]


def vote_item_scores(recording_ids, y_true, y_pred, *, classes):
    """Per-recording 0/1 scores of the hard vote, and each recording's first row.

    The items of a vote-level accuracy (:func:`recording_accuracy`, a genre
    clip's vote) for a bootstrap over groups: ``(scores, rows)``, one entry
    per recording in sorted-id order, ``rows`` the index of its first window
    (whose group the recording's score belongs to).
    """
    recording_ids = np.asarray(recording_ids)
    _, votes = recording_predictions(recording_ids, y_pred=y_pred, classes=classes)
    _, first = np.unique(recording_ids, return_index=True)  # the votes' order
    return (np.asarray(y_true)[first] == votes).astype(float), first


def recording_accuracy(recording_ids, y_true, *, proba=None, y_pred=None, classes=None):
    """Accuracy of the per-recording predictions of :func:`recording_predictions`.

    ``y_true`` is the window-level truth; every window of a recording must
    carry the same label (the recording's composer).
    """
    recording_ids = np.asarray(recording_ids)
    y_true = np.asarray(y_true)
    if y_true.shape != recording_ids.shape:
        raise ValueError(
            f"len(y_true)={len(y_true)} != len(recording_ids)={len(recording_ids)}"
        )
    ids, predictions = recording_predictions(
        recording_ids, proba=proba, y_pred=y_pred, classes=classes
    )
    truth = []
    for rid in ids:
        labels = np.unique(y_true[recording_ids == rid])
        if len(labels) != 1:
            raise ValueError(
                f"recording {rid} has windows with different labels: {labels.tolist()}"
            )
        truth.append(labels[0])
    return float(np.mean(np.asarray(truth) == predictions))


def evaluate(task, *, y_true=None, y_pred=None, Y_true=None, Y_pred=None,
             Y_score=None, recording_ids=None, proba=None, classes=None,
             instrument_names=None) -> dict:
    """All metrics of a task, with the stable run keys at the top level.

    Parameters
    ----------
    task : {"composer", "instruments", "joint"}
    y_true, y_pred : composer labels (composer and joint tasks)
    Y_true, Y_pred, Y_score : instrument indicators and scores
        (instruments and joint tasks)
    recording_ids : window groups, for ``recording_accuracy`` (composer and
        joint tasks); with ``proba``/``classes`` the vote is soft.

    Returns
    -------
    dict
        The :data:`RUN_METRIC_KEYS` that apply, plus ``composer`` and
        ``instruments`` sub-dicts with every metric.
    """
    if task not in ("composer", "instruments", "joint"):
        raise ValueError(
            f"task={task!r} is not one of 'composer', 'instruments', 'joint'"
        )
    out: dict = {}
    if task in ("composer", "joint"):
        composer = evaluate_composer(y_true, y_pred, labels=classes)
        out["composer_accuracy"] = composer["accuracy"]
        out["composer_balanced_accuracy"] = composer["balanced_accuracy"]
        out["composer_macro_f1"] = composer["macro_f1"]
        out["composer"] = composer
        if recording_ids is not None:
            if proba is not None:
                out["recording_accuracy"] = recording_accuracy(
                    recording_ids, y_true, proba=proba, classes=classes
                )
            else:
                out["recording_accuracy"] = recording_accuracy(
                    recording_ids, y_true, y_pred=y_pred, classes=classes
                )
    if task in ("instruments", "joint"):
        instruments = evaluate_instruments(
            Y_true, Y_pred, Y_score=Y_score, names=instrument_names
        )
        out["instrument_exact_match"] = instruments["exact_match"]
        out["instrument_hamming_loss"] = instruments["hamming_loss"]
        out["instrument_micro_f1"] = instruments["micro_f1"]
        out["instrument_macro_f1"] = instruments["macro_f1"]
        out["instruments"] = instruments
    if task == "joint":
        out["joint_exact_match"] = joint_exact_match(y_true, y_pred, Y_true, Y_pred)
    return out


def _plain(value):
    """A JSON-friendly Python scalar."""
    return value.item() if isinstance(value, np.generic) else value
