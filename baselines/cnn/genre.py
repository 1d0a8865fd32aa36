"""``python -m baselines.cnn.genre``: the studies' CNN and LSTM on genre or affect.

Trains :class:`~baselines.cnn.genre_model.FusedCNN` (``--network cnn``, on
windows of fused 140 x T arrays, a clip's windows voting) or
:class:`~baselines.cnn.genre_model.BeatLSTM` (``--network lstm``, on whole
beat-synchronous sequences) on the training clips, scores the test clips,
and writes ``<results>/<run>/{run.json, points.csv}`` through
:mod:`baselines.records`.

Data: ``--dataset spectrograms`` reads a course-layout collection (default:
the embedded style corpus's arrays, ``styles`` for genre and
``styles_targets`` for affect); ``--dataset gtzan`` reads audio in GTZAN's
layout (default: the style corpus's wav files) and computes the same arrays
from it (:func:`features.fused.fused_image`).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from baselines.cnn import INSTALL_HINT, torch_available

TASKS = ("genre", "affect")
HEADLINE = {"genre": "genre_clip_accuracy", "affect": "affect_spearman_mean"}


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m baselines.cnn.genre",
        description="Train the course studies' CNN (fused 140 x T windows) or LSTM "
                    "(beat-synchronous sequences) for genre or affect and score the test clips.")
    p.add_argument("--task", choices=TASKS, default="genre", help="what to predict (default: genre)")
    p.add_argument("--network", choices=("cnn", "lstm"), default="cnn",
                   help="cnn on fused windows or lstm on beat sequences (default: cnn)")
    p.add_argument("--preset", choices=("auto", "small", "study"), default="auto",
                   help="network widths; auto: study on CUDA, small on the CPU (default: auto)")
    p.add_argument("--dataset", choices=("spectrograms", "gtzan"), default="spectrograms",
                   help="precomputed arrays or audio (default: spectrograms)")
    p.add_argument("--root", default=None,
                   help="dataset folder (default: the embedded style corpus)")
    p.add_argument("--collection", default=None,
                   help="course-layout collection (default: styles for genre, "
                        "styles_targets for affect)")
    p.add_argument("--mapping", default=None,
                   help="class mapping: a preset (study-20-to-10) or a file (default: none)")
    p.add_argument("--small-corpus", action="store_true",
                   help="use the small style corpus (tests; default: the full one)")
    p.add_argument("--epochs", type=int, default=30, help="training epochs (default: 30)")
    p.add_argument("--batch-size", type=int, default=32, help="batch size (default: 32)")
    p.add_argument("--learning-rate", type=float, default=1e-3, help="Adam's (default: 1e-3)")
    p.add_argument("--window-frames", type=int, default=216,
                   help="CNN window in frames, 5 s at 22,050 Hz (default: 216)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    p.add_argument("--device", default="auto", help="auto, cpu or cuda (default: auto)")
    p.add_argument("--results", default="results", help="results folder (default: results)")
    p.add_argument("--run-name", default=None,
                   help="run folder name (default: <model>-<task>-<corpus>)")
    p.add_argument("--no-progress", action="store_true", help="hide progress bars (default: shown)")
    return p


def _corpus(args):
    from baselines.data.style_corpus import style_corpus

    return style_corpus(small=args.small_corpus, n_jobs=1, progress=not args.no_progress)


def load_clips(args):
    """``(clips, arrays, corpus name, fingerprint, target names)`` for the run."""
    beat = args.network == "lstm"
    if args.dataset == "spectrograms":
        from baselines.data.spectrograms import SpectrogramCollection

        root = Path(args.root) if args.root else _corpus(args) / "spectrograms"
        collection = args.collection or ("styles" if args.task == "genre" else "styles_targets")
        data = SpectrogramCollection(root, collection, beat=beat, mapping=args.mapping)
        arrays = [c.array() for c in data.clips]
        name = collection if args.root else f"{collection}{'-small' if args.small_corpus else ''}"
        return data.clips, arrays, name, data.fingerprint(), data.target_names
    from baselines.data.gtzan import GTZAN
    from features.fused import beat_synchronous, fused_image

    root = Path(args.root) if args.root else _corpus(args)
    data = GTZAN(root, mapping=args.mapping, seed=args.seed, require_targets=args.task == "affect")
    arrays = []
    for clip in data.clips:
        image = fused_image(clip.audio(sr=22050))
        arrays.append(beat_synchronous(image) if beat else image)
    name = ("gtzan" if args.root else f"styles-audio{'-small' if args.small_corpus else ''}")
    return data.clips, arrays, name, data.fingerprint(), data.target_names


def score(task, clips, prediction, target_names) -> tuple[dict, dict]:
    """``(metrics, detail)`` of a network's test predictions."""
    from baselines.genre_metrics import evaluate_affect, evaluate_genre, per_class_table

    if task == "affect":
        Y = np.array([[c.targets[n] for n in target_names] for c in clips])
        return evaluate_affect(Y, prediction["clip_targets"], list(target_names)), {}
    index = prediction["window_clip"]
    y_true = np.array([clips[i].genre for i in index])
    ids = np.array([clips[i].id for i in index])
    metrics = evaluate_genre(y_true, prediction["window_pred"], ids,
                             proba=prediction["window_proba"], classes=prediction["classes"],
                             labels=prediction["classes"])
    metrics = {k: v for k, v in metrics.items() if not k.startswith(("genre_precision_",
                                                                       "genre_recall_",
                                                                       "genre_f1_"))}
    rows = per_class_table(y_true, prediction["window_pred"], labels=prediction["classes"])
    detail = {"genre": {"labels": [r["class"] for r in rows],
                        **{k: {r["class"]: r[k] for r in rows} for k in ("precision", "recall", "f1")}}}
    return metrics, detail


