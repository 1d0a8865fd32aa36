"""Build the embedded chord corpus: music21's human harmonic analyses, rendered.

music21 ships Roman numeral analyses with their scores: the Riemenschneider
Bach chorale analyses (``bach/choraleAnalyses/*.rntxt``, 20) and the
Monteverdi madrigal analyses (``monteverdi/madrigal.*.rntxt``, 48).  Each
score is rendered with the default corpus's renderer (an ensemble drawn with
the seed, independently of the harmony) and its analysis written as a
``.lab`` in Harte syntax (root and quality of each numeral, the bass as an
inversion; offsets turned into seconds with the score's tempo map), in the
Isophonics layout that :mod:`baselines.data.isophonics` reads, one
collection per source::

    <root>/Bach/chordlab/Riemenschneider chorales/riemenschneider001.lab
    <root>/Bach/audio/Riemenschneider chorales/riemenschneider001.wav
    <root>/Monteverdi/chordlab/Madrigals book 3/madrigal.3.1.lab ...

A track begins with ``_LEAD_SECONDS`` of silence labelled ``N`` and ends
where its analysis ends (the last chord rings on for ``_TAIL_SECONDS``).
An analysis is first aligned to its score
(:func:`~baselines.data.roman_numerals.align`: a shift of a few beats or a
transposition, where that fits the notes clearly better).  An analysis
whose chords do not match the sounding notes (share of note time whose
pitch class is in the labelled chord below ``MIN_AGREEMENT``: a score and
analysis of different versions) is left out with a
:class:`~baselines.data.corpus_build.ScoreWarning`.

``python -m baselines.data.chord_corpus [--small]`` builds it once into the
cache (:func:`chord_corpus`) and prints its summary.  Builds are
deterministic, resumable per piece (``.build/<key>.json`` marks a finished
piece), and locked against concurrent builders, like the default corpus.
"""

from __future__ import annotations

import json
import os
import re
import warnings
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path

from .chord_labels import class_distribution, format_distribution
from .corpus_build import (ScoreWarning, build_locked, cached_corpus, corpus_main, finish,
                           open_staging, replace_write, run_jobs)
from .ensembles import ENSEMBLE_BY_NAME, Ensemble, draw_ensemble
from .roman_numerals import align, analysis_chords
from .synth import AUDIO_SR, synthesise, write_wav
from .works import corpus_root

__all__ = ["CHORD_BUILDER_VERSION", "CHORD_ENSEMBLES", "FULL", "SMALL", "ChordCorpusSpec",
           "build_chord_corpus", "chord_corpus", "main", "piece_jobs"]

#: Bump when a change alters what a build writes; it keys the cache folder.
CHORD_BUILDER_VERSION = 1
MIN_AGREEMENT = 0.75
_TAIL_SECONDS = 0.5
#: Silence before the music, labelled ``N`` (as real recordings begin).
_LEAD_SECONDS = 1.0

#: Organ, choir-like, string, brass and wind ensembles (General MIDI).
CHORD_ENSEMBLES: tuple[Ensemble, ...] = (
    Ensemble("Church Organ", (20,)),
    Ensemble("Choir", (53, 53, 54, 54)),
    ENSEMBLE_BY_NAME["String Quartet"],
    Ensemble("String Ensemble", (49, 49, 49, 49)),
    Ensemble("Brass Quartet", (57, 61, 58, 59)),
    ENSEMBLE_BY_NAME["Wind Quintet"],
    ENSEMBLE_BY_NAME["Solo Piano"],
)


@dataclass(frozen=True)
class ChordCorpusSpec:
    """What a build renders.

    Attributes
    ----------
    name : str
        ``"full"`` or ``"small"``; part of the cache folder's name.
    bach, monteverdi : int or None
        How many analyses of each source (in file order); ``None``: all.
    max_seconds : float or None
        Cut every track there (the small variant); ``None``: whole pieces.
    """

    name: str
    bach: int | None
    monteverdi: int | None
    max_seconds: float | None = None


FULL = ChordCorpusSpec("full", None, None)
#: Builds in about a minute: 6 chorales and 3 madrigals (one is left out:
#: its analysis does not fit its score), 25 s each.
SMALL = ChordCorpusSpec("small", 6, 3, max_seconds=25.0)


@dataclass(frozen=True)
class PieceJob:
    """One analysis and its score, rendered into one track."""

    collection: str
    album: str
    track: str
    analysis: str  # paths relative to music21's corpus
    score: str
    index: int  # slot of the ensemble draw within the collection

    @property
    def key(self) -> str:
        return f"{self.collection}-{self.track}"


