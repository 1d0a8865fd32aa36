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
movements gets one recording per movement.  Every recording is
orchestrated for one of :data:`~baselines.data.ensembles.ENSEMBLES`, taken
in turn from a seeded order of its composer's own
(:func:`~baselines.data.ensembles.draw_ensemble`): each ensemble is about
equally common for every composer, so a model has to recognise a composer
from the music rather than from the timbre.  Scores that music21 cannot read are
skipped with a :class:`ScoreWarning`, and more candidates are taken until
every composer has its share.  About ``test_fraction`` of each composer's
recordings go to ``test_*``, chosen by work (no work straddles the split:
the ``catalog_name`` column names it, see
:func:`~baselines.data.works.work_of`), at least one work per composer.

One score is rendered by :mod:`baselines.data.render_score`, its audio by
:mod:`baselines.data.synth`; the build machinery (cache folder, lock,
resumable fan-out, rounds, split, command line) is
:mod:`baselines.data.corpus_build`'s.  Builds are deterministic (same seed
and :data:`BUILDER_VERSION`: the same metadata and label files, byte for
byte) and resumable: each score's
recordings are written under temporary names, renamed into place, and
recorded in a per-score file under ``.build/`` once all of them are
complete; the metadata is written last, then the ``.complete`` marker.
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass
from functools import partial
from pathlib import Path

# COMPLETE_MARKER, ScoreWarning, corpus_cache_dir and LABEL_COLUMNS are also
# read from here (tests, callers of the default corpus)
from .corpus_build import (COMPLETE_MARKER, ScoreWarning, build_locked, cached_corpus,
                           corpus_cache_dir, corpus_main, csv_bytes, finish, grouped_test_ids,
                           kept_items, open_staging, render_in_rounds, replace_write, run_jobs,
                           warn_skipped)
from .musicnet import LABEL_COLUMNS, METADATA_COLUMNS, METADATA_FILENAME  # noqa: F401
from .render_score import ScoreJob, render_score
from .works import composer_works, corpus_root, qualifying_composers

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


def corpus_folder_name(*, small: bool = False, seed: int = 0) -> str:
    """Cache folder name of a corpus, e.g. ``corpus-v4-full-seed0``."""
    return f"corpus-v{BUILDER_VERSION}-{'small' if small else 'full'}-seed{seed}"


# --------------------------------------------------------------------------
# Candidate scores


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
    root = corpus_root()
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


# --------------------------------------------------------------------------
# Building a corpus


def _keep(recordings: list[dict], target: int) -> list[dict]:
    """The first ``target`` recordings, first sections of every movement
    before any second section (ids end in the section number)."""
    order = sorted(recordings, key=lambda rec: (rec["id"] % 10, rec["id"]))
    return sorted(order[:target], key=lambda rec: rec["id"])


def build_corpus(root, *, spec: CorpusSpec = FULL, seed: int = 0, n_jobs: int = -1,
                 progress: bool = True) -> Path:
    """Render ``spec`` into the MusicNet-format folder ``root``, resuming a
    partial build there.  Returns ``root``.

    Candidates are rendered in rounds
    (:func:`~baselines.data.corpus_build.render_in_rounds`): each round
    parses, for every composer still short of scores that gave recordings,
    as many further scores as it is expected to need; of a composer's
    recordings the first sections of every movement are kept first
    (:func:`_keep`).
    """
    return build_locked(root, lambda root: _build(root, spec, seed, n_jobs, progress))


def _build(root: Path, spec: CorpusSpec, seed: int, n_jobs: int, progress: bool) -> None:
    from tqdm.auto import tqdm

    staging = open_staging(root)
    composers = spec.composer_names()
    target = spec.recordings_per_composer
    render = partial(render_score, spec=spec, seed=seed)
    with tqdm(total=0, unit="score", desc="rendering corpus", disable=not progress) as bar:
        results = render_in_rounds(
            composers, {c: candidate_scores(c, spec, seed) for c in composers}, target=target,
            # Enough scores for one recording per movement where the composer
            # has that many: more works and movements, fewer second sections
            # of one movement.
            yield_of=lambda result: 1 if result["recordings"] else 0,
            first_guess=lambda composer: 1,
            make_job=lambda ci, composer, i, source: ScoreJob(composer, ci, i, source,
                                                              spec.max_segments),
            run=lambda jobs: run_jobs(jobs, staging, render, n_jobs=n_jobs, bar=bar), bar=bar)
    kept = {c: _keep([rec for _, rec in kept_items(results, c, "recordings", None)], target)
            for c in composers}
    warn_skipped(results, kept, target=target, job_word="score", group_word="composer",
                 item_word="recordings")
    _finalise(root, staging, kept, spec, seed)


def _finalise(root: Path, staging: Path, kept, spec: CorpusSpec, seed: int) -> None:
    for sub in ("train_data", "train_labels", "test_data", "test_labels"):
        (root / sub).mkdir(exist_ok=True)
    rows = []
    for composer in kept:
        # whole works on one side, at least one work tested per composer
        test_ids = grouped_test_ids(kept[composer], id_field="id", group_field="catalog_name",
                                    fraction=spec.test_fraction,
                                    rng_seed=f"split-{seed}-{composer}", at_least_one=True)
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
    replace_write(root / METADATA_FILENAME, csv_bytes(METADATA_COLUMNS, rows))
    finish(root, staging, {"builder_version": BUILDER_VERSION, "spec": spec.name, "seed": seed,
                           "recordings": len(rows)})


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
    return cached_corpus(
        corpus_folder_name(small=small, seed=seed),
        lambda root: build_corpus(root, spec=SMALL if small else FULL, seed=seed,
                                  n_jobs=n_jobs, progress=progress),
        cache_dir=cache_dir)


def _summary(root) -> str:
    from .summary import summarize_folder

    return summarize_folder(root)


def main(argv=None) -> int:
    """Build (or find) the default corpus and print its summary."""
    return corpus_main(
        argv, prog="python -m baselines.data.render",
        description="Render the default corpus from music21 scores (MusicNet format).",
        corpus=default_corpus, summarize=_summary)


if __name__ == "__main__":
    raise SystemExit(main())
