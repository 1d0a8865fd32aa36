"""The performance report: the comparisons that matter, side by side, in one run.

``python -m performance_report [--profile regular] [--output results/performance.md]``

Every figure is a ratio (or an exponent) of two measurements taken in this
one process, minutes apart, on the same data, with one BLAS thread and CPU
time (``time.process_time``): the machines we run on are shared and noisy
(PERFORMANCE_NOTES.md), so absolute times travel badly and ratios well.
It uses the asv suite's own data builders, references and workloads
(``benchmarks.common``, ``bench_features``, ``bench_models``,
``bench_streaming``), so the report and ``asv run`` measure the same thing.

Targets (printed as ``pass`` or ``short``):

- windows sliced from cached frames at least 20x faster than per-window
  librosa (every extractor);
- the first pass over the corpus (one shared STFT and the derived frames)
  at least half the rate of a bare FFT of the same frames;
- streaming SGD peak memory grows by at most 10 % when the corpus grows 4x;
- KNN prediction cost per window grows at most linearly with training size.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import os
import platform
import sys
import time
import warnings
from functools import partial
from pathlib import Path

import numpy as np

# benchmarks.common reads the profile from the environment when it is first
# imported: main() sets it before importing anything from the suite.
WINDOWS_PER_RECORDING = 4  # benchmarks.common.WINDOWS_PER_RECORDING, checked in main()

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = ROOT / "results" / "performance.md"

from performance_report.page import render, summary_rows  # noqa: E402,F401


def _log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def measure(function, *, repeat: int, budget: float = 20.0) -> float:
    """Median CPU seconds of up to ``repeat`` calls (fewer past ``budget`` s)."""
    times = []
    spent = 0.0
    for _ in range(max(1, repeat)):
        start = time.process_time()
        function()
        elapsed = time.process_time() - start
        times.append(elapsed)
        spent += elapsed
        if spent > budget:
            break
    return float(np.median(times))


def exponent(small: float, large: float, factor: float = 4.0) -> float:
    """``k`` in ``cost ~ size**k`` from costs at ``size`` and ``factor * size``."""
    if small <= 0 or large <= 0:
        return float("nan")
    return float(np.log(large / small) / np.log(factor))


# ---------------------------------------------------------------------------
# The measurements


def feature_doors(profile, repeat: int) -> list[dict]:
    """Seconds of audio per CPU second for each extractor and door."""
    from benchmarks import bench_features as bf
    from benchmarks.common import load_corpus

    corpus = load_corpus(profile)
    rows = []
    for name in bf.FEATURE_NAMES:
        extractor, _, plan, windows = bf.feature_workload(name, profile.feature_windows, corpus)
        extractor.fit(windows)
        audio_seconds = len(windows) * windows.shape[1] / bf.extractor_rate(extractor)[0]
        try:
            reference = bf.librosa_reference(extractor)
        except NotImplementedError as error:
            # A feature set with no per-window librosa equivalent (e.g. the
            # beat-synchronous fused image) has no ratio to report.
            warnings.warn(f"feature doors: {name} skipped: {error}", stacklevel=2)
            continue
        frame_plan = bf.cached_frames(extractor, corpus, plan)  # fills the cache
        reference(windows[:1])  # lazy imports, numba compilation
        extractor.transform(windows[:1])
        doors = {
            "librosa": lambda: reference(windows),
            "transform": lambda: extractor.transform(windows),
            "frames": lambda: bf.frames_door(extractor, frame_plan, windows.shape[1]),
        }
        seconds = {door: measure(run, repeat=repeat) for door, run in doors.items()}
        rows.append({
            "features": name,
            "windows": len(windows),
            "audio_seconds": audio_seconds,
            **{f"{door}_seconds": s for door, s in seconds.items()},
            **{f"{door}_realtime": audio_seconds / s for door, s in seconds.items()},
            "frames_vs_librosa": seconds["librosa"] / seconds["frames"],
            "transform_vs_librosa": seconds["librosa"] / seconds["transform"],
        })
        _log(f"features {name}: frames {rows[-1]['frames_vs_librosa']:.1f}x librosa")
    return rows


def epoch_vs_librosa(profile, repeat: int) -> dict:
    """One streaming epoch's features: cached frames against per-window librosa.

    The frames side is a whole ``StreamingSampler`` epoch (fresh sampler:
    draw, balance, slice features from the frame cache in mini-batches).
    The librosa side runs :func:`bench_features.librosa_reference` on each
    of the same windows; loading and resampling each recording's audio is
    left out of its time (the frames side reads no audio at all).
    """
    from benchmarks import bench_features as bf
    from benchmarks import bench_streaming as bs

    train, extractor, composers, programs = bs.streaming_setup()
    bs.warm_frame_cache(train, extractor)
    sr, hop = bf.extractor_rate(extractor)

    def frames_epoch():
        sampler = bs.make_sampler(train, extractor, composers, programs)
        return sum(len(X) for X, _, _ in sampler.iter_batches(0))

    n_windows = frames_epoch()
    frames_s = measure(frames_epoch, repeat=repeat)

    windows = bs.make_sampler(train, extractor, composers, programs).epoch_windows(0)
    reference = bf.librosa_reference(extractor)
    n_samples = int(round(windows.length * sr))
    by_id = {r.id: r for r in train}
    starts = np.rint(windows.starts * sr / hop).astype(np.int64) * hop
    librosa_s = 0.0
    warmed = False
    for recording_id in np.unique(windows.recording_ids):
        y = by_id[int(recording_id)].audio(sr=sr)
        cut = np.stack([
            np.pad(y[a:a + n_samples], (0, max(0, a + n_samples - len(y))))
            for a in starts[windows.recording_ids == recording_id]
        ])
        if not warmed:
            reference(cut[:1])
            warmed = True
        begin = time.process_time()
        reference(cut)
        librosa_s += time.process_time() - begin
    audio_seconds = len(windows) * windows.length
    result = {
        "features": bs.FEATURE_SET,
        "windows": n_windows,
        "audio_seconds": audio_seconds,
        "frames_realtime": audio_seconds / frames_s,
        "librosa_realtime": audio_seconds / librosa_s,
        "ratio": librosa_s / frames_s,
    }
    _log(f"epoch: frames {result['ratio']:.1f}x faster than librosa")
    return result


def combined_epoch(profile) -> dict:
    """The features team's epoch: MFCC + chroma + log-mel of random windows,
    from cached frames against librosa's three default calls per window
    (``performance_report.feature_ratios``), on the profile's corpus."""
    from performance_report import feature_ratios as fr
    from benchmarks.common import SEED, load_corpus
    from features.frames import cached_recording_frames

    corpus = load_corpus(profile)
    extractors = fr.extractors()
    recordings = list(corpus.recordings)[: (6 if profile.name == "fast" else 24)]
    frames = [cached_recording_frames(extractors, r) for r in recordings]
    audio = [r.audio(sr=fr.SR) for r in recordings]
    n_samples = int(fr.WINDOW_SECONDS * fr.SR)
    n_windows = 50 if profile.name == "fast" else 200
    plan = fr.draw_plan([len(y) for y in audio], n_windows, extractors[0].hop_length,
                        n_samples, np.random.default_rng(SEED))
    fr.draw_epoch(extractors, frames, plan[:1], n_samples)
    fr.librosa_epoch(audio, plan[:1], n_samples)
    cached = fr.cpu_time(lambda: fr.draw_epoch(extractors, frames, plan, n_samples))
    librosa_s = fr.cpu_time(lambda: fr.librosa_epoch(audio, plan, n_samples), repeat=1)
    audio_seconds = n_windows * fr.WINDOW_SECONDS
    result = {
        "windows": n_windows,
        "recordings": len(recordings),
        "frames_realtime": audio_seconds / cached,
        "librosa_realtime": audio_seconds / librosa_s,
        "ratio": librosa_s / cached,
    }
    _log(f"combined epoch: frames {result['ratio']:.1f}x faster than librosa")
    return result


