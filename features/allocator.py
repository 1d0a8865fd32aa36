"""Keep freed memory in the process, so that batch buffers are reused.

Features of a batch of windows allocate temporaries of a few MB each (the
mel frames of 32 windows of 5 s: 128 x 216 x 32 float32, 3.5 MB).  glibc's
malloc serves blocks that large with ``mmap`` and unmaps them on ``free``,
and trims the heap's top once 128 kB lie free there; the next batch then
faults the same pages in again, each zero-filled by the kernel.  On the
2-core machine of ``results/performance.md`` that made a ``stats`` epoch of
996 windows cost 0.82-0.86 CPU-s at 16 windows a batch, against 0.43 CPU-s
with the thresholds raised (and 0.65 CPU-s at 4 windows a batch, the most
that stayed under the defaults).

:func:`keep_freed_memory` raises both thresholds (``mallopt``) in this
process and exports them (``MALLOC_MMAP_THRESHOLD_``,
``MALLOC_TRIM_THRESHOLD_``) so that worker processes started afterwards
(joblib's loky, a dask ``LocalCluster``) start with them too.  The
commands (``python -m baselines.learning_curve`` ...) call it; a library
user calls it once, or not at all (everything works, batches stay small).
It costs memory the process keeps after a batch: up to the trim threshold.
Set ``MUSIC_BASELINES_KEEP_FREED_MEMORY=0`` to leave malloc alone.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os

__all__ = ["keep_freed_memory", "memory_is_kept", "MMAP_THRESHOLD", "TRIM_THRESHOLD"]

#: Blocks up to this size come from the heap, not from ``mmap`` (glibc's
#: ceiling for the setting on 64-bit systems).
MMAP_THRESHOLD = 32 * 2**20
#: Free memory at the heap's top kept before it is returned to the system.
TRIM_THRESHOLD = 512 * 2**20

_M_TRIM_THRESHOLD = -1  # glibc's malloc.h
_M_MMAP_THRESHOLD = -3
_OPT_OUT = "MUSIC_BASELINES_KEEP_FREED_MEMORY"
_ENVIRONMENT = {"MALLOC_MMAP_THRESHOLD_": MMAP_THRESHOLD, "MALLOC_TRIM_THRESHOLD_": TRIM_THRESHOLD}

_kept = False


def _inherited() -> bool:
    """Whether this process started with the thresholds (a worker of a
    process that called :func:`keep_freed_memory`)."""
    try:
        return all(int(os.environ.get(k, "0")) >= v for k, v in _ENVIRONMENT.items())
    except ValueError:
        return False


def keep_freed_memory() -> bool:
    """Raise glibc's mmap and trim thresholds here and in later child processes.

    Returns
    -------
    bool
        True when the thresholds are in effect: set now, set before, or
        inherited; False where the C library has no ``mallopt`` (macOS,
        Windows, musl) or ``MUSIC_BASELINES_KEEP_FREED_MEMORY=0``.  Idempotent.
    """
    global _kept
    if _kept:
        return True
    if os.environ.get(_OPT_OUT, "1").strip().lower() in ("0", "false", "no", "off"):
        return False
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
        mallopt = getattr(libc, "mallopt", None) if libc is not None else None
    except OSError:
        mallopt = None
    if mallopt is None:
        return False
    if not (mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD) and mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD)):
        return False
    for key, value in _ENVIRONMENT.items():
        os.environ[key] = str(value)
    _kept = True
    return True


def memory_is_kept() -> bool:
    """Whether :func:`keep_freed_memory` is in effect in this process."""
    return _kept or _inherited()
