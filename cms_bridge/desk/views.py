"""The desk's pages. Every view checks the account's role and group here, on the server.

Data comes only from the :class:`~cms_bridge.bridge.Bridge` and its ledger; a page never keeps
a request of its own. Text reaches the page through Django templates (auto-escaped).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import wraps
from pathlib import Path
from typing import Any, Concatenate, ParamSpec

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from cms_bridge.i18n import reason
from cms_bridge.bridge import Bridge
from cms_bridge.channels import CHANNEL_LABELS, CHANNELS
from cms_bridge.desk.forms import RecordForm, RequestForm, problem_field, request_data, safe_name
from cms_bridge.desk.models import Profile
from cms_bridge.desk.roles import GROUP_ROLES, ROLES
from cms_bridge.desk.setup import current_cms, current_config
from cms_bridge.intake.idguard import mask_id_numbers
from cms_bridge.errors import AttachmentError, CmsBridgeError, IntakeError, RequestIdTakenError, SiteError
from cms_bridge.ledger.store import RecordOutcome
from cms_bridge.intake.attachments import MEDIA_TYPES
from cms_bridge.intake.origin import Origin
from cms_bridge.intake.request import PublicationRequest
from cms_bridge.thaidate import OFFICE_TZ, ce_to_be, format_thai_date, round_of, to_arabic_digits
from cms_bridge.windows import FISCAL_YEAR_MAX, FISCAL_YEAR_MIN
from cms_bridge.windows import FiscalYearWindow, RangeWindow, closes_at, describe

P = ParamSpec("P")
View = Callable[Concatenate[HttpRequest, P], HttpResponse]

#: Where a request is in the process, in Thai.
STAGES = {
    "submitted": "รอผู้อำนวยการกลุ่มลงนาม",
    "returned": "ส่งกลับให้แก้ไข",
    "endorsed": "รอคณะกรรมการพิจารณา",
    "approved": "อนุญาตให้เผยแพร่",
    "rejected": "ไม่อนุญาตให้เผยแพร่",
}
EVENT_LABELS = {
    "request.added": "ยื่นคำขอ",
    "request.amended": "แก้ไขคำขอ",
    "request.endorsed": "ผู้อำนวยการกลุ่มลงนามเห็นชอบ",
    "request.returned": "ผู้อำนวยการกลุ่มส่งกลับให้แก้ไข",
    "decision.recorded": "คณะกรรมการบันทึกคำสั่ง",
    "manual_publication.recorded": "บันทึกการเผยแพร่ช่องทางอื่น",
    "manual_publication.evidence_added": "แนบหลักฐานการเผยแพร่",
    "sync.failed": "เผยแพร่ไม่สำเร็จ",
    "media.uploaded": "อัปโหลดไฟล์ขึ้นเว็บไซต์",
}
STAGED = "desk_staged"


def profile_of(request: HttpRequest) -> Profile:
    """The signed-in account's profile; an account without one may do nothing."""
    try:
        profile: Profile = request.user.desk_profile  # type: ignore[union-attr]
    except (Profile.DoesNotExist, AttributeError):
        raise PermissionDenied("no desk role") from None
    return profile


