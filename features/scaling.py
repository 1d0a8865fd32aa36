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


def resize_columns(img: np.ndarray, width: int) -> np.ndarray:
    """``img @ resize_matrix(t, width).T`` over the last axis (``img [shape=(...,
    t)]``) without the dense product: each output column interpolates two
    neighbouring input columns, read as slices over runs of consecutive
    neighbours (one or two runs when ``width`` is close to ``t``)."""
    n_in = img.shape[-1]
    if width == n_in:
        return img
    out = np.empty(img.shape[:-1] + (width,), dtype=np.float32)
    for j0, j1, lo, frac in _column_runs(n_in, width):
        a = img[..., lo:lo + j1 - j0]
        part = out[..., j0:j1]
        if frac is None:
            part[...] = a
            continue
        np.subtract(img[..., lo + 1:lo + 1 + j1 - j0], a, out=part)
        part *= frac
        part += a
    return out


@functools.lru_cache(maxsize=32)
def _column_runs(n_in: int, width: int):
    """``[(j0, j1, lo, frac), ...]``: output columns ``j0:j1`` interpolate input
    columns ``lo + k`` and ``lo + k + 1`` with weights ``frac`` (``None``: a
    copy of column ``lo + k``), as :func:`resize_matrix`'s rows."""
    pos = np.linspace(0.0, n_in - 1, width)
    lo = np.floor(pos).astype(np.intp)
    frac = (pos - lo).astype(np.float32)
    lo = np.minimum(lo, n_in - 1)
    runs, j0 = [], 0
    for j in range(1, width + 1):
        if j < width and lo[j] == lo[j - 1] + 1 and lo[j] + 1 < n_in:
            continue
        if lo[j - 1] + 1 >= n_in:  # the last column: no right neighbour
            if j - 1 > j0:
                runs.append((j0, j - 1, int(lo[j0]), frac[j0:j - 1]))
            runs.append((j - 1, j, int(lo[j - 1]), None))
        else:
            runs.append((j0, j, int(lo[j0]), frac[j0:j]))
        j0 = j
    return runs
