"""CPU cost of a streaming epoch as the corpus grows, and why SGD ``fit`` grows.

Both measured in the report's one process (``python -m performance_report``):

- :func:`epoch_growth`: one ``StreamingSampler`` epoch into ``partial_fit``
  on the training recordings (x1) and on them repeated four times under new
  ids (x4, ``benchmarks.common.repeated_recordings``: same files, same
  cached frames), the same windows per recording, so x4 has four times the
  windows.  The frame cache is warm for both and each factor runs one
  unmeasured epoch first; CPU time without tracemalloc (which taxes every
  allocation).  Linear cost is a ratio of 4.
- :func:`sgd_fit_growth`: an SGD model's ``fit`` at two training sizes,
  with the number of passes over the data it made (``n_iter_``), so the
  exponent of the cost per pass shows apart from the growth in passes.
"""

from __future__ import annotations

import time

import numpy as np

FACTORS = (1, 4)


def epoch_growth(profile, *, model_name="sgd-hinge", repeat=3) -> list[dict]:
    """CPU seconds of one streaming epoch, corpus x1 and x4 (see module doc)."""
    from benchmarks import bench_streaming as bs

    setup = bs.streaming_setup()
    bs.warm_frame_cache(*setup[:2])

    def epoch(factor):
        sampler = bs.growth_sampler(*setup, factor)
        bs.run_epoch(sampler, model_name)
        return sampler

    rows = []
    for factor in FACTORS:
        sampler = epoch(factor)  # unmeasured: page cache, lazy state
        times = []
        for _ in range(max(1, repeat)):
            start = time.process_time()
            epoch(factor)
            times.append(time.process_time() - start)
        rows.append({
            "model": model_name, "factor": factor,
            "recordings": len(sampler.train_recordings),
            "windows": sampler.windows_per_recording * len(sampler.train_recordings),
            "cpu_seconds": float(np.median(times)),
            "batch_size": sampler.batch_size,
            "windows_per_recording": sampler.windows_per_recording,
        })
    return rows


def sgd_fit_growth(data_small, data_large, *, model_name="sgd-hinge", repeat=3) -> dict:
    """``fit`` CPU seconds and passes (``n_iter_``) at two training sizes.

    Parameters
    ----------
    data_small, data_large : dict
        ``benchmarks.bench_models.load_dataset`` of the two sizes.

    Returns
    -------
    dict
        ``fit_exponent`` (total fit time), ``per_pass_exponent`` (fit time
        divided by passes), ``passes_small`` / ``passes_large``.
    """
    from benchmarks import bench_models as bm
    from performance_report.report import exponent, measure

    out = {"model": model_name}
    for label, data in (("small", data_small), ("large", data_large)):
        X, y = data["X_train"], bm.targets(data, "train")
        fitted = bm.build(model_name).fit(X, y)
        seconds = measure(lambda: bm.build(model_name).fit(X, y), repeat=repeat, budget=30.0)
        out[f"n_{label}"] = len(X)
        out[f"fit_s_{label}"] = seconds
        out[f"passes_{label}"] = bm.fit_passes(fitted)
    factor = out["n_large"] / out["n_small"]
    out["fit_exponent"] = exponent(out["fit_s_small"], out["fit_s_large"], factor)
    out["per_pass_exponent"] = exponent(out["fit_s_small"] / out["passes_small"],
                                        out["fit_s_large"] / out["passes_large"], factor)
    return out