def roles(*allowed: str) -> Callable[[View[P]], View[P]]:
    """Let only accounts of these roles in (403 for the others)."""
    def wrap(view: View[P]) -> View[P]:
        @wraps(view)
        def inner(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
            if profile_of(request).role not in allowed:
                raise PermissionDenied("not for this role")
            return view(request, *args, **kwargs)
        return login_required(inner)  # type: ignore[return-value]
    return wrap


@contextmanager
def bridge_for(request: HttpRequest) -> Iterator[Bridge]:
    """A Bridge whose events name the signed-in account."""
    with Bridge(current_config(), cms=current_cms(), actor=f"desk:{request.user.get_username()}") as bridge:
        yield bridge


@dataclass
class Item:
    """A request as the lists show it."""

    request: PublicationRequest
    stage: str
    returned_comment: str | None = None
    group_name: str = ""

    @property
    def stage_label(self) -> str:
        return STAGES[self.stage]


def stage_of(bridge: Bridge, request_id: str) -> Item:
    """Where the request is: submitted, returned, endorsed, approved or rejected (of its current version)."""
    ledger = bridge.ledger
    request = ledger.get_request(request_id)
    version = ledger.site_version(request_id)
    group_name = bridge.mappings.group(request.group).name
    if request.decision.status != "pending" and not version.awaiting_approval:
        return Item(request, request.decision.status, group_name=group_name)
    if request.endorsement is not None:
        return Item(request, "endorsed", group_name=group_name)
    returned = [e for e in ledger.events(request_id) if e.action == "request.returned"
                and (e.after or {}).get("version") == version.current_version]
    if returned:
        return Item(request, "returned", str((returned[-1].after or {}).get("comment", "")), group_name=group_name)
    return Item(request, "submitted", group_name=group_name)


def may_see(profile: Profile, request: PublicationRequest) -> bool:
    """A clerk or group director sees their group's requests; the other roles see all."""
    return profile.role not in GROUP_ROLES or request.group == profile.group_key


def _visible(bridge: Bridge, profile: Profile) -> list[Item]:
    items = [stage_of(bridge, rid) for rid in bridge.ledger.list_request_ids()]
    return [i for i in items if may_see(profile, i.request)]


def _waiting(bridge: Bridge, profile: Profile, items: list[Item]) -> list[Item]:
    role = profile.role
    if role == "clerk":
        return [i for i in items if i.stage in ("returned", "submitted", "endorsed")]
    if role == "group_director":
        return [i for i in items if i.stage == "submitted"]
    if role == "committee":
        return [i for i in items if i.stage == "endorsed"]
    if role == "pr":
        recorded = {(m.request_id, m.channel) for m in bridge.ledger.manual_publications()}
        return [i for i in items if i.stage == "approved"
                and any(c in i.request.channels and (i.request.request_id, c) not in recorded
                        for c in ("social", "board"))]
    return [i for i in items if i.stage not in ("approved", "rejected")]


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """What waits for me: the first page after login."""
    profile = profile_of(request)
    with bridge_for(request) as bridge:
        items = _visible(bridge, profile)
        waiting = _waiting(bridge, profile, items)
    return render(request, "desk/home.html", {
        "profile": profile, "role_label": ROLES.get(profile.role, profile.role), "waiting": waiting,
        "items": sorted(items, key=lambda i: i.request.request_id, reverse=True),
    })


def _next_request_id(bridge: Bridge, group_key: str) -> str:
    year = ce_to_be(datetime.now(OFFICE_TZ).year)
    prefix = f"{year}-{group_key.replace('_', '-')}-"
    taken = {rid for rid in bridge.ledger.list_request_ids() if rid.startswith(prefix)}
    number = 1
    while f"{prefix}{number:03d}" in taken:
        number += 1
    return f"{prefix}{number:03d}"


@dataclass
class StagedFile:
    """An uploaded file kept in the store, waiting for its request to be filed."""

    name: str
    sha256: str
    file_type: str = ""
    pages: int | None = None
    size: int = 0
    findings: list[str] = field(default_factory=list)
    blocks: bool = False
    missing: bool = False


MISSING = "ไม่พบไฟล์นี้ในที่เก็บแล้ว: เอาออกแล้วแนบใหม่"


def _staged(request: HttpRequest, bridge: Bridge, key: str) -> list[StagedFile]:
    out = []
    for name, sha256 in request.session.get(key, []):
        try:
            kept = bridge.kept_file(sha256, name)
        except AttachmentError as exc:
            out.append(StagedFile(name, sha256, findings=[_thai(str(exc))], blocks=True))
            continue
        if kept is None:
            out.append(StagedFile(name, sha256, findings=[MISSING], blocks=True, missing=True))
            continue
        info, findings = kept
        out.append(StagedFile(name, sha256, info.file_type, info.pages, info.size,
                              [_thai(f.message) for f in findings], any(f.blocks for f in findings)))
    return out



def _thai(message: str) -> str:
    """A library sentence as the desk shows it: in Thai (cms_bridge.i18n), the file or field it names kept."""
    return reason(message, "th")

def _take_uploads(request: HttpRequest, bridge: Bridge, errors: dict[str, list[str]], key: str) -> None:
    staged: list[list[str]] = [list(p) for p in request.session.get(key, [])]
    remove = set(request.POST.getlist("remove"))
    # The page shows a name masked where it holds an ID number; either form removes the file.
    staged = [p for p in staged if p[0] not in remove and mask_id_numbers(p[0]) not in remove]
    with tempfile.TemporaryDirectory(prefix="cms-bridge-desk-") as scratch:
        for upload in request.FILES.getlist("attachments"):
            name = safe_name(upload.name or "")
            path = Path(scratch) / name
            with path.open("wb") as out:
                for chunk in upload.chunks():
                    out.write(chunk)
            try:
                info, _ = bridge.keep_upload(path)
            except AttachmentError as exc:
                errors.setdefault("attachments", []).append(_thai(str(exc)))
                continue
            finally:
                path.unlink(missing_ok=True)
            staged = [p for p in staged if p[0] != name] + [[name, info.sha256]]
    request.session[key] = staged


@roles("clerk")
@require_http_methods(["GET", "POST"])
def new_request(request: HttpRequest) -> HttpResponse:
    """The request form: the memo's fields in its order, files checked at once, problems beside each field."""
    return _request_form(request, None)


@roles("clerk")
@require_http_methods(["GET", "POST"])
def edit_request(request: HttpRequest, request_id: str) -> HttpResponse:
    """The same form for a request of the clerk's group not yet endorsed (returned, or still waiting)."""
    return _request_form(request, request_id)


def _initial(req: PublicationRequest) -> dict[str, Any]:
    window = req.window
    return {
        "document_number": req.document_number or "", "request_date": format_thai_date(req.request_date),
        "requester_name": req.requester.name, "requester_position": req.requester.position,
        "title": req.title, "purpose": req.purpose, "body": req.body or "", "source": req.source or "",
        "kind": req.kind, "channels": [c for c in CHANNELS if c in req.channels], "window_kind": window.kind,
        "file_count": "" if req.file_count is None else str(req.file_count),
        "page_count": "" if req.page_count is None else str(req.page_count),
        "fiscal_year": str(window.fiscal_year) if isinstance(window, FiscalYearWindow) else "",
        "window_start": format_thai_date(window.start) if isinstance(window, RangeWindow) else "",
        "window_end": format_thai_date(window.end) if isinstance(window, RangeWindow) else "",
    }


def _submit(request: HttpRequest, bridge: Bridge, profile: Profile, cleaned: dict[str, Any],
            staged: list[StagedFile], request_id: str | None) -> tuple[str, RecordOutcome]:
    files = {s.name: s.sha256 for s in staged}
    origin = Origin.of_folder(f"desk/{request.user.get_username()}")
    for _ in range(20):
        new_id = request_id or _next_request_id(bridge, profile.group_key)
        data = request_data(cleaned, request_id=new_id, group=profile.group_key, files=list(files))
        try:
            return new_id, bridge.submit_kept(data, files, origin=origin, actor=bridge.actor, new=request_id is None)
        except RequestIdTakenError:
            continue  # someone of the group filed at the same moment: take the next number
    raise RequestIdTakenError("no free request number; try again")


def _request_form(request: HttpRequest, request_id: str | None) -> HttpResponse:
    profile = profile_of(request)
    errors: dict[str, list[str]] = {}
    warnings: list[str] = []
    key = f"{STAGED}:{request_id or 'new'}"
    with bridge_for(request) as bridge:
        if request_id is not None:
            item = _checked_item(bridge, profile, request_id)
            if item.stage not in ("submitted", "returned"):
                raise PermissionDenied("only a request not yet endorsed can be changed")
        if request.method == "GET":
            if request_id is None:
                request.session[key] = []
                form = RequestForm(bridge.mappings, profile, initial={
                    "requester_name": profile.full_name, "requester_position": profile.position,
                    "request_date": format_thai_date(datetime.now(OFFICE_TZ).date()), "window_kind": "permanent"})
            else:
                version = bridge.ledger.site_version(request_id).current_version
                request.session[key] = [[n, sha] for n, sha in bridge.ledger.files_of(request_id, version).items()]
                form = RequestForm(bridge.mappings, profile, initial=_initial(item.request))
        else:
            form = RequestForm(bridge.mappings, profile, request.POST)
            _take_uploads(request, bridge, errors, key)
            staged = _staged(request, bridge, key)
            for lost in (s for s in staged if s.missing):
                errors.setdefault("attachments", []).append(f"{lost.name}: {MISSING}")
            if form.is_valid() and not errors and request.POST.get("action") == "submit":
                try:
                    new_id, outcome = _submit(request, bridge, profile, form.cleaned_data, staged, request_id)
                except IntakeError as exc:
                    for problem in exc.problems:
                        if problem.severity == "warning":
                            warnings.append(_thai(problem.message))
                        else:
                            errors.setdefault(problem_field(problem.field), []).append(_thai(problem.message))
                except CmsBridgeError as exc:
                    # A kept file gone from the store, a ledger that refuses: said, nothing recorded.
                    errors.setdefault("attachments", []).append(_thai(str(exc)))
                else:
                    request.session[key] = []
                    messages.success(request, f"ยื่นคำขอ {new_id} แล้ว รอผู้อำนวยการกลุ่มลงนาม"
                                     if outcome.change != "unchanged" else f"คำขอ {new_id} ไม่มีการเปลี่ยนแปลง")
                    if outcome.change != "unchanged":
                        _tell(request, "submitted", bridge.ledger.get_request(new_id))
                    return HttpResponseRedirect(reverse("desk:detail", args=[new_id]))
        staged = _staged(request, bridge, key)
        group_name = bridge.mappings.group(profile.group_key).name
    for name, field_errors in form.errors.items():
        errors.setdefault(name, []).extend(str(e) for e in field_errors)
    return render(request, "desk/request_form.html", {
        "form": form, "f": {name: {"bf": form[name], "errors": errors.get(name, [])} for name in form.fields},
        "attachment_errors": errors.get("attachments", []), "errors": errors, "warnings": warnings,
        "staged": staged, "group_name": group_name, "profile": profile, "request_id": request_id,
        "all_errors": [(form.label_of(k), v) for k, v in errors.items()],
    }, status=200 if request.method == "GET" or not errors else 400)


@dataclass
class FileRow:
    """A file of a request with what the ID guard found in it."""

    name: str
    file_type: str
    pages: int | None
    size: int
    findings: list[str]


def _detail_context(bridge: Bridge, profile: Profile, request_id: str) -> dict[str, Any]:
    if request_id not in bridge.ledger.list_request_ids():
        raise Http404("no such request")
    item = stage_of(bridge, request_id)
    if not may_see(profile, item.request):
        raise PermissionDenied("not your group's request")
    req = item.request
    version = bridge.ledger.site_version(request_id)
    files = []
    for name, sha256 in bridge.ledger.files_of(request_id, version.current_version).items():
        try:
            kept = bridge.kept_file(sha256, name)
        except AttachmentError as exc:
            files.append(FileRow(name, "?", None, 0, [_thai(str(exc))]))
            continue
        if kept is not None:
            info, findings = kept
            files.append(FileRow(name, info.file_type, info.pages, info.size, [_thai(f.message) for f in findings]))
    trail = [e for e in bridge.ledger.events(request_id) if not e.action.startswith("media.")]
    # An endorsement is recorded as a new version and its event; the page shows the endorsement.
    trail = [e for e, nxt in zip(trail, [*trail[1:], None], strict=True)
             if not (e.action == "request.amended" and nxt is not None and nxt.action == "request.endorsed")]
    history = [{"at": e.at, "actor": e.actor, "action": EVENT_LABELS.get(e.action, e.action),
                "comment": (e.after or {}).get("comment") or (e.after or {}).get("note") or
                (e.after or {}).get("error") or ""} for e in trail]
    manual = [{"channel_label": CHANNEL_LABELS.get(m.channel, m.channel), "published_on": m.published_on,
               "note": m.note, "recorded_by": m.recorded_by, "id": m.id,
               "evidence": list(bridge.ledger.manual_evidence(m.id))}
              for m in bridge.ledger.manual_publications() if m.request_id == request_id]
    publication = bridge.ledger.get_publication(request_id)
    return {
        "item": item, "req": req, "profile": profile, "files": files, "history": history, "manual": manual,
        "group_name": item.group_name, "kind_name": bridge.mappings.kind(req.kind).name,
        "channels": [CHANNEL_LABELS[c] for c in CHANNELS if c in req.channels], "window": describe(req.window),
        "publication": publication,
        "can_edit": profile.role == "clerk" and item.stage in ("submitted", "returned"),
        "can_endorse": profile.role == "group_director" and item.stage == "submitted",
        "can_decide": profile.role == "committee" and item.stage == "endorsed",
        "can_record": profile.role == "pr" and item.stage == "approved",
        "record_form": RecordForm(initial={"title": req.title, "published_on": format_thai_date(date.today())}),
    }


@login_required
def detail(request: HttpRequest, request_id: str) -> HttpResponse:
    """One request: the memo's fields, its files with the ID guard's findings, its history, the next step."""
    profile = profile_of(request)
    with bridge_for(request) as bridge:
        context = _detail_context(bridge, profile, request_id)
        # What this person was shown: a step taken from this page is of that version only.
        seen = dict(request.session.get("seen_versions", {}))
        seen[request_id] = bridge.ledger.site_version(request_id).current_version
        request.session["seen_versions"] = seen
    return render(request, "desk/detail.html", context)


def _changed_since_seen(request: HttpRequest, bridge: Bridge, request_id: str, step: str) -> HttpResponse | None:
    """A refusal when the request changed after this person's session was last shown it (an
    edit between reading and signing), else None; a step posted without the page shown is judged
    as it is. *step* ends the message: what to do only after reading the current version."""
    seen = request.session.get("seen_versions", {}).get(request_id)
    if seen is None or seen == bridge.ledger.site_version(request_id).current_version:
        return None
    messages.error(request, f"คำขอนี้ถูกแก้ไขหลังจากที่เปิดดู กรุณาอ่านฉบับปัจจุบันก่อน{step}")
    return _back(request_id)


@login_required
def download(request: HttpRequest, request_id: str, name: str) -> HttpResponse | FileResponse:
    """One file of a request's current version, from the file store, as a download (never shown inline)."""
    profile = profile_of(request)
    with bridge_for(request) as bridge:
        _checked_item(bridge, profile, request_id)
        files = bridge.ledger.files_of(request_id, bridge.ledger.site_version(request_id).current_version)
        if name not in files:
            raise Http404("no such file")
        kept = bridge.kept_file(files[name], name)
        if kept is None:
            raise Http404("the file is no longer in the store")
        info, _ = kept
        return FileResponse(info.path.open("rb"), as_attachment=True, filename=name, content_type=info.media_type)


@login_required
def memo(request: HttpRequest, request_id: str) -> HttpResponse:
    """The request memo, filled in, as a Word document (บันทึกข้อความ … .docx)."""
    from cms_bridge.desk.memo import memo_docx

    profile = profile_of(request)
    with bridge_for(request) as bridge:
        item = _checked_item(bridge, profile, request_id)
        content = memo_docx(item.request, bridge.mappings)
    response = HttpResponse(content, content_type=MEDIA_TYPES["docx"])
    response["Content-Disposition"] = f'attachment; filename="memo-{request_id}.docx"'
    return response


@login_required
def memo_as_pdf(request: HttpRequest, request_id: str) -> HttpResponse:
    """The request memo, filled in, as a PDF to print or sign electronically."""
    from cms_bridge.desk.memo import memo_pdf
    from cms_bridge.errors import ReportError

    profile = profile_of(request)
    with bridge_for(request) as bridge:
        item = _checked_item(bridge, profile, request_id)
        try:
            content = memo_pdf(item.request, bridge.mappings)
        except ReportError as exc:
            return HttpResponse(f"ทำไฟล์ PDF ไม่ได้: {exc}", status=503, content_type="text/plain; charset=utf-8")
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="memo-{request_id}.pdf"'
    return response


def _checked_item(bridge: Bridge, profile: Profile, request_id: str) -> Item:
    if request_id not in bridge.ledger.list_request_ids():
        raise Http404("no such request")
    item = stage_of(bridge, request_id)
    if not may_see(profile, item.request):
        raise PermissionDenied("not your group's request")
    return item


def _tell(request: HttpRequest, step: str, req: PublicationRequest) -> None:
    from cms_bridge.desk.notify import notify

    if not notify(step, req):
        messages.warning(request, "บันทึกแล้ว แต่ส่งอีเมลแจ้งผู้เกี่ยวข้องไม่สำเร็จ (แจ้งผู้ดูแลระบบ ICT)")


def _back(request_id: str) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("desk:detail", args=[request_id]))


