"""ECGradCAM (Hicks et al., Sci Rep 2021): the chapter's package.

``params`` (what is configurable), ``data`` (the median beats it reads), ``targets`` (what each
target is and how it is scored), ``maps`` (Grad-CAM maps and their mass in a region), ``run`` (one
training run), ``transfer`` (the PTB-XL-to-LUDB runs), ``baselines`` (NeuroKit2's delineator),
``features`` (the sex feature experiment), ``experiments`` (its experiments and budgets), ``tables``
and ``intervals`` (tables of the finished runs), ``verdicts`` (the claims in words), ``chapter`` (the
grid and what the page shows).
"""

from ecgstudy.studies.ecgradcam.experiments import CHAPTER, EXPERIMENTS, RUNS

__all__ = ["CHAPTER", "EXPERIMENTS", "RUNS"]
