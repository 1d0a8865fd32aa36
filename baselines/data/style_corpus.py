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
(:func:`~baselines.data.ensembles.draw_ensemble`): every ensemble is about
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

import json
import os
import random
import re
import warnings
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path

import numpy as np

from .corpus_build import (build_locked, cached_corpus, corpus_main, finish, kept_items,
                           open_staging, render_in_rounds, replace_write, run_jobs, warn_skipped)
from .ensembles import draw_ensemble
from .style_clips import TARGETS, clip_arrays, clip_sections, clip_targets, tempo_factor, timeline
from .style_layout import write_layouts
from .synth import synthesise, write_wav
from .works import corpus_root

__all__ = [
    "BUILDER_VERSION", "STYLES", "FULL", "SMALL", "Style", "StyleCorpusSpec", "TARGETS",
    "build_style_corpus", "style_corpus", "candidate_pieces", "summarize", "main",
]

#: Bump when a change alters what a build writes; it keys the cache folder.
BUILDER_VERSION = 1



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
    root = corpus_root()
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


def _parse(source: str):
    from .scores import parse_score

    path, _, number = source.partition("#")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # music21's chatter about the files
        return parse_score(corpus_root() / path, number=int(number) if number else None)


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
        parts, _ = timeline(parsed, factor)
        sections, total = clip_sections(parts, max(e for p in parts for _, e, *_ in p),
                                        clip_seconds=spec.clip_seconds, max_clips=job.max_clips)
        for k, clip, t0 in sections:
            name = f"{job.key}-{k}"
            ensemble = draw_ensemble(seed, job.style, job.candidate_index * spec.max_clips_per_piece + k)
            notes = orchestrate([p for p in clip if p], ensemble)
            y = synthesise(notes, spec.clip_seconds)
            fused, beat = clip_arrays(y)
            targets = clip_targets(clip, t0, total, parsed.tempo, factor,
                                   clip_seconds=spec.clip_seconds,
                                   key_window_seconds=spec.key_window_seconds)
            for suffix, array in (("fused", fused), ("beat", beat)):
                tmp = staging / f"{name}.{suffix}.npy.tmp-{os.getpid()}"
                with open(tmp, "wb") as fh:
                    np.save(fh, array.astype(np.float32))
                os.replace(tmp, staging / f"{name}.{suffix}.npy")
            write_wav(staging / f"{name}.wav", y)
            result["clips"].append({"name": name, "ensemble": ensemble.name, **targets})
    except Exception as exc:  # noqa: BLE001 - any failure skips the piece
        result["error"] = f"{type(exc).__name__}: {exc}"
        result["clips"] = []
    replace_write(staging / f"{job.key}.json", json.dumps(result, sort_keys=True).encode())
    return result


# --------------------------------------------------------------------------
# Building


def _kept(results: dict, style: str, target: int) -> list[dict]:
    return [{**clip, "source": job["source"]}
            for job, clip in kept_items(results, style, "clips", target)]


def build_style_corpus(root, *, spec: StyleCorpusSpec = FULL, seed: int = 0, n_jobs: int = -1,
                       progress: bool = True, styles=STYLES) -> Path:
    """Render ``spec`` into ``root`` (resuming a partial build); returns ``root``."""
    return build_locked(root, lambda root: _build(root, spec, seed, n_jobs, progress, styles))


def _build(root: Path, spec: StyleCorpusSpec, seed: int, n_jobs: int, progress: bool, styles):
    from tqdm.auto import tqdm

    staging = open_staging(root)
    names = [s.name for s in styles]
    target = spec.clips_per_style
    render = partial(render_piece, spec=spec, seed=seed)
    with tqdm(total=0, unit="piece", desc="rendering style corpus", disable=not progress) as bar:
        results = render_in_rounds(
            names, {s.name: candidate_pieces(s, spec, seed) for s in styles}, target=target,
            yield_of=lambda result: len(result["clips"]),
            first_guess=lambda name: spec.max_clips_per_piece,
            make_job=lambda _, name, i, source: PieceJob(name, i, source, spec.max_clips_per_piece),
            run=lambda jobs: run_jobs(jobs, staging, render, n_jobs=n_jobs, bar=bar), bar=bar)
    kept = {name: _kept(results, name, target) for name in names}
    warn_skipped(results, kept, target=target, job_word="piece", group_word="style",
                 item_word="clips")
    n_clips = write_layouts(root, staging, kept, test_fraction=spec.test_fraction, seed=seed)
    finish(root, staging, {"builder_version": BUILDER_VERSION, "spec": asdict(spec), "seed": seed,
                           "clips": n_clips})


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
        Default :func:`~baselines.data.corpus_build.corpus_cache_dir`.

    Returns
    -------
    Path
        ``<cache_dir>/style-corpus-v<BUILDER_VERSION>-<full|small>-seed<seed>``;
        GTZAN's layout at the root, the course layout under ``spectrograms/``.
    """
    return cached_corpus(
        corpus_folder_name(small=small, seed=seed),
        lambda root: build_style_corpus(root, spec=SMALL if small else FULL, seed=seed,
                                        n_jobs=n_jobs, progress=progress),
        cache_dir=cache_dir)


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
    return corpus_main(
        argv, prog="python -m baselines.data.style_corpus",
        description="Render the embedded style corpus from music21's repertoires "
                    "(GTZAN layout + precomputed 140 x T arrays).",
        corpus=style_corpus, summarize=summarize, end="")


if __name__ == "__main__":
    raise SystemExit(main())
