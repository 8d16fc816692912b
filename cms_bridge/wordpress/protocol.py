"""The one narrow interface the rest of cms-bridge uses to talk to a site.

Both adapters (:mod:`~cms_bridge.wordpress.rest`, :mod:`~cms_bridge.wordpress.xmlrpc`) implement it
and pass the same contract tests against a real WordPress. Operations are domain-level; every
method raises :class:`~cms_bridge.errors.SiteError` subclasses, never library exceptions.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta, timezone, tzinfo
from pathlib import Path
from typing import Protocol, runtime_checkable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cms_bridge.errors import SiteError
from cms_bridge.wordpress.models import (
    Category,
    CategoryChange,
    LibraryItem,
    Linker,
    Media,
    Post,
    PostInput,
    PostQuery,
    PostStatus,
    SiteInfo,
    UploadItem,
)


@runtime_checkable
class Cms(Protocol):
    """A WordPress site, as the bridge sees it."""

    def site_info(self) -> SiteInfo:
        """Version, timezone, batch limit and the user's capabilities (read once, then cached)."""
        ...

    def site_now(self) -> datetime:
        """The site's clock, as its last response said (WordPress schedules by it)."""
        ...

    def find_by_keys(self, keys: Sequence[str]) -> dict[str, Post]:
        """The bridge's posts for these keys, in any status (trash included); missing keys absent."""
        ...

    def create_post(self, post: PostInput) -> Post:
        """Create a post. Retried after a failure only if its key shows it was not created."""
        ...

    def update_post(self, post_id: int, post: PostInput) -> Post:
        """Replace a post's title, content, status, date, terms and featured image."""
        ...

    def write_posts(self, items: Sequence[tuple[int | None, PostInput]]) -> list[Post | SiteError]:
        """Create (id None) or update many posts, batched where the API allows; each item's
        failure is returned in its place. Creates are not retried: a later lookup by key decides."""
        ...

    def get_post(self, post_id: int, *, with_content: bool = False) -> Post:
        """One post by id, in any status."""
        ...

    def set_status(self, post_id: int, status: PostStatus, *, date: datetime | None = None) -> Post:
        """Publish, schedule, unpublish, make private, or move to the trash (and back).

        A *date* also moves the post's publication time (e.g. to now, or to a scheduled time).
        """
        ...

    def upload_media(self, path: Path, *, filename: str | None = None, title: str | None = None,
                     mime_type: str | None = None, slug: str | None = None) -> Media:
        """Upload a file to the media library (streamed where the API allows).

        A *slug* makes the upload findable by :meth:`find_media` after a crash.
        """
        ...

    def upload_media_many(self, items: Sequence[UploadItem]) -> list[Media | SiteError]:
        """Upload many files, batched where the site allows (XML-RPC ``system.multicall``).

        Each item's outcome is returned in its place: one refused file neither fails nor repeats
        the others. A failed item may still have reached the site (a timeout); it is not retried
        here, and is found by its slug (or :func:`~cms_bridge.wordpress.models.upload_slugs`) later.
        """
        ...

    def find_media(self, slugs: Sequence[str]) -> dict[str, Media]:
        """Media library items by slug; missing slugs are absent."""
        ...

    def delete_media(self, media_id: int) -> None:
        """Delete a media library item and its files for good, so its public URL answers 404.

        Deleting an item that is already gone is not an error (a pass killed after the delete
        and run again finds nothing to delete).
        """
        ...

    def find_user_id(self, login: str) -> int | None:
        """The id of the WordPress user with this login name, or None when there is none.

        Needs the ``list_users`` capability (administrators and editors of a network have it).
        """
        ...

    def media_sha256(self, media: Media) -> str | None:
        """The sha256 of the file a visitor downloads at *media*'s address; None if none is served.

        Read streamed, as a visitor would (no credentials), for an upload the bridge finds on the
        site but has no record of: it is used only if its bytes are the approved ones.
        """
        ...

    def list_media(self) -> Iterator[LibraryItem]:
        """Every item of the media library, whoever uploaded it, page by page (oldest id first)."""
        ...

    def download(self, url: str, dest: Path, *, max_bytes: int) -> int | None:
        """Save what a visitor downloads at *url* into *dest*, streamed; its size in bytes.

        None when the file is larger than *max_bytes* (nothing more is read; *dest* is removed).

        Raises:
            NotFoundError: the address answers 404.
        """
        ...

    def find_linking(self, item: LibraryItem) -> list[Linker]:
        """The posts and pages (any status but trash) linking *item*: its parent and those whose
        content names its address (a featured image is found only through its parent)."""
        ...

    def set_entry_status(self, entry: Linker, status: PostStatus) -> Linker:
        """Change a post's or page's status (draft, private, publish...); the entry as it is now."""
        ...

    def restore_media(self, path: Path, item: LibraryItem) -> LibraryItem:
        """Upload *path* again as *item* was: its file name, parent, title, caption, alt text,
        description and slug (WordPress puts it in this month's folder and gives it a new id)."""
        ...

    def ensure_category_path(self, path: str) -> Category:
        """The leaf category of ``"A / B / C"``, creating missing levels."""
        ...

    def create_category(self, name: str, parent: int = 0, *, slug: str | None = None,
                        description: str | None = None) -> Category:
        """Create one category under *parent* (an existing one of that name is returned).

        A *slug* is asked for exactly (WordPress still makes it unique); with one, an existing
        category of the same name but another slug is not returned: a new one is made.
        """
        ...

    def update_category(self, category_id: int, *, name: str | None = None, parent: int | None = None,
                        description: str | None = None) -> Category:
        """Rename a category, move it under another parent (0 = top level), set its description."""
        ...

    def delete_category(self, category_id: int) -> None:
        """Delete a category for good (its posts keep their other categories)."""
        ...

    def list_categories(self) -> list[Category]:
        """Every category on the site (names decoded and NFC)."""
        ...

    def count_posts(self, query: PostQuery) -> int:
        """How many posts match, as cheaply as the API allows."""
        ...

    def iter_posts(self, query: PostQuery) -> Iterator[Post]:
        """Every post matching, page by page."""
        ...

    def change_categories(self, changes: Iterable[CategoryChange],
                          current: Mapping[int, Sequence[int]] | None = None) -> int:
        """Add/remove categories on many posts with batched writes; returns posts changed."""
        ...


@runtime_checkable
class CountsRequests(Protocol):
    """A site adapter that counts the HTTP requests it has sent (both real adapters do)."""

    @property
    def requests_sent(self) -> int:
        """Requests sent so far, retries included."""
        ...


def site_zone(info: SiteInfo) -> tzinfo:
    """The site's timezone as a ``tzinfo``: an IANA zone, or a fixed offset like ``UTC+7``."""
    name = info.timezone
    if name.startswith("UTC"):
        hours = float(name[3:] or 0)
        return timezone(timedelta(hours=hours))
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return timezone.utc
