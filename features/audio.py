"""Audio in: load and resample a recording, cut windows, check windows."""

from __future__ import annotations

import numpy as np

__all__ = ["load_audio", "cut_windows", "seconds_to_samples"]


def load_audio(path, *, sr: int) -> np.ndarray:
    """Mono float32 audio of a file at ``sr`` (soundfile + soxr).

    Parameters
    ----------
    path : path-like
    sr : int
        Target sample rate.

    Returns
    -------
    y : np.ndarray [shape=(n,)], float32
    """
    import soundfile as sf
    import soxr

    y, file_sr = sf.read(str(path), dtype="float32", always_2d=True)
    y = y.mean(axis=1)
    if file_sr != sr:
        y = soxr.resample(y, file_sr, sr)
    return np.ascontiguousarray(y, dtype=np.float32)


def seconds_to_samples(seconds, sr: int) -> np.ndarray:
    """Seconds -> whole samples (rounded)."""
    return np.round(np.asarray(seconds, dtype=float) * sr).astype(np.int64)


def cut_windows(y: np.ndarray, starts, n_samples: int) -> np.ndarray:
    """Windows ``y[start:start + n_samples]`` stacked: shape (n_windows, n_samples).

    Raises
    ------
    ValueError
        If a window reaches past the recording.
    """
    starts = np.asarray(starts, dtype=np.int64).reshape(-1)
    if np.any(starts < 0) or np.any(starts + n_samples > y.shape[-1]):
        raise ValueError(f"windows of n_samples={n_samples} at starts {starts.tolist()[:5]} "
                         f"exceed the recording's {y.shape[-1]} samples")
    return np.stack([np.asarray(y[s:s + n_samples], dtype=np.float32) for s in starts])
