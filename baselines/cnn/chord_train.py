"""Train and apply the chord network on log-CQT (or log-mel) frame patches.

Each track's frame representation (``FrameContext.recording_values``: a
log-CQT computed once per recording and cached on disk) is moved to the
device once; patches of ``2 * context + 1`` frames are cut there by
indexing.  Every epoch draws fresh training frames (``frames_per_track``
per track, in-vocabulary frames only) and, optionally, a random
transposition per frame (the CQT axis shifted by whole semitones, its
labels moved with it).  Evaluation predicts every frame of each test track
and hands the probabilities to the same smoothing and scoring code as the
classical models.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass

import numpy as np
import torch
from torch import nn

from ..data.chord_frames import draw_frames, transpose_classes
from ..data.chord_labels import N_CLASSES
from .chord_model import ChordCNN, ChordNetworkConfig

__all__ = ["ChordTrainConfig", "chord_probabilities", "train_chord_cnn"]


@dataclass(frozen=True)
class ChordTrainConfig:
    """Training settings.

    Parameters
    ----------
    epochs : int
    frames_per_track : int
        Fresh frames drawn from each training track per epoch.
    batch_size : int
    learning_rate : float
        Adam.
    transpose : bool
        Random transposition (-5..+6 semitones) per frame.
    bins_per_semitone : int
        CQT bins per semitone (for transposition).
    seed : int
    """

    epochs: int = 20
    frames_per_track: int = 400
    batch_size: int = 256
    learning_rate: float = 1e-3
    transpose: bool = True
    bins_per_semitone: int = 1
    seed: int = 0

    def to_dict(self) -> dict:
        return asdict(self)


def _patches(values: torch.Tensor, frames: torch.Tensor, context: int) -> torch.Tensor:
    """``(n, 1, d, 2k+1)`` patches of one track's ``values (d, t)`` on the device
    (context past the ends repeats the edge frames)."""
    offsets = torch.arange(-context, context + 1, device=values.device)
    idx = (frames[:, None] + offsets).clamp(0, values.shape[1] - 1)
    return values[:, idx].permute(1, 0, 2).unsqueeze(1)


def _shift_bins(patches: torch.Tensor, bins: torch.Tensor) -> torch.Tensor:
    """Shift each patch's frequency axis by ``bins`` (positive: up), filling
    with the patch's minimum (no wrap-around on a CQT axis)."""
    out = patches.clone()
    for s in bins.unique().tolist():
        if s == 0:
            continue
        rows = bins == s
        p = patches[rows]
        floor = p.amin(dim=(1, 2, 3), keepdim=True)
        moved = torch.roll(p, shifts=int(s), dims=2)
        if s > 0:
            moved[:, :, :s] = floor.expand(-1, -1, s, moved.shape[3])
        else:
            moved[:, :, s:] = floor.expand(-1, -1, -s, moved.shape[3])
        out[rows] = moved
    return out


def _to_device(items, device):
    return [torch.as_tensor(np.asarray(it.values, dtype=np.float32), device=device) for it in items]


def train_chord_cnn(train_items, *, network: ChordNetworkConfig, config: ChordTrainConfig,
                    device="cpu", progress=False, on_epoch=None):
    """Train the chord network on frames of the training tracks.

    Parameters
    ----------
    train_items : list of :class:`~baselines.data.chord_frames.TrackFrames`
        Values ``(network.n_bins, n_frames)``.
    network : ChordNetworkConfig
    config : ChordTrainConfig
    device : str or torch.device
    progress : bool
    on_epoch : callable, optional
        ``on_epoch(epoch, model, seconds)`` after each epoch.

    Returns
    -------
    ChordCNN (in eval mode)
    """
    device = torch.device(device)
    if train_items and train_items[0].values.shape[0] != network.n_bins:
        raise ValueError(f"values have {train_items[0].values.shape[0]} bins; the network "
                         f"expects n_bins={network.n_bins}")
    torch.manual_seed(config.seed)
    model = ChordCNN(network).to(device)
    optimiser = torch.optim.Adam(model.parameters(), lr=config.learning_rate)
    loss_fn = nn.CrossEntropyLoss()
    values = _to_device(train_items, device)
    rng = np.random.default_rng(config.seed)
    from tqdm.auto import tqdm

    for epoch in tqdm(range(config.epochs), desc="chord cnn", unit="epoch", disable=not progress):
        start = time.perf_counter()
        model.train()
        ti, fi = draw_frames(train_items, config.frames_per_track, random_state=rng)
        order = rng.permutation(len(ti))
        for b in range(0, len(order), config.batch_size):
            rows = order[b:b + config.batch_size]
            x = torch.cat([_patches(values[i], torch.as_tensor(fi[rows][ti[rows] == i], device=device),
                                    network.context) for i in np.unique(ti[rows])])
            y = np.concatenate([train_items[i].targets[fi[rows][ti[rows] == i]]
                                for i in np.unique(ti[rows])])
            if config.transpose:
                semis = rng.integers(-5, 7, size=len(y))
                y = _transpose_each(y, semis)
                x = _shift_bins(x, torch.as_tensor(semis * config.bins_per_semitone, device=device))
            target = torch.as_tensor(y, device=device)
            optimiser.zero_grad()
            loss = loss_fn(model(x), target)
            loss.backward()
            optimiser.step()
        model.eval()
        if on_epoch is not None:
            on_epoch(epoch, model, time.perf_counter() - start)
    return model.eval()


def _transpose_each(y, semis):
    out = np.empty(len(y), dtype=np.int64)
    for s in np.unique(semis):
        rows = semis == s
        out[rows] = transpose_classes(y[rows], int(s))
    return out


@torch.no_grad()
def chord_probabilities(model: ChordCNN, item, *, device="cpu", batch_size=1024) -> np.ndarray:
    """``(n_frames, 25)`` softmax probabilities of every frame of one track."""
    device = torch.device(device)
    values = torch.as_tensor(np.asarray(item.values, dtype=np.float32), device=device)
    out = np.empty((item.n_frames, N_CLASSES), dtype=np.float32)
    for b in range(0, item.n_frames, batch_size):
        frames = torch.arange(b, min(item.n_frames, b + batch_size), device=device)
        logits = model(_patches(values, frames, model.config.context))
        out[b:b + len(frames)] = torch.softmax(logits.float(), dim=1).cpu().numpy()
    return out
