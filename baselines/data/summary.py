"""A plain-text summary of a MusicNet-format corpus.

Per composer: works (the groups that never straddle a split), movements,
and per split recordings, minutes of audio and the number of
non-overlapping 5-second windows (``floor(seconds / 5)`` per recording); then
how many recordings use each instrument.
"""

from __future__ import annotations

import math
import re
from collections import Counter

__all__ = ["summarize", "summarize_folder"]

_WINDOW_SECONDS = 5.0
# The renderer appends the section of a long movement ("movement3, 90-180 s").
_SECTION = re.compile(r"(?:,\s*)?\d+-\d+ s$")


def _movements(corpus) -> dict[str, set]:
    """Composer -> distinct (work, composition, movement) of its recordings."""
    rows = corpus.metadata.set_index("id")
    out: dict[str, set] = {}
    for rec in corpus.recordings:
        movement = str(rows.at[rec.id, "movement"]) if rec.id in rows.index else ""
        movement = _SECTION.sub("", "" if movement == "nan" else movement).strip()
        out.setdefault(rec.composer, set()).add((rec.group, rec.composition, movement))
    return out


def summarize(corpus, *, window_seconds: float = _WINDOW_SECONDS) -> str:
    """Summary table of ``corpus``.

    Parameters
    ----------
    corpus : baselines.data.musicnet.MusicNetCorpus
    window_seconds : float, default=5.0
        Length of the windows counted (``floor(seconds / window_seconds)``
        per recording).

    Returns
    -------
    str
        Several lines of text, ending with a newline.
    """
    from .ensembles import INSTRUMENT_BY_PROGRAM

    if not window_seconds > 0:
        raise ValueError(f"window_seconds={window_seconds} must be positive")
    splits = ("train", "test")
    counts: dict[tuple[str, str], list[float]] = {}
    instruments: Counter = Counter()
    for rec in corpus.recordings:
        row = counts.setdefault((rec.composer, rec.split), [0, 0.0, 0])
        row[0] += 1
        row[1] += rec.seconds / 60
        row[2] += math.floor(rec.seconds / window_seconds)
        for program in sorted(set(int(p) for p in rec.notes()["instrument"])):
            instruments[program] += 1

    composers = sorted({c for c, _ in counts})
    works: dict[str, set] = {}
    for rec in corpus.recordings:
        works.setdefault(rec.composer, set()).add(rec.group)
    movements = _movements(corpus)
    header = ["composer", "works", "mvts"]
    header += [f"{s} {what}" for s in splits for what in ("rec", "min", "win")]
    header += ["total rec", "total min", "total win"]
    rows = []
    totals = {s: [0, 0.0, 0] for s in splits + ("all",)}
    for composer in composers:
        cells = [composer, str(len(works[composer])), str(len(movements[composer]))]
        total = [0, 0.0, 0]
        for split in splits:
            n, minutes, windows = counts.get((composer, split), [0, 0.0, 0])
            cells += [str(n), f"{minutes:.1f}", str(windows)]
            for acc in (total, totals[split], totals["all"]):
                acc[0] += n
                acc[1] += minutes
                acc[2] += windows
        cells += [str(total[0]), f"{total[1]:.1f}", str(total[2])]
        rows.append(cells)
    cells = ["all", str(sum(len(w) for w in works.values())),
             str(sum(len(m) for m in movements.values()))]
    for key in splits + ("all",):
        n, minutes, windows = totals[key]
        cells += [str(n), f"{minutes:.1f}", str(windows)]
    rows.append(cells)

    widths = [max(len(r[i]) for r in [header] + rows) for i in range(len(header))]
    lines = [f"{len(corpus.recordings)} recordings, {totals['all'][1]:.1f} minutes, "
             f"{totals['all'][2]} windows of {window_seconds:g} s"]
    for cells in [header] + rows:
        lines.append("  ".join(
            c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths))
        ))
    lines.append("")
    lines.append("recordings per instrument:")
    for program, n in sorted(instruments.items(), key=lambda kv: (-kv[1], kv[0])):
        inst = INSTRUMENT_BY_PROGRAM.get(program)
        name = inst.name if inst else f"program {program}"
        lines.append(f"  {name:<12} {n:>4}")
    return "\n".join(lines) + "\n"


def summarize_folder(root) -> str:
    """:func:`summarize` of the MusicNet-format folder ``root``."""
    from .musicnet import MusicNetCorpus

    return summarize(MusicNetCorpus(root))
