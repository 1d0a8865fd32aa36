"""Balanced window drawing: the one place windows are drawn and balanced.

Below both :mod:`baselines.datasets` (a fixed training sample) and
:mod:`baselines.streaming` (a fresh sample every epoch), so neither imports
the other:

- :func:`balance_indices`: resample the indices of class labels with
  imbalanced-learn (``RandomUnderSampler`` to a cap, then
  ``RandomOverSampler`` up to it, as the original study capped each composer
  at 85 windows).
- :func:`balanced_windows`: draw windows from every recording, balance them
  over their class, shuffle; the same seed always gives the same windows.
- :func:`epoch_seed`: the seed of one epoch, from the run's seed alone.

The class windows are balanced over is the recording's ``composer`` field of
:class:`~baselines.data.windows.Windows` (the only class every MusicNet-kind
task shares).
"""

from __future__ import annotations

import math
import numbers

import numpy as np
from imblearn.over_sampling import RandomOverSampler
from imblearn.under_sampling import RandomUnderSampler

from baselines.data.windows import Windows, draw_windows

__all__ = ["balance_indices", "balanced_windows", "draws_per_recording", "epoch_seed"]




def epoch_seed(random_state, epoch: int) -> int:
    """A 32-bit seed for ``epoch``, derived from ``random_state`` alone."""
    if not isinstance(random_state, numbers.Integral):
        raise ValueError(f"random_state={random_state!r} must be an int here")
    sequence = np.random.SeedSequence([int(random_state), int(epoch)])
    return int(sequence.generate_state(1)[0])


def _split_targets(y, target: dict):
    counts = {c: int(n) for c, n in zip(*np.unique(y, return_counts=True))}
    unknown = set(target) - set(counts)
    if unknown:
        raise ValueError(f"sampling_strategy names classes not present: {sorted(unknown)}")
    under = {c: int(n) for c, n in target.items() if n <= counts[c]}
    over = {c: int(n) for c, n in target.items() if n > counts[c]}
    return under, over


def balance_indices(y, *, cap=85, strategy="under-over", random_state=None) -> np.ndarray:
    """Resample the indices of ``y`` to balance its classes.

    Parameters
    ----------
    y : array-like [shape=(n,)]
        The class (composer) of each window.
    cap : int, default=85
        Target windows per class for ``"under-over"`` and ``"under"``.
    strategy : str, dict or callable, default="under-over"
        - ``"under-over"``: ``RandomUnderSampler`` down to ``cap``, then
          ``RandomOverSampler`` up to ``cap``: every class gets exactly ``cap``.
        - ``"under"``: only the first step (classes above ``cap`` cut to it).
        - ``"over"``: ``RandomOverSampler(sampling_strategy="not majority")``.
        - ``"none"``: no resampling.
        - ``"under:<s>"`` / ``"over:<s>"``: that sampler with imblearn's string
          ``sampling_strategy`` ``<s>`` (``"auto"``, ``"not minority"``, ...).
        - a dict class -> target count, or a callable ``y -> dict`` (imblearn's
          semantics): classes whose target is below their count are
          undersampled, those above it oversampled.
    random_state : int or None

    Returns
    -------
    indices : np.ndarray [shape=(n_resampled,), dtype=int64]
        Indices into ``y`` (repeats where oversampled), in imblearn's order.
    """
    y = np.asarray(y)
    if y.ndim != 1 or len(y) == 0:
        raise ValueError(f"y must be a non-empty 1-d array, got shape {y.shape}")
    if not isinstance(cap, numbers.Integral) or cap < 1:
        raise ValueError(f"cap={cap!r} must be a positive integer")
    index = np.arange(len(y)).reshape(-1, 1)
    seeds = np.random.SeedSequence(
        0 if random_state is None else int(random_state)
    ).generate_state(2)
    under_seed, over_seed = int(seeds[0]), int(seeds[1])

    def under(strategy_, idx):
        sampler = RandomUnderSampler(sampling_strategy=strategy_, random_state=under_seed)
        out, _ = sampler.fit_resample(idx, y[idx.ravel()])
        return out

    def over(strategy_, idx):
        sampler = RandomOverSampler(sampling_strategy=strategy_, random_state=over_seed)
        out, _ = sampler.fit_resample(idx, y[idx.ravel()])
        return out

    if callable(strategy):
        strategy = strategy(y)
        if not isinstance(strategy, dict):
            raise ValueError("a callable strategy must return a dict class -> count")
    if isinstance(strategy, dict):
        lower, upper = _split_targets(y, strategy)
        if lower:
            index = under(lower, index)
        if upper:
            index = over(upper, index)
        return index.ravel().astype(np.int64)
    if not isinstance(strategy, str):
        raise ValueError(
            f"strategy={strategy!r} must be a str, dict or callable"
        )
    counts = {c: int(n) for c, n in zip(*np.unique(y, return_counts=True))}
    if strategy in ("under-over", "under"):
        index = under({c: min(n, cap) for c, n in counts.items()}, index)
        if strategy == "under-over":
            now = {c: int((y[index.ravel()] == c).sum()) for c in counts}
            upper = {c: cap for c, n in now.items() if n < cap}
            if upper:
                index = over(upper, index)
    elif strategy == "over":
        if len(counts) > 1:
            index = over("not majority", index)
    elif strategy == "none":
        pass
    elif strategy.startswith("under:"):
        index = under(strategy.split(":", 1)[1], index)
    elif strategy.startswith("over:"):
        index = over(strategy.split(":", 1)[1], index)
    else:
        raise ValueError(
            f"strategy={strategy!r} is not one of 'under-over', 'under', 'over', "
            "'none', 'under:<imblearn strategy>', 'over:<imblearn strategy>', a "
            "dict or a callable"
        )
    return index.ravel().astype(np.int64)


# ---------------------------------------------------------------------------
# Drawing


def draws_per_recording(recordings, cap, windows_per_recording=None) -> list[int]:
    """Windows to draw from each recording before balancing.

    ``windows_per_recording`` for every recording if given; else
    ``ceil(cap / n)`` for a recording whose class has ``n`` recordings, so
    that each class's pool holds about ``cap`` fresh windows.
    """
    if windows_per_recording is not None:
        return [int(windows_per_recording)] * len(recordings)
    per_class = {}
    for r in recordings:
        per_class[r.composer] = per_class.get(r.composer, 0) + 1
    return [max(1, math.ceil(cap / per_class[r.composer])) for r in recordings]


def balanced_windows(recordings, *, cap, programs, length, grid=None, strategy="under-over",
                     windows_per_recording=None, seed=0) -> Windows:
    """Fresh windows of ``recordings``, balanced over their class and shuffled.

    Parameters
    ----------
    recordings : sequence of Recording
    cap : int
        Windows per class (see :func:`balance_indices`).
    programs : sequence of int
        Instrument vocabulary of the windows' labels.
    length : float
        Window length in seconds.
    grid : float or None
        Start grid in seconds.
    strategy : str, dict or callable, default="under-over"
        See :func:`balance_indices`.
    windows_per_recording : int or None
        See :func:`draws_per_recording`.
    seed : int
        One seed for drawing, balancing and shuffling.

    Returns
    -------
    Windows
    """
    rng = np.random.default_rng(seed)
    pool = draw_windows(
        recordings, draws_per_recording(recordings, cap, windows_per_recording),
        length=length, grid=grid, programs=programs, random_state=rng,
    )
    keep = balance_indices(pool.composers.astype(str), cap=cap, strategy=strategy,
                           random_state=seed)
    return pool[rng.permutation(keep)]