def models(profile, repeat: int) -> list[dict]:
    """Fit and predict cost per 1,000 windows, peak memory, growth, scores."""
    from benchmarks import bench_models as bm
    from benchmarks.common import peak_allocated_bytes

    small, large = profile.train_sizes
    data = {n: bm.load_dataset(n) for n in (small, large)}
    rows = []
    for name in bm.MODEL_NAMES:
        row = {"model": name, "features": data[small]["X_train"].shape[1]}
        for n in (small, large):
            X, y = data[n]["X_train"], bm.targets(data[n], "train")
            X_test = data[n]["X_test"]
            start = time.process_time()
            fitted = bm.build(name).fit(X, y)  # warm-up, and the model to score
            first_s = time.process_time() - start
            row[f"passes_{n}"] = bm.fit_passes(fitted)
            # A fit of seconds needs no warm-up: its first run is a sample.
            fit_s = first_s if first_s > 5.0 else measure(
                lambda: bm.build(name).fit(X, y), repeat=repeat, budget=30.0)
            predict_s = measure(lambda: fitted.predict(X_test), repeat=max(repeat, 3))
            peak = peak_allocated_bytes(lambda: bm.build(name).fit(X, y))
            suite = bm.ModelSuite()
            suite.setup({(name, n): fitted}, name, n)
            accuracy, exact = suite._scores()
            row.update({
                f"fit_s_per_1000_{n}": fit_s / n * 1000,
                f"predict_s_per_1000_{n}": predict_s / len(X_test) * 1000,
                f"fit_peak_mb_{n}": peak / 2**20,
                f"composer_accuracy_{n}": accuracy,
                f"instrument_exact_match_{n}": exact,
                f"fit_s_{n}": fit_s,
                f"predict_s_{n}": predict_s,
            })
        row["fit_exponent"] = exponent(row[f"fit_s_{small}"], row[f"fit_s_{large}"])
        # Models that iterate to convergence (SGD's fit: tol=1e-3) make more
        # passes over more data: the cost of one pass grows apart from that.
        row["per_pass_exponent"] = exponent(row[f"fit_s_{small}"] / row[f"passes_{small}"],
                                            row[f"fit_s_{large}"] / row[f"passes_{large}"])
        row["predict_exponent"] = exponent(row[f"predict_s_{small}"], row[f"predict_s_{large}"])
        rows.append(row)
        _log(f"model {name}: fit x{row['fit_exponent']:.2f}, "
             f"predict x{row['predict_exponent']:.2f}")
    return rows


