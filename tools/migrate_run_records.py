"""One-off: move the committed ``results/*/run.json`` to the run-record schema 1.

Run once from the repository root (``python tools/migrate_run_records.py``);
kept for the record of what moved where, not as library code.  No number
changes: each file is checked to hold exactly the old numbers, less the
copies it dropped (each checked equal to the copy it keeps).

Learning-curve records: nested metric blocks -> ``detail`` (with the seed they
describe), the top-level ``composers`` copy and ``run_dir`` dropped.  CNN records: the timestamp in
``finished`` -> ``written_at``; device and throughput -> ``device``; network,
train config and front end -> ``config``; the copies of
``per_instrument_accuracy``, composers, instruments and recording counts
dropped.  Both: ``finished`` true, ``headline_metric`` the task's curve
metric, ``schema_version`` 1.  Learning-curve records get ``written_at`` from
the commit that added them.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from baselines import records

HEADLINE = {"composer": "composer_accuracy", "instruments": "instrument_exact_match",
            "joint": "joint_exact_match"}
DEVICE = {"device": "device", "device_name": "device_name",
          "autocast_dtype": "mixed_precision", "windows_per_second": "windows_per_second",
          "steps": "steps", "parameters": "parameters",
          "audio_windows_per_second": "audio_windows_per_second",
          "gpu_peak_memory_mb": "gpu_peak_memory_mb", "audio_bank_mb": "audio_bank_mb",
          "audio_bank_on_device": "audio_bank_on_device"}


def leaves(value, out=None):
    """Every scalar leaf as (type, repr), so 1 and True and 1.0 differ."""
    out = [] if out is None else out
    if isinstance(value, dict):
        for v in value.values():
            leaves(v, out)
    elif isinstance(value, list):
        for v in value:
            leaves(v, out)
    else:
        out.append((type(value).__name__, json.dumps(value)))
    return out


def same(a, b, what):
    if a != b:
        raise SystemExit(f"{what}: the copies differ: {a!r} != {b!r}")


def commit_time(path: Path) -> str:
    return subprocess.run(["git", "log", "-1", "--diff-filter=A", "--format=%cI", "--",
                           str(path)], check=True, capture_output=True,
                          text=True).stdout.strip()


def migrate(path: Path) -> tuple[dict, list, list]:
    old = json.loads(path.read_text())
    new = dict(old)
    dropped, added = [], []
    flat, detail = records.split_metrics(new.pop("metrics"))
    if old["command"] == "cnn":
        kept = detail.get("instruments", {}).get("per_instrument_accuracy")
        if "per_instrument_accuracy" in detail:
            same(detail.pop("per_instrument_accuracy"), kept, path)
            dropped.append(old["metrics"]["per_instrument_accuracy"])
        same(new.pop("per_instrument_accuracy"), kept, path)
        dropped.append(old["per_instrument_accuracy"])
        for key, copy in (("composers", old["dataset"]["composers"]),
                          ("instruments", old["dataset"]["instruments"]),
                          ("train_recordings", len(old["dataset"]["train_recordings"])),
                          ("test_recordings", len(old["dataset"]["test_recordings"])),
                          ("eval_windows", old["dataset"]["evaluation_windows"])):
            same(new.pop(key), copy, f"{path} {key}")
            dropped.append(old[key])
        new["written_at"] = new.pop("finished") + "+00:00"  # written in UTC
        new["seeds"] = [old["seed"]]
        added.append(new["seeds"])
        new["device"] = {DEVICE[k]: new.pop(k) for k in list(DEVICE) if k in new}
        new["config"] = {k: new.pop(k) for k in ("network", "train_config", "front_end")}
        detail["seed"] = old["seed"]
    else:
        same(new.pop("composers"), old["dataset"]["composers"], f"{path} composers")
        dropped.append(old["composers"])
        dropped.append(new.pop("run_dir"))
        new["written_at"] = commit_time(path)
        detail["seed"] = old["seeds"][0]  # learning_curve kept the first seed's detail
    added.append(detail["seed"])
    new.update(schema_version=records.SCHEMA_VERSION, finished=True,
               headline_metric=HEADLINE[old["task"]], metrics=flat, detail=detail)
    added += [records.SCHEMA_VERSION, True, new["headline_metric"]]
    if old["command"] != "cnn":
        added.append(new["written_at"])
    return new, dropped, added


def main() -> int:
    for path in sorted(Path("results").glob("*/run.json")):
        old = json.loads(path.read_text())
        if old.get("schema_version") == records.SCHEMA_VERSION:
            print(f"{path}: already schema {records.SCHEMA_VERSION}")
            continue
        new, dropped, added = migrate(path)
        expected = sorted(leaves(old) + leaves(added))
        got = sorted(leaves(new) + leaves(dropped))
        if old["command"] == "cnn":  # written_at is the old "finished", in UTC
            got.remove(("str", json.dumps(new["written_at"])))
            got = sorted(got + [("str", json.dumps(old["finished"]))])
        if expected != got:
            raise SystemExit(f"{path}: values moved wrongly")
        records.write_run(path.parent, new)
        records.read_run(path)
        print(f"{path}: migrated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
