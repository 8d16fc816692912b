"""Office data that says where a request lands: groups/units and information kinds.

Both live in TOML under ``mappings/`` (``groups.toml``, ``kinds.toml``) so the office can change
categories without touching code (seed §4.3(6)). An office keeps its own changes in an override
folder: an entry there with the same key replaces the packaged one whole, a new key is added.

Requests may name a group or kind by its ASCII key or by the Thai text staff copy from the form,
so lookups accept both; Thai names are compared after NFC, whitespace and digit normalisation.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from pathlib import Path
from typing import Annotated, Callable, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
)

from cms_bridge.errors import CmsBridgeError
from cms_bridge.thaidate import to_arabic_digits

__all__ = [
    "DEFAULT_MAPPINGS_DIR",
    "CATEGORY_SEPARATOR",
    "CategoryPath",
    "Group",
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
_TABLE_HEADER = re.compile(r"^\s*\[\s*(\w+)\s*\.\s*([^\]\s]+)\s*\]")


class MappingError(CmsBridgeError, ValueError):
    """A mappings file is missing, not valid TOML, or holds an invalid entry."""


class UnknownMappingError(MappingError, LookupError):
    """A group or kind was asked for by a key or name that no entry has."""


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
    """

    category: CategoryPath | None = None
    author: str | None = Field(default=None, pattern=_LOGIN)


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


class Mappings(BaseModel):
    """The merged groups and kinds; look entries up with :meth:`group` and :meth:`kind`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    groups: dict[str, Group]
    kinds: dict[str, Kind]

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


_E = TypeVar("_E", bound=_Entry)


def _lookup(what: str, entries: dict[str, _E], wanted: str, aliases: Callable[[_E], tuple[str, ...]]) -> _E:
    text = normalise_name(wanted)
    if text.lower() in entries:
        return entries[text.lower()]
    for entry in entries.values():
        if any(normalise_name(alias) == text for alias in aliases(entry)):
            return entry
    raise UnknownMappingError(
        f"unknown {what} {wanted!r}; use one of the keys {', '.join(sorted(entries))} or the Thai name"
    )


def load_mappings(directory: Path | str | None = None, override_dir: Path | str | None = None) -> Mappings:
    """Read ``groups.toml`` and ``kinds.toml`` and merge an office's overrides.

    Args:
        directory: folder with the base files; the package's ``mappings/`` by default.
        override_dir: the office's folder; either file may be absent there. An entry with the
            same key as a base entry replaces it; a new key is added.

    Raises:
        MappingError: a base file or the override folder is missing; a file is not valid TOML
            (the message gives the line) or has a table other than its own; an entry has an
            unknown or invalid field, a bad key, a malformed category path or withdrawal value;
            two entries share a key within a file, or a Thai name (or kind number) after merging.
    """
    base = Path(directory) if directory is not None else DEFAULT_MAPPINGS_DIR
    override = Path(override_dir) if override_dir is not None else None
    if override is not None and not override.is_dir():
        raise MappingError(f"{override}: override mappings folder does not exist")
    groups = _read_table(base, override, "groups", Group)
    kinds = _read_table(base, override, "kinds", Kind)
    _check_unique(groups, "group", lambda g: [("Thai name", g.name)])
    _check_unique(kinds, "kind", lambda k: [("Thai name", k.name), ("number", k.number)])
    return Mappings(
        groups={key: entry for key, (entry, _) in groups.items()},
        kinds={key: entry for key, (entry, _) in kinds.items()},
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
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MappingError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # tomllib's own message for a repeated [table] does not say which key; find it ourselves.
        raise MappingError(_duplicate_header(path, text) or f"{path}: invalid TOML: {exc}") from None
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


def _duplicate_header(path: Path, text: str) -> str | None:
    seen: dict[tuple[str, str], int] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if match := _TABLE_HEADER.match(line):
            header = (match.group(1), match.group(2).strip("\"'"))
            if header in seen:
                return f"{path}: duplicate key [{header[0]}.{header[1]}] at lines {seen[header]} and {number}"
            seen[header] = number
    return None


def _explain(exc: ValidationError) -> str:
    problems = []
    for error in exc.errors():
        field = ".".join(str(part) for part in error["loc"]) or "entry"
        if error["type"] == "extra_forbidden":
            problems.append(f"unknown field {field!r}")
        elif error["type"] == "missing":
            problems.append(f"missing field {field!r}")
        else:
            problems.append(f"{field}: {error['msg']}")
    return "; ".join(problems)


def _check_unique(
    entries: dict[str, tuple[_E, Path]], what: str, identities: Callable[[_E], list[tuple[str, str]]]
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
