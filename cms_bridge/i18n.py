"""The command line's words in English and Thai: one table of labels, one catalogue of messages.

The language is ``--lang`` when given, else the locale (``LC_ALL``, ``LC_MESSAGES``, ``LANG``:
``th_TH.UTF-8`` or any ``th*`` means Thai), else English. In Thai, dates are Buddhist Era with
Thai month names (``24 พ.ย. 2569 10:00``); in English they stay ISO (``2026-11-24 10:00``).

* :data:`STATE_LABELS` is the one table of labels for the states a request shows: its decision,
  what it should be (desired), what is on the site, and why it is held back. Every Thai word
  the CLI prints for a state comes from here.
* :data:`MESSAGES` holds the sentences the CLI itself writes, by key, in both languages;
  :func:`text` fills them in.
* :func:`problem_line` writes one intake problem; the library's most common reasons are
  translated (:data:`_REASONS_TH`), the others stay as the library words them, after the Thai
  label of the field.

This module imports only foundations (``thaidate``), so any front door may use it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, Literal

from cms_bridge.thaidate import OFFICE_TZ, format_thai_date

__all__ = ["LANGUAGES", "MESSAGES", "STATE_LABELS", "Lang", "choose_language", "detail", "label", "problem_line",
           "reason", "text", "when"]

Lang = Literal["en", "th"]
LANGUAGES: tuple[Lang, ...] = ("en", "th")

#: Every state a request shows in ``status`` and ``plan``: English, Thai.
STATE_LABELS: dict[str, tuple[str, str]] = {
    # the committee's decision
    "pending": ("pending", "รอพิจารณา"),
    "approved": ("approved", "อนุญาต"),
    "rejected": ("rejected", "ไม่อนุญาต"),
    "amended, awaiting approval": ("amended, awaiting approval", "แก้ไขแล้ว รออนุญาตใหม่"),
    "not recorded": ("not recorded", "ยังไม่ได้รับเข้า"),
    # what the request should be at the time asked (desired)
    "absent": ("absent", "ไม่แสดง"),
    "scheduled": ("scheduled", "ตั้งเวลาเผยแพร่"),
    "published": ("published", "เผยแพร่แล้ว"),
    "withdrawn": ("withdrawn", "ถอนออกแล้ว"),
    # what was last done on the site (the ledger's publication state)
    "failed": ("failed", "ไม่สำเร็จ"),
    "not on the site": ("not on the site", "ยังไม่อยู่บนเว็บไซต์"),
    # held back
    "blocked": ("blocked", "ถูกระงับ"),
    "invalid": ("invalid", "ข้อมูลไม่ถูกต้อง"),
    # actions of a plan or a sync
    "create": ("create", "สร้างโพสต์"),
    "update": ("update", "ปรับปรุงโพสต์"),
    "publish": ("publish", "เผยแพร่"),
    "wait": ("nothing on the site yet", "ยังไม่ขึ้นเว็บไซต์"),
    "withdraw": ("withdraw", "ถอนออก"),
    "remove_files": ("remove files", "นำไฟล์ออกจากเว็บไซต์"),
    "drift": ("drift", "มีผู้แก้ไขบนเว็บไซต์"),
    # problems
    "error": ("error", "ข้อผิดพลาด"),
    "warning": ("warning", "คำเตือน"),
}

#: The CLI's own sentences, by key: (English, Thai), with ``str.format`` fields.
MESSAGES: dict[str, tuple[str, str]] = {
    "error": ("cms-bridge: error: {message}", "cms-bridge: ข้อผิดพลาด: {message}"),
    "interrupted": ("cms-bridge: interrupted", "cms-bridge: ถูกขัดจังหวะ"),
    "row": ("row {row}", "แถว {row}"),
    "validate.summary": ("{valid} valid request(s), {errors} error(s), {warnings} warning(s)",
                         "คำขอที่ถูกต้อง {valid} รายการ ข้อผิดพลาด {errors} รายการ คำเตือน {warnings} รายการ"),
    "status.row": ("{id:<24} {decision:<9} should be {desired:<10} is {state:<17} next {when:<16} {url}",
                   "{id:<24} {decision} ควรเป็น {desired} บนเว็บไซต์ {state} เปลี่ยนครั้งถัดไป {when} {url}"),
    "status.held": ("{id:<24} {held}: {source}", "{id:<24} {held}: {source}"),
    "status.held_recorded": ("    {held}:", "    {held}:"),
    "status.held_newer": ("    {held}: its newest version, {source}:", "    {held}: ฉบับล่าสุด {source}:"),
    "status.reason": ("      {reason}", "      {reason}"),
    "status.none": ("no requests in the ledger", "ยังไม่มีคำขอในบัญชีคุม"),
    "plan.nothing": ("nothing to do as of {when}", "ไม่มีอะไรต้องทำ ณ {when}"),
    "plan.action": ("{mark}{id}: {kind} ({detail})", "{mark}{id}: {kind} ({detail})"),
    "plan.failed_mark": ("FAILED ", "ไม่สำเร็จ "),
    "plan.post": (" -> post {post}", " -> โพสต์ {post}"),
    "plan.summary": ("{n} action(s) {verb} run, {failed} failed", "{n} รายการ{verb} ไม่สำเร็จ {failed} รายการ"),
    "plan.would": ("would", "ที่จะทำ"),
    "plan.did": ("did", "ที่ทำแล้ว"),
    "plan.held": ("{n} request(s) held back, not on the site until fixed:",
                  "คำขอ {n} รายการถูกระงับ จะไม่ขึ้นเว็บไซต์จนกว่าจะแก้ไข:"),
    "template.written": ("wrote {path}: fill one row per request (row 2 is an example: replace it)",
                         "เขียน {path} แล้ว: กรอกคำขอหนึ่งแถวต่อหนึ่งคำขอ (แถวที่ 2 เป็นตัวอย่าง: แทนที่ด้วยคำขอจริง)"),
    "ledger.no_config": (
        "no configuration: the ledger's place is not set, and cms-bridge does not create a ledger in "
        "the current folder by accident. Give --config FILE, set CMS_BRIDGE_CONFIG=FILE, or put "
        "cms-bridge.toml here, with [sync] ledger = \"/path/to/ledger.sqlite3\" (or set "
        "CMS_BRIDGE_SYNC_LEDGER); for the local test site: eval \"$(scripts/wordpress-local env)\"",
        "ไม่พบการตั้งค่า: ยังไม่ได้กำหนดที่เก็บบัญชีคุม (ledger) และ cms-bridge จะไม่สร้างบัญชีคุมในโฟลเดอร์ปัจจุบันเอง "
        "ให้ระบุ --config FILE หรือตั้ง CMS_BRIDGE_CONFIG=FILE หรือวาง cms-bridge.toml ไว้ที่นี่ โดยมี "
        "[sync] ledger = \"/path/to/ledger.sqlite3\" (หรือตั้ง CMS_BRIDGE_SYNC_LEDGER) สำหรับเว็บทดสอบในเครื่อง: "
        "eval \"$(scripts/wordpress-local env)\""),
    "ledger.no_path": (
        "{source}: no [sync] ledger: set ledger = \"/path/to/ledger.sqlite3\" in its [sync] table (or "
        "CMS_BRIDGE_SYNC_LEDGER); cms-bridge does not create a ledger in the current folder by accident",
        "{source}: ไม่มี [sync] ledger: ให้ใส่ ledger = \"/path/to/ledger.sqlite3\" ในตาราง [sync] (หรือตั้ง "
        "CMS_BRIDGE_SYNC_LEDGER) cms-bridge จะไม่สร้างบัญชีคุมในโฟลเดอร์ปัจจุบันเอง"),
    "ledger.found_here": (" (there is a ledger {path} here: to keep using it, set ledger = \"{absolute}\")",
                          " (มีบัญชีคุม {path} อยู่ที่นี่: หากจะใช้ต่อ ให้ตั้ง ledger = \"{absolute}\")"),
    "decide.unknown": ("no request {id} in the ledger; run sync or validate first",
                       "ไม่มีคำขอ {id} ในบัญชีคุม ให้รัน sync หรือ validate ก่อน"),
}

# The library's most common reasons for an intake problem, in Thai (exact text, or a prefix).
_REASONS_TH: dict[str, str] = {
    "required, but missing": "ต้องกรอก แต่ยังไม่ได้กรอก",
    "no such file or folder": "ไม่มีไฟล์หรือโฟลเดอร์นี้",
    "no header row": "ไม่มีแถวหัวตาราง",
    "not a field of a request (check the spelling against docs/request-format.md)":
        "ไม่ใช่ช่องของคำขอ (ตรวจการสะกดกับ docs/request-format.md)",
    "the template's example row: skipped (delete it, or give it a request id of its own)":
        "แถวตัวอย่างของแบบฟอร์ม: ข้ามไป (ลบแถวนี้ หรือให้รหัสคำขอของตนเอง)",
}
_REASON_PATTERNS_TH: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^([^:]+): no such file \((.*)\)$"), r"\1: ไม่มีไฟล์นี้ (\2)"),
    # errors a command line commonly meets (printed after "cms-bridge: ข้อผิดพลาด:")
    (re.compile(r"^(.*): cannot read the config file: (.*)$"), r"\1: อ่านไฟล์การตั้งค่าไม่ได้: \2"),
    (re.compile(r"^(.*): no WordPress site configured: .*$"),
     r"\1: ยังไม่ได้ตั้งค่าเว็บไซต์ WordPress: ให้เพิ่มตาราง [site] (url, username) หรือตั้ง CMS_BRIDGE_SITE_URL "
     r"และ CMS_BRIDGE_SITE_USERNAME"),
    (re.compile(r"^another sync is running \(pid (\w+)\); wait for it to finish$"),
     r"มี sync อื่นกำลังทำงานอยู่ (pid \1) รอให้เสร็จก่อน"),
    (re.compile(r"^argument --fiscal-year: (\d+) looks like a Christian Era \(CE\) year; .*did you mean (\d+)\?(.*)$"),
     r"--fiscal-year: \1 ดูเหมือนปี ค.ศ. ปีในคำสั่งนี้เป็นปี พ.ศ.: หมายถึง \2 หรือไม่?\3"),
    (re.compile(r"^([^:]+): the file is empty \(0 bytes\)$"), r"\1: ไฟล์ว่างเปล่า (0 ไบต์)"),
    (re.compile(r"^cell (\w+) holds the number (\S+), read as the text (.+?);.*$"),
     r"ช่อง \1 เป็นตัวเลข \2 ใน Excel อ่านเป็นข้อความ \3 หากพิมพ์ไว้ต่างจากนี้ (เช่น 1.10 หรือมี 0 นำหน้า) "
     r"ให้ตั้งรูปแบบคอลัมน์เป็นข้อความ (Text) แล้วพิมพ์ใหม่"),
)


def choose_language(explicit: str | None = None, environ: Mapping[str, str] | None = None) -> Lang:
    """The language to speak: *explicit* (``--lang``), else the locale, else English.

    Args:
        explicit: ``"th"`` or ``"en"``, or ``None``.
        environ: the environment to read the locale from (default ``os.environ``).
    """
    if explicit in LANGUAGES:
        return "th" if explicit == "th" else "en"
    env = os.environ if environ is None else environ
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name)
        if value:
            return "th" if value.lower().startswith("th") else "en"
    return "en"


def label(state: str, lang: Lang) -> str:
    """The label of a state (decision, desired, on the site, held, action) in *lang*."""
    pair = STATE_LABELS.get(state)
    return state if pair is None else pair[lang == "th"]


def text(key: str, lang: Lang, **fields: Any) -> str:
    """The CLI's sentence *key* in *lang*, filled in with *fields*."""
    return MESSAGES[key][lang == "th"].format(**fields)