@roles("group_director")
@require_POST
def endorse(request: HttpRequest, request_id: str) -> HttpResponse:
    """The group director signs (เห็นชอบ) or returns the request with a comment."""
    profile = profile_of(request)
    with bridge_for(request) as bridge:
        item = _checked_item(bridge, profile, request_id)
        if item.stage != "submitted":
            raise PermissionDenied("not waiting for the director")
        if refused := _changed_since_seen(request, bridge, request_id, "ลงนาม"):
            return refused
        try:
            if request.POST.get("action") == "return":
                bridge.return_request(request_id, comment=request.POST.get("comment", ""), actor=bridge.actor)
                messages.success(request, f"ส่งคำขอ {request_id} กลับให้แก้ไขแล้ว")
                _tell(request, "returned", item.request)
            else:
                bridge.endorse(request_id, name=profile.full_name, position=profile.position or "ผู้อำนวยการกลุ่ม",
                               actor=bridge.actor)
                messages.success(request, f"ลงนามเห็นชอบคำขอ {request_id} แล้ว ส่งต่อคณะกรรมการ")
                _tell(request, "endorsed", item.request)
        except CmsBridgeError as exc:
            messages.error(request, _thai(str(exc)))
    return _back(request_id)


@roles("committee")
@require_POST
def decide(request: HttpRequest, request_id: str) -> HttpResponse:
    """The committee's order: อนุญาต / ไม่อนุญาต (with the reason), recorded on the ledger channel."""
    profile = profile_of(request)
    with bridge_for(request) as bridge:
        item = _checked_item(bridge, profile, request_id)
        if item.stage != "endorsed":
            raise PermissionDenied("not waiting for the committee")
        if refused := _changed_since_seen(request, bridge, request_id, "สั่งการ"):
            return refused
        status = request.POST.get("decision")
        if status not in ("approved", "rejected"):
            messages.error(request, "เลือก อนุญาต หรือ ไม่อนุญาต")
            return _back(request_id)
        try:
            bridge.decide_endorsed(request_id, status=status,  # type: ignore[arg-type]
                                   by=profile.full_name, position=profile.position or None,
                                   note=request.POST.get("note") or None, actor=bridge.actor)
        except CmsBridgeError as exc:
            messages.error(request, _thai(str(exc)))
        else:
            messages.success(request, f"บันทึกคำสั่ง {STAGES[status]} สำหรับ {request_id} แล้ว")
            if status == "approved":
                _tell(request, "approved", item.request)
    return _back(request_id)


