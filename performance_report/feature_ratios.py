"""Feature cost ratios, all taken in one run (the machine is noisy: compare
ratios, not absolute times).

(a) epoch: random 5 s windows (MFCC + chroma + log-mel together) drawn from
    cached frames versus librosa's default calls on each window;
(b) first pass: audio seconds per CPU second of the shared STFT (mel and
    chroma products from one STFT) beside a bare ``scipy.fft.rfft`` of the
    same frames (the floor);
(c) memory: tracemalloc peak while drawing a batch of windows from a corpus
    and from a corpus 4x larger (memory-mapped frames: the peak follows the
    batch, not the corpus).

Run: ``python -m performance_report.feature_ratios [--root MUSICNET_ROOT]``.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import tracemalloc

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("NUMBA_CACHE_DIR", os.path.join(os.path.expanduser("~"), ".cache",
                                                       "music-baselines", "numba"))

import numpy as np  # noqa: E402

SR = 22050
WINDOW_SECONDS = 5.0


def synthetic_recording(seconds, seed):
    rng = np.random.default_rng(seed)
    t = np.arange(int(SR * seconds)) / SR
    f0 = rng.uniform(110, 880)
    y = 0.3 * np.sin(2 * np.pi * f0 * t) + 0.2 * np.sin(2 * np.pi * 1.5 * f0 * t)
    y += 0.05 * rng.standard_normal(t.size)
    return y.astype(np.float32)


def extractors():
    from features import MFCC, Chroma, LogMel

    return [MFCC(), Chroma(), LogMel()]


def cpu_time(fn, repeat=3):
    best = np.inf
    for _ in range(repeat):
        t0 = time.process_time()
        fn()
        best = min(best, time.process_time() - t0)
    return best


def draw_plan(lengths, n_windows, hop, n_samples, rng):
    """(recording index, starts) groups of an epoch of random windows."""
    rec = rng.integers(0, len(lengths), size=n_windows)
    plan = []
    for r in np.unique(rec):
        last = (lengths[r] - n_samples) // hop
        plan.append((r, np.sort(rng.integers(0, last + 1, size=np.sum(rec == r))) * hop))
    return plan


def draw_epoch(exts, frames, plan, n_samples):
    return [np.concatenate([e.from_frames(frames[r], starts, n_samples) for e in exts], axis=1)
            for r, starts in plan]


def librosa_epoch(audio, plan, n_samples):
    import librosa

    for r, starts in plan:
        for s in starts:
            w = audio[r][s:s + n_samples]
            librosa.feature.mfcc(y=w, sr=SR)
            librosa.feature.chroma_stft(y=w, sr=SR)
            librosa.power_to_db(librosa.feature.melspectrogram(y=w, sr=SR), ref=np.max)


def load_corpus(args):
    if args.root:
        from baselines.data.musicnet import MusicNetCorpus

        recs = list(MusicNetCorpus(args.root).recordings)[: args.recordings]
        return [r.audio(sr=SR) for r in recs]
    return [synthetic_recording(args.seconds, seed) for seed in range(args.recordings)]


def first_pass(audio, exts):
    """x realtime of the shared STFT path vs the bare rfft of the same frames."""
    import scipy.fft

    from features.frames import _frame_spec, compute_recording_frames
    from features.stft import hann_window

    sr, n_fft, hop, products = _frame_spec(exts)
    total = sum(len(y) for y in audio) / sr
    shared = cpu_time(lambda: [compute_recording_frames(y, products, sr=sr, n_fft=n_fft,
                                                        hop_length=hop) for y in audio])
    window = hann_window(n_fft)
    framed = []
    for y in audio:
        padded = np.pad(y, n_fft // 2)
        framed.append(np.lib.stride_tricks.sliding_window_view(padded, n_fft)[::hop] * window)
    floor = cpu_time(lambda: [scipy.fft.rfft(f, axis=-1) for f in framed])
    return total / shared, total / floor


def peak_draw_memory(exts, frames, lengths, n_windows, n_samples, seed):
    plan = draw_plan(lengths, n_windows, exts[0].hop_length, n_samples, np.random.default_rng(seed))
    draw_epoch(exts, frames, plan, n_samples)  # warm filterbank caches
    tracemalloc.start()
    draw_epoch(exts, frames, plan, n_samples)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=None,
                        help="MusicNet-format corpus to read instead of synthetic audio (default: synthetic)")
    parser.add_argument("--recordings", type=int, default=6, help="recordings in the corpus (default: 6)")
    parser.add_argument("--seconds", type=float, default=60.0,
                        help="seconds per synthetic recording (default: 60)")
    parser.add_argument("--windows", type=int, default=100,
                        help="5 s windows in the timed epoch (default: 100)")
    parser.add_argument("--batch", type=int, default=64,
                        help="windows drawn for the memory measurement (default: 64)")
    args = parser.parse_args(argv)

    from features.frames import FrameCache, cached_recording_frames

    exts = extractors()
    n_samples = int(WINDOW_SECONDS * SR)
    hop = exts[0].hop_length
    audio = load_corpus(args)
    lengths = [len(y) for y in audio]
    print(f"corpus: {len(audio)} recordings, {sum(lengths) / SR:.0f} s at {SR} Hz; "
          f"features: MFCC(20) + chroma_stft + log-mel(128), n_fft=2048, hop=512")

    with tempfile.TemporaryDirectory() as tmp:
        cache = FrameCache(tmp)
        # first use builds filterbanks and imports librosa: keep it out of the timing
        cached_recording_frames(exts, synthetic_recording(6.0, 999), cache=cache)
        t0 = time.process_time()
        frames = [cached_recording_frames(exts, y, cache=cache) for y in audio]
        cache_cpu = time.process_time() - t0
        # Warm librosa/numba and our filterbanks before timing.
        plan = draw_plan(lengths, args.windows, hop, n_samples, np.random.default_rng(0))
        librosa_epoch(audio, plan[:1], n_samples)
        draw_epoch(exts, frames, plan, n_samples)

        cached = cpu_time(lambda: draw_epoch(exts, frames, plan, n_samples))
        per_window = cpu_time(lambda: librosa_epoch(audio, plan, n_samples), repeat=1)
        print(f"(a) epoch of {args.windows} random 5 s windows: cached frames {cached:.3f} CPU s, "
              f"librosa per window {per_window:.3f} CPU s -> {per_window / cached:.1f}x faster "
              f"(target >= 20x)")

        shared, floor = first_pass(audio, exts)
        print(f"(b) first pass: shared STFT -> mel + chroma {shared:,.0f}x realtime; "
              f"bare scipy.fft.rfft of the same frames {floor:,.0f}x realtime -> "
              f"{shared / floor:.2f} of the floor (target >= 0.5); "
              f"with cache writes {sum(lengths) / SR / cache_cpu:,.0f}x realtime")

        frames4 = frames + [cached_recording_frames(exts, synthetic_recording(len(y) / SR, 100 + i),
                                                    cache=cache)
                            for i, y in enumerate(audio * 3)]
        lengths4 = [f.n_samples for f in frames4]
        peak1 = peak_draw_memory(exts, frames, lengths, args.batch, n_samples, 1)
        peak4 = peak_draw_memory(exts, frames4, lengths4, args.batch, n_samples, 1)
        audio_mb = 4 * sum(lengths4) / 1e6
        print(f"(c) peak memory drawing {args.batch} windows: corpus x1 {peak1 / 1e6:.1f} MB, "
              f"corpus x4 {peak4 / 1e6:.1f} MB (x4 audio would be {audio_mb:.0f} MB) -> "
              f"ratio {peak4 / peak1:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
