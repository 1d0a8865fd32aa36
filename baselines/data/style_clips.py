"""A style-corpus piece cut into clips, and what is measured of each clip.

A piece's notes are laid out in seconds at its score's tempo times a
seeded factor (:func:`tempo_factor`), cut into clips of a fixed length
(:func:`clip_sections`; a short piece is repeated to fill one), and each
clip's regression targets are measured from the score
(:func:`clip_targets`: :data:`TARGETS`) and its fused log-mel + chroma
images computed from its audio (:func:`clip_arrays`).  The builder is
:mod:`baselines.data.style_corpus`.
"""

from __future__ import annotations

import math
import random
import warnings

import numpy as np

__all__ = ["AUDIO_SR", "HOP_LENGTH", "TARGETS", "clip_arrays", "clip_sections", "clip_targets",
           "tempo_factor", "timeline"]

AUDIO_SR = 22050
HOP_LENGTH = 512
#: The regression targets, in the order of ``clips.csv`` and the label files.
TARGETS = ("tempo_bpm", "notes_per_second", "major_key_share")
_TEMPO_RANGE = (0.8, 1.25)
_MIN_CLIP_FILL = 0.75  # a clip after the first needs music for 3/4 of its length


def tempo_factor(seed: int, source: str) -> float:
    """The piece's tempo factor (log-uniform in :data:`_TEMPO_RANGE`)."""
    lo, hi = (math.log(x) for x in _TEMPO_RANGE)
    return math.exp(random.Random(f"tempo-{seed}-{source}").uniform(lo, hi))


def timeline(parsed, factor: float):
    """Each part's notes as (start s, end s, pitch, start_beat, beats, value),
    at ``factor`` times the score's tempo, and the piece's length in seconds."""
    parts = []
    for part in parsed.parts:
        parts.append([(parsed.tempo.seconds(n.start_beat) / factor,
                       parsed.tempo.seconds(n.end_beat) / factor, n.pitch, n.start_beat,
                       n.end_beat - n.start_beat, n.note_value) for n in part])
    total = max(e for part in parts for _, e, *_ in part)
    return parts, total


def _quarter_bpm_at(tempo, seconds: np.ndarray, factor: float) -> np.ndarray:
    """Rendered quarter-note tempo at score times ``seconds``."""
    bounds = [tempo.seconds(b) / factor for b in tempo.starts]
    idx = np.clip(np.searchsorted(bounds, seconds, side="right") - 1, 0, len(bounds) - 1)
    return np.array([60.0 / tempo.seconds_per_beat[i] * factor for i in idx])


def clip_sections(parts, total: float, *, clip_seconds: float, max_clips: int):
    """Clips of a piece: ``[(k, notes per part with times relative to the clip,
    score time of each clip second's start), ...]``.

    A piece shorter than a clip is repeated (from its start) until the clip
    is full; a clip after the first needs music for 3/4 of its length.
    """
    if total < clip_seconds:
        copies = math.ceil(clip_seconds / total)
        parts = [[(s + c * total, e + c * total, *rest) for c in range(copies)
                  for s, e, *rest in part] for part in parts]
        span = total * copies
    else:
        span = total
    out = []
    for k in range(max_clips):
        t0, t1 = k * clip_seconds, (k + 1) * clip_seconds
        if k and span - t0 < _MIN_CLIP_FILL * clip_seconds:
            break
        clip = [[(s - t0, min(e, t1) - t0, *rest) for s, e, *rest in part if t0 <= s < t1]
                for part in parts]
        if not any(clip):
            break
        out.append((k, clip, t0))
    return out, total


def _key_mode(notes) -> str | None:
    """'major' / 'minor' by music21's Krumhansl-Schmuckler analysis of
    (start s, end s, pitch) notes, weighted by their lengths."""
    from music21 import analysis, note, stream

    if not notes:
        return None
    s = stream.Stream()
    for start, end, pitch in notes:
        s.insert(float(start), note.Note(int(pitch), quarterLength=max(float(end - start), 1e-3)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        key = analysis.discrete.KrumhanslSchmuckler().getSolution(s)
    return key.mode


def clip_targets(clip_parts, clip_t0: float, piece_total: float, tempo, factor: float, *,
                 clip_seconds: float, key_window_seconds: float) -> dict:
    """``tempo_bpm``, ``notes_per_second`` and ``major_key_share`` of a clip.

    Parameters
    ----------
    clip_parts : list of list of tuple
        The clip's notes per part, times relative to the clip (seconds).
    clip_t0 : float
        Where the clip starts in the (possibly repeated) piece, seconds.
    piece_total : float
        Length of one pass through the piece, seconds.
    tempo : baselines.data.scores.TempoMap
    factor : float
        The piece's tempo factor.
    """
    notes = [(s, e, n[0]) for part in clip_parts for s, e, *n in part]
    grid = clip_t0 + (np.arange(int(clip_seconds * 4)) + 0.5) / 4.0
    bpm = _quarter_bpm_at(tempo, np.mod(grid, piece_total), factor)
    modes = []
    n_windows = max(1, int(round(clip_seconds / key_window_seconds)))
    for w in range(n_windows):
        a, b = w * clip_seconds / n_windows, (w + 1) * clip_seconds / n_windows
        inside = [(max(s, a), min(e, b), p) for s, e, p in notes if s < b and e > a]
        mode = _key_mode(inside)
        if mode is not None:
            modes.append(mode == "major")
    return {
        "tempo_bpm": round(float(bpm.mean()), 4),
        "notes_per_second": round(len(notes) / clip_seconds, 4),
        "major_key_share": round(float(np.mean(modes)), 4) if modes else float("nan"),
    }


def clip_arrays(y: np.ndarray):
    """The 140 x T fused log-mel + chroma image of a clip and its
    beat-synchronous twin (median between beats)."""
    from features.fused import beat_synchronous, fused_image

    fused = fused_image(y, sr=AUDIO_SR, hop_length=HOP_LENGTH)
    return fused, beat_synchronous(fused, sr=AUDIO_SR, hop_length=HOP_LENGTH)