@roles("pr")
@require_POST
def record(request: HttpRequest, request_id: str) -> HttpResponse:
    """PR records a social-media or notice-board publication of an approved request."""
    profile = profile_of(request)
    with bridge_for(request) as bridge:
        item = _checked_item(bridge, profile, request_id)
        if item.stage != "approved":
            raise PermissionDenied("only an approved request is published")
        form = RecordForm(request.POST)
        if not form.is_valid():
            for name, errs in form.errors.items():
                messages.error(request, f"{form.label_of(name)}: {' '.join(str(e) for e in errs)}")
            return _back(request_id)
        data = form.cleaned_data
        if data["channel"] not in item.request.channels:
            # The committee allowed the channels the memo asked for, no others.
            messages.error(request, f"คำขอนี้ไม่ได้ขอเผยแพร่ทาง{CHANNEL_LABELS[data['channel']]}")
            return _back(request_id)
        already = [m for m in bridge.ledger.manual_publications()
                   if m.request_id == request_id and m.channel == data["channel"]
                   and m.published_on == data["published_on"]]
        if already:
            # A double click, a resent form or a replay: one posting is counted once.
            messages.error(request, f"บันทึกการเผยแพร่ทาง{CHANNEL_LABELS[data['channel']]}วันนั้นไว้แล้ว")
            return _back(request_id)
        evidence: list[tuple[str, str]] = []
        with tempfile.TemporaryDirectory(prefix="cms-bridge-desk-") as scratch:
            for upload in request.FILES.getlist("evidence"):
                # A photo named after a person (their ID number) is kept under the masked name.
                name = mask_id_numbers(safe_name(upload.name or ""))
                path = Path(scratch) / name
                with path.open("wb") as out:
                    for chunk in upload.chunks():
                        out.write(chunk)
                try:
                    info, _ = bridge.keep_upload(path)
                except AttachmentError as exc:
                    messages.error(request, f"หลักฐาน: {_thai(str(exc))}")
                    return _back(request_id)
                if info.file_type not in EVIDENCE_TYPES:
                    messages.error(request, f"หลักฐาน {name}: ใช้ได้เฉพาะรูปภาพ (jpg, png) หรือ pdf")
                    return _back(request_id)
                evidence.append((name, info.sha256))
        try:
            with bridge.ledger.transaction():
                manual = bridge.record_manual(group=item.request.group, channel=data["channel"], title=data["title"],
                                              published_on=data["published_on"], recorded_by=profile.full_name,
                                              request_id=request_id, note=data["link"] or None)
                for name, sha256 in evidence:
                    bridge.ledger.add_manual_evidence(manual.id, sha256=sha256, name=name, actor=bridge.actor)
        except CmsBridgeError as exc:
            messages.error(request, _thai(str(exc)))
        else:
            messages.success(request, f"บันทึกการเผยแพร่ทาง{CHANNEL_LABELS[data['channel']]}แล้ว")
    return _back(request_id)


