"""The page: ``results/performance.md``'s headline table and sections.

:func:`summary_rows` turns the measurements of
:mod:`performance_report.report` into ``(figure, measured, target,
verdict)`` rows, one per target; :func:`render` writes the page.
"""

from __future__ import annotations

import os
import platform

import numpy as np

WINDOWS_PER_RECORDING = 4  # benchmarks.common.WINDOWS_PER_RECORDING

TARGET_FRAMES_VS_LIBROSA = 20.0
TARGET_EPOCH_VS_LIBROSA = 100.0
#: Image and beat feature sets, whose librosa calls are cheap or whose
#: window step is heavy: the bar is lower.
TARGET_IMAGES_VS_LIBROSA = 10.0
IMAGE_FEATURES = ("spectrogram", "spectrogram-128", "beat-mfcc")
TARGET_FIRST_PASS_FRACTION = 0.8
TARGET_MEMORY_GROWTH = 0.10
TARGET_EPOCH_GROWTH = 4.4
TARGET_KNN_PREDICT_EXPONENT = 1.0
TARGET_SGD_FIT_EXPONENT = 1.1
TARGET_LARGE_CPU_MINUTES = 40.0


def _allocator() -> str:
    """How this process's malloc treats freed memory, and the batch it allows."""
    from features.allocator import memory_is_kept
    from features.base import batch_windows

    if memory_is_kept():
        return (f"freed memory kept (`features.keep_freed_memory()`, as the commands run), "
                f"feature batches of {batch_windows()} windows")
    return f"malloc's defaults, feature batches of {batch_windows()} windows"


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

    def speed_row(label, ratio, target=TARGET_FRAMES_VS_LIBROSA):
        rows.append((f"{label}: cached frames vs per-window librosa", f"{ratio:,.1f}x",
                     f">= {target:.0f}x", _verdict(ratio >= target)))

    epoch = results.get("epoch")
    if epoch:
        speed_row(f"epoch of random windows (`{epoch['features']}`, {epoch['windows']} "
                  "windows)", epoch["ratio"], TARGET_EPOCH_VS_LIBROSA)
    combined = results.get("combined")
    if combined:
        speed_row(f"epoch of random windows (MFCC + chroma + log-mel, {combined['windows']} "
                  "windows, `feature_ratios` workload)", combined["ratio"])
    for r in results.get("features", []):
        target = (TARGET_IMAGES_VS_LIBROSA if r["features"] in IMAGE_FEATURES
                  else TARGET_FRAMES_VS_LIBROSA)
        speed_row(f"`{r['features']}` windows ({r['windows']}, {WINDOWS_PER_RECORDING} per "
                  "recording)", r["frames_vs_librosa"], target)
    fp = results.get("first_pass")
    if fp:
        rows.append((
            f"first pass, `{fp['features']}`: shared-STFT frames vs bare FFT of the same frames",
            f"{fp['fraction']:.2f} of the floor", f">= {TARGET_FIRST_PASS_FRACTION:.1f}",
            _verdict(fp["fraction"] >= TARGET_FIRST_PASS_FRACTION),
        ))
    whole = results.get("whole_first_pass")
    if whole:
        rows += _whole_first_pass_rows(whole)
    growth = results.get("epoch_growth")
    if growth and len(growth) == 2:
        x1, x4 = growth
        ratio = x4["cpu_seconds"] / x1["cpu_seconds"]
        rows.append((
            f"streaming `{x1['model']}` epoch CPU, corpus x4 vs x1 ({x4['windows']} vs "
            f"{x1['windows']} windows, warm cache)",
            f"{ratio:.2f}x ({x1['cpu_seconds']:.2f} -> {x4['cpu_seconds']:.2f} s)",
            f"<= {TARGET_EPOCH_GROWTH:.1f}x", _verdict(ratio <= TARGET_EPOCH_GROWTH),
        ))
    memory = results.get("streaming", [])
    for model_name in dict.fromkeys(r["model"] for r in memory):
        by_factor = {r["factor"]: r for r in memory if r["model"] == model_name}
        if 1 in by_factor and 4 in by_factor:
            grown = by_factor[4]["peak_mb"] / by_factor[1]["peak_mb"] - 1
            rows.append((
                f"streaming `{model_name}` epoch peak memory, corpus x4 vs x1",
                f"{grown:+.1%} ({by_factor[1]['peak_mb']:.1f} -> "
                f"{by_factor[4]['peak_mb']:.1f} MB)",
                f"<= +{TARGET_MEMORY_GROWTH:.0%}",
                _memory_verdict(by_factor[1], by_factor[4], grown),
            ))
    for r in results.get("models", []):
        if r["model"] == "knn":
            k = r["predict_exponent"]
            rows.append((
                "KNN predict cost per window vs training size (exponent, 4x data)",
                f"{k:.2f}", f"<= {TARGET_KNN_PREDICT_EXPONENT:.1f}",
                _verdict(k <= TARGET_KNN_PREDICT_EXPONENT),
            ))
        if r["model"].startswith("sgd-") and "per_pass_exponent" in r:
            small, large = _sizes(r)
            k = r["fit_exponent"]
            rows.append((
                f"`{r['model']}` fit cost exponent, {small} -> {large} windows",
                f"{k:.2f} (passes {r[f'passes_{small}']:.0f} -> {r[f'passes_{large}']:.0f}; "
                f"per pass {r['per_pass_exponent']:.2f})",
                f"<= {TARGET_SGD_FIT_EXPONENT:.1f}",
                _verdict(k <= TARGET_SGD_FIT_EXPONENT) if k <= TARGET_SGD_FIT_EXPONENT else
                "**short**: fit iterates to convergence (tol=1e-3), more passes on more data",
            ))
    return rows


