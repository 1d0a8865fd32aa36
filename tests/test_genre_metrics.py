"""Genre and affect metrics against values computed by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from baselines.genre_metrics import (GENRE_KEYS, clip_accuracy, evaluate_affect, evaluate_genre,
                                     per_class_table)

# Six windows of three clips; predictions: right, wrong | right, right | wrong, right.
Y_TRUE = ["a", "a", "b", "b", "c", "c"]
Y_PRED = ["a", "b", "b", "b", "a", "c"]
CLIPS = [1, 1, 2, 2, 3, 3]


def test_genre_scores_by_hand():
    out = evaluate_genre(Y_TRUE, Y_PRED, CLIPS)
    assert set(GENRE_KEYS) <= set(out)
    assert out["genre_accuracy"] == pytest.approx(4 / 6)
    # per class: a P=1/2 R=1/2 F1=1/2; b P=2/3 R=1 F1=4/5; c P=1 R=1/2 F1=2/3
    assert out["genre_precision_a"] == pytest.approx(0.5)
    assert out["genre_recall_b"] == pytest.approx(1.0)
    assert out["genre_f1_b"] == pytest.approx(0.8)
    assert out["genre_f1_c"] == pytest.approx(2 / 3)
    assert out["genre_macro_f1"] == pytest.approx((0.5 + 0.8 + 2 / 3) / 3)
    assert out["genre_weighted_f1"] == pytest.approx((0.5 + 0.8 + 2 / 3) / 3)  # equal supports
    # clip votes: clip 1 ties a/b -> a (first class) right; clip 2 b right; clip 3 ties a/c -> a wrong
    assert out["genre_clip_accuracy"] == pytest.approx(2 / 3)


def test_weighted_f1_weighs_by_support():
    out = evaluate_genre(["a", "a", "a", "b"], ["a", "a", "b", "b"], [1, 2, 3, 4])
    # a: P=1 R=2/3 F1=0.8 (support 3); b: P=1/2 R=1 F1=2/3 (support 1)
    assert out["genre_weighted_f1"] == pytest.approx((3 * 0.8 + 2 / 3) / 4)
    assert out["genre_macro_f1"] == pytest.approx((0.8 + 2 / 3) / 2)


def test_clip_accuracy_soft_vote_and_validation():
    proba = np.array([[0.9, 0.1], [0.2, 0.8], [0.4, 0.6], [0.45, 0.55]])
    # clip 1: mean (0.55, 0.45) -> a (right); clip 2: mean (0.425, 0.575) -> b (truth a: wrong)
    assert clip_accuracy([1, 1, 2, 2], ["a", "a", "a", "a"], proba=proba,
                         classes=["a", "b"]) == pytest.approx(0.5)
    with pytest.raises(ValueError, match="clip 1 has windows labelled 'a' and 'b'"):
        clip_accuracy([1, 1], ["a", "b"], y_pred=["a", "a"])
    with pytest.raises(ValueError, match="differ in length"):
        evaluate_genre(["a", "b"], ["a"], [1, 2])


def test_per_class_table_rows():
    rows = per_class_table(Y_TRUE, Y_PRED)
    assert [r["class"] for r in rows] == ["a", "b", "c"]
    assert rows[1] == {"class": "b", "precision": pytest.approx(2 / 3), "recall": 1.0,
                       "f1": pytest.approx(0.8), "support": 2}


def test_affect_scores_by_hand():
    Y_true = np.array([[1, 10], [2, 20], [3, 30], [4, 40]], float)
    Y_pred = np.array([[1, 40], [3, 30], [2, 20], [4, 10]], float)
    out = evaluate_affect(Y_true, Y_pred, ["energy", "valence"])
    # energy: rank differences 0,1,1,0 -> rho = 1 - 6*2/(4*15) = 0.8; SSres 2, SStot 5
    assert out["affect_spearman_energy"] == pytest.approx(0.8)
    assert out["affect_r2_energy"] == pytest.approx(0.6)
    assert out["affect_mae_energy"] == pytest.approx(0.5)
    # valence: reversed -> rho -1; residuals -30,-10,10,30: SSres 2000, SStot 500; MAE 80/4
    assert out["affect_spearman_valence"] == pytest.approx(-1.0)
    assert out["affect_r2_valence"] == pytest.approx(1 - 2000 / 500)
    assert out["affect_mae_valence"] == pytest.approx(20.0)
    assert out["affect_spearman_mean"] == pytest.approx(-0.1)


def test_affect_constant_prediction_has_no_correlation_and_bad_input_raises():
    Y_true = np.array([[1.0, 2.0], [2.0, 1.0], [3.0, 5.0]])
    Y_pred = np.array([[2.0, 1.0], [2.0, 2.0], [2.0, 3.0]])
    out = evaluate_affect(Y_true, Y_pred, ["a", "b"])
    assert math.isnan(out["affect_spearman_a"])
    assert out["affect_spearman_mean"] == pytest.approx(out["affect_spearman_b"])
    with pytest.raises(ValueError, match="2 target columns but 1 names"):
        evaluate_affect(Y_true, Y_pred, ["a"])
    with pytest.raises(ValueError, match="NaN"):
        evaluate_affect([[1.0], [np.nan]], [[1.0], [2.0]], ["a"])
