"""ecgstudy: a reproducible study of explainable deep learning for ECG arrhythmia detection.

The package computes; the notebooks under ``notebooks/`` narrate and draw.
"""

__version__ = "0.1.0"
