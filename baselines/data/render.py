"""Build the default corpus: music21 scores rendered into MusicNet's format.

``python -m baselines.data.render [--small]`` builds it once into the user's
cache folder (:func:`corpus_cache_dir`) and prints its summary; later runs
return at once.  The folder looks exactly like MusicNet::

    musicnet_metadata.csv       id, composer, composition, movement, ensemble,
                                source, transcriber, catalog_name, seconds
    train_data/<id>.wav         16-bit PCM, mono, 22,050 Hz
    train_labels/<id>.csv       start_time, end_time, instrument, note,
    test_data/, test_labels/    start_beat, end_beat, note_value

Label times are sample indices at 44.1 kHz, ``instrument`` is the 1-based
General MIDI program, ``note`` the sounding MIDI pitch.  As in MusicNet,
``start_beat`` is the note's position in the score and ``end_beat`` its
length, both in beats (quarter lengths); ``note_value`` names its written
value ("Dotted Quarter").

How recordings are made
-----------------------
The composers are those with at least ``min_works`` distinct works in
music21's corpus (:func:`~baselines.data.works.qualifying_composers`: Bach,
Beethoven, Josquin, Monteverdi, Mozart and Palestrina; Haydn has two works
and is left out, since a class drawn from two works teaches those works, not
a composer).  Each composer's candidate scores are taken work by work in a
seeded round-robin (one movement of every work before a second movement of
any), so the recordings spread over as many works as the corpus has; a
score gives up to ``max_segments`` recordings (at most two per movement),
consecutive sections of at most ``segment_seconds`` each, and sections
shorter than ``min_seconds`` are left out; the first section of every
movement is kept before any second section, so a composer with enough
movements gets one recording per movement.  Every recording is orchestrated for one of
:data:`~baselines.data.ensembles.ENSEMBLES`, taken in turn from a seeded order
of its composer's own (:func:`draw_ensemble`): each ensemble is about equally
common for every composer, so a model has to recognise a composer from the
music rather than from the timbre.  Scores that music21 cannot read are
skipped with a :class:`ScoreWarning`, and more candidates are taken until
every composer has its share.  About ``test_fraction`` of each composer's
recordings go to ``test_*``, chosen by work (no work straddles the split:
the ``catalog_name`` column names it, see
:func:`~baselines.data.works.work_of`), at least one work per composer.

Builds are deterministic (same seed and :data:`BUILDER_VERSION`: the same
metadata and label files, byte for byte) and resumable: each score's
recordings are written under temporary names, renamed into place, and
recorded in a per-score file under ``.build/`` once all of them are
complete; the metadata is written last, then the ``.complete`` marker.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import json
import math
import os
import random
import re
import shutil
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path

from .ensembles import ENSEMBLES
from .musicnet import LABEL_COLUMNS, METADATA_COLUMNS, METADATA_FILENAME
from .musicnet import LABEL_SAMPLE_RATE as LABEL_SR
from .works import composer_works, qualifying_composers, work_of

__all__ = [
    "BUILDER_VERSION",
    "FULL",
    "SMALL",
    "CorpusSpec",
    "ScoreWarning",
    "build_corpus",
    "corpus_cache_dir",
    "corpus_folder_name",
    "default_corpus",
    "main",
]

#: Bump when a change alters what a build writes; it keys the cache folder.
BUILDER_VERSION = 5

AUDIO_SR = 22050
COMPLETE_MARKER = ".complete"
_BUILD_DIR = ".build"
_TAIL_SECONDS = 0.5  # let the last notes ring
_VELOCITY = 80
_PEAK = 0.9


class ScoreWarning(UserWarning):
    """A score could not be read or rendered and was skipped."""


@dataclass(frozen=True)
class CorpusSpec:
    """What a build renders.

    Attributes
    ----------
    name : str
        ``"full"`` or ``"small"``; part of the cache folder's name.
    composers : tuple of str or None
        music21 corpus composer names; ``None``: every composer with at least
        ``min_works`` works (:meth:`composer_names`).
    recordings_per_composer : int
    segment_seconds, min_seconds : float
        Longest and shortest section of a score kept as a recording.
    max_segments : int
        Most recordings taken from one score.  First sections of every
        movement are kept before any second section, so a composer with at
        least ``recordings_per_composer`` movements gets one recording each.
    smallest_first : bool
        Draw candidates among the smallest files (fast to parse).
    max_file_bytes : int
        Skip bigger files (whole quartets that take many seconds to parse).
    test_fraction : float
    min_works : int
        Fewest distinct works a composer needs to be a class.
    """

    name: str
    composers: tuple[str, ...] | None
    recordings_per_composer: int
    segment_seconds: float
    min_seconds: float
    max_segments: int
    smallest_first: bool = False
    max_file_bytes: int = 250_000
    test_fraction: float = 0.22
    min_works: int = 5

    def composer_names(self) -> tuple[str, ...]:
        """The composers a build renders, in class order."""
        if self.composers is not None:
            return tuple(self.composers)
        return qualifying_composers(self.min_works, max_file_bytes=self.max_file_bytes)


#: The default corpus: every composer with at least 5 works x 16 recordings
#: of up to 90 s, at most two per movement.
FULL = CorpusSpec(
    name="full",
    composers=None,
    recordings_per_composer=16,
    segment_seconds=90.0,
    # 20 s keeps Mozart's K. 545 exposition (21 s), his fifth work: every
    # composer then has at least five works, enough for 5-fold grouped CV.
    min_seconds=20.0,
    max_segments=2,
)

#: The small corpus for tests: the same composers x 6 recordings of up to 20 s.
SMALL = CorpusSpec(
    name="small",
    composers=None,
    recordings_per_composer=6,
    segment_seconds=20.0,
    min_seconds=10.0,
    max_segments=1,
    smallest_first=True,
)


# --------------------------------------------------------------------------
# Cache location


def corpus_cache_dir() -> Path:
    """Folder holding the rendered corpora (:func:`features.cache.cache_root`)."""
    from features.cache import cache_root

    return cache_root()


def corpus_folder_name(*, small: bool = False, seed: int = 0) -> str:
    """Cache folder name of a corpus, e.g. ``corpus-v4-full-seed0``."""
    return f"corpus-v{BUILDER_VERSION}-{'small' if small else 'full'}-seed{seed}"


# --------------------------------------------------------------------------
# Candidate scores


def _corpus_root() -> Path:
    from .works import corpus_root

    return corpus_root()


def candidate_scores(composer: str, spec: CorpusSpec, seed: int) -> list[str]:
    """Candidate score paths of a composer, relative to music21's corpus, in
    the seeded order a build tries them.

    Works are shuffled, and so are the movements of each work; candidates
    then take one movement of every work in turn (a round-robin), so the
    first recordings come from as many different works as there are.  With
    ``spec.smallest_first`` each work offers its smallest files first and
    only the ``3 * recordings_per_composer`` works with the smallest files
    are used (fast to parse, for the small test corpus).
    """
    root = _corpus_root()
    works = composer_works(composer, root=root, max_file_bytes=spec.max_file_bytes)
    rng = random.Random(f"candidates-{seed}-{composer}")
    names = sorted(works)
    queues = {}
    for name in names:
        movements = sorted(works[name])
        rng.shuffle(movements)
        if spec.smallest_first:
            movements.sort(key=lambda rel: (root / rel).stat().st_size)
        queues[name] = movements
    if spec.smallest_first:
        names.sort(key=lambda w: ((root / queues[w][0]).stat().st_size, w))
        names = names[: 3 * spec.recordings_per_composer]
    rng.shuffle(names)
    order = []
    for depth in range(max((len(q) for q in queues.values()), default=0)):
        order.extend(queues[w][depth] for w in names if depth < len(queues[w]))
    return order[:999]  # ids leave room for 999 candidates per composer


def recording_id(composer_index: int, candidate_index: int, segment: int) -> int:
    """Id of a recording: composer, candidate score and section."""
    return 10000 * (composer_index + 1) + 10 * candidate_index + segment


def draw_ensemble(seed: int, composer: str, slot: int, ensembles=ENSEMBLES):
    """The ensemble of a composer's recording number ``slot`` (from
    ``ensembles``, default :data:`~baselines.data.ensembles.ENSEMBLES`).

    Each composer's slots run through its own seeded permutation of
    :data:`ENSEMBLES`, over and over: every ensemble is about equally common
    for every composer, so the ensemble says nothing about the composer, and
    no instrument is left too rare by chance.
    """
    order = list(range(len(ensembles)))
    random.Random(f"ensembles-{seed}-{composer}").shuffle(order)
    return ensembles[order[slot % len(order)]]


# --------------------------------------------------------------------------
# Rendering one score


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


_SOUNDFONT: bytes | None = None


def _soundfont() -> bytes:
    global _SOUNDFONT
    if _SOUNDFONT is None:
        import pretty_midi

        path = os.path.join(os.path.dirname(pretty_midi.__file__), "TimGM6mb.sf2")
        with open(path, "rb") as f:
            _SOUNDFONT = f.read()
    return _SOUNDFONT


def _fmt(x: float) -> str:
    return repr(round(float(x), 6))


def _replace_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}")
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def _csv_bytes(header, rows) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8")


def _synthesise(notes, seconds: float) -> "np.ndarray":
    """Mono float32 audio at AUDIO_SR of exactly ``round(seconds * AUDIO_SR)``
    samples."""
    import numpy as np
    import midirenderer
    import pretty_midi
    import soundfile as sf
    import soxr

    pm = pretty_midi.PrettyMIDI(initial_tempo=120.0)
    instruments = {}
    for n in notes:
        if n.player not in instruments:
            instruments[n.player] = pretty_midi.Instrument(program=n.render_program - 1)
        instruments[n.player].notes.append(
            pretty_midi.Note(velocity=_VELOCITY, pitch=n.pitch, start=n.start, end=n.end)
        )
    for player in sorted(instruments):
        pm.instruments.append(instruments[player])
    midi = io.BytesIO()
    pm.write(midi)
    wav = midirenderer.render_wave_from(_soundfont(), midi.getvalue())
    data, sr = sf.read(io.BytesIO(wav), dtype="float32", always_2d=True)
    y = soxr.resample(data.mean(axis=1), sr, AUDIO_SR).astype(np.float32)
    n = int(round(seconds * AUDIO_SR))
    y = np.pad(y[:n], (0, max(0, n - len(y))))
    peak = float(np.max(np.abs(y))) if len(y) else 0.0
    if peak > 0:
        y *= _PEAK / peak
    return y


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
    catalog = work_of(source, root=_corpus_root())
    title = " ".join(title.split())
    if re.search(r"\.(mxl|xml|musicxml|krn)$", title, re.I):
        title = ""  # music21 fills in the file name when a score has no title
    composition = title or " ".join(pieces[:-1]) or pieces[-1]
    movement = pieces[-1] if len(pieces) > 1 else ""
    return composition, movement, catalog


def render_score(job: ScoreJob, staging: Path, *, spec: CorpusSpec, seed: int) -> dict:
    """Render the recordings of one score into ``staging``.

    Writes ``<id>.csv`` then ``<id>.wav`` for each section (each under a
    temporary name, then renamed), then ``<key>.json`` describing the score's
    recordings: the score counts as done only once that file exists.  A
    score that fails is recorded with its error and no recordings.
    """
    from .orchestrate import orchestrate
    from .scores import parse_score

    result = {"job": asdict(job), "error": None, "recordings": []}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # music21's chatter about the files
            parsed = parse_score(_corpus_root() / job.source)
        sections = _segments(parsed, spec.segment_seconds, spec.min_seconds, job.max_segments)
        composition, movement, catalog = _describe(job.source, parsed.title)
        for k, t0, music_end, parts in sections:
            rec_id = recording_id(job.composer_index, job.candidate_index, k)
            ensemble = draw_ensemble(
                seed, job.composer, job.candidate_index * spec.max_segments + k)
            notes = orchestrate(parts, ensemble)
            seconds = music_end + _TAIL_SECONDS
            y = _synthesise(notes, seconds)
            rows = sorted(
                (
                    int(round(n.start * LABEL_SR)), int(round(n.end * LABEL_SR)),
                    n.instrument, n.pitch, _fmt(n.start_beat), _fmt(n.beats), n.note_value,
                )
                for n in notes
            )
            _replace_write(staging / f"{rec_id}.csv", _csv_bytes(LABEL_COLUMNS, rows))
            _write_wav(staging / f"{rec_id}.wav", y)
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
    _replace_write(staging / f"{job.key}.json", json.dumps(result, sort_keys=True).encode())
    return result


def _write_wav(path: Path, y) -> None:
    import soundfile as sf

    buf = io.BytesIO()
    sf.write(buf, y, AUDIO_SR, subtype="PCM_16", format="WAV")
    _replace_write(path, buf.getvalue())


# --------------------------------------------------------------------------
# Building a corpus


def _run_jobs(jobs, staging, spec, seed, n_jobs, bar):
    """Render the jobs not done yet; return every job's result by key."""
    results = {}
    todo = []
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
        for result in parallel(
            delayed(render_score)(job, staging, spec=spec, seed=seed) for job in todo
        ):
            results[ScoreJob(**result["job"]).key] = result
            bar.update(1)
    return results


