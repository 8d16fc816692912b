"""What the CMS adapters take and return: small pydantic models, never raw responses.

Every datetime is timezone-aware (UTC from the site; any zone from callers). Titles and category
names are plain text (HTML entities decoded, NFC); post content is HTML.
"""

from __future__ import annotations

import html
import re
import unicodedata
from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

PostStatus = Literal["publish", "future", "draft", "pending", "private", "trash"]
ALL_STATUSES: tuple[PostStatus, ...] = ("publish", "future", "draft", "pending", "private", "trash")

#: Separator between levels of a category path: "ITA 2567 / O20 ประกาศต่าง ๆ".
#: Spaces around the slash keep names such as "บอร์ด/ป้ายประชาสัมพันธ์" in one piece.
PATH_SEPARATOR = " / "

#: Idempotency keys double as WordPress slugs, so they stay lowercase ASCII; the prefix is how a
#: bridge post is told from a hand-made one over REST, which exposes no custom fields
#: (hand-made Thai titles give percent-encoded slugs, never "pr-…").
KEY_PREFIX = "pr-"
KEY_PATTERN = re.compile(r"^pr-[a-z0-9][a-z0-9-]{0,180}$")


def key_from_slug(slug: str) -> str | None:
    """The bridge key a slug carries (a trashed post's ``__trashed`` suffix ignored), or None."""
    key = slug.removesuffix("__trashed")
    return key if KEY_PATTERN.match(key) else None


def plain_text(value: str) -> str:
    """Decode HTML entities (WordPress escapes ``&`` in names) and normalise to NFC, trimmed."""
    return unicodedata.normalize("NFC", html.unescape(value)).strip()


def name_key(name: str) -> str:
    """The form two category names are compared in: decoded, NFC, spacing collapsed, case folded."""
    return " ".join(plain_text(name).split()).casefold()


def split_category_path(path: str) -> list[str]:
    """Split ``"A / B / C"`` into its levels; a slash without spaces around it is part of a name.

    Raises:
        ValueError: an empty path or an empty level.
    """
    levels = [" ".join(plain_text(level).split()) for level in _SEPARATOR.split(path.strip())]
    if not path.strip() or any(not level for level in levels):
        raise ValueError(f"malformed category path {path!r}: levels are separated by ' / ' and none may be empty")
    return levels


_SEPARATOR = re.compile(r"\s+/\s+")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PostInput(_Model):
    """A post to create or the full new state of a post to update."""

    key: str = Field(description="Idempotency key, also the post's slug.")
    title: str
    content: str = ""
    excerpt: str = ""
    status: PostStatus = "draft"
    date: AwareDatetime | None = Field(default=None, description="Publication time; required for 'future'.")
    categories: tuple[int, ...] = ()
    tags: tuple[int, ...] = ()
    featured_media: int | None = None

    @field_validator("key")
    @classmethod
    def _key_is_slug_safe(cls, value: str) -> str:
        if not KEY_PATTERN.match(value) or value.endswith("__trashed"):
            raise ValueError(f"key {value!r} must be 'pr-' then lowercase ASCII letters, digits and '-'")
        return value

    @field_validator("title", "excerpt")
    @classmethod
    def _nfc(cls, value: str) -> str:
        return unicodedata.normalize("NFC", value)


class Post(_Model):
    """A post as the site has it."""

    id: int
    key: str | None = Field(description="The bridge's key, or None for a post the bridge did not make.")
    slug: str = ""
    title: str
    status: PostStatus
    date: datetime | None = None
    modified: datetime | None = None
    categories: tuple[int, ...] = ()
    tags: tuple[int, ...] = ()
    featured_media: int | None = None
    link: str = ""
    author: int | None = None
    content: str | None = Field(default=None, description="Raw content, when it was asked for.")


class Media(_Model):
    """An uploaded file in the media library."""

    id: int
    url: str
    mime_type: str
    size: int | None = None
    title: str = ""
    slug: str = ""


class Category(_Model):
    """A category term."""

    id: int
    name: str
    parent: int = 0
    slug: str = ""
    count: int = Field(default=0, description="Published posts only (WordPress counts no others).")


class PostQuery(_Model):
    """Which posts to count or iterate. ``after``/``before`` bound the publication time, half-open."""

    statuses: tuple[PostStatus, ...] = ("publish",)
    category: int | None = None
    after: AwareDatetime | None = Field(default=None, description="Published at or after this time.")
    before: AwareDatetime | None = Field(default=None, description="Published strictly before this time.")
    author: int | None = None
    search: str | None = None


class CategoryChange(_Model):
    """Categories to add to and remove from one post (bulk moves)."""

    post_id: int
    add: tuple[int, ...] = ()
    remove: tuple[int, ...] = ()


class SiteInfo(_Model):
    """What the site is and what the bridge's user may do there."""

    api: Literal["rest", "xmlrpc"]
    name: str = ""
    version: str | None = None
    timezone: str = Field(description="IANA name (e.g. Asia/Bangkok) or a fixed offset such as UTC+7.")
    batch_limit: int = Field(default=1, description="Writes per request; 1 when batching is unavailable.")
    capabilities: frozenset[str] = frozenset()
