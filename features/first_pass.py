"""The first pass over a corpus: fill the frame cache, here or on a dask cluster.

Every recording is decoded, resampled to the extractor's rate, put through
one STFT and its frame products, and written to the frame cache
(:class:`features.frames.FrameCache`); later epochs only slice.  The work
is one independent task per recording, so it spreads over joblib processes
on one machine or over a ``dask.distributed`` cluster, and the cache files
are the same bytes either way (each is written whole, then renamed).

``python -m features.first_pass --features stats [--scheduler ADDRESS]
[--n-jobs N] [--cache DIR] AUDIO_FILE_OR_FOLDER ...``

With ``--scheduler`` the workers must see the same audio paths and the same
cache folder (a shared file system), and have this package installed.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

__all__ = ["build_frame_cache", "corpus_frames", "audio_files", "main"]

AUDIO_SUFFIXES = (".wav", ".flac", ".ogg", ".mp3", ".aiff", ".aif")


def _ensure_cached(extractor, source, load_audio, directory) -> str:
    from .frames import FrameCache, ensure_cached

    return ensure_cached(extractor, source, load_audio=load_audio, cache=FrameCache(directory))


def build_frame_cache(extractor, sources, *, cache=None, n_jobs=1, scheduler=None,
                      progress=True, load_audio=None) -> list:
    """Compute and store the frames of every recording not cached yet.

    Parameters
    ----------
    extractor : FrameExtractor or list of FrameExtractor
        A list shares one STFT (the union of their frame products).
    sources : iterable of path-like or objects with ``audio_path`` / ``audio(sr=)``
        The recordings (picklable: they travel to the workers).
    cache : FrameCache, path-like or None
        Default ``FrameCache()`` (``<cache root>/frames``).
    n_jobs : int, default=1
        joblib processes when ``scheduler`` is None.
    scheduler : str, dask.distributed.Client or None
        A scheduler address (``tcp://host:8786``) or a client: one task per
        recording on that cluster.
    progress : bool
        A tqdm bar over recordings.
    load_audio : callable, optional
        ``load_audio(source, sr)``, called only on a miss (picklable).

    Returns
    -------
    list of str
        The cache keys, in the order of ``sources``.
    """
    from tqdm.auto import tqdm

    from .frames import FrameCache

    directory = (cache if isinstance(cache, FrameCache) else FrameCache(cache)).directory
    sources = list(sources)
    bar = tqdm(total=len(sources), disable=not progress, desc="first pass", unit="rec")
    try:
        if scheduler is None:
            from joblib import Parallel, delayed

            jobs = (delayed(_ensure_cached)(extractor, s, load_audio, directory) for s in sources)
            keys = []
            for key in Parallel(n_jobs=n_jobs, return_as="generator")(jobs):
                keys.append(key)
                bar.update()
            return keys
        return _on_dask(scheduler, extractor, sources, load_audio, directory, bar)
    finally:
        bar.close()


def _on_dask(scheduler, extractor, sources, load_audio, directory, bar) -> list:
    from dask.distributed import Client, as_completed

    client = scheduler if isinstance(scheduler, Client) else Client(scheduler)
    try:
        # One small object per worker, not one copy per task.
        extractor_future = client.scatter(extractor, broadcast=True)
        futures = [client.submit(_ensure_cached, extractor_future, s, load_audio, str(directory),
                                 key=f"first-pass-{i}", pure=False)
                   for i, s in enumerate(sources)]
        for _ in as_completed(futures):
            bar.update()
        return client.gather(futures)
    finally:
        if client is not scheduler:
            client.close()


def corpus_frames(extractor, items, *, cache=None, n_jobs=1, progress=True, load_audio=None,
                  scheduler=None):
    """Frames of many recordings, computed in parallel and cached; resumable.

    Parameters
    ----------
    extractor : FrameExtractor or list of FrameExtractor
    items : iterable of path-like or objects with ``audio_path`` / ``audio(sr=)``
    cache : FrameCache or path-like, optional
    n_jobs : int
        joblib processes; recordings already cached cost a file check.
    progress : bool
        Show a tqdm progress bar.
    load_audio : callable, optional
        As in :func:`cached_recording_frames` (must be picklable for n_jobs > 1).
    scheduler : str, dask.distributed.Client or None
        Run on a dask cluster instead (:func:`build_frame_cache`).

    Returns
    -------
    list of RecordingFrames, memory-mapped, in the order of ``items``.
    """
    from .frames import FrameCache, _frame_spec

    sr, n_fft, hop, products = _frame_spec(extractor)
    cache = cache if isinstance(cache, FrameCache) else FrameCache(cache)
    keys = build_frame_cache(extractor, items, cache=cache, n_jobs=n_jobs, scheduler=scheduler,
                             progress=progress, load_audio=load_audio)
    return [cache.load(k, products, sr=sr, n_fft=n_fft, hop_length=hop) for k in keys]


def audio_files(paths) -> list:
    """Audio files named, or found (recursively, sorted) in folders named.

    Raises
    ------
    FileNotFoundError
        A path that does not exist, or a folder with no audio file.
    """
    found = []
    for path in map(Path, paths):
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.suffix.lower() in AUDIO_SUFFIXES)
            if not files:
                raise FileNotFoundError(f"{path}: no audio file ({', '.join(AUDIO_SUFFIXES)})")
            found.extend(files)
        elif path.is_file():
            found.append(path)
        else:
            raise FileNotFoundError(f"{path}: no such file or folder")
    return found


def main(argv=None) -> int:
    from .registry import FEATURE_SETS, make_extractor

    parser = argparse.ArgumentParser(
        prog="python -m features.first_pass",
        description="Fill the frame cache for audio files: decode, resample, one STFT and "
        "the feature set's frame products per recording, locally or on a dask cluster.")
    parser.add_argument("paths", nargs="+", help="audio files or folders (searched recursively)")
    parser.add_argument("--features", default="stats", choices=sorted(FEATURE_SETS),
                        help="feature set whose frames to build (default: stats)")
    parser.add_argument("--cache", default=None,
                        help="frame cache folder (default: $MUSIC_BASELINES_CACHE/frames)")
    parser.add_argument("--n-jobs", type=int, default=1,
                        help="local joblib processes when no --scheduler (default: 1)")
    parser.add_argument("--scheduler", default=None,
                        help="dask.distributed scheduler ADDRESS, e.g. tcp://host:8786; workers "
                        "must see the same paths and cache folder (default: run locally)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    from .allocator import keep_freed_memory

    keep_freed_memory()  # recordings' buffers reused, not faulted in again
    try:
        files = audio_files(args.paths)
    except FileNotFoundError as exc:
        print(f"features.first_pass: {exc}", file=sys.stderr)
        return 2
    keys = build_frame_cache(make_extractor(args.features), files, cache=args.cache,
                             n_jobs=args.n_jobs, scheduler=args.scheduler,
                             progress=not args.no_progress)
    from .frames import FrameCache

    where = FrameCache(args.cache).directory
    print(f"{len(keys)} recordings' `{args.features}` frames in {os.fspath(where)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
