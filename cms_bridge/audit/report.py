"""The audit's report: text for a terminal (English or Thai), JSON, and the committee's XLSX.

Every value comes from masked findings and masked names (files' and linking posts' titles):
no output holds a whole ID number, whether a caller prints it or logs it. The
XLSX has one row per finding (and one per file that could not be read), Thai headers, a column
for the committee's decision, and every cell stored as text (a file name such as ``=cmd|...``
never becomes a formula).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from cms_bridge.audit.walk import AuditResult, AuditRow
from cms_bridge.intake.idguard import Finding, mask_id_numbers

Lang = Literal["en", "th"]

VERDICT_LABELS: dict[str, tuple[str, str]] = {
    "found": ("ID number found", "พบเลขประจำตัวประชาชน"),
    "possible": ("possible ID number, look", "อาจเป็นเลขประจำตัวประชาชน ตรวจดู"),
    "unread": ("not fully read, look", "อ่านไม่ครบ ตรวจดูด้วยตนเอง"),
    "clean": ("nothing found", "ไม่พบ"),
}
KIND_LABELS: dict[str, tuple[str, str]] = {
    "id_number": ("ID number", "เลขประจำตัวประชาชน"),
    "possible_id_number": ("possible ID number", "อาจเป็นเลขประจำตัวประชาชน"),
    "phone": ("phone", "หมายเลขโทรศัพท์"),
    "email": ("e-mail", "อีเมล"),
    "not_scanned": ("not read", "อ่านไม่ได้"),
}
STATUS_LABELS: dict[str, tuple[str, str]] = {
    "too_large": ("too large, not read", "ไฟล์ใหญ่เกิน ไม่ได้อ่าน"),
    "unreadable": ("cannot be read", "อ่านไฟล์ไม่ได้"),
    "missing": ("not served (404)", "ไม่พบไฟล์ที่ที่อยู่นี้ (404)"),
}
#: The XLSX's columns, in Thai for the committee.
XLSX_HEADERS = ("ลำดับ", "รหัสไฟล์", "ชื่อไฟล์", "ที่อยู่สาธารณะ (URL)", "ผลการตรวจ", "สิ่งที่พบ", "ค่าที่พบ (ปิดบังแล้ว)",
                "หน้า/แผ่นงาน", "ตำแหน่ง", "เรื่องที่ลิงก์ไฟล์นี้", "การดำเนินการ")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _label(table: dict[str, tuple[str, str]], key: str, lang: Lang) -> str:
    pair = table.get(key)
    return key if pair is None else pair[1 if lang == "th" else 0]


def _where(finding: Finding) -> str:
    if finding.page is None:
        return ""
    return f"sheet {finding.page}" if isinstance(finding.page, str) else f"page {finding.page}"


def _linking(row: AuditRow) -> str:
    return "; ".join(f"{e.type} #{e.id} ({e.status}{', parent' if e.how == 'parent' else ''}) "
                     f"{mask_id_numbers(e.title)}" for e in row.linking)


def text_lines(result: AuditResult, lang: Lang = "en", *, all_files: bool = False) -> list[str]:
    """The report as lines for a terminal: files with something to look at (all with *all_files*).

    Args:
        result: the audit's result.
        lang: ``th`` for Thai labels.
        all_files: list clean files too.
    """
    lines: list[str] = []
    for row in result.rows:
        if row.verdict == "clean" and not all_files:
            continue
        name = mask_id_numbers(row.item.filename)
        lines.append(f"#{row.item.id} {name}: {_label(VERDICT_LABELS, row.verdict, lang)}")
        lines.append(f"  {row.item.url if not _has_id(row.item.url) else mask_id_numbers(row.item.url)}")
        if row.record.status != "scanned":
            lines.append(f"  {_label(STATUS_LABELS, row.record.status, lang)}: {row.record.note or ''}".rstrip())
        for finding in row.record.findings:
            if finding.kind in ("phone", "email") and not all_files:
                continue
            where = ", ".join(x for x in (_where(finding), finding.part or "") if x)
            value = finding.masked or finding.note or ""
            lines.append(f"  - {_label(KIND_LABELS, finding.kind, lang)} {value}" + (f" ({where})" if where else ""))
        for entry in row.linking:
            how = " parent" if entry.how == "parent" else ""
            by = ("ลิงก์จาก" if lang == "th" else "linked by")
            lines.append(f"  {by} {entry.type} #{entry.id} [{entry.status}{how}] {mask_id_numbers(entry.title)} "
                         f"{mask_id_numbers(entry.link)}")
    counts = summary(result)
    if lang == "th":
        lines.append(f"ไฟล์ {counts['files']} ไฟล์: พบเลขประจำตัวประชาชน {counts['found']}, อาจเป็น {counts['possible']}, "
                     f"อ่านไม่ครบ {counts['unread']}, ไม่พบ {counts['clean']}; ดาวน์โหลดรอบนี้ {result.downloads}, "
                     f"ใช้ผลเดิม {result.remembered}")
    else:
        lines.append(f"{counts['files']} file(s): {counts['found']} with ID numbers, {counts['possible']} possible, "
                     f"{counts['unread']} not fully read, {counts['clean']} clean; {result.downloads} downloaded now, "
                     f"{result.remembered} unchanged since the last audit")
    if result.other_types:
        other = ", ".join(f"{k} {v}" for k, v in sorted(result.other_types.items()))
        lines.append(("ไม่ได้ตรวจ (ชนิดไฟล์อื่น): " if lang == "th" else "not audited (other types): ") + other)
    return lines


def _has_id(text: str) -> bool:
    return mask_id_numbers(text) != text


def summary(result: AuditResult) -> dict[str, int]:
    """Counts of files by verdict, and in all."""
    counts = {"files": len(result.rows), "found": 0, "possible": 0, "unread": 0, "clean": 0}
    for row in result.rows:
        counts[row.verdict] += 1
    return counts


def as_json(result: AuditResult) -> dict[str, Any]:
    """The report as a JSON object (findings masked)."""
    files = []
    for row in result.rows:
        files.append({
            "id": row.item.id, "file": mask_id_numbers(row.item.filename), "url": mask_id_numbers(row.item.url),
            "mime_type": row.item.mime_type, "size": row.record.size, "sha256": row.record.sha256,
            "verdict": row.verdict, "status": row.record.status, "note": row.record.note, "read_now": row.read_now,
            "findings": [f.model_dump(mode="json") for f in row.record.findings],
            "linking": [{**e.model_dump(mode="json"), "title": mask_id_numbers(e.title),
                         "link": mask_id_numbers(e.link)} for e in row.linking],
        })
    return {"summary": summary(result), "downloads": result.downloads, "remembered": result.remembered,
            "requests": result.requests, "other_types": result.other_types, "files": files}


def write_json(result: AuditResult) -> str:
    """The JSON report as text."""
    return json.dumps(as_json(result), ensure_ascii=False, indent=2)


def xlsx_rows(result: AuditResult) -> list[list[Any]]:
    """The XLSX's rows under :data:`XLSX_HEADERS`: one per ID number (found or possible) and
    per part not read; files with nothing to look at are left out."""
    rows: list[list[Any]] = []
    for row in result.rows:
        if row.verdict == "clean":
            continue
        base = [row.item.id, mask_id_numbers(row.item.filename), mask_id_numbers(row.item.url),
                _label(VERDICT_LABELS, row.verdict, "th")]
        linking = _linking(row)
        if row.record.status != "scanned":
            rows.append([*base, _label(STATUS_LABELS, row.record.status, "th"), "", "", "", linking, ""])
        for finding in row.record.findings:
            if finding.kind in ("phone", "email"):
                continue
            page = "" if finding.page is None else str(finding.page)
            rows.append([*base, _label(KIND_LABELS, finding.kind, "th"), finding.masked or finding.note or "", page,
                         finding.part or "", linking, ""])
    return [[index, *cells] for index, cells in enumerate(rows, 1)]


def write_xlsx(result: AuditResult, path: Path) -> None:
    """Write the committee's workbook to *path*.

    Args:
        result: the audit's result.
        path: the .xlsx file to write.

    Raises:
        OSError: the file cannot be written.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "ผลการตรวจไฟล์"
    sheet.append(list(XLSX_HEADERS))
    for cells in xlsx_rows(result):
        sheet.append([f"'{c}" if isinstance(c, str) and c.startswith(_FORMULA_START) else c for c in cells])
    for row in sheet.iter_rows():
        for cell in row:
            cell.font = Font(name="TH Sarabun New", size=14, bold=cell.row == 1)
            if cell.data_type == "f":
                cell.data_type = "s"
    for column, width in zip("ABCDEFGHIJK", (7, 9, 30, 45, 22, 22, 20, 12, 30, 40, 20), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"
    book.save(path)
