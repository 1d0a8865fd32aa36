"""``python -m baselines.cnn --task chords``: the chord network's run.

Trains :class:`~baselines.cnn.chord_model.ChordCNN` on log-CQT patches of
the training tracks (``--dataset``: a lab-kind dataset, the embedded chord
corpus by default), scores every frame of the test tracks after each epoch
with the classical models' code (the same smoothing, the chords task's
``evaluate``), and writes
``RESULTS/<run>/{points.csv, curve.png, run.json}`` through
:mod:`baselines.records`.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch

from .. import records
from ..chord_models import SMOOTHING, smooth
from ..curves import Curve, plot_learning_curves
from ..frame_curve import suffixed_keys
from ..metrics_chords import CHORD_METRIC_KEYS
from ..runs import peak_memory_mb
from .chord_model import CHORD_PRESETS, ChordNetworkConfig
from .chord_train import ChordTrainConfig, chord_probabilities, train_chord_cnn
from .run import _versions
from .device import device_name, resolve_device

__all__ = ["build_parser", "main", "open_chord_items"]

HEADLINE = "chord_majmin_wcsr"


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m baselines.cnn --task chords",
        description="Train the chord study's network on log-CQT patches and score every "
                    "frame of the test tracks with mir_eval (majmin WCSR).")
    p.add_argument("--task", choices=("chords",), default="chords", help="(default: chords)")
    p.add_argument("--preset", choices=("auto", "study", "small"), default="auto",
                   help="network widths: 'study' (32-32-64-64-128-128), 'small' (a quarter); "
                   "'auto': study on CUDA, small on the CPU (default: auto)")
    p.add_argument("--dataset", default="chords",
                   help="a lab-kind dataset: chords (the embedded chord corpus), chords-small, "
                   "isophonics (with --root) (default: chords)")
    p.add_argument("--root", default=None,
                   help="the dataset's folder (default: its embedded default)")
    p.add_argument("--context", type=int, default=7,
                   help="frames of context on each side (default: 7, 15-frame patches)")
    p.add_argument("--epochs", type=int, default=20, help="epochs (default: 20)")
    p.add_argument("--frames-per-track", type=int, default=400,
                   help="fresh training frames per track per epoch (default: 400)")
    p.add_argument("--batch-size", type=int, default=256, help="(default: 256)")
    p.add_argument("--learning-rate", type=float, default=1e-3, help="Adam (default: 0.001)")
    p.add_argument("--no-transpose", action="store_true",
                   help="no random transposition of training patches (default: transposed)")
    p.add_argument("--device", default="auto", help="auto, cpu, cuda (default: auto)")
    p.add_argument("--seed", type=int, default=0, help="split and weights seed (default: 0)")
    p.add_argument("--results", default="results", help="folder for run files (default: results)")
    p.add_argument("--run-name", default=None,
                   help="run folder (default: cnn-<preset>-chords-<corpus>)")
    p.add_argument("--no-progress", action="store_true", help="hide progress bars (default: shown)")
    return p


def open_chord_items(*, dataset="chords", root=None, seed=0, context=7, progress=True):
    """``(task, data, extractor, train_items, test_items)`` on log-CQT frames."""
    from features.context import FrameContext

    from ..data.registry import get_dataset
    from ..datasets import load_dataset
    from ..tasks import get_task

    task = get_task("chords")
    task.check_dataset_kind(get_dataset(dataset).kind, dataset)
    data = load_dataset(dataset, root=root, seed=seed, progress=progress)
    extractor = FrameContext(kind="logcqt", context=context)
    train = data.frame_items(data.train, extractor, progress=progress)
    test = data.frame_items(data.test, extractor, progress=progress)
    return task, data, extractor, train, test


def _score(model, items, device, smoothing, task, labels, details=False):
    """The task's scores of every test frame (and its details if asked)."""
    y_true, y_pred, groups = [], [], []
    for it in items:
        y_pred.append(smooth(chord_probabilities(model, it, device=device), method=smoothing))
        y_true.append(it.targets)
        groups.append(np.full(it.n_frames, it.track.id, dtype=object))
    y_true, y_pred, groups = map(np.concatenate, (y_true, y_pred, groups))
    metrics = task.evaluate(y_true, y_pred, groups=groups, labels=labels)
    return metrics, (task.details(y_true, y_pred, groups=groups, labels=labels) if details else None)


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    wall = time.perf_counter()
    device = resolve_device(args.device)
    preset = args.preset if args.preset != "auto" else ("study" if device.type == "cuda" else "small")
    progress = not args.no_progress
    task, data, extractor, train, test = open_chord_items(
        dataset=args.dataset, root=args.root, seed=args.seed, context=args.context,
        progress=progress)
    corpus = args.dataset
    labels = {**task.labels(data), "hop_seconds": extractor.hop_length / extractor.sr}
    n_bins = extractor.n_octaves * extractor.bins_per_octave
    base = CHORD_PRESETS[preset]
    network = ChordNetworkConfig(n_bins=n_bins, context=args.context, channels=base.channels,
                                 pool=base.pool)
    config = ChordTrainConfig(epochs=args.epochs, frames_per_track=args.frames_per_track,
                              batch_size=args.batch_size, learning_rate=args.learning_rate,
                              transpose=not args.no_transpose,
                              bins_per_semitone=extractor.bins_per_octave // 12, seed=args.seed)
    model_name = f"cnn-{preset}"
    run_name = args.run_name or f"{model_name}-chords-{corpus}"
    folder = Path(args.results) / run_name
    points, fit_seconds = [], [0.0]
    seen = [0]

    def on_epoch(epoch, model, seconds):
        fit_seconds[0] += seconds
        seen[0] += config.frames_per_track * len(train)
        metrics, _ = _score(model, test, device, "none", task, labels)
        points.append({"model": model_name, "task": "chords", "features": "logcqt",
                       "train_windows": seen[0], "epoch": epoch + 1, "seed": args.seed,
                       "split": "validation", "fit_seconds": fit_seconds[0], **metrics})
        records.write_points_csv(points, folder / "points.csv")
        if progress:
            print(f"epoch {epoch + 1}: majmin WCSR {metrics[HEADLINE]:.4f}", file=sys.stderr)

    model = train_chord_cnn(train, network=network, config=config, device=device,
                            progress=progress, on_epoch=on_epoch)
    start = time.perf_counter()
    rows, detail = {}, {"seed": args.seed}
    for smoothing in SMOOTHING:
        metrics, details = _score(model, test, device, smoothing, task, labels,
                                  details=smoothing == "none")
        if smoothing == "none":
            predict_seconds = time.perf_counter() - start
            n_frames = sum(it.n_frames for it in test)
            rows.update(metrics)
            detail.update(details or {})
        else:
            rows.update(suffixed_keys(metrics, smoothing))
    frame = records.write_points_csv(points, folder / "points.csv")
    plot_learning_curves([Curve(model_name, frame)], folder / "curve.png", metric=HEADLINE,
                         title=f"{model_name} / logcqt, chords, {corpus}, seed {args.seed}")
    parameters = sum(p.numel() for p in model.parameters())
    record = {
        "command": "cnn",
        "argv": list(sys.argv[1:] if argv is None else argv),
        "args": {**vars(args), "preset": preset},
        "model": model_name, "features": "logcqt", "task": "chords", "corpus_name": corpus,
        "dataset": data.describe(),
        "seed": args.seed, "seeds": [args.seed], "versions": _versions(),
        "dataset_fingerprint": data.fingerprint, "finished": True,
        "wall_seconds": time.perf_counter() - wall, "peak_memory_mb": peak_memory_mb(),
        "fit_seconds": fit_seconds[0],
        "predict_seconds_per_1000": 1000 * predict_seconds / max(1, n_frames),
        "train_windows": seen[0], "headline_metric": HEADLINE, "metrics": rows, "detail": detail,
        "device": {"device": device.type, "device_name": device_name(device),
                   "mixed_precision": None,
                   "windows_per_second": seen[0] / fit_seconds[0] if fit_seconds[0] else None,
                   "steps": -(-config.frames_per_track * len(train) // config.batch_size) * config.epochs,
                   "parameters": parameters},
        "config": {"network": network.to_dict(), "train_config": config.to_dict(),
                   "front_end": {"features": "FrameContext(kind='logcqt')",
                                 "sr": extractor.sr, "hop_length": extractor.hop_length,
                                 "fmin": extractor.fmin, "n_octaves": extractor.n_octaves,
                                 "bins_per_octave": extractor.bins_per_octave}},
    }
    records.write_run(folder, record)
    print(f"{run_name}: {device_name(device)}, {seen[0]} training frames; "
          + ", ".join(f"{k} {rows[k]:.4f}" for k in CHORD_METRIC_KEYS) + f"; wrote {folder}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
