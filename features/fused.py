"""The course studies' fused image and its beat-synchronous version.

The fused image is :class:`~features.chroma.MelChroma`'s: 128 log-mel rows
(dB re the window's maximum) stacked over 12 chroma rows, 140 x T (a 30 s
clip at 22,050 Hz, hop 512, has 1,292 frames).  Its beat-synchronous version
is the median of every row between consecutive beats (the beats tracked on
the log-mel rows, :func:`features.beat.beat_frames`), as the studies built
theirs: a clip becomes 140 x (beats + 1).

:class:`BeatSyncMelChroma` is the extractor (both doors of
:class:`~features.base.FrameExtractor`), cut or zero-padded to a fixed
``n_beats`` per window so windows stack; :func:`beat_synchronous` is the
variable-length version for whole clips (the precomputed ``_beat`` arrays).
"""

from __future__ import annotations

import numpy as np

from .beat import beat_frames, beat_sync
from .chroma import MelChroma

__all__ = ["BeatSyncMelChroma", "beat_synchronous", "fused_image"]


def fused_image(y, *, sr: int = 22050, hop_length: int = 512, n_fft: int = 2048,
                n_mels: int = 128, n_chroma: int = 12) -> np.ndarray:
    """The fused ``(n_mels + n_chroma, T)`` image of a whole clip.

    Parameters
    ----------
    y : np.ndarray [shape=(n,)]
        Mono audio at ``sr``.

    Returns
    -------
    np.ndarray [shape=(n_mels + n_chroma, 1 + n // hop_length)], float32
    """
    extractor = MelChroma(sr=sr, n_fft=n_fft, hop_length=hop_length, n_mels=n_mels,
                          n_chroma=n_chroma, output="image")
    y = np.asarray(y, dtype=np.float32).reshape(1, -1)
    return extractor.fit_transform(y)[0, 0]


def beat_synchronous(fused: np.ndarray, *, sr: int = 22050, hop_length: int = 512,
                     n_mels: int = 128, n_beats: int | None = None) -> np.ndarray:
    """Median of every row of a fused image between consecutive beats.

    Parameters
    ----------
    fused : np.ndarray [shape=(n_mels + n_chroma, t)]
        Log-mel rows first (beats are tracked on them).
    sr, hop_length : int
        What the image was computed with.
    n_mels : int, default=128
    n_beats : int or None, default=None
        ``None``: every segment (``[0, b0), [b0, b1), ..., [b_last, t)``);
        an int: the first ``n_beats`` segments, zero-padded if fewer.  When
        the tracker finds fewer than two beats the image is cut into equal
        segments instead (``n_beats`` of them, or one per half second).

    Returns
    -------
    np.ndarray [shape=(n_mels + n_chroma, segments)], float32
    """
    import librosa

    fused = np.asarray(fused, dtype=np.float32)
    if fused.ndim != 2 or fused.shape[0] <= n_mels:
        raise ValueError(f"fused image of shape {fused.shape} must be (n_mels + n_chroma, t) "
                         f"with n_mels={n_mels} log-mel rows first")
    fallback = n_beats or max(2, int(round(fused.shape[1] * hop_length / sr * 2)))
    bounds, _ = beat_frames(fused[:n_mels], sr=sr, hop_length=hop_length, n_beats=fallback)
    if n_beats is not None:
        return beat_sync(fused, bounds, n_beats)
    return librosa.util.sync(fused, bounds, aggregate=np.median, pad=True).astype(np.float32)


class BeatSyncMelChroma(MelChroma):
    """Beat-synchronous fused log-mel + chroma (median between beats).

    Parameters
    ----------
    sr, n_fft, hop_length, n_mels, n_chroma, fmin, fmax, top_db
        As :class:`~features.chroma.MelChroma`.
    n_beats : int, default=8
        Segments kept per window (a 5 s window at 120 BPM has about 11);
        fewer are zero-padded.
    output : {"flat", "image"}, default="flat"
        Images have shape (n_windows, 1, n_mels + n_chroma, n_beats).
    """

    def __init__(self, *, sr=22050, n_fft=2048, hop_length=512, n_mels=128, n_chroma=12,
                 fmin=0.0, fmax=None, top_db=80.0, n_beats=8, output="flat"):
        super().__init__(sr=sr, n_fft=n_fft, hop_length=hop_length, n_mels=n_mels,
                         n_chroma=n_chroma, fmin=fmin, fmax=fmax, top_db=top_db, output=output)
        self.n_beats = n_beats

    def _check_extra_params(self):
        super()._check_extra_params()
        if not isinstance(self.n_beats, (int, np.integer)) or self.n_beats < 1:
            raise ValueError(f"n_beats={self.n_beats!r} must be a positive integer")

    def _window_features(self, products):
        images = super()._window_features(products)[:, 0]
        out = np.empty(images.shape[:2] + (self.n_beats,), dtype=np.float32)
        for i, image in enumerate(images):
            out[i] = beat_synchronous(image, sr=self.sr, hop_length=self.hop_length,
                                      n_mels=self.n_mels, n_beats=self.n_beats)
        return out[:, None]

    def _output_layout(self, n_samples):
        return [("logmel_beat", self.n_mels, self.n_beats),
                ("chroma_beat", self.n_chroma, self.n_beats)]
