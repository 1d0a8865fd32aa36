"""The genre-collection tasks: genre (multi-class) and affect (regression).

Both read genre collections (kinds ``gtzan``: audio in GTZAN's layout, the
embedded style corpus's default; ``fma``; ``spectrograms``: precomputed
arrays in the course layout) and predict one answer per window of
``length`` seconds; a clip's windows then vote.

genre (multi-class)
    ``y (n,)``: the index of the window's clip genre in the dataset's class
    list.  Headline ``genre_clip_accuracy`` (a clip's windows voted, as
    users label whole clips); also ``genre_accuracy`` (per window),
    ``genre_macro_f1``, ``genre_weighted_f1``; the per-class precision,
    recall and F1 go to ``run.json``'s ``detail["genre"]``.
affect (multi-target regression)
    ``Y (n, n_targets)``: the window's clip targets (the dataset's target
    columns: the style corpus's ``tempo_bpm``, ``notes_per_second``,
    ``major_key_share``; the course's ``valence``, ``energy``,
    ``danceability``).  Headline ``affect_spearman_mean``; per target
    ``affect_spearman_<t>``, ``affect_r2_<t>``, ``affect_mae_<t>``.

Scores come from :mod:`baselines.genre_metrics`, which validates first.
"""

from __future__ import annotations

import numpy as np

from baselines import genre_metrics as GM
from baselines.metrics import vote_item_scores
from baselines.tasks import Task, register_task

__all__ = ["GENRE_DATASET_KINDS", "KNOWN_TARGETS"]

GENRE_DATASET_KINDS = ("gtzan", "fma", "spectrograms")
#: Target columns whose per-target keys run records keep (the style corpus's
#: and the course multitask collection's); other columns still reach points.csv.
KNOWN_TARGETS = ("tempo_bpm", "notes_per_second", "major_key_share",
                 "valence", "energy", "danceability")


def _labels(dataset) -> dict:
    return {"genres": tuple(dataset.classes), "targets": tuple(dataset.target_names)}


# ---------------------------------------------------------------- genre

def _genre_targets(dataset, windows):
    return dataset.genre_index(windows)


def _genre_classes(dataset):
    return np.arange(len(dataset.classes))


def _genre_names(y, labels):
    genres = (labels or {}).get("genres")
    y = np.asarray(y)
    if genres is None:
        return y
    if y.size and (y.min() < 0 or y.max() >= len(genres)):
        raise ValueError(f"genre indices {sorted(set(y.tolist()))[:5]} outside the "
                         f"{len(genres)} classes")
    return np.asarray(genres, dtype=object)[y.astype(int)]


def _genre_evaluate(y_true, y_pred, *, scores=None, groups=None, labels=None) -> dict:
    names = (labels or {}).get("genres")
    clip_ids = np.arange(len(y_true)) if groups is None else groups
    out = GM.evaluate_genre(_genre_names(y_true, labels), _genre_names(y_pred, labels), clip_ids,
                            labels=None if names is None else np.asarray(names, dtype=object))
    return {k: out[k] for k in GM.GENRE_KEYS}


def _genre_item_scores(y_true, y_pred, *, scores=None, groups=None, labels=None) -> dict:
    """Per-item 0/1 scores (see ``Task.item_scores``): windows for
    ``genre_accuracy``, one item per clip (its first window) for
    ``genre_clip_accuracy`` by hard vote."""
    t, p = _genre_names(y_true, labels), _genre_names(y_pred, labels)
    rows = np.arange(len(t))
    out = {"genre_accuracy": ((t == p).astype(float), rows)}
    if scores is None:
        clip_ids = rows if groups is None else np.asarray(groups)
        names = (labels or {}).get("genres")  # the vote's tie order, as _genre_evaluate's
        classes = (np.asarray(names, dtype=object) if names is not None
                   else np.unique(np.concatenate([t, p])))
        out["genre_clip_accuracy"] = vote_item_scores(clip_ids, t, p, classes=classes)
    return out


def _genre_details(y_true, y_pred, *, scores=None, groups=None, labels=None) -> dict:
    from sklearn.metrics import confusion_matrix

    t, p = _genre_names(y_true, labels), _genre_names(y_pred, labels)
    names = (labels or {}).get("genres")
    classes = np.asarray(names, dtype=object) if names is not None else np.unique(
        np.concatenate([t, p]))
    rows = GM.per_class_table(t, p, labels=classes)
    return {"genre": {
        "labels": [r["class"] for r in rows],
        **{key: {r["class"]: r[key] for r in rows} for key in ("precision", "recall", "f1")},
        "support": {r["class"]: r["support"] for r in rows},
        "confusion_matrix": confusion_matrix(t, p, labels=classes).tolist()}}


def _genre_check(dataset):
    if len(dataset.classes) < 2:
        raise ValueError(f"task 'genre' needs at least two genres; {dataset.name} has "
                         f"{list(dataset.classes)}")


# ---------------------------------------------------------------- affect

def _affect_targets(dataset, windows):
    return dataset.target_matrix(windows)


def _no_classes(dataset):
    return None  # regression: partial_fit takes no classes


def _affect_evaluate(y_true, y_pred, *, scores=None, groups=None, labels=None) -> dict:
    names = list((labels or {}).get("targets") or
                 [f"target_{j}" for j in range(np.asarray(y_true).reshape(len(y_true), -1).shape[1])])
    return GM.evaluate_affect(y_true, y_pred, names)


def _affect_check(dataset):
    if not dataset.target_names:
        raise ValueError(f"task 'affect' needs target columns; {dataset.name} has none "
                         f"(a clips.csv with numeric columns, or a targets label file)")


_AFFECT_KEYS = ("affect_spearman_mean",) + tuple(
    f"affect_{m}_{t}" for t in KNOWN_TARGETS for m in ("spearman", "r2", "mae"))

GENRE = register_task(Task(
    name="genre",
    description="the genre (style) of a window, and of a clip by its windows' vote (multi-class)",
    dataset_kinds=GENRE_DATASET_KINDS,
    default_dataset="styles",
    unit="window",
    target_kind="multiclass",
    headline_metric="genre_clip_accuracy",
    metric_keys=GM.GENRE_KEYS,
    summary_keys=GM.GENRE_KEYS,
    cnn_head="genre",
    targets=_genre_targets,
    output_classes=_genre_classes,
    evaluate=_genre_evaluate,
    labels=_labels,
    details=_genre_details,
    check=_genre_check,
    item_scores=_genre_item_scores,
))

AFFECT = register_task(Task(
    name="affect",
    description="a clip's regression targets (valence/energy/danceability, or the style "
                "corpus's tempo, note rate and major-key share) from a window",
    dataset_kinds=GENRE_DATASET_KINDS,
    default_dataset="styles",
    unit="window",
    target_kind="regression",
    headline_metric="affect_spearman_mean",
    metric_keys=_AFFECT_KEYS,
    summary_keys=_AFFECT_KEYS,
    cnn_head="affect",
    targets=_affect_targets,
    output_classes=_no_classes,
    evaluate=_affect_evaluate,
    labels=_labels,
    details=None,
    check=_affect_check,
))
