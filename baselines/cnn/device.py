"""Which torch device the CNN commands run on, its name, its mixed precision.

Shared by every CNN command (:mod:`baselines.cnn.run`,
:mod:`baselines.cnn.chord_run`, :mod:`baselines.cnn.genre`) and the
throughput measurements.
"""

from __future__ import annotations

import torch

__all__ = ["autocast_dtype", "device_name", "resolve_device", "sync"]


def resolve_device(name: str = "auto") -> torch.device:
    """``"auto"``: the first CUDA device when there is one, else the CPU."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    device = torch.device(name)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device={name!r} asked for but torch sees no CUDA device")
    return device


def device_name(device: torch.device) -> str:
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    # /proc/cpuinfo, not platform.processor(): that forks `uname -p`, and a
    # forked child's peak RSS (which run files count) equals this process's.
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    import platform

    return platform.machine() or "cpu"


def autocast_dtype(device: torch.device):
    """Mixed-precision dtype for ``device`` (None: full precision)."""
    if device.type != "cuda":
        return None
    return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16


def sync(device: torch.device) -> None:
    """Wait for ``device``'s queued work (a no-op off CUDA), so that a clock
    read after it times the work, not its launch."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
