"""Channels and the Buddhist Era year range are defined once; every user agrees with the definition."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from cms_bridge.categories.plan import PostFilter
from cms_bridge.channels import CHANNEL_LABELS, CHANNELS
from cms_bridge.thaidate import BE_OFFSET, BE_YEAR_MAX, BE_YEAR_MIN, BE_YEARS, ThaiDateError, parse_thai_date
from cms_bridge.windows import FiscalYearWindow


def test_the_board_is_labelled_as_on_the_request_form() -> None:
    assert CHANNELS == ("website", "social", "board")
    assert CHANNEL_LABELS == {"website": "เว็บไซต์", "social": "สื่อสังคมออนไลน์", "board": "บอร์ด/ป้ายประชาสัมพันธ์"}


def test_be_offset_and_range() -> None:
    assert BE_OFFSET == 543
    assert (BE_YEAR_MIN, BE_YEAR_MAX) == (2500, 2700)
    assert BE_YEARS[0] == BE_YEAR_MIN and BE_YEARS[-1] == BE_YEAR_MAX


@pytest.mark.parametrize("year", [BE_YEAR_MIN, BE_YEAR_MAX])
def test_windows_and_migration_filters_accept_the_range_ends(year: int) -> None:
    assert FiscalYearWindow(fiscal_year=year).fiscal_year == year
    assert PostFilter(fiscal_year=year).fiscal_year == year


@pytest.mark.parametrize("year", [BE_YEAR_MIN - 1, BE_YEAR_MAX + 1])
def test_windows_and_migration_filters_refuse_beyond_the_range(year: int) -> None:
    with pytest.raises(ValidationError):
        FiscalYearWindow(fiscal_year=year)
    with pytest.raises(ValidationError):
        PostFilter(fiscal_year=year)


def test_an_iso_date_with_a_be_year_is_refused() -> None:
    with pytest.raises(ThaiDateError, match="Buddhist Era"):
        parse_thai_date(f"{BE_YEAR_MIN + 67}-05-22")
