"""The command line's words in English and Thai: one table of labels, one catalogue of messages.

The language is ``--lang`` when given, else the locale (``LC_ALL``, ``LC_MESSAGES``, ``LANG``:
``th_TH.UTF-8`` or any ``th*`` means Thai), else English. In Thai, dates are Buddhist Era with
Thai month names (``24 พ.ย. 2569 10:00``); in English they stay ISO (``2026-11-24 10:00``).

* :data:`STATE_LABELS` is the one table of labels for the states a request shows: its decision,
  what it should be (desired), what is on the site, and why it is held back. Every Thai word
  the CLI prints for a state comes from here.
* :data:`MESSAGES` (the one catalogue, kept in :mod:`cms_bridge.messages` so that every module,
  ``thaidate`` included, can say its sentences) holds the CLI's sentences and the library's
  (validation problems, dates, windows, requests, tables, the gate, decisions) by id, in both
  languages; :func:`text` fills in the CLI's.
* :func:`reason` says a library sentence in Thai: one said with ``say()`` is found by its
  English text (also after a file, field or line was put before it), and the gate's sentences,
  which it writes as plain text, by their English form. Dates in its fields are said in the
  Buddhist Era. What the catalogue does not hold stays as the library worded it.
* :func:`problem_line` writes one intake problem, after the Thai label of the field.

This module imports only ``messages`` and ``thaidate``, so any front door may use it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, Literal

from cms_bridge.messages import MESSAGES, Said, find_said, say
from cms_bridge.thaidate import OFFICE_TZ, format_thai_date

__all__ = ["LANGUAGES", "MESSAGES", "STATE_LABELS", "Lang", "Said", "choose_language", "detail", "label",
           "problem_line", "reason", "say", "text", "thai", "when"]

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


_REASON_PATTERNS_TH: tuple[tuple[re.Pattern[str], str], ...] = (
    # errors a command line commonly meets (printed after "cms-bridge: ข้อผิดพลาด:")
    (re.compile(r"^(.*): cannot read the config file: (.*)$"), r"\1: อ่านไฟล์การตั้งค่าไม่ได้: \2"),
    (re.compile(r"^(.*): no WordPress site configured: .*$"),
     r"\1: ยังไม่ได้ตั้งค่าเว็บไซต์ WordPress: ให้เพิ่มตาราง [site] (url, username) หรือตั้ง CMS_BRIDGE_SITE_URL "
     r"และ CMS_BRIDGE_SITE_USERNAME"),
    (re.compile(r"^another sync is running \(pid (\w+)\); wait for it to finish$"),
     r"มี sync อื่นกำลังทำงานอยู่ (pid \1) รอให้เสร็จก่อน"),
    (re.compile(r"^argument --fiscal-year: (\d+) looks like a Christian Era \(CE\) year; .*did you mean (\d+)\?(.*)$"),
     r"--fiscal-year: \1 ดูเหมือนปี ค.ศ. ปีในคำสั่งนี้เป็นปี พ.ศ.: หมายถึง \2 หรือไม่?\3"),
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


def thai(said: Said) -> str:
    """*said* in Thai: dates in its fields in the Buddhist Era, the sentences in it in Thai."""
    return MESSAGES[said.key][1].format(**{name: _thai_value(value) for name, value in said.fields.items()})


def _thai_value(value: Any) -> Any:
    if isinstance(value, Said):
        return thai(value)
    if isinstance(value, list):
        return "; ".join(_said_thai(str(item)) or str(item) for item in value)
    if isinstance(value, date):
        return format_thai_date(value, month="abbr")
    return value


#: Ids of sentences other code writes as plain text (modules this one's users may not change):
#: found by matching their English form, each field said in Thai when it is itself a sentence.
_MATCHED = ("gate.",)
_PATTERNS: list[tuple[re.Pattern[str], str]] = []


def _patterns() -> list[tuple[re.Pattern[str], str]]:
    if not _PATTERNS:
        for key, (english, _thai) in MESSAGES.items():
            if key.startswith(_MATCHED):
                parts = re.split(r"\{(\w+)[^}]*\}", english)
                regex = "".join(re.escape(part) if n % 2 == 0 else f"(?P<{part}>.+?)" for n, part in enumerate(parts))
                _PATTERNS.append((re.compile(regex + r"\Z", re.S), key))
    return _PATTERNS


def _matched_thai(message: str) -> str | None:
    for pattern, key in _patterns():
        found = pattern.match(message)
        if found:
            fields = {name: _said_thai(value) or value for name, value in found.groupdict().items()}
            if key == "gate.held":
                fields["reasons"] = "; ".join(_said_thai(r) or r for r in found["reasons"].split("; "))
            return MESSAGES[key][1].format(**fields)
    return None


def _said_thai(message: str) -> str | None:
    """*message* in Thai when it is, or ends with, a sentence of the catalogue; None if not."""
    found = message if isinstance(message, Said) else find_said(message)
    if found is not None:
        return thai(found)
    if (matched := _matched_thai(message)) is not None:
        return matched
    # "<file>: <field>: <sentence>": the place stays as written, the sentence is said in Thai.
    start = message.find(": ")
    while start != -1:
        tail = find_said(message[start + 2:])
        if tail is not None:
            return message[:start + 2] + thai(tail)
        if (matched := _matched_thai(message[start + 2:])) is not None:
            return message[:start + 2] + matched
        start = message.find(": ", start + 2)
    return None


def reason(message: str, lang: Lang) -> str:
    """A library's reason in *lang*: a sentence of the catalogue in Thai, else as the library worded it.

    Args:
        message: the reason, as ``str()`` of the problem or error gives it.
        lang: the language.
    """
    if lang != "th":
        return message
    if "\n" in message and find_said(message) is None:
        # Several problems, one a line (an invalid configuration): each line said on its own.
        return "\n".join(reason(line, lang) for line in message.split("\n"))
    said = _said_thai(message)
    if said is not None:
        return said
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
