"""Datasets in MusicNet's on-disk format: the reader, the windows and splits,
and the renderer that builds the embedded default corpus."""
