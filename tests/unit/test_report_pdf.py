"""The report as the director sees it: DOCX and XLSX rendered to PDF by LibreOffice, read back
with pdftotext (poppler-utils).

Checks what the printed page says (office name, signer, position, outcomes, one row per
hand-made post, both kinds of channel tick) and where it says it: the signature block is on the
page of the table's last row, for a one-row table and for tables that fill most of a page.
Needs Debian's libreoffice-writer-nogui, libreoffice-calc-nogui, poppler-utils and
fonts-thai-tlwg (scripts/setup-dev installs them). Names and titles are made up.
"""

from __future__ import annotations

import shutil
import subprocess
import unicodedata
from datetime import date
from pathlib import Path

import pytest

from cms_bridge.reports.model import GroupReport, OfficeSummary, ReportItem, SummaryRow
from cms_bridge.reports.render import write_report

OFFICE = "สำนักงานเขตพื้นที่การศึกษามัธยมศึกษาสมมุติ เขต ๙๙"
SIGNER = "นายสมมุติ ตัวอย่าง"
POSITION = "นักวิชาการคอมพิวเตอร์ชำนาญการ"
DIRECTOR = "นางสาวทดสอบ ใจงาม"
DIRECTOR_POSITION = "ผู้อำนวยการสำนักงานเขตพื้นที่การศึกษาสมมุติ"


def _tools() -> None:
    missing = [tool for tool in ("libreoffice", "pdftotext") if shutil.which(tool) is None]
    if missing:
        pytest.fail(f"{', '.join(missing)} not installed: run scripts/setup-dev (Debian libreoffice-writer-nogui, "
                    "libreoffice-calc-nogui, poppler-utils)", pytrace=False)


def _pdf_pages(path: Path) -> list[str]:
    """The text of each page of *path* rendered to PDF, compared in :func:`_key` form."""
    _tools()
    profile = path.parent / ".libreoffice-profile"  # its own profile: never the user's, no lock clash
    subprocess.run(["libreoffice", f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(path.parent), str(path)], check=True, capture_output=True, timeout=180)
    pdf = path.with_suffix(".pdf")
    # Reading order, not -layout: a cell's text stays together.
    text = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True,
                          timeout=60).stdout
    pages = text.split("\f")
    return [_key(page) for page in (pages[:-1] if pages and not pages[-1].strip() else pages)]


def _key(text: str) -> str:
    """*text* without spaces and without Thai vowel and tone marks above and below the line:
    pdftotext puts spaces inside Thai words and may move a tone mark past the next letter
    (ทั้ง comes out as ทัง้), so both sides are compared by their letters alone."""
    return "".join(ch for ch in unicodedata.normalize("NFC", text)
                   if not ch.isspace() and unicodedata.category(ch) != "Mn")


def _page_of(pages: list[str], text: str) -> int:
    found = [number for number, page in enumerate(pages, 1) if _key(text) in page]
    assert found, f"{text!r} is on no page"
    return found[-1]


def _items(count: int) -> tuple[ReportItem, ...]:
    """Alternately a bridge request (website confirmed, board asked for) and a hand-made post."""
    items = []
    for n in range(1, count + 1):
        day = date(2023, 10 + (n - 1) % 3, 1 + (n - 1) % 28)
        if n % 2:
            # Short enough for one line of its cell: pdftotext then gives each cell's text whole.
            items.append(ReportItem(published_on=day, title=f"ประกาศผลคัดเลือก รายการที่ {n}",
                                    channels=frozenset({"website"}), asked=frozenset({"board"}), origin="bridge",
                                    outcome=f"ทราบผลครบ {n}", ref=f"request:pr-test-{n}"))
        else:
            items.append(ReportItem(published_on=day, title=f"ข่าวทำมือ รายการที่ {n}",
                                    channels=frozenset({"website", "board"}), origin="site", ref=f"post:{n}"))
    return tuple(items)


def _report(count: int) -> GroupReport:
    return GroupReport(fiscal_year=2567, round=1, first_day=date(2023, 10, 1), last_day=date(2024, 3, 31),
                       group_key="admin", group_name="กลุ่มอำนวยการ", items=_items(count), counts={},
                       reporter_name=SIGNER, reporter_position=POSITION)


