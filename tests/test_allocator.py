"""features.allocator: glibc's thresholds raised here and inherited by
worker processes started afterwards; an opt-out; a no-op elsewhere."""

from __future__ import annotations

import os
import platform
import subprocess
import sys

import pytest

CHILD = ("import features.allocator as a, features.base as b; "
         "print(a.memory_is_kept(), b.batch_windows())")


def _run(code, **env):
    environment = {k: v for k, v in os.environ.items()
                   if not k.startswith("MALLOC_") and k != "MUSIC_BASELINES_KEEP_FREED_MEMORY"}
    environment.update(env)
    out = subprocess.run([sys.executable, "-c", code], env=environment, capture_output=True,
                         text=True, check=True)
    return out.stdout.split()


needs_glibc = pytest.mark.skipif(platform.libc_ver()[0] != "glibc",
                                 reason="mallopt is glibc's; elsewhere the call is a no-op")


def test_default_process_keeps_small_batches():
    from features.base import BATCH_WINDOWS

    assert _run(CHILD) == ["False", str(BATCH_WINDOWS)]


@needs_glibc
def test_kept_here_and_in_children_started_after():
    code = ("import subprocess, sys, features.allocator as a, features.base as b; "
            "print(a.keep_freed_memory(), a.memory_is_kept(), b.batch_windows()); "
            f"print(subprocess.run([sys.executable, '-c', {CHILD!r}], capture_output=True, "
            "text=True).stdout)")
    from features.base import KEPT_BATCH_WINDOWS

    kept = str(KEPT_BATCH_WINDOWS)
    assert _run(code) == ["True", "True", kept, "True", kept]


@needs_glibc
def test_opt_out_leaves_malloc_alone():
    code = ("import os, features.allocator as a; print(a.keep_freed_memory(), "
            "a.memory_is_kept(), 'MALLOC_MMAP_THRESHOLD_' in os.environ)")
    assert _run(code, MUSIC_BASELINES_KEEP_FREED_MEMORY="0") == ["False", "False", "False"]
