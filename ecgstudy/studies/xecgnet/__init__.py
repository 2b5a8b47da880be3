"""xECGNet (Yoo et al., CMPB 2021): the chapter's package.

``params`` (what is configurable), ``data`` (the train / validation / test arrays it reads), ``run``
(one training run), ``experiments`` (its experiments and budgets), ``tables`` (tables of the finished
runs), ``verdicts`` (the claims in words), ``chapter`` (the grid and what the page shows).
"""

from ecgstudy.studies.xecgnet.experiments import CHAPTER, EXPERIMENTS, RUNS

__all__ = ["CHAPTER", "EXPERIMENTS", "RUNS"]
