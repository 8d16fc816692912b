"""The monitoring report and the office summary as Word documents, laid out like the office's form.

Fonts: every run is in **TH Sarabun New** (the font of Thai government documents), named for
Latin (``w:ascii``/``w:hAnsi``), east-Asian and complex script (``w:cs``) text, with ``w:szCs``
sizes, ``w:bCs`` bold and the language ``th-TH`` (``w:lang w:bidi``), because Word lays Thai out
with the complex-script properties. The font is not embedded: the machine that opens the file must
have TH Sarabun New. Where it is missing, Word substitutes using the font table entry written here
(Thai character set, alternative name TH SarabunPSK), and LibreOffice asks fontconfig, which on
Debian with ``fonts-thai-tlwg`` picks Laksaman, a metric-compatible clone, so line breaks and
page breaks stay as on the office machine. The tick boxes and ticks (☑ ☐ ✓) are in Segoe UI
Symbol (Windows); elsewhere the viewer takes them from any font that has them.

Page: A4 portrait, margins 2.5 cm top and left, 2 cm bottom and right (the left margin is
half a centimetre under the 3 cm of a Thai official letter, so that the six columns fit their
headings and a date like ``๑๒ ธ.ค. ๖๖`` on one line), body 16 pt, tables 14 pt.
"""

from __future__ import annotations

import copy
import io
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

from docx import Document
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT, WD_TAB_LEADER
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.text.paragraph import Paragraph

from cms_bridge.channels import CHANNEL_LABELS, CHANNELS
from cms_bridge.errors import ReportError
from cms_bridge.reports.model import GroupReport, OfficeSummary
from cms_bridge.reports.wording import (
    CHANNELS_HEADER,
    CHECKED,
    SIGNER_ROLE,
    SUMMARY_SUM_LABEL,
    TICK_LEGEND,
    COLUMNS,
    DEFAULT_OFFICE_NAME,
    FORM_TITLE,
    GROUP_LABEL,
    SECTION_PROBLEMS,
    SECTION_ROUND,
    SECTION_TABLE,
    SUMMARY_COLUMNS,
    SUMMARY_NOTE,
    SUMMARY_TITLE,
    UNCHECKED,
    Digits,
    digits_of,
    has_asked,
    item_cells,
    round_choices,
    round_label,
    summary_office_label,
    total_text,
    totals,
)

__all__ = ["FONT", "THAI_CHART_FONTS", "find_thai_font", "summary_chart_png", "write_group_docx",
           "write_summary_docx"]

FONT = "TH Sarabun New"
FONT_ALT = "TH SarabunPSK"
SYMBOL_FONT = "Segoe UI Symbol"
BODY_PT, TABLE_PT = 16, 14
TEXT_WIDTH_CM = 16.5  # A4 (21 cm) less the 2.5 cm and 2 cm side margins
#: Column widths of the form's table (ลำดับ … ผลลัพธ์), adding up to the text width.
TABLE_WIDTHS_CM = (1.4, 2.7, 4.6, 2.0, 2.0, 3.8)
SUMMARY_WIDTHS_CM = (1.5, 6.1, 2.1, 2.6, 2.3, 1.9)
#: Section ๓ gets this many dotted lines when the report has no problems to print.
BLANK_PROBLEM_LINES = 3
CELL_MARGIN_TWIPS = 57  # 0.1 cm
#: Where the signature block's dotted lines end, from the left margin.
SIGNATURE_END_CM = 13.6
#: Thai-capable fonts for the chart, best first (matplotlib's names).
THAI_CHART_FONTS = ("TH Sarabun New", "Sarabun", "TH SarabunPSK", "Loma", "Garuda", "Laksaman", "Waree",
                    "Norasi", "Noto Sans Thai", "Leelawadee UI", "Tahoma")


