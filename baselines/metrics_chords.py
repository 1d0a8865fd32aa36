"""Chord recognition scores, as MIREX reports them, through mir_eval.

Frame predictions (class indices of :data:`~baselines.data.chord_labels.MAJMIN_CLASSES`)
become labelled segments (:func:`frames_to_segments`), scored against each
track's reference ``.lab`` with :func:`mir_eval.chord.evaluate`.

Stable keys (:data:`CHORD_METRIC_KEYS`):

- ``chord_majmin_wcsr``: per-track majmin score weighted by track duration
  over the test tracks (MIREX's weighted chord symbol recall);
- ``chord_root_wcsr``, ``chord_mirex_wcsr``: the same for mir_eval's
  ``root`` and ``mirex`` comparisons;
- ``chord_segmentation``: mir_eval's ``seg`` (directional Hamming), weighted
  the same way;
- ``chord_frame_accuracy``: share of frames whose reference is in the
  vocabulary (not excluded) predicted as their class.

:func:`collection_table` gives the per-collection table (the study's shape);
:func:`evaluate_frames` is what the chords task's ``evaluate`` calls.
"""

from __future__ import annotations

import numpy as np

from .data.chord_labels import EXCLUDED, MAJMIN_CLASSES, N_CLASSES, frame_labels, majmin_classes

__all__ = ["CHORD_METRIC_KEYS", "aggregate", "bootstrap_interval", "evaluate_frames", "score_track", "collection_table", "confusion", "evaluate_track",
           "frames_to_segments", "score_frames"]

CHORD_METRIC_KEYS = ("chord_majmin_wcsr", "chord_root_wcsr", "chord_mirex_wcsr",
                     "chord_segmentation", "chord_frame_accuracy")
_MIR_EVAL_KEYS = {"chord_majmin_wcsr": "majmin", "chord_root_wcsr": "root",
                  "chord_mirex_wcsr": "mirex", "chord_segmentation": "seg"}


def frames_to_segments(classes, *, hop_seconds: float, seconds: float):
    """Labelled segments from per-frame class predictions.

    Frame ``j`` is centred on ``j * hop_seconds`` and stands for the time up
    to halfway to its neighbours; runs of one class become one segment;
    segments are clipped to ``[0, seconds]``.

    Parameters
    ----------
    classes : array of int [shape=(n_frames,)]
        Indices into :data:`MAJMIN_CLASSES`.
    hop_seconds : float
    seconds : float
        The track's length.

    Returns
    -------
    intervals : np.ndarray [shape=(n, 2)]
    labels : list of str
    """
    classes = np.asarray(classes, dtype=np.int64).reshape(-1)
    if classes.size == 0:
        raise ValueError("no frames to turn into segments")
    if classes.min() < 0 or classes.max() >= N_CLASSES:
        raise ValueError(f"frame classes must lie in [0, {N_CLASSES}); got "
                         f"[{classes.min()}, {classes.max()}]")
    change = np.flatnonzero(np.diff(classes)) + 1
    starts = np.concatenate([[0], change])
    ends = np.concatenate([change, [len(classes)]])
    bounds = np.clip((np.concatenate([starts, ends[-1:]]) - 0.5) * hop_seconds, 0.0, seconds)
    bounds[-1] = seconds
    keep = bounds[1:] > bounds[:-1]
    intervals = np.stack([bounds[:-1], bounds[1:]], axis=1)[keep]
    labels = [MAJMIN_CLASSES[c] for c in classes[starts][keep]]
    return intervals, labels


def evaluate_track(ref_intervals, ref_labels, est_intervals, est_labels) -> dict:
    """mir_eval's chord scores of one track, as a flat dict (``majmin``,
    ``root``, ``mirex``, ``seg``, ...); both annotations are validated first."""
    import mir_eval

    return dict(mir_eval.chord.evaluate(np.asarray(ref_intervals, dtype=float), list(ref_labels),
                                        np.asarray(est_intervals, dtype=float), list(est_labels)))


def score_track(ref_intervals, ref_labels, predicted, *, hop_seconds: float, seconds: float,
                collection: str = "", track_id: str = "") -> dict:
    """Score one track's frame predictions against its reference annotation.

    Parameters
    ----------
    ref_intervals : np.ndarray [shape=(n, 2)]
    ref_labels : list of str
        Harte labels of the reference.
    predicted : array of int [shape=(n_frames,)]
        Predicted class of every frame of the track (frame ``j`` centred on
        ``j * hop_seconds``).
    hop_seconds, seconds : float
    collection, track_id : str

    Returns
    -------
    dict
        ``id``, ``collection``, ``seconds``, ``scores`` (mir_eval's),
        ``frames_correct``, ``frames_scored``, ``true`` (frame classes of the
        reference), ``predicted``.
    """
    predicted = np.asarray(predicted, dtype=np.int64)
    est_intervals, est_labels = frames_to_segments(predicted, hop_seconds=hop_seconds,
                                                   seconds=seconds)
    scores = evaluate_track(ref_intervals, ref_labels, est_intervals, est_labels)
    true = frame_labels(ref_intervals, majmin_classes(ref_labels), len(predicted), hop_seconds)
    keep = true != EXCLUDED
    return {"id": track_id, "collection": collection, "seconds": float(seconds), "scores": scores,
            "frames_correct": int(np.sum(predicted[keep] == true[keep])),
            "frames_scored": int(keep.sum()), "true": true, "predicted": predicted}


