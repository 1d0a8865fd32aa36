"""The course studies' two networks for genre and affect, in torch.

- :class:`FusedCNN`: a 2-D CNN on fused ``140 x T`` log-mel + chroma images
  (``(batch, 1, 140, T)``): blocks of ``Conv 3x3 -> BatchNorm -> ReLU ->
  MaxPool``, an average pool over time that keeps ``freq_cells`` bands of
  the frequency axis (a global pool would throw away where in the spectrum
  the energy is), one hidden layer (the shared trunk),
  then either a genre head (logits for ``CrossEntropyLoss``) or, for affect,
  one linear regression output per target on the shared trunk.
- :class:`BeatLSTM`: an LSTM over beat-synchronous sequences
  (``(batch, beats, 140)``, padded, with their lengths) that packs the
  batch (``pack_padded_sequence``) so padding never enters the recurrence;
  the last hidden state feeds the same kind of head.

Presets: ``STUDY`` (the studies' widths; for a GPU) and ``SMALL`` (trains on
a CPU in minutes).  :func:`pad_sequences` builds a padded batch from arrays
of different lengths.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

__all__ = ["GenreNetConfig", "STUDY", "SMALL", "PRESETS", "FusedCNN", "BeatLSTM",
           "pad_sequences", "OUTPUT_KINDS"]

OUTPUT_KINDS = ("classes", "targets")


@dataclass(frozen=True)
class GenreNetConfig:
    """Widths of both networks.

    Parameters
    ----------
    n_rows : int
        Rows of the fused image (128 mel + 12 chroma).
    channels : tuple of int
        Output channels of the CNN's blocks (each halves height and width).
    freq_cells : int
        Frequency bands kept by the CNN's final pool over time.
    hidden : int
        Units of the shared trunk's hidden layer.
    dropout : float
    lstm_hidden, lstm_layers : int
    bidirectional : bool
    """

    n_rows: int = 140
    channels: tuple = (32, 64, 128, 128)
    freq_cells: int = 8
    hidden: int = 256
    dropout: float = 0.3
    lstm_hidden: int = 128
    lstm_layers: int = 2
    bidirectional: bool = True

    def to_dict(self) -> dict:
        d = asdict(self)
        d["channels"] = list(self.channels)
        return d


STUDY = GenreNetConfig()
SMALL = GenreNetConfig(channels=(8, 16, 32), freq_cells=4, hidden=64, dropout=0.2, lstm_hidden=32,
                       lstm_layers=1, bidirectional=False)
PRESETS = {"study": STUDY, "small": SMALL}


def _check_output(kind: str, n_outputs: int):
    if kind not in OUTPUT_KINDS:
        raise ValueError(f"kind={kind!r} must be one of {OUTPUT_KINDS}")
    if n_outputs < (2 if kind == "classes" else 1):
        raise ValueError(f"n_outputs={n_outputs} is too few for kind={kind!r}")


class _Head(nn.Module):
    """Shared hidden layer, then logits or one regression output per target."""

    def __init__(self, n_in: int, n_outputs: int, kind: str, config: GenreNetConfig):
        super().__init__()
        self.trunk = nn.Sequential(nn.Linear(n_in, config.hidden), nn.ReLU(inplace=True),
                                   nn.Dropout(config.dropout))
        if kind == "classes":
            self.out = nn.Linear(config.hidden, n_outputs)
        else:  # a separate output per target on the shared trunk
            self.out = nn.ModuleList(nn.Linear(config.hidden, 1) for _ in range(n_outputs))
        self.kind = kind

    def forward(self, h):
        h = self.trunk(h)
        if self.kind == "classes":
            return self.out(h)
        return torch.cat([layer(h) for layer in self.out], dim=1)


class FusedCNN(nn.Module):
    """2-D CNN on fused images.

    Parameters
    ----------
    n_outputs : int
        Genre classes (``kind="classes"``) or regression targets (``"targets"``).
    kind : {"classes", "targets"}
    config : GenreNetConfig

    Input ``(batch, 1, n_rows, T)`` (any T >= 2 ** len(channels)); output
    ``(batch, n_outputs)``.
    """

    def __init__(self, n_outputs: int, *, kind: str = "classes", config: GenreNetConfig = SMALL):
        super().__init__()
        _check_output(kind, n_outputs)
        self.config, self.kind = config, kind
        blocks, c_in = [], 1
        for c in config.channels:
            blocks += [nn.Conv2d(c_in, c, 3, padding=1), nn.BatchNorm2d(c), nn.ReLU(inplace=True),
                       nn.MaxPool2d(2)]
            c_in = c
        self.features = nn.Sequential(*blocks, nn.AdaptiveAvgPool2d((config.freq_cells, 1)),
                                      nn.Flatten())
        self.head = _Head(c_in * config.freq_cells, n_outputs, kind, config)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim != 4 or x.shape[1] != 1 or x.shape[2] != self.config.n_rows:
            raise ValueError(f"input of shape {tuple(x.shape)} must be (batch, 1, "
                             f"{self.config.n_rows}, T)")
        return self.head(self.features(x))


class BeatLSTM(nn.Module):
    """LSTM over beat-synchronous sequences (padded and packed batches).

    Parameters
    ----------
    n_outputs : int
    kind : {"classes", "targets"}
    config : GenreNetConfig

    ``forward(x, lengths)`` with ``x (batch, max_beats, n_rows)`` and
    ``lengths (batch,)``; output ``(batch, n_outputs)``.  Each row is
    standardised over its own beats by the caller, not here.
    """

    def __init__(self, n_outputs: int, *, kind: str = "classes", config: GenreNetConfig = SMALL):
        super().__init__()
        _check_output(kind, n_outputs)
        self.config, self.kind = config, kind
        self.lstm = nn.LSTM(config.n_rows, config.lstm_hidden, num_layers=config.lstm_layers,
                            batch_first=True, bidirectional=config.bidirectional,
                            dropout=config.dropout if config.lstm_layers > 1 else 0.0)
        n_dir = 2 if config.bidirectional else 1
        self.head = _Head(config.lstm_hidden * n_dir, n_outputs, kind, config)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        if x.ndim != 3 or x.shape[2] != self.config.n_rows:
            raise ValueError(f"input of shape {tuple(x.shape)} must be (batch, beats, "
                             f"{self.config.n_rows})")
        lengths = torch.as_tensor(lengths, dtype=torch.int64).cpu()
        if len(lengths) != len(x) or int(lengths.min()) < 1 or int(lengths.max()) > x.shape[1]:
            raise ValueError(f"lengths must be {len(x)} values in [1, {x.shape[1]}]")
        packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
        _, (h, _) = self.lstm(packed)
        last = h[-2:] if self.config.bidirectional else h[-1:]  # the top layer's directions
        return self.head(torch.cat(list(last), dim=1))


def pad_sequences(arrays, *, max_len: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """A padded batch from ``(n_rows, t_i)`` arrays.

    Parameters
    ----------
    arrays : sequence of np.ndarray [shape=(n_rows, t_i)]
    max_len : int, optional
        Cut longer sequences to this many beats.

    Returns
    -------
    x : torch.Tensor [shape=(batch, max t, n_rows)], float32, zeros past each length
    lengths : torch.Tensor [shape=(batch,)], int64
    """
    arrays = [np.asarray(a, dtype=np.float32)[:, :max_len] for a in arrays]
    lengths = torch.tensor([a.shape[1] for a in arrays], dtype=torch.int64)
    if len(arrays) == 0 or int(lengths.min()) < 1:
        raise ValueError("pad_sequences needs at least one sequence, each with >= 1 beat")
    x = torch.zeros(len(arrays), int(lengths.max()), arrays[0].shape[0])
    for i, a in enumerate(arrays):
        x[i, : a.shape[1]] = torch.from_numpy(a.T)
    return x, lengths