def _bach_score(analysis: Path, root: Path) -> str | None:
    """The chorale an analysis names in its ``BWV:`` line (``248(2).12`` is
    ``bwv248.12-2``, ``41.6s`` is ``bwv41.6``)."""
    match = re.search(r"^BWV:\s*(\S+)", analysis.read_text(encoding="utf-8"), re.M)
    if not match:
        return None
    bwv = match.group(1)
    part = re.fullmatch(r"(\d+)\((\d+)\)\.(\d+)", bwv)
    bwv = f"{part[1]}.{part[3]}-{part[2]}" if part else bwv.rstrip("s")
    score = root / "bach" / f"bwv{bwv}.mxl"
    return score.relative_to(root).as_posix() if score.exists() else None


def piece_jobs(spec: ChordCorpusSpec) -> list[PieceJob]:
    """The pieces a build renders, in a fixed order."""
    root = corpus_root()
    jobs = []
    chorales = sorted((root / "bach" / "choraleAnalyses").glob("*.rntxt"))[: spec.bach]
    for i, analysis in enumerate(chorales):
        score = _bach_score(analysis, root)
        if score is None:
            warnings.warn(f"{analysis}: no chorale score for its BWV number; skipped", ScoreWarning,
                          stacklevel=2)
            continue
        jobs.append(PieceJob("Bach", "Riemenschneider chorales", analysis.stem,
                             analysis.relative_to(root).as_posix(), score, i))

    def madrigal_order(path):
        return tuple(int(x) for x in path.stem.split(".")[1:])

    madrigals = sorted((root / "monteverdi").glob("madrigal.*.rntxt"), key=madrigal_order)
    for i, analysis in enumerate(madrigals[: spec.monteverdi]):
        score = analysis.with_suffix(".mxl")
        book = analysis.stem.split(".")[1]
        jobs.append(PieceJob("Monteverdi", f"Madrigals book {book}", analysis.stem,
                             analysis.relative_to(root).as_posix(),
                             score.relative_to(root).as_posix(), i))
    return jobs


# --------------------------------------------------------------------------
# Rendering one piece


def _write_lab(path: Path, rows) -> None:
    text = "".join(f"{s:.6f}\t{e:.6f}\t{lab}\n" for s, e, lab in rows)
    replace_write(path, text.encode("utf-8"))


def render_piece(job: PieceJob, staging: Path, *, spec: ChordCorpusSpec, seed: int) -> dict:
    """Render one piece into ``staging`` (``<key>.wav``, ``<key>.lab``), then
    write ``<key>.json``: the piece counts as done once that file exists."""
    from .orchestrate import orchestrate
    from .scores import parse_score

    root = corpus_root()
    result = {"job": asdict(job), "error": None, "seconds": 0.0, "agreement": None,
              "ensemble": None, "chords": 0}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # music21's chatter about the files
            chords = analysis_chords(root / job.analysis)
            parsed = parse_score(root / job.score)
        if not chords:
            raise ValueError("the analysis has no Roman numerals")
        shift, semitones, fit, unmoved = align(chords, parsed.parts)
        result.update(agreement=round(fit, 4), agreement_unmoved=round(unmoved, 4),
                      shift_beats=shift, transposed=semitones)
        if fit < MIN_AGREEMENT:
            raise ValueError(f"analysis and score disagree: {fit:.2f} of the note time is in the "
                             f"labelled chords (< {MIN_AGREEMENT}), however moved")
        chords = [c.moved(shift, semitones) for c in chords if c.end + shift > 0]
        def seconds_of(beat):
            return _LEAD_SECONDS + parsed.tempo.seconds(beat)

        end = seconds_of(chords[-1].end)
        if spec.max_seconds is not None:
            end = min(end, spec.max_seconds)
        rows = [(seconds_of(max(c.start, 0.0)), min(seconds_of(c.end), end), c.harte)
                for c in chords if seconds_of(c.start) < end - 1e-3]
        # a moved analysis still starts with the music, after the silence
        rows = [(0.0, _LEAD_SECONDS, "N"), (_LEAD_SECONDS,) + rows[0][1:]] + rows[1:]
        parts = [[(seconds_of(n.start_beat), min(seconds_of(n.end_beat), end), n.pitch,
                   n.start_beat, n.end_beat - n.start_beat, n.note_value)
                  for n in part if seconds_of(n.start_beat) < end - 1e-3]
                 for part in parsed.parts]
        ensemble = draw_ensemble(seed, f"chords-{job.collection}", job.index, CHORD_ENSEMBLES)
        seconds = end + _TAIL_SECONDS
        rows[-1] = (rows[-1][0], seconds, rows[-1][2])  # the last chord rings on
        y = synthesise(orchestrate(parts, ensemble), seconds)
        _write_lab(staging / f"{job.key}.lab", rows)
        write_wav(staging / f"{job.key}.wav", y)
        result.update(seconds=round(len(y) / AUDIO_SR, 6), ensemble=ensemble.name, chords=len(rows))
    except Exception as exc:  # noqa: BLE001 - any failure skips the piece
        result["error"] = f"{type(exc).__name__}: {exc}"
    replace_write(staging / f"{job.key}.json", json.dumps(result, sort_keys=True).encode())
    return result


