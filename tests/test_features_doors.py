"""Both doors agree: transform(windows) == from_frames(recording frames) for
every registered extractor, at random offsets including the first and last
window; a batch equals its windows one by one, and windows of many
recordings in one call equal each window's own call; values match librosa."""

from __future__ import annotations

import numpy as np
import pytest

from features.registry import FEATURE_SETS, make_extractor

SECONDS = 20


def synthetic_recording(sr, seconds=SECONDS, seed=0):
    """Tones + noise + clicks every 0.5 s (so the beat tracker finds beats)."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(sr * seconds)) / sr
    y = 0.3 * np.sin(2 * np.pi * 440 * t) + 0.2 * np.sin(2 * np.pi * 660 * t + np.sin(t))
    y += 0.05 * rng.standard_normal(t.size)
    clicks = np.zeros_like(t)
    clicks[(np.arange(0, seconds, 0.5) * sr).astype(int)] = 1.0
    y += np.convolve(clicks, np.exp(-np.arange(400) / 50.0))[: t.size]
    return y.astype(np.float32)


@pytest.fixture(scope="module")
def recordings():
    return {sr: synthetic_recording(sr) for sr in (8000, 22050)}


def _windows(y, starts, n):
    return np.stack([y[s:s + n] for s in starts])


def _random_starts(n_total, n, hop, rng, k=3):
    last = (n_total - n) // hop * hop
    middle = rng.integers(1, last // hop, size=k) * hop
    return np.concatenate([[0], middle, [last]]).astype(np.int64)


@pytest.mark.parametrize("name", sorted(FEATURE_SETS))
def test_from_frames_equals_transform(name, recordings):
    ext = make_extractor(name)
    y = recordings[ext.sr]
    n = 5 * ext.sr
    starts = _random_starts(len(y), n, ext.hop_length, np.random.default_rng(1))
    assert starts[0] == 0 and starts[-1] + n > len(y) - ext.hop_length
    frames = ext.recording_frames(y)
    from_frames = ext.from_frames(frames, starts, n)
    alone = ext.fit(_windows(y, starts, n)).transform(_windows(y, starts, n))
    assert from_frames.shape == alone.shape and from_frames.dtype == np.float32
    scale = max(1.0, float(np.abs(alone).max()))
    np.testing.assert_allclose(from_frames, alone, rtol=0, atol=2e-5 * scale)


@pytest.mark.parametrize("name", ["mfcc", "logmel", "stats", "mel-chroma"])
def test_batched_equals_per_window(name, recordings):
    y = recordings[22050]
    n = 3 * 22050
    # One loud and one quiet window: librosa's batched power_to_db would take
    # the loud one as the reference for both.
    X = np.stack([y[:n], 1e-3 * y[n:2 * n]])
    ext = make_extractor(name).fit(X)
    batched = ext.transform(X)
    one_by_one = np.concatenate([ext.transform(X[i:i + 1]) for i in range(len(X))])
    np.testing.assert_allclose(batched, one_by_one, rtol=1e-6, atol=1e-5)


@pytest.mark.parametrize("name, params, past_end", [
    ("stats", {}, True), ("mel-chroma", {}, True), ("beat-mfcc", {}, True),
    ("spectrogram-128", {}, True), ("mfcc", {"deltas": 2}, True),
    # its own from_frames (one call per recording), windows inside only
    ("chroma", {"kind": "cqt"}, False),
])
@pytest.mark.parametrize("batch", [4, 16])
def test_windows_of_many_recordings_equal_each_window_alone(name, params, past_end, batch,
                                                            monkeypatch):
    # Internal batches of 4 (malloc's defaults) and 16 windows
    # (features.allocator.keep_freed_memory): rows never depend on the batch.
    monkeypatch.setattr("features.base.batch_windows", lambda: batch)
    ext = make_extractor(name, **params)
    n, hop = 3 * ext.sr, ext.hop_length
    frames = [ext.recording_frames(synthetic_recording(ext.sr, seconds=s, seed=s))
              for s in (6, 8, 10)]
    rng = np.random.default_rng(3)
    which = rng.integers(0, len(frames), size=11)
    which[:3] = [0, 1, 2]
    # the last window of each recording (the first three), which may run a
    # few samples past its end, then random ones
    starts = np.array([(frames[k].n_samples - n) // hop * hop + hop * past_end
                       if i < 3 else rng.integers(0, (frames[k].n_samples - n) // hop) * hop
                       for i, k in enumerate(which)], dtype=np.int64)
    gathered = ext.from_frames_per_window([frames[k] for k in which], starts, n)
    alone = np.concatenate([ext.from_frames(frames[k], starts[i:i + 1], n)
                            for i, k in enumerate(which)])
    # bit for bit: no step mixes windows, so neighbours cannot change a row
    np.testing.assert_array_equal(gathered, alone)
    with pytest.raises(ValueError, match="give one per window"):
        ext.from_frames_per_window(frames, starts, n)


def test_window_alone_matches_librosa(recordings):
    import librosa

    y = recordings[22050][: 5 * 22050]
    X = y[None]
    mfcc = make_extractor("mfcc", output="image").fit_transform(X)[0, 0]
    np.testing.assert_allclose(mfcc, librosa.feature.mfcc(y=y, sr=22050), rtol=1e-3, atol=2e-2)
    chroma = make_extractor("chroma", output="image").fit_transform(X)[0, 0]
    np.testing.assert_allclose(chroma, librosa.feature.chroma_stft(y=y, sr=22050, tuning=0.0),
                               atol=1e-4)
    logmel = make_extractor("logmel", output="image").fit_transform(X)[0, 0]
    ref = librosa.power_to_db(librosa.feature.melspectrogram(y=y, sr=22050), ref=np.max)
    np.testing.assert_allclose(logmel, ref, atol=1e-2)


def test_study_spectrogram_shapes(recordings):
    import librosa

    X = recordings[8000][None, :40000]
    img = make_extractor("spectrogram", output="image").fit_transform(X)
    assert img.shape == (1, 1, 129, 313)
    ref = np.log(np.abs(librosa.stft(X[0], n_fft=256, hop_length=128)) + 1e-6)
    np.testing.assert_allclose(img[0, 0], ref, atol=1e-3)
    small = make_extractor("spectrogram-128", output="image").fit_transform(X)
    assert small.shape == (1, 1, 128, 312)
    # corners are aligned by the resize
    np.testing.assert_allclose(small[0, 0, [0, -1]][:, [0, -1]], img[0, 0, [0, -1]][:, [0, -1]],
                               atol=1e-5)
    assert make_extractor("spectrogram").fit_transform(X).shape == (1, 129 * 313)


def test_mfcc_deltas_and_cqt_chroma_doors(recordings):
    y = recordings[22050]
    n, hop = 3 * 22050, 512
    starts = np.array([0, 40 * hop, (len(y) - n) // hop * hop])
    for ext in (make_extractor("mfcc", deltas=2), make_extractor("chroma", kind="cqt")):
        X = _windows(y, starts, n)
        alone = ext.fit(X).transform(X)
        np.testing.assert_allclose(ext.from_frames(ext.recording_frames(y), starts, n), alone,
                                   atol=1e-4 * max(1, np.abs(alone).max()))
    assert make_extractor("mfcc", deltas=2).fit(X).transform(X).shape == (3, 3 * 20 * (1 + n // hop))


def test_beat_fallback_keeps_shape():
    ext = make_extractor("beat-mfcc", n_beats=6)
    X = np.zeros((2, 3 * 22050), np.float32)
    out = ext.fit_transform(X)
    assert out.shape == (2, 32 * 6) and np.all(np.isfinite(out))
    from features.beat import beat_frames

    bounds, fell_back = beat_frames(np.full((128, 130), -80.0, np.float32), sr=22050,
                                    hop_length=512, n_beats=6)
    assert fell_back and len(bounds) == 5 and np.all(np.diff(bounds) > 0)


@pytest.mark.parametrize("n_fft, hop_length", [(1000, 300), (512, 512), (300, 100)])
def test_doors_agree_for_unaligned_frame_params(n_fft, hop_length, recordings):
    # pad = n_fft // 2 not a multiple of hop_length; hop == n_fft; odd pad
    from features import MelChroma

    y = recordings[8000]
    ext = MelChroma(sr=8000, n_fft=n_fft, hop_length=hop_length, n_mels=32)
    n = 2 * 8000 + 77
    starts = _random_starts(len(y), n, hop_length, np.random.default_rng(2))
    X = _windows(y, starts, n)
    np.testing.assert_allclose(ext.from_frames(ext.recording_frames(y), starts, n),
                               ext.fit(X).transform(X), atol=1e-4)


def test_beats_found_on_clicks(recordings):
    from features.beat import beat_frames

    ext = make_extractor("logmel", output="image")
    logmel = ext.fit_transform(recordings[22050][None, : 5 * 22050])[0, 0]
    bounds, fell_back = beat_frames(logmel, sr=22050, hop_length=512, n_beats=8)
    assert not fell_back and len(bounds) >= 5
    # clicks every 0.5 s = 21.5 frames apart
    assert abs(np.median(np.diff(bounds)) - 21.5) <= 1.5
