"""Frames of chord tracks: the per-frame representation and targets of each
track, and frame units (a frame with context) drawn from them.

A track's frames come from the disk cache (:func:`features.first_pass.corpus_frames`:
one STFT or CQT per recording); its targets are the majmin class of each
frame centre (:func:`~baselines.data.chord_labels.frame_labels`), ``-1``
where the chord is outside the vocabulary (left out of training).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .chord_labels import EXCLUDED, frame_labels, majmin_classes

__all__ = ["TrackFrames", "draw_frames", "track_frames", "transpose_classes", "transpose_units",
           "units"]


@dataclass
class TrackFrames:
    """One track's frame representation and frame targets.

    Attributes
    ----------
    track : object
        The dataset's track (``id``, ``collection``, ``seconds``, ``chords()``).
    values : np.ndarray [shape=(d, n_frames)], float32
        :meth:`features.context.FrameContext.recording_values`.
    targets : np.ndarray [shape=(n_frames,)], int64
        Majmin class of each frame centre, ``-1`` where excluded.
    hop_seconds : float
    """

    track: object
    values: np.ndarray
    targets: np.ndarray
    hop_seconds: float

    @property
    def n_frames(self) -> int:
        return int(self.values.shape[1])


def track_frames(tracks, extractor, *, cache=None, n_jobs: int = 1, progress: bool = True):
    """:class:`TrackFrames` of tracks, frames computed once and cached.

    Parameters
    ----------
    tracks : sequence of Track
    extractor : features.context.FrameContext
    cache : FrameCache, path-like or None
    n_jobs : int
    progress : bool

    Returns
    -------
    list of TrackFrames, in the order of ``tracks``
    """
    from features.first_pass import corpus_frames

    tracks = list(tracks)
    frames = corpus_frames(extractor, tracks, cache=cache, n_jobs=n_jobs, progress=progress)
    hop_seconds = extractor.hop_length / extractor.sr
    out = []
    for track, fr in zip(tracks, frames):
        values = np.ascontiguousarray(extractor.recording_values(fr), dtype=np.float32)
        intervals, labels = track.chords()
        targets = frame_labels(intervals, majmin_classes(labels), values.shape[1], hop_seconds)
        out.append(TrackFrames(track, values, targets, hop_seconds))
    return out


def draw_frames(items, n_per_track=None, *, random_state=None):
    """``(track index, frame index)`` pairs of in-vocabulary frames.

    Parameters
    ----------
    items : list of TrackFrames
    n_per_track : int or None
        Frames drawn (without replacement) from each track; ``None``: all.
    random_state : int, Generator or None

    Returns
    -------
    (track_index, frame_index) : two int64 arrays
    """
    rng = np.random.default_rng(random_state)
    tracks, frames = [], []
    for i, item in enumerate(items):
        valid = np.flatnonzero(item.targets != EXCLUDED)
        if n_per_track is not None and len(valid) > n_per_track:
            valid = np.sort(rng.choice(valid, size=n_per_track, replace=False))
        tracks.append(np.full(len(valid), i, dtype=np.int64))
        frames.append(valid.astype(np.int64))
    if not tracks:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    return np.concatenate(tracks), np.concatenate(frames)


def units(items, extractor, track_index, frame_index):
    """Features ``X`` and targets ``y`` of the frames ``(track_index,
    frame_index)``: each frame with its context (``extractor.frame_features``)."""
    track_index, frame_index = np.asarray(track_index), np.asarray(frame_index)
    X = None
    for i in np.unique(track_index):
        rows = np.flatnonzero(track_index == i)
        part = extractor.frame_features(None, frame_index[rows], values=items[i].values)
        if X is None:
            X = np.empty((len(track_index), part.shape[1]), dtype=np.float32)
        X[rows] = part
    if X is None:
        raise ValueError("no frames to describe")
    y = np.array([items[i].targets[j] for i, j in zip(track_index, frame_index)], dtype=np.int64)
    return X, y


def transpose_classes(y, semitones: int) -> np.ndarray:
    """Majmin classes moved up ``semitones`` (``N`` and excluded stay)."""
    y = np.asarray(y, dtype=np.int64)
    out = y.copy()
    chord = (y >= 0) & (y < 24)
    out[chord] = (y[chord] // 12) * 12 + (y[chord] % 12 + semitones) % 12
    return out


def transpose_units(X, y, semitones, *, n_rows: int, bins_per_semitone: int = 1,
                    circular: bool = True):
    """Frame units and targets transposed by ``semitones`` (data augmentation).

    Parameters
    ----------
    X : np.ndarray [shape=(n, n_rows * n_frames)]
        Units as :class:`features.context.FrameContext` flattens them.
    y : array of int [shape=(n,)]
    semitones : int or array of int [shape=(n,)]
        One shift for all units, or one per unit.
    n_rows : int
        Rows (pitch classes or bins) of a unit.
    bins_per_semitone : int, default=1
    circular : bool, default=True
        Chroma wraps around; a CQT or mel axis does not (the rows shifted in
        take the unit's minimum).

    Returns
    -------
    X_t, y_t
    """
    X = np.asarray(X, dtype=np.float32)
    n = len(X)
    shifts = np.broadcast_to(np.asarray(semitones, dtype=np.int64), (n,))
    units_ = X.reshape(n, n_rows, -1)
    out = np.empty_like(units_)
    for s in np.unique(shifts):
        rows = shifts == s
        k = int(s) * bins_per_semitone
        moved = np.roll(units_[rows], k, axis=1)
        if not circular and k:
            floor = units_[rows].min(axis=(1, 2), keepdims=True)
            if k > 0:
                moved[:, :k] = floor
            else:
                moved[:, k:] = floor
        out[rows] = moved
    y_t = np.empty(n, dtype=np.int64)
    y = np.asarray(y, dtype=np.int64)
    for s in np.unique(shifts):
        rows = shifts == s
        y_t[rows] = transpose_classes(y[rows], int(s))
    return out.reshape(n, -1), y_t
