"""Accounts of the desk, managed with ``cms-bridge desk users …`` (never through the web)."""

from __future__ import annotations

from dataclasses import dataclass

from cms_bridge.config import Config
from cms_bridge.desk.roles import GROUP_ROLES, ROLES
from cms_bridge.errors import UsageError
from cms_bridge.mappings import load_mappings


@dataclass(frozen=True)
class Account:
    """One line of ``cms-bridge desk users list``."""

    username: str
    role: str
    group: str
    full_name: str
    position: str
    active: bool
    email: str = ""


def _group_for(config: Config, role: str, group: str | None) -> str:
    if role not in ROLES:
        raise UsageError(f"unknown role {role!r}; expected one of {', '.join(ROLES)}")
    if role in GROUP_ROLES:
        if not group:
            raise UsageError(f"a {role} belongs to a group: give --group (a group key or Thai name)")
        return load_mappings(override_dir=config.office.mappings_dir).group(group).key
    if group:
        raise UsageError(f"a {role} is not of one group: leave --group out")
    return ""


def add_user(config: Config, username: str, *, role: str, group: str | None, full_name: str,
             position: str, password: str, email: str = "") -> Account:
    """Create an account.

    Args:
        config: the configuration (for the mappings' groups).
        username: the login name.
        role: one of :data:`~cms_bridge.desk.roles.ROLES`.
        group: the group (key or Thai name) of a clerk or group director.
        full_name: the name as signed on the memo.
        position: their position.
        password: the password (checked by Django's password validators; hashed with argon2).
        email: where the desk tells them what waits (when ``[desk] smtp_host`` is set).

    Raises:
        UsageError: the name is taken, the role or group unknown, or the password too weak.
    """
    from django.contrib.auth.models import User
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError
    from django.db import transaction

    from cms_bridge.desk.models import Profile

    username = username.strip()
    if not username:
        raise UsageError("give the user name")
    if not full_name.strip():
        raise UsageError("give --name, the person's name as signed on the memo")
    email = email.strip()
    if email:
        from django.core.validators import validate_email

        try:
            validate_email(email)
        except ValidationError:
            raise UsageError(f"--email {email!r} is not an e-mail address") from None
    group_key = _group_for(config, role, group)
    if User.objects.filter(username=username).exists():
        raise UsageError(f"user {username!r} already exists (see: cms-bridge desk users list)")
    user = User(username=username, email=email)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise UsageError(f"password for {username!r} refused: {' '.join(exc.messages)}") from None
    with transaction.atomic():
        user.set_password(password)
        user.save()
        Profile.objects.create(user=user, role=role, group_key=group_key, full_name=full_name.strip(),
                               position=position.strip())
    return _account(user)


def list_users() -> list[Account]:
    """Every account, by user name."""
    from django.contrib.auth.models import User

    return [_account(u) for u in User.objects.select_related("desk_profile").order_by("username")]


def set_role(config: Config, username: str, *, role: str, group: str | None) -> Account:
    """Give an account another role (and group).

    Raises:
        UsageError: no such user, or the role or group is unknown.
    """
    from cms_bridge.desk.models import Profile

    group_key = _group_for(config, role, group)
    try:
        profile = Profile.objects.select_related("user").get(user__username=username)
    except Profile.DoesNotExist:
        raise UsageError(f"no user {username!r} (see: cms-bridge desk users list)") from None
    profile.role, profile.group_key = role, group_key
    profile.save()
    return _account(profile.user)


def remove_user(username: str) -> None:
    """Delete an account and its sessions' access (its steps stay in the ledger, by name).

    Raises:
        UsageError: no such user.
    """
    from django.contrib.auth.models import User

    deleted, _ = User.objects.filter(username=username).delete()
    if not deleted:
        raise UsageError(f"no user {username!r} (see: cms-bridge desk users list)")


def _account(user: object) -> Account:
    from django.contrib.auth.models import User

    from cms_bridge.desk.models import Profile

    assert isinstance(user, User)
    try:
        profile: Profile | None = user.desk_profile  # type: ignore[attr-defined]
    except Profile.DoesNotExist:
        profile = None
    return Account(username=user.username, role=profile.role if profile else "",
                   group=profile.group_key if profile else "", full_name=profile.full_name if profile else "",
                   position=profile.position if profile else "", active=user.is_active, email=user.email)
