"""Spectrogram images: log-magnitude STFT (MusicNet study presets) and log-mel.

Study preset: 8 kHz audio, 5 s windows (40,000 samples), ``n_fft=256``,
``hop_length=128``, ``log(|S| + eps)``: 129 x 313 images; ``shape=(128, 312)``
resizes them (linear interpolation, corners aligned) to 128 x 312.
"""

from __future__ import annotations

import numpy as np

from .base import FrameExtractor
from .products import FrameProduct
from .scaling import power_to_db, resize_columns, window_db

__all__ = ["Spectrogram", "LogMel", "mel_product", "mel_db_product", "logmel_from_mel",
           "logmel_from_db", "log_magnitude_product"]

POWER = FrameProduct("power")


def mel_product(n_mels, fmin, fmax) -> FrameProduct:
    """The mel-energy frame product (librosa's Slaney filterbank)."""
    return FrameProduct("mel", (("n_mels", int(n_mels)), ("fmin", float(fmin)),
                                ("fmax", None if fmax is None else float(fmax))))


def mel_db_product(n_mels, fmin, fmax) -> FrameProduct:
    """Mel energies in dB re 1.0, unclipped (stored once per recording)."""
    return FrameProduct("mel-db", mel_product(n_mels, fmin, fmax).params)


def log_magnitude_product(eps, n_bins=None) -> FrameProduct:
    """``log(|S| + eps)`` frames, resized along frequency to ``n_bins`` rows."""
    return FrameProduct("log-magnitude", (("eps", float(eps)),
                                          ("n_bins", None if n_bins is None else int(n_bins))))


def logmel_from_mel(mel: np.ndarray, top_db) -> np.ndarray:
    """Log-mel in dB relative to each window's maximum (values in [-top_db, 0])."""
    return power_to_db(mel, ref="max", top_db=top_db)


def logmel_from_db(db: np.ndarray, top_db) -> np.ndarray:
    """:func:`logmel_from_mel` from the mel frames' dB (``mel-db`` product)."""
    return window_db(db, ref="max", top_db=top_db)


def _check_mel_params(est):
    if not isinstance(est.n_mels, (int, np.integer)) or est.n_mels < 1:
        raise ValueError(f"n_mels={est.n_mels!r} must be a positive integer")
    fmax = est.sr / 2 if est.fmax is None else est.fmax
    if not 0 <= est.fmin < fmax <= est.sr / 2:
        raise ValueError(f"need 0 <= fmin < fmax <= sr/2; got fmin={est.fmin}, fmax={est.fmax}, sr={est.sr}")


class Spectrogram(FrameExtractor):
    """Log-magnitude STFT images, ``log(|S| + eps)``.

    Parameters
    ----------
    sr : int, default=8000
        Sample rate of the windows.
    n_fft : int, default=256
        FFT size; ``1 + n_fft // 2`` frequency bins.
    hop_length : int, default=128
        Samples between frames; a window of n samples has ``1 + n // hop_length`` frames.
    eps : float, default=1e-6
        Added to the magnitude before the log (silence gives ``log(eps)``).
    shape : tuple of (int, int) or None, default=None
        Resize each image to (height, width) by linear interpolation;
        ``None`` keeps (1 + n_fft // 2, n_frames).
    output : {"flat", "image"}, default="flat"
        ``(n_windows, height * width)`` or ``(n_windows, 1, height, width)``.

    Examples
    --------
    >>> import numpy as np
    >>> Spectrogram().fit_transform(np.zeros((2, 40000), np.float32)).shape
    (2, 40377)
    """

    def __init__(self, *, sr=8000, n_fft=256, hop_length=128, eps=1e-6, shape=None, output="flat"):
        self.sr = sr
        self.n_fft = n_fft
        self.hop_length = hop_length
        self.eps = eps
        self.shape = shape
        self.output = output

    def _check_extra_params(self):
        if not self.eps > 0:
            raise ValueError(f"eps={self.eps!r} must be positive")
        if self.shape is not None and (len(self.shape) != 2 or min(self.shape) < 1):
            raise ValueError(f"shape={self.shape!r} must be None or (height, width) of positive ints")

    def frame_products(self):
        # The log and the resize along frequency are per frame: stored once
        # per recording.  Only the resize along time depends on the window.
        return [log_magnitude_product(self.eps, None if self.shape is None else self.shape[0])]

    def _window_features(self, products):
        img = products[self.frame_products()[0].key]
        if self.shape is not None:
            img = resize_columns(img, self.shape[1])
        return img[:, None]

    def _output_layout(self, n_samples):
        if self.shape is not None:
            return [("spec", self.shape[0], self.shape[1])]
        return [("spec", 1 + self.n_fft // 2, self.n_frames(n_samples))]


class LogMel(FrameExtractor):
    """Log-mel images in dB relative to each window's maximum.

    Parameters
    ----------
    sr : int, default=22050
    n_fft : int, default=2048
    hop_length : int, default=512
    n_mels : int, default=128
    fmin : float, default=0.0
    fmax : float or None, default=None (sr / 2)
    top_db : float or None, default=80.0
        Floor at the window's maximum minus ``top_db``.
    output : {"flat", "image"}, default="flat"
    """

    def __init__(self, *, sr=22050, n_fft=2048, hop_length=512, n_mels=128, fmin=0.0, fmax=None,
                 top_db=80.0, output="flat"):
        self.sr = sr
        self.n_fft = n_fft
        self.hop_length = hop_length
        self.n_mels = n_mels
        self.fmin = fmin
        self.fmax = fmax
        self.top_db = top_db
        self.output = output

    def _check_extra_params(self):
        _check_mel_params(self)

    def frame_products(self):
        return [mel_db_product(self.n_mels, self.fmin, self.fmax)]

    def _window_features(self, products):
        db = products[self.frame_products()[0].key]
        return logmel_from_db(db, self.top_db)[:, None]

    def _output_layout(self, n_samples):
        return [("logmel", self.n_mels, self.n_frames(n_samples))]
