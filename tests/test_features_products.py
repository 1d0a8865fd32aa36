"""Per-frame products and the window steps that replace librosa calls agree
with librosa (or with the dense computation they replace)."""

from __future__ import annotations

import numpy as np
import pytest

from features.mfcc import delta, mfcc_from_db, mfcc_from_mel
from features.products import FrameProduct, mel_db, tonnetz
from features.scaling import power_to_db, resize_columns, resize_matrix, window_db


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def test_first_order_delta_equals_librosa(rng):
    import librosa

    M = rng.standard_normal((3, 20, 216)).astype(np.float32)
    np.testing.assert_allclose(delta(M), librosa.feature.delta(M, width=9, axis=-1), atol=1e-6)
    np.testing.assert_allclose(delta(M, order=2),
                               librosa.feature.delta(M, order=2, width=9, axis=-1), atol=1e-6)


@pytest.mark.parametrize("ref", ["max", 1.0, 3.0])
@pytest.mark.parametrize("top_db", [80.0, None])
def test_window_db_of_stored_db_equals_power_to_db(rng, ref, top_db):
    S = (rng.random((4, 32, 50)) ** 8).astype(np.float32)
    S[1] *= 1e-6  # a quiet window: clipped at its own maximum, not the batch's
    np.testing.assert_allclose(window_db(mel_db(S), ref=ref, top_db=top_db),
                               power_to_db(S, ref=ref, top_db=top_db), atol=1e-4)


def test_mfcc_from_stored_db_equals_mfcc_from_mel(rng):
    mel = (rng.random((2, 128, 40)) ** 6).astype(np.float32)
    np.testing.assert_allclose(mfcc_from_db(mel_db(mel), 20), mfcc_from_mel(mel, 20), atol=1e-3)


def test_tonnetz_equals_librosa(rng):
    import librosa

    chroma = rng.random((2, 12, 30)).astype(np.float32)
    chroma[0, :, 3] = 0.0  # a silent frame stays zero
    np.testing.assert_allclose(tonnetz(chroma), librosa.feature.tonnetz(chroma=chroma), atol=1e-6)
    assert np.all(tonnetz(chroma)[0, :, 3] == 0.0)


@pytest.mark.parametrize("n_in, width", [(313, 312), (313, 100), (5, 9), (10, 10), (2, 3), (1, 4)])
def test_resize_columns_equals_the_dense_resize(rng, n_in, width):
    img = rng.standard_normal((2, 7, n_in)).astype(np.float32)
    np.testing.assert_allclose(resize_columns(img, width), img @ resize_matrix(n_in, width).T,
                               atol=1e-5)


def test_derived_products_share_their_filterbank_energies(rng):
    power = rng.random((2, 1025, 10)).astype(np.float32)
    params = (("n_chroma", 12),)
    memo = {}
    ton = FrameProduct("tonnetz", params).apply(power, 22050, 2048, memo)
    assert FrameProduct("chroma", params).key in memo
    assert FrameProduct("chroma-norm", params).key in memo
    np.testing.assert_array_equal(ton, FrameProduct("tonnetz", params).apply(power, 22050, 2048))
    with pytest.raises(ValueError, match="kind='nope'"):
        FrameProduct("nope").apply(power, 22050, 2048)


def test_frame_cache_version_is_in_the_key(tmp_path, monkeypatch):
    import features.frames as frames

    cache = frames.FrameCache(tmp_path)
    key = cache.key({"sha1": "x"}, sr=22050, n_fft=2048, hop_length=512)
    monkeypatch.setattr(frames, "FRAMES_VERSION", frames.FRAMES_VERSION + 1)
    assert cache.key({"sha1": "x"}, sr=22050, n_fft=2048, hop_length=512) != key


def test_window_tempo_and_beats_equal_librosa_per_window():
    import librosa

    from features.beat import beat_sync, window_beats, window_tempo
    from tests.test_features_doors import synthetic_recording

    sr, hop = 22050, 512
    y = synthetic_recording(sr, seconds=30)
    starts = np.random.default_rng(3).integers(0, len(y) - 5 * sr, 6)
    from features.registry import make_extractor

    X = np.stack([y[s:s + 5 * sr] for s in starts])
    logmel = make_extractor("logmel", output="image").fit_transform(X)[:, 0]
    onset = librosa.onset.onset_strength(S=logmel, sr=sr, hop_length=hop)
    expected = [librosa.feature.tempo(onset_envelope=o, sr=sr, hop_length=hop)[0] for o in onset]
    np.testing.assert_array_equal(window_tempo(onset, sr=sr, hop_length=hop), expected)
    for (bounds, fell_back), o, L in zip(window_beats(logmel, sr=sr, hop_length=hop, n_beats=8),
                                         onset, logmel):
        _, beats = librosa.beat.beat_track(onset_envelope=o, sr=sr, hop_length=hop)
        assert not fell_back
        np.testing.assert_array_equal(bounds, beats)
        synced = librosa.util.sync(L, beats, aggregate=np.median, pad=True)[:, :8]
        np.testing.assert_allclose(beat_sync(L, bounds, 8)[:, :synced.shape[1]], synced)


def test_onset_strength_equals_librosa(rng):
    import librosa

    from features.beat import onset_strength

    logmel = (rng.standard_normal((3, 128, 216)) * 10).astype(np.float32)
    np.testing.assert_array_equal(onset_strength(logmel, hop_length=512),
                                  librosa.onset.onset_strength(S=logmel, sr=22050,
                                                               hop_length=512))
