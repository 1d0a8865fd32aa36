"""The asv suite's plumbing: configuration, profiles, discovery, failure scan.

Light on purpose: running the benchmarks is ``python -m benchmarks.check``'s
job (``make test`` runs it after pytest).
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BENCHMARK_PREFIXES = ("time_", "peakmem_", "track_", "mem_", "timeraw_")


def test_asv_conf_keeps_asv_files_under_dot_asv():
    asv_util = pytest.importorskip("asv.util")
    conf = asv_util.load_json(str(ROOT / "asv.conf.json"), js_comments=True)
    assert conf["benchmark_dir"] == "benchmarks"
    assert conf["branches"] == ["main"]
    for key in ("results_dir", "env_dir", "html_dir"):
        assert conf[key].startswith(".asv/"), key
    assert any("--no-deps" in command for command in conf["build_command"])
    assert ".asv/" in (ROOT / ".gitignore").read_text().split()


def test_profile_from_environment(monkeypatch):
    from benchmarks import common

    monkeypatch.setenv(common.PROFILE_ENV, "fast")
    assert common.get_profile().name == "fast"
    monkeypatch.setenv(common.PROFILE_ENV, "")
    assert common.get_profile().name == common.DEFAULT_PROFILE == "regular"
    assert common.get_profile("LARGE").corpus_copies == 4


def test_unknown_profile_is_named(monkeypatch):
    from benchmarks import common

    monkeypatch.setenv(common.PROFILE_ENV, "huge")
    with pytest.raises(ValueError, match="profile='huge'"):
        common.get_profile()


def test_profiles_grow_training_size_four_times():
    from benchmarks.common import PROFILES

    for profile in PROFILES.values():
        small, large = profile.train_sizes
        assert large == 4 * small, profile.name
    assert PROFILES["large"].corpus_copies > PROFILES["regular"].corpus_copies


def _benchmark_modules():
    import benchmarks

    for info in pkgutil.iter_modules(benchmarks.__path__):
        if info.name.startswith("bench_"):
            yield importlib.import_module(f"benchmarks.{info.name}")


def test_every_benchmark_class_declares_matching_params():
    classes = 0
    for module in _benchmark_modules():
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ != module.__name__:
                continue
            methods = [m for m in dir(cls) if m.startswith(BENCHMARK_PREFIXES)]
            if not methods:
                continue
            classes += 1
            params, names = cls.params, cls.param_names
            if names and not isinstance(params, tuple):
                params = tuple(params)
            assert len(params) == len(names), cls.__name__
            assert all(len(values) > 0 for values in params), cls.__name__
    assert classes >= 3


def test_model_benchmarks_cover_the_registry():
    models = pytest.importorskip("baselines.models")
    from benchmarks import bench_models, bench_streaming

    assert bench_models.MODEL_NAMES == models.models_for(bench_models.TASK)
    assert set(bench_streaming.SGD_MODELS) == {
        name for name in models.models_for(bench_streaming.TASK) if models.MODELS[name].streaming
    }
    assert "sgd-hinge" in bench_streaming.SGD_MODELS and "logreg" in bench_models.MODEL_NAMES


def test_check_finds_failed_benchmarks():
    from benchmarks.check import benchmarks_ran, failures

    # The shape of asv 0.6.6's output, from a run with failing benchmarks.
    output = """\
[ 8.33%] ··· Setting up bench_models:81                                  ok
[ 8.33%] ··· bench_models.ModelSuite.time_fit                    1/4 failed
[ 8.33%] ··· ========== ======== ========
             --          train_windows
             ---------- -----------------
               model       100      400
             ========== ======== ========
                knn      5.1ms    failed
             ========== ======== ========
             For parameters: 'knn', 400
             lbfgs failed to converge
[16.67%] ··· bench_streaming.StreamingEpoch.time_epoch               failed
[16.67%] ···· Traceback (most recent call last):
              ValueError: boom
              asv: benchmark failed (exit status 1)
[25.00%] ··· Setting up bench_features:40                            failed
[33.33%] ··· bench_features.FrameDoors.time_windows                      ok
[41.67%] ··· bench_features.Skipped.time_nothing                        n/a
"""
    found = failures(output)
    assert found == [
        "bench_models.ModelSuite.time_fit",
        "bench_streaming.StreamingEpoch.time_epoch",
        "Setting up bench_features:40",
    ]
    assert benchmarks_ran(output) == 4


def test_check_passes_a_clean_run():
    from benchmarks.check import failures

    output = "[ 50.00%] ··· bench_models.ModelSuite.time_predict   ok\n"
    assert failures(output) == []


def test_report_marks_each_target_pass_or_short():
    from benchmarks.report import summary_rows

    results = {
        "epoch": {"features": "stats", "windows": 100, "ratio": 25.0},
        "first_pass": {"features": "stats", "fraction": 0.4},
        "streaming": [
            {"model": "sgd-hinge", "factor": 1, "peak_mb": 10.0},
            {"model": "sgd-hinge", "factor": 4, "peak_mb": 10.5},
        ],
        "models": [{"model": "knn", "predict_exponent": 1.3}],
    }
    rows = summary_rows(results)
    assert [verdict for *_, verdict in rows] == ["pass", "**short**", "pass", "**short**"]
    assert rows[2][1].startswith("+5.0%")


def test_exponent_of_linear_and_quadratic_growth():
    from benchmarks.report import exponent

    assert exponent(1.0, 4.0) == pytest.approx(1.0)
    assert exponent(1.0, 16.0) == pytest.approx(2.0)
