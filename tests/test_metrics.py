"""Metrics: hand-computed examples and input validation (mir_eval style)."""

import numpy as np
import pytest

from baselines import metrics as M


def test_composer_metrics_hand_computed():
    y_true = ["a", "a", "a", "b", "b", "c"]
    y_pred = ["a", "a", "b", "b", "c", "c"]
    result = M.evaluate_composer(y_true, y_pred)
    assert result["accuracy"] == pytest.approx(4 / 6)
    # recalls: a 2/3, b 1/2, c 1/1 -> balanced (2/3 + 1/2 + 1) / 3
    assert result["balanced_accuracy"] == pytest.approx((2 / 3 + 0.5 + 1) / 3)
    # precisions: a 2/2, b 1/2, c 1/2
    assert result["precision"] == pytest.approx({"a": 1.0, "b": 0.5, "c": 0.5})
    assert result["recall"] == pytest.approx({"a": 2 / 3, "b": 0.5, "c": 1.0})
    f1 = {"a": 0.8, "b": 0.5, "c": 2 / 3}
    assert result["f1"] == pytest.approx(f1)
    assert result["macro_f1"] == pytest.approx(np.mean(list(f1.values())))
    assert result["confusion_matrix"] == [[2, 1, 0], [0, 1, 1], [0, 0, 1]]
    assert result["labels"] == ["a", "b", "c"]


def test_instrument_metrics_hand_computed():
    Y_true = np.array([[1, 0, 1], [0, 1, 0], [1, 1, 0], [0, 0, 1]])
    Y_pred = np.array([[1, 0, 1], [0, 0, 0], [1, 1, 1], [0, 0, 1]])
    scores = np.array([[0.9, 0.1, 0.8], [0.2, 0.4, 0.1], [0.7, 0.6, 0.6], [0.1, 0.2, 0.9]])
    result = M.evaluate_instruments(Y_true, Y_pred, Y_score=scores, names=["p", "v", "c"])
    assert result["exact_match"] == pytest.approx(2 / 4)
    assert result["hamming_loss"] == pytest.approx(2 / 12)
    # micro: tp=5 (1+0+2... ) counted: row0 2, row2 2, row3 1 -> 5; fp=1; fn=1
    assert result["micro_f1"] == pytest.approx(2 * 5 / (2 * 5 + 1 + 1))
    assert set(result["roc_auc"]) == {"p", "v", "c"}
    assert result["roc_auc"]["p"] == pytest.approx(1.0)
    # column c: positives 0.8, 0.9; negatives 0.1, 0.6 -> AUC 1
    assert result["roc_auc"]["c"] == pytest.approx(1.0)


def test_roc_auc_skips_constant_columns():
    Y_true = np.array([[1, 0], [1, 1]])
    result = M.evaluate_instruments(Y_true, Y_true, Y_score=np.ones((2, 2)))
    assert set(result["roc_auc"]) == {"1"}


def test_joint_exact_match_needs_both_right():
    y_true, y_pred = [0, 1, 2, 0], [0, 1, 1, 0]
    Y_true = [[1, 0], [0, 1], [1, 1], [0, 0]]
    Y_pred = [[1, 0], [1, 1], [1, 1], [0, 0]]
    # window 0 and 3 right in both; 1 wrong instruments; 2 wrong composer
    assert M.joint_exact_match(y_true, y_pred, Y_true, Y_pred) == pytest.approx(0.5)


def test_recording_predictions_soft_and_hard_votes():
    ids = [7, 7, 7, 3, 3]
    proba = np.array([[0.6, 0.4], [0.6, 0.4], [0.0, 1.0], [0.9, 0.1], [0.8, 0.2]])
    rec, pred = M.recording_predictions(ids, proba=proba, classes=np.array(["x", "y"]))
    assert rec.tolist() == [3, 7]
    # recording 7: mean proba (0.4, 0.6) -> y, although two of three windows vote x
    assert pred.tolist() == ["x", "y"]
    rec, pred = M.recording_predictions(ids, y_pred=["x", "x", "y", "y", "y"])
    assert pred.tolist() == ["y", "x"]
    acc = M.recording_accuracy(ids, ["x"] * 3 + ["y"] * 2, y_pred=["x", "x", "y", "y", "y"])
    assert acc == pytest.approx(1.0)


def test_evaluate_joint_has_stable_keys():
    result = M.evaluate(
        "joint", y_true=[0, 1], y_pred=[0, 0], Y_true=[[1, 0], [0, 1]],
        Y_pred=[[1, 0], [0, 1]], recording_ids=[1, 2], classes=[0, 1],
    )
    for key in M.RUN_METRIC_KEYS:
        assert key in result
    assert result["joint_exact_match"] == pytest.approx(0.5)
    assert result["instrument_exact_match"] == pytest.approx(1.0)
    assert result["recording_accuracy"] == pytest.approx(0.5)
    composer_only = M.evaluate("composer", y_true=[0, 1], y_pred=[0, 1])
    assert "instrument_exact_match" not in composer_only


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: M.evaluate_composer([1, 2, 3], [1, 2]), r"len\(y_true\)=3 != len\(y_pred\)=2"),
        (lambda: M.evaluate_composer([], []), "empty"),
        (lambda: M.evaluate_composer([[1]], [[1]]), "1-d"),
        (lambda: M.evaluate_composer([1, 2], [1, 3], labels=[1, 2]), "miss classes"),
        (lambda: M.evaluate_instruments(np.ones((3, 2)), np.ones((3, 3))), r"\(3, 2\) != .*\(3, 3\)"),
        (lambda: M.evaluate_instruments([[0, 2]], [[0, 1]]), "only 0 and 1"),
        (lambda: M.evaluate_instruments([1, 0], [1, 0]), "2-d"),
        (lambda: M.evaluate_instruments([[1, 0]], [[1, 0]], Y_score=[[0.5]]), "Y_score shape"),
        (lambda: M.joint_exact_match([1, 2], [1, 2], [[1]], [[1]]), "cover 2 windows .* cover 1"),
        (lambda: M.recording_predictions([1, 2], proba=np.ones((3, 2)), classes=[0, 1]), "proba has shape"),
        (lambda: M.recording_predictions([1, 2], y_pred=[0, 1], proba=np.ones((2, 2))), "exactly one"),
        (lambda: M.recording_accuracy([1, 1], [0, 1], y_pred=[0, 0]), "different labels"),
        (lambda: M.evaluate("genre", y_true=[1], y_pred=[1]), "task='genre'"),
    ],
)
def test_metric_inputs_are_validated(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_per_instrument_accuracy_counts_each_column():
    Y_true = np.array([[1, 0], [1, 1], [0, 0], [0, 1]])
    Y_pred = np.array([[1, 1], [1, 1], [1, 0], [0, 1]])
    result = M.evaluate_instruments(Y_true, Y_pred, names=["violin", "cello"])
    assert result["per_instrument_accuracy"] == {"violin": 0.75, "cello": 0.75}
    result = M.evaluate_instruments(Y_true[:2], Y_pred[:2], names=["violin", "cello"])
    assert result["per_instrument_accuracy"] == {"violin": 1.0, "cello": 0.5}
