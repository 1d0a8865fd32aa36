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
An analysis is first aligned to its score (:func:`align`: a shift of a few
beats or a transposition, where that fits the notes clearly better).  An analysis whose chords do not match the sounding
notes (share of note time whose pitch class is in the labelled chord below
``MIN_AGREEMENT``: a score and analysis of different versions) is left out
with a :class:`~baselines.data.render.ScoreWarning`.

``python -m baselines.data.chord_corpus [--small]`` builds it once into the
cache (:func:`chord_corpus`) and prints its summary.  Builds are
deterministic, resumable per piece (``.build/<key>.json`` marks a finished
piece), and locked against concurrent builders, like the default corpus.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path

from .chord_labels import PITCH_NAMES, check_label, class_distribution, format_distribution
from .ensembles import ENSEMBLE_BY_NAME, Ensemble
from .render import (
    AUDIO_SR, ScoreWarning, _build_lock, _corpus_root, _replace_write, _synthesise, _write_wav,
    corpus_cache_dir, draw_ensemble,
)

__all__ = ["CHORD_BUILDER_VERSION", "CHORD_ENSEMBLES", "FULL", "SMALL", "ChordCorpusSpec",
           "build_chord_corpus", "chord_corpus", "harte_label", "main", "piece_jobs"]

#: Bump when a change alters what a build writes; it keys the cache folder.
CHORD_BUILDER_VERSION = 1
COMPLETE_MARKER = ".complete"
MIN_AGREEMENT = 0.75
_BUILD_DIR = ".build"
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

_DEGREES = ("1", "b2", "2", "b3", "3", "4", "b5", "5", "b6", "6", "b7", "7")
_SHORTHANDS = {
    (0, 4, 7): "maj", (0, 3, 7): "min", (0, 3, 6): "dim", (0, 4, 8): "aug",
    (0, 4, 7, 10): "7", (0, 4, 7, 11): "maj7", (0, 3, 7, 10): "min7", (0, 3, 6, 10): "hdim7",
    (0, 3, 6, 9): "dim7", (0, 3, 7, 11): "minmaj7", (0, 4, 7, 9): "maj6", (0, 3, 7, 9): "min6",
    (0, 2, 7): "sus2", (0, 5, 7): "sus4", (0, 7): "5", (0,): "1",
}


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
    root = _corpus_root()
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
# Roman numerals -> Harte labels


def _harte_pitch(name: str) -> str:
    return name.replace("-", "b")


def harte_label(pitch_classes, root_pc: int, root_name: str, bass_pc: int | None = None) -> str:
    """Harte label of a chord from its pitch classes, root and bass.

    Parameters
    ----------
    pitch_classes : iterable of int
    root_pc : int
    root_name : str
        music21 spelling of the root (``"B-"`` becomes ``"Bb"``).
    bass_pc : int, optional
        The sounding bass; an inversion (``/3``) when not the root.

    Examples
    --------
    >>> harte_label({7, 11, 2}, 7, "G", 11)
    'G:maj/3'
    >>> harte_label({10, 1, 5, 8}, 10, "B-")
    'Bb:min7'
    """
    intervals = tuple(sorted({(pc - root_pc) % 12 for pc in pitch_classes} | {0}))
    quality = _SHORTHANDS.get(intervals) or "(" + ",".join(_DEGREES[i] for i in intervals) + ")"
    label = f"{_harte_pitch(root_name)}:{quality}"
    if bass_pc is not None and (bass_pc - root_pc) % 12:
        label += "/" + _DEGREES[(bass_pc - root_pc) % 12]
    check_label(label)
    return label


@dataclass(frozen=True)
class AnalysedChord:
    """One Roman numeral as sounding pitch classes; beats are quarter lengths."""

    start: float
    end: float
    pitch_classes: frozenset
    root: int
    root_name: str
    bass: int | None

    def moved(self, beats: float, semitones: int) -> "AnalysedChord":
        """The chord ``beats`` later and ``semitones`` higher."""
        if not semitones:
            return AnalysedChord(self.start + beats, self.end + beats, self.pitch_classes,
                                 self.root, self.root_name, self.bass)
        root = (self.root + semitones) % 12
        return AnalysedChord(self.start + beats, self.end + beats,
                             frozenset((pc + semitones) % 12 for pc in self.pitch_classes), root,
                             PITCH_NAMES[root],
                             None if self.bass is None else (self.bass + semitones) % 12)

    @property
    def harte(self) -> str:
        return harte_label(self.pitch_classes, self.root, self.root_name, self.bass)


