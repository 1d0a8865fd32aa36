"""``python -m baselines.cnn.genre``: the studies' CNN and LSTM on genre or affect.

Trains :class:`~baselines.cnn.genre_model.FusedCNN` (``--network cnn``, on
windows of fused 140 x T arrays, a clip's windows voting) or
:class:`~baselines.cnn.genre_model.BeatLSTM` (``--network lstm``, on whole
beat-synchronous sequences) on the training clips, scores the test clips,
and writes ``<results>/<run>/{run.json, points.csv}`` through
:mod:`baselines.records`.

Data: any genre dataset of :mod:`baselines.data.registry`, loaded as the
learning curve loads it (same split and fingerprint): by default the style
corpus's precomputed arrays (``spectrograms`` for genre,
``spectrograms-targets`` for affect); an audio dataset (``styles``,
``gtzan``, ``fma``) has its arrays computed from the audio
(:func:`features.fused.fused_image`).
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
    p.add_argument("--dataset", default=None,
                   help="a genre dataset of the registry (spectrograms, spectrograms-targets, "
                        "styles, gtzan, fma, ...); default: spectrograms for genre, "
                        "spectrograms-targets for affect (the style corpus's arrays)")
    p.add_argument("--root", default=None,
                   help="dataset folder (default: the dataset's embedded default)")
    p.add_argument("--mapping", default=None,
                   help="class mapping: a preset (study-20-to-10) or a file (default: none)")
    p.add_argument("--small-corpus", action="store_true",
                   help="use the small style corpus's dataset (tests; default: the full one)")
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


#: The dataset a task's networks read when ``--dataset`` is not given.
DEFAULT_DATASET = {"genre": "spectrograms", "affect": "spectrograms-targets"}


def dataset_name(args) -> str:
    """``--dataset``, or the task's default (its ``-small`` twin with ``--small-corpus``)."""
    name = args.dataset or DEFAULT_DATASET[args.task]
    if args.small_corpus and args.root is None and not name.endswith("-small"):
        name += "-small"
    return name


def load_clips(args):
    """``(clips, arrays, dataset name, fingerprint, target names)`` for the run.

    The dataset is loaded as the learning curve loads it (same split, same
    fingerprint), so its runs sit beside the classical models' in the report.
    Arrays: the precomputed ones (their ``_beat`` twins for the LSTM), or
    computed from the audio (:func:`features.fused.fused_image`).
    """
    from baselines.data.registry import get_dataset
    from baselines.datasets import load_dataset
    from baselines.tasks import get_task

    name = dataset_name(args)
    get_task(args.task).check_dataset_kind(get_dataset(name).kind, name)
    data = load_dataset(name, root=args.root, seed=args.seed, mapping=args.mapping,
                        progress=not args.no_progress, n_jobs=1)
    get_task(args.task).check_dataset(data)
    clips = tuple(data.train) + tuple(data.test)
    beat = args.network == "lstm"
    if data.kind == "spectrograms":
        arrays = [c.array() for c in clips]
        if beat:
            from baselines.data.spectrograms import SpectrogramCollection

            twins = {c.id: c for c in SpectrogramCollection(data.root.parent, data.root.name,
                                                            beat=True, mapping=args.mapping)}
            arrays = [twins[c.clip_id].array() for c in clips]
    else:
        from features.fused import beat_synchronous, fused_image

        arrays = []
        for clip in clips:
            image = fused_image(clip.audio(sr=22050))
            arrays.append(beat_synchronous(image) if beat else image)
    return clips, arrays, name, data.fingerprint, data.target_names


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


def headline_interval(task, clips, prediction, target_names, *, random_state=0) -> dict:
    """The headline's 95 % interval over the test clips' groups (pieces,
    artists), and their count: the classical runs' bootstrap
    (:mod:`baselines.protocol`), on the network's own predictions.

    Genre: the clip accuracy of the soft vote the headline uses (each clip
    right or wrong, group sums resampled, :func:`~baselines.protocol.score_interval`).
    Affect: the mean Spearman over targets recomputed on each resample of
    groups (:func:`~baselines.protocol.metric_interval`).
    """
    from baselines.genre_metrics import evaluate_affect
    from baselines.metrics import recording_predictions
    from baselines.protocol import metric_interval, score_interval

    key = HEADLINE[task]
    groups = np.array([c.group for c in clips], dtype=object)
    if task == "genre":
        index = np.asarray(prediction["window_clip"])
        ids, voted = recording_predictions(index, proba=prediction["window_proba"],
                                           classes=prediction["classes"])
        truth = np.array([clips[i].genre for i in ids], dtype=object)
        correct = (np.asarray(voted, dtype=object) == truth).astype(float)
        interval = score_interval(correct, groups[ids], random_state=random_state)
    else:
        Y = np.array([[c.targets[n] for n in target_names] for c in clips], dtype=float)
        P = np.asarray(prediction["clip_targets"], dtype=float)
        rows = np.arange(len(clips))

        def statistic(idx, _same):
            return evaluate_affect(Y[idx], P[idx], list(target_names))[key]

        interval = metric_interval(statistic, rows, rows, groups, random_state=random_state)
    if not np.isfinite(interval.estimate):
        return {}  # no interval around an undefined value (constant predictions)
    return {k: v for k, v in interval.as_dict(key).items() if k != key}


def run(args, argv=None) -> Path:
    """Train, score and write the run; returns the run folder."""
    import torch

    from baselines import records
    from baselines.cnn.genre_model import PRESETS
    from baselines.cnn.genre_train import FitConfig, fit_network, predict_network
    from baselines.cnn.device import device_name, resolve_device
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
    metrics.update(headline_interval(args.task, [clips[i] for i in test], prediction,
                                     target_names, random_state=args.seed))
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
        "dataset": {"root": args.root, "train_recordings": [clips[i].clip_id for i in train],
                    "test_recordings": [clips[i].clip_id for i in test]},
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
                   # the held-out clips, named as every curve names them; the one
                   # scored point, so its seconds are the whole training's
                   "seed": args.seed, "split": "validation",
                   "fit_seconds": fit_seconds, **metrics})
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
