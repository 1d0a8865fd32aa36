"""How close the study's CNN training loop comes to the device's limit.

``python -m performance_report.cnn_throughput --preset study --device auto``

Three figures for one network (:mod:`baselines.cnn.model`, a preset):

- **end to end**: training windows per second through the training loop's
  timed work (:func:`baselines.cnn.train.batch_images` cuts the windows
  from an audio bank on the device and makes their spectrograms there,
  :func:`~baselines.cnn.train.batch_targets`,
  :func:`~baselines.cnn.train.train_step` under mixed precision on CUDA),
  the same functions ``python -m baselines.cnn`` runs, on noise audio
  (speed does not depend on what the audio holds; the asv suite's
  :func:`benchmarks.bench_cnn.synthetic_epoch`, so asv times the same code);
- **model step alone**: the same optimiser step on spectrogram-shaped
  inputs already on the device;
- **FLOPs per window**: one training step (forward and backward) counted
  by :class:`torch.utils.flop_counter.FlopCounterMode` (convolutions and
  matrix products; the usual convention for a model's utilisation), hence
  achieved TFLOP/s and, on CUDA, the share of the device's dense bf16 peak
  (:data:`PEAK_BF16_TFLOPS`; an unknown device says so).

On CUDA it writes ``results/gpu_throughput.{json,md}``.  On a CPU the study
preset becomes the small one (a smoke check), the table says its figures are
CPU figures and nothing is written unless ``--out`` is given.  ``--profile``
adds the torch profiler's top kernels (``<out>_profile.txt``) to find what
bounds the loop.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

import numpy as np

#: Dense (no sparsity) bf16 tensor-core peaks in TFLOP/s from the vendor's
#: data sheets, matched against ``torch.cuda.get_device_name`` in order
#: (the first pattern that matches wins, so specific names come first).
PEAK_BF16_TFLOPS = (
    (r"H100.*PCIe", 756.0, "H100 PCIe"),
    (r"H100 NVL", 835.0, "H100 NVL"),
    (r"GH200", 989.0, "GH200"),
    (r"H200", 989.0, "H200"),
    (r"H100", 989.0, "H100 SXM"),
    (r"A100", 312.0, "A100"),
    (r"L40S", 362.0, "L40S"),
    (r"L40\b", 181.0, "L40"),
    (r"\bL4\b", 121.0, "L4"),
    (r"\bA10\b", 125.0, "A10"),
)

DEFAULT_OUT = "results/gpu_throughput"


def peak_tflops(device_name: str) -> tuple[float | None, str | None]:
    """``(dense bf16 peak in TFLOP/s, table entry)`` for a CUDA device name,
    or ``(None, None)`` when the device is not in :data:`PEAK_BF16_TFLOPS`."""
    for pattern, peak, label in PEAK_BF16_TFLOPS:
        if re.search(pattern, device_name):
            return peak, label
    return None, None


def _outputs_sum(out):
    """A scalar of every output (dict of heads or a tensor), for backward."""
    if isinstance(out, dict):
        return sum(v.float().sum() for v in out.values())
    return out.float().sum()


def model_flops(model, inputs, *, backward: bool = True) -> int:
    """FLOPs of one pass of ``model`` on ``inputs``, as FlopCounterMode counts them.

    Parameters
    ----------
    model : torch.nn.Module
    inputs : torch.Tensor
        A batch; divide by its size for FLOPs per window.
    backward : bool
        Count the backward pass too (a training step's FLOPs).

    Returns
    -------
    int
        Multiply-adds count 2 each; element-wise operations, pooling and
        normalisation are not counted.
    """
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    counter = FlopCounterMode(display=False)
    with counter:
        if backward:
            _outputs_sum(model(inputs)).backward()
        else:
            with torch.no_grad():
                model(inputs)
    model.zero_grad(set_to_none=True)
    return int(counter.get_total_flops())


def _timed(step, n_warmup, n_steps, device):
    """Seconds for ``n_steps`` calls of ``step(i)`` after ``n_warmup`` untimed
    ones; the device is synchronised only at the two ends."""
    from baselines.cnn.device import sync

    for i in range(n_warmup):
        step(i)
    sync(device)
    start = time.perf_counter()
    for i in range(n_warmup, n_warmup + n_steps):
        step(i)
    sync(device)
    return time.perf_counter() - start


def measure(*, preset="study", task="joint", device="auto", batch_size=32,
            steps=None, warmup=None, channels_last=False, compile=False,
            amp=True, n_composers=10, n_programs=10, n_recordings=None,
            recording_seconds=60.0, profile_steps=0, seed=0) -> dict:
    """Measure the three figures (see the module docstring); returns a dict.

    ``steps``/``warmup`` default to 200/20 on CUDA and 5/2 on a CPU;
    ``profile_steps > 0`` adds ``profile`` (the profiler's top-kernel table).
    """
    import torch

    from baselines.cnn.model import PRESETS, MusicNetCNN
    from baselines.cnn.device import autocast_dtype, device_name, resolve_device
    from baselines.cnn.train import batch_images, batch_targets, train_step

    if preset not in PRESETS:
        raise ValueError(f"preset={preset!r} must be one of {sorted(PRESETS)}")
    device = resolve_device(device)
    cuda = device.type == "cuda"
    steps = steps if steps is not None else (200 if cuda else 5)
    warmup = warmup if warmup is not None else (20 if cuda else 2)
    for name, value in (("steps", steps), ("batch_size", batch_size)):
        if value < 1:
            raise ValueError(f"{name}={value} must be a positive integer")
    if warmup < 0:
        raise ValueError(f"warmup={warmup} must be >= 0")
    net_config = PRESETS[preset]
    torch.manual_seed(seed)
    if cuda:
        torch.backends.cudnn.benchmark = True  # as train(): fixed shapes
    memory_format = torch.channels_last if channels_last else torch.contiguous_format
    model = MusicNetCNN(n_composers, n_programs, task=task, config=net_config)
    shape = (batch_size, net_config.n_windows, net_config.n_bins,
             net_config.n_frames)
    # Counted on the host in float32 on a batch of 2: FLOPs do not depend
    # on the dtype or the device, and scale with the batch.
    flops_per_window = model_flops(model, torch.zeros(2, *shape[1:])) / 2
    forward_flops = model_flops(model, torch.zeros(2, *shape[1:]), backward=False) / 2
    model = model.to(device, memory_format=memory_format).train()
    runner = torch.compile(model) if compile else model
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.5, 0.999))
    dtype = autocast_dtype(device) if amp else None
    scaler = torch.amp.GradScaler(device.type, enabled=dtype == torch.float16)

    from benchmarks.bench_cnn import synthetic_epoch

    n_samples = batch_size * (warmup + steps)
    epoch = synthetic_epoch(
        net_config, n_samples=n_samples, n_composers=n_composers,
        n_programs=n_programs, n_recordings=n_recordings or (64 if cuda else 8),
        recording_seconds=recording_seconds, device=device, seed=seed)

    def end_to_end(i):
        index = np.arange(i * batch_size, (i + 1) * batch_size) % n_samples
        images = batch_images(net_config, epoch["bank"], epoch["windows"],
                              epoch["stacks"], index)
        if channels_last:  # else as train(): the front end's layout
            images = images.contiguous(memory_format=memory_format)
        y, Y = batch_targets(epoch["y"], epoch["Y"], index, device)
        return train_step(runner, optimizer, scaler, images, y, Y, dtype)

    gen = torch.Generator(device=device).manual_seed(seed)
    fixed_images = torch.randn(shape, device=device, generator=gen).contiguous(
        memory_format=memory_format)
    fixed_y, fixed_Y = batch_targets(epoch["y"], epoch["Y"], np.arange(batch_size),
                                     device)

    def model_step(i):
        return train_step(runner, optimizer, scaler, fixed_images, fixed_y, fixed_Y,
                          dtype)

    if cuda:
        torch.cuda.reset_peak_memory_stats(device)
    e2e_seconds = _timed(end_to_end, warmup, steps, device)
    step_seconds = _timed(model_step, warmup, steps, device)
    name = device_name(device)
    peak, peak_entry = peak_tflops(name) if cuda else (None, None)

    def figures(seconds):
        wps = batch_size * steps / seconds
        tflops = flops_per_window * wps / 1e12
        return {"seconds": seconds, "windows_per_second": wps,
                "tflops": tflops,
                "share_of_peak": tflops / peak if peak else None}

    result = {
        "preset": preset, "task": task, "network": net_config.to_dict(),
        "device": device.type, "device_name": name,
        "torch": torch.__version__, "cuda": torch.version.cuda,
        "mixed_precision": str(dtype).replace("torch.", "") if dtype else None,
        "batch_size": batch_size, "steps": steps, "warmup": warmup,
        "channels_last": channels_last, "compile": compile,
        "audio_bank_on_device": bool(epoch["bank"].on_device),
        "parameters": int(sum(p.numel() for p in model.parameters())),
        "flops_per_window": flops_per_window,
        "forward_flops_per_window": forward_flops,
        "peak_bf16_tflops": peak, "peak_entry": peak_entry,
        "end_to_end": figures(e2e_seconds),
        "model_step": figures(step_seconds),
        "end_to_end_over_model_step": e2e_seconds / step_seconds,
        "gpu_peak_memory_mb": (torch.cuda.max_memory_allocated(device) / 2**20
                               if cuda else None),
        "command": "python -m performance_report.cnn_throughput " + " ".join(sys.argv[1:]),
    }
    if profile_steps:
        profiled = profile_table(end_to_end, profile_steps, device)
        result["profile"] = profiled.pop("table")
        result["profile_device_busy_share"] = profiled["device_busy_share"]
    return result


def _kernel_seconds(averages) -> float | None:
    """Summed duration of the device-side events (kernels, copies) of a
    profile's ``key_averages()``; the host operators that launched them are
    left out, so nothing counts twice.  None (with a warning) where this
    torch names the fields otherwise."""
    import warnings

    from torch.autograd import DeviceType

    try:
        total = 0.0
        for event in averages:
            if event.device_type == DeviceType.CUDA:
                us = getattr(event, "self_device_time_total", None)
                if us is None:  # torch < 2.4
                    us = event.self_cuda_time_total
                total += us
        return total / 1e6
    except AttributeError as error:
        warnings.warn(f"no device busy share: {error}", stacklevel=2)
        return None


def profile_table(step, n_steps, device, *, row_limit=25) -> dict:
    """The torch profiler over ``n_steps`` calls of ``step(i)``.

    Returns
    -------
    dict
        ``table``: the top operators and kernels, by device time on CUDA
        (else CPU time); ``device_busy_share``: on CUDA, the kernels' summed
        time over the wall time (well below 1: the host, not the GPU, bounds
        the loop), else None; ``wall_seconds``.
    """
    import torch
    from torch.profiler import ProfilerActivity, profile

    cuda = device.type == "cuda"
    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if cuda else [])
    with profile(activities=activities) as prof:
        start = time.perf_counter()
        for i in range(n_steps):
            step(i)
        if cuda:
            torch.cuda.synchronize(device)
        wall = time.perf_counter() - start
    averages = prof.key_averages()
    busy = None
    if cuda:
        kernels = _kernel_seconds(averages)
        busy = kernels / wall if kernels is not None else None
    sort = "cuda_time_total" if cuda else "cpu_time_total"
    return {"table": averages.table(sort_by=sort, row_limit=row_limit),
            "device_busy_share": busy, "wall_seconds": wall}


def _fmt(value, digits=3):
    if value is None:
        return "unknown"
    return f"{value:.{digits}g}"


def render_markdown(result: dict) -> str:
    """The table of :func:`measure`'s figures, with what they mean."""
    cpu = result["device"] != "cuda"
    title = ("CPU figures (a smoke check, not the GPU measurement)" if cpu
             else "GPU figures")
    if result["peak_bf16_tflops"]:
        peak = (f"{result['peak_bf16_tflops']:g} TFLOP/s dense bf16 "
                f"({result['peak_entry']} in the script's table)")
    elif cpu:
        peak = "not applicable (CPU)"
    else:
        peak = (f"unknown: {result['device_name']!r} is not in the script's "
                "table of peaks (PEAK_BF16_TFLOPS); no share of peak is given")
    lines = [
        f"# CNN training throughput: {title}",
        "",
        f"Network: preset `{result['preset']}`, task `{result['task']}` "
        f"({result['parameters']:,} parameters), batch {result['batch_size']}, "
        f"{result['steps']} timed steps after {result['warmup']} warm-up steps; "
        f"mixed precision: {result['mixed_precision'] or 'none'}; channels-last: "
        f"{'yes' if result['channels_last'] else 'no'}; torch.compile: "
        f"{'yes' if result['compile'] else 'no'}.",
        f"Device: {result['device']} ({result['device_name']}), torch "
        f"{result['torch']}, CUDA {result['cuda'] or 'none'}; peak: {peak}.",
        f"FLOPs per training window (forward + backward, FlopCounterMode): "
        f"{result['flops_per_window'] / 1e9:.3g} GFLOP "
        f"(forward {result['forward_flops_per_window'] / 1e9:.3g} GFLOP).",
        "",
        "| loop | windows / s | achieved TFLOP/s | share of peak |",
        "|---|---|---|---|",
    ]
    for key, label in (("end_to_end", "end to end (bank, spectrograms, step)"),
                       ("model_step", "model step alone (inputs on the device)")):
        f = result[key]
        share = ("n/a (CPU)" if cpu else "unknown" if f["share_of_peak"] is None
                 else f"{100 * f['share_of_peak']:.1f} %")
        lines.append(f"| {label} | {f['windows_per_second']:.4g} | "
                     f"{_fmt(f['tflops'])} | {share} |")
    lines += [
        "",
        f"End to end takes {result['end_to_end_over_model_step']:.2f}x the time of "
        "the model step alone (issue 14's target: within 1.5x).",
        "",
    ]
    busy = result.get("profile_device_busy_share")
    if busy is not None:
        lines += [f"Profiled end-to-end steps: the GPU ran kernels {100 * busy:.0f} % "
                  "of the wall time (the rest it waited for the host).", ""]
    lines += [
        f"Command: `{result['command']}`",
        "",
    ]
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m performance_report.cnn_throughput",
        description="Training windows per second of the study's CNN end to end and "
        "for the model step alone, FLOPs per window and the share of the device's "
        "bf16 peak.")
    p.add_argument("--preset", choices=("study", "small"), default="study",
                   help="network (default: study; on a CPU the study preset "
                   "becomes small unless --keep-preset)")
    p.add_argument("--keep-preset", action="store_true",
                   help="measure the study preset even on a CPU (default: off)")
    p.add_argument("--task", choices=("composer", "instruments", "joint"),
                   default="joint", help="heads to train (default: joint, two stacks)")
    p.add_argument("--device", default="auto",
                   help="auto, cpu, cuda or cuda:N (default: auto)")
    p.add_argument("--batch-size", type=int, default=32,
                   help="windows per step (default: 32, the CNN command's)")
    p.add_argument("--steps", type=int, default=None,
                   help="timed steps (default: 200 on CUDA, 5 on a CPU)")
    p.add_argument("--warmup", type=int, default=None,
                   help="untimed steps first (default: 20 on CUDA, 2 on a CPU)")
    p.add_argument("--channels-last", action="store_true",
                   help="channels-last memory format for weights and inputs "
                   "(default: off)")
    p.add_argument("--compile", action="store_true",
                   help="torch.compile the model (default: off)")
    p.add_argument("--no-amp", action="store_true",
                   help="full precision on CUDA (default: mixed precision)")
    p.add_argument("--profile", type=int, nargs="?", const=20, default=0,
                   metavar="STEPS",
                   help="profile this many end-to-end steps and write the top "
                   "kernels to <out>_profile.txt (default: off; 20 if given bare)")
    p.add_argument("--out", default=None,
                   help=f"output prefix for .json and .md (default: {DEFAULT_OUT} on "
                   "CUDA; on a CPU print only)")
    p.add_argument("--seed", type=int, default=0, help="seed (default: 0)")
    return p


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        import torch  # noqa: F401
    except ImportError:
        print("python -m performance_report.cnn_throughput needs torch: "
              "pip install 'music-baselines[cnn]'", file=sys.stderr)
        return 2
    from baselines.cnn.device import resolve_device

    device = resolve_device(args.device)
    preset = args.preset
    if device.type != "cuda" and preset == "study" and not args.keep_preset:
        print("no CUDA device: measuring the small preset on the CPU (a smoke "
              "check; --keep-preset for the study's)", file=sys.stderr)
        preset = "small"
    result = measure(preset=preset, task=args.task, device=str(device),
                     batch_size=args.batch_size, steps=args.steps,
                     warmup=args.warmup, channels_last=args.channels_last,
                     compile=args.compile, amp=not args.no_amp,
                     profile_steps=args.profile, seed=args.seed)
    text = render_markdown(result)
    print(text)
    out = args.out or (DEFAULT_OUT if device.type == "cuda" else None)
    if out:
        out = Path(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        profile = result.pop("profile", None)
        if profile is not None:
            out.with_name(out.name + "_profile.txt").write_text(profile + "\n")
            result["profile_file"] = out.name + "_profile.txt"
        out.with_suffix(".json").write_text(json.dumps(result, indent=2) + "\n")
        out.with_suffix(".md").write_text(text)
        print(f"wrote {out.with_suffix('.json')} and {out.with_suffix('.md')}",
              file=sys.stderr)
    elif result.get("profile"):
        print(result["profile"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
