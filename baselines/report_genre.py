"""The report's genre and affect parts: table columns and published numbers.

:func:`metric_columns` picks a results table's metric columns from what its
run records hold (the MusicNet tasks keep their fixed columns in
:mod:`baselines.report`); :data:`GENRE_REPORTED` and :data:`AFFECT_REPORTED`
are numbers published elsewhere, on other data and splits, that the report
prints in labelled tables of their own and never mixes with measured ones.
Like the report, this module reads run records only.
"""

from __future__ import annotations

__all__ = ["GENRE_REPORTED", "AFFECT_REPORTED", "metric_columns", "per_class_markdown",
           "reported_markdown"]

#: Genre accuracy published elsewhere (not measured here).
GENRE_REPORTED = (
    {"source": "FMA paper (Defferrard et al., 2017)", "data": "fma_medium, 16 top genres, "
     "official artist-filtered test split", "model": "SVC, RBF kernel", "accuracy": "63 %"},
    {"source": "FMA paper", "data": "fma_medium, 16 genres", "model": "logistic regression",
     "accuracy": "61 %"},
    {"source": "FMA paper", "data": "fma_medium, 16 genres", "model": "kNN", "accuracy": "55 %"},
    {"source": "FMA paper", "data": "fma_medium, 16 genres", "model": "AdaBoost",
     "accuracy": "41.6 %"},
    {"source": "GTZAN, fault-filtered split", "data": "GTZAN, no artist on both sides",
     "model": "MFCC + SVM", "accuracy": "53.4 %"},
    {"source": "GTZAN, random splits (artists leak)", "data": "GTZAN, random 10-fold",
     "model": "various", "accuracy": "91-94 % claimed"},
    {"source": "course studies (FMA, 20 genres mapped to 10)", "data": "140 x T mel + chroma "
     "arrays", "model": "CNN / LSTM", "accuracy": "0.28-0.38"},
)

#: Affect scores published by the course studies (multitask collection, ~1,500 clips).
AFFECT_REPORTED = (
    {"source": "course studies", "model": "CNN on 140 x T arrays", "target": "energy",
     "spearman": "0.74"},
    {"source": "course studies", "model": "CNN on 140 x T arrays", "target": "danceability",
     "spearman": "0.42"},
    {"source": "course studies", "model": "CNN on 140 x T arrays", "target": "valence",
     "spearman": "0.17"},
)

_SKIP_SUFFIXES = ("_std", "_ci_low", "_ci_high", "_n_groups")  # groups: their own column


def metric_columns(runs, *, limit: int = 8) -> list[tuple]:
    """``(title, keys, "metric")`` columns for a table of ``runs``.

    The runs' headline metric first, then the other flat metrics they hold
    (spread and count keys left out; for affect only the Spearman
    correlations, the per-target R^2 and MAE staying in the records), at
    most ``limit``.
    """
    headline = [r["headline_metric"] for r in runs]
    keys = []
    for key in headline:
        if key not in keys:
            keys.append(key)
    others = sorted({k for r in runs for k in r["metrics"]
                     if not k.endswith(_SKIP_SUFFIXES) and not k.startswith("n_")
                     and not k.startswith(("affect_r2_", "affect_mae_"))} - set(keys))
    keys += others
    return [(key.replace("_", " "), ("metrics", key), "metric") for key in keys[:limit]]


def _table(rows, columns) -> list[str]:
    lines = ["| " + " | ".join(title for title, _ in columns) + " |",
             "|" + "|".join("---" for _ in columns) + "|"]
    lines += ["| " + " | ".join(str(row[key]) for _, key in columns) + " |" for row in rows]
    return lines


def reported_markdown() -> str:
    """The published genre and affect numbers, each table labelled as such."""
    lines = [
        "## Genre and affect: reported elsewhere (not measured here)", "",
        "Quoted for orientation only: other data (FMA, GTZAN, the course collections), other "
        "splits and other code.  The embedded style corpus above is synthetic (music21 scores "
        "rendered with a General MIDI SoundFont), so these numbers are not comparable with the "
        "tables above and never mixed into them.", "",
        "### Genre accuracy", "",
        *_table(GENRE_REPORTED, [("reported by", "source"), ("data", "data"),
                                 ("model", "model"), ("accuracy", "accuracy")]),
        "",
        "### Affect regression, Spearman correlation (course studies' multitask collection)", "",
        *_table(AFFECT_REPORTED, [("reported by", "source"), ("model", "model"),
                                  ("target", "target"), ("Spearman", "spearman")]),
        "",
    ]
    return "\n".join(lines)


def per_class_markdown(run) -> str | None:
    """The per-class precision / recall / F1 table of a genre run (its
    ``detail["genre"]``), or None where the record has none."""
    block = (run.get("detail") or {}).get("genre") or {}
    labels = block.get("labels")
    if not labels or not all(k in block for k in ("precision", "recall", "f1")):
        return None
    support = block.get("support", {})
    lines = ["| genre | precision | recall | F1 | held-out windows |", "|---|---|---|---|---|"]
    for label in labels:
        cells = [block[k].get(label) for k in ("precision", "recall", "f1")]
        text = ["-" if v is None else f"{float(v):.4f}" for v in cells]
        lines.append(f"| {label} | " + " | ".join(text) + f" | {support.get(label, '-')} |")
    return "\n".join(lines)
