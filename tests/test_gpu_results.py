"""`make gpu-results` names only options its commands accept (a GPU session
has little time to lose on a typo); the dry run needs no GPU."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _dry_run(tmp_path) -> list[str]:
    if shutil.which("make") is None:
        pytest.skip("no make on this machine")
    text = subprocess.run(
        ["make", "-n", "gpu-results", f"VIRTUAL_ENV={tmp_path / 'venv'}"],
        cwd=ROOT, capture_output=True, text=True, check=True).stdout
    # The `python -m MODULE ...` commands, loops cut at their separators.
    commands = []
    for line in text.replace("\\\n", " ").splitlines():
        if line.lstrip().startswith("#") or " -m " not in line:
            continue
        commands += [part.strip() for part in re.split(r";|\bdo\b", line)]
    return commands


def _argv(commands, module, task="composer"):
    found = []
    for command in commands:
        words = shlex.split(command.replace("$((2 * 50))", "100"))
        if "-m" in words and words[words.index("-m") + 1] == module:
            found.append([w.replace("$task", task).replace("$network", "cnn")
                          for w in words[words.index("-m") + 2:]])
    return found


def test_gpu_results_commands_parse(tmp_path):
    from baselines.cnn.__main__ import build_parser as cnn_parser
    from performance_report.cnn_throughput import build_parser as throughput_parser

    commands = _dry_run(tmp_path)
    from baselines.cnn.chord_run import build_parser as chord_parser
    from baselines.cnn.genre import build_parser as genre_parser

    every_cnn = _argv(commands, "baselines.cnn")
    cnn = [argv for argv in every_cnn if "chords" not in argv]
    assert len(cnn) == 2  # 50 epochs, then to 100 from the checkpoint
    (chords,) = [argv for argv in every_cnn if "chords" in argv]
    chord_args = chord_parser().parse_args(chords)
    assert chord_args.preset == "study" and chord_args.device == "cuda"
    (genre,) = _argv(commands, "baselines.cnn.genre", task="genre")  # one line, looped over tasks and networks
    genre_args = genre_parser().parse_args(genre)
    assert genre_args.preset == "study" and genre_args.device == "cuda"
    parsed = [cnn_parser().parse_args(argv) for argv in cnn]
    assert [a.epochs for a in parsed] == [50, 100]
    assert all(a.preset == "study" and a.resume and a.device == "cuda" for a in parsed)
    (throughput,) = _argv(commands, "performance_report.cnn_throughput")
    args = throughput_parser().parse_args(throughput)
    assert args.preset == "study" and args.profile > 0
    assert _argv(commands, "baselines.report") == [["--readme", "README.md"]]
