"""The chord task: the major/minor chord of every frame, scored as MIREX does.

One task, ``chords``: 25 classes (12 major, 12 minor triads, ``N``; see
:mod:`baselines.data.chord_labels`), one answer per frame (with context),
read from ``lab``-kind datasets (Isophonics-layout collections; the embedded
default is the chord corpus rendered from music21's harmonic analyses).
Frames whose chord is outside the vocabulary are left out of training; the
test tracks are scored on every frame, as labelled segments, with
:mod:`baselines.metrics_chords` (mir_eval's majmin WCSR and friends).

Units are ``(items, track_index, frame_index)``: frames of
:class:`~baselines.data.chord_frames.TrackFrames`.  ``evaluate`` takes every
frame of the test tracks in order, ``groups`` their track ids and
``labels`` the task's labels plus ``hop_seconds``.
"""

from __future__ import annotations

import numpy as np

from baselines.data.chord_labels import MAJMIN_CLASSES, N_CLASSES
from baselines.metrics_chords import (
    CHORD_METRIC_KEYS, collection_table, confusion, evaluate_frames, score_frames,
)
from baselines.tasks import Task, register_task

__all__ = ["CHORDS"]

_KEYS = CHORD_METRIC_KEYS + ("chord_majmin_wcsr_ci_low", "chord_majmin_wcsr_ci_high", "n_groups")


def _targets(dataset, units) -> np.ndarray:
    items, track_index, frame_index = units
    return np.array([items[i].targets[j] for i, j in zip(track_index, frame_index)],
                    dtype=np.int64)


def _output_classes(dataset) -> np.ndarray:
    return np.arange(N_CLASSES)


def _labels(dataset) -> dict:
    return {"classes": list(MAJMIN_CLASSES), "references": dataset.references(dataset.test)}


def _references(groups, labels):
    if groups is None or labels is None or "hop_seconds" not in labels:
        raise ValueError("the chords task scores whole tracks: evaluate needs groups (the track "
                         "of each frame) and labels (references and hop_seconds)")
    return labels["references"], labels["hop_seconds"]


def _evaluate(y_true, y_pred, *, scores=None, groups=None, labels=None) -> dict:
    references, hop = _references(groups, labels)
    return evaluate_frames(y_true, y_pred, groups=groups, references=references, hop_seconds=hop)


def _details(y_true, y_pred, *, scores=None, groups=None, labels=None) -> dict:
    references, hop = _references(groups, labels)
    per_track = score_frames(y_true, y_pred, groups=groups, references=references, hop_seconds=hop)
    return {"chords": {"labels": list(MAJMIN_CLASSES),
                       "per_collection": collection_table(per_track),
                       "confusion_matrix": confusion(y_true, y_pred).tolist(),
                       "per_track_majmin": {t["id"]: t["scores"]["majmin"] for t in per_track}}}


CHORDS = register_task(Task(
    name="chords",
    description="the major/minor chord of every frame (25 classes), mir_eval majmin WCSR",
    dataset_kinds=("lab",),
    default_dataset="chords",
    unit="frame",
    target_kind="multiclass",
    headline_metric="chord_majmin_wcsr",
    metric_keys=_KEYS,
    summary_keys=CHORD_METRIC_KEYS,
    cnn_head="chords",
    targets=_targets,
    output_classes=_output_classes,
    evaluate=_evaluate,
    labels=_labels,
    details=_details,
))