# --------------------------------------------------------------------------
# Building


def chord_corpus_folder_name(*, small: bool = False, seed: int = 0) -> str:
    """Cache folder name, e.g. ``chord-corpus-v1-full-seed0``."""
    return f"chord-corpus-v{CHORD_BUILDER_VERSION}-{'small' if small else 'full'}-seed{seed}"


def build_chord_corpus(root, *, spec: ChordCorpusSpec = FULL, seed: int = 0, n_jobs: int = -1,
                       progress: bool = True) -> Path:
    """Render ``spec`` into the Isophonics-layout folder ``root``, resuming a
    partial build there.  Returns ``root``."""
    return build_locked(root, lambda root: _build(root, spec, seed, n_jobs, progress))


def _build(root: Path, spec: ChordCorpusSpec, seed: int, n_jobs: int, progress: bool) -> None:
    from tqdm.auto import tqdm

    staging = open_staging(root)
    jobs = piece_jobs(spec)
    with tqdm(total=len(jobs), unit="piece", desc="rendering chord corpus",
              disable=not progress) as bar:
        results = run_jobs(jobs, staging, partial(render_piece, spec=spec, seed=seed),
                           n_jobs=n_jobs, bar=bar)
    kept = []
    for job in jobs:
        result = results[job.key]
        if result["error"]:
            warnings.warn(f"skipped {job.analysis}: {result['error']}", ScoreWarning, stacklevel=4)
            continue
        for ext, sub in (("lab", "chordlab"), ("wav", "audio")):
            dst = root / job.collection / sub / job.album / f"{job.track}.{ext}"
            dst.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staging / f"{job.key}.{ext}", dst)
        kept.append(result)
    replace_write(root / "pieces.json", json.dumps(kept, indent=1, sort_keys=True).encode())
    finish(root, staging, {"builder_version": CHORD_BUILDER_VERSION, "spec": spec.name,
                           "seed": seed, "tracks": len(kept)})


def chord_corpus(*, small: bool = False, seed: int = 0, n_jobs: int = -1, progress: bool = True,
                 cache_dir=None) -> Path:
    """The embedded chord corpus's root (Isophonics layout), built on first use.

    Parameters
    ----------
    small : bool, default=False
        The small variant (6 chorales, 3 madrigals, 25 s each) for tests.
    seed : int, default=0
        Seeds the ensembles.
    n_jobs : int, default=-1
        joblib processes rendering pieces.
    progress : bool, default=True
    cache_dir : path-like, optional
        Default :func:`~baselines.data.corpus_build.corpus_cache_dir`.

    Returns
    -------
    Path
        ``<cache_dir>/chord-corpus-v<CHORD_BUILDER_VERSION>-<full|small>-seed<seed>``.
    """
    return cached_corpus(
        chord_corpus_folder_name(small=small, seed=seed),
        lambda root: build_chord_corpus(root, spec=SMALL if small else FULL, seed=seed,
                                        n_jobs=n_jobs, progress=progress),
        cache_dir=cache_dir)


def summarize(root) -> str:
    """Tracks, minutes, ensembles, analysis agreement and class distribution per collection."""
    root = Path(root)
    pieces = json.loads((root / "pieces.json").read_text())
    lines = []
    for collection in sorted({p["job"]["collection"] for p in pieces}):
        mine = [p for p in pieces if p["job"]["collection"] == collection]
        seconds = {}
        for p in mine:
            lab = root / collection / "chordlab" / p["job"]["album"] / f"{p['job']['track']}.lab"
            rows = [line.split("\t") for line in lab.read_text().splitlines()]
            dist = class_distribution([[float(r[0]), float(r[1])] for r in rows], [r[2] for r in rows])
            for k, v in dist.items():
                seconds[k] = seconds.get(k, 0.0) + v
        ensembles = sorted({p["ensemble"] for p in mine})
        mean_agreement = sum(p["agreement"] for p in mine) / len(mine)
        moved = sum(bool(p["shift_beats"] or p["transposed"]) for p in mine)
        lines.append(f"{collection}: {len(mine)} tracks, ensembles {', '.join(ensembles)}; "
                     f"analysis-score agreement {mean_agreement:.2f} ({moved} analyses moved "
                     f"to fit their score)")
        lines.append("  " + format_distribution(seconds))
    return "\n".join(lines)


def main(argv=None) -> int:
    """Build (or find) the chord corpus and print its summary."""
    return corpus_main(
        argv, prog="python -m baselines.data.chord_corpus",
        description="Render music21's Bach and Monteverdi harmonic analyses into an "
                    "Isophonics-layout chord corpus.",
        corpus=chord_corpus, summarize=summarize)


if __name__ == "__main__":
    raise SystemExit(main())
