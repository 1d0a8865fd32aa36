"""The CNN command's work: data, training, and the run files.

Run files are the learning-curve command's (:mod:`baselines.records`):
``points.csv`` (one row per epoch: ``epoch, step, train_windows, seconds,
train_loss`` and the metric keys), ``curve.png`` (the task's headline metric
versus windows fitted on, :mod:`baselines.curves`) and ``run.json``, with
the device, throughput and network size in its ``device`` block.
"""

from __future__ import annotations

import sys
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch

from baselines import records
from baselines.cnn.frontend import HOP_LENGTH, SR
from baselines.cnn.model import PRESETS
from baselines.cnn.device import resolve_device
from baselines.cnn.train import TrainConfig, build_data, train
from baselines.curves import Curve, plot_learning_curves
from baselines.tasks import get_task
from baselines.runs import package_versions, peak_memory_mb

#: ``train``'s timing keys that go to the record's ``device`` block (as named
#: there), the rest of the block being the throughput details.
DEVICE_KEYS = {"device": "device", "device_name": "device_name",
               "autocast_dtype": "mixed_precision",
               "windows_per_second": "windows_per_second", "steps": "steps",
               "parameters": "parameters",
               "audio_windows_per_second": "audio_windows_per_second",
               "gpu_peak_memory_mb": "gpu_peak_memory_mb",
               "audio_bank_mb": "audio_bank_mb",
               "audio_bank_on_device": "audio_bank_on_device"}


def _versions() -> dict:
    return {**package_versions(), "torch": torch.__version__,
            "cuda": torch.version.cuda}


def features_name(preset: str) -> str:
    """The input, named after the features registry's image it is built from.

    ``spectrogram-128`` is :func:`features.registry.make_extractor`'s study
    image (128 x 312); ``-stack4``: four windows of a recording as channels;
    ``-pool2``: average-pooled 2 x 2 (64 x 156).
    """
    config = PRESETS[preset]
    name = "spectrogram-128"
    if config.n_windows > 1:
        name += f"-stack{config.n_windows}"
    if config.downsample > 1:
        name += f"-pool{config.downsample}"
    return name


def write_points(points, path: Path, **columns):
    """points.csv in the learning-curve layout, one row per epoch."""
    return records.write_points_csv([{**columns, **p} for p in points], path)


