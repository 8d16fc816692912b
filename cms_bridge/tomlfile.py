"""Reading a TOML file the way every cms-bridge input is read (configuration, request files,
mappings, migration plans): UTF-8 (a byte-order mark allowed, as Windows editors write one),
one clear reason naming the line when it cannot be read.

Each caller turns :class:`~cms_bridge.errors.TomlFileError` into the error of its own area
(a configuration error, a request problem, a mapping error, a plan error) so messages keep
saying which kind of file is wrong.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from cms_bridge.errors import TomlFileError
from cms_bridge.messages import say

__all__ = ["TomlFileError", "read_toml", "read_toml_text"]

# A [table] or [table.'name'] header, to find a repeated one (tomllib's message names no key).
_TABLE_HEADER = re.compile(r"^\s*\[\s*(\w+)\s*\.\s*([^\]\s]+)\s*\]")


def read_toml(path: Path) -> dict[str, Any]:
    """The TOML document in *path*.

    Raises:
        TomlFileError: the file cannot be read, is not UTF-8 (the line is named) or is not TOML
            (tomllib's line and column; a repeated ``[table.key]`` header names both lines).
    """
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise TomlFileError(path, say("toml.unreadable", error=exc.strerror or str(exc))) from None
    return read_toml_text(path, raw)


def read_toml_text(path: Path, raw: bytes) -> dict[str, Any]:
    """The TOML document in *raw*, the bytes of *path* (named in errors only).

    Raises:
        TomlFileError: as :func:`read_toml`.
    """
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise TomlFileError(path, say("toml.not_utf8", line=line, byte=exc.start),
                            line=line) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        if duplicate := _duplicate_header(text):
            raise TomlFileError(path, duplicate) from None
        raise TomlFileError(path, say("toml.invalid", error=str(exc))) from None


def _duplicate_header(text: str) -> str | None:
    seen: dict[tuple[str, str], int] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if match := _TABLE_HEADER.match(line):
            header = (match.group(1), match.group(2).strip("\"'"))
            if header in seen:
                return say("toml.duplicate_header", table=header[0], key=header[1], first=seen[header], second=number)
            seen[header] = number
    return None
