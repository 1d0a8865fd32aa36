"""Training and evaluation of the CNN references, vectorised end to end.

The same data path as the SGD models: training windows come from the
streaming sampler (``StreamingSampler.epoch_windows(epoch)``: fresh,
composer-balanced windows of the *training* recordings), evaluation uses the
same held-out windows and the same metrics code (``baselines.metrics``).

A sample is a *stack* of ``n_windows`` windows of one recording: the
sampled window first, then ``n_windows - 1`` companion windows drawn (seeded)
among the windows of the same recording in the same set (the epoch's
windows for training, the held-out windows for evaluation; with
replacement when the recording has too few).  Its labels: the recording's
composer, and the union of the instruments of its windows.  With one window
per stack (the small variant) the labels are exactly the classical models'.

Audio is resampled once per recording to 8 kHz and kept in one flat
float32 tensor (:class:`~baselines.cnn.frontend.AudioBank`, on the GPU
when it fits); windows are cut by a gather and turned into log spectrograms
with ``torch.stft`` on the device, a batch at a time.  On CUDA: autocast
(bfloat16 where supported, else float16 with a gradient scaler), pinned
host memory and non-blocking copies.
"""

from __future__ import annotations

import resource
import time
from dataclasses import asdict, dataclass, field

import numpy as np
import torch
from torch import nn

from baselines.cnn.device import autocast_dtype, device_name, resolve_device, sync
from baselines.cnn.frontend import (HOP_LENGTH, N_FFT, SR, AudioBank,
                                    log_spectrogram, window_samples)
from baselines.cnn.model import PRESETS, TASKS, MusicNetCNN
from baselines.cnn.stacks import stack_indices, stack_targets


@dataclass
class TrainConfig:
    """What a CNN run does.

    Parameters
    ----------
    task : {"composer", "instruments", "joint"}
    preset : {"study", "small"}
        Network and input size (:data:`baselines.cnn.model.PRESETS`).
    epochs : int
        Epochs of fresh windows from the streaming sampler.
    windows_per_epoch : int or None
        Training samples per epoch (the sampler's balanced cap times the
        composers); None: the sampler's default (85 per composer, the study's).
    batch_size : int
    learning_rate : float
        Adam's step size; betas are the study's (0.5, 0.999).
    max_steps : int or None
        Stop after this many optimiser steps in all (tests, smoke runs).
    eval_batch_size : int
    seed : int
    device : str
        ``"auto"`` (CUDA when available, else CPU), ``"cpu"``, ``"cuda"``,
        ``"cuda:1"`` ...
    amp : bool
        Mixed precision on CUDA (ignored on CPU).
    """

    task: str = "joint"
    preset: str = "small"
    epochs: int = 10
    windows_per_epoch: int | None = None
    batch_size: int = 32
    learning_rate: float = 1e-3
    max_steps: int | None = None
    eval_batch_size: int = 128
    seed: int = 0
    device: str = "auto"
    amp: bool = True

    def validate(self):
        if self.task not in TASKS:
            raise ValueError(f"task={self.task!r} must be one of {TASKS}")
        if self.preset not in PRESETS:
            raise ValueError(f"preset={self.preset!r} must be one of {sorted(PRESETS)}")
        for name in ("epochs", "batch_size", "eval_batch_size"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"{name}={value!r} must be a positive integer")
        if self.max_steps is not None and self.max_steps < 1:
            raise ValueError(f"max_steps={self.max_steps!r} must be positive or None")
        if not self.learning_rate > 0:
            raise ValueError(f"learning_rate={self.learning_rate!r} must be positive")


# ---------------------------------------------------------------- data

@dataclass
class CNNData:
    """What training needs from the data layer."""

    sampler: object  # has epoch_windows(epoch) -> Windows
    eval_windows: object  # Windows of the held-out recordings
    composers: tuple
    programs: tuple
    bank: AudioBank
    fingerprint: str = ""
    description: dict = field(default_factory=dict)


def load_audio(recordings, *, sr: int = SR, progress: bool = False) -> dict:
    """Recording id -> mono float32 audio at ``sr`` (resampled once)."""
    items = list(recordings)
    if progress:
        from tqdm.auto import tqdm

        items = tqdm(items, desc=f"audio at {sr} Hz", leave=False)
    return {int(r.id): np.ascontiguousarray(r.audio(sr=sr), dtype=np.float32)
            for r in items}


def build_data(train_recordings, eval_windows, *, composers, programs,
               eval_recordings, windows_per_epoch=None, seed=0,
               device="cpu", progress=False, fingerprint="", description=None,
               length=5.0) -> CNNData:
    """Wire the streaming sampler, the held-out windows and the audio bank."""
    from baselines.streaming import StreamingSampler

    sampler = StreamingSampler(
        train_recordings, None, composers=composers, programs=programs,
        windows_per_epoch=windows_per_epoch, length=length,
        grid=HOP_LENGTH / SR, random_state=seed,
    )
    used = {int(i) for i in np.unique(eval_windows.recording_ids)}
    recordings = list(train_recordings) + [r for r in eval_recordings
                                           if int(r.id) in used]
    audio = load_audio(recordings, progress=progress)
    bank = AudioBank(audio, n_samples=window_samples(length), device=device)
    return CNNData(sampler=sampler, eval_windows=eval_windows,
                   composers=tuple(composers), programs=tuple(programs),
                   bank=bank, fingerprint=fingerprint,
                   description=dict(description or {}))