def _keep(recordings: list[dict], target: int) -> list[dict]:
    """The first ``target`` recordings, first sections of every movement
    before any second section (ids end in the section number)."""
    order = sorted(recordings, key=lambda rec: (rec["id"] % 10, rec["id"]))
    return sorted(order[:target], key=lambda rec: rec["id"])


def _split(recordings: list[dict], spec: CorpusSpec, seed: int, composer: str) -> set[int]:
    """Ids of a composer's test recordings, chosen work by work."""
    groups: dict[str, list[int]] = {}
    for rec in recordings:
        groups.setdefault(rec["catalog_name"], []).append(rec["id"])
    if len(groups) < 2:
        return set()
    order = sorted(groups)
    random.Random(f"split-{seed}-{composer}").shuffle(order)
    target = max(1, round(spec.test_fraction * len(recordings)))
    test: list[int] = []
    for source in order:
        if len(test) + len(groups[source]) <= target:
            test.extend(groups[source])
    if not test:
        test = list(min((groups[s] for s in order), key=len))
    return set(test)


def build_corpus(root, *, spec: CorpusSpec = FULL, seed: int = 0, n_jobs: int = -1,
                 progress: bool = True) -> Path:
    """Render ``spec`` into the MusicNet-format folder ``root``, resuming a
    partial build there.  Returns ``root``.

    Candidates are rendered in rounds: each round parses, for every composer
    still short of recordings, as many further scores as it is expected to
    need; the first ``recordings_per_composer`` recordings in candidate order
    are kept.
    """
    root = Path(root)
    if (root / COMPLETE_MARKER).exists():
        return root
    root.mkdir(parents=True, exist_ok=True)
    with _build_lock(root):
        if (root / COMPLETE_MARKER).exists():  # built while we waited
            return root
        _build(root, spec, seed, n_jobs, progress)
    return root


