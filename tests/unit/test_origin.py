"""A request's origin: fields from intake on, and the same text as before in messages."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic import ValidationError

from cms_bridge.intake.origin import Origin
from cms_bridge.ledger.store import Ledger
from cms_bridge.samples import text_pdf

from .test_intake import load, write_request
from .test_tables import HEADERS, ROW, csv_bytes
from .test_tables import load as load_export


def test_a_file_row_and_folder_read_as_before() -> None:
    assert str(Origin.of_file("inbox/a/request.toml")) == "inbox/a/request.toml"
    assert str(Origin.of_file("request.toml")) == "request.toml"
    assert str(Origin.of_file("exports/2567.csv", row=4)) == "exports/2567.csv, row 4"
    assert str(Origin.of_folder("scripts/procurement")) == "scripts/procurement" + os.sep


def test_fields_and_paths() -> None:
    origin = Origin.of_file(Path("exports") / "2567.xlsx", row=9)
    assert (origin.folder, origin.file, origin.row) == ("exports", "2567.xlsx", 9)
    assert origin.base_dir == Path("exports") and origin.path == Path("exports/2567.xlsx")
    assert Origin.of_folder("x").path is None and Origin.of_folder("x").base_dir == Path("x")


def test_of_path_tells_a_folder_from_a_file(tmp_path: Path) -> None:
    assert Origin.of_path(tmp_path) == Origin(folder=str(tmp_path))
    assert Origin.of_path("somewhere/") == Origin(folder="somewhere")
    assert Origin.of_path(tmp_path / "r.toml") == Origin(folder=str(tmp_path), file="r.toml")


def test_a_row_needs_a_file_and_origins_are_frozen() -> None:
    with pytest.raises(ValidationError, match="a row is a row of a file"):
        Origin(folder="x", row=3)
    with pytest.raises(ValidationError):
        Origin(folder="x", file="a.csv", row=0)
    with pytest.raises(ValidationError):
        Origin.of_folder("x").folder = "y"  # type: ignore[misc]


def test_intake_gives_each_request_its_origin(tmp_path: Path) -> None:
    path = write_request(tmp_path / "a")
    report = load(tmp_path)
    (loaded,) = report.requests
    assert loaded.origin == Origin(folder=str(path.parent), file="request.toml")
    assert loaded.source == str(path)


def test_an_export_row_keeps_its_row_into_the_ledger(tmp_path: Path) -> None:
    for name in ("a.pdf", "b.pdf"):
        (tmp_path / name).write_bytes(text_pdf(["x"]))
    path = tmp_path / "export.csv"
    second = list(ROW)
    second[0] = "2570-csv-002"
    path.write_bytes(csv_bytes([HEADERS, ROW, second], "utf-8"))
    report = load_export(path)
    assert report.ok, [str(p) for p in report.problems]
    assert [r.origin for r in report.requests] == [Origin(folder=str(tmp_path), file="export.csv", row=2),
                                                    Origin(folder=str(tmp_path), file="export.csv", row=3)]
    assert report.requests[1].source == f"{path}, row 3"
    with Ledger(tmp_path / "ledger.sqlite") as ledger:
        for loaded in report.requests:
            ledger.record_request(loaded.request, source=loaded.origin, actor="intake")
        assert ledger.origin_of("2570-csv-002") == report.requests[1].origin
        assert ledger.origin_of("2570-csv-002").base_dir == tmp_path  # type: ignore[union-attr]
