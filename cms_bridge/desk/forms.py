"""The desk's forms: the request memo in its order and words, and PR's record of a publication.

The fields are plain text as typed (Thai digits and Thai dates included); the library's request
model checks them, so the desk and a request file are held to the same rules.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from django import forms

from cms_bridge.channels import CHANNEL_LABELS, CHANNELS
from cms_bridge.errors import ThaiDateError
from cms_bridge.i18n import reason
from cms_bridge.intake.request import FIELD_LABELS
from cms_bridge.mappings import Mappings
from cms_bridge.thaidate import parse_thai_date, to_arabic_digits

if TYPE_CHECKING:
    from cms_bridge.desk.models import Profile

#: The memo's window choices in its words.
WINDOW_CHOICES = [
    ("permanent", "เผยแพร่แบบถาวร"),
    ("fiscal_year", "เผยแพร่แบบมีกำหนดระยะเวลา ตลอดปีงบประมาณ"),
    ("range", "เผยแพร่แบบมีกำหนดระยะเวลา ตั้งแต่วันที่… ถึงวันที่…"),
]


def safe_name(raw: str) -> str:
    """A plain file name from an uploaded one: no folders, no ``..``, no NUL or control characters."""
    name = unicodedata.normalize("NFC", raw).replace("\\", "/").split("/")[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip().lstrip(".").strip()
    if len(name) > 150:
        suffix = PurePosixPath(name).suffix[:10]
        name = name[:150 - len(suffix)] + suffix
    return name or "file"


def _text(required: bool = False, **kwargs: Any) -> forms.CharField:
    return forms.CharField(required=required, strip=True, **kwargs)


class RequestForm(forms.Form):
    """บันทึกข้อความ ขออนุญาตเผยแพร่ข้อมูลต่อสาธารณะ, field by field in the memo's order."""

    document_number = _text(label="ที่", help_text="เช่น ศธ ๐๔๒๔๑/๑๒๓")
    request_date = _text(label="วันที่", help_text="เช่น ๑ กันยายน ๒๕๖๙ หรือ 1/9/2569")
    requester_name = _text(label="ข้าพเจ้า")
    requester_position = _text(label="ตำแหน่ง")
    title = _text(label="เรื่อง", widget=forms.TextInput(attrs={"size": 60}))
    purpose = _text(label="เพื่อ")
    file_count = _text(label="จำนวน… ไฟล์", max_length=10)
    page_count = _text(label="จำนวน… แผ่น", max_length=10)
    channels = forms.MultipleChoiceField(label="ผ่านช่องทางเผยแพร่ คือ", required=False,
                                         choices=[(c, CHANNEL_LABELS[c]) for c in CHANNELS],
                                         widget=forms.CheckboxSelectMultiple)
    window_kind = forms.ChoiceField(label="โดยมีระยะเวลาในการเผยแพร่", choices=WINDOW_CHOICES,
                                    widget=forms.RadioSelect)
    fiscal_year = _text(label="ตลอดปีงบประมาณ", help_text="เช่น ๒๕๗๐", max_length=20)
    window_start = _text(label="ตั้งแต่วันที่")
    window_end = _text(label="ถึงวันที่")
    body = _text(label="รายละเอียดของเนื้อหา/ข่าวสาร", widget=forms.Textarea(attrs={"rows": 5}))
    source = _text(label="แหล่งที่มา")
    kind = forms.ChoiceField(label="ลักษณะ/ประเภทข้อมูล", required=False)

    def __init__(self, mappings: Mappings, profile: Profile, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kind_field = self.fields["kind"]
        assert isinstance(kind_field, forms.ChoiceField)
        kind_field.choices = [("", "— เลือก —")] + [(k.key, f"{k.number} {k.name}") for k in mappings.kinds.values()]
        self.profile = profile

    def label_of(self, name: str) -> str:
        """The memo's label of a field (or the attachments' box)."""
        if name in self.fields:
            return str(self.fields[name].label)
        return {"attachments": FIELD_LABELS["attachments"], "__all__": "คำขอ"}.get(name, name)


def _number(text: str) -> int | str | None:
    digits = to_arabic_digits(text).strip()
    if not digits:
        return None
    return int(digits) if digits.isdigit() else text


def request_data(cleaned: dict[str, Any], *, request_id: str, group: str, files: list[str]) -> dict[str, Any]:
    """The request's fields as a request file has them, from the form as typed; empty fields left out."""
    data: dict[str, Any] = {"request_id": request_id, "group": group}
    for key in ("document_number", "request_date", "title", "purpose", "body", "source", "kind"):
        if cleaned.get(key):
            data[key] = cleaned[key]
    requester = {k: cleaned[f"requester_{k}"] for k in ("name", "position") if cleaned.get(f"requester_{k}")}
    if requester:
        data["requester"] = requester
    for key in ("file_count", "page_count"):
        if (value := _number(cleaned.get(key) or "")) is not None:
            data[key] = value
    if cleaned.get("channels"):
        data["channels"] = list(cleaned["channels"])
    kind = cleaned.get("window_kind") or "permanent"
    if kind == "fiscal_year":
        year = re.sub(r"[^0-9]", "", to_arabic_digits(cleaned.get("fiscal_year") or ""))
        data["window"] = {"kind": "fiscal_year", **({"fiscal_year": int(year)} if year else {})}
    elif kind == "range":
        data["window"] = {"kind": "range", **{k: cleaned[f"window_{k}"] for k in ("start", "end")
                                             if cleaned.get(f"window_{k}")}}
    else:
        data["window"] = {"kind": "permanent"}
    if files:
        data["attachments"] = [{"path": name} for name in files]
    return data


def problem_field(path: str | None) -> str:
    """The form field a problem of the request model belongs beside."""
    if not path:
        return "attachments"
    head, _, rest = path.partition(".")
    if head == "requester":
        return f"requester_{rest.split('.')[0]}" if rest in ("name", "position") else "requester_name"
    if head == "window":
        return {"start": "window_start", "end": "window_end", "fiscal_year": "fiscal_year"}.get(rest, "window_kind")
    if head in ("attachments", "images", "id_number_acknowledgement"):
        return "attachments"
    return head


class RecordForm(forms.Form):
    """PR's record of a publication on social media or a notice board."""

    channel = forms.ChoiceField(label="ช่องทาง", choices=[(c, CHANNEL_LABELS[c]) for c in ("social", "board")])
    published_on = forms.CharField(label="วันที่เผยแพร่", help_text="เช่น ๒ ธันวาคม ๒๕๖๙")
    link = forms.CharField(label="ลิงก์หรือที่ติดประกาศ", required=False, max_length=500)
    title = forms.CharField(label="เรื่องที่เผยแพร่", max_length=2000)

    def clean_published_on(self) -> date:
        """A Thai or ISO date, as typed."""
        try:
            return parse_thai_date(self.cleaned_data["published_on"])
        except ThaiDateError as exc:
            raise forms.ValidationError(reason(str(exc), "th")) from None

    def clean_channel(self) -> str:
        """Only social media or a notice board: the website is the bridge's own."""
        value = str(self.cleaned_data["channel"])
        if value not in ("social", "board"):
            raise forms.ValidationError("เลือกได้เฉพาะสื่อสังคมออนไลน์หรือบอร์ด/ป้ายประชาสัมพันธ์")
        return value

    def label_of(self, name: str) -> str:
        """A field's label."""
        return str(self.fields[name].label) if name in self.fields else name
