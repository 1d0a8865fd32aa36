"""``python -m baselines.cnn``: train and evaluate a CNN reference.

Writes ``RESULTS/<run name>/{points.csv, curve.png, run.json}`` as the
learning-curve command does (score versus epoch), plus ``checkpoint.pt``
for ``--resume``.  Without torch it says how to install it and exits 2.
"""

from __future__ import annotations

import argparse
import sys

from baselines.cnn import INSTALL_HINT, torch_available


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m baselines.cnn",
        description="Train the MusicNet study's CNN (or its small CPU variant) on "
        "windows from the streaming sampler and score it on the shared held-out "
        "windows.")
    p.add_argument("--task", choices=("composer", "instruments", "joint", "chords"),
                   default="joint", help="what to predict (default: joint)")
    p.add_argument("--preset", choices=("auto", "study", "small"), default="auto",
                   help="network: 'study' (4 x 128 x 312 input), 'small' (1 x 64 x "
                   "156, trains on a CPU in minutes); 'auto': study on CUDA, small "
                   "on the CPU (default: auto)")
    p.add_argument("--dataset", choices=("default", "small", "musicnet"),
                   default="default", help="corpus (default: default)")
    p.add_argument("--root", default=None,
                   help="corpus folder (required for musicnet; default: the "
                   "rendered corpus)")
    p.add_argument("--min-composer-recordings", type=int, default=None,
                   help="drop composers with fewer recordings (default: 5, the "
                   "study's, as the learning-curve command)")
    p.add_argument("--min-instrument-recordings", type=int, default=None,
                   help="drop instruments playing in fewer recordings (default: "
                   "10, the study's)")
    p.add_argument("--device", default="auto",
                   help="auto, cpu, cuda or cuda:N (default: auto = CUDA if available)")
    p.add_argument("--epochs", type=int, default=20,
                   help="epochs of fresh balanced windows (default: 20)")
    p.add_argument("--windows-per-epoch", type=int, default=None,
                   help="training samples per epoch (default: the sampler's 85 "
                   "per composer, the study's cap)")
    p.add_argument("--batch-size", type=int, default=32,
                   help="samples per optimiser step (default: 32)")
    p.add_argument("--learning-rate", type=float, default=1e-3,
                   help="Adam step size, betas (0.5, 0.999) (default: 0.001)")
    p.add_argument("--max-steps", type=int, default=None,
                   help="stop after this many optimiser steps (default: no limit)")
    p.add_argument("--eval-windows", type=int, default=100,
                   help="windows drawn per held-out recording, as the "
                   "learning-curve command (default: 100, the study's)")
    p.add_argument("--seed", type=int, default=0,
                   help="seed of the split, the windows and the weights (default: 0)")
    p.add_argument("--eval-seed", type=int, default=0,
                   help="seed of the held-out windows, as the learning-curve "
                   "command's (default: 0)")
    p.add_argument("--no-amp", action="store_true",
                   help="full precision on CUDA (default: mixed precision)")
    p.add_argument("--results", default="results",
                   help="folder for run files (default: results)")
    p.add_argument("--run-name", default=None,
                   help="run folder name (default: cnn-<preset>-<task>-<dataset>)")
    p.add_argument("--resume", action="store_true",
                   help="continue from the run folder's checkpoint.pt (default: "
                   "start afresh)")
    p.add_argument("--no-progress", action="store_true",
                   help="hide progress bars (default: shown)")
    return p


def _cnn_head(argv) -> str | None:
    """The ``cnn_head`` of the task on the command line (None if not given)."""
    probe = argparse.ArgumentParser(add_help=False)
    probe.add_argument("--task", default=None)
    task, _ = probe.parse_known_args(argv)
    if task.task is None:
        return None
    from baselines.tasks import get_task

    try:
        return get_task(task.task).cnn_head
    except ValueError:
        return None  # the full parser reports it


def main(argv=None) -> int:
    if _cnn_head(sys.argv[1:] if argv is None else argv) == "chords":
        # The chord network has its own input (log-CQT frame patches) and run.
        if not torch_available():
            print(f"python -m baselines.cnn: {INSTALL_HINT}", file=sys.stderr)
            return 2
        from baselines.cnn.chord_run import main as chord_main

        return chord_main(argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    if not torch_available():
        print(f"python -m baselines.cnn: {INSTALL_HINT}", file=sys.stderr)
        return 2
    from baselines.cnn.run import run_command

    try:
        return run_command(args, argv=argv)
    except ValueError as error:
        parser.error(str(error))


if __name__ == "__main__":
    raise SystemExit(main())
