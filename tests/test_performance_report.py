"""The measurement scripts: asv failure scan, report verdicts, feature ratios."""

from __future__ import annotations

import pytest

from performance_report import feature_ratios


def test_check_finds_failed_benchmarks():
    from performance_report.asv_check import benchmarks_ran, failures

    # The shape of asv 0.6.6's output, from a run with failing benchmarks.
    output = """\
[ 8.33%] ··· Setting up bench_models:81                                  ok
[ 8.33%] ··· bench_models.ModelSuite.time_fit                    1/4 failed
[ 8.33%] ··· ========== ======== ========
             --          train_windows
             ---------- -----------------
               model       100      400
             ========== ======== ========
                knn      5.1ms    failed
             ========== ======== ========
             For parameters: 'knn', 400
             lbfgs failed to converge
[16.67%] ··· bench_streaming.StreamingEpoch.time_epoch               failed
[16.67%] ···· Traceback (most recent call last):
              ValueError: boom
              asv: benchmark failed (exit status 1)
[25.00%] ··· Setting up bench_features:40                            failed
[33.33%] ··· bench_features.FrameDoors.time_windows                      ok
[41.67%] ··· bench_features.Skipped.time_nothing                        n/a
"""
    found = failures(output)
    assert found == [
        "bench_models.ModelSuite.time_fit",
        "bench_streaming.StreamingEpoch.time_epoch",
        "Setting up bench_features:40",
    ]
    assert benchmarks_ran(output) == 4


def test_check_passes_a_clean_run():
    from performance_report.asv_check import failures

    output = "[ 50.00%] ··· bench_models.ModelSuite.time_predict   ok\n"
    assert failures(output) == []


def test_report_marks_each_target_pass_or_short():
    from performance_report.report import summary_rows

    results = {
        "epoch": {"features": "stats", "windows": 100, "ratio": 120.0},
        "features": [{"features": "spectrogram", "windows": 24, "frames_vs_librosa": 12.0},
                     {"features": "mfcc", "windows": 24, "frames_vs_librosa": 12.0}],
        "first_pass": {"features": "stats", "fraction": 0.7},
        "epoch_growth": [
            {"model": "sgd-hinge", "factor": 1, "windows": 100, "cpu_seconds": 1.0},
            {"model": "sgd-hinge", "factor": 4, "windows": 400, "cpu_seconds": 4.2},
        ],
        "streaming": [
            {"model": "sgd-hinge", "factor": 1, "peak_mb": 10.0},
            {"model": "sgd-hinge", "factor": 4, "peak_mb": 10.5},
        ],
        "models": [{"model": "knn", "predict_exponent": 1.3},
                   {"model": "sgd-log", "fit_exponent": 2.0, "per_pass_exponent": 1.0,
                    "passes_500": 60.0, "passes_2000": 300.0}],
    }
    rows = summary_rows(results)
    verdicts = [verdict for *_, verdict in rows]
    # epoch >= 100x; spectrogram >= 10x but mfcc >= 20x; first pass >= 0.8;
    # x4 epoch <= 4.4x; memory <= +10 %; KNN <= 1; SGD fit <= 1.1
    assert verdicts[:6] == ["pass", "pass", "**short**", "**short**", "pass", "pass"]
    assert verdicts[6] == "**short**" and verdicts[7].startswith("**short**: fit iterates")
    assert rows[4][1].startswith("4.20x") and rows[5][1].startswith("+5.0%")
    assert "60 -> 300" in rows[7][1]


def test_whole_first_pass_rows_name_the_bound():
    from performance_report.page import summary_rows

    whole = {"features": "stats", "audio_seconds": 7200.0, "file_rate": 22050, "sr": 22050,
             "realtime": 2000.0, "two_core_wall_seconds": 5.0, "two_core_realtime": 1440.0,
             "musicnet_cpu_hours": 0.02, "musicnet_realtime": 1700.0,
             "large_cpu_minutes": 35.3, "bounding_stage": "frames",
             "musicnet_shares": {"decode": 0.1, "resample": 0.1, "frames": 0.5, "write": 0.3}}
    rows = summary_rows({"whole_first_pass": whole})
    assert rows[-1][1] == "35 CPU-min (bound: frames, 50% of the CPU)"
    assert rows[-1][3] == "pass"
    whole["large_cpu_minutes"] = 75.0
    assert summary_rows({"whole_first_pass": whole})[-1][3] == "**short**"


def test_exponent_of_linear_and_quadratic_growth():
    from performance_report.report import exponent

    assert exponent(1.0, 4.0) == pytest.approx(1.0)
    assert exponent(1.0, 16.0) == pytest.approx(2.0)


def test_feature_ratios_smoke(capsys):
    assert feature_ratios.main(["--recordings", "2", "--seconds", "12", "--windows", "4",
                                "--batch", "4"]) == 0
    out = capsys.readouterr().out
    assert "(a) epoch" in out and "x faster" in out
    assert "(b) first pass" in out and "of the floor" in out
    assert "(c) peak memory" in out
