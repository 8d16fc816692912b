"""Refuse a request body larger than ``[desk] max_upload_mb`` before any of it is read."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


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
