"""The asv suite's plumbing: configuration, profiles, discovery.

Light on purpose: running the benchmarks is ``python -m
performance_report.asv_check``'s job (``make test`` runs it after pytest).
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


def test_benchmarks_folder_holds_the_asv_suite_alone():
    # scikit-learn's asv_benchmarks layout: common.py and one bench_<area>.py
    # per area; measurement scripts live in performance_report/.
    modules = sorted(p.name for p in (ROOT / "benchmarks").glob("*.py"))
    assert modules[0] == "__init__.py" and "common.py" in modules
    others = [m for m in modules if m not in ("__init__.py", "common.py")]
    assert others and all(m.startswith("bench_") for m in others), others
