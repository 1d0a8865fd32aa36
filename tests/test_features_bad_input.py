"""Bad input: clear errors or well-defined outputs."""

from __future__ import annotations

import numpy as np
import pytest

from features.registry import FEATURE_SETS, make_extractor

SR = 22050


@pytest.mark.parametrize("name", sorted(FEATURE_SETS))
def test_silence_is_finite(name):
    ext = make_extractor(name)
    X = np.zeros((2, ext.sr), np.float32)
    out = ext.fit_transform(X)
    assert np.all(np.isfinite(out))
    frames = ext.recording_frames(np.zeros(3 * ext.sr, np.float32))
    np.testing.assert_allclose(ext.from_frames(frames, [0, ext.hop_length * 4], ext.sr), out,
                               atol=1e-5)


def test_silence_values_are_defined():
    X = np.zeros((1, SR), np.float32)
    assert np.all(make_extractor("logmel").fit_transform(X) == 0.0)  # dB re its own max
    assert np.all(make_extractor("chroma").fit_transform(X) == 0.0)  # no 0/0
    stats = make_extractor("stats").fit(X)
    out = dict(zip(stats.get_feature_names_out(), stats.transform(X)[0]))
    assert out["mfcc_skew_01"] == 0.0 and out["mfcc_kurtosis_01"] == 0.0


@pytest.mark.parametrize("name", ["mfcc", "spectrogram", "beat-mfcc", "stats"])
def test_short_window_warns_and_both_doors_agree(name):
    # As librosa.stft: a window shorter than n_fft is framed from zero padding,
    # with a warning naming the length, not an error.
    ext = make_extractor(name)
    n = ext.n_fft - 1
    rng = np.random.default_rng(0)
    y = rng.standard_normal(SR).astype(np.float32)
    X = np.stack([y[:n], y[ext.hop_length * 4:ext.hop_length * 4 + n]])
    with pytest.warns(UserWarning, match=f"n_samples={n} are too short.*n_fft={ext.n_fft}"):
        ext.fit(X)
    with pytest.warns(UserWarning, match="too short"):
        out = ext.transform(X)
    assert out.shape[0] == 2 and np.all(np.isfinite(out))
    frames = ext.recording_frames(y)
    with pytest.warns(UserWarning, match="too short"):
        sliced = ext.from_frames(frames, [0, ext.hop_length * 4], n)
    np.testing.assert_allclose(sliced, out, rtol=1e-4, atol=1e-4)


def test_deltas_of_short_windows_are_defined():
    # Fewer than 9 frames: the deltas are taken on an edge-padded copy, so one
    # frame has zero deltas.
    X = np.random.default_rng(0).standard_normal((2, 4000)).astype(np.float32)
    mfcc = make_extractor("mfcc", deltas=1)
    with pytest.warns(UserWarning, match="meant for at least 4096 samples"):
        out = mfcc.fit_transform(X).reshape(2, 2, 20, -1)
    assert out.shape[-1] == 8 and np.all(np.isfinite(out))
    with pytest.warns(UserWarning):
        one = mfcc.fit_transform(X[:, :100]).reshape(2, 2, 20, 1)
    np.testing.assert_allclose(one[:, 1], 0.0, atol=1e-6)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_samples_raise(bad):
    X = np.zeros((2, SR), np.float32)
    X[1, 100] = bad
    ext = make_extractor("mfcc")
    with pytest.raises(ValueError, match="NaN|infinity"):
        ext.fit_transform(X)
    with pytest.raises(ValueError, match="NaN or infinite"):
        ext.recording_frames(X[1])


def test_sample_rate_mismatch_raises():
    ext = make_extractor("mfcc")
    X = np.zeros((1, SR), np.float32)
    with pytest.raises(ValueError, match="sr=8000 does not match the extractor's sr=22050"):
        ext.fit(X, sr=8000)
    with pytest.raises(ValueError, match="sr=44100 does not match"):
        ext.transform(X, sr=44100)
    assert ext.transform(X, sr=SR).shape[0] == 1
    frames = make_extractor("mfcc", sr=16000).recording_frames(np.zeros(16000, np.float32))
    with pytest.raises(ValueError, match="sr=16000 does not match"):
        ext.from_frames(frames, [0], 8000)
    with pytest.raises(ValueError, match="sr=8000 does not match"):
        ext.recording_frames(np.zeros(8000, np.float32), sr=8000)


def test_bad_starts_and_params():
    ext = make_extractor("mfcc")
    frames = ext.recording_frames(np.zeros(3 * SR, np.float32))
    with pytest.raises(ValueError, match="not multiples of hop_length=512"):
        ext.from_frames(frames, [100], SR)
    with pytest.raises(ValueError, match="outside the recording"):
        ext.from_frames(frames, [3 * SR // 512 * 512 + 512], SR)
    with pytest.raises(ValueError, match="outside the recording"):
        ext.from_frames(frames, [-512], SR)
    with pytest.raises(ValueError, match="lack products"):
        make_extractor("chroma").from_frames(frames, [0], SR)
    with pytest.raises(ValueError, match="n_mfcc=0 must be"):
        make_extractor("mfcc", n_mfcc=0).fit(np.zeros((1, SR)))
    with pytest.raises(ValueError, match="hop_length=0 must be"):
        make_extractor("logmel", hop_length=0).fit(np.zeros((1, SR)))


def test_window_past_the_end_reads_zeros():
    # seconds -> samples rounding can put a last window a few samples past the end
    rng = np.random.default_rng(0)
    y = rng.standard_normal(3 * SR).astype(np.float32)
    ext = make_extractor("mel-chroma")
    frames = ext.recording_frames(y)
    start = (2 * SR // 512 + 1) * 512
    assert start + SR > len(y)
    padded = np.zeros((1, SR), np.float32)
    padded[0, :len(y) - start] = y[start:]
    out = ext.from_frames(frames, [0, start], SR)
    np.testing.assert_allclose(out[1:], ext.transform(padded), atol=1e-4)
    np.testing.assert_allclose(out[:1], ext.transform(y[None, :SR]), atol=1e-4)
