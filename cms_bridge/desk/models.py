"""The desk's one table of its own: each account's role, group, Thai name and position.

Accounts, password hashes (argon2) and sessions are Django's; nothing about requests is kept
here (see :mod:`cms_bridge.desk`).
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import models

from cms_bridge.desk.roles import ROLES


class Profile(models.Model):
    """Who an account is in the process."""

    user: models.OneToOneField[User, User] = models.OneToOneField(User, on_delete=models.CASCADE, related_name="desk_profile")
    role: models.CharField[str, str] = models.CharField(max_length=32, choices=list(ROLES.items()))
    #: The group's mapping key for a clerk or group director; empty for the others.
    group_key: models.CharField[str, str] = models.CharField(max_length=64, blank=True, default="")
    #: Name as signed on the memo, e.g. นางสาวทดลอง ใจดี.
    full_name: models.CharField[str, str] = models.CharField(max_length=200)
    position: models.CharField[str, str] = models.CharField(max_length=200, blank=True, default="")

    def __str__(self) -> str:
        return f"{self.user.username} ({self.role}{'@' + self.group_key if self.group_key else ''})"
