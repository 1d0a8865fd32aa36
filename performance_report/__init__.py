"""Measurement scripts: speed and memory of the library, written up as reports."""
