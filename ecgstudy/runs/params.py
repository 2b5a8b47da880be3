"""Typed, validated run parameters.

Every experiment declares a pydantic model derived from :class:`RunParams`. Unknown
fields and wrong types are rejected with one message listing every bad field, e.g.::

    >>> from ecgstudy.runs.params import RunParams, validate
    >>> validate(RunParams, {"profile": "fast"})
    Traceback (most recent call last):
    ...
    ecgstudy.errors.ParameterError: invalid parameters for RunParams:
      profile: Input should be 'smoke', 'demo', 'cpu' or 'full' (got 'fast')
"""

from __future__ import annotations

from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from ecgstudy.errors import ParameterError

Profile = Literal["smoke", "demo", "cpu", "full"]
DataChoice = Literal["auto", "real", "synthetic"]

P = TypeVar("P", bound="RunParams")


class RunParams(BaseModel):
    """Fields every run has.

    Attributes:
        profile: compute budget: ``smoke`` (seconds, tests), ``demo`` (default book build),
            ``cpu`` (a real reproduction within a night on 2 cores), ``full`` (the papers' budgets, GPU).
        seed: seeds numpy, torch and the synthetic generator.
        data: ``real`` requires the dataset under ``ECGSTUDY_DATA``; ``synthetic`` uses the
            generator; ``auto`` picks real when present.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    profile: Profile = "demo"
    seed: int = 0
    data: DataChoice = "auto"


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
