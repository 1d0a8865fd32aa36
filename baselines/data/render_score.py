"""One score of the default corpus rendered into its recordings.

A score (:class:`ScoreJob`) gives up to ``max_segments`` consecutive
sections (:func:`_segments`); each is orchestrated for an ensemble
(:func:`~baselines.data.ensembles.draw_ensemble`), synthesised
(:func:`~baselines.data.synth.synthesise`) and written as a MusicNet-format
label csv and wav, with its metadata row (:func:`render_score`).  The build
around it is :mod:`baselines.data.render`.
"""

from __future__ import annotations

import json
import re
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path

from .corpus_build import csv_bytes, replace_write
from .ensembles import draw_ensemble
from .musicnet import LABEL_COLUMNS
from .musicnet import LABEL_SAMPLE_RATE as LABEL_SR
from .synth import AUDIO_SR, synthesise, write_wav
from .works import corpus_root, work_of

__all__ = ["ScoreJob", "recording_id", "render_score"]

_TAIL_SECONDS = 0.5  # let the last notes ring


def recording_id(composer_index: int, candidate_index: int, segment: int) -> int:
    """Id of a recording: composer, candidate score and section."""
    return 10000 * (composer_index + 1) + 10 * candidate_index + segment


@dataclass(frozen=True)
class ScoreJob:
    """One candidate score to render into up to ``max_segments`` recordings."""

    composer: str
    composer_index: int
    candidate_index: int
    source: str  # path relative to music21's corpus
    max_segments: int

    @property
    def key(self) -> str:
        return f"{self.composer}-{self.candidate_index:04d}"


def _fmt(x: float) -> str:
    return repr(round(float(x), 6))


def _segments(parsed, spec_segment: float, min_seconds: float, max_segments: int):
    """Sections of a score: lists of (start, end, pitch, start_beat, beats,
    value) per part, times relative to the section start, and its length."""
    timed = []
    for part in parsed.parts:
        timed.append([
            (parsed.tempo.seconds(n.start_beat), parsed.tempo.seconds(n.end_beat), n)
            for n in part
        ])
    total = max(e for part in timed for _, e, _ in part)
    out = []
    for k in range(max_segments):
        t0, t1 = k * spec_segment, (k + 1) * spec_segment
        if t0 >= total:
            break
        parts = []
        for part in timed:
            parts.append([
                (s - t0, min(e, t1) - t0, n.pitch, n.start_beat,
                 n.end_beat - n.start_beat, n.note_value)
                for s, e, n in part if t0 <= s < t1 and min(e, t1) > s
            ])
        ends = [n[1] for part in parts for n in part]
        if not ends or max(ends) < min_seconds:
            break
        out.append((k, t0, max(ends), parts))
    return out


def _describe(source: str, title: str):
    """composition, movement and catalog name (the work) from a corpus path."""
    pieces = source.rsplit(".", 1)[0].split("/")[1:]  # drop the composer folder
    catalog = work_of(source, root=corpus_root())
    title = " ".join(title.split())
    if re.search(r"\.(mxl|xml|musicxml|krn)$", title, re.I):
        title = ""  # music21 fills in the file name when a score has no title
    composition = title or " ".join(pieces[:-1]) or pieces[-1]
    movement = pieces[-1] if len(pieces) > 1 else ""
    return composition, movement, catalog


def render_score(job: ScoreJob, staging: Path, *, spec, seed: int) -> dict:
    """Render the recordings of one score into ``staging``.

    Writes ``<id>.csv`` then ``<id>.wav`` for each section (each under a
    temporary name, then renamed), then ``<key>.json`` describing the score's
    recordings: the score counts as done only once that file exists.  A
    score that fails is recorded with its error and no recordings.  ``spec``
    is the build's :class:`~baselines.data.render.CorpusSpec`.
    """
    from .orchestrate import orchestrate
    from .scores import parse_score

    result = {"job": asdict(job), "error": None, "recordings": []}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # music21's chatter about the files
            parsed = parse_score(corpus_root() / job.source)
        sections = _segments(parsed, spec.segment_seconds, spec.min_seconds, job.max_segments)
        composition, movement, catalog = _describe(job.source, parsed.title)
        for k, t0, music_end, parts in sections:
            rec_id = recording_id(job.composer_index, job.candidate_index, k)
            ensemble = draw_ensemble(
                seed, job.composer, job.candidate_index * spec.max_segments + k)
            notes = orchestrate(parts, ensemble)
            seconds = music_end + _TAIL_SECONDS
            y = synthesise(notes, seconds)
            rows = sorted(
                (
                    int(round(n.start * LABEL_SR)), int(round(n.end * LABEL_SR)),
                    n.instrument, n.pitch, _fmt(n.start_beat), _fmt(n.beats), n.note_value,
                )
                for n in notes
            )
            replace_write(staging / f"{rec_id}.csv", csv_bytes(LABEL_COLUMNS, rows))
            write_wav(staging / f"{rec_id}.wav", y)
            section = f"{t0:.0f}-{t0 + music_end:.0f} s"
            result["recordings"].append({
                "id": rec_id,
                "composer": job.composer.capitalize(),
                "composition": composition,
                "movement": f"{movement}, {section}" if movement else section,
                "ensemble": ensemble.name,
                "source": f"music21 corpus: {job.source}",
                "transcriber": "music21 corpus",
                "catalog_name": catalog,
                "seconds": _fmt(len(y) / AUDIO_SR),
            })
    except Exception as exc:  # noqa: BLE001 - any failure skips the score
        result["error"] = f"{type(exc).__name__}: {exc}"
        result["recordings"] = []
    replace_write(staging / f"{job.key}.json", json.dumps(result, sort_keys=True).encode())
    return result
