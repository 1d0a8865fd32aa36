"""Measurement scripts beside the asv suite (``benchmarks/``).

``python -m performance_report``
    Every comparison that has a target, measured in one process; writes
    ``results/performance.md`` (:mod:`performance_report.report`).
``python -m performance_report.asv_check``
    The asv suite once in its fast profile; fails if a benchmark fails
    (``make test`` runs it).
``python -m performance_report.feature_ratios``
    The feature team's three ratios on synthetic or real audio.

They reuse the suite's data builders and workloads (``benchmarks.common``,
``benchmarks.bench_*``), so a figure here and ``asv run`` time the same code.
"""
