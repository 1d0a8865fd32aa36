"""The MusicNet study's convolutional network, in torch.

Input: ``(batch, n_windows, n_bins, n_frames)`` log spectrograms, the
windows of one recording stacked as channels (the study: 4 x 128 x 312).

Each task has its own convolution stack and head (the study kept them
separate): five stages of ``Conv -> ReLU -> (MaxPool) -> BatchNorm``:

=====  ==============================  ============  ===========  =============
stage  convolution                     padding       pool         study shape
=====  ==============================  ============  ===========  =============
1      3 x 7, stride (1, 2)            (1, 0)        none         c1 x 128 x 153
2      3 x 5, stride 2                 0             none         c2 x 63 x 75
3      3 x 3                           1             2 x 2        c3 x 31 x 37
4      3 x 3                           1             2 x 2        c4 x 15 x 18
5      3 x 3                           1             adaptive     128 x 8 x 8
=====  ==============================  ============  ===========  =============

The study gives the kernel sizes, strides and the 128 x 8 x 8 output but not
its paddings; the last stage's max-pool is adaptive (2 x 2 to 2 x 3 cells) so
that the output is 8 x 8 exactly, and the same code serves the small
variant's smaller input.  The composer head ends in logits for a softmax
(``CrossEntropyLoss``), the instrument head in one logit per instrument for
independent sigmoids (``BCEWithLogitsLoss``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import nn

TASKS = ("composer", "instruments", "joint")


@dataclass(frozen=True)
class NetworkConfig:
    """Shape of the network and of its input.

    Parameters
    ----------
    n_windows : int
        Windows of one recording stacked as input channels.
    n_bins, n_frames : int
        Spectrogram image size after the front end.
    channels : tuple of 5 ints
        Output channels of the five stages.
    pooled : tuple of 2 ints
        Output size of the last stage's adaptive max-pool.
    hidden : int
        Units of each head's hidden layer.
    dropout : float
        Dropout before each head's last layer.
    downsample : int
        Average-pool factor applied to the 128 x 312 image by the front end
        (1 for the study; 2 gives the small variant's 64 x 156).
    """

    n_windows: int = 4
    n_bins: int = 128
    n_frames: int = 312
    channels: tuple = (32, 64, 64, 128, 128)
    pooled: tuple = (8, 8)
    hidden: int = 256
    dropout: float = 0.5
    downsample: int = 1

    def to_dict(self) -> dict:
        d = asdict(self)
        d["channels"] = list(self.channels)
        d["pooled"] = list(self.pooled)
        return d


#: The study's network: 4 windows of 128 x 312, stacks ending in 128 x 8 x 8.
STUDY = NetworkConfig()
#: Trains on a CPU in minutes: one window, image halved to 64 x 156, 8x
#: fewer channels, 4 x 4 after the last stage.
SMALL = NetworkConfig(
    n_windows=1, n_bins=64, n_frames=156, channels=(8, 16, 16, 32, 32),
    pooled=(4, 4), hidden=64, dropout=0.25, downsample=2,
)
PRESETS = {"study": STUDY, "small": SMALL}


def _stage(c_in, c_out, kernel, stride, padding, pool):
    layers = [nn.Conv2d(c_in, c_out, kernel, stride=stride, padding=padding),
              nn.ReLU(inplace=True)]
    if pool is not None:
        layers.append(pool)
    layers.append(nn.BatchNorm2d(c_out))
    return nn.Sequential(*layers)


def conv_stack(config: NetworkConfig) -> nn.Sequential:
    """The five convolution stages for one task."""
    c = config.channels
    if len(c) != 5:
        raise ValueError(f"channels={c!r} must list 5 stage widths")
    return nn.Sequential(
        _stage(config.n_windows, c[0], (3, 7), (1, 2), (1, 0), None),
        _stage(c[0], c[1], (3, 5), 2, 0, None),
        _stage(c[1], c[2], 3, 1, 1, nn.MaxPool2d(2)),
        _stage(c[2], c[3], 3, 1, 1, nn.MaxPool2d(2)),
        _stage(c[3], c[4], 3, 1, 1, nn.AdaptiveMaxPool2d(tuple(config.pooled))),
    )


def _head(config: NetworkConfig, n_out: int) -> nn.Sequential:
    n_in = config.channels[-1] * config.pooled[0] * config.pooled[1]
    return nn.Sequential(
        nn.Flatten(), nn.Linear(n_in, config.hidden), nn.ReLU(inplace=True),
        nn.Dropout(config.dropout), nn.Linear(config.hidden, n_out),
    )


class MusicNetCNN(nn.Module):
    """Separate stacks and heads for composer and instruments.

    Parameters
    ----------
    n_composers : int
        Classes of the composer softmax (used when ``task`` is
        ``"composer"`` or ``"joint"``).
    n_instruments : int
        Sigmoid outputs (the study: 10; here the vocabulary after
        filtering).
    task : {"composer", "instruments", "joint"}
    config : NetworkConfig

    Returns (from ``forward``)
    -------
    dict with ``"composer"`` logits ``(batch, n_composers)`` and/or
    ``"instruments"`` logits ``(batch, n_instruments)``.
    """

    def __init__(self, n_composers: int, n_instruments: int, *,
                 task: str = "joint", config: NetworkConfig = STUDY):
        super().__init__()
        if task not in TASKS:
            raise ValueError(f"task={task!r} must be one of {TASKS}")
        self.task = task
        self.config = config
        self.stacks = nn.ModuleDict()
        self.heads = nn.ModuleDict()
        if task in ("composer", "joint"):
            if n_composers < 2:
                raise ValueError(f"n_composers={n_composers} must be >= 2")
            self.stacks["composer"] = conv_stack(config)
            self.heads["composer"] = _head(config, n_composers)
        if task in ("instruments", "joint"):
            if n_instruments < 1:
                raise ValueError(f"n_instruments={n_instruments} must be >= 1")
            self.stacks["instruments"] = conv_stack(config)
            self.heads["instruments"] = _head(config, n_instruments)

    def forward(self, x: torch.Tensor) -> dict:
        return {name: self.heads[name](stack(x))
                for name, stack in self.stacks.items()}


def stage_shapes(config: NetworkConfig = STUDY) -> list:
    """Output shape ``(channels, height, width)`` of each stage for one input."""
    stack = conv_stack(config).eval()
    x = torch.zeros(1, config.n_windows, config.n_bins, config.n_frames)
    shapes = []
    with torch.no_grad():
        for stage in stack:
            x = stage(x)
            shapes.append(tuple(x.shape[1:]))
    return shapes