@contextlib.contextmanager
def _build_lock(root: Path):
    """Hold an exclusive lock on ``root`` so that two processes (two test
    sessions, say) never build into the same folder at once; the operating
    system releases it if the holder dies."""
    try:
        import fcntl
    except ImportError:  # Windows: no concurrent builds there, no lock
        yield
        return
    with open(root / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _build(root: Path, spec: CorpusSpec, seed: int, n_jobs: int, progress: bool) -> None:
    from tqdm.auto import tqdm

    staging = root / _BUILD_DIR
    staging.mkdir(parents=True, exist_ok=True)
    for path in staging.glob("*.tmp-*"):
        path.unlink()  # debris of an interrupted build

    composers = spec.composer_names()
    candidates = {c: candidate_scores(c, spec, seed) for c in composers}
    next_candidate = {c: 0 for c in composers}
    results: dict[str, dict] = {}
    kept: dict[str, list[dict]] = {c: [] for c in composers}
    target = spec.recordings_per_composer
    bar = tqdm(total=0, unit="score", desc="rendering corpus", disable=not progress)
    try:
        while True:
            jobs = []
            for ci, composer in enumerate(composers):
                tried = [results[j] for j in results if j.startswith(f"{composer}-")]
                # Enough scores for one recording per movement where the
                # composer has that many: more works and movements, fewer
                # second sections of one movement.
                deficit = target - sum(1 for r in tried if r["recordings"])
                if deficit <= 0:
                    continue
                per_score = sum(1 for r in tried if r["recordings"]) / len(tried) if tried else 1
                n_scores = math.ceil(deficit / max(per_score, 0.5))
                while n_scores > 0 and next_candidate[composer] < len(candidates[composer]):
                    i = next_candidate[composer]
                    source = candidates[composer][i]
                    jobs.append(ScoreJob(composer, ci, i, source, spec.max_segments))
                    next_candidate[composer] += 1
                    n_scores -= 1
            if not jobs:
                break
            bar.total += len(jobs)
            bar.refresh()
            results.update(_run_jobs(jobs, staging, spec, seed, n_jobs, bar))
            for composer in composers:
                recs = []
                for key in sorted(k for k in results if k.startswith(f"{composer}-")):
                    recs.extend(results[key]["recordings"])
                kept[composer] = _keep(recs, target)
    finally:
        bar.close()

    for key in sorted(results):
        if results[key]["error"]:
            source = results[key]["job"]["source"]
            warnings.warn(f"skipped score {source}: {results[key]['error']}", ScoreWarning,
                          stacklevel=2)
    for composer in composers:
        if len(kept[composer]) < target:
            warnings.warn(
                f"composer {composer}: only {len(kept[composer])} of {target} recordings "
                "could be rendered", ScoreWarning, stacklevel=2)
    _finalise(root, staging, kept, spec, seed)


def _finalise(root: Path, staging: Path, kept, spec: CorpusSpec, seed: int) -> None:
    for sub in ("train_data", "train_labels", "test_data", "test_labels"):
        (root / sub).mkdir(exist_ok=True)
    rows = []
    for composer in kept:
        test_ids = _split(kept[composer], spec, seed, composer)
        for rec in kept[composer]:
            split = "test" if rec["id"] in test_ids else "train"
            for ext, sub in (("csv", "labels"), ("wav", "data")):
                src = staging / f"{rec['id']}.{ext}"
                dst = root / f"{split}_{sub}" / f"{rec['id']}.{ext}"
                if src.exists():
                    os.replace(src, dst)
                elif not dst.exists():
                    raise FileNotFoundError(f"recording {rec['id']}: {src} is missing")
            rows.append([rec[c] for c in METADATA_COLUMNS])
    rows.sort(key=lambda r: r[0])
    _replace_write(root / METADATA_FILENAME, _csv_bytes(METADATA_COLUMNS, rows))
    _replace_write(
        root / COMPLETE_MARKER,
        json.dumps({"builder_version": BUILDER_VERSION, "spec": spec.name, "seed": seed,
                    "recordings": len(rows)}, sort_keys=True).encode(),
    )
    shutil.rmtree(staging, ignore_errors=True)


def default_corpus(*, small: bool = False, seed: int = 0, n_jobs: int = -1,
                   progress: bool = True, cache_dir=None) -> Path:
    """The default corpus's MusicNet-format root, built on first use.

    Parameters
    ----------
    small : bool, default=False
        The small variant (6 composers x 6 recordings of ~20 s) for tests.
    seed : int, default=0
        Seeds the choice of scores, ensembles and the train/test split.
    n_jobs : int, default=-1
        joblib processes rendering scores in parallel.
    progress : bool, default=True
        Show a progress bar while building.
    cache_dir : path-like, optional
        Where corpora are kept; default :func:`corpus_cache_dir`.

    Returns
    -------
    Path
        ``<cache_dir>/corpus-v<BUILDER_VERSION>-<full|small>-seed<seed>``.
    """
    base = Path(cache_dir) if cache_dir is not None else corpus_cache_dir()
    root = base / corpus_folder_name(small=small, seed=seed)
    if (root / COMPLETE_MARKER).exists():
        return root
    return build_corpus(root, spec=SMALL if small else FULL, seed=seed, n_jobs=n_jobs,
                        progress=progress)


def main(argv=None) -> int:
    """Build (or find) the default corpus and print its summary."""
    parser = argparse.ArgumentParser(
        prog="python -m baselines.data.render",
        description="Render the default corpus from music21 scores (MusicNet format).",
    )
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
    root = default_corpus(small=args.small, seed=args.seed, n_jobs=args.n_jobs,
                          progress=not args.no_progress, cache_dir=args.out)
    from .summary import summarize_folder

    print(root)
    print(summarize_folder(root))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