# ---------------------------------------------------------------- training

def batch_images(model_config, bank, windows, stacks, index):
    """Log spectrogram stacks ``(len(index), n_windows, bins, frames)`` of the
    samples ``index`` (rows of ``stacks``), cut from ``bank`` on its device."""
    rows = bank.rows(windows.recording_ids[stacks[index]].ravel()).reshape(
        len(index), -1)
    starts = windows.starts[stacks[index]]
    audio = bank.cut(rows, starts)
    return log_spectrogram(audio, n_fft=N_FFT, hop_length=HOP_LENGTH,
                           n_bins=128, n_frames=312,
                           downsample=model_config.downsample)


def _loss(outputs, y, Y):
    loss = 0.0
    if "composer" in outputs:
        loss = loss + nn.functional.cross_entropy(outputs["composer"].float(), y)
    if "instruments" in outputs:
        loss = loss + nn.functional.binary_cross_entropy_with_logits(
            outputs["instruments"].float(), Y)
    return loss


def batch_targets(y_all, Y_all, index, device):
    """The targets of a batch on ``device`` (pinned, non-blocking on CUDA)."""
    y = torch.from_numpy(y_all[index])
    Y = torch.from_numpy(Y_all[index])
    if device.type == "cuda":
        y = y.pin_memory().to(device, non_blocking=True)
        Y = Y.pin_memory().to(device, non_blocking=True)
    return y, Y


def train_step(model, optimizer, scaler, images, y, Y, dtype) -> torch.Tensor:
    """One optimiser step; returns the loss, detached and left on the device
    (reading it here would make the host wait for the step)."""
    with torch.autocast(device_type=images.device.type, dtype=dtype,
                        enabled=dtype is not None):
        loss = _loss(model(images), y, Y)
    optimizer.zero_grad(set_to_none=True)
    scaler.scale(loss).backward()
    scaler.step(optimizer)
    scaler.update()
    return loss.detach()


def predict(model, data: CNNData, *, batch_size=128, seed=0, device=None):
    """Scores of the held-out windows (one stack per window).

    Returns
    -------
    dict with ``proba`` (n, n_composers) and/or ``instrument_scores``
    (n, n_programs) as numpy arrays, ``y``/``Y`` the stack targets and
    ``seconds`` spent.
    """
    device = device or next(model.parameters()).device
    windows = data.eval_windows
    stacks = stack_indices(windows.recording_ids, model.config.n_windows,
                           np.random.default_rng([seed, 1]))
    y, Y = stack_targets(windows, stacks, data.composers)
    dtype = autocast_dtype(device)
    model.eval()
    probas, scores = [], []
    sync(device)
    start = time.perf_counter()
    with torch.inference_mode(), torch.autocast(
            device_type=device.type, dtype=dtype, enabled=dtype is not None):
        for lo in range(0, len(windows), batch_size):
            index = np.arange(lo, min(lo + batch_size, len(windows)))
            out = model(batch_images(model.config, data.bank, windows, stacks, index))
            # Kept on the device: one copy to the host at the end, not a
            # host sync per batch.
            if "composer" in out:
                probas.append(torch.softmax(out["composer"].float(), 1))
            if "instruments" in out:
                scores.append(torch.sigmoid(out["instruments"].float()))
    result = {"y": y, "Y": Y.astype(np.uint8)}
    if probas:
        result["proba"] = torch.cat(probas).cpu().numpy()
    if scores:
        result["instrument_scores"] = torch.cat(scores).cpu().numpy()
    sync(device)
    result["seconds"] = time.perf_counter() - start
    return result


def evaluate_predictions(task, data: CNNData, predictions) -> dict:
    """Metrics through ``baselines.metrics.evaluate`` (the classical models' code)."""
    from baselines.data.ensembles import instrument_name
    from baselines.metrics import evaluate

    composers = np.asarray(data.composers, dtype=object)
    kwargs = {}
    if "proba" in predictions:
        proba = predictions["proba"]
        kwargs.update(y_true=composers[predictions["y"]],
                      y_pred=composers[proba.argmax(1)], proba=proba,
                      classes=composers,
                      recording_ids=data.eval_windows.recording_ids)
    names = [instrument_name(p) for p in data.programs]
    if "instrument_scores" in predictions:
        scores = predictions["instrument_scores"]
        Y_pred = (scores >= 0.5).astype(np.uint8)
        kwargs.update(Y_true=predictions["Y"], Y_pred=Y_pred, Y_score=scores,
                      instrument_names=names)
    return evaluate(task, **kwargs)


