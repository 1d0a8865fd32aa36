"""Grouped cross-validation of plain pipelines on fixed windows: the ablation.

``python -m baselines.grouped_cv [--dataset default] [--folds 5] [--repeats 2]``
draws ``--windows`` windows from every recording once (seeded, on the frame
grid), computes the full ``stats`` features from the frame cache and the
score-level ``notes`` features from the label files, and scores a plain
scikit-learn pipeline (standardise, logistic regression) on column subsets
in grouped, stratified k-fold cross-validation (works never straddle a
fold; :mod:`baselines.protocol`):

- ``stats-406`` (FMA's statistics), ``+ rhythm``, ``+ key chroma``,
  ``stats`` (both), ``rhythm + key chroma`` alone: the audio rows;
- ``notes``: the score-level reference (not an audio baseline).

Each row gets window and recording accuracy (a recording's prediction is
the argmax of its windows' mean probabilities) with 95 % intervals from a
bootstrap over works, the number of works, and a paired interval on its
recording-accuracy difference to ``stats-406``.  The table goes to stdout
and to ``<out>/ablation.md``; the per-window out-of-fold predictions to
``<out>/ablation_predictions.csv``.
"""

from __future__ import annotations

import argparse
import re
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["Scores", "main", "oof_probabilities", "recording_scores", "score_rows"]

#: Column subsets of the full ``stats`` set, by name prefix.
_AUDIO_ROWS = {
    "stats-406": lambda n: not n.startswith(("rhythm_", "keychroma_")),
    "stats-406 + rhythm": lambda n: not n.startswith("keychroma_"),
    "stats-406 + key-chroma": lambda n: not n.startswith("rhythm_"),
    "stats (406 + rhythm + key-chroma)": lambda n: True,
    "rhythm + key-chroma": lambda n: n.startswith(("rhythm_", "keychroma_")),
    "stats without MFCC": lambda n: not n.startswith("mfcc"),
}


#: ``--tune``: logistic regression's C, chosen by grouped CV inside each training fold.
C_GRID = (0.01, 0.03, 0.1, 0.3, 1.0)