def analysis_chords(path) -> list[AnalysedChord]:
    """Every Roman numeral of an analysis, contiguous (a chord lasts until
    the next begins; of two at one offset the later one is kept)."""
    from music21 import converter, roman

    analysis = converter.parse(str(path), format="romanText")
    chords = []
    for rn in analysis.recurse().getElementsByClass(roman.RomanNumeral):
        start = float(rn.getOffsetInHierarchy(analysis))
        end = start + float(rn.quarterLength)
        if end <= start:
            continue
        root, bass = rn.root(), rn.bass()
        chords.append(AnalysedChord(start, end, frozenset(p.pitchClass for p in rn.pitches),
                                    root.pitchClass, root.name, bass.pitchClass if bass else None))
    chords.sort(key=lambda c: c.start)
    out = []
    for i, c in enumerate(chords):
        following = chords[i + 1].start if i + 1 < len(chords) else c.end
        if following > c.start:
            out.append(AnalysedChord(c.start, following, c.pitch_classes, c.root, c.root_name,
                                     c.bass))
    return out


_GRID = 0.25  # quarter lengths per cell of the alignment grid
_MAX_SHIFT = 8  # quarter lengths


def align(chords, parts):
    """The shift (quarter lengths) and transposition (semitones) of an
    analysis that best fit the score's notes.

    The fit is the share of note time whose pitch class lies in the labelled
    chord; shifts of up to +-8 quarters (measures numbered differently) and
    every transposition (the analyst's edition in another key) are tried.
    The analysis stays where it is unless a move fits better by 0.02.

    Returns
    -------
    shift : float
        Quarter lengths to add to every chord's offsets.
    semitones : int
        Transposition to apply to every chord.
    fit, fit_unmoved : float
    """
    import numpy as np

    last = max(max(c.end for c in chords), max(n.end_beat for part in parts for n in part))
    n_cells = int(np.ceil(last / _GRID)) + 1
    notes = np.zeros((n_cells, 12))
    for part in parts:
        for n in part:
            a = int(n.start_beat / _GRID)
            notes[a:max(a + 1, int(round(n.end_beat / _GRID))), n.pitch % 12] += 1
    labelled = np.zeros((n_cells, 12))
    for c in chords:
        labelled[int(c.start / _GRID):int(round(c.end / _GRID)), sorted(c.pitch_classes)] = 1
    total = notes.sum() or 1.0
    k = int(_MAX_SHIFT / _GRID)
    padded = np.concatenate([np.zeros((k, 12)), labelled, np.zeros((k, 12))])
    fits = np.empty((2 * k + 1, 12))
    for i, cells in enumerate(range(-k, k + 1)):
        moved = padded[k - cells:k - cells + n_cells]
        for semitones in range(12):
            fits[i, semitones] = (notes * np.roll(moved, semitones, axis=1)).sum() / total
    unmoved = float(fits[k, 0])
    i, semitones = np.unravel_index(np.argmax(fits), fits.shape)
    if fits[i, semitones] <= unmoved + 0.02:
        return 0.0, 0, unmoved, unmoved
    return (int(i) - k) * _GRID, int(semitones), float(fits[i, semitones]), unmoved


# --------------------------------------------------------------------------
# Rendering one piece


def _write_lab(path: Path, rows) -> None:
    text = "".join(f"{s:.6f}\t{e:.6f}\t{lab}\n" for s, e, lab in rows)
    _replace_write(path, text.encode("utf-8"))


