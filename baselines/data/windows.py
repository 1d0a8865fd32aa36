"""Windows of recordings, their labels, class filtering and splits.

A *window* is a crop of ``length`` seconds of a recording starting at
``start`` seconds.  Its labels are the recording's composer and the
instruments that sound inside it, as a multi-hot row over a fixed ordered
vocabulary of 1-based General MIDI programs (by default MusicNet's eleven,
:data:`baselines.data.ensembles.INSTRUMENT_PROGRAMS`).

- :func:`random_window_starts`, :func:`window_instruments`,
  :func:`draw_windows` and :class:`Windows`: pick and label windows;
- which recordings and classes to use, and the train/test split, are
  :mod:`baselines.data.selection`'s (:func:`~baselines.data.selection.filter_classes`,
  :func:`~baselines.data.selection.split_recordings`).
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.utils import check_random_state

from baselines.data.ensembles import INSTRUMENT_PROGRAMS
from baselines.data.musicnet import Recording

__all__ = [
    "DEFAULT_WINDOW_SECONDS",
    "Windows",
    "draw_windows",
    "random_window_starts",
    "window_instruments",
]

DEFAULT_WINDOW_SECONDS = 5.0


def _rng(random_state):
    """A numpy Generator or RandomState from int, None, RandomState or Generator."""
    if isinstance(random_state, np.random.Generator):
        return random_state
    return check_random_state(random_state)


def _integers(rng, high: int, size: int) -> np.ndarray:
    """Uniform integers in ``[0, high]`` (inclusive) from either kind of rng."""
    if isinstance(rng, np.random.Generator):
        return rng.integers(0, high, size=size, endpoint=True)
    return rng.randint(0, high + 1, size=size)


def _check_length(length) -> float:
    if not isinstance(length, numbers.Real) or not np.isfinite(length) or length <= 0:
        raise ValueError(f"length={length!r} must be a positive number of seconds")
    return float(length)


def random_window_starts(
    seconds: float,
    n: int,
    *,
    length: float = DEFAULT_WINDOW_SECONDS,
    grid: float | None = None,
    random_state=None,
) -> np.ndarray:
    """Draw window starts uniformly inside a recording.

    Parameters
    ----------
    seconds : float
        Duration of the recording.
    n : int >= 0
        Number of starts to draw.
    length : float > 0
        Window length in seconds; every window ends at or before ``seconds``.
    grid : float > 0 or None
        If given, starts are integer multiples of ``grid`` seconds (the
        streaming sampler passes ``hop_length / sr`` so that windows fall on
        STFT frames).
    random_state : int, None, np.random.RandomState or np.random.Generator

    Returns
    -------
    starts : np.ndarray [shape=(n,), dtype=float64]
        Starts in seconds, with ``0 <= start`` and ``start + length <= seconds``.

    Raises
    ------
    ValueError
        If ``n``, ``length`` or ``grid`` is invalid, or the recording is
        shorter than one window.
    """
    length = _check_length(length)
    if not isinstance(n, numbers.Integral) or n < 0:
        raise ValueError(f"n={n!r} must be a non-negative integer")
    if not np.isfinite(seconds) or seconds < length:
        raise ValueError(
            f"seconds={seconds} is shorter than one window of length={length}"
        )
    rng = _rng(random_state)
    span = float(seconds) - length
    if grid is None:
        return rng.uniform(0.0, span, size=int(n)) if span > 0 else np.zeros(int(n))
    if not isinstance(grid, numbers.Real) or not np.isfinite(grid) or grid <= 0:
        raise ValueError(f"grid={grid!r} must be a positive number of seconds or None")
    grid = float(grid)
    # Allow for floating-point error in span / grid, then make sure the last
    # start still fits.
    n_steps = int(np.floor(span / grid + 1e-9))
    while n_steps > 0 and n_steps * grid + length > seconds:
        n_steps -= 1
    return _integers(rng, n_steps, int(n)).astype(np.float64) * grid


def window_instruments(
    notes: pd.DataFrame,
    starts,
    length: float = DEFAULT_WINDOW_SECONDS,
    programs: Sequence[int] = INSTRUMENT_PROGRAMS,
) -> np.ndarray:
    """Multi-hot instrument labels of windows.

    An instrument is present in the window ``[start, start + length)`` when
    one of its notes sounds inside it for a positive time: ``note.start <
    start + length`` and ``note.end > start``.  Zero-length notes never count.

    Parameters
    ----------
    notes : pd.DataFrame
        With columns ``start``, ``end`` (seconds) and ``instrument`` (1-based
        General MIDI program), as :meth:`Recording.notes` returns.
    starts : array-like [shape=(n,)]
        Window starts in seconds.
    length : float > 0
        Window length in seconds.
    programs : sequence of int
        The vocabulary: column ``j`` is program ``programs[j]``.  Notes of
        other programs are ignored.

    Returns
    -------
    instruments : np.ndarray [shape=(n, len(programs)), dtype=uint8]
    """
    length = _check_length(length)
    starts = np.asarray(starts, dtype=np.float64).reshape(-1)
    programs = tuple(int(p) for p in programs)
    missing = [c for c in ("start", "end", "instrument") if c not in notes.columns]
    if missing:
        raise ValueError(f"notes lacks columns {missing}")
    ends = starts + length
    note_start = notes["start"].to_numpy(dtype=np.float64)
    note_end = notes["end"].to_numpy(dtype=np.float64)
    note_program = notes["instrument"].to_numpy(dtype=np.int64)
    sounding = note_end > note_start
    out = np.zeros((starts.size, len(programs)), dtype=np.uint8)
    for column, program in enumerate(programs):
        mask = sounding & (note_program == program)
        if not mask.any():
            continue
        order = np.argsort(note_start[mask], kind="stable")
        first = note_start[mask][order]
        # Latest end among the notes that begin before each position.
        latest_end = np.maximum.accumulate(note_end[mask][order])
        n_begun = np.searchsorted(first, ends, side="left")  # notes with start < end
        begun = n_begun > 0
        present = np.zeros(starts.size, dtype=bool)
        present[begun] = latest_end[n_begun[begun] - 1] > starts[begun]
        out[:, column] = present
    return out


@dataclass(frozen=True)
class Windows:
    """Labelled windows of recordings.

    Attributes
    ----------
    recording_ids : np.ndarray [shape=(n,), dtype=int64]
        The recording of each window (the groups for grouped CV).
    starts : np.ndarray [shape=(n,), dtype=float64]
        Starts in seconds.
    length : float
        Window length in seconds.
    composers : np.ndarray [shape=(n,), dtype=object]
        Composer of each window's recording.
    instruments : np.ndarray [shape=(n, len(programs)), dtype=uint8]
        Multi-hot instrument labels.
    programs : tuple of int
        The vocabulary, in column order.
    """

    recording_ids: np.ndarray
    starts: np.ndarray
    length: float
    composers: np.ndarray
    instruments: np.ndarray
    programs: tuple[int, ...] = field(default=INSTRUMENT_PROGRAMS)

    def __post_init__(self):
        ids = np.asarray(self.recording_ids, dtype=np.int64).reshape(-1)
        starts = np.asarray(self.starts, dtype=np.float64).reshape(-1)
        composers = np.asarray(self.composers, dtype=object).reshape(-1)
        programs = tuple(int(p) for p in self.programs)
        instruments = np.asarray(self.instruments, dtype=np.uint8)
        if instruments.size == 0:
            instruments = instruments.reshape(len(ids), len(programs))
        n = len(ids)
        if len(starts) != n or len(composers) != n or instruments.shape != (
            n,
            len(programs),
        ):
            raise ValueError(
                f"inconsistent Windows: {n} recording_ids, {len(starts)} starts, "
                f"{len(composers)} composers, instruments of shape "
                f"{instruments.shape} for {len(programs)} programs"
            )
        object.__setattr__(self, "recording_ids", ids)
        object.__setattr__(self, "starts", starts)
        object.__setattr__(self, "composers", composers)
        object.__setattr__(self, "instruments", instruments)
        object.__setattr__(self, "programs", programs)
        object.__setattr__(self, "length", _check_length(self.length))

    def __len__(self) -> int:
        return len(self.recording_ids)

    def __getitem__(self, index) -> Windows:
        """The windows selected by an int, slice, integer array or boolean mask."""
        if isinstance(index, numbers.Integral):
            index = [int(index)]
        return Windows(
            recording_ids=self.recording_ids[index],
            starts=self.starts[index],
            length=self.length,
            composers=self.composers[index],
            instruments=self.instruments[index],
            programs=self.programs,
        )

    @classmethod
    def concat(cls, parts: Sequence[Windows]) -> Windows:
        """Concatenate windows of the same length and vocabulary."""
        parts = list(parts)
        if not parts:
            raise ValueError("cannot concatenate an empty sequence of Windows")
        first = parts[0]
        for part in parts[1:]:
            if part.programs != first.programs or part.length != first.length:
                raise ValueError(
                    f"cannot concatenate Windows with length={part.length}, "
                    f"programs={part.programs} to length={first.length}, "
                    f"programs={first.programs}"
                )
        return cls(
            recording_ids=np.concatenate([p.recording_ids for p in parts]),
            starts=np.concatenate([p.starts for p in parts]),
            length=first.length,
            composers=np.concatenate([p.composers for p in parts]),
            instruments=np.concatenate([p.instruments for p in parts], axis=0),
            programs=first.programs,
        )


def draw_windows(
    recordings: Sequence[Recording],
    n_per_recording,
    *,
    length: float = DEFAULT_WINDOW_SECONDS,
    grid: float | None = None,
    programs: Sequence[int] = INSTRUMENT_PROGRAMS,
    random_state=None,
) -> Windows:
    """Draw random windows from each recording and label them.

    Parameters
    ----------
    recordings : sequence of Recording
    n_per_recording : int or sequence of int
        Windows per recording: one number for all, or one per recording.
    length, grid : float
        See :func:`random_window_starts`.
    programs : sequence of int
        Instrument vocabulary, see :func:`window_instruments`.
    random_state : int, None, np.random.RandomState or np.random.Generator

    Returns
    -------
    Windows
        The windows of each recording in turn, in the order given.

    Raises
    ------
    ValueError
        If a recording is shorter than ``length`` (run
        :func:`~baselines.data.selection.filter_classes` first), or
        ``n_per_recording`` does not match ``recordings``.
    """
    recordings = list(recordings)
    length = _check_length(length)
    programs = tuple(int(p) for p in programs)
    if isinstance(n_per_recording, numbers.Integral):
        counts = [int(n_per_recording)] * len(recordings)
    else:
        counts = [int(c) for c in n_per_recording]
        if len(counts) != len(recordings):
            raise ValueError(
                f"n_per_recording has {len(counts)} entries for "
                f"{len(recordings)} recordings"
            )
    rng = _rng(random_state)
    parts = []
    for recording, count in zip(recordings, counts):
        if recording.seconds < length:
            raise ValueError(
                f"recording {recording.id} ({recording.audio_path}) lasts "
                f"{recording.seconds:.3f} s, shorter than length={length}"
            )
        starts = random_window_starts(
            recording.seconds, count, length=length, grid=grid, random_state=rng
        )
        parts.append(
            Windows(
                recording_ids=np.full(count, recording.id, dtype=np.int64),
                starts=starts,
                length=length,
                composers=np.full(count, recording.composer, dtype=object),
                instruments=window_instruments(
                    recording.notes(), starts, length, programs
                ),
                programs=programs,
            )
        )
    if not parts:
        return Windows(
            recording_ids=np.zeros(0, dtype=np.int64),
            starts=np.zeros(0),
            length=length,
            composers=np.zeros(0, dtype=object),
            instruments=np.zeros((0, len(programs)), dtype=np.uint8),
            programs=programs,
        )
    return Windows.concat(parts)
