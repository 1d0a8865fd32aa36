"""The CNN references: shapes, the torch front end, stacks, a short CPU run."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from baselines.cnn.frontend import AudioBank, log_spectrogram  # noqa: E402
from baselines.cnn.model import (SMALL, STUDY, MusicNetCNN,  # noqa: E402
                                 NetworkConfig, stage_shapes)
from baselines.cnn.stacks import stack_indices, stack_targets  # noqa: E402


def test_study_network_shapes_reach_128_by_8_by_8():
    assert stage_shapes(STUDY) == [(32, 128, 153), (64, 63, 75), (64, 31, 37),
                                   (128, 15, 18), (128, 8, 8)]
    model = MusicNetCNN(7, 10, task="joint", config=STUDY).eval()
    with torch.no_grad():
        out = model(torch.zeros(2, 4, 128, 312))
    assert out["composer"].shape == (2, 7) and out["instruments"].shape == (2, 10)
    # Separate stacks: the two tasks share no parameter.
    ids = {task: {id(p) for p in model.stacks[task].parameters()}
           for task in ("composer", "instruments")}
    assert not ids["composer"] & ids["instruments"]
    assert stage_shapes(SMALL)[-1] == (32, 4, 4)


def test_single_task_models_have_one_head_and_bad_args_raise():
    model = MusicNetCNN(3, 5, task="instruments", config=SMALL)
    assert list(model.heads) == ["instruments"]
    with pytest.raises(ValueError, match="task='both' must be one of"):
        MusicNetCNN(3, 5, task="both")
    with pytest.raises(ValueError, match="n_composers=1 must be >= 2"):
        MusicNetCNN(1, 5, task="composer")
    with pytest.raises(ValueError, match="must list 5 stage widths"):
        MusicNetCNN(3, 5, config=NetworkConfig(channels=(8, 8)))


def _test_windows():
    rng = np.random.default_rng(0)
    X = (0.1 * rng.standard_normal((3, 40000))).astype(np.float32)
    t = np.arange(40000) / 8000
    X[1] = 0.5 * np.sin(2 * np.pi * 440 * t) + 0.2 * np.sin(2 * np.pi * 1333 * t)
    X[2, 20000:] = 0.0  # silence half-way: log(eps) bins
    return X


@pytest.mark.parametrize("shape", [None, (128, 312)])
def test_torch_front_end_matches_features_study_preset(shape):
    from features.spectrogram import Spectrogram

    X = _test_windows()
    reference = Spectrogram(sr=8000, n_fft=256, hop_length=128, eps=1e-6,
                            shape=shape, output="image").fit_transform(X)[:, 0]
    kwargs = {"n_bins": None, "n_frames": None} if shape is None else {}
    ours = log_spectrogram(torch.from_numpy(X), **kwargs).numpy()
    assert ours.shape == reference.shape == ((3, 129, 313) if shape is None
                                             else (3, 128, 312))
    # Magnitudes agree to float32 FFT rounding; the log only magnifies that
    # rounding in bins ~1e-5 below the peak, so compare the log where it is
    # not dominated by it.
    np.testing.assert_allclose(np.exp(ours), np.exp(reference), rtol=1e-4, atol=5e-5)
    loud = reference > np.log(1e-2)
    np.testing.assert_allclose(ours[loud], reference[loud], atol=1e-3)


def test_front_end_crop_downsample_and_batch_axes():
    X = torch.from_numpy(_test_windows())
    full = log_spectrogram(X, n_bins=None, n_frames=None)
    cropped = log_spectrogram(X, resize="crop")
    torch.testing.assert_close(cropped, full[:, :128, :312])
    small = log_spectrogram(X.reshape(3, 1, -1), downsample=2)
    assert small.shape == (3, 1, 64, 156)
    torch.testing.assert_close(
        small[:, 0], torch.nn.functional.avg_pool2d(log_spectrogram(X)[:, None], 2)[:, 0])
    with pytest.raises(ValueError, match="resize='zoom' must be"):
        log_spectrogram(X, resize="zoom")


def test_audio_bank_cuts_windows_and_pads_the_end_with_silence():
    audio = {5: np.arange(100, dtype=np.float32), 2: np.ones(30, np.float32)}
    bank = AudioBank(audio, n_samples=10, sr=10)
    rows = bank.rows([5, 2, 5])
    windows = bank.cut(rows, [0.3, 2.5, 9.0]).numpy()
    np.testing.assert_array_equal(windows[0], np.arange(3, 13))
    np.testing.assert_array_equal(windows[1], [1] * 5 + [0] * 5)
    np.testing.assert_array_equal(windows[2], np.arange(90, 100))
    with pytest.raises(ValueError, match="starts outside its recording"):
        bank.cut(bank.rows([2]), [3.5])


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
@pytest.mark.parametrize("device", ["cuda", "cuda:0"])
def test_audio_bank_on_cuda_cuts_windows_there(device):
    # "cuda" (no index, what --device auto gives) once failed: the bank sat on
    # cuda:0, the comparison saw another device and pin_memory refused a GPU tensor.
    audio = {5: np.arange(100, dtype=np.float32), 2: np.ones(30, np.float32)}
    bank = AudioBank(audio, n_samples=10, sr=10, device=device)
    assert bank.on_device
    windows = bank.cut(bank.rows([5, 2]), [0.3, 2.5])
    assert windows.device.type == "cuda"
    np.testing.assert_array_equal(windows[0].cpu().numpy(), np.arange(3, 13))
    np.testing.assert_array_equal(windows[1].cpu().numpy(), [1] * 5 + [0] * 5)


def test_stacks_stay_inside_a_recording_and_union_instruments():
    from baselines.data.windows import Windows

    ids = np.array([1, 1, 1, 2, 2, 3])
    windows = Windows(recording_ids=ids, starts=np.zeros(6), length=5.0,
                      composers=np.array(["a", "a", "a", "b", "b", "b"], dtype=object),
                      instruments=np.array([[1, 0], [0, 1], [0, 0], [1, 0], [1, 0],
                                            [0, 1]], dtype=np.uint8),
                      programs=(1, 41))
    stacks = stack_indices(ids, 3, np.random.default_rng(0))
    assert stacks.shape == (6, 3)
    np.testing.assert_array_equal(stacks[:, 0], np.arange(6))
    assert all((ids[row] == ids[row[0]]).all() for row in stacks)
    assert set(stacks[0, 1:]) == {1, 2}  # enough others: without replacement
    y, Y = stack_targets(windows, stacks, ("a", "b"))
    np.testing.assert_array_equal(y, [0, 0, 0, 1, 1, 1])
    np.testing.assert_array_equal(Y[0], [1, 1])
    np.testing.assert_array_equal(Y[5], [0, 1])
    one = stack_indices(ids, 1, np.random.default_rng(0))
    np.testing.assert_array_equal(stack_targets(windows, one, ("a", "b"))[1],
                                  windows.instruments)


def test_command_without_torch_says_how_to_install():
    code = ("import sys; sys.modules['torch'] = None; "
            "from baselines.cnn.__main__ import main; raise SystemExit(main([]))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True,
                            text=True)
    assert result.returncode == 2
    assert "pip install 'music-baselines[cnn]'" in result.stderr


def test_small_network_learns_a_fixed_batch_with_the_study_optimiser():
    torch.manual_seed(0)
    t = torch.arange(40000) / 8000
    low = torch.sin(2 * torch.pi * 300 * t)
    high = torch.sin(2 * torch.pi * 2500 * t)
    audio = torch.stack([low, high] * 4)[:, None] + 0.05 * torch.randn(8, 1, 40000)
    images = log_spectrogram(audio, downsample=2)
    y = torch.tensor([0, 1] * 4)
    Y = torch.stack([torch.tensor([1.0, 0.0]), torch.tensor([0.0, 1.0])] * 4)
    model = MusicNetCNN(2, 2, task="joint", config=SMALL)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.5, 0.999))
    losses = []
    for _ in range(15):
        out = model(images)
        loss = (torch.nn.functional.cross_entropy(out["composer"], y)
                + torch.nn.functional.binary_cross_entropy_with_logits(
                    out["instruments"], Y))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert np.isfinite(losses).all()
    assert losses[-1] < 0.5 * losses[0]


@pytest.mark.slow
def test_command_trains_small_cnn_on_cpu_and_report_traces_it(small_corpus_root,
                                                              tmp_path):
    import pandas as pd

    from baselines import records, report
    from baselines.cnn.__main__ import main

    results = tmp_path / "results"
    argv = ["--task", "joint", "--preset", "small", "--dataset", "small",
            "--root", str(small_corpus_root), "--device", "cpu", "--epochs", "2",
            "--max-steps", "4", "--batch-size", "8",
            "--eval-windows", "3", "--results", str(results),
            "--run-name", "cnn-smoke", "--no-progress"]
    assert main(argv) == 0
    folder = results / "cnn-smoke"
    run = records.read_run(folder).record
    points = pd.read_csv(folder / "points.csv")
    assert (folder / "curve.png").stat().st_size > 1000
    assert run["model"] == "cnn-small" and run["task"] == "joint"
    assert run["finished"] and run["headline_metric"] == "joint_exact_match"
    assert run["device"]["device"] == "cpu" and run["device"]["device_name"]
    assert run["device"]["windows_per_second"] > 0 and run["train_windows"] == 4 * 8
    assert run["device"]["steps"] == 4
    # the headline's interval over test works, as the classical runs have
    m = run["metrics"]
    assert 0 <= m["joint_exact_match_ci_low"] <= m["joint_exact_match_ci_high"] <= 1
    assert m["joint_exact_match_n_groups"] == len({r.group for r in _test_recordings(run)})
    for key in ("composer_accuracy", "composer_macro_f1", "instrument_exact_match",
                "instrument_hamming_loss", "joint_exact_match", "recording_accuracy"):
        assert 0.0 <= run["metrics"][key] <= 1.0, key
        assert points[key].iloc[-1] == pytest.approx(run["metrics"][key], abs=1e-6)
    assert np.isfinite(points["train_loss"]).all()
    assert len(points) == 1  # 4 steps fit in the first epoch
    labels = run["detail"]["composer"]["labels"]
    assert labels == run["dataset"]["composers"]
    assert (set(run["detail"]["instruments"]["per_instrument_accuracy"])
            == set(run["dataset"]["instruments"]))

    # Resume: the checkpoint carries on to a second epoch.
    assert main(argv[:-5] + ["--max-steps", "6", "--results", str(results),
                             "--run-name", "cnn-smoke", "--no-progress",
                             "--resume"]) == 0
    resumed = pd.read_csv(folder / "points.csv")
    assert list(resumed["step"]) == [4, 6]

    text = report.render_report(results, results / "README.md")
    row = [line for line in text.splitlines()
           if line.startswith("| ") and "`cnn-smoke/run.json`" in line]
    # The results, CNN and side-by-side tables (no classical run: the CNN alone).
    assert len(row) == 3 and "cnn-small" in row[0]
    assert row[2].startswith("| CNN | cnn-small |")
    final = records.read_run(folder).record
    assert f"{final['metrics']['composer_accuracy']:.4f}" in row[0]
    assert f"| {final['device']['windows_per_second']:.3g} |" in row[1]
    assert (results / "confusion_cnn-small.png").exists()


def test_front_end_and_eval_grid_are_the_features_study_preset():
    """Same STFT as ``spectrogram-128``, so the CNN's held-out windows (drawn on
    its hop grid with the same seed) are the SGD-on-spectrogram models'."""
    from baselines.cnn import frontend
    from features.registry import make_extractor

    extractor = make_extractor("spectrogram-128")
    assert (extractor.sr, extractor.n_fft, extractor.hop_length) == (
        frontend.SR, frontend.N_FFT, frontend.HOP_LENGTH)
    assert tuple(extractor.shape) == (STUDY.n_bins, STUDY.n_frames)
    assert extractor.eps == frontend.EPS


def _test_recordings(run):
    from baselines.data.musicnet import MusicNetCorpus

    test = set(run["dataset"]["test_recordings"])
    return [r for r in MusicNetCorpus(run["dataset"]["root"]) if r.id in test]
