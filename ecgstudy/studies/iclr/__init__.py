"""Attention-based joint learning (Hu et al., ICLR 2021 submission): the chapter's package.

``params`` (what is configurable), ``data`` (the segments and folds it reads), ``run`` (one training
run), ``experiments`` (its experiments and budgets), ``tables`` (tables of the finished runs),
``verdicts`` (the claims, as :class:`ecgstudy.claims.Claim`), ``architecture`` (Figure 1's blocks), ``chapter``
(the grid and what the page shows).
"""

from ecgstudy.studies.iclr.experiments import CHAPTER, EXPERIMENTS, FOLD

__all__ = ["CHAPTER", "EXPERIMENTS", "FOLD"]
