"""Refuse a request body larger than ``[desk] max_upload_mb`` before any of it is read."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


class MaskIdNumbersMiddleware:
    """Every page the desk sends (HTML, text, JSON) with national ID numbers masked.

    Findings and messages are masked where they are made; this is the last line for whatever a
    page shows besides (a staged file named after a person, a title typed with a number), as the
    command line's output is. Downloads (files, the memo, reports) are left as they are.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from cms_bridge.intake.idguard import mask_id_numbers

        response = self.get_response(request)
        kind = response.get("Content-Type", "")
        if getattr(response, "streaming", False) or response.has_header("Content-Disposition") or \
                not kind.startswith(("text/", "application/json")):
            return response
        charset = response.charset or "utf-8"
        text = response.content.decode(charset, errors="replace")
        masked = mask_id_numbers(text)
        if masked != text:
            response.content = masked.encode(charset)
        return response


class UploadLimitMiddleware:
    """413 for a body over the limit (Django's own limit leaves file uploads out)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return HttpResponse("bad Content-Length", status=400, content_type="text/plain; charset=utf-8")
        limit: int = settings.DESK_MAX_UPLOAD_BYTES
        if length > limit:
            return HttpResponse(f"ไฟล์ใหญ่เกินกำหนด: รวมได้ไม่เกิน {limit // (1024 * 1024)} MB ต่อครั้ง",
                                status=413, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
