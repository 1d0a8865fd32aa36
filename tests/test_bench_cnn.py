"""The asv benchmark of a CNN training step: skipped without CUDA, CPU step runs."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from benchmarks import bench_cnn  # noqa: E402


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the skip without CUDA")
def test_study_step_is_skipped_naming_the_missing_gpu():
    # asv marks a benchmark skipped when its setup raises NotImplementedError.
    with pytest.raises(NotImplementedError, match="no CUDA device"):
        bench_cnn.StudyStepCUDA().setup(32)


def test_small_cpu_step_trains_the_network():
    bench = bench_cnn.SmallStepCPU()
    bench.setup(8)
    model = bench.f["model"]
    before = [p.detach().clone() for p in model.parameters()]
    bench.time_train_step(8)
    changed = [not torch.equal(a, p) for a, p in zip(before, model.parameters())]
    assert all(changed)  # every parameter took an optimiser step


def test_synthetic_epoch_cuts_windows_inside_the_bank_on_the_hop_grid():
    from baselines.cnn.model import STUDY
    from baselines.cnn.train import batch_images

    epoch = bench_cnn.synthetic_epoch(STUDY, n_samples=6, n_composers=3, n_programs=4,
                                      n_recordings=2, recording_seconds=8.0,
                                      device=torch.device("cpu"))
    assert epoch["stacks"].shape == (6, 4) and epoch["Y"].shape == (6, 4)
    np.testing.assert_allclose(epoch["windows"].starts * 8000 % 128, 0)
    images = batch_images(STUDY, epoch["bank"], epoch["windows"], epoch["stacks"],
                          np.arange(6))
    assert images.shape == (6, 4, 128, 312) and torch.isfinite(images).all()
    with pytest.raises(ValueError, match="must exceed the 5.0 s window"):
        bench_cnn.synthetic_epoch(STUDY, n_samples=1, n_composers=2, n_programs=1,
                                  n_recordings=1, recording_seconds=5.0,
                                  device=torch.device("cpu"))
