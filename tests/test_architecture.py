"""The layer rules of ARCHITECTURE.md hold: the import-linter contracts in
setup.cfg are all kept, and breaking one is noticed."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("importlinter")

ROOT = Path(__file__).resolve().parents[1]


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    """``lint-imports`` on the packages under ``root``, with its setup.cfg."""
    code = ("import sys; from importlinter.cli import lint_imports_command; "
            "sys.exit(lint_imports_command(['--no-cache', '--no-logo']))")
    return subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True,
        env={"PATH": "", "PYTHONPATH": str(root), "PYTHONDONTWRITEBYTECODE": "1"},
        timeout=300,
    )


def test_every_contract_is_kept():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout
    # the contracts are the ones ARCHITECTURE.md states
    for name in ("features never imports baselines", "baselines.data never imports",
                 "baselines.report reads run records only", "no import cycles"):
        assert name in result.stdout


@pytest.mark.parametrize(
    "path, line, contract",
    [
        ("features/audio.py", "import baselines.models", "features never imports baselines"),
        ("baselines/data/summary.py", "import baselines.streaming",
         "baselines.data never imports"),
        ("baselines/sampling.py", "import baselines.datasets", "no import cycles"),
    ],
)
def test_a_broken_rule_fails(tmp_path, path, line, contract):
    for name in ("baselines", "features"):
        shutil.copytree(ROOT / name, tmp_path / name,
                        ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "setup.cfg", tmp_path / "setup.cfg")
    target = tmp_path / path
    target.write_text(target.read_text() + f"\n{line}  # breaks a rule\n")
    result = lint_imports(tmp_path)
    assert result.returncode != 0
    broken = result.stdout.split("Broken contracts", 1)[-1]
    assert contract in broken