def _held_mb(make) -> float:
    """MB that ``make()``'s result holds (tracemalloc, while it is alive)."""
    import tracemalloc

    tracemalloc.start()
    try:
        kept = make()
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    del kept
    return held / 2**20


def streaming_memory(profile, models_to_run=("sgd-hinge",), factors=(1, 4)) -> list[dict]:
    """Peak memory (tracemalloc) of one streaming epoch, corpus x1 and x4.

    The larger corpus repeats each training recording under new ids (the
    frame cache serves them all), with the same windows per recording and
    no balancing, so the epoch itself grows 4x: memory should not.  The x1
    epoch already spans two mini-batches, so a batch never grows with it.
    ``plan_mb``: what the epoch's window plan alone holds (ids, starts,
    labels of every window of the epoch: it grows with the epoch by design).
    """
    from baselines import models as registry
    from benchmarks import bench_streaming as bs
    from performance_report.streaming_memory import measure_epoch_memory

    setup = bs.streaming_setup()
    train, extractor, composers, programs = setup
    bs.warm_frame_cache(train, extractor)

    def sampler_for(factor):
        return bs.growth_sampler(*setup, factor)

    classes = registry.output_classes(bs.TASK, len(composers), len(programs))
    rows = []
    for model_name in models_to_run:
        # An unmeasured epoch first: a process's first epoch also allocates
        # one-off state (lazy imports, caches), which would flatter x4.
        bs.run_epoch(sampler_for(1), model_name)
        for factor in factors:
            sampler = sampler_for(factor)
            model = registry.make_model(model_name, bs.TASK, random_state=0)
            start = time.process_time()
            # joint targets: partial_fit needs the instruments as well as the composer
            result = measure_epoch_memory(sampler, 0, model=model, classes=classes,
                                          encode=partial(registry.encode_targets, bs.TASK))
            result["seconds"] = time.process_time() - start
            result["plan_mb"] = _held_mb(lambda: sampler_for(factor).epoch_windows(0))
            result.update({"model": model_name, "factor": factor,
                           "batch_size": sampler.batch_size,
                           "windows_per_recording": sampler.windows_per_recording})
            rows.append(result)
            _log(f"streaming {model_name} x{factor}: {result['peak_mb']:.1f} MB")
    return rows


