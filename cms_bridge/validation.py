"""Saying what pydantic found wrong in the office's words, the same way for every input.

Configuration, request files, mappings and migration plans are validated by pydantic models;
each names the place its own way (a config key or environment variable, a request field with
its Thai label, a mapping entry, a plan step), but the reasons read the same everywhere: a
missing field is "required, but missing", an unknown one says where the valid names are
written down, and pydantic's "Value error, " prefix is dropped.

Each reason is a sentence of the one catalogue (:mod:`cms_bridge.i18n`): pydantic's own
wording stays the English, and the error's type gives the Thai; a validator's own sentence
(said with :func:`cms_bridge.i18n.say`) keeps its id, so a Thai front door says it in Thai.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from cms_bridge.messages import MESSAGES, Said, say

__all__ = ["FieldProblem", "field_problems"]


@dataclass(frozen=True)
class FieldProblem:
    """One problem pydantic found: where (its location parts) and why, in plain words."""

    loc: tuple[str | int, ...]
    kind: str
    message: str


def field_problems(exc: ValidationError, *, unknown: str, missing: str | None = None) -> Iterator[FieldProblem]:
    """The problems in *exc*, worded for a person.

    Args:
        exc: what pydantic raised.
        unknown: the reason given for a field the model does not have (say where the names are
            listed, e.g. "check the spelling against config.example.toml").
        missing: the reason given for a required field that is absent (default "required, but
            missing").
    """
    for err in exc.errors():
        kind = err["type"]
        if kind == "extra_forbidden":
            message: str = unknown
        elif kind == "missing":
            message = missing if missing is not None else say("validation.missing")
        else:
            message = _reason(err)
        yield FieldProblem(loc=tuple(err["loc"]), kind=kind, message=message)


def _reason(err: Any) -> str:
    """pydantic's reason, as a sentence of the catalogue when its type or its validator has one."""
    english = str(err["msg"]).removeprefix("Value error, ")
    context = err.get("ctx") or {}
    raised = context.get("error")
    if isinstance(raised, ValueError) and raised.args and isinstance(raised.args[0], Said):
        return raised.args[0]  # a validator's own sentence, kept with its id
    if f"field.{err['type']}" in MESSAGES:
        # Only the Thai sentence uses the context; pydantic lists choices with an English "or".
        thai = {k: str(v).replace(" or ", " หรือ ") for k, v in context.items() if k not in ("english", "error")}
        return say(f"field.{err['type']}", english=english, **thai)
    return english
