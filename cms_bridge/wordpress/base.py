"""Behaviour both adapters share; each supplies the few API calls it differs in."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path

from cms_bridge.errors import ConflictError, NotFoundError, SiteError
from cms_bridge.wordpress.http import HttpClient, should_retry
from cms_bridge.wordpress.models import (
    CategoryTree,
    Category,
    CategoryChange,
    Media,
    Post,
    PostInput,
    new_category_slug,
    UploadItem,
    split_category_path,
)


class AdapterBase:
    """Create-with-key-check, the cached category tree and bulk category changes.

    Subclasses implement ``_send_create``, ``_delete_for_good``, ``find_by_keys``,
    ``_load_categories``, ``_create_category``, ``_current_categories`` and ``_write_categories``.
    """

    http: HttpClient
    _categories: dict[int, Category] | None = None

    @property
    def requests_sent(self) -> int:
        """HTTP requests this adapter's client has sent so far (see :class:`CountsRequests`)."""
        return self.http.requests_sent

    def media_sha256(self, media: Media) -> str | None:
        """See :meth:`Cms.media_sha256`: one streamed GET of the public address."""
        try:
            response = self.http.request("GET", media.url, authenticated=False, stream=True)
        except NotFoundError:
            return None
        digest = hashlib.sha256()
        with response:
            for chunk in response.iter_content(1 << 16):
                digest.update(chunk)
        return digest.hexdigest()

    def download(self, url: str, dest: Path, *, max_bytes: int) -> int | None:
        """See :meth:`Cms.download`: one streamed GET of the public address, as a visitor."""
        response = self.http.request("GET", url, authenticated=False, stream=True)
        size = 0
        with response, dest.open("wb") as out:
            declared = response.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                size = max_bytes + 1
            else:
                for chunk in response.iter_content(1 << 16):
                    size += len(chunk)
                    if size > max_bytes:
                        break
                    out.write(chunk)
        if size > max_bytes:
            dest.unlink(missing_ok=True)
            return None
        return size

    def site_now(self) -> datetime:
        """The site's own clock (WordPress decides "future" by it), from the last response.

        Falls back to this machine's clock before the first request.
        """
        return self.http.server_time or datetime.now(timezone.utc)

    def create_post(self, post: PostInput) -> Post:
        """See :meth:`Cms.create_post`."""
        attempts = self.http.config.retry.attempts
        for attempt in range(1, attempts + 1):
            try:
                created = self._send_create(post)
                break
            except SiteError as error:
                if not should_retry(error) or attempt == attempts:
                    raise
                # The request may have reached WordPress before the failure: look before retrying.
                existing = self.find_by_keys([post.key]).get(post.key)
                if existing is not None:
                    return existing
                self.http.pause(attempt, error)
        if created.slug != post.key:
            # The slug was taken by a post the bridge did not make; WordPress silently renamed
            # ours, which would make it unfindable. Remove it rather than leave an orphan.
            self._delete_for_good(created.id)
            raise self._slug_taken(post.key)
        return created

    def write_posts(self, items: Sequence[tuple[int | None, PostInput]]) -> list[Post | SiteError]:
        """See :meth:`Cms.write_posts`; one by one here (REST overrides it with batches)."""
        results: list[Post | SiteError] = []
        for post_id, post in items:
            try:
                results.append(self.create_post(post) if post_id is None else self.update_post(post_id, post))
            except SiteError as error:
                results.append(error)
        return results

    def update_post(self, post_id: int, post: PostInput) -> Post:
        raise NotImplementedError

    def upload_media(self, path: Path, *, filename: str | None = None, title: str | None = None,
                     mime_type: str | None = None, slug: str | None = None) -> Media:
        raise NotImplementedError

    def upload_media_many(self, items: Sequence[UploadItem]) -> list[Media | SiteError]:
        """See :meth:`Cms.upload_media_many`; one request per file here (the adapters batch)."""
        results: list[Media | SiteError] = []
        for item in items:
            try:
                results.append(self.upload_media(item.path, filename=item.filename, title=item.title,
                                                 mime_type=item.mime_type, slug=item.slug))
            except SiteError as error:
                results.append(error)
        return results

    def _slug_taken(self, key: str) -> ConflictError:
        return ConflictError(f"the slug {key!r} is already used by another post on the site",
                             method="create", url=self.http.base_url, code="slug_taken")

    def list_categories(self) -> list[Category]:
        """See :meth:`Cms.list_categories`. Read once; later calls are free."""
        if self._categories is None:
            self._categories = {c.id: c for c in self._load_categories()}
        return list(self._categories.values())

    def create_category(self, name: str, parent: int = 0, *, slug: str | None = None,
                        description: str | None = None) -> Category:
        """See :meth:`Cms.create_category`."""
        self.list_categories()
        assert self._categories is not None
        category = self._create_category(name, parent, slug=slug, description=description)
        self._categories[category.id] = category
        return category

    def ensure_category_path(self, path: str) -> Category:
        """See :meth:`Cms.ensure_category_path`. Free when the whole path exists already."""
        levels = split_category_path(path)
        self.list_categories()
        assert self._categories is not None
        parent, leaf = 0, None
        tree = CategoryTree(self._categories)
        for level in levels:
            leaf = tree.child(parent, level)
            if leaf is None:
                # WordPress's own slug for a long Thai name can pass its 200 bytes (db_insert_error):
                # the rule migrations plan by says when to ask for a shortened one.
                slug = new_category_slug(level, parent, self._categories,
                                         {c.slug for c in self._categories.values()})
                leaf = self._create_category(level, parent, slug=slug.ask)
                self._categories[leaf.id] = leaf
            parent = leaf.id
        assert leaf is not None
        return leaf

    def change_categories(self, changes: Iterable[CategoryChange],
                          current: Mapping[int, Sequence[int]] | None = None) -> int:
        """See :meth:`Cms.change_categories`: reads what is not given, then writes what changes."""
        changes = list(changes)
        known = dict(current or {})
        known.update(self._current_categories([c.post_id for c in changes if c.post_id not in known]))
        writes = []
        for change in changes:
            before = list(known.get(change.post_id, []))
            after = [c for c in before if c not in change.remove] + [c for c in change.add if c not in before]
            # A post needs at least one category; WordPress would put it in the default one.
            if after != before and after:
                writes.append((change.post_id, after, change.date))
        self._write_categories(writes)
        return len(writes)

    # -- supplied by each adapter -----------------------------------------------------------

    def find_by_keys(self, keys: Sequence[str]) -> dict[str, Post]:
        raise NotImplementedError

    def _send_create(self, post: PostInput) -> Post:
        """One create request, not retried; the created post."""
        raise NotImplementedError

    def _delete_for_good(self, post_id: int) -> None:
        raise NotImplementedError

    def _load_categories(self) -> Iterable[Category]:
        raise NotImplementedError

    def _create_category(self, name: str, parent: int, *, slug: str | None = None,
                         description: str | None = None) -> Category:
        raise NotImplementedError

    def _current_categories(self, post_ids: Sequence[int]) -> dict[int, list[int]]:
        raise NotImplementedError

    def _write_categories(self, writes: Sequence[tuple[int, list[int], datetime | None]]) -> None:
        """Write each post's categories (and its date, when given, so WordPress keeps it)."""
        raise NotImplementedError
