"""Log spectrograms in torch, batched on the device, and windows cut there.

The study's front end: audio at 8 kHz, a 256-point STFT with a hop of 128
(periodic Hann window, centred frames on a zero-extended signal, as
librosa's ``center=True, pad_mode="constant"``), ``log(|S| + eps)``.  A 5 s
window gives 129 bins x 313 frames, **resized by linear interpolation with
corners aligned** to 128 x 312: the same images as the features package's
study preset (``features.spectrogram.Spectrogram(shape=(128, 312))``) that
the SGD models see; ``resize="crop"`` drops the Nyquist bin and the last
frame instead.  The small variant then average-pools 2 x 2 (64 x 156).
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

SR = 8000
N_FFT = 256
HOP_LENGTH = 128
EPS = 1e-6
WINDOW_SECONDS = 5.0


def log_spectrogram(y: torch.Tensor, *, n_fft: int = N_FFT,
                    hop_length: int = HOP_LENGTH, eps: float = EPS,
                    n_bins: int = 128, n_frames: int = 312,
                    resize: str = "interpolate",
                    downsample: int = 1) -> torch.Tensor:
    """Log-magnitude spectrogram images of a batch of windows.

    Parameters
    ----------
    y : torch.Tensor [shape=(..., n_samples)]
        Audio windows; leading axes are batch axes.
    n_fft, hop_length : int
        STFT size and hop, in samples.
    eps : float
        Added to the magnitude before the log.
    n_bins, n_frames : int or None
        Image size; None keeps the STFT's (``1 + n_fft // 2`` bins,
        ``1 + n_samples // hop_length`` frames).
    resize : {"interpolate", "crop"}
        How the STFT image becomes ``n_bins x n_frames``: linear
        interpolation with corners aligned (the features package's), or the
        first bins and frames.
    downsample : int
        Average-pool factor applied after the crop (1: none).

    Returns
    -------
    torch.Tensor [shape=(..., n_bins // downsample, n_frames // downsample)]
        float32 whatever the input dtype (the STFT runs in float32 even
        under autocast, where half precision loses the quiet bins).
    """
    if downsample < 1:
        raise ValueError(f"downsample={downsample} must be a positive integer")
    if resize not in ("interpolate", "crop"):
        raise ValueError(f"resize={resize!r} must be 'interpolate' or 'crop'")
    lead = y.shape[:-1]
    y = y.reshape(-1, y.shape[-1]).float()
    window = torch.hann_window(n_fft, device=y.device, dtype=y.dtype)
    with torch.autocast(device_type=y.device.type, enabled=False):
        spec = torch.stft(y, n_fft=n_fft, hop_length=hop_length, window=window,
                          center=True, pad_mode="constant", return_complex=True)
        image = torch.log(spec.abs() + eps)
        size = (n_bins or image.shape[-2], n_frames or image.shape[-1])
        if resize == "crop":
            if image.shape[-2] < size[0] or image.shape[-1] < size[1]:
                raise ValueError(
                    f"a window of {y.shape[-1]} samples gives "
                    f"{tuple(image.shape[-2:])} bins x frames, fewer than "
                    f"n_bins={n_bins}, n_frames={n_frames}")
            image = image[:, :size[0], :size[1]]
        elif tuple(image.shape[-2:]) != size:
            image = F.interpolate(image.unsqueeze(1), size=size, mode="bilinear",
                                  align_corners=True).squeeze(1)
        if downsample > 1:
            image = F.avg_pool2d(image.unsqueeze(1), downsample).squeeze(1)
    return image.reshape(*lead, *image.shape[-2:])


def _to_device(tensor: torch.Tensor, device: torch.device) -> torch.Tensor:
    """Host tensor on ``device``; to CUDA through pinned memory, non-blocking,
    because a blocking copy waits for every kernel already queued (a host
    sync per training step)."""
    if device.type != "cuda":
        return tensor
    return tensor.pin_memory().to(device, non_blocking=True)


def window_samples(seconds: float = WINDOW_SECONDS, sr: int = SR) -> int:
    """Samples in a window of ``seconds`` at ``sr``."""
    return int(round(seconds * sr))


class AudioBank:
    """Every recording's audio in one flat float32 tensor, windows cut by gather.

    Each recording is followed by ``n_samples`` zeros so that a window that
    runs past the end reads silence, as the data layer's windows do.

    Parameters
    ----------
    audio : dict of recording id -> np.ndarray [shape=(n,)]
        Mono float32 audio at ``sr``.
    n_samples : int
        Window length in samples.
    sr : int
        Sample rate of ``audio``.
    device : torch.device
        Where windows are wanted.  The bank lives there when it fits in a
        quarter of the free accelerator memory; otherwise it stays in host
        memory and batches are copied from pinned buffers (non-blocking).
    """

    def __init__(self, audio: dict, *, n_samples: int, sr: int = SR,
                 device: torch.device | str = "cpu"):
        self.sr = sr
        self.n_samples = int(n_samples)
        self.device = torch.device(device)
        ids = sorted(audio)
        lengths = np.array([len(audio[i]) + self.n_samples for i in ids])
        offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        flat = np.zeros(int(lengths.sum()), dtype=np.float32)
        for i, off in zip(ids, offsets):
            flat[off:off + len(audio[i])] = audio[i]
        self._row = {i: k for k, i in enumerate(ids)}
        self.lengths = torch.as_tensor(lengths - self.n_samples)
        self.offsets = torch.as_tensor(offsets, dtype=torch.int64)
        bank = torch.from_numpy(flat)
        self.on_device = self.device.type == "cpu"
        if self.device.type == "cuda":
            free, _ = torch.cuda.mem_get_info(self.device)
            if bank.numel() * 4 < free // 4:
                bank = bank.to(self.device)
                self.on_device = True
        self.bank = bank
        self._ramp = torch.arange(self.n_samples, device=bank.device)
        self._offsets = self.offsets.to(bank.device)

    @property
    def nbytes(self) -> int:
        return self.bank.numel() * 4

    def rows(self, recording_ids) -> np.ndarray:
        """Bank rows of recording ids."""
        return np.array([self._row[int(i)] for i in recording_ids], dtype=np.int64)

    def cut(self, rows, starts_seconds) -> torch.Tensor:
        """Windows ``(n, n_samples)`` on ``self.device``.

        Parameters
        ----------
        rows : array-like of int [shape=(...)]
            Bank rows (see :meth:`rows`); any shape.
        starts_seconds : array-like of float [shape=rows.shape]
            Window starts in seconds.
        """
        rows = torch.as_tensor(np.asarray(rows), dtype=torch.int64)
        starts = torch.as_tensor(
            np.round(np.asarray(starts_seconds, dtype=np.float64) * self.sr)
            .astype(np.int64))
        if rows.shape != starts.shape:
            raise ValueError(f"rows shape {tuple(rows.shape)} != starts shape"
                             f" {tuple(starts.shape)}")
        if (starts < 0).any() or (starts > self.lengths[rows]).any():
            raise ValueError("a window starts outside its recording")
        first = (self._offsets[_to_device(rows, self.bank.device)]
                 + _to_device(starts, self.bank.device))
        index = first.unsqueeze(-1) + self._ramp
        windows = self.bank[index]
        # Compare kinds, not devices: torch.device("cuda") != torch.device("cuda:0"),
        # so a bank already on the GPU would be sent to pin_memory (which refuses it).
        if windows.device.type == "cpu" and self.device.type != "cpu":
            windows = windows.pin_memory().to(self.device, non_blocking=True)
        return windows
