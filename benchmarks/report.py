"""The performance report: the comparisons that matter, side by side, in one run.

``python -m benchmarks.report [--profile regular] [--output results/performance.md]``

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
from functools import partial
from pathlib import Path

import numpy as np

# benchmarks.common reads the profile from the environment when it is first
# imported: main() sets it before importing anything from the suite.
WINDOWS_PER_RECORDING = 4  # benchmarks.common.WINDOWS_PER_RECORDING, checked in main()

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = ROOT / "results" / "performance.md"

TARGET_FRAMES_VS_LIBROSA = 20.0
TARGET_FIRST_PASS_FRACTION = 0.5
TARGET_MEMORY_GROWTH = 0.10
TARGET_KNN_PREDICT_EXPONENT = 1.0


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
        frame_plan = bf.cached_frames(extractor, corpus, plan)  # fills the cache
        reference = bf.librosa_reference(extractor)
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


def first_pass(profile, repeat: int, feature_set: str = "stats") -> dict:
    """The shared-STFT first pass against a bare FFT of the same frames.

    The features team's measurement (``benchmarks.feature_ratios.first_pass``:
    best of three; the floor is ``scipy.fft.rfft`` of frames already cut and
    windowed) on the first recordings of the profile's corpus.
    """
    from benchmarks.common import extractor_rate, load_corpus
    from benchmarks.feature_ratios import first_pass as shared_vs_floor
    from features.registry import make_extractor

    corpus = load_corpus(profile)
    extractor = make_extractor(feature_set)
    sr, _ = extractor_rate(extractor)
    target_seconds = 60.0 if profile.name == "fast" else 240.0
    audio, total = [], 0.0
    for recording in corpus.recordings:
        y = recording.audio(sr=sr)
        audio.append(y)
        total += len(y) / sr
        if total >= target_seconds:
            break
    shared_vs_floor(audio[:1], [extractor])  # filterbanks, FFT plans
    shared, floor = shared_vs_floor(audio, [extractor])
    result = {
        "features": feature_set,
        "audio_seconds": total,
        "recordings": len(audio),
        "shared_realtime": shared,
        "fft_realtime": floor,
        "fraction": shared / floor,
    }
    _log(f"first pass: {result['fraction']:.2f} of the bare FFT's rate")
    return result


def combined_epoch(profile) -> dict:
    """The features team's epoch: MFCC + chroma + log-mel of random windows,
    from cached frames against librosa's three default calls per window
    (``benchmarks.feature_ratios``), on the profile's corpus."""
    from benchmarks import feature_ratios as fr
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
        row["predict_exponent"] = exponent(row[f"predict_s_{small}"], row[f"predict_s_{large}"])
        rows.append(row)
        _log(f"model {name}: fit x{row['fit_exponent']:.2f}, "
             f"predict x{row['predict_exponent']:.2f}")
    return rows


