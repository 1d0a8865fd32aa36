"""Features of a window read from the notes in the label files, not the audio.

The score-level reference (``notes``): what a classifier can tell from the
notes alone (the transcription a perfect ear would give) bounds what an
audio model can hope for on a corpus whose timbre is drawn at random.  It
is *not* an audio baseline, and the tables say so.

Per window ``[start, start + length)``, from the notes sounding in it:

=================  ==========================================================
block              columns
=================  ==========================================================
``density``        onsets per second, distinct onset times per second
``duration``       note length in seconds and in beats: mean, std, median;
                   share of note values <= 1/8, 1/4, 1/2, 1, 2, >= 4 beats
``ioi``            inter-onset intervals (distinct onset times), seconds:
                   mean, std, median, coefficient of variation
``polyphony``      notes sounding, sampled every 50 ms: mean, std, max;
                   share of silent samples
``vertical``       interval classes 0-6 between notes sounding together at
                   each onset (share of each)
``melodic_top``,   melodic intervals of the highest and lowest sounding line
``melodic_bass``   (semitones): mean and std of the absolute step; share of
                   unisons, steps (1-2), thirds (3-4), fourths/fifths (5-7),
                   leaps up to an octave (8-12), larger
``pitch``          MIDI pitch weighted by duration: mean, std, min, max
``pc``             pitch-class histogram weighted by duration (12)
``pc_key``         the same rotated so the best-matching Krumhansl-Kessler
                   key's tonic is 0 (12), the correlation with the best major
                   and the best minor key (2)
=================  ==========================================================

A window without notes gives zeros (and silence share 1).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["NOTE_FEATURE_NAMES", "note_features", "recording_note_features"]

_VALUE_EDGES = np.array([0.1875, 0.375, 0.75, 1.5, 3.0])  # beats: 1/8 | 1/4 | 1/2 | 1 | 2 | 4+
_MELODIC_EDGES = np.array([0.5, 2.5, 4.5, 7.5, 12.5])
_POLYPHONY_STEP = 0.05
# Krumhansl-Kessler key profiles (major, minor), tonic first.
_MAJOR = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
_MINOR = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])


def _names():
    names = ["density_onsets", "density_onset_times"]
    names += [f"duration_{u}_{s}" for u in ("seconds", "beats") for s in ("mean", "std", "median")]
    names += [f"duration_value_{v}" for v in ("le_eighth", "quarter", "half", "whole",
                                              "double", "ge_long")]
    names += [f"ioi_{s}" for s in ("mean", "std", "median", "cv")]
    names += [f"polyphony_{s}" for s in ("mean", "std", "max", "silence")]
    names += [f"vertical_ic{i}" for i in range(7)]
    for line in ("top", "bass"):
        names += [f"melodic_{line}_{s}" for s in ("mean", "std", "unison", "step", "third",
                                                  "fifth", "leap", "large")]
    names += [f"pitch_{s}" for s in ("mean", "std", "min", "max")]
    names += [f"pc_{i:02d}" for i in range(12)]
    names += [f"pc_key_{i:02d}" for i in range(12)] + ["pc_key_major", "pc_key_minor"]
    return tuple(names)


#: Column names of :func:`note_features`, in order.
NOTE_FEATURE_NAMES = _names()


def _stats(x: np.ndarray) -> list[float]:
    if not len(x):
        return [0.0, 0.0, 0.0]
    return [float(x.mean()), float(x.std()), float(np.median(x))]


def _shares(values: np.ndarray, edges: np.ndarray) -> list[float]:
    counts = np.bincount(np.searchsorted(edges, values), minlength=len(edges) + 1)
    total = counts.sum()
    return (counts / total).tolist() if total else [0.0] * (len(edges) + 1)


def _melodic(times: np.ndarray, pitches: np.ndarray) -> list[float]:
    steps = np.abs(np.diff(pitches)) if len(pitches) > 1 else np.empty(0)
    if not len(steps):
        return [0.0] * 8
    return [float(steps.mean()), float(steps.std())] + _shares(steps, _MELODIC_EDGES)


def _key_features(pc: np.ndarray) -> list[float]:
    if not pc.any():
        return [0.0] * 14
    best = []
    for profile in (_MAJOR, _MINOR):
        scores = [np.corrcoef(np.roll(pc, -k), profile)[0, 1] for k in range(12)]
        k = int(np.nanargmax(scores))
        best.append((float(scores[k]), k))
    (major, k_major), (minor, k_minor) = best
    tonic = k_major if major >= minor else k_minor
    return np.roll(pc, -tonic).tolist() + [major, minor]


def _window(notes: dict, t0: float, t1: float) -> list[float]:
    start, end, pitch = notes["start"], notes["end"], notes["pitch"]
    beats = notes["beats"]
    length = t1 - t0
    sounding = (start < t1) & (end > t0)
    onset = (start >= t0) & (start < t1)
    s, e, p = start[sounding], np.minimum(end[sounding], t1), pitch[sounding]
    s_clip = np.maximum(s, t0)
    times = np.unique(start[onset])
    row = [onset.sum() / length, len(times) / length]
    row += _stats(end[onset] - start[onset])
    b = beats[onset]
    b = b[np.isfinite(b) & (b > 0)]
    row += _stats(b) + _shares(b, _VALUE_EDGES)
    ioi = np.diff(times)
    ioi_stats = _stats(ioi)
    row += ioi_stats + [ioi_stats[1] / ioi_stats[0] if ioi_stats[0] > 0 else 0.0]
    grid = t0 + _POLYPHONY_STEP * np.arange(int(round(length / _POLYPHONY_STEP)))
    active = ((s_clip[None, :] <= grid[:, None]) & (e[None, :] > grid[:, None])).sum(axis=1)
    row += [float(active.mean()), float(active.std()), float(active.max(initial=0)),
            float((active == 0).mean()) if len(active) else 1.0]
    ics = []
    tops, basses = [], []
    for t in times:
        now = p[(s <= t) & (e > t)]
        if not len(now):
            continue
        tops.append(now.max())
        basses.append(now.min())
        if len(now) > 1:
            d = np.abs(now[:, None] - now[None, :])[np.triu_indices(len(now), 1)] % 12
            ics.append(np.minimum(d, 12 - d))
    ics = np.concatenate(ics) if ics else np.empty(0, dtype=int)
    counts = np.bincount(ics.astype(int), minlength=7)[:7]
    row += (counts / counts.sum()).tolist() if counts.sum() else [0.0] * 7
    row += _melodic(times, np.asarray(tops)) + _melodic(times, np.asarray(basses))
    weight = e - s_clip
    if weight.sum() > 0:
        mean = float(np.average(p, weights=weight))
        row += [mean, float(np.sqrt(np.average((p - mean) ** 2, weights=weight))),
                float(p.min()), float(p.max())]
        pc = np.bincount(p % 12, weights=weight, minlength=12) / weight.sum()
    else:
        row += [0.0] * 4
        pc = np.zeros(12)
    row += pc.tolist() + _key_features(pc)
    return row


def note_features(notes: pd.DataFrame, starts, length: float) -> np.ndarray:
    """Score-level features of windows of one recording.

    Parameters
    ----------
    notes : pd.DataFrame
        As :meth:`~baselines.data.musicnet.Recording.notes`: ``start, end``
        (seconds), ``note`` (MIDI pitch), ``end_beat`` (the note's length in
        beats, MusicNet's convention).
    starts : array-like of float [shape=(n_windows,)]
        Window starts in seconds.
    length : float
        Window length in seconds.

    Returns
    -------
    np.ndarray [shape=(n_windows, len(NOTE_FEATURE_NAMES))], float32

    Raises
    ------
    ValueError
        If ``length`` is not positive or a column is missing.
    """
    if not length > 0:
        raise ValueError(f"length={length!r} must be a positive number of seconds")
    missing = [c for c in ("start", "end", "note", "end_beat") if c not in notes.columns]
    if missing:
        raise ValueError(f"notes lack columns {missing}")
    arrays = {
        "start": notes["start"].to_numpy(dtype=np.float64),
        "end": notes["end"].to_numpy(dtype=np.float64),
        "pitch": notes["note"].to_numpy(dtype=np.int64),
        "beats": pd.to_numeric(notes["end_beat"], errors="coerce").to_numpy(dtype=np.float64),
    }
    starts = np.asarray(starts, dtype=np.float64).reshape(-1)
    out = np.array([_window(arrays, t0, t0 + float(length)) for t0 in starts], dtype=np.float64)
    return np.nan_to_num(out.reshape(len(starts), len(NOTE_FEATURE_NAMES))).astype(np.float32)


def recording_note_features(recordings, recording_ids, starts, length: float) -> np.ndarray:
    """:func:`note_features` of windows given as (recording id, start) pairs.

    Parameters
    ----------
    recordings : iterable of Recording
    recording_ids, starts : array-like [shape=(n_windows,)]
    length : float

    Returns
    -------
    np.ndarray [shape=(n_windows, len(NOTE_FEATURE_NAMES))], float32, in
    the order of the windows.
    """
    by_id = {r.id: r for r in recordings}
    recording_ids = np.asarray(recording_ids)
    starts = np.asarray(starts, dtype=np.float64)
    out = np.zeros((len(starts), len(NOTE_FEATURE_NAMES)), dtype=np.float32)
    for rid in np.unique(recording_ids):
        rows = np.flatnonzero(recording_ids == rid)
        out[rows] = note_features(by_id[rid].notes(), starts[rows], length)
    return out