# ---------------------------------------------------------------------------
# The page


PARTS = ("epoch", "combined", "features", "first-pass", "whole-first-pass", "models",
         "streaming", "epoch-growth")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m performance_report",
        description="Measure the comparisons that matter in one process and write "
        "results/performance.md.",
    )
    parser.add_argument("--profile", default="regular", choices=("fast", "regular", "large"),
                        help="benchmark profile: data sizes (default: regular)")
    parser.add_argument("--output", default=str(DEFAULT_OUTPUT),
                        help=f"Markdown file to write (default: {DEFAULT_OUTPUT.relative_to(ROOT)})")
    parser.add_argument("--repeat", type=int, default=None,
                        help="repeats per timing, median taken (default: 1 for fast, 3 otherwise)")
    parser.add_argument("--only", default=",".join(PARTS),
                        help=f"comma-separated parts to run (default: {','.join(PARTS)})")
    args = parser.parse_args(argv)

    # The profile decides the data sizes of everything imported below.
    os.environ["MUSIC_BASELINES_BENCH_PROFILE"] = args.profile
    # As the commands run (features.allocator): both sides of every ratio
    # share this process and its allocator.
    from features.allocator import keep_freed_memory

    keep_freed_memory()
    from threadpoolctl import threadpool_limits

    from benchmarks import common
    from performance_report import epoch_cost, first_pass

    profile = common.get_profile(args.profile)
    if common.PROFILE != profile:
        parser.error(f"benchmarks.common was imported with profile {common.PROFILE.name!r} "
                     "before the report set it; run the report in a fresh process")
    assert common.WINDOWS_PER_RECORDING == WINDOWS_PER_RECORDING
    repeat = args.repeat or (1 if profile.name == "fast" else 3)
    parts = [p.strip() for p in args.only.split(",") if p.strip()]
    unknown = sorted(set(parts) - set(PARTS))
    if unknown:
        parser.error(f"unknown parts {unknown}; valid: {', '.join(PARTS)}")

    started = time.time()
    results = {"date": _dt.datetime.now().strftime("%Y-%m-%d %H:%M")}
    with threadpool_limits(1):
        if "epoch" in parts:
            results["epoch"] = epoch_vs_librosa(profile, repeat)
        if "combined" in parts:
            results["combined"] = combined_epoch(profile)
        if "features" in parts:
            results["features"] = feature_doors(profile, repeat)
        if "first-pass" in parts:
            results["first_pass"] = first_pass.floor_ratio(profile)
            _log(f"first pass: {results['first_pass']['fraction']:.2f} of the bare FFT's rate")
        if "whole-first-pass" in parts:
            results["whole_first_pass"] = first_pass.whole_first_pass(profile)
            _log(f"whole first pass: {results['whole_first_pass']['musicnet_realtime']:,.0f}x "
                 "realtime at 44.1 kHz")
        if "models" in parts:
            from benchmarks import bench_models

            results["model_features"] = bench_models.model_feature_set()
            results["models"] = models(profile, repeat)
        if "streaming" in parts:
            results["streaming"] = streaming_memory(profile)
        if "epoch-growth" in parts:
            results["epoch_growth"] = epoch_cost.epoch_growth(profile, repeat=repeat)
            _log("epoch growth: x4 / x1 = "
                 f"{results['epoch_growth'][1]['cpu_seconds'] / results['epoch_growth'][0]['cpu_seconds']:.2f}")
    wall = time.time() - started

    command = "python -m performance_report" + (
        "" if argv is None and len(sys.argv) <= 1 else " " + " ".join(
            sys.argv[1:] if argv is None else argv))
    text = render(results, profile=profile, command=command.strip(), seed=common.SEED,
                  wall_seconds=wall)
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text)
    print(text)
    _log(f"wrote {output}")
    # A target missed is a finding to read in the page, not a failed command.
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
