"""Chapter 4: which explanation is right? Attribution methods judged against annotations (issue 21).

So far: ``params`` and ``controlled`` (one training run of the controlled model: a small CNN on the
synthetic task whose label is planted in one known wave, :mod:`ecgstudy.synthetic.planted`), and
``experiments`` (its experiment and budgets).
"""

from ecgstudy.studies.attribution.experiments import CONTROLLED, EXPERIMENTS

__all__ = ["CONTROLLED", "EXPERIMENTS"]
