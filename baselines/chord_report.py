"""The chords section of the results report, from run records only.

:func:`chord_table`: one row per (corpus, model, features) of the newest
``chords`` runs: majmin WCSR without smoothing, with the median filter and
with the HMM (the ``_median`` / ``_hmm`` keys the runs write), its 95 %
interval where the run has one, root and MIREX WCSR, segmentation, frame
accuracy, test tracks, the protocol (grouped CV by track, or one split) and
training frames.  :func:`collection_table`: the
study's per-collection shape for the best run.  :data:`REPORTED_CHORDS`:
numbers published elsewhere, on other data, shown in a table of their own
(:func:`reported_chords_table`), never mixed with the measured ones.
"""

from __future__ import annotations

import math

__all__ = ["REPORTED_CHORDS", "chord_section", "chord_table", "collection_rows", "is_chord_run",
           "plot_chord_confusion", "reported_chords_table"]

#: Published majmin scores on real recordings (not measured here).
REPORTED_CHORDS = (
    ("the study's CNN, with undersampling", "Isophonics: The Beatles", "0.776"),
    ("the study's CNN, without undersampling", "Isophonics: The Beatles", "0.48"),
    ("the study's CNN, with undersampling", "Isophonics: Queen", "0.803"),
    ("the study's CNN, with undersampling", "Isophonics: Zweieck", "0.834"),
    ("the study's CNN, with undersampling", "Isophonics: Robbie Williams", "0.901"),
    ("crema (McFee & Bello), mean majmin", "244 tracks (Beatles-style pop)", "0.786"),
    ("NNLS-chroma systems (Chordino and kin)", "Beatles-style pop (MIREX)", "about 0.80"),
)


def _fmt(value, digits=4) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    return f"{float(value):.{digits}f}"


def _with_interval(metrics: dict, key: str) -> str:
    value = _fmt(metrics.get(key))
    low, high = metrics.get(f"{key}_ci_low"), metrics.get(f"{key}_ci_high")
    if value != "-" and low is not None and high is not None:
        value += f" [{_fmt(low, 3)}, {_fmt(high, 3)}]"
    return value


def _corpus(run) -> str:
    fingerprint = run["dataset_fingerprint"]
    name = str(run["corpus_name"])
    return f"{name}, fingerprint {fingerprint[:10]}" if fingerprint else name


def is_chord_run(run) -> bool:
    """A run scored with the chord keys (its headline is a ``chord_`` key)."""
    return str(run["headline_metric"]).startswith("chord_")


def _latest(runs):
    chosen = {}
    for run in runs:
        if not is_chord_run(run):
            continue
        key = (_corpus(run), run["model"], run["features"])
        if key not in chosen or (run["written_at"], run.source) >= (
                chosen[key]["written_at"], chosen[key].source):
            chosen[key] = run
    return chosen


def _protocol(run) -> str:
    """``cv (k folds)`` (every track scored once) or ``official`` (one split)."""
    config = run.record.get("config") or {}
    if config.get("protocol") == "cv":
        return f"cv ({config.get('folds')} folds)"
    return "official"


def chord_table(runs) -> dict:
    """``{corpus: markdown table}`` of the newest chords runs, best first."""
    tables = {}
    rows = {}
    for (corpus, model, features), run in _latest(runs).items():
        m = run["metrics"]
        rows.setdefault(corpus, []).append((
            -(m.get("chord_majmin_wcsr") or -1.0),
            [model, features, _with_interval(m, "chord_majmin_wcsr"),
             _with_interval(m, "chord_majmin_wcsr_median"), _with_interval(m, "chord_majmin_wcsr_hmm"),
             _fmt(m.get("chord_root_wcsr")), _fmt(m.get("chord_mirex_wcsr")),
             _fmt(m.get("chord_segmentation")), _fmt(m.get("chord_frame_accuracy")),
             "-" if m.get("n_groups") is None else str(int(m["n_groups"])),
             _protocol(run),
             "-" if run["train_windows"] is None else str(int(run["train_windows"])),
             f"`{run.source}`"]))
    header = ("| model | features | majmin WCSR | + median filter | + HMM | root WCSR | "
              "MIREX WCSR | segmentation | frame accuracy | test tracks | protocol | "
              "training frames | source |")
    for corpus, entries in sorted(rows.items()):
        lines = [header, "|" + "---|" * 13]
        lines += ["| " + " | ".join(cells) + " |" for _, cells in sorted(entries, key=lambda e: e[0])]
        tables[corpus] = "\n".join(lines)
    return tables