def run(args, argv=None) -> Path:
    """Train, score and write the run; returns the run folder."""
    import torch

    from baselines import records
    from baselines.cnn.genre_model import PRESETS
    from baselines.cnn.genre_train import FitConfig, fit_network, predict_network
    from baselines.cnn.train import device_name, resolve_device
    from baselines.runs import package_versions, peak_memory_mb

    wall = time.perf_counter()
    device = resolve_device(args.device)
    preset = args.preset if args.preset != "auto" else ("study" if device.type == "cuda" else "small")
    clips, arrays, corpus_name, fingerprint, target_names = load_clips(args)
    if args.task == "affect" and not target_names:
        raise SystemExit(f"{corpus_name}: no target columns, so no affect task")
    train = [i for i, c in enumerate(clips) if c.split in ("train", "valid")]
    test = [i for i, c in enumerate(clips) if c.split == "test"]
    if not train or not test:
        raise SystemExit(f"{corpus_name}: needs clips on both sides of the split "
                         f"({len(train)} train, {len(test)} test)")
    if args.task == "genre":
        y = np.array([clips[i].genre for i in train])
    else:
        y = np.array([[clips[i].targets[n] for n in target_names] for i in train])
    config = FitConfig(network=args.network, epochs=args.epochs, batch_size=args.batch_size,
                       lr=args.learning_rate, n_frames=args.window_frames, seed=args.seed)
    t0 = time.perf_counter()
    state = fit_network([arrays[i] for i in train], y, config=config, net=PRESETS[preset],
                        device=device, progress=not args.no_progress)
    fit_seconds = time.perf_counter() - t0
    t0 = time.perf_counter()
    prediction = predict_network(state, [arrays[i] for i in test], device=device)
    n_pred = len(prediction["window_clip"])
    predict_seconds = time.perf_counter() - t0
    metrics, detail = score(args.task, [clips[i] for i in test], prediction, target_names)
    metrics["n_test_clips"] = len(test)
    metrics["n_test_groups"] = len({clips[i].group for i in test})
    model = f"{'genre-cnn' if args.network == 'cnn' else 'beat-lstm'}-{preset}"
    features = "mel-chroma" if args.network == "cnn" else "mel-chroma-beat"
    folder = Path(args.results) / (args.run_name or f"{model}-{args.task}-{corpus_name}")
    train_units = len(train) * (config.crops_per_clip if args.network == "cnn" else 1)
    n_params = sum(p.numel() for p in state["model"].parameters())
    record = {
        "command": "python -m baselines.cnn.genre", "argv": list(argv or sys.argv[1:]),
        "model": model, "task": args.task, "features": features, "corpus_name": corpus_name,
        "args": vars(args), "seed": args.seed, "seeds": [args.seed],
        "versions": {**package_versions(), "torch": torch.__version__},
        "dataset_fingerprint": fingerprint,
        "dataset": {"root": args.root, "train_recordings": [clips[i].id for i in train],
                    "test_recordings": [clips[i].id for i in test]},
        "finished": True, "wall_seconds": time.perf_counter() - wall,
        "peak_memory_mb": peak_memory_mb(), "headline_metric": HEADLINE[args.task],
        "metrics": metrics, "detail": detail, "fit_seconds": fit_seconds,
        "predict_seconds_per_1000": predict_seconds / n_pred * 1000,
        "train_windows": train_units * args.epochs,
        "config": {"network": PRESETS[preset].to_dict(), "fit": config.to_dict()},
        "device": {"device": str(device), "device_name": device_name(device),
                   "mixed_precision": None,
                   "windows_per_second": train_units * args.epochs / max(fit_seconds, 1e-9),
                   "steps": args.epochs * -(-train_units // args.batch_size),
                   "parameters": int(n_params)},
    }
    records.write_run(folder, record)
    points = [{"model": model, "task": args.task, "features": features,
               "train_windows": train_units * (e + 1), "epoch": e + 1, "seed": args.seed,
               "split": "train", "train_loss": loss} for e, loss in enumerate(state["losses"])]
    points.append({"model": model, "task": args.task, "features": features,
                   "train_windows": train_units * args.epochs, "epoch": args.epochs,
                   "seed": args.seed, "split": "test", **metrics})
    records.write_points_csv(points, folder / "points.csv")
    return folder


def main(argv=None) -> int:
    """Command line entry point; returns the exit status."""
    args = build_parser().parse_args(argv)
    if not torch_available():
        print(INSTALL_HINT, file=sys.stderr)
        return 2
    folder = run(args, argv)
    from baselines import records

    record = records.read_run(folder).record
    print(folder)
    print(f"{record['model']} {record['task']} on {record['corpus_name']}: "
          f"{record['headline_metric']} = {record['metrics'][record['headline_metric']]:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
