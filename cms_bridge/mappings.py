"""Office data that says where a request lands: groups/units, information kinds and ITA items.

All live in TOML under ``mappings/`` (``groups.toml``, ``kinds.toml``, and ``ita/<year>.toml``, one
file per ITA/OIT assessment year) so the office can change categories without touching code
(seed §4.3(6)). An office keeps its own changes in an override folder: an entry there with the
same key (an ITA item: the same year and number) replaces the packaged one whole, a new one is
added.

Requests may name a group or kind by its ASCII key or by the Thai text staff copy from the form,
so lookups accept both; Thai names are compared after NFC, whitespace and digit normalisation.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
)

from cms_bridge.validation import field_problems
from cms_bridge.tomlfile import TomlFileError, read_toml
from cms_bridge.errors import MappingError, UnknownMappingError
from cms_bridge.messages import say
from cms_bridge.thaidate import BE_YEARS, CE_LOOKALIKE, ce_to_be, to_arabic_digits

__all__ = [
    "CATEGORY_SEPARATOR",
    "DEFAULT_MAPPINGS_DIR",
    "CategoryPath",
    "Group",
    "ItaItem",
    "ItaList",
    "Kind",
    "MappingError",
    "Mappings",
    "UnknownMappingError",
    "load_mappings",
    "normalise_name",
]

DEFAULT_MAPPINGS_DIR = Path(__file__).resolve().parents[1] / "mappings"
CATEGORY_SEPARATOR = " / "

# Anchored: pydantic's pattern= searches, it does not match the whole string.
_KEY = r"^[a-z][a-z0-9_]{0,39}$"
_NUMBER = r"^[1-9][0-9]*(\.[1-9][0-9]*)*$"
# WordPress logins: letters, digits, space, and _ . - @ (sanitize_user in strict mode).
_LOGIN = r"^[A-Za-z0-9_.@-][A-Za-z0-9 _.@-]{0,59}$"
# ITA/OIT item numbers as the assessment writes them: a Latin capital O, then 1, 2, ... (no zero
# padding, so "O01" cannot shadow "O1").
_ITA_NUMBER = r"^O[1-9][0-9]*$"
_ITA_FILE = re.compile(r"^([0-9]{4})\.toml$")


def normalise_name(text: str) -> str:
    """Return *text* in the form Thai names are compared in.

    NFC, zero-width spaces dropped, runs of whitespace collapsed to one space, Thai digits made
    Arabic: staff retype names from paper and Word, and each of these differs invisibly.

    Args:
        text: a Thai (or any) name.
    """
    text = unicodedata.normalize("NFC", text).replace("\u200b", "")
    return re.sub(r"\s+", " ", to_arabic_digits(text)).strip()


def _clean_text(value: object) -> object:
    if not isinstance(value, str):
        return value
    return re.sub(r"[ \t]+", " ", unicodedata.normalize("NFC", value)).strip()


def _no_control_characters(value: str) -> str:
    if any(unicodedata.category(ch) in ("Cc", "Zl", "Zp") for ch in value):
        raise ValueError(f"{value!r} contains a control character or line break")
    return value


def _check_category(value: str) -> str:
    for segment in value.split(CATEGORY_SEPARATOR):
        if not segment.strip() or segment != segment.strip() or segment.startswith("/") or segment.endswith("/"):
            raise ValueError(
                f"malformed category path {value!r}: segments are separated by {CATEGORY_SEPARATOR!r} "
                "and none may be empty (no leading, trailing or doubled separator)"
            )
    return value


_Name = Annotated[str, BeforeValidator(_clean_text), Field(min_length=1), AfterValidator(_no_control_characters)]
CategoryPath = Annotated[_Name, AfterValidator(_check_category)]
"""A category path on the site, e.g. ``"ข้อมูลพื้นฐาน / ผู้บริหาร"``."""


class _Entry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str = Field(pattern=_KEY)
    name: _Name


class Group(_Entry):
    """A group/unit of the office (กลุ่ม/หน่วย).

    Attributes:
        key: short ASCII key, e.g. ``finance``.
        name: Thai name, e.g. ``กลุ่มบริหารการเงินและสินทรัพย์``.
        category: category path on the site that also receives the group's posts, if any.
        author: WordPress user login the group's posts are attributed to, if any.
        aliases: more category paths whose posts the reports count as the group's (an old name,
            a near-duplicate someone created, a subtree elsewhere); the bridge never files into
            them. Near-duplicates of *category* and of each alias (names that differ only by
            spacing, ``&amp;``, case, zero-width spaces or Thai/Arabic digits) are found on the
            site without being listed.
        include_subcategories: the reports also count posts filed only in a subcategory of
            *category* or of an alias. True by default: offices file a group's posts under
            sub-headings of its category (per year, per topic), and those posts are the group's;
            False counts the listed categories alone.
    """

    category: CategoryPath | None = None
    author: str | None = Field(default=None, pattern=_LOGIN)
    aliases: tuple[CategoryPath, ...] = ()
    include_subcategories: bool = True

    @property
    def report_categories(self) -> tuple[str, ...]:
        """*category* then the aliases: the paths whose posts count as the group's."""
        return tuple(dict.fromkeys(p for p in (self.category, *self.aliases) if p))


