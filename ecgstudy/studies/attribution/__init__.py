"""Chapter 4: which explanation is right? Attribution methods judged against annotations (issue 21).

``params`` (what is configurable), ``controlled`` (one training run of the controlled model: a small CNN on the
synthetic task whose label is planted in one known wave, :mod:`ecgstudy.synthetic.planted`), ``models`` (the model
slots of the benchmark, resolved to stored checkpoints, and their held-out inputs), ``regions`` (the ground truth
of each: abnormal beats, LUDB waves per lead, the planted wave), ``benchmark`` (every method's maps and metrics on
one model, the verdicts, the experiment ``attribution-benchmark``), ``tables`` and ``verdicts`` (what the page
shows, in tables and words), ``experiments`` (the experiments and budgets) and ``chapter`` (the page's grid and
:func:`~ecgstudy.studies.attribution.chapter.summarise`).
"""

from ecgstudy.studies.attribution.experiments import BENCHMARK, CHAPTER, CONTROLLED, EXPERIMENTS

__all__ = ["BENCHMARK", "CHAPTER", "CONTROLLED", "EXPERIMENTS"]