def _assert_signed_with_the_table(pages: list[str], count: int) -> None:
    last_row = f"รายการที่ {count}"  # the last row's title (no other row's title ends so)
    signature_page = _page_of(pages, f"({SIGNER})")
    assert _page_of(pages, "ลงชื่อ") == signature_page == _page_of(pages, last_row)
    assert _page_of(pages, f"ตำแหน่ง{POSITION}") == signature_page == len(pages)
    assert _page_of(pages, "รวมทั้งสิ้น") == signature_page


def _assert_the_form_says_it_all(pages: list[str], count: int) -> None:
    text = "".join(pages)
    assert _key(OFFICE) in text
    assert _key(f"({SIGNER})") in text and _key(f"ตำแหน่ง{POSITION}") in text
    for n in range(1, count + 1, 2):
        assert _key(f"ทราบผลครบ {n}") in text
    # One row per hand-made post, with its own title.
    for n in range(2, count + 1, 2):
        assert text.count(_key(f"ข่าวทำมือ รายการที่ {n}")) == 1
    # Both ticks: confirmed (✓) and asked for by the request only ((✓)), with the legend.
    assert "(✓)" in text and text.count("✓") > text.count("(✓)")
    assert _key("(✓) = ช่องทางที่ขอไว้ในบันทึกขออนุญาต") in text.replace(_key("ไว้ในบันทึก"), _key("ไว้ในบันทึก"))


@pytest.mark.parametrize("fmt", ["docx", "xlsx"])
def test_a_one_row_report_is_one_signed_page(tmp_path: Path, fmt: str) -> None:
    [path] = write_report([_report(1)], tmp_path, formats=[fmt], office_name=OFFICE)  # type: ignore[list-item]
    pages = _pdf_pages(path)

    assert len(pages) == 1
    _assert_the_form_says_it_all(pages, 1)
    _assert_signed_with_the_table(pages, 1)


@pytest.mark.parametrize("count", [9, 18])
def test_docx_signature_stays_with_a_table_that_fills_most_of_the_page(tmp_path: Path, count: int) -> None:
    [path] = write_report([_report(count)], tmp_path, formats=["docx"], office_name=OFFICE)
    pages = _pdf_pages(path)

    # 9 rows fill page 1 (the signature would not fit under them); 18 fill page 2.
    assert len(pages) == 1 + count // 9
    _assert_the_form_says_it_all(pages, count)
    _assert_signed_with_the_table(pages, count)
    # A page break before the last row, not after the total. (The last rows are a table of their
    # own, so LibreOffice does not repeat the header over them; Word shows one table.)
    assert _key(f"รายการที่ {count - 1}") in pages[-2]  # a page break before the last row, not after the total


def test_xlsx_signature_stays_with_a_table_that_fills_most_of_the_page(tmp_path: Path) -> None:
    [path] = write_report([_report(16)], tmp_path, formats=["xlsx"], office_name=OFFICE)
    pages = _pdf_pages(path)

    assert len(pages) == 2
    _assert_the_form_says_it_all(pages, 16)
    _assert_signed_with_the_table(pages, 16)
    assert _key("ลำดับ") in pages[1]  # print titles: the header rows repeat
    # Thai digits in number cells (ลำดับ, totals) as in the DOCX.
    assert "๑๖" in pages[1] and "16" not in pages[1].replace(_key("รายการที่ 16"), "")


def _summary() -> OfficeSummary:
    return OfficeSummary(fiscal_year=2567, round=1, first_day=date(2023, 10, 1), last_day=date(2024, 3, 31), rows=(
        SummaryRow(group_key="admin", group_name="กลุ่มอำนวยการ", website=7, social=2, board=3),
        SummaryRow(group_key="policy", group_name="กลุ่มนโยบายและแผน", website=5, social=0, board=1),
    ), items=11, website=10, social=2, board=4, signer_name=DIRECTOR, signer_position=DIRECTOR_POSITION)


@pytest.mark.parametrize("fmt", ["docx", "xlsx"])
def test_the_office_summary_is_signed_with_its_table_and_counts_distinct_items(tmp_path: Path, fmt: str) -> None:
    [path] = write_report([], tmp_path, formats=[fmt], summary=_summary(), office_name=OFFICE)  # type: ignore[list-item]
    pages = _pdf_pages(path)
    text = "".join(pages)

    assert _key(OFFICE) in text
    assert _page_of(pages, f"({DIRECTOR})") == _page_of(pages, "รวมทั้งสำนักงาน") == 1
    assert _key(f"ตำแหน่ง{DIRECTOR_POSITION}") in pages[0]
    assert _key("(๑๑ เรื่อง ไม่นับซ้ำ)") in text
