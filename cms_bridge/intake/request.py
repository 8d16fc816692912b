"""The publication request: the memo "ขออนุญาตเผยแพร่ข้อมูลต่อสาธารณะ" as a validated model.

One :class:`PublicationRequest` holds every field of the seed's request form plus what the
bridge needs around it (an ASCII id used as the post's slug, attachment references, an optional
acknowledgement that a document may carry national ID numbers). Validation is strict because a
request is the only thing that decides what appears on a public government site:

* text is NFC-normalised and stripped; control characters are refused (``body`` may keep
  newlines and tabs). HTML in a title stays literal text: escaping is the renderer's job;
* ``group`` and ``kind`` are stored as mapping keys; a Thai name is accepted and resolved when a
  :class:`~cms_bridge.mappings.Mappings` is passed as validation context::

      PublicationRequest.model_validate(data, context={"mappings": load_mappings()})

* nothing counts as approved without who approved it and when (seed §2.2).
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Mapping
from datetime import datetime
from pathlib import PurePosixPath
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_serializer,
    field_validator,
    model_validator,
)

from cms_bridge.channels import CHANNEL_LABELS, Channel
from cms_bridge.errors import RequestError, UnknownMappingError
from cms_bridge.i18n import label
from cms_bridge.messages import say
from cms_bridge.mappings import Mappings
from cms_bridge.thaidate import OFFICE_TZ, ThaiDate, ThaiNumber
from cms_bridge.windows import Window

__all__ = [
    "CHANNEL_LABELS",
    "DECISION_LABELS",
    "FIELD_LABELS",
    "Attachment",
    "Channel",
    "Decision",
    "Endorsement",
    "HandCheck",
    "IdNumberAcknowledgement",
    "Person",
    "PublicationRequest",
    "RequestError",
]

IMAGE_EXTENSIONS = frozenset({".jpg", ".jpeg", ".png"})

# Labels as printed on the request form, so `cms-bridge validate` can name a field in the words
# the requester saw; fields the form has no box for get a plain Thai description.
FIELD_LABELS: dict[str, str] = {
    "request_id": "รหัสคำขอ",
    "document_number": "ที่",
    "request_date": "วันที่",
    "requester": "ข้าพเจ้า… ตำแหน่ง…",
    "requester.name": "ข้าพเจ้า",
    "requester.position": "ตำแหน่ง",
    "group": "กลุ่ม/หน่วย",
    "title": "เรื่อง",
    "purpose": "เพื่อ",
    "kind": "ลักษณะ/ประเภทข้อมูล",
    "file_count": "จำนวน… ไฟล์",
    "page_count": "จำนวน… แผ่น",
    "channels": "ช่องทางเผยแพร่",
    "window": "ระยะเวลาในการเผยแพร่",
    "attachments": "เอกสารหรือไฟล์อิเล็กทรอนิกส์ที่แนบมา",
    "body": "รายละเอียดของเนื้อหา/ข่าวสาร",
    "source": "แหล่งที่มา",
    "images": "ภาพกิจกรรม",
    "endorsement": "ผู้อำนวยการกลุ่ม (ลงชื่อ)",
    "endorsement.name": "ลงชื่อ",
    "endorsement.position": "ตำแหน่ง ผู้อำนวยการกลุ่ม",
    "endorsement.date": "วันที่",
    "decision": "คำสั่ง",
    "decision.status": "อนุญาต/ไม่อนุญาตให้เผยแพร่",
    "decision.by": "ลงชื่อ",
    "decision.position": "ตำแหน่ง",
    "decision.at": "วันเวลาที่สั่ง",
    "decision.note": "หมายเหตุ",
    "id_number_acknowledgement": "รับทราบว่ามีเลขประจำตัวประชาชน",
    "checked_by_hand": "ตรวจด้วยตาแล้วว่าไม่มีเลขประจำตัวประชาชน",
}

_LINE_BREAKS_AND_CONTROLS = ("Cc", "Zl", "Zp")
_KEY = re.compile(r"[a-z][a-z0-9_]*")
#: A request's id: it becomes the post's web address (``pr-<request_id>``).
_REQUEST_ID = re.compile(r"^[a-z0-9][a-z0-9-]{2,63}$")


def _normalise(value: object, *, multiline: bool) -> object:
    if not isinstance(value, str):
        return value
    text = unicodedata.normalize("NFC", value).strip()
    allowed = "\n\t" if multiline else ""
    if multiline:
        # Windows line endings from pasted Word text are not a different body.
        text = text.replace("\r\n", "\n")
    for ch in text:
        if unicodedata.category(ch) in _LINE_BREAKS_AND_CONTROLS and ch not in allowed:
            raise ValueError(say("request.control_character", code=f"{ord(ch):04X}"))
    return text


def _empty_to_none(value: object) -> object:
    return None if isinstance(value, str) and not value.strip() else value


Line = Annotated[str, BeforeValidator(lambda v: _normalise(v, multiline=False)), Field(min_length=1)]
"""One line of text: NFC, stripped, no control characters, not empty."""
OptionalLine = Annotated[Line | None, BeforeValidator(_empty_to_none)]
MultilineText = Annotated[
    str | None, BeforeValidator(lambda v: _normalise(v, multiline=True)), BeforeValidator(_empty_to_none)
]


OfficeDate = ThaiDate

#: WordPress 6.1 keeps a post's title, and a media item's (an attachment's ``title``), in
#: ``wp_posts.post_title``, a MySQL TEXT column: at most 65,535 bytes. ``wpdb`` refuses a longer
#: value rather than cut it ("Could not insert post into the database", ``db_insert_error``), so
#: such a request would fail on every sync. What counts is the title as the bridge sends it:
#: UTF-8 (a Thai character is 3 bytes) after ``< > & " ' [ ]`` are written as entities.
WP_TITLE_MAX_BYTES = 65_535
#: Bytes of one Thai character in UTF-8 (U+0E00-U+0E7F).
THAI_CHAR_BYTES = 3
# The entities cms_bridge.publishing.post_body.inert_text writes (a unit test keeps them equal).
_ENTITY_BYTES = {"&": 5, "<": 4, ">": 4, '"': 6, "'": 6, "[": 5, "]": 5}


def stored_title_bytes(text: str) -> int:
    """How many bytes *text* takes in WordPress's ``post_title`` once the bridge made it inert."""
    return sum(_ENTITY_BYTES.get(ch) or len(ch.encode("utf-8")) for ch in text)


