"""Shapes of the genre/affect networks and a toy fit they must learn."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from baselines.cnn.genre_model import SMALL, STUDY, BeatLSTM, FusedCNN, pad_sequences  # noqa: E402
from baselines.cnn.genre_train import (FitConfig, eval_windows, fit_network,  # noqa: E402
                                       predict_network)


@pytest.mark.parametrize("config", [SMALL, STUDY])
def test_fused_cnn_shapes(config):
    x = torch.zeros(3, 1, 140, 64)
    assert FusedCNN(7, config=config).eval()(x).shape == (3, 7)
    assert FusedCNN(3, kind="targets", config=config).eval()(x).shape == (3, 3)
    with pytest.raises(ValueError, match=r"must be \(batch, 1, 140, T\)"):
        FusedCNN(7, config=config)(torch.zeros(3, 1, 128, 64))
    with pytest.raises(ValueError, match="too few"):
        FusedCNN(1, config=config)


@pytest.mark.parametrize("config", [SMALL, STUDY])
def test_beat_lstm_packs_padded_batches(config):
    arrays = [np.random.default_rng(i).normal(size=(140, t)).astype(np.float32) for i, t in
              enumerate((5, 9, 3))]
    x, lengths = pad_sequences(arrays)
    assert x.shape == (3, 9, 140) and lengths.tolist() == [5, 9, 3]
    assert not x[2, 3:].any()
    model = BeatLSTM(4, config=config).eval()
    out = model(x, lengths)
    assert out.shape == (3, 4)
    # padding never enters the recurrence: more zeros past the length change nothing
    longer = torch.cat([x, torch.zeros(3, 6, 140)], dim=1)
    torch.testing.assert_close(model(longer, lengths), out)
    assert BeatLSTM(2, kind="targets", config=config).eval()(x, lengths).shape == (3, 2)


def test_eval_windows_cover_each_clip():
    arrays = [np.zeros((140, 50)), np.zeros((140, 10))]
    X, index = eval_windows(arrays, 20)
    assert X.shape == (3, 1, 140, 20) and index.tolist() == [0, 0, 1]


def toy(n_per_class=12, seed=0):
    """Two classes: a bright band high in the mel rows versus low; a target
    that is the band's position."""
    rng = np.random.default_rng(seed)
    arrays, labels, targets = [], [], []
    for c in range(2):
        for _ in range(n_per_class):
            a = rng.normal(size=(140, 40)).astype(np.float32) * 0.3
            row = rng.integers(10, 40) + 60 * c
            a[row:row + 8] += 3.0
            arrays.append(a)
            labels.append("low" if c == 0 else "high")
            targets.append([float(row), float(-row)])
    return arrays, np.array(labels), np.array(targets)


@pytest.mark.parametrize("network", ["cnn", "lstm"])
def test_networks_learn_a_toy_problem(network):
    arrays, labels, targets = toy()
    config = FitConfig(network=network, epochs=25, batch_size=8, lr=3e-3, n_frames=16,
                       crops_per_clip=2)
    state = fit_network(arrays, labels, config=config)
    assert state["losses"][-1] < state["losses"][0]
    test_arrays, test_labels, test_targets = toy(seed=1)
    pred = predict_network(state, test_arrays)
    assert np.mean(pred["clip_pred"] == test_labels) >= 0.9
    reg = fit_network(arrays, targets, config=config)
    out = predict_network(reg, test_arrays)["clip_targets"]
    assert out.shape == (24, 2)
    assert np.corrcoef(out[:, 0], test_targets[:, 0])[0, 1] > 0.7


@pytest.mark.parametrize("task,network,dataset", [("genre", "cnn", "spectrograms"),
                                                  ("affect", "lstm", "spectrograms-targets"),
                                                  ("genre", "lstm", "styles")])
