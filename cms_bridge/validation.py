"""Saying what pydantic found wrong in the office's words, the same way for every input.

Configuration, request files, mappings and migration plans are validated by pydantic models;
each names the place its own way (a config key or environment variable, a request field with
its Thai label, a mapping entry, a plan step), but the reasons read the same everywhere: a
missing field is "required, but missing", an unknown one says where the valid names are
written down, and pydantic's "Value error, " prefix is dropped.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from pydantic import ValidationError

__all__ = ["FieldProblem", "field_problems"]


@dataclass(frozen=True)
class FieldProblem:
    """One problem pydantic found: where (its location parts) and why, in plain words."""

    loc: tuple[str | int, ...]
    kind: str
    message: str


def field_problems(exc: ValidationError, *, unknown: str, missing: str = "required, but missing"
                   ) -> Iterator[FieldProblem]:
    """The problems in *exc*, worded for a person.

    Args:
        exc: what pydantic raised.
        unknown: the reason given for a field the model does not have (say where the names are
            listed, e.g. "check the spelling against config.example.toml").
        missing: the reason given for a required field that is absent.
    """
    for err in exc.errors():
        kind = err["type"]
        if kind == "extra_forbidden":
            message = unknown
        elif kind == "missing":
            message = missing
        else:
            message = str(err["msg"]).removeprefix("Value error, ")
        yield FieldProblem(loc=tuple(err["loc"]), kind=kind, message=message)
