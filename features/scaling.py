"""Per-window nonlinear steps: dB conversion, normalisation, resizing.

librosa's ``power_to_db`` on a batch takes the loudest item as its reference
(``ref=np.max``) and clips ``top_db`` below the batch's maximum, so a batched
result depends on its neighbours.  Here both happen per window (axis 0 is
the window axis), which makes a batch equal to its windows one by one.
"""

from __future__ import annotations

import functools

import numpy as np

__all__ = ["power_to_db", "window_db", "normalize_frames", "resize_matrix", "resize_columns"]

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


def window_db(db: np.ndarray, *, ref="max", amin: float = AMIN, top_db=80.0) -> np.ndarray:
    """:func:`power_to_db` of power whose per-frame dB (re 1.0) is ``db``.

    ``db [shape=(n_windows, ...)]`` is ``10 log10(max(S, amin))``, computed
    once per recording (:func:`features.products.mel_db`); only the window
    steps remain: subtract the reference, clip ``top_db`` below each
    window's maximum.  Equal to ``power_to_db(S, ...)``.
    """
    axes = tuple(range(1, db.ndim))
    peak = np.max(db, axis=axes, keepdims=True)
    if isinstance(ref, str):
        if ref != "max":
            raise ValueError(f"ref={ref!r} must be 'max' or a positive number")
        # max(10 log10(max(S, amin))) is 10 log10(max(max(S), amin)).
        offset = peak
    else:
        offset = np.float32(10.0 * np.log10(max(float(ref), amin)))
    if top_db is None:
        return db - offset if np.any(offset) else np.array(db, dtype=np.float32)
    floor = peak - np.float32(top_db)
    if not np.any(offset):
        return np.maximum(db, floor)
    log_spec = db - offset
    np.maximum(log_spec, floor - offset, out=log_spec)
    return log_spec


def normalize_frames(C: np.ndarray) -> np.ndarray:
    """Max-normalise each frame (column) of ``C [shape=(..., d, t)]``.

    Silent frames (max below float32's tiny) are left as they are, as in
    ``librosa.util.normalize(norm=np.inf)``: no division by zero.
    """
    length = np.max(np.abs(C), axis=-2, keepdims=True)
    length[length < np.finfo(np.float32).tiny] = 1.0
    return (C / length).astype(np.float32, copy=False)


@functools.lru_cache(maxsize=32)
def resize_matrix(n_in: int, n_out: int) -> np.ndarray:
    """Linear-interpolation matrix (n_out, n_in), corners aligned (float32,
    read-only: built once per size, as every window's edge frames need it)."""
    M = _resize_matrix(int(n_in), int(n_out))
    M.setflags(write=False)
    return M


def _resize_matrix(n_in: int, n_out: int) -> np.ndarray:
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


def resize_columns(img: np.ndarray, width: int) -> np.ndarray:
    """``img @ resize_matrix(t, width).T`` over the last axis (``img [shape=(...,
    t)]``) without the dense product: each output column interpolates two
    neighbouring input columns, in one compiled pass over the rows."""
    n_in = img.shape[-1]
    if width == n_in:
        return img
    if n_in == 1:  # one column (a window of a few samples): repeated
        return np.repeat(np.asarray(img, dtype=np.float32), width, axis=-1)
    lo, frac = _column_weights(n_in, width)
    rows = np.ascontiguousarray(img, dtype=np.float32).reshape(-1, n_in)
    out = np.empty((len(rows), width), dtype=np.float32)
    if np.array_equal(lo, np.arange(width)):
        # Shrinking by a column or so (the study's 313 -> 312): neighbours
        # are columns j and j + 1, a loop the compiler vectorises (~15x
        # faster than the general gather below).
        _lerp_kernels()[0](rows, frac, out)
    else:
        _lerp_kernels()[1](rows, lo, frac, out)
    return out.reshape(img.shape[:-1] + (width,))


@functools.lru_cache(maxsize=32)
def _column_weights(n_in: int, width: int):
    """Left neighbour and weight of the right one for each output column, as
    :func:`resize_matrix`'s rows (the last column: weight 1 on the last)."""
    if n_in < 2:
        raise ValueError(f"cannot resize {n_in} column(s) to {width} by interpolation")
    pos = np.linspace(0.0, n_in - 1, width)
    lo = np.minimum(np.floor(pos).astype(np.int64), n_in - 2)
    frac = (pos - lo).astype(np.float32)
    lo.setflags(write=False)
    frac.setflags(write=False)
    return lo, frac


@functools.lru_cache(maxsize=1)
def _lerp_kernels():
    # numba comes with librosa; compiled once, cached on disk (NUMBA_CACHE_DIR).
    # numpy needs three passes (difference, scale, add) for what is one here.
    import numba

    @numba.njit(cache=True, nogil=True)
    def consecutive(rows, frac, out):
        for r in range(out.shape[0]):
            for j in range(out.shape[1]):
                a = rows[r, j]
                out[r, j] = a + (rows[r, j + 1] - a) * frac[j]

    @numba.njit(cache=True, nogil=True)
    def gather(rows, lo, frac, out):
        for r in range(out.shape[0]):
            for j in range(out.shape[1]):
                a = rows[r, lo[j]]
                out[r, j] = a + (rows[r, lo[j] + 1] - a) * frac[j]

    return consecutive, gather