def render_piece(job: PieceJob, staging: Path, *, spec: ChordCorpusSpec, seed: int) -> dict:
    """Render one piece into ``staging`` (``<key>.wav``, ``<key>.lab``), then
    write ``<key>.json``: the piece counts as done once that file exists."""
    from .orchestrate import orchestrate
    from .scores import parse_score

    root = _corpus_root()
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
        y = _synthesise(orchestrate(parts, ensemble), seconds)
        _write_lab(staging / f"{job.key}.lab", rows)
        _write_wav(staging / f"{job.key}.wav", y)
        result.update(seconds=round(len(y) / AUDIO_SR, 6), ensemble=ensemble.name, chords=len(rows))
    except Exception as exc:  # noqa: BLE001 - any failure skips the piece
        result["error"] = f"{type(exc).__name__}: {exc}"
    _replace_write(staging / f"{job.key}.json", json.dumps(result, sort_keys=True).encode())
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
    root = Path(root)
    if (root / COMPLETE_MARKER).exists():
        return root
    root.mkdir(parents=True, exist_ok=True)
    with _build_lock(root):
        if not (root / COMPLETE_MARKER).exists():  # else built while we waited
            _build(root, spec, seed, n_jobs, progress)
    return root


def _build(root: Path, spec: ChordCorpusSpec, seed: int, n_jobs: int, progress: bool) -> None:
    from joblib import Parallel, delayed
    from tqdm.auto import tqdm

    staging = root / _BUILD_DIR
    staging.mkdir(parents=True, exist_ok=True)
    for path in staging.glob("*.tmp-*"):
        path.unlink()  # debris of an interrupted build
    jobs = piece_jobs(spec)
    results, todo = {}, []
    for job in jobs:
        done = staging / f"{job.key}.json"
        stored = json.loads(done.read_text()) if done.exists() else None
        if stored is not None and stored["job"] == asdict(job):
            results[job.key] = stored
        else:
            todo.append(job)
    with tqdm(total=len(jobs), initial=len(results), unit="piece", desc="rendering chord corpus",
              disable=not progress) as bar:
        parallel = Parallel(n_jobs=n_jobs, return_as="generator_unordered")
        for result in parallel(delayed(render_piece)(job, staging, spec=spec, seed=seed)
                               for job in todo):
            results[PieceJob(**result["job"]).key] = result
            bar.update(1)
    kept = []
    for job in jobs:
        result = results[job.key]
        if result["error"]:
            warnings.warn(f"skipped {job.analysis}: {result['error']}", ScoreWarning, stacklevel=3)
            continue
        for ext, sub in (("lab", "chordlab"), ("wav", "audio")):
            dst = root / job.collection / sub / job.album / f"{job.track}.{ext}"
            dst.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staging / f"{job.key}.{ext}", dst)
        kept.append(result)
    _replace_write(root / "pieces.json", json.dumps(kept, indent=1, sort_keys=True).encode())
    _replace_write(root / COMPLETE_MARKER, json.dumps(
        {"builder_version": CHORD_BUILDER_VERSION, "spec": spec.name, "seed": seed,
         "tracks": len(kept)}, sort_keys=True).encode())
    shutil.rmtree(staging, ignore_errors=True)


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
        Default :func:`~baselines.data.render.corpus_cache_dir`.

    Returns
    -------
    Path
        ``<cache_dir>/chord-corpus-v<CHORD_BUILDER_VERSION>-<full|small>-seed<seed>``.
    """
    base = Path(cache_dir) if cache_dir is not None else corpus_cache_dir()
    root = base / chord_corpus_folder_name(small=small, seed=seed)
    if (root / COMPLETE_MARKER).exists():
        return root
    return build_chord_corpus(root, spec=SMALL if small else FULL, seed=seed, n_jobs=n_jobs,
                              progress=progress)


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
    parser = argparse.ArgumentParser(
        prog="python -m baselines.data.chord_corpus",
        description="Render music21's Bach and Monteverdi harmonic analyses into an "
                    "Isophonics-layout chord corpus.")
    parser.add_argument("--small", action="store_true",
                        help="build the small test corpus (default: the full corpus)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    parser.add_argument("--out", default=None,
                        help="cache folder to build under (default: corpus_cache_dir())")
    parser.add_argument("--n-jobs", type=int, default=-1,
                        help="parallel processes (default: -1, all cores)")
    parser.add_argument("--no-progress", action="store_true",
                        help="hide the progress bar (default: shown)")
    args = parser.parse_args(argv)
    root = chord_corpus(small=args.small, seed=args.seed, n_jobs=args.n_jobs,
                        progress=not args.no_progress, cache_dir=args.out)
    print(root)
    print(summarize(root))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
