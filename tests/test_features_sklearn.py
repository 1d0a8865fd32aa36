"""Extractors are scikit-learn transformers: estimator checks, Pipeline,
feature names, registry."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from features import (MFCC, BeatSynchronous, Chroma, KeyChroma, LogMel, MelChroma, Rhythm,
                      Spectrogram, SummaryStatistics)
from features.fused import BeatSyncMelChroma
from features.registry import FEATURE_SETS, make_extractor

# Tiny frames so the checks' small random matrices (a few to ~20 "samples"
# per row) are long enough windows.
SMALL = dict(sr=800, n_fft=2, hop_length=1)
MEL = dict(n_mels=2)


# check_fit2d_1feature's 1-sample windows are shorter than n_fft (a warning);
# tests/test_estimator_checks.py runs the registry's defaults.
@pytest.mark.filterwarnings("ignore:windows of n_samples=.* are too short:UserWarning")
@parametrize_with_checks(
    [Spectrogram(**SMALL), LogMel(**SMALL, **MEL), Chroma(**SMALL), MelChroma(**SMALL, **MEL),
     MFCC(**SMALL, **MEL, n_mfcc=2), SummaryStatistics(**SMALL, **MEL, n_mfcc=2, deltas=False),
     BeatSynchronous(**SMALL, **MEL, n_mfcc=2, n_beats=2),
     BeatSyncMelChroma(**SMALL, **MEL, n_beats=2), Rhythm(**SMALL, **MEL),
     KeyChroma(**SMALL)],
)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


def test_pipeline_fits_and_predicts():
    rng = np.random.default_rng(0)
    sr, n = 8000, 8000
    t = np.arange(n) / sr
    X = np.stack([np.sin(2 * np.pi * f * t) + 0.01 * rng.standard_normal(n)
                  for f in [220, 230, 240, 1500, 1600, 1700] * 2]).astype(np.float32)
    y = np.array([0, 0, 0, 1, 1, 1] * 2)
    pipe = make_pipeline(SummaryStatistics(sr=sr, n_fft=512, hop_length=256),
                         StandardScaler(), LogisticRegression())
    pipe.fit(X, y)
    assert (pipe.predict(X) == y).all()
    assert pipe[:-1].get_feature_names_out()[0] == "mfcc_mean_01"


def test_feature_names():
    X = np.zeros((1, 22050), np.float32)
    names = SummaryStatistics().fit(X).get_feature_names_out()
    assert len(names) == 7 * (20 + 12 + 20 + 6) + 20 + 32 == SummaryStatistics().fit_transform(
        X).shape[1]
    assert names[7 * 32] == "mfcc_delta_mean_01" and names[405] == "tonnetz_max_06"
    assert names[406] == "rhythm_onset_mean" and names[-1] == "keychroma_dft_6"
    assert list(names[:2]) == ["mfcc_mean_01", "mfcc_mean_02"]
    fma = make_extractor("stats-406").fit(X)
    assert len(fma.get_feature_names_out()) == 406 == fma.transform(X).shape[1]
    np.testing.assert_array_equal(fma.transform(X), SummaryStatistics().fit_transform(X)[:, :406])
    assert names[20] == "mfcc_std_01" and names[7 * 32 - 1] == "chroma_max_12"
    mfcc = MFCC(deltas=1).fit(X)
    mnames = mfcc.get_feature_names_out()
    assert len(mnames) == mfcc.transform(X).shape[1]
    assert mnames[0] == "mfcc_01_t000" and mnames[-1] == f"mfcc_delta_20_t{22050 // 512:03d}"
    beat = BeatSynchronous(n_beats=4).fit(X)
    assert len(beat.get_feature_names_out()) == beat.transform(X).shape[1] == 32 * 4


def test_registry():
    assert {"stats", "mfcc", "chroma", "logmel", "mel-chroma", "spectrogram",
            "spectrogram-128", "beat-mfcc"} <= set(FEATURE_SETS)
    assert make_extractor("spectrogram").sr == 8000
    assert make_extractor("mfcc").sr == 22050
    assert make_extractor("mfcc", n_mfcc=13).n_mfcc == 13
    with pytest.raises(ValueError, match="unknown feature set 'nope'.*beat-mfcc.*stats"):
        make_extractor("nope")
