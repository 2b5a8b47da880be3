"""Compute profiles: one name, one budget, used by every experiment."""

from __future__ import annotations

PROFILES: dict[str, str] = {
    "smoke": "seconds per page; tiny data and models; used by the tests",
    "demo": "the default book build: whole book in <= 10 min on 2 CPU cores after install",
    "cpu": "a real reproduction on 2 CPU cores within a night; budgets reduced and stated per chapter",
    "full": "the papers' own budgets (epochs, folds, seeds); meant for a GPU",
}
