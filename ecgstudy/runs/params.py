"""Typed, validated run parameters.

Every experiment declares a pydantic model derived from :class:`RunParams`. Unknown
fields and wrong types are rejected with one message listing every bad field, e.g.::

    >>> from ecgstudy.runs.params import RunParams, validate
    >>> validate(RunParams, {"profile": "fast"})
    Traceback (most recent call last):
    ...
    ecgstudy.errors.ParameterError: invalid parameters for RunParams:
      profile: Input should be 'smoke', 'demo', 'cpu' or 'full' (got 'fast')

NaN and infinity are refused (a run record is strict JSON), and seeds lie in numpy's range.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar, Literal, TypeVar, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ecgstudy.errors import ParameterError

Profile = Literal["smoke", "demo", "cpu", "full"]
#: The compute profiles, smallest budget first: one name, one budget, used by every experiment.
PROFILES: dict[str, str] = {
    "smoke": "seconds per page; tiny data and models; used by the tests",
    "demo": "every notebook rerun (make book PROFILE=demo): whole book in <= 10 min on 2 CPU cores after install",
    "cpu": "a real reproduction on 2 CPU cores within a night; budgets reduced and stated per chapter",
    "full": "the papers' own budgets (epochs, folds, seeds); meant for a GPU",
}
assert tuple(PROFILES) == get_args(Profile)


def profile_rank(profile: object) -> int:
    """0 for the largest budget (``full``), then ``cpu``, ``demo``, ``smoke``; unknown names last.

    >>> sorted(["demo", "full", "smoke", "cpu", "?"], key=profile_rank)
    ['full', 'cpu', 'demo', 'smoke', '?']
    """
    names = list(PROFILES)
    return len(names) - 1 - names.index(profile) if profile in names else len(names)

DataChoice = Literal["auto", "real", "synthetic"]

P = TypeVar("P", bound="RunParams")


class RunParams(BaseModel):
    """Fields every run has.

    Attributes:
        profile: compute budget: ``smoke`` (seconds, tests), ``demo`` (every notebook rerun, ``make book
            PROFILE=demo``), ``cpu`` (a real reproduction within a night on 2 cores), ``full`` (the papers'
            budgets, GPU).
        seed: seeds numpy, torch and the synthetic generator.
        data: ``real`` requires the dataset under ``ECGSTUDY_DATA``; ``synthetic`` uses the
            generator; ``auto`` picks real when present.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    #: Fields added after runs were recorded. :meth:`record` leaves them out while they hold
    #: their default, so the earlier runs keep their ids; never change such a field's default.
    added_fields: ClassVar[tuple[str, ...]] = ()

    profile: Profile = "demo"
    seed: int = Field(0, ge=0, le=2**32 - 1, description="seeds numpy, torch and the generator (numpy takes 0 .. 2^32 - 1)")
    data: DataChoice = "auto"

    def record(self) -> dict[str, Any]:
        """The parameters as a run spec stores them (JSON values), ``added_fields`` at their
        default left out.

        >>> class Later(RunParams):
        ...     added_fields = ("rule",)
        ...     rule: str = "old"
        >>> "rule" in Later().record(), Later(rule="new").record()["rule"]
        (False, 'new')
        """
        skip = {f for f in self.added_fields if getattr(self, f) == type(self).model_fields[f].default}
        return self.model_dump(mode="json", exclude=skip)


def check_inner_validation(inner_folds: int, patience: int | None) -> None:
    """The rule of a run's inner validation: ``inner_folds`` is 0 (none) or k >= 2 (hold out 1/k), and
    ``patience`` (early stopping on the validation loss) needs one.

    >>> check_inner_validation(5, 8)
    >>> check_inner_validation(0, 8)
    Traceback (most recent call last):
    ...
    ValueError: patience=8 needs an inner validation set (inner_folds >= 2)

    Raises:
        ValueError: the message names the offending field.
    """
    if inner_folds == 1:
        raise ValueError("inner_folds=1: use 0 (no inner validation) or k >= 2 (hold out 1/k)")
    if patience is not None and inner_folds < 2:
        raise ValueError(f"patience={patience} needs an inner validation set (inner_folds >= 2)")


def check_ladder(ladder: tuple[int, ...], lr_schedule: str) -> None:
    """The rule of a run's budget ladder (:mod:`ecgstudy.training.ladder`): rungs are epochs >= 1 in increasing
    order, and the learning rate is constant (so that a capped run is a prefix of the longer one).

    >>> check_ladder((3, 10, 30), "constant")
    >>> check_ladder((3, 10), "cosine")
    Traceback (most recent call last):
    ...
    ValueError: ladder needs lr_schedule='constant' (a capped run must be a prefix of the longer one)
    """
    if ladder and lr_schedule != "constant":
        raise ValueError("ladder needs lr_schedule='constant' (a capped run must be a prefix of the longer one)")
    if list(ladder) != sorted(set(ladder)) or any(r < 1 for r in ladder):
        raise ValueError(f"ladder={tuple(ladder)}: epochs >= 1 in increasing order")


def validate(model: type[P], values: dict[str, Any]) -> P:
    """Build ``model`` from ``values``; raise :class:`ParameterError` listing every bad field."""
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            field = ".".join(str(p) for p in err["loc"]) or "<root>"
            got = f" (got {err['input']!r})" if err["type"] != "missing" else ""
            lines.append(f"  {field}: {err['msg']}{got}")
        raise ParameterError(f"invalid parameters for {model.__name__}:\n" + "\n".join(lines)) from None


def values_for(values: dict[str, Any], key: str, keys: Iterable[str]) -> dict[str, Any]:
    """A chapter's ``run_values`` for the training runs of ``key`` (a dataset): the shared entries, then those under
    ``values[key]`` (a dict) over them; the entries under the other ``keys`` are left out. A page over a former
    grid whose datasets had different budgets gives each its own.

    >>> v = {"lr": 0.001, "mitdb": {"patience": None}, "ptbxl": {"patience": 6}}
    >>> values_for(v, "mitdb", ("mitdb", "ptbxl")), values_for(v, "ludb", ("mitdb", "ptbxl"))
    ({'lr': 0.001, 'patience': None}, {'lr': 0.001})
    """
    keys = set(keys)
    shared = {k: v for k, v in values.items() if k not in keys}
    own = values.get(key, {})
    if not isinstance(own, dict):
        raise ParameterError(f"run_values[{key!r}] = {own!r}: expected a dict of that dataset's values")
    return {**shared, **own}
