"""Measurement scripts beside the asv suite (``benchmarks/``): speed and
memory of the library, written up as reports.

``python -m performance_report``
    Every comparison that has a target, measured in one process; writes
    ``results/performance.md`` (:mod:`performance_report.report`).
``python -m performance_report.asv_check``
    The asv suite once in its fast profile; fails if a benchmark fails
    (``make test`` runs it).
``python -m performance_report.feature_ratios``
    The feature team's three ratios on synthetic or real audio.
``python -m performance_report.streaming_memory``
    Peak memory of one streaming epoch, corpus x1 and x4.
``python -m performance_report.cnn_throughput``
    The CNN references' training throughput (GPU).

They reuse the suite's data builders and workloads (``benchmarks.common``,
``benchmarks.bench_*``), so a figure here and ``asv run`` time the same code.
"""
