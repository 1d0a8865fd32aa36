"""Run the asv suite once in its fast profile; fail if any benchmark fails.

``make test`` runs this after pytest::

    python -m performance_report.asv_check [--profile fast] [--bench REGEX]

It registers a machine non-interactively (``asv machine --yes``), then runs
``asv run --python=same --quick --show-stderr`` in the existing environment
(no environment is built, nothing is saved: ``--quick`` keeps no results).
asv 0.6.6 exits 2 when a benchmark fails; older versions exit 0, so the
output is scanned as well: any benchmark reported ``failed`` makes this exit
non-zero, and so does a run that found no benchmark at all.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MACHINE = "music-baselines-check"

# "[ 41.67%] ··· b.time_fail                  failed"
# "[  8.33%] ··· b.A.peakmem_c            2/4 failed"  (parametrized)
# "[  8.33%] ··· Setting up b:4               failed"  (setup_cache)
_FAILED_LINE = re.compile(r"^\s*\[\s*[\d.]+%\]\s+·+\s+(.+?)\s+(?:\d+/\d+\s+)?failed\s*$")
_RAN_LINE = re.compile(r"^\s*\[\s*[\d.]+%\]\s+·{3}\s+(\w+\.[\w.]+)\s+\S")


def asv(*args: str, env=None, echo=True) -> tuple[int, str]:
    """Run ``python -m asv ARGS`` in the repository root; return (rc, output)."""
    command = [sys.executable, "-m", "asv", *args]
    print("$ " + " ".join(command), flush=True)
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, errors="replace",
    )
    lines = []
    for line in process.stdout:
        lines.append(line)
        if echo:
            sys.stdout.write(line)
            sys.stdout.flush()
    return process.wait(), "".join(lines)


def failures(output: str) -> list[str]:
    """Benchmarks (or ``setup_cache`` steps) that asv reported as failed.

    Only asv's status lines count: a benchmark's own stderr (shown with
    ``--show-stderr``, e.g. "lbfgs failed to converge") never does.
    """
    return [m.group(1) for m in map(_FAILED_LINE.match, output.splitlines()) if m]


def benchmarks_ran(output: str) -> int:
    """Number of benchmark result lines in asv's output."""
    return len({m.group(1) for m in map(_RAN_LINE.match, output.splitlines()) if m})


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--profile", default="fast", choices=("fast", "regular", "large"),
        help="benchmark profile (default: fast)",
    )
    parser.add_argument(
        "--bench", default=None,
        help="only benchmarks matching this regular expression (default: all)",
    )
    parser.add_argument(
        "--machine", default=MACHINE,
        help=f"asv machine name to register and use (default: {MACHINE})",
    )
    args = parser.parse_args(argv)

    env = dict(os.environ)
    env["MUSIC_BASELINES_BENCH_PROFILE"] = args.profile
    env.setdefault(
        "NUMBA_CACHE_DIR",
        os.path.join(os.path.expanduser("~"), ".cache", "music-baselines", "numba"),
    )
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(name, "1")

    rc, _ = asv("machine", "--yes", "--machine", args.machine, env=env, echo=False)
    if rc != 0:
        print(f"asv_check: `asv machine --yes` failed (exit {rc})", file=sys.stderr)
        return 1
    # forkserver: the suite (and librosa, ~4 s) is imported once, not once
    # per benchmark and parameter combination as with the default spawn.
    run = ["run", "--python=same", "--quick", "--show-stderr", "--durations=5",
           "--launch-method=forkserver", "--machine", args.machine]
    if args.bench:
        run += ["--bench", args.bench]
    rc, output = asv(*run, env=env)

    failed = failures(output)
    ran = benchmarks_ran(output)
    if failed:
        print(f"\nasv_check: {len(failed)} benchmark(s) failed:", file=sys.stderr)
        for name in failed:
            print(f"  {name}", file=sys.stderr)
        return 1
    if rc != 0:
        print(f"\nasv_check: asv run exited {rc}", file=sys.stderr)
        return 1
    if ran == 0:
        print("\nasv_check: asv ran no benchmark", file=sys.stderr)
        return 1
    print(f"\nasv_check: {ran} benchmarks ran in the "
          f"{args.profile} profile, none failed")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