def default_pipeline(C: float = 0.1, *, tune: bool = False):
    """The plain pipeline: standardise, then logistic regression; with ``tune``
    wrapped in a :class:`~baselines.tuning.GroupedSearchCV` over :data:`C_GRID`."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    pipeline = make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=2000))
    if not tune:
        return pipeline
    from baselines.tuning import GroupedSearchCV

    return GroupedSearchCV(pipeline, {"logisticregression__C": list(C_GRID)})


def oof_probabilities(make_estimator, X, y, folds, n_classes: int, groups=None) -> np.ndarray:
    """Out-of-fold class probabilities, one block per repeat.

    Parameters
    ----------
    make_estimator : callable
        ``make_estimator() -> classifier`` with ``predict_proba``.
    X : np.ndarray [shape=(n, d)]
    y : np.ndarray of int [shape=(n,)], classes ``0 .. n_classes - 1``
    folds : list of baselines.protocol.Fold
    n_classes : int
    groups : np.ndarray [shape=(n,)], optional
        Passed to ``fit`` (as ``groups=``, training rows only) for a nested
        search.

    Returns
    -------
    np.ndarray [shape=(n_repeats, n, n_classes)]
        Row ``r`` holds each item's probabilities from the fold of repeat
        ``r`` that tested it.
    """
    n_repeats = max(f.repeat for f in folds) + 1
    out = np.full((n_repeats, len(X), n_classes), np.nan)
    for fold in folds:
        model = make_estimator()
        if groups is None:
            model.fit(X[fold.train], y[fold.train])
        else:
            model.fit(X[fold.train], y[fold.train], groups=np.asarray(groups)[fold.train])
        proba = model.predict_proba(X[fold.test])
        out[fold.repeat][np.ix_(fold.test, model.classes_)] = proba
    return np.nan_to_num(out, nan=0.0)


def recording_scores(proba: np.ndarray, y, recording_ids):
    """Per-recording correctness from window probabilities (argmax of the mean).

    Returns ``(correct, recording ids)`` for each repeat stacked:
    ``correct`` of shape ``(n_repeats, n_recordings)``.
    """
    ids, inverse = np.unique(recording_ids, return_inverse=True)
    truth = np.zeros(len(ids), dtype=np.int64)
    truth[inverse] = y
    correct = np.zeros((proba.shape[0], len(ids)))
    for r in range(proba.shape[0]):
        sums = np.zeros((len(ids), proba.shape[2]))
        np.add.at(sums, inverse, proba[r])
        correct[r] = sums.argmax(axis=1) == truth
    return correct, ids


@dataclass(frozen=True)
class Scores:
    """Window and recording accuracy of one row, with intervals."""

    name: str
    window: object      # protocol.Interval
    recording: object   # protocol.Interval
    recording_correct: np.ndarray  # (n_repeats, n_recordings)


def score_rows(probas: dict, y, recording_ids, groups, *, random_state=0) -> dict:
    """:class:`Scores` of each row's out-of-fold probabilities.

    Intervals pool the repeats and resample works (``groups``).
    """
    from baselines.protocol import score_interval

    rec_groups = {}
    for rid, g in zip(recording_ids, groups):
        rec_groups[rid] = g
    out = {}
    for name, proba in probas.items():
        window_correct = (proba.argmax(axis=2) == y[None, :]).astype(float)
        rec_correct, ids = recording_scores(proba, y, recording_ids)
        rec_g = np.array([rec_groups[i] for i in ids])
        n_rep = proba.shape[0]
        window = score_interval(window_correct.ravel(), np.tile(groups, n_rep),
                                random_state=random_state)
        recording = score_interval(rec_correct.ravel(), np.tile(rec_g, n_rep),
                                   random_state=random_state)
        out[name] = Scores(name, window, recording, rec_correct)
    return out


def _fmt(interval) -> str:
    return f"{interval.estimate:.2f} [{interval.low:.2f}, {interval.high:.2f}]"


def table(scores: dict, reference: str, recording_groups) -> str:
    """Markdown table: accuracies with intervals, works, paired difference."""
    from baselines.protocol import paired_interval

    n_rep = next(iter(scores.values())).recording_correct.shape[0]
    tiled = np.tile(recording_groups, n_rep)
    lines = [
        "| features | window accuracy | recording accuracy | works | "
        f"recording accuracy - {reference} (paired) |",
        "|---|---|---|---|---|",
    ]
    base = scores[reference].recording_correct.ravel()
    for name, s in scores.items():
        if name == reference:
            diff = "-"
        else:
            d = paired_interval(None, None, s.recording_correct.ravel(), base, tiled)
            diff = f"{d.estimate:+.2f} [{d.low:+.2f}, {d.high:+.2f}]"
        lines.append(f"| {name} | {_fmt(s.window)} | {_fmt(s.recording)} | "
                     f"{s.recording.n_groups} | {diff} |")
    return "\n".join(lines) + "\n"


NOTES_ROW = "notes"
REFERENCE_ROW = "stats-406"


def _metrics(score: Scores, diff=None) -> dict:
    metrics = {**score.window.as_dict("composer_accuracy"),
               **score.recording.as_dict("recording_accuracy")}
    if diff is not None:
        metrics.update(diff.as_dict("recording_accuracy_diff"))
    return metrics


def write_records(out, scores: dict, *, reference: str, recording_groups, base: dict) -> list:
    """One run record per row under ``out/<row>/run.json``.

    Rows other than ``notes`` carry ``config.ablation`` (the report puts
    them in the ablation table) and the paired difference to ``reference``
    (``recording_accuracy_diff``); ``notes`` carries ``config.reference``
    (the report labels it as not an audio baseline, in the composer table).
    """
    from baselines import records
    from baselines.protocol import paired_interval

    n_rep = next(iter(scores.values())).recording_correct.shape[0]
    tiled = np.tile(recording_groups, n_rep)
    ref = scores[reference].recording_correct.ravel()
    paths = []
    for name, score in scores.items():
        diff = None
        if name != reference:
            diff = paired_interval(None, None, score.recording_correct.ravel(), ref, tiled)
        record = {**base, "features": name, "metrics": _metrics(score, diff)}
        if name == NOTES_ROW:
            record["model"] = "notes"
            record["config"] = {**base["config"], "reference": (
                "score-level: classifies from the notes in the label files, "
                "not an audio baseline")}
        else:
            record["config"] = {**base["config"], "ablation": "feature blocks",
                                "ablation_reference": reference}
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        folder = Path(out) / f"grouped-cv-{slug}"
        # One point: the cross-validated scores at the size the folds train on.
        records.write_points_csv([{
            "model": record["model"], "task": record["task"], "features": name,
            "train_windows": record["train_windows"], "epoch": 1, "seed": record["seed"],
            "split": "validation", "composer_accuracy": score.window.estimate,
            "recording_accuracy": score.recording.estimate}], folder / "points.csv")
        paths.append(records.write_run(folder, record))
    return paths


def main(argv=None) -> int:
    """Run the grouped-CV ablation and the notes reference; print the table."""
    parser = argparse.ArgumentParser(prog="python -m baselines.grouped_cv",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="default", choices=("default", "small", "musicnet"),
                        help="corpus (default: default)")
    parser.add_argument("--root", default=None, help="MusicNet-format folder (default: none)")
    parser.add_argument("--folds", type=int, default=5, help="folds per repeat (default: 5)")
    parser.add_argument("--repeats", type=int, default=2, help="repeats (default: 2)")
    parser.add_argument("--windows", type=int, default=20,
                        help="windows drawn per recording (default: 20)")
    parser.add_argument("--C", type=float, default=0.1,
                        help="logistic regression's C (default: 0.1)")
    parser.add_argument("--tune", action="store_true",
                        help=f"choose C from {C_GRID} by grouped CV inside each training "
                        "fold (nested) instead of --C (default: off)")
    parser.add_argument("--seed", type=int, default=0, help="seed (default: 0)")
    parser.add_argument("--n-jobs", type=int, default=1, help="feature processes (default: 1)")
    parser.add_argument("--out", default="results/ablation",
                        help="folder for ablation.md and the run records "
                             "(default: results/ablation)")
    args = parser.parse_args(argv)

    from features.allocator import keep_freed_memory

    keep_freed_memory()  # larger feature batches without page faults
    from baselines import runs
    from baselines.data.note_features import recording_note_features
    from baselines.data.windows import draw_windows
    from baselines.datasets import load_dataset
    from baselines.protocol import expand_folds, grouped_folds
    from baselines.streaming import window_features
    from features.registry import make_extractor

    t0 = time.perf_counter()
    dataset = load_dataset(args.dataset, root=args.root, seed=args.seed, progress=False,
                           n_jobs=args.n_jobs)
    recordings = sorted(dataset.recordings, key=lambda r: r.id)
    extractor = make_extractor("stats")
    grid = extractor.hop_length / extractor.sr
    windows = draw_windows(recordings, args.windows, length=dataset.length, grid=grid,
                           programs=dataset.programs,
                           random_state=np.random.default_rng([args.seed, 11]))
    y, _ = dataset.targets(windows)
    position = {r.id: i for i, r in enumerate(recordings)}
    owner = np.array([position[int(i)] for i in windows.recording_ids])
    rec_groups = np.array([r.group for r in recordings])
    groups = rec_groups[owner]
    X = window_features(extractor, windows, recordings, n_jobs=args.n_jobs, progress=True)
    names = np.asarray(extractor.fit(np.zeros((1, int(dataset.length * extractor.sr)),
                                              np.float32)).get_feature_names_out())
    notes = recording_note_features(recordings, windows.recording_ids, windows.starts,
                                    dataset.length)
    print(f"{len(recordings)} recordings, {len(set(groups))} works, {len(windows)} windows, "
          f"features in {time.perf_counter() - t0:.0f} s")

    # Folds over recordings (by work, stratified by composer), then their
    # windows: every row, the notes reference included, sees the same folds.
    rec_folds = grouped_folds(rec_groups, [r.composer for r in recordings],
                              n_splits=args.folds, n_repeats=args.repeats,
                              random_state=args.seed)
    folds = expand_folds(rec_folds, owner)
    n_classes = len(dataset.composers)
    fit_start = time.perf_counter()
    probas = {}
    fit_groups = groups if args.tune else None

    def make():
        return default_pipeline(args.C, tune=args.tune)

    for row, keep in _AUDIO_ROWS.items():
        cols = np.array([keep(n) for n in names])
        probas[row] = oof_probabilities(make, X[:, cols], y, folds, n_classes, fit_groups)
    probas[NOTES_ROW] = oof_probabilities(make, notes, y, folds, n_classes, fit_groups)
    fit_seconds = time.perf_counter() - fit_start
    scores = score_rows(probas, y, windows.recording_ids, groups, random_state=args.seed)
    pipeline_c = (f"C tuned over {list(C_GRID)} by grouped CV inside each training fold"
                  if args.tune else f"C={args.C}")
    _, rec_ids = recording_scores(next(iter(probas.values())), y, windows.recording_ids)
    vote_groups = rec_groups[[position[int(i)] for i in rec_ids]]
    text = (f"Grouped {args.folds}-fold CV x {args.repeats} repeats on the {args.dataset} corpus "
            f"({len(recordings)} recordings, {len(set(groups))} works, {args.windows} windows "
            f"of {dataset.length:g} s per recording; StandardScaler + "
            f"LogisticRegression({pipeline_c}); folds by work, stratified by composer; "
            f"95 % intervals: bootstrap over works; `notes` is the score-level reference, "
            f"not an audio baseline)\n\n")
    text += table(scores, REFERENCE_ROW, vote_groups)
    best = max((s for n, s in scores.items() if n != NOTES_ROW),
               key=lambda s: s.recording.estimate)
    ref = scores[NOTES_ROW].recording
    text += (f"\nBest audio row: {best.name}, recording accuracy {best.recording.estimate:.2f} = "
             f"{best.recording.estimate / ref.estimate:.2f} of the notes reference "
             f"({ref.estimate:.2f}).\n")
    print(text)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "ablation.md").write_text(text)
    base = {
        "command": "python -m baselines.grouped_cv", "argv": list(argv or []),
        "model": "logreg", "task": "composer", "corpus_name": args.dataset,
        "args": vars(args), "seed": args.seed, "seeds": [args.seed],
        "versions": runs.package_versions(), "dataset_fingerprint": dataset.fingerprint,
        "finished": True, "wall_seconds": time.perf_counter() - t0,
        "peak_memory_mb": runs.peak_memory_mb(), "headline_metric": "composer_accuracy",
        "fit_seconds": fit_seconds / max(1, len(folds) * len(probas)),
        "predict_seconds_per_1000": None,
        "train_windows": int(np.mean([len(f.train) for f in folds])),
        "config": {"protocol": "cv", "folds": args.folds, "repeats": args.repeats,
                   "windows_per_recording": args.windows, "pipeline": "StandardScaler + "
                   f"LogisticRegression({pipeline_c})"},
    }
    write_records(out, scores, reference=REFERENCE_ROW, recording_groups=vote_groups,
                  base=base)
    print(f"wrote {out / 'ablation.md'} and {len(scores)} run records "
          f"({time.perf_counter() - t0:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