#: What PR may keep as evidence of a posting: a photo of the board, a screenshot, a PDF.
EVIDENCE_TYPES = frozenset({"jpg", "png", "pdf"})


@login_required
def evidence(request: HttpRequest, request_id: str, manual_id: int, name: str) -> HttpResponse | FileResponse:
    """One evidence file of a manual publication, as a download."""
    profile = profile_of(request)
    with bridge_for(request) as bridge:
        _checked_item(bridge, profile, request_id)
        if not any(m.id == manual_id and m.request_id == request_id for m in bridge.ledger.manual_publications()):
            raise Http404("no such record")
        files = bridge.ledger.manual_evidence(manual_id)
        kept = bridge.kept_file(files[name], name) if name in files else None
        if kept is None:
            raise Http404("no such file")
        info, _ = kept
        return FileResponse(info.path.open("rb"), as_attachment=True, filename=name, content_type=info.media_type)


@dataclass
class LiveRow:
    """A request on the site (or held back), for the “what is live” page."""

    request_id: str
    title: str
    url: str | None
    state: str
    note: str = ""


@login_required
def live(request: HttpRequest) -> HttpResponse:
    """What is live, per group: published, scheduled, expiring within 30 days, withdrawn, blocked."""
    profile = profile_of(request)
    now = datetime.now(OFFICE_TZ)
    soon = now + timedelta(days=30)
    groups: dict[str, dict[str, list[LiveRow]]] = {}
    with bridge_for(request) as bridge:
        for row in bridge.status():
            if row.request_id is None or row.decision == "not recorded":
                continue  # an inbox file the ledger refused: shown by `cms-bridge status`, not here
            version = bridge.ledger.site_version(row.request_id)
            req = version.request
            if not may_see(profile, req):
                continue
            sections = groups.setdefault(bridge.mappings.group(req.group).name, {
                "published": [], "scheduled": [], "expiring": [], "withdrawn": [], "blocked": []})
            blocked = _blocked_reason(bridge, row.request_id)
            live_row = LiveRow(row.request_id, row.title or req.title, row.url, row.state)
            if blocked and row.decision == "approved":
                live_row.note = blocked
                sections["blocked"].append(live_row)
            elif row.desired == "scheduled":
                # Nothing of it is on the site until its opening, when the daemon publishes it.
                live_row.note = format_thai_date(row.next_change) if row.next_change else ""
                sections["scheduled"].append(live_row)
            elif row.state == "published":
                ends = closes_at(req.window)
                if ends is not None and ends <= soon:
                    live_row.note = format_thai_date(ends - timedelta(seconds=1))
                    sections["expiring"].append(live_row)
                sections["published"].append(live_row)
            elif row.state == "withdrawn":
                sections["withdrawn"].append(live_row)
    return render(request, "desk/live.html", {"profile": profile, "groups": sorted(groups.items())})


