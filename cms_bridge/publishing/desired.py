"""What the site should show for a request at a given time: the reconciler's target.

A pure function of the request (decision and window) and the time, so it is tested without a
site and the same answer drives ``plan``, ``sync``, ``status`` and the daemon's wake-ups.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from cms_bridge.errors import UsageError
from cms_bridge.intake.request import PublicationRequest
from cms_bridge.windows import WindowState, next_boundary, opens_at, state_at

DesiredState = Literal["absent", "scheduled", "published", "withdrawn"]


@dataclass(frozen=True)
class Desired:
    """The target for one request at one instant.

    Attributes:
        state: ``absent`` (pending: nothing on the site yet), ``scheduled`` (approved, its window
            not open yet: still nothing on the site, neither post nor files, until the pass at
            ``publish_at`` creates and publishes it; WordPress would serve a ``future`` post's
            uploads at once), ``published``, or ``withdrawn``.
        publish_at: the post's publication time (for scheduled and published posts).
        next_change: the next instant this answer changes, if any (the daemon wakes up then:
            for ``scheduled``, the opening, when the request is published).
        reason: a few words for people.
    """

    state: DesiredState
    publish_at: datetime | None
    next_change: datetime | None
    reason: str


def desired_state(request: PublicationRequest, as_of: datetime) -> Desired:
    """The desired state of *request*'s post at *as_of*.

    Args:
        request: the current version of the request, with its current decision.
        as_of: an aware datetime.

    Raises:
        UsageError: (a ValueError) *as_of* is naive.
    """
    if as_of.tzinfo is None:
        raise UsageError("as_of must be timezone-aware")
    status = request.decision.status
    if status == "rejected":
        return Desired("withdrawn", None, None, "rejected")
    if status != "approved":
        return Desired("absent", None, None, "waiting for a decision")
    approved_at = request.approval_time()
    window = request.window
    start = opens_at(window)
    publish_at = approved_at if start is None else max(start, approved_at)
    change = next_boundary(window, as_of, approved_at=approved_at)
    state = state_at(window, as_of, approved_at=approved_at)
    if state is WindowState.BEFORE:
        return Desired("scheduled", publish_at, change, "window not open yet")
    if state is WindowState.OPEN:
        return Desired("published", publish_at, change, "window open")
    return Desired("withdrawn", publish_at, None, "window closed")
