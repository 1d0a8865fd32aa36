"""Training and prediction for the genre/affect networks on fused arrays.

The CNN sees windows of ``n_frames`` frames cropped from a clip's ``140 x T``
array: fresh random crops every epoch for training (the same role as the
streaming sampler's fresh windows), and the clip's consecutive
non-overlapping windows for evaluation, so a clip's windows can vote.  The
LSTM sees each clip's whole beat-synchronous sequence (padded and packed).

Rows are standardised with the training arrays' per-row mean and standard
deviation; regression targets are standardised for training and mapped
back for prediction.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import torch
from torch import nn

from .genre_model import SMALL, BeatLSTM, FusedCNN, GenreNetConfig, pad_sequences

__all__ = ["FitConfig", "RowScaler", "crop_windows", "eval_windows", "fit_network",
           "predict_network"]


@dataclass(frozen=True)
class FitConfig:
    """How a network is trained.

    Parameters
    ----------
    network : {"cnn", "lstm"}
    epochs : int
    batch_size : int
    lr : float
        Adam's learning rate.
    n_frames : int
        CNN window length in frames (5 s at 22,050 Hz / 512 is 216).
    crops_per_clip : int
        Random CNN windows per clip per epoch.
    max_beats : int
        Longest LSTM sequence (longer ones are cut).
    seed : int
    """

    network: str = "cnn"
    epochs: int = 20
    batch_size: int = 32
    lr: float = 1e-3
    n_frames: int = 216
    crops_per_clip: int = 4
    max_beats: int = 256
    seed: int = 0

    def to_dict(self) -> dict:
        return asdict(self)


class RowScaler:
    """Per-row standardisation fitted on training arrays ``(rows, t_i)``."""

    def fit(self, arrays):
        cat = np.concatenate([np.asarray(a, dtype=np.float64) for a in arrays], axis=1)
        self.mean_ = cat.mean(axis=1, keepdims=True).astype(np.float32)
        self.scale_ = np.maximum(cat.std(axis=1, keepdims=True), 1e-6).astype(np.float32)
        return self

    def transform(self, array):
        return (np.asarray(array, dtype=np.float32) - self.mean_) / self.scale_


def _padded(array, n_frames):
    if array.shape[1] >= n_frames:
        return array
    return np.pad(array, ((0, 0), (0, n_frames - array.shape[1])))


def crop_windows(arrays, n_frames: int, n_per_clip: int, rng) -> tuple[np.ndarray, np.ndarray]:
    """Random crops: ``(len(arrays) * n_per_clip, 1, rows, n_frames)`` and the
    clip index of each (clips shorter than a window are zero-padded)."""
    out, index = [], []
    for i, a in enumerate(arrays):
        a = _padded(a, n_frames)
        for s in rng.integers(0, a.shape[1] - n_frames + 1, size=n_per_clip):
            out.append(a[:, s:s + n_frames])
            index.append(i)
    return np.stack(out)[:, None], np.asarray(index)


def eval_windows(arrays, n_frames: int) -> tuple[np.ndarray, np.ndarray]:
    """Each clip's consecutive non-overlapping windows (at least one) and
    the clip index of each."""
    out, index = [], []
    for i, a in enumerate(arrays):
        a = _padded(a, n_frames)
        for k in range(max(1, a.shape[1] // n_frames)):
            out.append(a[:, k * n_frames:(k + 1) * n_frames])
            index.append(i)
    return np.stack(out)[:, None], np.asarray(index)


def _model(config: FitConfig, n_outputs: int, kind: str, net: GenreNetConfig):
    if config.network == "cnn":
        return FusedCNN(n_outputs, kind=kind, config=net)
    if config.network == "lstm":
        return BeatLSTM(n_outputs, kind=kind, config=net)
    raise ValueError(f"network={config.network!r} must be 'cnn' or 'lstm'")


def fit_network(arrays, y, *, config: FitConfig = FitConfig(), net: GenreNetConfig = SMALL,
                device="cpu", progress: bool = False):
    """Train a network on clips' arrays.

    Parameters
    ----------
    arrays : list of np.ndarray [shape=(140, t_i)]
        Fused arrays (CNN) or beat-synchronous arrays (LSTM), one per clip.
    y : np.ndarray
        Class labels ``(n_clips,)`` (str or int) or targets ``(n_clips, n_targets)``.
    config : FitConfig
    net : GenreNetConfig
    device : str or torch.device

    Returns
    -------
    dict
        ``model`` (eval mode), ``scaler``, ``classes`` or ``target_mean``/
        ``target_scale``, ``config``, ``losses`` (mean loss per epoch).
    """
    from tqdm.auto import tqdm

    torch.manual_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    y = np.asarray(y)
    kind = "targets" if y.ndim == 2 else "classes"
    scaler = RowScaler().fit(arrays)
    arrays = [scaler.transform(a) for a in arrays]
    state = {"scaler": scaler, "config": config, "kind": kind}
    if kind == "classes":
        classes, codes = np.unique(y, return_inverse=True)
        state["classes"] = classes
        target = torch.as_tensor(codes, dtype=torch.int64)
        loss_fn, n_out = nn.CrossEntropyLoss(), len(classes)
    else:
        mean, scale = y.mean(axis=0), np.maximum(y.std(axis=0), 1e-9)
        state["target_mean"], state["target_scale"] = mean, scale
        target = torch.as_tensor((y - mean) / scale, dtype=torch.float32)
        loss_fn, n_out = nn.MSELoss(), y.shape[1]
    model = _model(config, n_out, kind, net).to(device)
    optimiser = torch.optim.Adam(model.parameters(), lr=config.lr)
    losses = []
    for _ in tqdm(range(config.epochs), desc=f"{config.network} epochs", disable=not progress):
        model.train()
        if config.network == "cnn":
            X, index = crop_windows(arrays, config.n_frames, config.crops_per_clip, rng)
        else:
            index = np.arange(len(arrays))
        order = rng.permutation(len(index))
        total = 0.0
        for b in range(0, len(order), config.batch_size):
            sel = order[b:b + config.batch_size]
            if len(sel) < 2:
                continue  # BatchNorm needs two samples
            out = _forward(model, config, arrays, X if config.network == "cnn" else None,
                           index[sel], sel, device)
            loss = loss_fn(out, target[index[sel]].to(device))
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            total += float(loss.detach()) * len(sel)
        losses.append(total / len(order))
    model.eval()
    state.update(model=model, losses=losses)
    return state


def _forward(model, config, arrays, X, clip_index, rows, device):
    if config.network == "cnn":
        return model(torch.from_numpy(X[rows]).to(device))
    x, lengths = pad_sequences([arrays[i] for i in clip_index], max_len=config.max_beats)
    return model(x.to(device), lengths)


@torch.no_grad()
def predict_network(state: dict, arrays, *, device="cpu", batch_size: int = 64) -> dict:
    """Predictions of a trained network for clips' arrays.

    Returns
    -------
    dict
        CNN: ``window_clip`` (clip index of each window) and ``window_pred``
        / ``window_proba`` (classes) or ``window_targets``; every network:
        ``clip_pred`` / ``clip_proba`` (classes, mean window probability)
        or ``clip_targets`` (mean of the windows' outputs).
    """
    model, config = state["model"], state["config"]
    arrays = [state["scaler"].transform(a) for a in arrays]
    if config.network == "cnn":
        X, index = eval_windows(arrays, config.n_frames)
    else:
        X, index = None, np.arange(len(arrays))
    outs = []
    for b in range(0, len(index), batch_size):
        rows = np.arange(b, min(len(index), b + batch_size))
        outs.append(_forward(model, config, arrays, X, index[rows], rows, device).float().cpu())
    raw = torch.cat(outs).numpy()
    n_clips = len(arrays)
    counts = np.bincount(index, minlength=n_clips)[:, None]
    result = {"window_clip": index}
    if state["kind"] == "classes":
        proba = torch.softmax(torch.from_numpy(raw), dim=1).numpy()
        clip_proba = np.zeros((n_clips, proba.shape[1]))
        np.add.at(clip_proba, index, proba)
        clip_proba /= counts
        classes = state["classes"]
        result.update(window_proba=proba, window_pred=classes[proba.argmax(1)],
                      clip_proba=clip_proba, clip_pred=classes[clip_proba.argmax(1)],
                      classes=classes)
    else:
        values = raw * state["target_scale"] + state["target_mean"]
        clip_values = np.zeros((n_clips, values.shape[1]))
        np.add.at(clip_values, index, values)
        result.update(window_targets=values, clip_targets=clip_values / counts)
    return result
