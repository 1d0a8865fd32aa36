"""Stacks of windows: the samples of the MusicNet study's CNN.

A sample is a *stack* of ``n_windows`` windows of one recording, the
sampled window first (:func:`stack_indices`); its labels are the
recording's composer and the union of its windows' instruments
(:func:`stack_targets`).  See :mod:`baselines.cnn.train`.
"""

from __future__ import annotations

import numpy as np

__all__ = ["stack_indices", "stack_targets"]


def stack_indices(recording_ids, n_windows: int, random_state) -> np.ndarray:
    """Rows of the windows stacked into each sample.

    Parameters
    ----------
    recording_ids : np.ndarray [shape=(n,)]
        Recording of each window of a set.
    n_windows : int
        Windows per stack.
    random_state : np.random.Generator

    Returns
    -------
    np.ndarray [shape=(n, n_windows), dtype=int64]
        Row ``i`` starts with ``i``; the others are other windows of the same
        recording (drawn without replacement when there are enough, else
        with replacement, the window itself included).
    """
    recording_ids = np.asarray(recording_ids)
    n = len(recording_ids)
    out = np.empty((n, n_windows), dtype=np.int64)
    out[:, 0] = np.arange(n)
    if n_windows == 1:
        return out
    order = np.argsort(recording_ids, kind="stable")
    bounds = np.flatnonzero(np.diff(recording_ids[order])) + 1
    for group in np.split(order, bounds):
        for i in group:
            others = group[group != i]
            if len(others) >= n_windows - 1:
                out[i, 1:] = random_state.choice(others, n_windows - 1, replace=False)
            else:
                out[i, 1:] = random_state.choice(group, n_windows - 1, replace=True)
    return out


def stack_targets(windows, stacks, composers) -> tuple:
    """``(composer index (n,), instruments union (n, n_programs))`` of stacks."""
    lookup = {c: k for k, c in enumerate(composers)}
    y = np.array([lookup[c] for c in windows.composers], dtype=np.int64)
    Y = windows.instruments[stacks].max(axis=1).astype(np.float32)
    return y, Y
