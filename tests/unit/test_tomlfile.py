"""The one TOML reader every input goes through: clear reasons, the line named."""

from __future__ import annotations

from pathlib import Path

import pytest

from cms_bridge.errors import TomlFileError
from cms_bridge.tomlfile import read_toml


def test_reads_utf8_with_or_without_a_byte_order_mark(tmp_path: Path) -> None:
    plain, bom = tmp_path / "a.toml", tmp_path / "b.toml"
    plain.write_text('title = "ประกาศ"\n', encoding="utf-8")
    bom.write_bytes("\ufeff".encode() + plain.read_bytes())
    assert read_toml(plain) == read_toml(bom) == {"title": "ประกาศ"}


def test_names_the_line_of_a_byte_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "cp874.toml"
    path.write_bytes(b'a = 1\nb = 2\ntitle = "' + "ประกาศ".encode("cp874") + b'"\n')
    with pytest.raises(TomlFileError) as caught:
        read_toml(path)
    assert caught.value.line == 3 and "line 3" in caught.value.reason and str(path) in str(caught.value)


def test_a_repeated_table_names_both_lines(tmp_path: Path) -> None:
    path = tmp_path / "groups.toml"
    path.write_text('[groups.finance]\nname = "ก"\n\n[groups.finance]\nname = "ข"\n', encoding="utf-8")
    with pytest.raises(TomlFileError, match=r"duplicate key \[groups.finance\] at lines 1 and 4"):
        read_toml(path)


def test_invalid_toml_and_a_missing_file_say_so(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("title = \n", encoding="utf-8")
    with pytest.raises(TomlFileError, match="not valid TOML"):
        read_toml(bad)
    with pytest.raises(TomlFileError, match="cannot read the file"):
        read_toml(tmp_path / "missing.toml")
