"""``python -m performance_report``: write ``results/performance.md``."""

from performance_report.report import main

if __name__ == "__main__":
    raise SystemExit(main())