def aggregate(per_track: list[dict]) -> dict:
    """The stable keys over test tracks.

    Parameters
    ----------
    per_track : list of dict
        Each with ``seconds`` (the track's length), ``scores`` (from
        :func:`evaluate_track`), ``frames_correct`` and ``frames_scored``.

    Returns
    -------
    dict of :data:`CHORD_METRIC_KEYS` -> float (NaN with no tracks)
    """
    if not per_track:
        return {k: float("nan") for k in CHORD_METRIC_KEYS}
    weights = np.array([t["seconds"] for t in per_track], dtype=float)
    out = {}
    for key, name in _MIR_EVAL_KEYS.items():
        values = np.array([t["scores"][name] for t in per_track], dtype=float)
        out[key] = float(np.sum(weights * values) / np.sum(weights))
    scored = sum(t["frames_scored"] for t in per_track)
    out["chord_frame_accuracy"] = (sum(t["frames_correct"] for t in per_track) / scored
                                   if scored else float("nan"))
    return out


def bootstrap_interval(per_track: list[dict], key: str = "chord_majmin_wcsr", *,
                       n_boot: int = 1000, level: float = 0.95, random_state=0):
    """Percentile bootstrap interval of a stable key over test tracks.

    Tracks (the groups) are resampled with replacement and the key
    recomputed as :func:`aggregate` does (duration-weighted).

    Returns
    -------
    (low, high) : floats (NaN with fewer than two tracks)
    """
    if len(per_track) < 2:
        return float("nan"), float("nan")
    rng = np.random.default_rng(random_state)
    n = len(per_track)
    values = np.array([aggregate([per_track[i] for i in rng.integers(0, n, size=n)])[key]
                       for _ in range(n_boot)])
    tail = (1 - level) / 2
    return float(np.nanquantile(values, tail)), float(np.nanquantile(values, 1 - tail))


def collection_table(per_track: list[dict]) -> dict:
    """``{collection: {tracks, minutes, <stable keys>}}``: the study's table."""
    table = {}
    for collection in sorted({t["collection"] for t in per_track}):
        mine = [t for t in per_track if t["collection"] == collection]
        table[collection] = {"tracks": len(mine),
                             "minutes": sum(t["seconds"] for t in mine) / 60, **aggregate(mine)}
    return table


def confusion(true, pred) -> np.ndarray:
    """25 x 25 frame counts (rows: reference class, columns: predicted);
    excluded reference frames are left out."""
    true, pred = np.asarray(true), np.asarray(pred)
    keep = true != EXCLUDED
    cm = np.zeros((N_CLASSES, N_CLASSES), dtype=np.int64)
    np.add.at(cm, (true[keep], pred[keep]), 1)
    return cm


def _runs(groups):
    """``[(group, start, stop)]`` of consecutive runs of equal group values."""
    groups = np.asarray(groups, dtype=object)
    if groups.size == 0:
        return []
    change = np.flatnonzero(groups[1:] != groups[:-1]) + 1
    starts = np.concatenate([[0], change])
    stops = np.concatenate([change, [len(groups)]])
    return [(groups[a], int(a), int(b)) for a, b in zip(starts, stops)]


def score_frames(y_true, y_pred, *, groups, references: dict, hop_seconds: float) -> list:
    """:func:`score_track` of every track, frames given track after track.

    Parameters
    ----------
    y_true, y_pred : array of int [shape=(n_frames,)]
        Reference and predicted classes of every frame of the test tracks,
        each track's frames together and in time order.
    groups : array [shape=(n_frames,)]
        The track id of each frame.
    references : dict
        Track id -> ``{"intervals", "labels", "seconds", "collection"}``.
    hop_seconds : float

    Raises
    ------
    ValueError
        Lengths that differ, a track split in two runs, a track with no
        reference, or ``y_true`` that is not the reference's frame classes.
    """
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    groups = np.asarray(groups, dtype=object)
    if not len(y_true) == len(y_pred) == len(groups):
        raise ValueError(f"y_true, y_pred and groups have lengths {len(y_true)}, {len(y_pred)} "
                         f"and {len(groups)}; they must be equal")
    runs = _runs(groups)
    seen = [g for g, _, _ in runs]
    if len(set(seen)) != len(seen):
        raise ValueError("each track's frames must be given together, in time order")
    per_track = []
    for track_id, a, b in runs:
        if track_id not in references:
            raise ValueError(f"no reference annotation for track {track_id!r}")
        ref = references[track_id]
        result = score_track(ref["intervals"], ref["labels"], y_pred[a:b], hop_seconds=hop_seconds,
                             seconds=ref["seconds"], collection=ref.get("collection", ""),
                             track_id=str(track_id))
        if not np.array_equal(result["true"], y_true[a:b]):
            raise ValueError(f"y_true of track {track_id!r} is not its reference's frame classes")
        per_track.append(result)
    return per_track


def evaluate_frames(y_true, y_pred, *, groups, references: dict, hop_seconds: float,
                    n_boot: int = 1000) -> dict:
    """The stable keys, the majmin WCSR's 95 % bootstrap interval over tracks
    (``chord_majmin_wcsr_ci_low`` / ``_ci_high``) and ``n_groups``; see
    :func:`score_frames` for the arguments."""
    per_track = score_frames(y_true, y_pred, groups=groups, references=references,
                             hop_seconds=hop_seconds)
    out = aggregate(per_track)
    low, high = bootstrap_interval(per_track, "chord_majmin_wcsr", n_boot=n_boot)
    out.update(chord_majmin_wcsr_ci_low=low, chord_majmin_wcsr_ci_high=high,
               n_groups=float(len(per_track)))
    return out