class Kind(_Entry):
    """An information kind of the disclosure measure (seed §1).

    Attributes:
        key: short ASCII key, e.g. ``procurement``.
        number: item number in the measure, e.g. ``"1.9"``.
        name: Thai name.
        category: default category path on the site, segments separated by ``" / "``.
        withdrawal: what happens to a post when its window closes.
    """

    number: str = Field(pattern=_NUMBER)
    category: CategoryPath
    withdrawal: Literal["draft", "private", "trash", "archive"]


class ItaItem(BaseModel):
    """One item of an ITA/OIT assessment year, e.g. O20 of 2567.

    Attributes:
        number: ``"O"`` and the item number, e.g. ``"O20"``.
        name: Thai name, e.g. ``ประกาศต่าง ๆ เกี่ยวกับการจัดซื้อจัดจ้างหรือการจัดหาพัสดุ``.
        category: category path on the site that holds the item's evidence; unless the file
            gives one, ``"ITA <year> / <number> <name>"``.
        kinds: keys of the information kinds whose requests usually serve as its evidence.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    number: str = Field(pattern=_ITA_NUMBER)
    name: _Name
    category: CategoryPath
    kinds: tuple[str, ...] = ()


class ItaList(BaseModel):
    """The items of one assessment year, in number order (O1, O2, ..., O10, ...).

    Attributes:
        year: the BE (พ.ศ.) assessment year, e.g. 2567.
        items: number (``"O20"``) -> item.
        partial: the list is known to be incomplete (the office must complete it).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    year: int
    items: dict[str, ItaItem]
    partial: bool = False

    def item(self, number_or_name: str) -> ItaItem:
        """Return the item named by its number or its Thai name.

        Args:
            number_or_name: e.g. ``"O20"``, ``"o20"``, ``"O๒๐"`` or the Thai name.

        Raises:
            UnknownMappingError: no item matches; the message lists the numbers.
        """
        text = normalise_name(number_or_name)
        if text.upper() in self.items:
            return self.items[text.upper()]
        for entry in self.items.values():
            if normalise_name(entry.name) == text:
                return entry
        raise UnknownMappingError(
            f"ITA {self.year} has no item {number_or_name!r}; its items are {', '.join(self.items)}"
        )


