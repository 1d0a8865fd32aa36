"""Run the asv suite once in its fast profile; fail if any benchmark fails.

``make test`` runs this after pytest::

    python -m benchmarks.check [--profile fast] [--bench REGEX]

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

# "[ 50.00%] ··· bench_models.ModelSuite.time_fit      failed"
_FAILED_LINE = re.compile(r"^\s*\[\s*[\d.]+%\]\s+[·.]+\s+(\S+)\s+failed\s*$")
# a row of a parametrized result table: "  knn   |  failed  |  1.2s  |"
_FAILED_CELL = re.compile(r"(^|\|)\s*failed\s*(\||$)")
_RAN_LINE = re.compile(r"^\s*\[\s*[\d.]+%\]\s+[·.]+\s+(\S+\.\S+)")


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
    """Benchmarks (or table rows) that asv reported as ``failed``."""
    found = []
    current = None
    for line in output.splitlines():
        match = _FAILED_LINE.match(line)
        if match:
            found.append(match.group(1))
            continue
        started = _RAN_LINE.match(line)
        if started:
            current = started.group(1)
        elif _FAILED_CELL.search(line) and current is not None:
            found.append(f"{current}: {line.strip()}")
    return found


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
        print(f"benchmarks.check: `asv machine --yes` failed (exit {rc})", file=sys.stderr)
        return 1
    run = ["run", "--python=same", "--quick", "--show-stderr", "--machine", args.machine]
    if args.bench:
        run += ["--bench", args.bench]
    rc, output = asv(*run, env=env)

    failed = failures(output)
    ran = benchmarks_ran(output)
    if failed:
        print(f"\nbenchmarks.check: {len(failed)} benchmark(s) failed:", file=sys.stderr)
        for name in failed:
            print(f"  {name}", file=sys.stderr)
        return 1
    if rc != 0:
        print(f"\nbenchmarks.check: asv run exited {rc}", file=sys.stderr)
        return 1
    if ran == 0:
        print("\nbenchmarks.check: asv ran no benchmark", file=sys.stderr)
        return 1
    print(f"\nbenchmarks.check: {ran} benchmarks ran in the "
          f"{args.profile} profile, none failed")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