def test_command_writes_a_valid_run_record(tmp_path, task, network, dataset):
    from baselines import records
    from baselines.cnn.genre import main

    argv = ["--task", task, "--network", network, "--dataset", dataset, "--small-corpus",
            "--epochs", "2",
            "--window-frames", "64", "--device", "cpu", "--results", str(tmp_path),
            "--no-progress"]
    assert main(argv) == 0
    (run,) = records.load_runs(tmp_path)
    assert run["task"] == task and run["model"].endswith("-small")
    assert run["corpus_name"] == f"{dataset}-small"
    if task == "genre":
        assert 0 <= run["metrics"]["genre_clip_accuracy"] <= 1
        assert set(run["detail"]["genre"]["labels"]) == {"chorale", "fiddle", "folksong", "madrigal",
                                                         "mass", "quartet", "trecento"}
    else:
        assert {"affect_spearman_tempo_bpm", "affect_r2_notes_per_second",
                "affect_mae_major_key_share"} <= set(run["metrics"])
    assert run["metrics"]["n_test_groups"] == run["metrics"]["n_test_clips"] == 14
    headline, metrics = run["headline_metric"], run["metrics"]
    if np.isfinite(metrics[headline]):  # two epochs may predict a constant (no Spearman)
        assert metrics[f"{headline}_ci_low"] <= metrics[headline] <= metrics[f"{headline}_ci_high"]
        assert metrics[f"{headline}_n_groups"] == 14
    assert list(run.points["split"]).count("train") == 2
    test_point = run.points[run.points["split"] == "validation"]
    assert test_point["fit_seconds"].tolist() == pytest.approx([run["fit_seconds"]], rel=1e-4)


def test_cnn_command_hands_genre_tasks_over(tmp_path):
    from baselines.cnn.__main__ import main

    argv = ["--task", "genre", "--network", "lstm", "--small-corpus", "--epochs", "1",
            "--device", "cpu", "--results", str(tmp_path), "--no-progress"]
    assert main(argv) == 0
    assert (tmp_path / "beat-lstm-small-genre-spectrograms-small" / "run.json").exists()


def test_headline_interval_rests_on_the_clips_groups():
    from types import SimpleNamespace

    from baselines.cnn.genre import headline_interval
    from baselines.protocol import score_interval

    # six clips of three pieces; clip 5 has no window of its own, clip 2 is voted wrong
    clips = [SimpleNamespace(genre=g, group=p) for g, p in
             [("a", "p1"), ("a", "p1"), ("b", "p2"), ("b", "p2"), ("a", "p3"), ("b", "p3")]]
    window_clip = np.array([0, 0, 1, 2, 2, 3, 4])
    proba = np.array([[0.9, 0.1], [0.6, 0.4], [0.7, 0.3], [0.8, 0.2], [0.4, 0.6],
                      [0.2, 0.8], [0.5, 0.5]])
    prediction = {"window_clip": window_clip, "window_proba": proba,
                  "classes": np.array(["a", "b"], dtype=object)}
    out = headline_interval("genre", clips, prediction, ())
    correct = np.array([1.0, 1.0, 0.0, 1.0, 1.0])  # clip 4's tie goes to the first class
    expected = score_interval(correct, np.array(["p1", "p1", "p2", "p2", "p3"]))
    assert out == {k: v for k, v in expected.as_dict("genre_clip_accuracy").items()
                   if k != "genre_clip_accuracy"}
    assert out["genre_clip_accuracy_n_groups"] == 3

    targets = [{"x": v} for v in (1.0, 2.0, 3.0, 4.0, 5.0, 6.0)]
    for clip, t in zip(clips, targets):
        clip.targets = t
    good = {"clip_targets": np.array([[1.1], [2.2], [2.9], [4.3], [5.0], [6.1]])}
    out = headline_interval("affect", clips, good, ("x",))
    assert out["affect_spearman_mean_n_groups"] == 3
    assert out["affect_spearman_mean_ci_low"] <= 1.0 <= out["affect_spearman_mean_ci_high"]
    assert headline_interval("affect", clips, {"clip_targets": np.ones((6, 1))}, ("x",)) == {}
