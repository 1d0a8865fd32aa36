"""Learning curves of the chord task: ``python -m baselines.learning_curve MODEL --task chords``.

A model is trained on growing numbers of training frames (each with
``--context`` frames on each side) of the training tracks and scored on
*every* frame of the held-out tracks (the track is the group: its frames
never straddle the split).  Offline models ``fit`` once per (size, seed);
streaming models (the SGD family) ``partial_fit`` on ``--epochs`` epochs of
fresh frames.  ``template`` trains nothing: one point.  At the largest size
the first seed's model is also scored after a median filter and an HMM
(``chord_*_median``, ``chord_*_hmm`` keys), and the majmin WCSR gets a 95 %
bootstrap interval over test tracks (``_ci_low``, ``_ci_high``).

Writes ``RESULTS/<model>-chords-<corpus>-<features>/{points.csv, curve.png,
run.json}`` through :mod:`baselines.records`.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from . import records
from .chord_metrics import CHORD_METRIC_KEYS, bootstrap_interval, confusion
from .chord_models import SMOOTHING, ChordTemplateClassifier
from .chord_pipeline import evaluate_items, fit_offline, fit_streaming, training_units
from .curves import Curve, plot_learning_curves
from .runs import package_versions, peak_memory_mb

__all__ = ["build_parser", "chord_curve", "main", "open_items", "make_chord_model"]

HEADLINE = "chord_majmin_wcsr"
DEFAULT_TRAIN_SIZES = "0.1,0.325,0.55,0.775,1.0"


def build_parser(prog="python -m baselines.learning_curve") -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog=f"{prog} MODEL --task chords",
        description="Learning curve of a model on the chord task: frames with context of the "
                    "training tracks, every frame of the test tracks scored with mir_eval.")
    p.add_argument("model", help="template, knn, adaboost, sgd-*, dummy, ...")
    p.add_argument("--task", choices=("chords",), default="chords", help="(default: chords)")
    p.add_argument("--dataset", choices=("chords", "isophonics"), default="chords",
                   help="'chords': the embedded chord corpus; 'isophonics': --root "
                   "(default: chords)")
    p.add_argument("--root", default=None, help="Isophonics-layout folder (--dataset isophonics)")
    p.add_argument("--audio-root", default=None, help="audio elsewhere (default: beside --root)")
    p.add_argument("--split-file", default=None,
                   help="csv track,split (default: a seeded split by track, stratified by "
                   "collection)")
    p.add_argument("--small", action="store_true",
                   help="the small embedded chord corpus (default: the full one)")
    p.add_argument("--features", default="cqt-chroma",
                   help="frame feature set: chroma, cqt-chroma, logmel, logcqt, beat-chroma "
                   "(default: cqt-chroma)")
    p.add_argument("--context", type=int, default=4,
                   help="frames of context on each side (default: 4)")
    p.add_argument("--train-sizes", default=DEFAULT_TRAIN_SIZES,
                   help="fractions of the training frames (or counts > 1) "
                   f"(default: {DEFAULT_TRAIN_SIZES})")
    p.add_argument("--seeds", default="0", help="comma-separated seeds (default: 0)")
    p.add_argument("--epochs", type=int, default=5,
                   help="epochs of fresh frames for streaming models (default: 5)")
    p.add_argument("--balance", default=None,
                   help="undersample majority classes of the training frames: an imblearn "
                   "sampling_strategy string ('auto', 'not minority', ...) or 'cap:<n>' "
                   "(default: none)")
    p.add_argument("--threshold", type=float, default=0.5,
                   help="template: cosine below which it says N (default: 0.5)")
    p.add_argument("--n-jobs", type=int, default=1, help="frame extraction processes (default: 1)")
    p.add_argument("--results", default="results", help="folder for run files (default: results)")
    p.add_argument("--run-name", default=None,
                   help="run folder (default: <model>-chords-<corpus>-<features>[-balanced])")
    p.add_argument("--no-progress", action="store_true", help="hide progress bars (default: shown)")
    return p


def open_items(*, dataset="chords", root=None, audio_root=None, split_file=None, small=False,
               features="cqt-chroma", context=4, seed=0, n_jobs=1, progress=True):
    """``(dataset, extractor, train_items, test_items, corpus_name)``."""
    from features.registry import make_extractor

    from .data.chord_corpus import chord_corpus
    from .data.chord_frames import track_frames
    from .data.isophonics import IsophonicsDataset

    if dataset == "chords":
        root, name = chord_corpus(small=small, progress=progress), "chords-small" if small else "chords"
    elif root is None:
        raise ValueError("--dataset isophonics needs --root DIR")
    else:
        name = "isophonics"
    data = IsophonicsDataset(root, audio_root=audio_root, split_file=split_file, seed=seed)
    extractor = make_extractor(features, unit="frame", context=context)
    items = track_frames(data.tracks, extractor, n_jobs=n_jobs, progress=progress)
    train = [it for it in items if it.track.split == "train"]
    test = [it for it in items if it.track.split == "test"]
    if not train or not test:
        raise ValueError(f"{root}: need training and test tracks; got {len(train)} and {len(test)}")
    return data, extractor, train, test, name


def make_chord_model(name: str, *, seed: int, threshold: float = 0.5):
    """``(model, streaming)``: ``template`` or a registered classifier."""
    if name == "template":
        return ChordTemplateClassifier(threshold=threshold), False
    from .models import MODELS, make_model

    model = make_model(name, "composer", random_state=seed)
    return model, MODELS[name].streaming


def _sizes(text: str, total: int) -> list:
    out = []
    for part in text.split(","):
        value = float(part)
        n = int(round(value * total)) if value <= 1 else int(value)
        out.append(max(25, min(n, total)))
    return sorted(set(out))


def chord_curve(model_name, train, test, extractor, *, train_sizes, seeds, epochs=5, balance=None,
                threshold=0.5, columns=None):
    """Points of the curve and the final run's scores.

    Returns
    -------
    points : list of dict
    final : dict
        ``metrics`` (stable keys, mean over seeds, smoothing rows, interval),
        ``per_track`` (first seed, no smoothing), ``fit_seconds``,
        ``predict_seconds_per_1000``, ``train_frames``.
    """
    columns = columns or {}
    total = len(training_units(train, extractor, None)[1])
    sizes = [total] if model_name == "template" else _sizes(train_sizes, total)
    points, final = [], {"seeds": {}}
    for seed in seeds:
        for size in sizes:
            model, streaming = make_chord_model(model_name, seed=seed, threshold=threshold)
            start = time.perf_counter()
            if streaming:
                model, seen = fit_streaming(model, train, extractor, size, epochs=epochs,
                                            random_state=seed, balance=balance)
            else:
                model, seen = fit_offline(model, train, extractor, size, random_state=seed,
                                          balance=balance)
            fit_seconds = time.perf_counter() - start
            start = time.perf_counter()
            metrics, per_track, _ = evaluate_items(model, test, extractor)
            predict = time.perf_counter() - start
            points.append({**columns, "train_windows": seen, "epoch": epochs if streaming else 1,
                           "seed": seed, "split": "validation", **metrics})
            if size == sizes[-1]:
                final["seeds"][seed] = (model, metrics, per_track, fit_seconds, predict, seen)
    seed0 = seeds[0]
    model, _, per_track, fit_seconds, predict, seen = final["seeds"][seed0]
    mean = {k: float(np.mean([final["seeds"][s][1][k] for s in seeds])) for k in CHORD_METRIC_KEYS}
    if len(seeds) > 1:
        mean.update({f"{k}_std": float(np.std([final["seeds"][s][1][k] for s in seeds]))
                     for k in CHORD_METRIC_KEYS})
    low, high = bootstrap_interval(per_track, HEADLINE)
    mean.update({f"{HEADLINE}_ci_low": low, f"{HEADLINE}_ci_high": high,
                 "n_groups": len(test), "n_train_groups": len(train)})
    for smoothing in SMOOTHING[1:]:
        smoothed, smoothed_tracks, _ = evaluate_items(model, test, extractor, smoothing=smoothing)
        mean.update({f"{k}_{smoothing}": v for k, v in smoothed.items()})
        low, high = bootstrap_interval(smoothed_tracks, HEADLINE)
        mean.update({f"{HEADLINE}_{smoothing}_ci_low": low, f"{HEADLINE}_{smoothing}_ci_high": high})
    n_frames = sum(it.n_frames for it in test)
    return points, {"metrics": mean, "per_track": per_track, "fit_seconds": fit_seconds,
                    "predict_seconds_per_1000": 1000 * predict / max(1, n_frames),
                    "train_frames": seen}


def main(argv=None, *, prog="python -m baselines.learning_curve") -> int:
    args = build_parser(prog).parse_args(argv)
    wall = time.perf_counter()
    seeds = [int(s) for s in args.seeds.split(",")]
    progress = not args.no_progress
    data, extractor, train, test, corpus = open_items(
        dataset=args.dataset, root=args.root, audio_root=args.audio_root,
        split_file=args.split_file, small=args.small, features=args.features,
        context=args.context, seed=seeds[0], n_jobs=args.n_jobs, progress=progress)
    features = args.features if args.model != "template" else f"{args.features}"
    run_name = args.run_name or (f"{args.model}-chords-{corpus}-{features}"
                                 + ("-balanced" if args.balance else ""))
    model_label = args.model + ("-balanced" if args.balance else "")
    folder = Path(args.results) / run_name
    columns = {"model": model_label, "task": "chords", "features": features}
    points, final = chord_curve(args.model, train, test, extractor, train_sizes=args.train_sizes,
                                seeds=seeds, epochs=args.epochs, balance=args.balance,
                                threshold=args.threshold, columns=columns)
    frame = records.write_points_csv(points, folder / "points.csv")
    plot_learning_curves([Curve(model_label, frame)], folder / "curve.png", metric=HEADLINE,
                         title=f"{model_label} / {features}, chords, {corpus}")
    per_track = final["per_track"]
    from .chord_metrics import collection_table

    record = {
        "command": "learning_curve", "argv": list(sys.argv[1:] if argv is None else argv),
        "args": vars(args), "model": model_label, "task": "chords", "features": features,
        "corpus_name": corpus,
        "dataset": {"root": str(data.root), "train_recordings": [it.track.id for it in train],
                    "test_recordings": [it.track.id for it in test]},
        "seed": seeds[0], "seeds": seeds, "versions": package_versions(),
        "dataset_fingerprint": data.fingerprint(), "finished": True,
        "wall_seconds": time.perf_counter() - wall, "peak_memory_mb": peak_memory_mb(),
        "fit_seconds": final["fit_seconds"],
        "predict_seconds_per_1000": final["predict_seconds_per_1000"],
        "train_windows": final["train_frames"], "headline_metric": HEADLINE,
        "metrics": final["metrics"],
        "detail": {"seed": seeds[0], "chords": {
            "per_collection": collection_table(per_track),
            "confusion_matrix": confusion(np.concatenate([t["true"] for t in per_track]),
                                          np.concatenate([t["predicted"] for t in per_track])),
            "protocol": "one split by track (seeded, stratified by collection); interval: "
                        "bootstrap over test tracks"}},
        "config": {"extractor": extractor.get_params(), "balance": args.balance},
    }
    records.write_run(folder, record)
    m = final["metrics"]
    print(f"{run_name}: {final['train_frames']} training frames, {len(test)} test tracks; "
          f"majmin WCSR {m[HEADLINE]:.4f} [{m[HEADLINE + '_ci_low']:.3f}, "
          f"{m[HEADLINE + '_ci_high']:.3f}], median {m[HEADLINE + '_median']:.4f}, "
          f"HMM {m[HEADLINE + '_hmm']:.4f}; wrote {folder}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
