"""Build the embedded style corpus: genres without a download.

music21's corpus holds whole repertoires with distinct styles.  Seven of
them are rendered into 30-second clips (:data:`STYLES`): Bach chorales,
Palestrina's masses, Monteverdi's madrigals, Trecento songs, fiddle tunes
(Ryan's Mammoth Collection), German folk songs (the Essen collection) and
Classical string quartets (Haydn, Mozart, Beethoven).

``python -m baselines.data.style_corpus [--small]`` builds it once under the
cache root (``style-corpus-v<BUILDER_VERSION>-{full|small}-seed<seed>``) and
prints a summary.  The folder holds the same clips in two layouts::

    genres/<style>/<style>.000NN.wav      GTZAN's layout (22,050 Hz, mono)
    train_filtered.txt, test_filtered.txt the split, as GTZAN's fault-filtered
                                          lists (``<style>/<style>.000NN.wav``)
    clips.csv                             file, genre, group (the piece),
                                          ensemble, tempo_bpm, notes_per_second,
                                          major_key_share, source
    spectrograms/styles/{train,test}/<id>.fused.full.npy
                                          140 x T log-mel (128) + chroma (12)
    spectrograms/styles/{train,test}_labels.txt, groups.txt
    spectrograms/styles_beat/...          the beat-synchronous twins
    spectrograms/styles_targets/...       the same arrays (hard links) with
    spectrograms/styles_targets_beat/...  ``id, tempo_bpm, ...`` label files

How clips are made
------------------
Each style's candidate pieces (files, or numbered tunes of an ABC
collection) are taken in a seeded order; a piece gives up to
``max_clips_per_piece`` consecutive clips of ``clip_seconds``.  A piece
shorter than a clip is played again from the start until the clip is full
(strophic songs and dance tunes are repeated that way).  Each piece is
played at its score's tempo times a factor drawn per piece from the seed
(between 0.8 and 1.25), so tempo varies inside every style.  Every clip is
orchestrated for an ensemble taken in turn from a seeded order of
:data:`~baselines.data.ensembles.ENSEMBLES` for its style
(:func:`~baselines.data.render.draw_ensemble`): every ensemble is about
equally common in every style, so a model has to hear the style, not the
timbre (a one-line fiddle tune still goes to a single player).  About
``test_fraction`` of each style's clips go to the test side, chosen piece
by piece: clips of one piece never fall on both sides.

Regression targets are measured from the score and named for what they are:
``tempo_bpm`` (quarter notes per minute as rendered, averaged over the
clip), ``notes_per_second`` (note onsets in the clip, all parts, per second)
and ``major_key_share`` (the share of the clip's key windows, of
``key_window_seconds`` each, that music21's Krumhansl-Schmuckler analysis
calls major).

Builds are deterministic, resumable (a piece's clips are written under
temporary names and recorded in ``.build/<key>.json`` once complete) and
locked against concurrent builders.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import re
import shutil
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from .render import (COMPLETE_MARKER, ScoreWarning, _build_lock, _corpus_root, _csv_bytes,
                     _replace_write, _synthesise, _write_wav, corpus_cache_dir, draw_ensemble)

__all__ = [
    "BUILDER_VERSION", "STYLES", "FULL", "SMALL", "Style", "StyleCorpusSpec", "TARGETS",
    "build_style_corpus", "style_corpus", "candidate_pieces", "clip_targets", "summarize", "main",
]

#: Bump when a change alters what a build writes; it keys the cache folder.
BUILDER_VERSION = 1

AUDIO_SR = 22050
HOP_LENGTH = 512
#: The regression targets, in the order of ``clips.csv`` and the label files.
TARGETS = ("tempo_bpm", "notes_per_second", "major_key_share")
_BUILD_DIR = ".build"
_TEMPO_RANGE = (0.8, 1.25)
_MIN_CLIP_FILL = 0.75  # a clip after the first needs music for 3/4 of its length


@dataclass(frozen=True)
class Style:
    """One style: where its pieces live in music21's corpus.

    Attributes
    ----------
    name : str
        The genre label (folder name in GTZAN's layout).
    description : str
    patterns : tuple of str
        Regular expressions matched against paths relative to music21's
        corpus folder.
    numbered : bool
        Files are ABC collections of numbered tunes, each tune a piece.
    """

    name: str
    description: str
    patterns: tuple[str, ...]
    numbered: bool = False


STYLES: tuple[Style, ...] = (
    Style("chorale", "Bach chorales", (r"^bach/bwv\d+\.\d+\.mxl$",)),
    Style("mass", "Palestrina mass movements", (r"^palestrina/[A-Za-z]+_\d+\.krn$",)),
    Style("madrigal", "Monteverdi madrigals", (r"^monteverdi/madrigal\.\d+\.\d+\.mxl$",)),
    Style("trecento", "Trecento songs (PMFC)", (r"^trecento/.*\.xml$",)),
    Style("fiddle", "fiddle tunes (Ryan's Mammoth Collection)", (r"^ryansMammoth/.*\.abc$",)),
    Style("folksong", "German folk songs (Essen collection)",
          (r"^essenFolksong/(altdeu10|altdeu20|kinder0|boehme10|erk10)\.abc$",), numbered=True),
    Style("quartet", "Classical string quartets (Haydn, Mozart, Beethoven)",
          (r"^(haydn|mozart|beethoven)/.*\.(mxl|krn)$",)),
)


@dataclass(frozen=True)
class StyleCorpusSpec:
    """What a build renders.

    Attributes
    ----------
    name : str
        ``"full"`` or ``"small"``; part of the cache folder's name.
    clips_per_style : int
    clip_seconds : float
    max_clips_per_piece : int
    key_window_seconds : float
        Length of the windows that the key analysis labels major or minor.
    smallest_first : bool
        Draw candidates among the smallest files (fast to parse).
    max_file_bytes : int
        Skip bigger files (whole quartets that take many seconds to parse).
    test_fraction : float
    """

    name: str
    clips_per_style: int
    clip_seconds: float
    max_clips_per_piece: int
    key_window_seconds: float = 7.5
    smallest_first: bool = False
    max_file_bytes: int = 800_000
    test_fraction: float = 0.25


#: The corpus: 7 styles x 48 clips of 30 s, at most 2 per piece (>= 24 pieces).
FULL = StyleCorpusSpec("full", clips_per_style=48, clip_seconds=30.0, max_clips_per_piece=2)
#: The test corpus: 7 styles x 8 clips of 8 s, one per piece (builds in about a minute).
SMALL = StyleCorpusSpec("small", clips_per_style=8, clip_seconds=8.0, max_clips_per_piece=1,
                        key_window_seconds=4.0, smallest_first=True, max_file_bytes=250_000)


def corpus_folder_name(*, small: bool = False, seed: int = 0) -> str:
    """Cache folder name, e.g. ``style-corpus-v1-full-seed0``."""
    return f"style-corpus-v{BUILDER_VERSION}-{'small' if small else 'full'}-seed{seed}"


# --------------------------------------------------------------------------
# Candidates


def _tune_numbers(path: Path) -> list[int]:
    text = path.read_text(encoding="latin-1")
    return sorted({int(m) for m in re.findall(r"^X:\s*(\d+)", text, flags=re.M)})


def candidate_pieces(style: Style, spec: StyleCorpusSpec, seed: int) -> list[str]:
    """Candidate pieces of a style in the seeded order a build tries them:
    paths relative to music21's corpus, ``path#number`` for a numbered tune."""
    root = _corpus_root()
    files = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    files = [f for f in files if any(re.search(pat, f) for pat in style.patterns)
             and (root / f).stat().st_size <= (spec.max_file_bytes if not style.numbered else 1 << 30)]
    if style.numbered:
        pieces = [f"{f}#{n}" for f in files for n in _tune_numbers(root / f)]
        sizes = {p: 0 for p in pieces}
    else:
        pieces = files
        sizes = {p: (root / p).stat().st_size for p in pieces}
    rng = random.Random(f"style-candidates-{seed}-{style.name}")
    if spec.smallest_first:
        pieces = sorted(pieces, key=lambda p: (sizes[p], p))[: 4 * spec.clips_per_style]
    rng.shuffle(pieces)
    return pieces[:999]


# --------------------------------------------------------------------------
# One piece -> clips


@dataclass(frozen=True)
class PieceJob:
    """One candidate piece to render into up to ``max_clips`` clips."""

    style: str
    candidate_index: int
    source: str
    max_clips: int

    @property
    def key(self) -> str:
        return f"{self.style}-{self.candidate_index:04d}"


def tempo_factor(seed: int, source: str) -> float:
    """The piece's tempo factor (log-uniform in :data:`_TEMPO_RANGE`)."""
    lo, hi = (math.log(x) for x in _TEMPO_RANGE)
    return math.exp(random.Random(f"tempo-{seed}-{source}").uniform(lo, hi))


def _timeline(parsed, factor: float):
    """Each part's notes as (start s, end s, pitch, start_beat, beats, value),
    at ``factor`` times the score's tempo, and the piece's length in seconds."""
    parts = []
    for part in parsed.parts:
        parts.append([(parsed.tempo.seconds(n.start_beat) / factor,
                       parsed.tempo.seconds(n.end_beat) / factor, n.pitch, n.start_beat,
                       n.end_beat - n.start_beat, n.note_value) for n in part])
    total = max(e for part in parts for _, e, *_ in part)
    return parts, total


def _quarter_bpm_at(tempo, seconds: np.ndarray, factor: float) -> np.ndarray:
    """Rendered quarter-note tempo at score times ``seconds``."""
    bounds = [tempo.seconds(b) / factor for b in tempo.starts]
    idx = np.clip(np.searchsorted(bounds, seconds, side="right") - 1, 0, len(bounds) - 1)
    return np.array([60.0 / tempo.seconds_per_beat[i] * factor for i in idx])


def clip_sections(parts, total: float, *, clip_seconds: float, max_clips: int):
    """Clips of a piece: ``[(k, notes per part with times relative to the clip,
    score time of each clip second's start), ...]``.

    A piece shorter than a clip is repeated (from its start) until the clip
    is full; a clip after the first needs music for 3/4 of its length.
    """
    if total < clip_seconds:
        copies = math.ceil(clip_seconds / total)
        parts = [[(s + c * total, e + c * total, *rest) for c in range(copies)
                  for s, e, *rest in part] for part in parts]
        span = total * copies
    else:
        span = total
    out = []
    for k in range(max_clips):
        t0, t1 = k * clip_seconds, (k + 1) * clip_seconds
        if k and span - t0 < _MIN_CLIP_FILL * clip_seconds:
            break
        clip = [[(s - t0, min(e, t1) - t0, *rest) for s, e, *rest in part if t0 <= s < t1]
                for part in parts]
        if not any(clip):
            break
        out.append((k, clip, t0))
    return out, total


def _key_mode(notes) -> str | None:
    """'major' / 'minor' by music21's Krumhansl-Schmuckler analysis of
    (start s, end s, pitch) notes, weighted by their lengths."""
    from music21 import analysis, note, stream

    if not notes:
        return None
    s = stream.Stream()
    for start, end, pitch in notes:
        s.insert(float(start), note.Note(int(pitch), quarterLength=max(float(end - start), 1e-3)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        key = analysis.discrete.KrumhanslSchmuckler().getSolution(s)
    return key.mode


def clip_targets(clip_parts, clip_t0: float, piece_total: float, tempo, factor: float, *,
                 clip_seconds: float, key_window_seconds: float) -> dict:
    """``tempo_bpm``, ``notes_per_second`` and ``major_key_share`` of a clip.

    Parameters
    ----------
    clip_parts : list of list of tuple
        The clip's notes per part, times relative to the clip (seconds).
    clip_t0 : float
        Where the clip starts in the (possibly repeated) piece, seconds.
    piece_total : float
        Length of one pass through the piece, seconds.
    tempo : baselines.data.scores.TempoMap
    factor : float
        The piece's tempo factor.
    """
    notes = [(s, e, n[0]) for part in clip_parts for s, e, *n in part]
    grid = clip_t0 + (np.arange(int(clip_seconds * 4)) + 0.5) / 4.0
    bpm = _quarter_bpm_at(tempo, np.mod(grid, piece_total), factor)
    modes = []
    n_windows = max(1, int(round(clip_seconds / key_window_seconds)))
    for w in range(n_windows):
        a, b = w * clip_seconds / n_windows, (w + 1) * clip_seconds / n_windows
        inside = [(max(s, a), min(e, b), p) for s, e, p in notes if s < b and e > a]
        mode = _key_mode(inside)
        if mode is not None:
            modes.append(mode == "major")
    return {
        "tempo_bpm": round(float(bpm.mean()), 4),
        "notes_per_second": round(len(notes) / clip_seconds, 4),
        "major_key_share": round(float(np.mean(modes)), 4) if modes else float("nan"),
    }


def clip_arrays(y: np.ndarray):
    """The 140 x T fused log-mel + chroma image of a clip and its
    beat-synchronous twin (median between beats)."""
    from features.fused import beat_synchronous, fused_image

    fused = fused_image(y, sr=AUDIO_SR, hop_length=HOP_LENGTH)
    return fused, beat_synchronous(fused, sr=AUDIO_SR, hop_length=HOP_LENGTH)


def _parse(source: str):
    from .scores import parse_score

    path, _, number = source.partition("#")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # music21's chatter about the files
        return parse_score(_corpus_root() / path, number=int(number) if number else None)


def render_piece(job: PieceJob, staging: Path, *, spec: StyleCorpusSpec, seed: int) -> dict:
    """Render the clips of one piece into ``staging``: ``<key>-<k>.wav``,
    ``.fused.npy`` and ``.beat.npy`` per clip, then ``<key>.json`` (the piece
    counts as done only once that exists).  A failure is recorded with its
    error and no clips."""
    from .orchestrate import orchestrate

    result = {"job": asdict(job), "error": None, "clips": []}
    try:
        parsed = _parse(job.source)
        factor = tempo_factor(seed, job.source)
        parts, _ = _timeline(parsed, factor)
        sections, total = clip_sections(parts, max(e for p in parts for _, e, *_ in p),
                                        clip_seconds=spec.clip_seconds, max_clips=job.max_clips)
        for k, clip, t0 in sections:
            name = f"{job.key}-{k}"
            ensemble = draw_ensemble(seed, job.style, job.candidate_index * spec.max_clips_per_piece + k)
            notes = orchestrate([p for p in clip if p], ensemble)
            y = _synthesise(notes, spec.clip_seconds)
            fused, beat = clip_arrays(y)
            targets = clip_targets(clip, t0, total, parsed.tempo, factor,
                                   clip_seconds=spec.clip_seconds,
                                   key_window_seconds=spec.key_window_seconds)
            for suffix, array in (("fused", fused), ("beat", beat)):
                tmp = staging / f"{name}.{suffix}.npy.tmp-{os.getpid()}"
                with open(tmp, "wb") as fh:
                    np.save(fh, array.astype(np.float32))
                os.replace(tmp, staging / f"{name}.{suffix}.npy")
            _write_wav(staging / f"{name}.wav", y)
            result["clips"].append({"name": name, "ensemble": ensemble.name, **targets})
    except Exception as exc:  # noqa: BLE001 - any failure skips the piece
        result["error"] = f"{type(exc).__name__}: {exc}"
        result["clips"] = []
    _replace_write(staging / f"{job.key}.json", json.dumps(result, sort_keys=True).encode())
    return result


# --------------------------------------------------------------------------
# Building


def _run_jobs(jobs, staging, spec, seed, n_jobs, bar):
    results, todo = {}, []
    for job in jobs:
        done = staging / f"{job.key}.json"
        if done.exists():
            stored = json.loads(done.read_text())
            if stored["job"] == asdict(job):
                results[job.key] = stored
                bar.update(1)
                continue
        todo.append(job)
    if todo:
        from joblib import Parallel, delayed

        parallel = Parallel(n_jobs=n_jobs, return_as="generator_unordered")
        for result in parallel(delayed(render_piece)(job, staging, spec=spec, seed=seed)
                               for job in todo):
            results[PieceJob(**result["job"]).key] = result
            bar.update(1)
    return results


def _kept(results: dict, style: str, target: int) -> list[dict]:
    clips = []
    for key in sorted(k for k in results if k.startswith(f"{style}-")):
        source = results[key]["job"]["source"]
        clips.extend({**c, "source": source} for c in results[key]["clips"])
    return clips[:target]


def build_style_corpus(root, *, spec: StyleCorpusSpec = FULL, seed: int = 0, n_jobs: int = -1,
                       progress: bool = True, styles=STYLES) -> Path:
    """Render ``spec`` into ``root`` (resuming a partial build); returns ``root``."""
    root = Path(root)
    if (root / COMPLETE_MARKER).exists():
        return root
    root.mkdir(parents=True, exist_ok=True)
    with _build_lock(root):
        if not (root / COMPLETE_MARKER).exists():
            _build(root, spec, seed, n_jobs, progress, styles)
    return root


def _build(root: Path, spec: StyleCorpusSpec, seed: int, n_jobs: int, progress: bool, styles):
    from tqdm.auto import tqdm

    staging = root / _BUILD_DIR
    staging.mkdir(parents=True, exist_ok=True)
    for path in staging.glob("*.tmp-*"):
        path.unlink()  # debris of an interrupted build
    candidates = {s.name: candidate_pieces(s, spec, seed) for s in styles}
    next_candidate = {s.name: 0 for s in styles}
    results: dict[str, dict] = {}
    target = spec.clips_per_style
    bar = tqdm(total=0, unit="piece", desc="rendering style corpus", disable=not progress)
    try:
        while True:
            jobs = []
            for style in styles:
                name = style.name
                deficit = target - len(_kept(results, name, target))
                if deficit <= 0:
                    continue
                tried = [r for k, r in results.items() if k.startswith(f"{name}-")]
                per_piece = (sum(len(r["clips"]) for r in tried) / len(tried) if tried
                             else spec.max_clips_per_piece)
                n_pieces = math.ceil(deficit / max(per_piece, 0.5))
                while n_pieces > 0 and next_candidate[name] < len(candidates[name]):
                    i = next_candidate[name]
                    jobs.append(PieceJob(name, i, candidates[name][i], spec.max_clips_per_piece))
                    next_candidate[name] += 1
                    n_pieces -= 1
            if not jobs:
                break
            bar.total += len(jobs)
            bar.refresh()
            results.update(_run_jobs(jobs, staging, spec, seed, n_jobs, bar))
    finally:
        bar.close()
    for key in sorted(results):
        if results[key]["error"]:
            warnings.warn(f"skipped piece {results[key]['job']['source']}: {results[key]['error']}",
                          ScoreWarning, stacklevel=2)
    kept = {s.name: _kept(results, s.name, target) for s in styles}
    for name, clips in kept.items():
        if len(clips) < target:
            warnings.warn(f"style {name}: only {len(clips)} of {target} clips could be rendered",
                          ScoreWarning, stacklevel=2)
    _finalise(root, staging, kept, spec, seed)


def _split(clips: list[dict], spec: StyleCorpusSpec, seed: int, style: str) -> set[str]:
    """Names of a style's test clips, chosen piece by piece."""
    groups: dict[str, list[str]] = {}
    for clip in clips:
        groups.setdefault(clip["source"], []).append(clip["name"])
    if len(groups) < 2:
        return set()
    order = sorted(groups)
    random.Random(f"style-split-{seed}-{style}").shuffle(order)
    target = max(1, round(spec.test_fraction * len(clips)))
    test: list[str] = []
    for source in order:
        if len(test) + len(groups[source]) <= target:
            test.extend(groups[source])
    return set(test)


def _link(src: Path, dst: Path) -> None:
    if dst.exists():
        dst.unlink()
    try:
        os.link(src, dst)
    except OSError:  # another file system: copy
        shutil.copyfile(src, dst)


def _finalise(root: Path, staging: Path, kept: dict, spec: StyleCorpusSpec, seed: int) -> None:
    rows, splits = [], {"train": [], "test": []}
    spec_root = root / "spectrograms"
    collections = {"styles": ".fused.full.npy", "styles_beat": ".fused.beat.npy",
                   "styles_targets": ".fused.full.npy", "styles_targets_beat": ".fused.beat.npy"}
    for collection in collections:
        for split in splits:
            (spec_root / collection / split).mkdir(parents=True, exist_ok=True)
    for style, clips in kept.items():
        (root / "genres" / style).mkdir(parents=True, exist_ok=True)
        test = _split(clips, spec, seed, style)
        for n, clip in enumerate(clips):
            clip_id = f"{style}.{n:05d}"
            split = "test" if clip["name"] in test else "train"
            wav = root / "genres" / style / f"{clip_id}.wav"
            moves = [(staging / f"{clip['name']}.wav", wav),
                     (staging / f"{clip['name']}.fused.npy",
                      spec_root / "styles" / split / f"{clip_id}.fused.full.npy"),
                     (staging / f"{clip['name']}.beat.npy",
                      spec_root / "styles_beat" / split / f"{clip_id}.fused.beat.npy")]
            for src, dst in moves:
                if src.exists():
                    os.replace(src, dst)
                elif not dst.exists():
                    raise FileNotFoundError(f"clip {clip_id}: {src} is missing")
            for kind in ("full", "beat"):
                twin = "" if kind == "full" else "_beat"
                _link(spec_root / f"styles{twin}" / split / f"{clip_id}.fused.{kind}.npy",
                      spec_root / f"styles_targets{twin}" / split / f"{clip_id}.fused.{kind}.npy")
            splits[split].append(f"{style}/{clip_id}.wav")
            rows.append({"file": f"{style}/{clip_id}.wav", "id": clip_id, "split": split,
                         "genre": style, "group": clip["source"], "ensemble": clip["ensemble"],
                         **{t: clip[t] for t in TARGETS}, "source": clip["source"]})
    columns = ["file", "genre", "group", "ensemble", *TARGETS, "source"]
    _replace_write(root / "clips.csv", _csv_bytes(columns, [[r[c] for c in columns] for r in rows]))
    for split, files in splits.items():
        _replace_write(root / f"{split}_filtered.txt", ("\n".join(files) + "\n").encode())
        mine = [r for r in rows if r["split"] == split]
        for collection, suffix in collections.items():
            folder = spec_root / collection
            if collection.startswith("styles_targets"):
                text = "id\t" + "\t".join(TARGETS) + "\n" + "".join(
                    r["id"] + "\t" + "\t".join(repr(r[t]) for t in TARGETS) + "\n" for r in mine)
            else:
                text = "file\tgenre\n" + "".join(f"{r['id']}{suffix}\t{r['genre']}\n" for r in mine)
            _replace_write(folder / f"{split}_labels.txt", text.encode())
    for collection in collections:
        text = "".join(f"{r['id']}\t{r['group']}\n" for r in rows)
        _replace_write(spec_root / collection / "groups.txt", text.encode())
    _replace_write(root / COMPLETE_MARKER, json.dumps(
        {"builder_version": BUILDER_VERSION, "spec": asdict(spec), "seed": seed,
         "clips": len(rows)}, sort_keys=True).encode())
    shutil.rmtree(staging, ignore_errors=True)


def style_corpus(*, small: bool = False, seed: int = 0, n_jobs: int = -1, progress: bool = True,
                 cache_dir=None) -> Path:
    """The embedded style corpus's root, built on first use.

    Parameters
    ----------
    small : bool, default=False
        The small variant for tests (7 styles x 8 clips of 8 s).
    seed : int, default=0
        Seeds the choice of pieces, tempo factors, ensembles and the split.
    n_jobs : int, default=-1
        joblib processes rendering pieces in parallel.
    progress : bool, default=True
    cache_dir : path-like, optional
        Default :func:`~baselines.data.render.corpus_cache_dir`.

    Returns
    -------
    Path
        ``<cache_dir>/style-corpus-v<BUILDER_VERSION>-<full|small>-seed<seed>``;
        GTZAN's layout at the root, the course layout under ``spectrograms/``.
    """
    base = Path(cache_dir) if cache_dir is not None else corpus_cache_dir()
    root = base / corpus_folder_name(small=small, seed=seed)
    if (root / COMPLETE_MARKER).exists():
        return root
    return build_style_corpus(root, spec=SMALL if small else FULL, seed=seed, n_jobs=n_jobs,
                              progress=progress)


def summarize(root) -> str:
    """Per style: clips, pieces, train/test clips and the targets' means."""
    import pandas as pd

    clips = pd.read_csv(Path(root) / "clips.csv")
    test = set(Path(root, "test_filtered.txt").read_text().split())
    clips["split"] = np.where(clips["file"].isin(test), "test", "train")
    lines = [f"{'style':<10} {'clips':>5} {'pieces':>6} {'train':>5} {'test':>4} "
             f"{'tempo_bpm':>9} {'notes/s':>7} {'major':>5}"]
    for style, g in clips.groupby("genre", sort=False):
        lines.append(f"{style:<10} {len(g):>5} {g['group'].nunique():>6} "
                     f"{(g['split'] == 'train').sum():>5} {(g['split'] == 'test').sum():>4} "
                     f"{g['tempo_bpm'].mean():>9.1f} {g['notes_per_second'].mean():>7.2f} "
                     f"{g['major_key_share'].mean():>5.2f}")
    lines.append(f"{'total':<10} {len(clips):>5} {clips['group'].nunique():>6}")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    """Build (or find) the style corpus and print its summary."""
    parser = argparse.ArgumentParser(
        prog="python -m baselines.data.style_corpus",
        description="Render the embedded style corpus from music21's repertoires "
                    "(GTZAN layout + precomputed 140 x T arrays).")
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
    root = style_corpus(small=args.small, seed=args.seed, n_jobs=args.n_jobs,
                        progress=not args.no_progress, cache_dir=args.out)
    print(root)
    print(summarize(root), end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
