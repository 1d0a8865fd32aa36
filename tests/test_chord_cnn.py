"""The chord network's shapes (weights as the study lists them)."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from baselines.cnn.chord_model import CHORD_PRESETS, ChordCNN, ChordNetworkConfig, layer_shapes  # noqa: E402


def test_study_weight_shapes():
    net = ChordCNN(CHORD_PRESETS["study"])
    convs = [m.weight.shape for m in net.modules() if isinstance(m, torch.nn.Conv2d)]
    assert [tuple(s) for s in convs] == [(32, 1, 3, 3), (32, 32, 3, 3), (64, 32, 3, 3),
                                         (64, 64, 3, 3), (128, 64, 12, 1), (128, 128, 1, 9),
                                         (25, 128, 1, 1)]
    assert sum(isinstance(m, torch.nn.BatchNorm2d) for m in net.modules()) == 7


def test_layer_shapes_and_logits():
    shapes = layer_shapes(CHORD_PRESETS["study"])
    assert shapes[2] == (32, 36, 15) and shapes[5] == (64, 18, 15)
    assert shapes[6] == (128, 7, 15) and shapes[7] == (128, 7, 7) and shapes[-1] == (25, 7, 7)
    net = ChordCNN(CHORD_PRESETS["small"]).eval()
    with torch.no_grad():
        out = net(torch.randn(5, 1, 72, 15))
    assert out.shape == (5, 25)
    # log-mel patches (128 bins) fit too
    assert ChordCNN(ChordNetworkConfig(n_bins=128))(torch.randn(2, 1, 128, 15)).shape == (2, 25)


def test_too_small_inputs_raise():
    with pytest.raises(ValueError, match="n_bins=24 pools to 6 bins"):
        ChordCNN(ChordNetworkConfig(n_bins=24))
    with pytest.raises(ValueError, match="context=3 gives 7 frames"):
        ChordCNN(ChordNetworkConfig(context=3))


def test_cnn_chords_command_writes_a_record(tmp_path):
    from baselines import records
    from baselines.cnn.__main__ import main

    assert main(["--task", "chords", "--dataset", "chords-small", "--epochs", "1",
                 "--frames-per-track", "50", "--device", "cpu", "--results", str(tmp_path),
                 "--no-progress"]) == 0
    (run,) = records.load_runs(tmp_path)
    assert run["model"] == "cnn-small" and run["task"] == "chords"
    assert run["features"] == "logcqt" and run["device"]["parameters"] > 0
    for key in ("chord_majmin_wcsr", "chord_majmin_wcsr_hmm", "chord_majmin_wcsr_ci_low"):
        assert 0.0 <= run["metrics"][key] <= 1.0
    assert len(run.points) == 1 and run.points["epoch"].tolist() == [1]
    assert (run.points["fit_seconds"] > 0).all()  # seconds to 95 % reads them
