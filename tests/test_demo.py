"""`make demo` computes on this machine: its runs go to a git-ignored folder,
so points committed under results/ are never reused in its place."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def demo_commands(tmp_path) -> list[str]:
    make = shutil.which("make")
    if make is None:
        pytest.skip("make is not installed")
    # -n prints the recipe without running it; a throw-away VIRTUAL_ENV keeps
    # the printed install steps away from any real environment.
    result = subprocess.run([make, "-n", "demo", f"VIRTUAL_ENV={tmp_path / 'venv'}"],
                            cwd=ROOT, capture_output=True, text=True, check=True)
    return result.stdout.splitlines()


def test_demo_trains_into_a_git_ignored_folder(tmp_path):
    commands = demo_commands(tmp_path)
    curve = [c for c in commands if "-m baselines.learning_curve" in c]
    assert len(curve) == 1
    out = re.search(r"--out\s+(\S+)", curve[0])
    assert out is not None, curve[0]
    folder = out.group(1)
    assert folder != "results"
    assert "--readme" not in " ".join(commands)  # the demo never rewrites README.md
    ignored = subprocess.run(["git", "check-ignore", "-q", f"{folder}/run/run.json"],
                             cwd=ROOT)
    assert ignored.returncode == 0, f"{folder}/ is not git-ignored"
    assert any(f"--results {folder}" in c for c in commands)


def test_points_of_another_folder_are_never_reused(small_corpus_root, tmp_path):
    from baselines.learning_curve import run

    kwargs = dict(task="composer", dataset="small", root=small_corpus_root,
                  train_sizes="30", n_seeds=1, eval_windows=3, backend="sequential",
                  progress=False, print_table=False)
    committed = run("dummy", out=tmp_path / "results", **kwargs)
    demo = run("dummy", out=tmp_path / "demo-results", **kwargs)
    assert committed["points_computed"] == demo["points_computed"] == 1
    assert demo["points_reused"] == 0
    assert demo["run_dir"].startswith(str(tmp_path / "demo-results"))
