"""Category migration plans: what the ICT group wants re-filed, as a declarative TOML file.

A plan is a list of steps applied in order. Categories are named by path ("A / B / C"), never by
id, so a plan reads like the site's menu and works on any copy of the site::

    name = "ITA 2567: build the tree, re-file procurement posts"

    [[steps]]
    action = "create_tree"
    paths = ["ITA 2567 / O20 ประกาศต่าง ๆ เกี่ยวกับการจัดซื้อจัดจ้าง"]

    [[steps]]
    action = "move_posts"
    mode = "add"                       # add | replace | remove
    to = "ITA 2567 / O20 ประกาศต่าง ๆ เกี่ยวกับการจัดซื้อจัดจ้าง"
    [steps.filter]
    category = "จัดซื้อจัดจ้าง"
    fiscal_year = 2567
    title_pattern = "^ประกาศ"

See docs/migrations.md for every step.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from cms_bridge.validation import field_problems
from cms_bridge.tomlfile import TomlFileError, read_toml_text
from cms_bridge.errors import PlanError
from cms_bridge.messages import say
from cms_bridge.thaidate import BE_YEAR_MAX, BE_YEAR_MIN, ThaiDate
from cms_bridge.wordpress.models import split_category_path


def _path(value: str) -> str:
    if re.fullmatch(r"\s*#\d+\s*", value):
        return value.strip()  # a category by id
    return " / ".join(split_category_path(value))


CategoryPath = Annotated[str, Field(min_length=1)]


class _Step(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # Every category reference is checked and normalised the same way ("A / B"), whichever step.
    @field_validator("category", "from_", "into", "parent", "paths", "categories", check_fields=False)
    @classmethod
    def _paths_are_well_formed(cls, value: object) -> object:
        if isinstance(value, str):
            return _path(value) if value else value
        if isinstance(value, tuple):
            return tuple(_path(v) for v in value)
        return value


class PostFilter(BaseModel):
    """Which posts a move applies to; all conditions must hold."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    category: CategoryPath | None = None
    fiscal_year: int | None = Field(default=None, ge=BE_YEAR_MIN, le=BE_YEAR_MAX)
    after: ThaiDate | None = Field(default=None, description="Published on or after this day (Bangkok).")
    before: ThaiDate | None = Field(default=None, description="Published before this day (Bangkok).")
    title_pattern: str | None = None
    author: int | None = None
    statuses: tuple[Literal["publish", "future", "draft", "pending", "private", "trash"], ...] = ("publish",)
    include_subcategories: bool = Field(
        default=False, description="Also posts in subcategories of `category`, at any depth (default: no).")

    @field_validator("category")
    @classmethod
    def _category_path(cls, value: str | None) -> str | None:
        return _path(value) if value else value

    @field_validator("title_pattern")
    @classmethod
    def _regex(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(say("migrate.title_pattern", error=str(exc))) from None
        return value

    @model_validator(mode="after")
    def _one_time_rule(self) -> PostFilter:
        if self.fiscal_year is not None and (self.after or self.before):
            raise ValueError(say("migrate.fiscal_or_range"))
        if self.after and self.before and self.after >= self.before:
            raise ValueError(say("migrate.after_before", after=self.after, before=self.before))
        return self


class CreateTree(_Step):
    """Create category paths (missing levels only)."""

    action: Literal["create_tree"]
    paths: tuple[CategoryPath, ...] = ()
    ita_year: int | None = Field(default=None, description="Also every item of this ITA year in mappings/ita.")


class MovePosts(_Step):
    """Add a category to matching posts, replace their categories with it, or remove one."""

    action: Literal["move_posts"]
    mode: Literal["add", "replace", "remove"]
    to: CategoryPath | None = None

    @field_validator("to")
    @classmethod
    def _to_path(cls, value: str | None) -> str | None:
        return _path(value) if value else value
    category: CategoryPath | None = Field(default=None, description="For mode = remove: the category to take away.")
    filter: PostFilter

    @model_validator(mode="after")
    def _targets(self) -> MovePosts:
        if self.mode in ("add", "replace") and not self.to:
            raise ValueError(say("migrate.needs_to", mode=self.mode))
        if self.mode == "remove" and not (self.category or self.filter.category):
            raise ValueError(say("migrate.needs_category"))
        return self


class Rename(_Step):
    """Rename a category (its last level); its posts and children stay."""

    action: Literal["rename"]
    category: CategoryPath
    to: str = Field(min_length=1)


class Merge(_Step):
    """Move every post of one category into another, then delete the first."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    action: Literal["merge"]
    from_: CategoryPath = Field(alias="from")
    into: CategoryPath


class Reparent(_Step):
    """Move a category under another parent ("" = top level)."""

    action: Literal["reparent"]
    category: CategoryPath
    parent: str = ""


class DeleteEmpty(_Step):
    """Delete categories that hold no post at all (any status); a non-empty one stops the plan."""

    action: Literal["delete_empty"]
    categories: tuple[CategoryPath, ...]


Step = Annotated[CreateTree | MovePosts | Rename | Merge | Reparent | DeleteEmpty, Field(discriminator="action")]


class Plan(BaseModel):
    """A migration plan file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    description: str = ""
    #: A ``future`` post whose time has passed is published by WordPress on any write to it:
    #: "skip" leaves such posts untouched (and says so), "publish" re-files them and they go live.
    missed_schedule: Literal["skip", "publish"] = "skip"
    steps: tuple[Step, ...] = Field(min_length=1)


def load_plan(path: Path | str) -> tuple[Plan, str]:
    """Read and validate a plan file; return it with the sha256 of its bytes (its identity).

    Raises:
        PlanError: unreadable, not TOML (with the line), or invalid (each problem with its step).
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise PlanError(f"{path}: {say('migrate.unreadable', error=exc.strerror)}") from None
    try:
        data = read_toml_text(path, raw)
    except TomlFileError as exc:
        raise PlanError(str(exc)) from None
    try:
        plan = Plan.model_validate(data)
    except ValidationError as exc:
        lines = []
        for problem in field_problems(exc, unknown=say("migrate.unknown_field")):
            loc = list(problem.loc)
            step = loc[1] if loc[:1] == ["steps"] and len(loc) > 1 else None
            where = f"step {step + 1}" if isinstance(step, int) else ".".join(map(str, loc))
            rest = ".".join(str(p) for p in loc[2:] if p not in (
                "create_tree", "move_posts", "rename", "merge", "reparent", "delete_empty"))
            lines.append(f"{where}{': ' + rest if rest else ''}: {problem.message}")
        raise PlanError(f"{path}: {say('migrate.invalid')}\n  " + "\n  ".join(lines)) from None
    return plan, hashlib.sha256(raw).hexdigest()


def fiscal_bounds_dates(fiscal_year: int) -> tuple[date, date]:
    """First day and the day after the last of a fiscal year (BE)."""
    from cms_bridge.thaidate import fiscal_year_bounds

    start, end = fiscal_year_bounds(fiscal_year)
    return start.date(), end.date()
