"""Per-window nonlinear steps: dB conversion, normalisation, resizing.

librosa's ``power_to_db`` on a batch takes the loudest item as its reference
(``ref=np.max``) and clips ``top_db`` below the batch's maximum, so a batched
result depends on its neighbours.  Here both happen per window (axis 0 is
the window axis), which makes a batch equal to its windows one by one.
"""

from __future__ import annotations

import numpy as np

__all__ = ["power_to_db", "normalize_frames", "resize_matrix"]

AMIN = 1e-10


def power_to_db(S: np.ndarray, *, ref="max", amin: float = AMIN, top_db=80.0) -> np.ndarray:
    """dB of power ``S [shape=(n_windows, ...)]``, reference and clip per window.

    Parameters
    ----------
    S : np.ndarray [shape=(n_windows, ...)]
        Non-negative power.
    ref : "max" or float
        ``"max"``: each window's own maximum (librosa's ``ref=np.max`` on that
        window alone); a float: a fixed reference (librosa's default 1.0).
    amin : float
        Floor on ``S`` and the reference, so silence gives finite values.
    top_db : float or None
        Clip each window at its maximum minus ``top_db``.

    Returns
    -------
    S_db : np.ndarray, float32, same shape
    """
    axes = tuple(range(1, S.ndim))
    log_spec = 10.0 * np.log10(np.maximum(S, np.float32(amin)), dtype=np.float32)
    if isinstance(ref, str):
        if ref != "max":
            raise ValueError(f"ref={ref!r} must be 'max' or a positive number")
        ref_value = np.max(S, axis=axes, keepdims=True)
    else:
        ref_value = np.float32(ref)
    log_spec -= (10.0 * np.log10(np.maximum(ref_value, np.float32(amin)))).astype(np.float32)
    if top_db is not None:
        floor = np.max(log_spec, axis=axes, keepdims=True) - np.float32(top_db)
        np.maximum(log_spec, floor, out=log_spec)
    return log_spec


def normalize_frames(C: np.ndarray) -> np.ndarray:
    """Max-normalise each frame (column) of ``C [shape=(..., d, t)]``.

    Silent frames (max below float32's tiny) are left as they are, as in
    ``librosa.util.normalize(norm=np.inf)``: no division by zero.
    """
    length = np.max(np.abs(C), axis=-2, keepdims=True)
    length[length < np.finfo(np.float32).tiny] = 1.0
    return (C / length).astype(np.float32, copy=False)


def resize_matrix(n_in: int, n_out: int) -> np.ndarray:
    """Linear-interpolation matrix (n_out, n_in), corners aligned."""
    if n_out == n_in:
        return np.eye(n_in, dtype=np.float32)
    pos = np.linspace(0.0, n_in - 1, n_out)
    lo = np.floor(pos).astype(int)
    hi = np.minimum(lo + 1, n_in - 1)
    frac = pos - lo
    M = np.zeros((n_out, n_in))
    M[np.arange(n_out), lo] += 1.0 - frac
    M[np.arange(n_out), hi] += frac
    return M.astype(np.float32)
