"""Peak memory of one streaming epoch, and of an epoch four times as large.

``python -m performance_report.streaming_memory --measure-memory`` measures
one epoch of :class:`baselines.streaming.StreamingSampler` on the default
corpus and on a corpus four times its size (its recordings repeated, each
copy drawn from as a separate recording): memory should not grow with the
corpus.  A measurement, not part of the library, hence its place here.
"""

from __future__ import annotations

import argparse
import sys

from baselines.streaming import StreamingSampler, load_recording_frames
from benchmarks.common import repeated_recordings

__all__ = ["measure_epoch_memory", "repeated_recordings", "main"]



def _peak_rss_mb() -> float:
    import resource

    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kb / 1024.0


def measure_epoch_memory(sampler, epoch: int = 0,
                         model=None, classes=None, encode=None) -> dict:
    """Peak memory of one epoch of ``sampler`` (and ``partial_fit`` if given).

    Uses ``tracemalloc`` (Python-level allocations, including numpy's), which
    isolates the epoch from what the process held before.  ``encode(y, Y)``
    turns a batch's composer indices and instruments into the model's
    targets (default: the composer indices), e.g.
    ``functools.partial(baselines.tasks.musicnet.encode_targets, "joint")``.

    Returns
    -------
    dict
        ``peak_mb``, ``windows``, ``batches``, ``recordings``.
    """
    import tracemalloc

    tracemalloc.start()
    try:
        n_windows = n_batches = 0
        for X, y, Y in sampler.iter_batches(epoch):
            if model is not None:
                model.partial_fit(X, y if encode is None else encode(y, Y), classes=classes)
            n_windows += len(X)
            n_batches += 1
            del X, y, Y
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return {
        "peak_mb": peak / 2**20,
        "windows": n_windows,
        "batches": n_batches,
        "recordings": len(sampler.train_recordings),
    }


def main(argv=None) -> int:
    """``python -m performance_report.streaming_memory --measure-memory``."""
    parser = argparse.ArgumentParser(
        prog="python -m performance_report.streaming_memory",
        description="Peak memory of one streaming epoch on the default corpus "
        "and on a corpus four times its size (its recordings repeated, each "
        "copy drawn from as a separate recording).",
    )
    parser.add_argument("--measure-memory", action="store_true",
                        help="measure and print the peak memory (default: off)")
    parser.add_argument("--dataset", default="default",
                        help="default, small, or musicnet (with --root) (default: default)")
    parser.add_argument("--root", default=None, help="MusicNet root (default: none)")
    parser.add_argument("--features", default="stats", help="feature set (default: stats)")
    parser.add_argument("--factors", default="1,4",
                        help="corpus size multiples to measure (default: 1,4)")
    parser.add_argument("--windows-per-recording", type=int, default=20,
                        help="windows drawn per training recording (default: 20)")
    parser.add_argument("--batch-size", type=int, default=1000,
                        help="mini-batch size (default: 1000)")
    parser.add_argument("--model", default="sgd-hinge",
                        help="model fed by partial_fit during the epoch (default: sgd-hinge)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    args = parser.parse_args(argv)
    if not args.measure_memory:
        parser.print_help()
        return 0
    from baselines.datasets import load_dataset, make_feature_extractor
    from baselines.models import make_model, output_classes

    dataset = load_dataset(args.dataset, root=args.root, seed=args.seed)
    extractor = make_feature_extractor(args.features)
    cache = dataset.frame_cache()
    base = list(dataset.train)
    for factor in (int(f) for f in args.factors.split(",")):
        recordings = repeated_recordings(base, factor)
        sampler = StreamingSampler(
            recordings, extractor, composers=dataset.composers, programs=dataset.programs,
            windows_per_recording=args.windows_per_recording, batch_size=args.batch_size,
            # No balancing: the epoch grows with the corpus, the harder case.
            strategy="none", cache=cache,
            random_state=args.seed,
        )
        model = make_model(args.model, "composer", random_state=args.seed)
        classes = output_classes("composer", len(dataset.composers), len(dataset.programs))
        # Warm the frame cache, filterbanks and compiled code first, so the
        # epoch measures slicing and fitting, not one-off set-up.
        for r in base:
            load_recording_frames(extractor, r, cache)
        warm = StreamingSampler(
            base[:2], extractor, composers=dataset.composers, programs=dataset.programs,
            windows_per_recording=2, strategy="none", cache=cache, random_state=args.seed)
        measure_epoch_memory(warm, 0, model=make_model(args.model, "composer"),
                             classes=output_classes("composer", len(dataset.composers), 0))
        result = measure_epoch_memory(sampler, 0, model=model, classes=classes)
        print(
            f"x{factor}: {result['recordings']} recordings, {result['windows']} windows "
            f"in {result['batches']} batches: peak {result['peak_mb']:.1f} MB "
            f"(tracemalloc); process peak RSS so far {_peak_rss_mb():.0f} MB"
        )
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
