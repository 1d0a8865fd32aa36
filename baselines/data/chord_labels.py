"""The 25-class major/minor chord vocabulary, mapped as MIREX majmin maps it.

Classes: ``0..11`` the major triads on C, C#, ..., B; ``12..23`` the minor
triads in the same root order; ``24`` no chord (``N``).  A Harte label maps
to a class exactly when mir_eval's :func:`mir_eval.chord.majmin` would
compare it as that class: its root and the first eight semitones of its
quality bitmap (extended chords not reduced) equal a major triad's, a minor
triad's, or no chord.  So ``C:7``, ``C:maj7``, ``C:maj6``, ``C:9`` and
``C:maj/3`` are ``C:maj``; ``C:min7`` and ``C:min6`` are ``C:min``; chords
without a major or minor third in the octave (``dim``, ``aug``, ``sus2``,
``sus4``, ``hdim7``, ``1``, ``5``) and ``X`` are :data:`EXCLUDED` (-1): left
out of training, and left out of the majmin score by mir_eval.

Public names
------------
MAJMIN_CLASSES, N_CLASSES, NO_CHORD, EXCLUDED, majmin_class, majmin_classes,
class_distribution, format_distribution, ChordLabelError.
"""

from __future__ import annotations

import functools

import numpy as np

__all__ = [
    "ChordLabelError", "EXCLUDED", "MAJMIN_CLASSES", "N_CLASSES", "NO_CHORD", "PITCH_NAMES",
    "check_label", "class_distribution", "format_distribution", "frame_labels", "frame_times",
    "majmin_class", "majmin_classes",
]

PITCH_NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
MAJMIN_CLASSES = tuple(f"{p}:maj" for p in PITCH_NAMES) + tuple(f"{p}:min" for p in PITCH_NAMES) + ("N",)
N_CLASSES = len(MAJMIN_CLASSES)
NO_CHORD = N_CLASSES - 1
EXCLUDED = -1

# mir_eval's majmin compares the first eight semitones of the quality bitmap.
_MAJ = np.array([1, 0, 0, 0, 1, 0, 0, 1])
_MIN = np.array([1, 0, 0, 1, 0, 0, 0, 1])


class ChordLabelError(ValueError):
    """A label mir_eval's Harte parser rejects."""


def check_label(label: str) -> None:
    """Raise :class:`ChordLabelError` if mir_eval cannot parse ``label``."""
    _encode(label)


@functools.lru_cache(maxsize=4096)
def _encode(label: str):
    import mir_eval

    try:
        root, bitmap, _bass = mir_eval.chord.encode(label, reduce_extended_chords=False)
    except Exception as exc:  # mir_eval raises InvalidChordException and others
        raise ChordLabelError(f"invalid Harte chord label {label!r}: {exc}") from None
    return int(root), tuple(int(b) for b in bitmap[:8])


@functools.lru_cache(maxsize=4096)
def majmin_class(label: str) -> int:
    """Class index of a Harte label in :data:`MAJMIN_CLASSES`, or :data:`EXCLUDED`.

    Parameters
    ----------
    label : str
        Harte syntax, e.g. ``"A:min7/b3"``, ``"N"``, ``"X"``.

    Returns
    -------
    int
        ``0..11`` major, ``12..23`` minor, ``24`` no chord, ``-1`` excluded.

    Raises
    ------
    ChordLabelError
        If mir_eval cannot parse the label.

    Examples
    --------
    >>> majmin_class("G:7"), majmin_class("A:min7"), majmin_class("N"), majmin_class("B:dim")
    (7, 21, 24, -1)
    """
    root, bits = _encode(label)
    bits = np.asarray(bits)
    if root < 0:
        # mir_eval: N has an all-zero bitmap, X an all -1 one
        return NO_CHORD if not bits.any() else EXCLUDED
    if np.array_equal(bits, _MAJ):
        return root
    if np.array_equal(bits, _MIN):
        return 12 + root
    return EXCLUDED


def majmin_classes(labels) -> np.ndarray:
    """:func:`majmin_class` of each label, as an int64 array."""
    return np.fromiter((majmin_class(str(x)) for x in labels), dtype=np.int64, count=len(labels))


def class_distribution(intervals, labels) -> dict:
    """Seconds per class name (and ``"excluded"``) of annotated chords.

    Parameters
    ----------
    intervals : np.ndarray [shape=(n, 2)]
        Start and end of each chord, seconds.
    labels : sequence of str
        Harte labels.

    Returns
    -------
    dict
        Class name -> seconds, every class of :data:`MAJMIN_CLASSES` present
        (zero if absent), plus ``"excluded"``.
    """
    intervals = np.asarray(intervals, dtype=float).reshape(-1, 2)
    seconds = {name: 0.0 for name in MAJMIN_CLASSES}
    seconds["excluded"] = 0.0
    for (start, end), label in zip(intervals, labels):
        k = majmin_class(str(label))
        seconds["excluded" if k == EXCLUDED else MAJMIN_CLASSES[k]] += float(end - start)
    return seconds


def format_distribution(seconds: dict, *, title: str = "") -> str:
    """A short text table of a :func:`class_distribution` (share of time per class)."""
    total = sum(seconds.values()) or 1.0
    major = sum(v for k, v in seconds.items() if k.endswith(":maj"))
    minor = sum(v for k, v in seconds.items() if k.endswith(":min"))
    top = sorted(((v, k) for k, v in seconds.items() if k != "excluded" and v > 0), reverse=True)[:6]
    head = f"{title}: " if title else ""
    return (f"{head}{total / 60:.1f} min; major {100 * major / total:.0f} %, minor "
            f"{100 * minor / total:.0f} %, N {100 * seconds.get('N', 0) / total:.0f} %, excluded "
            f"{100 * seconds.get('excluded', 0) / total:.0f} %; most common: "
            + ", ".join(f"{k} {100 * v / total:.0f} %" for v, k in top))


def frame_times(n_frames: int, hop_seconds: float) -> np.ndarray:
    """Centre of each frame, seconds (frame ``j`` is centred on ``j * hop``)."""
    return np.arange(n_frames) * float(hop_seconds)


def frame_labels(intervals, classes_of_intervals, n_frames: int, hop_seconds: float) -> np.ndarray:
    """Class of each frame centre from labelled intervals (``EXCLUDED`` past the end)."""
    intervals = np.asarray(intervals, dtype=float).reshape(-1, 2)
    times = frame_times(n_frames, hop_seconds)
    idx = np.searchsorted(intervals[:, 1], times, side="right")
    out = np.full(n_frames, EXCLUDED, dtype=np.int64)
    inside = idx < len(intervals)
    out[inside] = np.asarray(classes_of_intervals, dtype=np.int64)[idx[inside]]
    return out
