"""The computations behind each chapter: one module per paper (runs, grids, aggregates)."""
