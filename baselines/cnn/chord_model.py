"""The chord study's network, in torch, as its weight shapes give it.

Input: ``(batch, 1, n_bins, n_frames)`` log-CQT or log-mel patches (a frame
with ``(n_frames - 1) / 2`` frames of context on each side).  Every
convolution is followed by batch norm (and ReLU, except the last):

=====  =====================  ============  ===========================
layer  convolution            padding       then
=====  =====================  ============  ===========================
1      3 x 3, 1 -> c0         1
2      3 x 3, c0 -> c1        1             max-pool (2, 1) (frequency)
3      3 x 3, c1 -> c2        1
4      3 x 3, c2 -> c3        1             max-pool (2, 1) (frequency)
5      (12, 1), c3 -> c4      0
6      (1, 9), c4 -> c5       0
7      1 x 1, c5 -> 25        0             global average pooling
=====  =====================  ============  ===========================

The study lists only the weight shapes (``32, 32, 64, 64, 128, 128``); the
two frequency poolings are where the input size needs them: the (12, 1)
convolution then spans a quarter of the input's bins (12 of 18 for a
6-octave, 12-bin CQT), and patches need at least 9 frames.  The output is
25 logits (:data:`~baselines.data.chord_labels.MAJMIN_CLASSES`) for a
softmax (``CrossEntropyLoss``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import nn

from ..data.chord_labels import N_CLASSES

__all__ = ["ChordCNN", "ChordNetworkConfig", "CHORD_PRESETS", "layer_shapes"]


@dataclass(frozen=True)
class ChordNetworkConfig:
    """Shape of the chord network and of its input.

    Parameters
    ----------
    n_bins : int
        Frequency bins of a patch (72: a 6-octave CQT at 12 bins per octave).
    context : int
        Frames on each side of the centre frame (``n_frames = 2 * context + 1``).
    channels : tuple of 6 ints
        Output channels of layers 1-6.
    pool : int
        Frequency max-pool factor after layers 2 and 4.
    """

    n_bins: int = 72
    context: int = 7
    channels: tuple = (32, 32, 64, 64, 128, 128)
    pool: int = 2

    @property
    def n_frames(self) -> int:
        return 2 * self.context + 1

    def to_dict(self) -> dict:
        d = asdict(self)
        d["channels"] = list(self.channels)
        return d


#: The study's widths on 72-bin log-CQT patches of 15 frames.
STUDY = ChordNetworkConfig()
#: Trains on a CPU in minutes: a quarter of the channels.
SMALL = ChordNetworkConfig(channels=(8, 8, 16, 16, 32, 32))
CHORD_PRESETS = {"study": STUDY, "small": SMALL}


def _conv(c_in, c_out, kernel, padding, relu=True):
    layers = [nn.Conv2d(c_in, c_out, kernel, padding=padding), nn.BatchNorm2d(c_out)]
    if relu:
        layers.append(nn.ReLU(inplace=True))
    return nn.Sequential(*layers)


class ChordCNN(nn.Module):
    """Fully convolutional chord classifier (25 classes).

    Parameters
    ----------
    config : ChordNetworkConfig

    Raises
    ------
    ValueError
        If the input is too small for the (12, 1) and (1, 9) convolutions.
    """

    def __init__(self, config: ChordNetworkConfig = STUDY):
        super().__init__()
        c = config.channels
        if len(c) != 6:
            raise ValueError(f"channels={c!r} must list 6 layer widths")
        pooled = config.n_bins // config.pool // config.pool
        if pooled < 12:
            raise ValueError(f"n_bins={config.n_bins} pools to {pooled} bins; the (12, 1) "
                             f"convolution needs at least 12 (n_bins >= {12 * config.pool ** 2})")
        if config.n_frames < 9:
            raise ValueError(f"context={config.context} gives {config.n_frames} frames; the "
                             f"(1, 9) convolution needs at least 9 (context >= 4)")
        self.config = config
        pool = (config.pool, 1)
        self.layers = nn.Sequential(
            _conv(1, c[0], 3, 1),
            _conv(c[0], c[1], 3, 1), nn.MaxPool2d(pool),
            _conv(c[1], c[2], 3, 1),
            _conv(c[2], c[3], 3, 1), nn.MaxPool2d(pool),
            _conv(c[3], c[4], (12, 1), 0),
            _conv(c[4], c[5], (1, 9), 0),
            _conv(c[5], N_CLASSES, 1, 0, relu=False),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits ``(batch, 25)`` of patches ``(batch, 1, n_bins, n_frames)``."""
        return self.layers(x).mean(dim=(2, 3))


def layer_shapes(config: ChordNetworkConfig = STUDY) -> list:
    """``(channels, height, width)`` after each layer, for one patch."""
    net = ChordCNN(config).eval()
    x = torch.zeros(1, 1, config.n_bins, config.n_frames)
    shapes = []
    with torch.no_grad():
        for layer in net.layers:
            x = layer(x)
            shapes.append(tuple(x.shape[1:]))
    return shapes