def run_command(args, argv=None) -> int:
    """Train and evaluate as ``args`` (from ``python -m baselines.cnn``) say."""
    from baselines.datasets import load_dataset

    wall_start = time.perf_counter()
    device = resolve_device(args.device)
    preset = args.preset
    if preset == "auto":
        preset = "study" if device.type == "cuda" else "small"
    config = TrainConfig(
        task=args.task, preset=preset, epochs=args.epochs,
        windows_per_epoch=args.windows_per_epoch, batch_size=args.batch_size,
        learning_rate=args.learning_rate, max_steps=args.max_steps,
        seed=args.seed, device=str(device), amp=not args.no_amp)
    config.validate()
    progress = not args.no_progress
    dataset = load_dataset(
        args.dataset, root=args.root, seed=args.seed, progress=progress,
        min_composer_recordings=args.min_composer_recordings,
        min_instrument_recordings=args.min_instrument_recordings)
    n_eval = args.eval_windows
    if n_eval < 1:
        raise ValueError(f"--eval-windows {n_eval} must be a positive integer")
    # The held-out windows of the SGD models on the study's spectrograms:
    # same seed, same start grid (one STFT hop at 8 kHz).
    eval_windows = dataset.evaluation_windows(n_per_recording=n_eval,
                                              grid=HOP_LENGTH / SR,
                                              random_state=args.eval_seed)
    data = build_data(
        dataset.train, eval_windows, composers=dataset.composers,
        programs=dataset.programs, eval_recordings=dataset.test,
        windows_per_epoch=config.windows_per_epoch, seed=config.seed,
        device=device, progress=progress, fingerprint=dataset.fingerprint,
        length=dataset.length)
    model_name = f"cnn-{preset}"
    run_name = args.run_name or f"{model_name}-{args.task}-{args.dataset}"
    folder = Path(args.results) / run_name
    folder.mkdir(parents=True, exist_ok=True)
    checkpoint_path = folder / "checkpoint.pt"
    state = None
    if args.resume and checkpoint_path.exists():
        state = torch.load(checkpoint_path, map_location=device, weights_only=False)
        # Only how long to train may change when resuming.
        free = ("epochs", "max_steps")
        old = {k: v for k, v in state.get("config", {}).items() if k not in free}
        new = {k: v for k, v in asdict(config).items() if k not in free}
        if old != new:
            raise ValueError(f"{checkpoint_path} was written with other settings: "
                             f"{old}, not {new}")
        print(f"resuming {run_name} after epoch {state['epoch'] + 1}", file=sys.stderr)

    title = (f"{model_name} / {features_name(preset)}, task {args.task}, "
             f"{args.dataset} corpus, seed {args.seed}")

    columns = {"model": model_name, "task": args.task,
               "features": features_name(preset)}

    def on_epoch(epoch, point, metrics, checkpoint):
        torch.save(checkpoint, checkpoint_path)
        write_points(checkpoint["points"], folder / "points.csv", **columns)

    result = train(config, data, progress=progress, on_epoch=on_epoch, state=state)
    points, metrics, timing = result["points"], result["metrics"], result["timing"]
    points_frame = write_points(points, folder / "points.csv", **columns)
    headline = get_task(args.task).headline_metric
    plot_learning_curves([Curve(model_name, points_frame)], folder / "curve.png",
                         metric=headline, title=title)
    flat, detail = records.split_metrics(metrics)
    detail["seed"] = args.seed
    predictions = result.get("predictions") or {}
    if args.task == "composer" and "proba" in predictions:
        # The held-out answers, so the report can pair the CNN with a
        # classical model scored on the same windows.
        from baselines.curve_cv import prediction_block

        group_of = {r.id: r.group for r in dataset.test}
        block = prediction_block(
            eval_windows, [group_of[int(i)] for i in eval_windows.recording_ids],
            predictions["y"], predictions["proba"].argmax(1))
        if block is not None:
            detail["predictions"] = block
    flat.update(_headline_interval(args, dataset, eval_windows, predictions, headline))
    device_block = {DEVICE_KEYS[k]: v for k, v in timing.items() if k in DEVICE_KEYS}
    record = {
        "command": "cnn",
        "argv": list(sys.argv[1:] if argv is None else argv),
        "args": {**vars(args), "preset": preset},
        "model": model_name,
        "features": features_name(preset),
        "task": args.task,
        "corpus_name": args.dataset,
        "dataset": {"root": str(dataset.root),
                    "train_recordings": [r.id for r in dataset.train],
                    "test_recordings": [r.id for r in dataset.test],
                    "composers": list(dataset.composers),
                    "instruments": dataset.instrument_names,
                    "evaluation_windows": len(eval_windows)},
        "seed": args.seed,
        "seeds": [args.seed],
        "versions": _versions(),
        "dataset_fingerprint": dataset.fingerprint,
        "finished": True,
        "wall_seconds": time.perf_counter() - wall_start,
        "peak_memory_mb": peak_memory_mb(),
        "fit_seconds": timing["fit_seconds"],
        "predict_seconds_per_1000": timing["predict_seconds_per_1000"],
        "train_windows": timing["train_windows"],
        "headline_metric": headline,
        "metrics": flat,
        "detail": detail,
        "device": device_block,
        "config": {"network": PRESETS[preset].to_dict(),
                   "train_config": asdict(config),
                   "front_end": {"sr": SR, "n_fft": 256, "hop_length": HOP_LENGTH,
                                 "image": "log(|STFT| + 1e-6), cropped to 128 x 312",
                                 "downsample": PRESETS[preset].downsample}},
    }
    records.write_run(folder, record)
    shown = {k: metrics[k] for k in ("composer_accuracy", "instrument_exact_match",
                                      "joint_exact_match", "recording_accuracy")
             if k in metrics}
    print(f"{run_name}: {timing['device']} ({timing['device_name']}), "
          f"{timing['train_windows']} training windows, "
          f"{timing['windows_per_second']:.1f} windows/s; "
          + ", ".join(f"{k} {v:.4f}" for k, v in shown.items())
          + f"; wrote {folder}")
    return 0


def _headline_interval(args, dataset, eval_windows, predictions, headline) -> dict:
    """The headline metric's 95 % interval over test works (the classical
    runs' bootstrap, :func:`baselines.curve_cv.interval_metrics`) and their
    count.  Only the headline: the CNN's recording accuracy is a soft vote,
    which the hard-vote item scores of the interval would not match."""
    from baselines.curve_cv import interval_metrics
    from baselines.tasks.musicnet import encode_targets

    composer_true = predictions.get("y")
    composer_pred = predictions["proba"].argmax(1) if "proba" in predictions else None
    Y_true = predictions.get("Y")
    Y_pred = ((predictions["instrument_scores"] >= 0.5).astype(np.int64)
              if "instrument_scores" in predictions else None)
    try:
        y_true = encode_targets(args.task, composer_true, Y_true)
        y_pred = encode_targets(args.task, composer_pred, Y_pred)
    except (TypeError, ValueError):
        return {}  # predictions of another shape (an older trainer): no interval
    task = get_task(args.task)
    group_of = {r.id: r.group for r in dataset.test}
    ids = [int(i) for i in eval_windows.recording_ids]
    return interval_metrics(task, task.labels(dataset), y_true, y_pred,
                            np.asarray([str(i) for i in ids]),
                            np.asarray([str(group_of[i]) for i in ids]),
                            random_state=args.seed, keys=(headline,))
