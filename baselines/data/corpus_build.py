"""The build machinery the embedded-corpus builders share.

Every embedded corpus (:mod:`~baselines.data.chord_corpus`,
:mod:`~baselines.data.style_corpus`) is built the same way:

- once, into a cache folder whose name carries its builder version
  (:func:`cached_corpus`); a ``.complete`` marker, written last, says the
  folder is finished;
- under an exclusive lock, so two processes never build into one folder
  (:func:`build_locked`);
- resumably, item by item: each item (a score, a piece) is rendered by a
  joblib worker into the staging folder ``.build/`` under temporary names,
  renamed into place, and recorded in ``.build/<key>.json`` once complete;
  a rerun keeps every recorded item whose job is unchanged
  (:func:`run_jobs`);
- in rounds where a group (a composer, a style) needs a number of items and
  candidates may fail (:func:`render_in_rounds`);
- behind the same command line (:func:`corpus_main`).
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
import shutil
import warnings
from dataclasses import asdict
from pathlib import Path

__all__ = ["BUILD_DIR", "COMPLETE_MARKER", "ScoreWarning", "build_lock", "build_locked",
           "cached_corpus", "corpus_cache_dir", "corpus_main", "csv_bytes", "finish",
           "grouped_test_ids", "kept_items", "open_staging", "render_in_rounds", "replace_write",
           "run_jobs", "warn_skipped"]

BUILD_DIR = ".build"
COMPLETE_MARKER = ".complete"


class ScoreWarning(UserWarning):
    """A score could not be read or rendered and was skipped."""


def corpus_cache_dir() -> Path:
    """Folder holding the rendered corpora (:func:`features.cache.cache_root`)."""
    from features.cache import cache_root

    return cache_root()


def replace_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` under a temporary name, then rename it:
    a reader never sees half a file."""
    tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}")
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def csv_bytes(header, rows) -> bytes:
    """A csv file's bytes (``\\n`` line ends, UTF-8)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8")


@contextlib.contextmanager
def build_lock(root: Path):
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


def cached_corpus(folder_name: str, build, *, cache_dir=None) -> Path:
    """``<cache_dir>/<folder_name>``, built by ``build(root)`` unless complete.

    ``cache_dir`` defaults to :func:`corpus_cache_dir`.
    """
    base = Path(cache_dir) if cache_dir is not None else corpus_cache_dir()
    root = base / folder_name
    if (root / COMPLETE_MARKER).exists():
        return root
    return build(root)


def build_locked(root, build) -> Path:
    """Run ``build(root)`` under the folder's lock unless ``root`` is complete
    (or becomes complete while waiting for the lock).  Returns ``root``."""
    root = Path(root)
    if (root / COMPLETE_MARKER).exists():
        return root
    root.mkdir(parents=True, exist_ok=True)
    with build_lock(root):
        if not (root / COMPLETE_MARKER).exists():  # else built while we waited
            build(root)
    return root


def open_staging(root: Path) -> Path:
    """The staging folder ``root/.build``, cleared of an interrupted build's
    temporary files (finished items stay)."""
    staging = root / BUILD_DIR
    staging.mkdir(parents=True, exist_ok=True)
    for path in staging.glob("*.tmp-*"):
        path.unlink()  # debris of an interrupted build
    return staging


def run_jobs(jobs, staging: Path, render, *, n_jobs: int, bar) -> dict:
    """Render the jobs not done yet; return every job's result by job key.

    Parameters
    ----------
    jobs : list of dataclass
        Frozen dataclasses of one type with a ``key`` property.
    staging : Path
    render : callable
        ``render(job, staging) -> dict`` (picklable: joblib runs it in
        worker processes), whose result holds ``"job": asdict(job)`` and which
        writes ``staging/<key>.json`` last.
    n_jobs : int
        joblib processes.
    bar : tqdm
        Advanced by one per job, stored or rendered.
    """
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

        job_type = type(todo[0])
        parallel = Parallel(n_jobs=n_jobs, return_as="generator_unordered")
        for result in parallel(delayed(render)(job, staging) for job in todo):
            results[job_type(**result["job"]).key] = result
            bar.update(1)
    return results


def kept_items(results: dict, group: str, field: str,
               target: int | None) -> list[tuple[dict, dict]]:
    """The first ``target`` items (``result[field]``; ``None``: all) of a
    group's results in key order (keys start with ``"<group>-"``), each as
    ``(job, item)``."""
    items = []
    for key in sorted(k for k in results if k.startswith(f"{group}-")):
        items.extend((results[key]["job"], item) for item in results[key][field])
    return items[:target]


def render_in_rounds(groups, candidates: dict, *, target: int, yield_of, first_guess,
                     make_job, run, bar) -> dict:
    """Render candidates in rounds until every group has ``target`` items or
    runs out of candidates; return every result by job key.

    Each round takes, for every group still short (its jobs' yields sum to
    less than ``target``), as many further candidates as it is expected to
    need: its shortfall over the mean yield per job so far
    (``first_guess(group)`` before any result).

    Parameters
    ----------
    groups : sequence of str
    candidates : dict
        Group -> its candidates in the order to try them.
    target : int
    yield_of : callable
        ``yield_of(result) -> int``: what a job counts towards its group's
        target (e.g. its number of clips).
    first_guess : callable
        ``first_guess(group) -> float``.
    make_job : callable
        ``make_job(group_index, group, candidate_index, candidate) -> job``.
    run : callable
        ``run(jobs) -> dict`` of results by key (:func:`run_jobs`).
    bar : tqdm
        Its total grows by each round's jobs.
    """
    next_candidate = {g: 0 for g in groups}
    results: dict[str, dict] = {}
    while True:
        jobs = []
        for gi, group in enumerate(groups):
            tried = [r for k, r in results.items() if k.startswith(f"{group}-")]
            deficit = target - sum(yield_of(r) for r in tried)
            if deficit <= 0:
                continue
            per_job = (sum(yield_of(r) for r in tried) / len(tried) if tried
                       else first_guess(group))
            n_more = math.ceil(deficit / max(per_job, 0.5))
            while n_more > 0 and next_candidate[group] < len(candidates[group]):
                i = next_candidate[group]
                jobs.append(make_job(gi, group, i, candidates[group][i]))
                next_candidate[group] += 1
                n_more -= 1
        if not jobs:
            return results
        bar.total += len(jobs)
        bar.refresh()
        results.update(run(jobs))


def warn_skipped(results: dict, kept: dict, *, target: int, job_word: str, group_word: str,
                 item_word: str) -> None:
    """A :class:`ScoreWarning` per failed job (``skipped <job_word> <source>:
    <error>``) and per group left short of ``target`` items."""
    for key in sorted(results):
        if results[key]["error"]:
            warnings.warn(f"skipped {job_word} {results[key]['job']['source']}: "
                          f"{results[key]['error']}", ScoreWarning, stacklevel=3)
    for group, items in kept.items():
        if len(items) < target:
            warnings.warn(f"{group_word} {group}: only {len(items)} of {target} {item_word} "
                          "could be rendered", ScoreWarning, stacklevel=3)


def grouped_test_ids(items: list[dict], *, id_field: str, fraction: float, rng_seed: str,
                     group_field: str = "source", at_least_one: bool = False) -> set:
    """Ids of the test items, chosen group by group (``item[group_field]``)
    so that no group straddles the split.

    Groups are taken in a seeded order (``random.Random(rng_seed)``) while
    they fit in ``max(1, round(fraction * len(items)))``; with
    ``at_least_one`` and nothing fitting, the smallest group is the test
    side.  Fewer than two groups: no test items.
    """
    groups: dict[str, list] = {}
    for item in items:
        groups.setdefault(item[group_field], []).append(item[id_field])
    if len(groups) < 2:
        return set()
    order = sorted(groups)
    random.Random(rng_seed).shuffle(order)
    target = max(1, round(fraction * len(items)))
    test: list = []
    for source in order:
        if len(test) + len(groups[source]) <= target:
            test.extend(groups[source])
    if at_least_one and not test:
        test = list(min((groups[s] for s in order), key=len))
    return set(test)


def finish(root: Path, staging: Path, marker: dict) -> None:
    """Write the ``.complete`` marker (``marker`` as JSON), then drop the
    staging folder."""
    replace_write(root / COMPLETE_MARKER, json.dumps(marker, sort_keys=True).encode())
    shutil.rmtree(staging, ignore_errors=True)


def corpus_main(argv, *, prog: str, description: str, corpus, summarize, end: str = "\n") -> int:
    """The builders' command line: build (or find) a corpus, print its root
    and ``summarize(root)``.

    ``corpus(small=, seed=, n_jobs=, progress=, cache_dir=) -> Path``.
    """
    parser = argparse.ArgumentParser(prog=prog, description=description)
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
    root = corpus(small=args.small, seed=args.seed, n_jobs=args.n_jobs,
                  progress=not args.no_progress, cache_dir=args.out)
    print(root)
    print(summarize(root), end=end)
    return 0
