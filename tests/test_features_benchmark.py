"""The ratio script runs end to end and prints its three measurements."""

from __future__ import annotations

from benchmarks import feature_ratios


def test_feature_ratios_smoke(capsys):
    assert feature_ratios.main(["--recordings", "2", "--seconds", "12", "--windows", "4",
                                "--batch", "4"]) == 0
    out = capsys.readouterr().out
    assert "(a) epoch" in out and "x faster" in out
    assert "(b) first pass" in out and "of the floor" in out
    assert "(c) peak memory" in out
