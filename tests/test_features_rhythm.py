"""Rhythm and key-normalised chroma hear what they claim to."""

from __future__ import annotations

import numpy as np
import pytest

from features.keychroma import KEYCHROMA_NAMES, KeyChroma, estimate_key, key_chroma_features
from features.rhythm import RHYTHM_NAMES, Rhythm

SR = 22050


def clicks(rate_hz, seconds=5.0, jitter=0.0, seed=0):
    """Decaying noise bursts ``rate_hz`` times a second, optionally jittered."""
    rng = np.random.default_rng(seed)
    y = 0.001 * rng.standard_normal(int(SR * seconds))
    burst = rng.standard_normal(800) * np.exp(-np.arange(800) / 120.0)
    for t in np.arange(0.1, seconds - 0.1, 1.0 / rate_hz):
        i = int((t + rng.uniform(-jitter, jitter)) * SR)
        y[i:i + 800] += burst
    return y.astype(np.float32)


def value(row, name, names=RHYTHM_NAMES):
    return float(row[list(names).index(name)])


def test_rhythm_counts_onsets_and_finds_the_period():
    X = np.stack([clicks(2.0), clicks(4.0), clicks(4.0, jitter=0.06, seed=1)])
    R = Rhythm().fit_transform(X)
    assert R.shape == (3, len(RHYTHM_NAMES))
    assert value(R[0], "rhythm_onset_rate") == pytest.approx(2.0, abs=0.3)
    assert value(R[1], "rhythm_onset_rate") == pytest.approx(4.0, abs=0.4)
    assert value(R[0], "rhythm_ac_peak_lag") == pytest.approx(0.5, abs=0.03)
    assert value(R[0], "rhythm_ioi_mean") == pytest.approx(0.5, abs=0.03)
    # Jitter spreads the inter-onset intervals and blurs the pulse.
    assert value(R[2], "rhythm_ioi_cv") > 2 * value(R[1], "rhythm_ioi_cv")
    assert value(R[2], "rhythm_ac_peak") < value(R[1], "rhythm_ac_peak")


def test_rhythm_of_silence_is_zero():
    R = Rhythm().fit_transform(np.zeros((1, SR * 3), np.float32))
    assert np.all(R == 0)


def triad(root_hz, seconds=3.0, minor=False):
    t = np.arange(int(SR * seconds)) / SR
    third = 2 ** ((3 if minor else 4) / 12)
    y = sum(np.sin(2 * np.pi * root_hz * r * t) for r in (1, third, 1.5))
    return (0.2 * y).astype(np.float32)


def test_key_chroma_is_transposition_invariant():
    c, e = triad(261.63), triad(261.63 * 2 ** (4 / 12))
    K = KeyChroma().fit_transform(np.stack([c, e]))
    assert K.shape == (2, len(KEYCHROMA_NAMES))
    np.testing.assert_allclose(K[0], K[1], atol=0.1)  # STFT chroma blurs low notes a little
    plain = np.stack([c, e])
    from features.chroma import Chroma

    raw = Chroma(output="image").fit_transform(plain)[:, 0].mean(axis=-1)
    assert np.abs(raw[0] - raw[1]).max() > 0.3  # raw chroma moved with the key


def test_estimate_key_reads_profiles():
    major = np.array([1, 0, 1, 0, 1, 1, 0, 1, 0, 1, 0, 1], float)  # C major scale
    tonic, maj, mnr = estimate_key(np.stack([major, np.roll(major, 7)]))
    assert list(tonic) == [0, 7]
    assert (maj > mnr).all()
    with pytest.raises(ValueError, match="needs 12 chroma bins"):
        key_chroma_features(np.zeros((1, 24, 5)))