def when(moment: datetime | None, lang: Lang) -> str:
    """A time as the office reads it: ``24 พ.ย. 2569 10:00`` in Thai, ``2026-11-24 10:00`` in English."""
    if moment is None:
        return "-"
    local = moment.astimezone(OFFICE_TZ)
    if lang == "th":
        return f"{format_thai_date(local, month='abbr')} {local:%H:%M}"
    return f"{local:%Y-%m-%d %H:%M}"


def reason(message: str, lang: Lang) -> str:
    """A library's reason in *lang* (Thai when it is one of the common ones; else as it is)."""
    if lang != "th":
        return message
    if message in _REASONS_TH:
        return _REASONS_TH[message]
    for pattern, thai in _REASON_PATTERNS_TH:
        if pattern.match(message):
            return pattern.sub(thai, message)
    return message


# A plan's or a sync's action details (cms_bridge/publishing/reconciler.py), in Thai.
_DETAILS_TH: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^held back by the publish gate$"), "ระงับไว้ ไม่ผ่านการตรวจก่อนเผยแพร่ (publish gate)"),
    (re.compile(r"^skipped this pass: it cannot be planned$"), "ข้ามรอบนี้: วางแผนไม่ได้"),
    (re.compile(r"^amended request$"), "คำขอที่แก้ไขแล้ว"),
    (re.compile(r"^adopt post found by key$"), "รับโพสต์ที่พบจากคีย์มาดูแล"),
    (re.compile(r"^upload again: "), "อัปโหลดใหม่: "),
    (re.compile(r"^take superseded file\(s\) off their public address: "), "นำไฟล์ฉบับเดิมออกจากเว็บไซต์: "),
    (re.compile(r"^take withdrawn file\(s\) off their public address: "), "นำไฟล์ที่ถอนแล้วออกจากเว็บไซต์: "),
    (re.compile(r"^take scheduled file\(s\) off their public address: "),
     "นำไฟล์ที่ยังไม่ถึงเวลาเผยแพร่ออกจากเว็บไซต์: "),
    (re.compile(r"^scheduled for (?=\d{4}-)"), "ตั้งเวลาเผยแพร่ "),
    (re.compile(r"^restore: "), "คืนค่า: "),
    (re.compile(r"^for (?=\d{4}-)"), "สำหรับ "),
    (re.compile(r"^(published|scheduled) at "), "{state} เมื่อ "),
)
_ISO_MINUTE = re.compile(r"(\d{4})-(\d{2})-(\d{2}) (\d{2}:\d{2})")


def detail(message: str, lang: Lang) -> str:
    """An action's detail in *lang*: its common forms in Thai, every date as a BE date."""
    if lang != "th":
        return message
    for pattern, thai in _DETAILS_TH:
        found = pattern.match(message)
        if found:
            replacement = thai.format(state=label(found[1], lang)) if "{state}" in thai else thai
            message = replacement + message[found.end():]
            break

    def be(match: re.Match[str]) -> str:
        day = date(int(match[1]), int(match[2]), int(match[3]))
        return f"{format_thai_date(day, month='abbr')} {match[4]}"

    return _ISO_MINUTE.sub(be, message)


def problem_line(problem: Any, lang: Lang) -> str:
    """One intake problem (``file, row N: field (label): error: reason``) in *lang*.

    Args:
        problem: a :class:`cms_bridge.intake.inbox.Problem` (any object with its attributes).
        lang: the language.
    """
    if lang != "th":
        return str(problem)
    where = problem.file + (f", {text('row', lang, row=problem.row)}" if problem.row is not None else "")
    if problem.field:
        where += f": {problem.label} ({problem.field})" if problem.label else f": {problem.field}"
    return f"{where}: {label(problem.severity, lang)}: {reason(problem.message, lang)}"