def streaming_memory(profile, models_to_run=("sgd-hinge",), factors=(1, 4)) -> list[dict]:
    """Peak memory (tracemalloc) of one streaming epoch, corpus x1 and x4.

    The larger corpus repeats each training recording under new ids (the
    frame cache serves them all), with the same windows per recording and
    no balancing, so the epoch itself grows 4x: memory should not.  The x1
    epoch already spans two mini-batches, so a batch never grows with it.
    """
    from baselines import models as registry
    from baselines import streaming
    from benchmarks import bench_streaming as bs
    from performance_report.streaming_memory import measure_epoch_memory, repeated_recordings

    train, extractor, composers, programs = bs.streaming_setup()
    bs.warm_frame_cache(train, extractor)
    step = 10 ** len(str(max(r.id for r in train)))
    batch_size = 200 if profile.name == "fast" else 1000
    windows_per_recording = -(-2 * batch_size // len(train))

    def sampler_for(factor):
        recordings = repeated_recordings(train, factor, id_step=step)
        return streaming.StreamingSampler(
            recordings, extractor, composers=composers, programs=programs,
            windows_per_recording=windows_per_recording, strategy="none",
            batch_size=batch_size, random_state=0,
        )

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
            result.update({"model": model_name, "factor": factor,
                           "batch_size": batch_size,
                           "windows_per_recording": windows_per_recording})
            rows.append(result)
            _log(f"streaming {model_name} x{factor}: {result['peak_mb']:.1f} MB")
    return rows


# ---------------------------------------------------------------------------
# The page


def _verdict(ok: bool) -> str:
    return "pass" if ok else "**short**"


def _versions() -> str:
    import joblib
    import librosa
    import scipy
    import sklearn

    return (f"Python {platform.python_version()}, numpy {np.__version__}, "
            f"scipy {scipy.__version__}, scikit-learn {sklearn.__version__}, "
            f"librosa {librosa.__version__}, joblib {joblib.__version__}")


def _machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    memory = ""
    try:
        import psutil

        memory = f", {psutil.virtual_memory().total / 2**30:.0f} GiB RAM"
    except ImportError:
        pass
    return f"{platform.system()} {platform.release()}, {cpu}, {os.cpu_count()} CPUs{memory}"


def summary_rows(results: dict) -> list[tuple[str, str, str, str]]:
    """``(figure, measured, target, verdict)`` rows of the headline table."""
    rows = []

    def speed_row(label, ratio):
        rows.append((f"{label}: cached frames vs per-window librosa", f"{ratio:,.1f}x",
                     f">= {TARGET_FRAMES_VS_LIBROSA:.0f}x",
                     _verdict(ratio >= TARGET_FRAMES_VS_LIBROSA)))

    epoch = results.get("epoch")
    if epoch:
        speed_row(f"epoch of random windows (`{epoch['features']}`, {epoch['windows']} "
                  "windows)", epoch["ratio"])
    combined = results.get("combined")
    if combined:
        speed_row(f"epoch of random windows (MFCC + chroma + log-mel, {combined['windows']} "
                  "windows, `feature_ratios` workload)", combined["ratio"])
    for r in results.get("features", []):
        speed_row(f"`{r['features']}` windows ({r['windows']}, {WINDOWS_PER_RECORDING} per "
                  "recording)", r["frames_vs_librosa"])
    fp = results.get("first_pass")
    if fp:
        rows.append((
            f"first pass, `{fp['features']}`: shared-STFT frames vs bare FFT of the same frames",
            f"{fp['fraction']:.2f} of the floor", f">= {TARGET_FIRST_PASS_FRACTION:.1f}",
            _verdict(fp["fraction"] >= TARGET_FIRST_PASS_FRACTION),
        ))
    memory = results.get("streaming", [])
    for model_name in dict.fromkeys(r["model"] for r in memory):
        by_factor = {r["factor"]: r for r in memory if r["model"] == model_name}
        if 1 in by_factor and 4 in by_factor:
            growth = by_factor[4]["peak_mb"] / by_factor[1]["peak_mb"] - 1
            rows.append((
                f"streaming `{model_name}` epoch peak memory, corpus x4 vs x1",
                f"{growth:+.1%} ({by_factor[1]['peak_mb']:.1f} -> "
                f"{by_factor[4]['peak_mb']:.1f} MB)",
                f"<= +{TARGET_MEMORY_GROWTH:.0%}",
                _verdict(growth <= TARGET_MEMORY_GROWTH),
            ))
    for r in results.get("models", []):
        if r["model"] == "knn":
            k = r["predict_exponent"]
            rows.append((
                "KNN predict cost per window vs training size (exponent, 4x data)",
                f"{k:.2f}", f"<= {TARGET_KNN_PREDICT_EXPONENT:.1f}",
                _verdict(k <= TARGET_KNN_PREDICT_EXPONENT),
            ))
    return rows


def render(results: dict, *, profile, command: str, seed: int, wall_seconds: float) -> str:
    small, large = profile.train_sizes
    lines = [
        "# Performance report",
        "",
        f"Made by `{command}` on {results['date']} "
        f"(profile `{profile.name}`, seed {seed}, {wall_seconds / 60:.1f} min).",
        "Every figure is a ratio or an exponent of two measurements taken in that one",
        "run, in one process, on the same data: medians of CPU time",
        "(`time.process_time`), one BLAS thread, float32.  The absolute times below",
        "are there to read the ratios by; they vary up to 3x between runs on this",
        "kind of machine.",
        "",
        f"- Machine: {_machine()}",
        f"- Versions: {_versions()}",
        f"- Corpus: the {profile.corpus} rendered corpus"
        + (f" x{profile.corpus_copies}" if profile.corpus_copies > 1 else ""),
        "",
        "## Targets",
        "",
        "| figure | measured | target | result |",
        "|---|---|---|---|",
    ]
    for figure, measured, target, verdict in summary_rows(results):
        lines.append(f"| {figure} | {measured} | {target} | {verdict} |")

    epoch = results.get("epoch")
    if epoch:
        lines += [
            "",
            "## One streaming epoch",
            "",
            f"{epoch['windows']} fresh balanced windows ({epoch['audio_seconds']:.0f} s of "
            f"audio) of the training recordings, `{epoch['features']}` features: a whole "
            f"`StreamingSampler` epoch from the frame cache at "
            f"{epoch['frames_realtime']:,.0f}x realtime; librosa's own calls on each of "
            f"the same windows at {epoch['librosa_realtime']:,.0f}x realtime "
            f"({epoch['ratio']:,.1f}x).",
        ]
    combined = results.get("combined")
    if combined:
        lines += [
            "",
            f"MFCC + chroma + log-mel together ({combined['windows']} random windows of "
            f"{combined['recordings']} recordings, `benchmarks.feature_ratios`' epoch, "
            "best of three): from cached frames at "
            f"{combined['frames_realtime']:,.0f}x realtime; librosa's `mfcc`, "
            "`chroma_stft` and `melspectrogram` defaults on each window at "
            f"{combined['librosa_realtime']:,.0f}x realtime ({combined['ratio']:,.1f}x).",
        ]
    if results.get("features"):
        rows = results["features"]
        lines += [
            "",
            "## Feature extraction, seconds of audio per CPU second (x realtime)",
            "",
            f"The asv suite's workload: {rows[0]['windows']} random windows of 5 s per call, "
            f"{WINDOWS_PER_RECORDING} from each recording.  `librosa`: librosa's",
            "own calls on each window; `transform`: the extractor's sklearn door (one",
            "shared STFT per window); `frames`: sliced from the recordings' cached",
            "frames (memory-mapped frame cache).",
            "",
            "| features | librosa | transform | frames | frames / librosa | transform / librosa |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for r in rows:
            lines.append(
                f"| `{r['features']}` | {r['librosa_realtime']:,.0f} | "
                f"{r['transform_realtime']:,.0f} | {r['frames_realtime']:,.0f} | "
                f"{r['frames_vs_librosa']:,.1f}x | {r['transform_vs_librosa']:,.1f}x |"
            )
    fp = results.get("first_pass")
    if fp:
        lines += [
            "",
            "## First pass over the corpus",
            "",
            f"{fp['recordings']} recordings, {fp['audio_seconds']:.0f} s of audio: "
            f"`recording_frames` of `{fp['features']}` (one STFT, then its derived "
            f"frames) at {fp['shared_realtime']:,.0f}x realtime; a bare `scipy.fft.rfft` "
            f"of the same frames, already cut and windowed, at {fp['fft_realtime']:,.0f}x "
            f"realtime ({fp['fraction']:.2f} of the floor; best of three, "
            "`benchmarks.feature_ratios.first_pass`).",
        ]
    if results.get("models"):
        lines += [
            "",
            f"## Models (joint task: composer + instruments), {small} and {large} "
            "training windows",
            "",
            f"Features: `{results.get('model_features', '?')}` "
            f"({results['models'][0]['features']} per window).  Seconds per 1,000 "
            "windows (fit: training windows; predict: held-out windows); peak: "
            "memory allocated during `fit` (tracemalloc); exponent `k` in "
            f"cost ~ n**k from {small} to {large} training windows (fit: total fit "
            "time; predict: cost per held-out window).  Scores on held-out windows "
            f"of other recordings, model fitted on {large} windows.",
            "",
            f"| model | fit s/1k ({small}) | fit s/1k ({large}) | fit k | "
            f"predict s/1k ({small}) | predict s/1k ({large}) | predict k | "
            f"peak MB ({small}) | peak MB ({large}) | composer acc. | instrument exact |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for r in results["models"]:
            lines.append(
                f"| `{r['model']}` | {r[f'fit_s_per_1000_{small}']:.3f} | "
                f"{r[f'fit_s_per_1000_{large}']:.3f} | {r['fit_exponent']:.2f} | "
                f"{r[f'predict_s_per_1000_{small}']:.4f} | "
                f"{r[f'predict_s_per_1000_{large}']:.4f} | {r['predict_exponent']:.2f} | "
                f"{r[f'fit_peak_mb_{small}']:.1f} | {r[f'fit_peak_mb_{large}']:.1f} | "
                f"{r[f'composer_accuracy_{large}']:.3f} | "
                f"{r[f'instrument_exact_match_{large}']:.3f} |"
            )
    if results.get("streaming"):
        lines += [
            "",
            "## Streaming epoch memory",
            "",
            "One epoch of `StreamingSampler` (no balancing, "
            f"{results['streaming'][0]['windows_per_recording']} windows per training "
            f"recording, batches of {results['streaming'][0]['batch_size']:,}) into "
            "`partial_fit`; the x4 corpus repeats each training recording under new ids,",
            "so the epoch has 4x the windows.  Peak: memory allocated during the epoch",
            "(tracemalloc: Python objects and numpy buffers; the memory-mapped frame",
            "cache's pages are file-backed and not counted), after one unmeasured epoch.",
            "",
            "| model | corpus | recordings | windows | peak MB | CPU s |",
            "|---|---|---:|---:|---:|---:|",
        ]
        for r in results["streaming"]:
            lines.append(
                f"| `{r['model']}` | x{r['factor']} | {r['recordings']} | {r['windows']} | "
                f"{r['peak_mb']:.1f} | {r['seconds']:.2f} |"
            )
    lines.append("")
    return "\n".join(lines)


PARTS = ("epoch", "combined", "features", "first-pass", "models", "streaming")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.report",
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
    from threadpoolctl import threadpool_limits

    from benchmarks import common

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
            results["first_pass"] = first_pass(profile, repeat)
        if "models" in parts:
            from benchmarks import bench_models

            results["model_features"] = bench_models.model_feature_set()
            results["models"] = models(profile, repeat)
        if "streaming" in parts:
            results["streaming"] = streaming_memory(profile)
    wall = time.time() - started

    command = "python -m benchmarks.report" + (
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
