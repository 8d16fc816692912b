"""E-mail to the next person in the process, when ``[desk] smtp_host`` is set.

A step is recorded in the ledger first; the e-mail only says that something waits. A mail
server that is down never undoes or blocks a step: the failure is logged and told to the person
who acted.
"""

from __future__ import annotations

import logging
import smtplib

from django.conf import settings
from django.core.mail import send_mass_mail

from cms_bridge.desk.models import Profile
from cms_bridge.desk.setup import current_config
from cms_bridge.intake.request import PublicationRequest

log = logging.getLogger(__name__)

#: Who is told at each step, and what the subject says.
_NEXT = {
    "submitted": ("group_director", "รอท่านลงนามเห็นชอบ"),
    "endorsed": ("committee", "รอคณะกรรมการพิจารณา"),
    "returned": ("clerk", "ถูกส่งกลับให้แก้ไข"),
    "approved": ("pr", "ได้รับอนุญาตให้เผยแพร่แล้ว"),
}


def recipients(step: str, request: PublicationRequest) -> list[str]:
    """The e-mail addresses of the people the step hands the request to."""
    role = _NEXT[step][0]
    profiles = Profile.objects.select_related("user").filter(role=role, user__is_active=True)
    if role in ("group_director", "clerk"):
        profiles = profiles.filter(group_key=request.group)
    return sorted({p.user.email for p in profiles if p.user.email})


def notify(step: str, request: PublicationRequest) -> bool:
    """Tell the next people that *request* waits for them (nothing when e-mail is not configured).

    Args:
        step: ``submitted``, ``endorsed``, ``returned`` or ``approved``.
        request: the request, as the ledger holds it now.

    Returns:
        False when the mail server refused or could not be reached (logged); True otherwise.
    """
    if not getattr(settings, "DESK_SENDS_MAIL", False) or step not in _NEXT:
        return True
    to = recipients(step, request)
    if not to:
        return True
    link = f"{current_config().desk.public_url.rstrip('/')}/requests/{request.request_id}/"
    subject = f"[cms-bridge] คำขอ {request.request_id} {_NEXT[step][1]}"
    # Plain text: the title is the requester's words, shown as they are, never as markup.
    body = f"เรื่อง: {request.title}\nคำขอ: {request.request_id}\n\nเปิดดูที่: {link}\n"
    try:
        send_mass_mail([(subject, body, None, [address]) for address in to], fail_silently=False)
    except (smtplib.SMTPException, OSError) as exc:
        log.warning("e-mail about %s not sent: %s", request.request_id, exc)
        return False
    return True