def write_group_docx(report: GroupReport, path: Path, *, digits: Digits = "thai",
                     office_name: str = DEFAULT_OFFICE_NAME) -> None:
    """Write one group's report for one round as the office's form.

    The signature block is kept on the page of the table's last rows: the last item row, the
    total row, section ๓ and the signature are chained with keep-with-next, and no row splits
    across pages (``cantSplit``), so a page break falls before the last item row rather than
    leaving the signature alone on a page.

    Args:
        report: the group's report.
        path: the file to write.
        digits: ``"thai"`` or ``"arabic"`` for the numbers and dates the form writes.
        office_name: the second title line.
    """
    doc = _new_document()
    _paragraph(doc, FORM_TITLE, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    _paragraph(doc, office_name, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, after=8)
    group = _paragraph(doc, GROUP_LABEL + " ", bold=True, after=4)
    _run(group, report.group_name)

    _paragraph(doc, digits_of(SECTION_ROUND, digits), bold=True)
    for ticked, label in round_choices(report.fiscal_year, report.round, digits):
        line = _paragraph(doc, indent=1.0)
        _run(line, CHECKED if ticked else UNCHECKED, font=SYMBOL_FONT)
        _run(line, " " + label)

    _paragraph(doc, digits_of(SECTION_TABLE, digits), bold=True, before=6, after=4)
    rows = [item_cells(i, item, digits) for i, item in enumerate(report.items, 1)]
    table = doc.add_table(rows=2 + len(rows) + 1, cols=len(COLUMNS))
    _table_frame(table, TABLE_WIDTHS_CM)
    for col, text in enumerate(COLUMNS):
        if col in (3, 4):
            _cell(table.cell(1, col), text, bold=True, center=True)
        else:
            _cell(table.cell(0, col).merge(table.cell(1, col)), text, bold=True, center=True)
    _cell(table.cell(0, 3).merge(table.cell(0, 4)), CHANNELS_HEADER, bold=True, center=True)
    for r, cells in enumerate(rows, 2):
        for col, text in enumerate(cells):
            _cell(table.cell(r, col), text, center=col not in (2, 5), symbol=col in (3, 4))
    total = totals(report.items)
    last = len(table.rows) - 1
    _cell(table.cell(last, 0).merge(table.cell(last, 2)), "รวม", bold=True, center=True)
    _cell(table.cell(last, 3), digits_of(total.online, digits), bold=True, center=True)
    _cell(table.cell(last, 4), digits_of(total.board, digits), bold=True, center=True)
    _cell(table.cell(last, 5), total_text(total, digits), bold=True, center=True)
    _repeat_header(table, 2)
    _keep_tail_with_next(table, min(2, last - 1), header_rows=2)

    if has_asked(report.items):
        _paragraph(doc, TICK_LEGEND, size=TABLE_PT - 2, before=2, keep=True)
    _paragraph(doc, digits_of(SECTION_PROBLEMS, digits), bold=True, before=8, after=2, keep=True)
    for problem in report.problems:
        _paragraph(doc, problem, indent=0.75, keep=True)
    for _ in range(0 if report.problems else BLANK_PROBLEM_LINES):
        _dotted(_paragraph(doc, after=2, keep=True), TEXT_WIDTH_CM, WD_TAB_ALIGNMENT.RIGHT).add_run("\t")

    _signature(doc, report.reporter_name, report.reporter_position)
    doc.save(str(path))


def write_summary_docx(summary: OfficeSummary, path: Path, *, digits: Digits = "thai",
                       office_name: str = DEFAULT_OFFICE_NAME) -> None:
    """Write the office summary: counts per group and channel, the office's distinct counts, the
    signature block (kept on the page of the table's last rows), then a bar chart.

    Args:
        summary: the office summary.
        path: the file to write.
        digits: ``"thai"`` or ``"arabic"`` for the numbers and dates.
        office_name: the second title line.

    Raises:
        ReportError: no Thai font for the chart (see :func:`find_thai_font`).
    """
    doc = _new_document()
    _paragraph(doc, SUMMARY_TITLE, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    _paragraph(doc, office_name, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    _paragraph(doc, digits_of(f"ปีงบประมาณ {summary.fiscal_year}", digits), align=WD_ALIGN_PARAGRAPH.CENTER)
    _paragraph(doc, round_label(summary.fiscal_year, summary.round, digits), align=WD_ALIGN_PARAGRAPH.CENTER,
               after=8)

    table = doc.add_table(rows=2 + len(summary.rows) + 2, cols=len(SUMMARY_COLUMNS))
    _table_frame(table, SUMMARY_WIDTHS_CM)
    for col, text in enumerate(SUMMARY_COLUMNS):
        if col in (2, 3, 4):
            _cell(table.cell(1, col), text, bold=True, center=True)
        else:
            _cell(table.cell(0, col).merge(table.cell(1, col)), text, bold=True, center=True)
    _cell(table.cell(0, 2).merge(table.cell(0, 4)), CHANNELS_HEADER, bold=True, center=True)
    for r, row in enumerate(summary.rows, 2):
        values: list[str | int] = [r - 1, row.group_name, row.website, row.social, row.board, row.total]
        for col, value in enumerate(values):
            _cell(table.cell(r, col), digits_of(value, digits) if col != 1 else row.group_name, center=col != 1)
    added = len(table.rows) - 2
    by_channel = [sum(getattr(row, ch) for row in summary.rows) for ch in CHANNELS]
    _cell(table.cell(added, 0).merge(table.cell(added, 1)), SUMMARY_SUM_LABEL, center=True)
    for col, value in enumerate([*by_channel, sum(by_channel)], 2):
        _cell(table.cell(added, col), digits_of(value, digits), center=True)
    last = added + 1
    _cell(table.cell(last, 0).merge(table.cell(last, 1)), summary_office_label(summary.items, digits), bold=True,
          center=True)
    for col, value in enumerate([summary.website, summary.social, summary.board, summary.total], 2):
        _cell(table.cell(last, col), digits_of(value, digits), bold=True, center=True)
    _repeat_header(table, 2)
    _keep_tail_with_next(table, min(3, last - 1), header_rows=2)
    _paragraph(doc, SUMMARY_NOTE, size=TABLE_PT, before=2, keep=True)
    _signature(doc, summary.signer_name, summary.signer_position, role=None)
    if summary.rows:  # after the signature, as the form's annex: the signed page is the table
        picture = _paragraph(doc, align=WD_ALIGN_PARAGRAPH.CENTER, before=12)
        picture.add_run().add_picture(io.BytesIO(summary_chart_png(summary, digits)), width=Cm(TEXT_WIDTH_CM))
    doc.save(str(path))


# --- chart --------------------------------------------------------------------------------------

def find_thai_font() -> str | None:
    """The first of :data:`THAI_CHART_FONTS` that matplotlib can use, or None.

    matplotlib keeps a font cache (``~/.cache/matplotlib/fontlist-*.json``) built the first
    time it ran; fonts installed since (``fonts-thai-tlwg`` after matplotlib) are not in it.
    When no Thai font is cached, the Thai fonts fontconfig knows (``fc-list :lang=th``) and those
    in :data:`THAI_FONT_DIRS` are added to matplotlib by file path, which needs no cache rebuild.
    """
    from matplotlib import font_manager

    def cached() -> str | None:
        available = {entry.name for entry in font_manager.fontManager.ttflist}
        return next((name for name in THAI_CHART_FONTS if name in available), None)

    found = cached()
    if found is None:
        for font_file in _thai_font_files():
            try:
                font_manager.fontManager.addfont(str(font_file))
            except (OSError, RuntimeError, ValueError):  # a damaged or unreadable file: try the others
                continue
        found = cached()
    return found


#: Folders searched for Thai fonts when matplotlib's cache and fontconfig know none.
THAI_FONT_DIRS = (Path("/usr/share/fonts/truetype/tlwg"), Path("/usr/share/fonts/opentype/tlwg"),
                  Path("/usr/share/fonts/truetype/thai"), Path.home() / ".fonts", Path.home() / ".local/share/fonts",
                  Path("C:/Windows/Fonts"))


def _thai_font_files() -> list[Path]:
    files: list[Path] = []
    try:
        listed = subprocess.run(["fc-list", ":lang=th", "file"], capture_output=True, text=True, timeout=10,
                                check=False).stdout
        files += [Path(line.split(":")[0].strip()) for line in listed.splitlines() if line.strip()]
    except (OSError, subprocess.SubprocessError):  # no fontconfig (Windows): the folders below
        pass
    for folder in THAI_FONT_DIRS:
        if folder.is_dir():
            files += sorted(p for p in folder.iterdir() if p.suffix.lower() in (".ttf", ".otf"))
    return [f for f in dict.fromkeys(files) if f.is_file()]


def summary_chart_png(summary: OfficeSummary, digits: Digits = "thai") -> bytes:
    """A horizontal bar chart (PNG) of each group's count per channel, labelled in Thai.

    Raises:
        ReportError: no Thai font can be found (see :func:`find_thai_font`); the message says
            which package to install. A chart with the Thai drawn as empty boxes is never made.
    """
    from matplotlib import rc_context
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    font = find_thai_font()
    if font is None:
        raise ReportError("no Thai font for the summary chart: install fonts-thai-tlwg (Debian/Ubuntu) or "
                          "TH Sarabun New, then run the report again")
    labels = [row.group_name for row in summary.rows]
    names = CHANNEL_LABELS
    title = "จำนวนเรื่องที่เผยแพร่ แยกตามกลุ่มและช่องทาง"
    colours = {"website": "#1f5f99", "social": "#e08a1e", "board": "#3a9a4a"}
    with rc_context({"font.family": [font, "DejaVu Sans"], "font.size": 11}):
        fig = Figure(figsize=(6.5, 1.4 + 0.6 * len(summary.rows)), dpi=200, layout="constrained")
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        height = 0.26
        for offset, channel in enumerate(CHANNELS):
            positions = [i + (offset - 1) * height for i in range(len(summary.rows))]
            values = [getattr(row, channel) for row in summary.rows]
            bars = ax.barh(positions, values, height=height, label=names[channel], color=colours[channel])
            ax.bar_label(bars, labels=[digits_of(v, digits) for v in values], padding=2, fontsize=9)
        ax.set_yticks(range(len(summary.rows)), labels=labels)
        ax.invert_yaxis()
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: digits_of(int(x), digits)))
        ax.margins(x=0.12)
        ax.spines[["top", "right"]].set_visible(False)
        fig.suptitle(title)
        fig.legend(loc="outside lower center", ncols=3, frameon=False)  # constrained layout keeps it in
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png")
    return buffer.getvalue()


# --- document building ------------------------------------------------------------------------

def _new_document() -> Any:
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(2.5), Cm(2)
    section.left_margin, section.right_margin = Cm(2.5), Cm(2)
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    for child in list(rpr):
        rpr.remove(child)
    _font_properties(rpr, FONT, BODY_PT, lang=True)
    spacing = defaults.find(qn("w:pPrDefault")).find(qn("w:pPr")).find(qn("w:spacing"))
    spacing.set(qn("w:after"), "0")
    spacing.set(qn("w:line"), "240")
    _declare_font(doc)
    return doc


def _font_properties(rpr: Any, font: str | None, size: float | None, *, bold: bool = False,
                     lang: bool = False) -> None:
    """Append rFonts, b/bCs, sz/szCs and lang to an empty ``w:rPr``, in schema order."""
    if font:
        fonts = OxmlElement("w:rFonts")
        for attr in ("ascii", "hAnsi", "eastAsia", "cs"):
            fonts.set(qn(f"w:{attr}"), font)
        rpr.append(fonts)
    if bold:
        rpr.append(OxmlElement("w:b"))
        rpr.append(OxmlElement("w:bCs"))
    if size:
        for tag in ("w:sz", "w:szCs"):
            element = OxmlElement(tag)
            element.set(qn("w:val"), str(int(size * 2)))
            rpr.append(element)
    if lang:
        element = OxmlElement("w:lang")
        # As Thai Word writes it: Latin runs are English, complex-script (Thai) runs are th-TH.
        element.set(qn("w:val"), "en-US")
        element.set(qn("w:eastAsia"), "en-US")
        element.set(qn("w:bidi"), "th-TH")
        rpr.append(element)


def _declare_font(doc: Any) -> None:
    """List TH Sarabun New in the font table (Thai charset, alternative name) for substitution."""
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/fontTable"
    part = doc.part.part_related_by(rel)
    from lxml import etree

    root = etree.fromstring(part.blob)
    entry = etree.SubElement(root, qn("w:font"), {qn("w:name"): FONT})
    for tag, value in (("w:altName", FONT_ALT), ("w:panose1", "020B0500040200020003"), ("w:charset", "DE"),
                       ("w:family", "swiss"), ("w:pitch", "variable")):
        etree.SubElement(entry, qn(tag), {qn("w:val"): value})
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _paragraph(container: Any, text: str = "", *, bold: bool = False, size: float | None = None,
               align: Any = None, indent: float | None = None, before: float = 0, after: float = 0,
               keep: bool = False) -> Any:
    """Add a paragraph; *keep* keeps it on the same page as the next one."""
    paragraph = container.add_paragraph()
    if text:
        _run(paragraph, text, bold=bold, size=size)
    if align is not None:
        paragraph.alignment = align
    if indent is not None:
        paragraph.paragraph_format.left_indent = Cm(indent)
    paragraph.paragraph_format.keep_with_next = keep or None
    paragraph.paragraph_format.keep_together = True  # a wrapped line never leaves its paragraph
    paragraph.paragraph_format.space_before = Pt(before)
    paragraph.paragraph_format.space_after = Pt(after)
    return paragraph


def _run(paragraph: Any, text: str, *, bold: bool = False, size: float | None = None,
         font: str | None = None) -> Any:
    run = paragraph.add_run(text)
    _font_properties(run._r.get_or_add_rPr(), font, size, bold=bold)
    return run


def _dotted(paragraph: Any, at_cm: float, alignment: Any) -> Any:
    paragraph.paragraph_format.tab_stops.add_tab_stop(Cm(at_cm), alignment, WD_TAB_LEADER.DOTS)
    return paragraph


def _keep_tail_with_next(table: Any, count: int, *, header_rows: int) -> None:
    """Keep the table's last *count* rows on the page of the paragraph after the table.

    Word keeps a row with the next when its paragraphs are keep-with-next, but LibreOffice reads
    keep-with-next only for a table as a whole, and only for one that is not split over pages.
    So the last rows become a small table of their own, after the first with the same grid and
    a 1 pt paragraph between (a hairline on paper), every paragraph in it keep-with-next: it
    moves with section ๓ and the signature. When only header rows are left in the first
    table, that one is kept with the next too, so a header never ends a page alone.
    """
    tbl = table._tbl
    rows = tbl.findall(qn("w:tr"))
    tail = OxmlElement("w:tbl")
    tail.append(copy.deepcopy(tbl.tblPr))
    tail.append(copy.deepcopy(tbl.find(qn("w:tblGrid"))))
    for row in rows[len(rows) - count:]:
        tail.append(row)  # moved, not copied
    # A 1 pt paragraph between: LibreOffice joins two adjacent tables into one (as Word shows
    # them) and then keeps nothing; kept apart, the small table moves with what follows it.
    gap: Any = OxmlElement("w:p")  # a CT_P (python-docx registers the class for w:p)
    tbl.addnext(gap)
    gap.addnext(tail)
    spacer = Paragraph(gap, table)
    spacer.paragraph_format.space_before = spacer.paragraph_format.space_after = Pt(0)
    spacer.paragraph_format.line_spacing = Pt(1)
    spacer.paragraph_format.keep_with_next = True
    mark = OxmlElement("w:rPr")  # the paragraph mark's size: last in w:pPr
    for tag in ("w:sz", "w:szCs"):
        size = OxmlElement(tag)
        size.set(qn("w:val"), "2")
        mark.append(size)
    gap.get_or_add_pPr().append(mark)
    kept = [tail] + ([tbl] if len(rows) - count <= header_rows else [])
    for element in kept:
        for paragraph in element.iter(qn("w:p")):
            Paragraph(cast(Any, paragraph), table).paragraph_format.keep_with_next = True


def _signature(doc: Any, name: str | None, position: str | None, *, role: str | None = SIGNER_ROLE) -> None:
    """ลงชื่อ……ผู้รายงาน / (……) / ตำแหน่ง……, in the right half of the page; dotted where not known.

    Every line but the last is keep-with-next and ``keep lines`` is set, so the block is never
    split and stays with the paragraph before it (section ๓ or the summary's note).
    """
    indent, end = 6.5, SIGNATURE_END_CM
    sign = _dotted(_paragraph(doc, "ลงชื่อ", indent=indent, before=14, after=4, keep=True), end,
                   WD_TAB_ALIGNMENT.LEFT)
    _run(sign, f"\t{role}" if role else "\t")
    if name:  # centred under the dotted line
        line = _paragraph(doc, indent=indent, after=4, keep=True)
        line.paragraph_format.tab_stops.add_tab_stop(Cm((indent + end) / 2 + 0.5), WD_TAB_ALIGNMENT.CENTER)
        _run(line, f"\t({name})")
    else:
        _run(_dotted(_paragraph(doc, "(", indent=indent + 0.8, after=4, keep=True), end, WD_TAB_ALIGNMENT.LEFT),
             "\t)")
    if position:
        _paragraph(doc, f"ตำแหน่ง {position}", indent=indent)
    else:
        _run(_dotted(_paragraph(doc, "ตำแหน่ง", indent=indent), end + 1.6, WD_TAB_ALIGNMENT.RIGHT), "\t")


def _table_frame(table: Any, widths: Sequence[float]) -> None:
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False  # w:tblLayout fixed: the widths below hold in Word and LibreOffice
    # Narrow cell margins (0.1 cm) so ลำดับ and the channel headings fit their columns unbroken.
    margins = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        margin = OxmlElement(f"w:{side}")
        margin.set(qn("w:w"), str(CELL_MARGIN_TWIPS))
        margin.set(qn("w:type"), "dxa")
        margins.append(margin)
    look = table._tbl.tblPr.find(qn("w:tblLook"))
    if look is not None:
        look.addprevious(margins)
    else:
        table._tbl.tblPr.append(margins)
    for col, width in zip(table.columns, widths, strict=True):
        col.width = Cm(width)
        for cell in col.cells:
            cell.width = Cm(width)
    for row in table.rows:
        row_pr = row._tr.get_or_add_trPr()
        row_pr.append(OxmlElement("w:cantSplit"))


def _repeat_header(table: Any, count: int) -> None:
    for row in table.rows[:count]:
        row._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))


def _cell(cell: Any, text: str, *, bold: bool = False, center: bool = False, symbol: bool = False) -> None:
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER if center else WD_CELL_VERTICAL_ALIGNMENT.TOP
    paragraph = cell.paragraphs[0]
    for extra in cell.paragraphs[1:]:  # merging joins the cells' paragraphs
        extra._p.getparent().remove(extra._p)
    if text:
        _run(paragraph, text, bold=bold, size=TABLE_PT, font=SYMBOL_FONT if symbol and text else None)
    if center:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