def collection_rows(run) -> str:
    """Markdown of a run's per-collection table (``detail.chords.per_collection``)."""
    table = (run.record.get("detail", {}).get("chords", {}) or {}).get("per_collection") or {}
    lines = ["| collection | tracks | minutes | majmin WCSR | root WCSR | frame accuracy |",
             "|---|---:|---:|---:|---:|---:|"]
    for name, row in sorted(table.items()):
        lines.append(f"| {name} | {row['tracks']} | {row['minutes']:.1f} | "
                     f"{_fmt(row.get('chord_majmin_wcsr'), 3)} | {_fmt(row.get('chord_root_wcsr'), 3)} | "
                     f"{_fmt(row.get('chord_frame_accuracy'), 3)} |")
    return "\n".join(lines)


def reported_chords_table() -> str:
    """The published numbers, in a table of their own."""
    lines = ["| system (as published) | evaluated on | majmin WCSR |", "|---|---|---|"]
    lines += [f"| {a} | {b} | {c} |" for a, b, c in REPORTED_CHORDS]
    return "\n".join(lines)


def chord_section(runs) -> list:
    """Markdown lines of the report's chords section (empty without chords runs)."""
    latest = _latest(runs)
    if not latest:
        return []
    lines = []
    for corpus, table in chord_table(runs).items():
        lines += [f"## Task: chords ({corpus})", "",
                  "Majmin weighted chord symbol recall (mir_eval, per-track scores weighted by "
                  "track duration, as MIREX) on every frame of the test tracks; a 95 % "
                  "interval in brackets where the run has one (bootstrap over test tracks).  "
                  "Under `cv` every track of the corpus is a test track once (grouped folds by "
                  "track); `official` rows score the corpus's one held-out split, so their "
                  "test tracks are fewer.  Smoothing columns are the same model's frame probabilities after a median filter "
                  "or an HMM Viterbi pass.", "", table, ""]
    best = max(latest.values(), key=lambda r: (r["metrics"].get("chord_majmin_wcsr") or -1.0,
                                               r["written_at"]))
    if (best.record.get("detail", {}).get("chords") or {}).get("per_collection"):
        lines += [f"### Per collection: {best['model']} / {best['features']}", "",
                  collection_rows(best), "", f"From: `{best.source}`", ""]
    lines += ["## Reported chord recognition scores on real recordings (not measured here)", "",
              "Quoted for orientation only: real Isophonics and pop recordings, other splits and "
              "code.  Not comparable with, and never mixed into, the chords tables above.", "",
              reported_chords_table(), ""]
    return lines


def _best(runs):
    latest = [r for r in _latest(runs).values()
              if (r.record.get("detail", {}).get("chords") or {}).get("confusion_matrix")]
    if not latest:
        return None
    return max(latest, key=lambda r: (r["metrics"].get("chord_majmin_wcsr") or -1.0,
                                      r["written_at"]))


def plot_chord_confusion(runs, path):
    """The 25 x 25 frame confusion (row-normalised) of the best chords run;
    returns that run, or None (nothing written)."""
    import numpy as np

    run = _best(runs)
    if run is None:
        return None
    block = run.record["detail"]["chords"]
    cm = np.asarray(block["confusion_matrix"], dtype=float)
    names = block.get("labels") or [str(i) for i in range(len(cm))]
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = cm.sum(axis=1, keepdims=True)
    share = np.divide(cm, rows, out=np.zeros_like(cm), where=rows > 0)
    fig, ax = plt.subplots(figsize=(8, 7))
    image = ax.imshow(share, cmap="viridis", vmin=0, vmax=1)
    ax.set_xticks(range(len(names)), names, rotation=90, fontsize=6)
    ax.set_yticks(range(len(names)), names, fontsize=6)
    ax.set_xlabel("predicted")
    ax.set_ylabel("reference")
    ax.set_title(f"{run['model']} / {run['features']}: frames, row-normalised")
    fig.colorbar(image, ax=ax)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return run
