"""The CNN throughput script: FLOPs against a hand count, a CPU smoke run."""

from __future__ import annotations

import json

import pytest

torch = pytest.importorskip("torch")

from performance_report.cnn_throughput import (main, measure, model_flops,  # noqa: E402
                                               peak_tflops, render_markdown)


def test_flops_equal_a_hand_count_for_a_tiny_conv_net():
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Conv2d(2, 3, 3), torch.nn.ReLU(),
                              torch.nn.Flatten(), torch.nn.Linear(3 * 4 * 3, 5))
    x = torch.randn(4, 2, 6, 5)  # conv output 3 x 4 x 3
    conv = 2 * 4 * (3 * 4 * 3) * (2 * 3 * 3)  # 2 x batch x outputs x (c_in k k)
    linear = 2 * 4 * 36 * 5
    assert model_flops(net, x, backward=False) == conv + linear
    # Backward: the conv's weight gradient only (its input needs none), the
    # linear layer's input and weight gradients.
    assert model_flops(net, x) == (conv + linear) + conv + 2 * linear
    assert all(p.grad is None for p in net.parameters())  # left clean


@pytest.mark.parametrize("name, peak", [
    ("NVIDIA H100 80GB HBM3", 989.0), ("NVIDIA H100 PCIe", 756.0),
    ("NVIDIA H200", 989.0), ("NVIDIA A100-SXM4-80GB", 312.0),
    ("NVIDIA L40S", 362.0), ("NVIDIA L4", 121.0), ("NVIDIA A10", 125.0),
    ("NVIDIA A10G", None), ("Tesla T4", None),
])
def test_peak_table_matches_device_names(name, peak):
    assert peak_tflops(name)[0] == peak


def test_small_preset_on_the_cpu_gives_positive_figures_and_says_cpu():
    result = measure(preset="small", device="cpu", batch_size=4, steps=2, warmup=1)
    from baselines.cnn.model import SMALL, MusicNetCNN

    expected = model_flops(MusicNetCNN(10, 10, task="joint", config=SMALL),
                           torch.zeros(1, 1, 64, 156))
    assert result["flops_per_window"] == pytest.approx(expected)
    assert result["forward_flops_per_window"] < result["flops_per_window"]
    for key in ("end_to_end", "model_step"):
        figures = result[key]
        assert figures["windows_per_second"] > 0 and figures["tflops"] > 0
        assert figures["tflops"] == pytest.approx(
            result["flops_per_window"] * figures["windows_per_second"] / 1e12)
        assert figures["share_of_peak"] is None
    assert result["device"] == "cpu" and result["mixed_precision"] is None
    text = render_markdown(result)
    assert "CPU figures" in text and "n/a (CPU)" in text


def test_command_on_the_cpu_swaps_in_the_small_preset_and_writes_files(tmp_path,
                                                                       capsys):
    out = tmp_path / "throughput"
    assert main(["--device", "cpu", "--batch-size", "2", "--steps", "1",
                 "--warmup", "0", "--channels-last", "--profile", "1",
                 "--out", str(out)]) == 0
    result = json.loads(out.with_suffix(".json").read_text())
    assert result["preset"] == "small" and result["channels_last"] is True
    assert "small preset" in capsys.readouterr().err
    assert "CPU figures" in out.with_suffix(".md").read_text()
    assert "convolution" in (tmp_path / "throughput_profile.txt").read_text()