def _fits_wordpress_title(value: str) -> str:
    size = stored_title_bytes(value)
    if size > WP_TITLE_MAX_BYTES:
        raise ValueError(say("request.title_too_long", max_bytes=WP_TITLE_MAX_BYTES,
                             max_chars=WP_TITLE_MAX_BYTES // THAI_CHAR_BYTES, chars=len(value), size=size,
                             shorten=-(-(size - WP_TITLE_MAX_BYTES) // THAI_CHAR_BYTES)))
    return value


WordPressTitle = Annotated[Line, AfterValidator(_fits_wordpress_title)]
"""A :data:`Line` WordPress can store as a post or media title (see :data:`WP_TITLE_MAX_BYTES`)."""
OptionalWordPressTitle = Annotated[WordPressTitle | None, BeforeValidator(_empty_to_none)]


def _check_relative_path(value: str) -> str:
    # Requests are written on Windows too: a backslash is a folder separator there.
    posix = value.replace("\\", "/")
    if posix.startswith("/") or re.match(r"[A-Za-z]:", posix):
        raise ValueError(say("request.path_absolute", path=value))
    parts = PurePosixPath(posix).parts
    if ".." in parts:
        raise ValueError(say("request.path_parent", path=value))
    if not parts or parts == (".",):
        raise ValueError(say("request.path_empty", path=value))
    return str(PurePosixPath(*parts))


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Person(_Model):
    """Someone named on the form: requester (ข้าพเจ้า… ตำแหน่ง…)."""

    name: Line
    position: Line


class Endorsement(_Model):
    """The group director's signature under the request (ผู้อำนวยการกลุ่ม)."""

    name: Line
    position: Line
    date: OfficeDate


class Attachment(_Model):
    """A file sent with the request, by path relative to the folder of the request file."""

    path: Annotated[Line, AfterValidator(_check_relative_path)]
    title: OptionalWordPressTitle = None


#: The form's words for each decision (คำสั่ง), accepted wherever a decision's status is given.
DECISION_LABELS: dict[str, str] = {
    "pending": "รอพิจารณา",
    "approved": "อนุญาต",
    "rejected": "ไม่อนุญาต",
}
_DECISION_WORDS = {**{label: key for key, label in DECISION_LABELS.items()},
                   "อนุญาตให้เผยแพร่": "approved", "ไม่อนุญาตให้เผยแพร่": "rejected"}


def _thai_decision(value: object) -> object:
    if isinstance(value, str):
        text = "".join(unicodedata.normalize("NFC", value).split())
        return _DECISION_WORDS.get(text, value.strip().lower())
    return value


class Decision(_Model):
    """The committee's order (คำสั่ง): pending until someone approves or rejects, at a known time."""

    status: Annotated[Literal["pending", "approved", "rejected"], BeforeValidator(_thai_decision)] = "pending"
    by: OptionalLine = None
    position: OptionalLine = None
    at: AwareDatetime | None = None
    note: MultilineText = None

    @model_validator(mode="after")
    def _who_and_when(self) -> Decision:
        if self.status != "pending" and (self.by is None or self.at is None):
            missing = " and ".join(name for name in ("by", "at") if getattr(self, name) is None)
            raise ValueError(say("request.decision_who_when", status_en=self.status, status_th=label(self.status, "th"),
                                 missing=missing))
        if self.status == "pending" and self.at is not None:
            raise ValueError(say("request.pending_with_time"))
        return self


class IdNumberAcknowledgement(_Model):
    """A person's explicit statement that publishing national ID numbers here is intended."""

    by: Line
    reason: Line


class HandCheck(_Model):
    """A person's statement that they looked at a file the ID scan cannot read -- a picture, a
    scanned page without a text layer, an archive -- and that it carries no national ID number.

    Without one, such a file keeps its request off the site: the scan cannot vouch for it.
    """

    path: Annotated[Line, AfterValidator(_check_relative_path)]
    by: Line
    note: OptionalLine = None


class PublicationRequest(_Model):
    """A request to publish information (บันทึกข้อความ ขออนุญาตเผยแพร่ข้อมูลต่อสาธารณะ).

    Attributes:
        request_id: unique ASCII id, later the post's slug, e.g. ``pr-2567-0042``.
        document_number: the memo's number, e.g. ``ศธ 04241/123``.
        request_date: the memo's date.
        requester: who asks (ข้าพเจ้า… ตำแหน่ง…).
        group: mapping key of the requesting group/unit.
        title: เรื่อง; kept literally (HTML is escaped when rendered, not removed here).
        purpose: เพื่อ.
        kind: mapping key of the information kind (seed §1).
        file_count, page_count: the numbers written on the form, when given.
        channels: where to publish; at least one of ``website``, ``social``, ``board``.
        window: when it is visible (permanent, one fiscal year, or a date range).
        attachments: files to publish, relative to the request file's folder.
        body: summary text of the post.
        source: attribution to show with the content (seed §2.5).
        images: photos for activity news (seed §4.2).
        endorsement: the group director's signature.
        decision: the committee's order.
        id_number_acknowledgement: lifts the national-ID block (see ``cms_bridge.intake.idguard``).
        checked_by_hand: files a person looked at because the scan cannot read them (pictures,
            scanned pages, archives); each must be one of the request's attachments or images.
    """

    # Checked by _request_id_shape, so a clerk reads a sentence rather than the regex; the
    # schema still carries the pattern.
    request_id: str = Field(json_schema_extra={"pattern": _REQUEST_ID.pattern})
    document_number: OptionalLine = None
    request_date: OfficeDate
    requester: Person
    group: Line
    title: WordPressTitle
    # The post's excerpt: wp_posts.post_excerpt is TEXT too, so the title's limit holds.
    purpose: WordPressTitle
    kind: Line
    file_count: ThaiNumber | None = Field(default=None, ge=0)
    page_count: ThaiNumber | None = Field(default=None, ge=0)
    channels: frozenset[Channel] = Field(min_length=1)
    window: Window
    attachments: tuple[Attachment, ...] = ()
    body: MultilineText = None
    source: OptionalLine = None
    images: tuple[Attachment, ...] = ()
    endorsement: Endorsement | None = None
    decision: Decision = Field(default_factory=Decision)
    id_number_acknowledgement: IdNumberAcknowledgement | None = None
    checked_by_hand: tuple[HandCheck, ...] = ()

    @field_validator("request_id")
    @classmethod
    def _request_id_shape(cls, value: str) -> str:
        if not _REQUEST_ID.fullmatch(value):  # fullmatch: "$" alone lets a final newline through
            raise ValueError(say("request.id_shape", value=value))
        return value

    @field_validator("channels", mode="before")
    @classmethod
    def _thai_channel_names(cls, value: Any) -> Any:
        # The form's own words are accepted so a request can be typed straight from the paper.
        by_label = {label: key for key, label in CHANNEL_LABELS.items()}
        if isinstance(value, str):
            value = [value]
        if isinstance(value, (list, tuple, set, frozenset)):
            return [by_label.get(str(_normalise(v, multiline=False)), v) if isinstance(v, str) else v for v in value]
        return value

    @field_validator("group", "kind")
    @classmethod
    def _mapping_key(cls, value: str, info: ValidationInfo) -> str:
        mappings = (info.context or {}).get("mappings")
        if isinstance(mappings, Mappings):
            lookup = mappings.group if info.field_name == "group" else mappings.kind
            try:
                return lookup(value).key
            except UnknownMappingError as exc:
                raise ValueError(str(exc)) from None
        if not _KEY.fullmatch(value):
            raise ValueError(say("request.not_a_key", field=info.field_name, value=value))
        return value

    @field_validator("images")
    @classmethod
    def _images_are_images(cls, value: tuple[Attachment, ...]) -> tuple[Attachment, ...]:
        for image in value:
            if PurePosixPath(image.path).suffix.lower() not in IMAGE_EXTENSIONS:
                raise ValueError(say("request.image_type", path=image.path))
        return value

    @model_validator(mode="after")
    def _consistent(self) -> PublicationRequest:
        paths = [ref.path for ref in (*self.attachments, *self.images)]
        duplicates = sorted({p for p in paths if paths.count(p) > 1})
        if duplicates:
            raise ValueError(say("request.listed_twice", paths=", ".join(duplicates)))
        if strays := [check.path for check in self.checked_by_hand if check.path not in paths]:
            raise ValueError(say("request.checked_stray", paths=", ".join(strays)))
        if self.file_count is not None and self.file_count != len(paths):
            raise ValueError(say("request.file_count", said=self.file_count, attached=len(paths)))
        if self.endorsement is not None and self.endorsement.date < self.request_date:
            raise ValueError(say("request.endorsed_early", endorsed=self.endorsement.date, requested=self.request_date))
        if self.decision.at is not None and self.decision.at.astimezone(OFFICE_TZ).date() < self.request_date:
            raise ValueError(say("request.decided_early", decided_en=self.decision.at.isoformat(),
                                 decided_th=self.decision.at.astimezone(OFFICE_TZ).date(),
                                 requested=self.request_date))
        return self

    @field_serializer("channels")
    def _channels_in_order(self, value: frozenset[str]) -> list[str]:
        # A set has no order of its own; a fixed one keeps dumps and hashes reproducible.
        return sorted(value)

    @property
    def post_key(self) -> str:
        """The idempotency key of this request's post on the site (also its slug)."""
        return f"pr-{self.request_id}"

    @property
    def is_approved(self) -> bool:
        """True when the committee's decision is ``approved`` (with who and when, by validation)."""
        return self.decision.status == "approved"

    def approval_time(self) -> datetime:
        """Return when the request was approved.

        Raises:
            RequestError: the request is pending or rejected; there is deliberately no ``None``
                answer, so a caller cannot treat "no approval" as "no constraint".
        """
        if not self.is_approved or self.decision.at is None:
            raise RequestError(say("request.not_approved", id=self.request_id, status_en=self.decision.status,
                                   status_th=label(self.decision.status, "th")))
        return self.decision.at

    def version_hash(self, files: Mapping[str, str] | None = None) -> str:
        """Return a sha256 hex digest of the request's content, the decision left out.

        Any amendment of what would be published (title, window, attachments, …) changes it; a
        decision does not, so the ledger can tell "approved version" from "amended since". Fields
        left at their empty default are omitted, so adding a new optional field to the model does
        not change the hash of existing requests.

        Args:
            files: the sha256 of each attachment and image, by the path the request names it
                with. A version binds them: the same file name with other bytes is another
                version, which needs its own approval.
        """
        content = self.model_dump(mode="json", exclude={"decision"})
        content = {k: v for k, v in content.items() if v not in (None, [], {})}
        if files:
            content["files"] = dict(sorted(files.items()))
        canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
