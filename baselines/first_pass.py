"""Fill the frame cache for a corpus and a feature set, here or on a dask cluster.

``python -m baselines.first_pass [--root DIR] [--features stats]
[--scheduler ADDRESS] [--n-jobs N]``

The same frames, under the same keys, as the learning-curve command reads
(each recording read by the corpus reader, resampled to the feature set's
rate): run it once on a cluster, then train anywhere that sees the cache.
With ``--scheduler`` the workers must see the corpus and the cache folder
at the same paths (a shared file system) and have this package installed.
"""

from __future__ import annotations

import argparse

__all__ = ["main"]


def main(argv=None) -> int:
    from features.first_pass import build_frame_cache
    from features.frames import FrameCache
    from features.registry import FEATURE_SETS, make_extractor

    parser = argparse.ArgumentParser(prog="python -m baselines.first_pass",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=None,
                        help="MusicNet-format corpus folder (default: the default rendered "
                        "corpus, built first if missing)")
    parser.add_argument("--small", action="store_true",
                        help="with no --root: the small default corpus (default: the full one)")
    parser.add_argument("--features", default="stats", choices=sorted(FEATURE_SETS),
                        help="feature set whose frames to build (default: stats)")
    parser.add_argument("--cache", default=None,
                        help="frame cache folder (default: $MUSIC_BASELINES_CACHE/frames, "
                        "where training reads)")
    parser.add_argument("--n-jobs", type=int, default=1,
                        help="local joblib processes when no --scheduler (default: 1)")
    parser.add_argument("--scheduler", default=None,
                        help="dask.distributed scheduler ADDRESS, e.g. tcp://host:8786 "
                        "(default: run locally)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)

    from baselines.data.musicnet import MusicNetCorpus
    from features.allocator import keep_freed_memory

    keep_freed_memory()  # recordings' buffers reused, not faulted in again

    root = args.root
    if root is None:
        from baselines.data.render import default_corpus

        root = default_corpus(small=args.small, progress=not args.no_progress)
    corpus = MusicNetCorpus(root)
    keys = build_frame_cache(make_extractor(args.features), corpus.recordings, cache=args.cache,
                             n_jobs=args.n_jobs, scheduler=args.scheduler,
                             progress=not args.no_progress)
    print(f"{len(keys)} recordings of {root}: `{args.features}` frames in "
          f"{FrameCache(args.cache).directory}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