def _blocked_reason(bridge: Bridge, request_id: str) -> str:
    # The last thing a sync did with the request: a refusal by the publish gate, or a publication.
    for event in reversed(bridge.ledger.events(request_id)):
        if event.action.startswith("publication."):
            return ""
        if event.action == "sync.failed" and (event.after or {}).get("action") == "blocked":
            return str((event.after or {}).get("error", ""))
    return ""


def _round_asked(request: HttpRequest) -> tuple[int, int]:
    current = round_of(datetime.now(OFFICE_TZ))
    try:
        year = int(to_arabic_digits(request.GET.get("fiscal_year") or request.POST.get("fiscal_year") or "")
                   or current.fiscal_year)
        number = int(request.GET.get("round") or request.POST.get("round") or current.number)
    except ValueError:
        raise Http404("no such round") from None
    if number not in (1, 2) or not FISCAL_YEAR_MIN <= year <= FISCAL_YEAR_MAX:
        raise Http404("no such round")
    return year, number


@roles("group_director")
@require_http_methods(["GET", "POST"])
def report(request: HttpRequest) -> HttpResponse:
    """The group's six-monthly report: the director writes each item's outcome and section ๓, then downloads it."""
    profile = profile_of(request)
    year, number = _round_asked(request)
    with bridge_for(request) as bridge:
        try:
            if request.method == "POST":
                # Outcomes go to the ledger's one store (Ledger.set_outcome), shared with the report
                # and record --note; only this group's items of the round are taken.
                outcomes = {k.removeprefix("outcome:"): str(request.POST.get(k, "")) for k in request.POST
                            if k.startswith("outcome:")}
                problems = request.POST.get("problems", "").splitlines()
                bridge.save_filled_report(year, number, profile.group_key, outcomes=outcomes, problems=problems,
                                          actor=bridge.actor)
                messages.success(request, "บันทึกผลลัพธ์และข้อเสนอแนะแล้ว")
                return HttpResponseRedirect(f"{reverse('desk:report')}?fiscal_year={year}&round={number}")
            filled = bridge.filled_report(year, number, profile.group_key)
        except SiteError as exc:
            return render(request, "desk/error.html", {"message": f"อ่านข้อมูลจากเว็บไซต์ไม่ได้: {exc}"}, status=502)
    rows = [{"key": item.ref, "item": item,
             "channels": [CHANNEL_LABELS[c] for c in CHANNELS if c in item.channels]} for item in filled.items]
    return render(request, "desk/report.html", {
        "profile": profile, "report": filled, "rows": rows, "problems": "\n".join(filled.problems),
        "year": year, "number": number})