class Mappings(BaseModel):
    """The merged groups, kinds and ITA item lists.

    Look entries up with :meth:`group`, :meth:`kind` and :meth:`ita_year`.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    groups: dict[str, Group]
    kinds: dict[str, Kind]
    ita: dict[int, ItaList] = Field(default_factory=dict)

    def group(self, key_or_name: str) -> Group:
        """Return the group named by its ASCII key or its Thai name.

        Args:
            key_or_name: e.g. ``"finance"`` or ``"กลุ่มบริหารการเงินและสินทรัพย์"``.

        Raises:
            UnknownMappingError: no group has that key or name; the message lists the keys.
        """
        return _lookup("group", self.groups, key_or_name, lambda g: (g.name,))

    def kind(self, key_number_or_name: str) -> Kind:
        """Return the information kind named by its key, item number or Thai name.

        Args:
            key_number_or_name: e.g. ``"procurement"``, ``"1.9"``, ``"๑.๙"`` or the Thai name.

        Raises:
            UnknownMappingError: no kind matches; the message lists the keys.
        """
        return _lookup("kind", self.kinds, key_number_or_name, lambda k: (k.name, k.number))

    def ita_year(self, year: int | str) -> ItaList:
        """Return the ITA/OIT item list of an assessment year.

        Args:
            year: the BE (พ.ศ.) year, e.g. ``2567``, ``"2567"`` or ``"๒๕๖๗"``.

        Raises:
            UnknownMappingError: no list for that year; the message lists the years there are.
        """
        text = normalise_name(str(year))
        if text.isdecimal() and int(text) in self.ita:
            return self.ita[int(text)]
        hint = ""
        if text.isdecimal() and int(text) in CE_LOOKALIKE:
            hint = f" (ITA years are Buddhist Era: {int(text)} CE is {ce_to_be(int(text))})"
        available = ", ".join(str(y) for y in sorted(self.ita)) or "none"
        raise UnknownMappingError(
            f"no ITA item list for the year {year!r}{hint}; available years: {available} "
            "(mappings/ita/<year>.toml, or ita/<year>.toml in the office's mappings folder)"
        )


_E = TypeVar("_E", bound=_Entry)


# What a lookup names, in the request form's words (for the Thai form of "unknown group …").
_WHAT_TH = {"group": "กลุ่ม/หน่วย", "kind": "ลักษณะ/ประเภทข้อมูล"}


def _lookup(what: str, entries: dict[str, _E], wanted: str, aliases: Callable[[_E], tuple[str, ...]]) -> _E:
    text = normalise_name(wanted)
    if text.lower() in entries:
        return entries[text.lower()]
    for entry in entries.values():
        if any(normalise_name(alias) == text for alias in aliases(entry)):
            return entry
    raise UnknownMappingError(say("mappings.unknown", what_en=what, what_th=_WHAT_TH.get(what, what), wanted=wanted,
                                  keys=", ".join(sorted(entries)),
                                  # the groups' Thai names; the kinds' are paragraphs, too long to list
                                  names_th=": " + ", ".join(entry.name for entry in entries.values())
                                  if what == "group" else ""))


def load_mappings(directory: Path | str | None = None, override_dir: Path | str | None = None) -> Mappings:
    """Read ``groups.toml``, ``kinds.toml`` and ``ita/<year>.toml`` and merge an office's overrides.

    Args:
        directory: folder with the base files; the package's ``mappings/`` by default. Its
            ``ita/`` subfolder is optional.
        override_dir: the office's folder; any file may be absent there. An entry with the
            same key as a base entry replaces it; a new key is added. An ITA file there
            (``ita/2567.toml``) replaces or adds items of that year by number, or adds a year.

    Raises:
        MappingError: a base file or the override folder is missing; a file is not valid TOML
            (the message gives the line) or has a table other than its own; an entry has an
            unknown or invalid field, a bad key, a malformed category path or withdrawal value;
            two entries share a key within a file, or a Thai name (or kind number) after merging.
            For ITA files also: a file not named ``<BE year>.toml`` or whose ``year`` differs
            from its name, an item number other than ``O<n>``, two items of one year with the
            same Thai name, a ``kinds`` entry that is not a kind key.
    """
    base = Path(directory) if directory is not None else DEFAULT_MAPPINGS_DIR
    override = Path(override_dir) if override_dir is not None else None
    if override is not None and not override.is_dir():
        raise MappingError(f"{override}: override mappings folder does not exist")
    groups = _read_table(base, override, "groups", Group)
    kinds = _read_table(base, override, "kinds", Kind)
    _check_unique(groups, "group", lambda g: [("Thai name", g.name)])
    _check_unique(kinds, "kind", lambda k: [("Thai name", k.name), ("number", k.number)])
    ita = _read_ita(base, override, set(kinds))
    return Mappings(
        groups={key: entry for key, (entry, _) in groups.items()},
        kinds={key: entry for key, (entry, _) in kinds.items()},
        ita=ita,
    )


def _read_table(base: Path, override: Path | None, table: str, model: type[_E]) -> dict[str, tuple[_E, Path]]:
    entries = _read_file(base / f"{table}.toml", table, model, required=True)
    if override is not None:
        entries |= _read_file(override / f"{table}.toml", table, model, required=False)
    return entries


def _read_file(path: Path, table: str, model: type[_E], *, required: bool) -> dict[str, tuple[_E, Path]]:
    if not path.is_file():
        if required:
            raise MappingError(f"{path}: mappings file not found")
        return {}
    data = _read_toml(path)
    unknown = sorted(set(data) - {table})
    if unknown:
        raise MappingError(f"{path}: unknown top-level key(s) {', '.join(unknown)}; expected only [{table}.<key>]")
    section = data.get(table, {})
    if not isinstance(section, dict):
        raise MappingError(f"{path}: {table} must be tables written [{table}.<key>]")
    entries: dict[str, tuple[_E, Path]] = {}
    for key, fields in section.items():
        where = f"{path}: [{table}.{key}]"
        if not isinstance(fields, dict):
            raise MappingError(f"{where} must be a table, not a {type(fields).__name__}")
        try:
            entries[key] = (model.model_validate({**fields, "key": key}), path)
        except ValidationError as exc:
            raise MappingError(f"{where}: {_explain(exc)}") from None
    return entries


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return read_toml(path)
    except TomlFileError as exc:
        raise MappingError(str(exc)) from None


# -- ITA item lists ------------------------------------------------------------------------------


def _read_ita(base: Path, override: Path | None, kinds: set[str]) -> dict[int, ItaList]:
    items: dict[int, dict[str, tuple[ItaItem, Path]]] = {}
    partial: dict[int, bool] = {}
    for folder in (base / "ita", override / "ita" if override is not None else None):
        if folder is None or not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.toml")):
            year, entries, is_partial = _read_ita_file(path)
            items.setdefault(year, {}).update(entries)
            if is_partial is not None:  # the office's file, when it says, decides for the merged list
                partial[year] = is_partial
    lists = {}
    for year in sorted(items):
        entries = dict(sorted(items[year].items(), key=lambda pair: int(pair[0][1:])))
        _check_unique(entries, "item", lambda i: [("Thai name", i.name)])
        for number, (item, path) in entries.items():
            for kind in item.kinds:
                if kind not in kinds:
                    raise MappingError(
                        f"{path}: [items.{number}] kinds: unknown kind {kind!r}; "
                        f"use keys of kinds.toml: {', '.join(sorted(kinds))}"
                    )
        lists[year] = ItaList(year=year, items={n: item for n, (item, _) in entries.items()},
                              partial=partial.get(year, False))
    return lists


def _read_ita_file(path: Path) -> tuple[int, dict[str, tuple[ItaItem, Path]], bool | None]:
    named = _ITA_FILE.match(path.name)
    if named is None:
        raise MappingError(f"{path}: an ITA file is named by its BE (พ.ศ.) year, e.g. 2567.toml")
    data = _read_toml(path)
    unknown = sorted(set(data) - {"year", "partial", "items"})
    if unknown:
        raise MappingError(
            f"{path}: unknown top-level key(s) {', '.join(unknown)}; expected year, partial and [items.<number>]"
        )
    year = data.get("year")
    if year is None:
        raise MappingError(f"{path}: missing year = {named.group(1)}")
    if type(year) is not int or year != int(named.group(1)):
        raise MappingError(f"{path}: year = {year!r} does not match the file name (expected year = {named.group(1)})")
    if year not in BE_YEARS:
        hint = f" ({year} CE is {ce_to_be(year)})" if year in CE_LOOKALIKE else ""
        raise MappingError(f"{path}: year {year} is not a BE (พ.ศ.) year{hint}")
    partial = data.get("partial")
    if partial is not None and not isinstance(partial, bool):
        raise MappingError(f"{path}: partial must be true or false, not {partial!r}")
    section = data.get("items", {})
    if not isinstance(section, dict):
        raise MappingError(f"{path}: items must be tables written [items.<number>], e.g. [items.O20]")
    entries: dict[str, tuple[ItaItem, Path]] = {}
    for number, fields in section.items():
        where = f"{path}: [items.{number}]"
        if not isinstance(fields, dict):
            raise MappingError(f"{where} must be a table, not a {type(fields).__name__}")
        if not re.fullmatch(_ITA_NUMBER, number):
            raise MappingError(f"{where}: an item number is a capital O and the number, e.g. O20 (not {number!r})")
        fields = dict(fields)
        if "category" not in fields:
            name = _clean_text(fields.get("name"))
            if not isinstance(name, str):  # the name's own error is reported, not a missing category
                name = ""
            if CATEGORY_SEPARATOR in name:
                raise MappingError(
                    f"{where}: the name contains {CATEGORY_SEPARATOR!r}, which would add a level to the "
                    "default category path; give category explicitly"
                )
            fields["category"] = f"ITA {year}{CATEGORY_SEPARATOR}{number} {name}".rstrip()
        try:
            entries[number] = (ItaItem.model_validate({**fields, "number": number}), path)
        except ValidationError as exc:
            raise MappingError(f"{where}: {_explain(exc)}") from None
    return year, entries, partial


def _explain(exc: ValidationError) -> str:
    problems = []
    for problem in field_problems(exc, unknown="unknown field", missing="missing field"):
        field = ".".join(str(part) for part in problem.loc) or "entry"
        if problem.kind in ("extra_forbidden", "missing"):
            problems.append(f"{problem.message} {field!r}")
        else:
            problems.append(f"{field}: {problem.message}")
    return "; ".join(problems)


_M = TypeVar("_M", bound=BaseModel)


def _check_unique(
    entries: dict[str, tuple[_M, Path]], what: str, identities: Callable[[_M], list[tuple[str, str]]]
) -> None:
    seen: dict[tuple[str, str], tuple[str, Path]] = {}
    for key, (entry, path) in entries.items():
        for label, value in identities(entry):
            identity = (label, normalise_name(value))
            if identity in seen:
                other_key, other_path = seen[identity]
                raise MappingError(
                    f"{path}: [{what}s.{key}] has the same {label} {value!r} as "
                    f"[{what}s.{other_key}] in {other_path}"
                )
            seen[identity] = (key, path)
