"""One training step of the CNN references (issue 14: kept honest over time).

- :class:`StudyStepCUDA`: the study's network (``preset="study"``, both
  heads, batch 32, mixed precision), one optimiser step on spectrograms
  already on the GPU, and one step end to end (windows cut from an audio
  bank on the GPU, spectrograms there, the step): the same functions as
  ``python -m baselines.cnn`` (:func:`baselines.cnn.train.train_step`).
  Wall time with the device synchronised, since the work is on the GPU.
  Skipped, saying why, where torch sees no CUDA device.
- :class:`SmallStepCPU`: one step of the small preset on the CPU (CPU
  time, as the rest of the suite), so every machine has a CNN figure.
"""

from __future__ import annotations

import timeit

import numpy as np

from .common import Benchmark, require

NO_CUDA = ("no CUDA device: the study network's training step is measured "
           "on a GPU only (the small preset's CPU step is SmallStepCPU)")


def synthetic_epoch(net_config, *, n_samples, n_composers, n_programs,
                    n_recordings, recording_seconds, device, seed=0):
    """An audio bank of noise recordings and one epoch of stacked samples.

    Returns
    -------
    dict with ``bank`` (:class:`~baselines.cnn.frontend.AudioBank`),
    ``windows`` (:class:`~baselines.data.windows.Windows`), ``stacks``,
    ``y``, ``Y`` (the targets as :func:`~baselines.cnn.stacks.stack_targets`
    gives them).
    """
    from baselines.cnn.frontend import (HOP_LENGTH, SR, WINDOW_SECONDS, AudioBank,
                                        window_samples)
    from baselines.cnn.stacks import stack_indices, stack_targets
    from baselines.data.windows import Windows

    if recording_seconds <= WINDOW_SECONDS:
        raise ValueError(f"recording_seconds={recording_seconds} must exceed the "
                         f"{WINDOW_SECONDS} s window")
    rng = np.random.default_rng(seed)
    n_audio = int(recording_seconds * SR)
    audio = {i: (0.1 * rng.standard_normal(n_audio)).astype(np.float32)
             for i in range(n_recordings)}
    bank = AudioBank(audio, n_samples=window_samples(), device=device)
    ids = rng.integers(0, n_recordings, n_samples)
    # On the hop grid, as the sampler draws them.
    starts = rng.integers(0, int((recording_seconds - WINDOW_SECONDS) * SR / HOP_LENGTH),
                          n_samples) * HOP_LENGTH / SR
    composers = np.array([f"c{i % n_composers}" for i in range(n_recordings)],
                         dtype=object)
    instruments = (rng.random((n_recordings, n_programs)) < 0.3).astype(np.uint8)
    windows = Windows(recording_ids=ids, starts=starts, length=WINDOW_SECONDS,
                      composers=composers[ids], instruments=instruments[ids],
                      programs=tuple(range(n_programs)))
    stacks = stack_indices(ids, net_config.n_windows, rng)
    y, Y = stack_targets(windows, stacks, [f"c{i}" for i in range(n_composers)])
    return {"bank": bank, "windows": windows, "stacks": stacks, "y": y, "Y": Y}


def _step_fixture(preset, device, batch_size, *, bank_recordings=0):
    """Model, optimiser, a batch on ``device`` and (optionally) an epoch of
    windows over a noise audio bank for the end-to-end step."""
    torch = require("torch")
    from baselines.cnn.model import PRESETS, MusicNetCNN
    from baselines.cnn.device import autocast_dtype
    from baselines.cnn.train import batch_targets

    config = PRESETS[preset]
    torch.manual_seed(0)
    model = MusicNetCNN(10, 10, task="joint", config=config).to(device).train()
    fixture = {
        "torch": torch, "device": device, "config": config, "model": model,
        "optimizer": torch.optim.Adam(model.parameters(), lr=1e-3,
                                      betas=(0.5, 0.999)),
        "dtype": autocast_dtype(device),
        "images": torch.randn(batch_size, config.n_windows, config.n_bins,
                              config.n_frames, device=device),
    }
    fixture["scaler"] = torch.amp.GradScaler(
        device.type, enabled=fixture["dtype"] == torch.float16)
    rng = np.random.default_rng(0)
    y = rng.integers(0, 10, batch_size)
    Y = (rng.random((batch_size, 10)) < 0.3).astype(np.float32)
    fixture["y"], fixture["Y"] = batch_targets(y, Y, np.arange(batch_size), device)
    if bank_recordings:
        fixture["epoch"] = synthetic_epoch(
            config, n_samples=batch_size, n_composers=10, n_programs=10,
            n_recordings=bank_recordings, recording_seconds=30.0, device=device)
    return fixture


def _model_step(f):
    from baselines.cnn.train import train_step

    return train_step(f["model"], f["optimizer"], f["scaler"], f["images"],
                      f["y"], f["Y"], f["dtype"])


class StudyStepCUDA(Benchmark):
    """The study's network: one step on device inputs, one step end to end."""

    timer = timeit.default_timer
    param_names = ["batch_size"]
    params = [[32]]

    def setup(self, batch_size):
        torch = require("torch")
        if not torch.cuda.is_available():
            raise NotImplementedError(NO_CUDA)  # asv: skipped
        torch.backends.cudnn.benchmark = True
        self.f = _step_fixture("study", torch.device("cuda"), batch_size,
                               bank_recordings=16)
        for _ in range(3):  # cuDNN's algorithm search, allocator warm-up
            self.time_model_step(batch_size)
            self.time_end_to_end_step(batch_size)

    def time_model_step(self, batch_size):
        _model_step(self.f)
        self.f["torch"].cuda.synchronize()

    def time_end_to_end_step(self, batch_size):
        from baselines.cnn.train import batch_images, batch_targets, train_step

        f, epoch = self.f, self.f["epoch"]
        index = np.arange(batch_size)
        images = batch_images(f["config"], epoch["bank"], epoch["windows"],
                              epoch["stacks"], index)
        y, Y = batch_targets(epoch["y"], epoch["Y"], index, f["device"])
        train_step(f["model"], f["optimizer"], f["scaler"], images, y, Y, f["dtype"])
        f["torch"].cuda.synchronize()


class SmallStepCPU(Benchmark):
    """The small preset's step on the CPU (batch 8)."""

    param_names = ["batch_size"]
    params = [[8]]

    def setup(self, batch_size):
        torch = require("torch")
        self.f = _step_fixture("small", torch.device("cpu"), batch_size)
        self.time_train_step(batch_size)  # first-call allocations out of the timing

    def time_train_step(self, batch_size):
        _model_step(self.f)