@roles("group_director")
def report_download(request: HttpRequest, fmt: str) -> HttpResponse:
    """The filled-in report as ``cms-bridge report`` writes it (DOCX or XLSX), signed by the director."""
    if fmt not in ("docx", "xlsx"):
        raise Http404("no such format")
    profile = profile_of(request)
    year, number = _round_asked(request)
    scratch = tempfile.mkdtemp(prefix="cms-bridge-report-")
    with bridge_for(request) as bridge:
        try:
            [path] = bridge.write_filled_report(year, number, profile.group_key, scratch, formats=[fmt],
                                                reporter_name=profile.full_name,
                                                reporter_position=profile.position or None)
        except SiteError as exc:
            return render(request, "desk/error.html", {"message": f"อ่านข้อมูลจากเว็บไซต์ไม่ได้: {exc}"}, status=502)
    content = path.read_bytes()
    shutil.rmtree(scratch, ignore_errors=True)
    response = HttpResponse(content, content_type=MEDIA_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{path.name}"'
    return response


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """The page for a form sent without a valid CSRF token (403)."""
    return render(request, "desk/error.html", {"message": "แบบฟอร์มหมดอายุหรือไม่ได้ส่งจากหน้านี้ โปรดเปิดหน้าใหม่แล้วลองอีกครั้ง"},
                  status=403)