def _memory_verdict(x1, x4, grown) -> str:
    """pass, or short with what grew: the epoch's window plan (one entry per
    window of the epoch, so 4x the windows hold 4x the plan) against the rest."""
    if grown <= TARGET_MEMORY_GROWTH:
        return "pass"
    if "plan_mb" not in x1 or "plan_mb" not in x4:
        return _verdict(False)
    rest = (x4["peak_mb"] - x4["plan_mb"]) / (x1["peak_mb"] - x1["plan_mb"]) - 1
    per_window = x4["plan_mb"] * 2**20 / x4["windows"]
    return (f"**short**: the epoch's window plan grew {x1['plan_mb']:.2f} -> "
            f"{x4['plan_mb']:.2f} MB ({per_window:.0f} B a window); the rest of the peak "
            f"{rest:+.1%}")


def _sizes(row) -> tuple[int, int]:
    sizes = sorted(int(k.rsplit("_", 1)[1]) for k in row if k.startswith("passes_"))
    return sizes[0], sizes[-1]


def _whole_first_pass_rows(whole) -> list:
    minutes = whole["large_cpu_minutes"]
    bound = whole["bounding_stage"]
    share = whole["musicnet_shares"][bound]
    return [
        (f"whole first pass (`{whole['features']}`: decode, resample, STFT + frame products, "
         f"cache write), {whole['audio_seconds'] / 3600:.2f} h of "
         f"{whole['file_rate'] / 1000:g} kHz files",
         f"{whole['realtime']:,.0f}x realtime per CPU", "measured", "-"),
        ("whole first pass on 2 cores (joblib, fresh cache), wall time",
         f"{whole['two_core_wall_seconds']:.1f} s ({whole['two_core_realtime']:,.0f}x realtime; "
         f"load average {whole.get('load_average', float('nan')):.1f} on "
         f"{os.cpu_count()} CPUs)", "measured", "-"),
        ("MusicNet (34 h at 44.1 kHz), projected first-pass CPU time",
         f"{whole['musicnet_cpu_hours'] * 60:.1f} CPU-min "
         f"({whole['musicnet_realtime']:,.0f}x realtime)", "measured", "-"),
        ("1,000 h at 44.1 kHz, projected first-pass CPU time per feature set",
         f"{minutes:.0f} CPU-min (bound: {bound}, {share:.0%} of the CPU)",
         f"< {TARGET_LARGE_CPU_MINUTES:.0f} CPU-min",
         _verdict(minutes < TARGET_LARGE_CPU_MINUTES)),
    ]


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
        f"- Allocator: {_allocator()}",
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
            f"{combined['recordings']} recordings, `performance_report.feature_ratios`' epoch, "
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
            "`performance_report.feature_ratios.first_pass`).",
        ]
        steps = fp.get("steps")
        if steps:
            total = sum(steps.values())
            lines += ["", "Where its CPU time goes, step by step (the same steps timed "
                      "one by one; a product's first step includes its filterbank "
                      "energies):", "", "| step | share |", "|---|---:|"]
            lines += [f"| {name} | {seconds / total:.0%} |" for name, seconds in steps.items()]
            lines += ["", f"The FFT is {steps['FFT'] / total:.0%} of the first pass: "
                      "for 0.8 of the floor everything else would have to cost at most "
                      "a quarter of the FFT."]
    whole = results.get("whole_first_pass")
    if whole:
        lines += [
            "",
            "Every stage of the first pass (`performance_report.first_pass`), CPU time over "
            f"the corpus's {whole['recordings']} recordings ({whole['audio_seconds'] / 3600:.2f} h, "
            f"{whole['file_rate'] / 1000:g} kHz files, `{whole['features']}` frames at "
            f"{whole['sr'] / 1000:g} kHz), and per second of MusicNet's 44.1 kHz audio "
            "(decoding scaled by the sample count; resampling timed on the corpus's audio "
            "brought to 44.1 kHz):",
            "",
            "| stage | CPU s (this corpus) | x realtime at 44.1 kHz | share at 44.1 kHz |",
            "|---|---:|---:|---:|",
        ]
        for name, seconds in whole["stages"].items():
            lines.append(f"| {name} | {seconds:.2f} | "
                         f"{whole['musicnet_stage_realtime'][name]:,.0f} | "
                         f"{whole['musicnet_shares'][name]:.0%} |")
        lines += [
            f"| all | {whole['cpu_seconds']:.2f} | {whole['musicnet_realtime']:,.0f} | 100% |",
            "",
            f"MusicNet (34 h): {whole['musicnet_cpu_hours']:.2f} CPU-hours; 1,000 h: "
            f"{whole['large_cpu_minutes']:.0f} CPU-minutes per feature set; on 2 cores the "
            f"same first pass over this corpus took {whole['two_core_wall_seconds']:.1f} s of "
            "wall time (joblib processes, including their start-up).",
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
            f"of other recordings, model fitted on {large} windows.  Passes: the "
            "mean `n_iter_` of the SGD estimators inside (epochs to convergence); "
            "per-pass k: the exponent of fit time divided by passes.",
            "",
            f"| model | fit s/1k ({small}) | fit s/1k ({large}) | fit k | passes | per-pass k | "
            f"predict s/1k ({small}) | predict s/1k ({large}) | predict k | "
            f"peak MB ({small}) | peak MB ({large}) | composer acc. | instrument exact |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for r in results["models"]:
            passes = r.get(f"passes_{small}", float("nan")), r.get(f"passes_{large}", float("nan"))
            passes_text = "-" if np.isnan(passes[0]) else f"{passes[0]:.0f} -> {passes[1]:.0f}"
            per_pass = r.get("per_pass_exponent", float("nan"))
            lines.append(
                f"| `{r['model']}` | {r[f'fit_s_per_1000_{small}']:.3f} | "
                f"{r[f'fit_s_per_1000_{large}']:.3f} | {r['fit_exponent']:.2f} | "
                f"{passes_text} | {'-' if np.isnan(per_pass) else f'{per_pass:.2f}'} | "
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
            "Plan: what the epoch's window plan alone holds (recording ids, starts and",
            "labels of every window of the epoch, drawn up front so that balancing sees",
            "the whole epoch): it grows with the epoch by design.",
            "",
            "| model | corpus | recordings | windows | peak MB | plan MB | CPU s |",
            "|---|---|---:|---:|---:|---:|---:|",
        ]
        for r in results["streaming"]:
            plan = f"{r['plan_mb']:.2f}" if "plan_mb" in r else "-"
            lines.append(
                f"| `{r['model']}` | x{r['factor']} | {r['recordings']} | {r['windows']} | "
                f"{r['peak_mb']:.1f} | {plan} | {r['seconds']:.2f} |"
            )
    growth = results.get("epoch_growth")
    if growth:
        lines += [
            "",
            "## Streaming epoch CPU as the corpus grows",
            "",
            f"One epoch of `StreamingSampler` ({growth[0]['windows_per_recording']} windows per "
            f"training recording, no balancing, batches of {growth[0]['batch_size']:,}) into "
            "`partial_fit`, CPU time (median), frame cache warm and one unmeasured epoch "
            "first for each corpus; x4 repeats each training recording under new ids "
            "(`performance_report.epoch_cost`).",
            "",
            "| model | corpus | recordings | windows | CPU s |",
            "|---|---|---:|---:|---:|",
        ]
        for r in growth:
            lines.append(f"| `{r['model']}` | x{r['factor']} | {r['recordings']} | "
                         f"{r['windows']} | {r['cpu_seconds']:.2f} |")
    lines.append("")
    return "\n".join(lines)