def train(config: TrainConfig, data: CNNData, *, progress=False,
          on_epoch=None, state=None):
    """Train ``config``'s network on ``data``, evaluating after each epoch.

    Parameters
    ----------
    config : TrainConfig
    data : CNNData
    progress : bool
        Show a tqdm bar over optimiser steps.
    on_epoch : callable, optional
        ``on_epoch(epoch, point, metrics, checkpoint)`` after each epoch's
        evaluation (the command writes run files and a checkpoint there).
    state : dict, optional
        A checkpoint from a previous ``on_epoch`` to resume from.

    Returns
    -------
    dict
        ``model``, ``points`` (one dict per epoch), ``metrics`` (last
        evaluation), ``timing`` (fit seconds, windows per second, ...).
    """
    config.validate()
    device = resolve_device(config.device)
    torch.manual_seed(config.seed)
    net_config = PRESETS[config.preset]
    model = MusicNetCNN(len(data.composers), len(data.programs), task=config.task,
                        config=net_config).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.learning_rate,
                                 betas=(0.5, 0.999))
    dtype = autocast_dtype(device) if config.amp else None
    scaler = torch.amp.GradScaler(device.type,
                                  enabled=dtype == torch.float16)
    points, step, seen, fit_seconds, first_epoch = [], 0, 0, 0.0, 0
    if state is not None:
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        scaler.load_state_dict(state["scaler"])
        points = list(state["points"])
        step, seen = state["step"], state["train_windows"]
        fit_seconds, first_epoch = state["fit_seconds"], state["epoch"] + 1
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
        torch.backends.cudnn.benchmark = True  # fixed input shapes
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(desc=f"cnn-{config.preset} {config.task}", unit="step",
                   total=config.max_steps, initial=step)
    metrics, predictions = {}, None
    for epoch in range(first_epoch, config.epochs):
        if config.max_steps is not None and step >= config.max_steps:
            break
        windows = data.sampler.epoch_windows(epoch)
        rng = np.random.default_rng([config.seed, epoch, 2])
        stacks = stack_indices(windows.recording_ids, net_config.n_windows, rng)
        y_all, Y_all = stack_targets(windows, stacks, data.composers)
        model.train()
        losses = []
        sync(device)
        start = time.perf_counter()
        for lo in range(0, len(windows), config.batch_size):
            if config.max_steps is not None and step >= config.max_steps:
                break
            index = np.arange(lo, min(lo + config.batch_size, len(windows)))
            images = batch_images(net_config, data.bank, windows, stacks, index)
            y, Y = batch_targets(y_all, Y_all, index, device)
            losses.append(train_step(model, optimizer, scaler, images, y, Y, dtype))
            step += 1
            seen += len(index)
            if bar is not None:
                bar.update(1)
        sync(device)
        fit_seconds += time.perf_counter() - start
        train_loss = float(torch.stack(losses).mean()) if losses else float("nan")
        predictions = predict(model, data, batch_size=config.eval_batch_size,
                              seed=config.seed, device=device)
        metrics = evaluate_predictions(config.task, data, predictions)
        # The learning-curve command's point columns: train_windows is the
        # epoch's size and epoch counts from 1; windows_seen accumulates.
        point = {"train_windows": len(windows), "epoch": epoch + 1,
                 "seed": config.seed, "split": "validation", "step": step,
                 "windows_seen": seen, "seconds": fit_seconds,
                 # the learning-curve command's name for the same figure
                 "fit_seconds": fit_seconds,
                 "train_loss": train_loss}
        point.update({k: v for k, v in metrics.items()
                      if isinstance(v, float)})
        points.append(point)
        if bar is not None:
            bar.set_postfix(loss=f"{train_loss:.3f}")
        if on_epoch is not None:
            on_epoch(epoch, point, metrics, {
                "model": model.state_dict(), "optimizer": optimizer.state_dict(),
                "scaler": scaler.state_dict(), "points": points, "step": step,
                "train_windows": seen, "fit_seconds": fit_seconds,
                "epoch": epoch, "config": asdict(config)})
    if bar is not None:
        bar.close()
    if predictions is None:  # resumed after the last epoch: evaluate again
        predictions = predict(model, data, batch_size=config.eval_batch_size,
                              seed=config.seed, device=device)
        metrics = evaluate_predictions(config.task, data, predictions)
    n_eval = len(data.eval_windows)
    timing = {
        "fit_seconds": fit_seconds,
        "train_windows": seen,
        "steps": step,
        "windows_per_second": seen / fit_seconds if fit_seconds > 0 else None,
        "audio_windows_per_second": (seen * net_config.n_windows / fit_seconds
                                     if fit_seconds > 0 else None),
        "predict_seconds_per_1000": predictions["seconds"] / n_eval * 1000,
        "eval_windows": n_eval,
        "peak_memory_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "gpu_peak_memory_mb": (torch.cuda.max_memory_allocated(device) / 2**20
                               if device.type == "cuda" else None),
        "device": device.type,
        "device_name": device_name(device),
        "autocast_dtype": str(dtype).replace("torch.", "") if dtype else None,
        "audio_bank_mb": data.bank.nbytes / 2**20,
        "audio_bank_on_device": bool(data.bank.on_device),
        "parameters": int(sum(p.numel() for p in model.parameters())),
    }
    return {"model": model, "points": points, "metrics": metrics,
            "timing": timing, "predictions": predictions}
