"""The first pass over a corpus, measured: stage by stage, against the FFT
floor, projected to MusicNet and to 1,000 hours, and on two cores.

- :func:`floor_ratio`: ``recording_frames`` (one STFT and the derived frame
  products) against a bare ``scipy.fft.rfft`` of the same frames, already
  cut and windowed (``performance_report.feature_ratios.first_pass``).
- :func:`whole_first_pass`: every stage of filling the frame cache (decode
  the file, resample, STFT and frame products, write the cache), CPU time
  per stage over the profile's corpus; audio seconds per CPU second; the
  CPU hours that rate gives for MusicNet (34 h of 44.1 kHz audio) and for
  1,000 h; and the wall time of the same first pass on two cores
  (``features.first_pass.build_frame_cache(n_jobs=2)`` into a fresh cache).
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import numpy as np

MUSICNET_HOURS = 34.0
LARGE_HOURS = 1000.0
MUSICNET_SR = 44100


def floor_ratio(profile, feature_set: str = "stats") -> dict:
    """Shared-STFT first pass vs a bare FFT of the same frames (best of three)."""
    from benchmarks.common import extractor_rate, load_corpus
    from features.registry import make_extractor
    from performance_report.feature_ratios import first_pass as shared_vs_floor

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
    return {"features": feature_set, "audio_seconds": total, "recordings": len(audio),
            "shared_realtime": shared, "fft_realtime": floor, "fraction": shared / floor,
            "steps": stft_steps(audio, extractor)}


def stft_steps(audio, extractor) -> dict:
    """CPU seconds of each step of the shared STFT over ``audio`` (the steps
    of ``features.stft.iter_power_chunks`` and the frame products, timed
    one by one): what the first pass spends beside the FFT itself."""
    import scipy.fft

    from features.frames import _frame_spec
    from features.stft import hann_window, n_frames, power_transposed

    sr, n_fft, hop, products = _frame_spec(extractor)
    window = hann_window(n_fft)
    steps = {"framing and window": 0.0, "FFT": 0.0, "power": 0.0}
    steps.update({p.kind: 0.0 for p in products})
    chunk = 128
    for y in audio:
        for c0 in range(0, n_frames(len(y), hop), chunk):
            start = time.process_time()
            c1 = min(n_frames(len(y), hop), c0 + chunk)
            a, b = c0 * hop - n_fft // 2, (c1 - 1) * hop - n_fft // 2 + n_fft
            lo, hi = max(a, 0), min(b, len(y))
            if lo == a and hi == b:
                seg = y[a:b]
            else:
                seg = np.zeros(b - a, dtype=np.float32)
                seg[lo - a:hi - a] = y[lo:hi]
            framed = np.lib.stride_tricks.sliding_window_view(seg, n_fft)[::hop] * window
            t1 = time.process_time()
            spec = scipy.fft.rfft(framed, axis=-1)
            t2 = time.process_time()
            power = power_transposed(spec)
            t3 = time.process_time()
            steps["framing and window"] += t1 - start
            steps["FFT"] += t2 - t1
            steps["power"] += t3 - t2
            memo = {}
            for p in products:  # each product's own step (its filterbank in the first)
                t4 = time.process_time()
                p.apply(power, sr, n_fft, memo)
                steps[p.kind] += time.process_time() - t4
    return steps


def _cpu(function):
    start = time.process_time()
    out = function()
    return out, time.process_time() - start


def whole_first_pass(profile, feature_set: str = "stats") -> dict:
    """Stage CPU seconds, rates, projections and two-core wall time."""
    import soundfile as sf
    import soxr

    from benchmarks.common import load_corpus
    from features.first_pass import build_frame_cache
    from features.frames import FrameCache, _frame_spec, compute_recording_frames
    from features.registry import make_extractor

    corpus = load_corpus(profile)
    recordings = list(corpus.recordings)
    extractor = make_extractor(feature_set)
    sr, n_fft, hop, products = _frame_spec(extractor)
    stages = dict.fromkeys(("decode", "resample", "frames", "write"), 0.0)
    audio_seconds = 0.0
    resampled_seconds = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        cache = FrameCache(Path(tmp) / "stages")
        compute_recording_frames(np.zeros(4 * n_fft, np.float32), products, sr=sr,
                                 n_fft=n_fft, hop_length=hop)  # filterbanks, imports
        for i, recording in enumerate(recordings):
            (y, file_sr), seconds = _cpu(lambda: sf.read(str(recording.audio_path),
                                                         dtype="float32", always_2d=True))
            stages["decode"] += seconds
            y = np.ascontiguousarray(y.mean(axis=1, dtype=np.float32))
            if file_sr != sr:
                y, seconds = _cpu(lambda: soxr.resample(y, file_sr, sr, quality="HQ"))
                stages["resample"] += seconds
            audio_seconds += len(y) / sr
            frames, seconds = _cpu(lambda: compute_recording_frames(
                y, products, sr=sr, n_fft=n_fft, hop_length=hop))
            stages["frames"] += seconds
            _, seconds = _cpu(lambda: cache.write(f"{i:040d}", frames, products))
            stages["write"] += seconds
        # MusicNet's files are 44.1 kHz: time resampling to sr on the
        # corpus's audio brought to 44.1 kHz (untimed), a third of the corpus.
        resample_cpu = 0.0
        for recording in recordings[: max(1, len(recordings) // 3)]:
            y = recording.audio(sr=MUSICNET_SR)
            _, seconds = _cpu(lambda: soxr.resample(y, MUSICNET_SR, sr, quality="HQ"))
            resample_cpu += seconds
            resampled_seconds += len(y) / MUSICNET_SR

        start = time.perf_counter()
        build_frame_cache(extractor, recordings, cache=Path(tmp) / "two-cores", n_jobs=2,
                          progress=False)
        wall = time.perf_counter() - start
        # Wall time on a shared machine depends on what else runs: say how busy it was.
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")

    cpu = sum(stages.values())
    rate = audio_seconds / cpu
    # MusicNet's files: decoding scaled to 44.1 kHz samples, plus resampling
    # 44.1 kHz -> sr; the frames and the write are per second at sr.
    file_rate = _file_rate(recordings)
    musicnet = {
        "decode": stages["decode"] / audio_seconds * MUSICNET_SR / file_rate,
        "resample": resample_cpu / resampled_seconds,
        "frames": stages["frames"] / audio_seconds,
        "write": stages["write"] / audio_seconds,
    }
    rate_musicnet = 1.0 / sum(musicnet.values())
    return {
        "features": feature_set, "recordings": len(recordings), "audio_seconds": audio_seconds,
        "file_rate": file_rate, "sr": sr,
        "stages": stages, "cpu_seconds": cpu, "realtime": rate,
        "musicnet_stage_realtime": {k: 1.0 / v if v else float("inf")
                                    for k, v in musicnet.items()},
        "musicnet_shares": {k: v * rate_musicnet for k, v in musicnet.items()},
        "musicnet_realtime": rate_musicnet,
        "musicnet_cpu_hours": MUSICNET_HOURS / rate_musicnet,
        "large_cpu_minutes": LARGE_HOURS * 60.0 / rate_musicnet,
        "bounding_stage": max(musicnet, key=musicnet.get),
        "two_core_wall_seconds": wall, "two_core_realtime": audio_seconds / wall,
        "load_average": load,
    }


def _file_rate(recordings) -> int:
    import soundfile as sf

    rates = {sf.info(str(r.audio_path)).samplerate for r in recordings[:8]}
    return int(max(rates))
