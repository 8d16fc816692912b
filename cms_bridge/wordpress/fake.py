"""An in-memory WordPress implementing :class:`~cms_bridge.wordpress.protocol.Cms`, for tests.

Like httpx's ``MockTransport``: hand a :class:`FakeCms` to :class:`~cms_bridge.bridge.Bridge`,
:class:`~cms_bridge.publishing.reconciler.Reconciler` or
:class:`~cms_bridge.categories.engine.MigrationEngine` and no network is used. It passes the same
contract tests as the REST and XML-RPC adapters and keeps WordPress's rules where the bridge
depends on them:

* a post's key is its slug; a second non-draft post asking for a taken slug gets ``slug-2``
  (drafts and pending posts keep duplicates), and :meth:`FakeCms.create_post` then removes it and
  raises :class:`~cms_bridge.errors.ConflictError` as the adapters do;
* moving to the trash renames the slug ``slug__trashed``; :meth:`FakeCms.find_by_keys` still
  finds it, a live post winning over a trashed one;
* ``publish`` with a date a minute or more ahead of the site's clock becomes ``future``, and any
  write to a ``future`` post whose date has come publishes it;
* categories are a tree; names are stored as WordPress stores them (``&`` as ``&amp;``, spacing
  collapsed) and returned decoded, compared with :func:`~cms_bridge.wordpress.models.name_key`;
  counts cover published posts only; a post left with no category gets Uncategorized (id 1);
* media share the post id sequence, keep their slug (made unique) and the file's sha256;
* writes go in batches of :attr:`FakeCms.batch_limit` (25), each item's failure in its place.

The site's clock is injectable (``clock=``); :attr:`FakeCms.requests` counts calls the way a
real site would see requests, and :meth:`FakeCms.fail` makes the next calls of an operation fail.
What the site holds can be read directly (:attr:`FakeCms.posts`, :attr:`FakeCms.terms`,
:attr:`FakeCms.media`) and arranged as a person on the site would (:meth:`FakeCms.add_post`,
:meth:`FakeCms.add_category`, :meth:`FakeCms.edit_post`).
"""

from __future__ import annotations

import functools
import hashlib
import html
import mimetypes
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone, tzinfo
from pathlib import Path
from typing import Any, TypeVar, cast
from urllib.parse import quote

from cms_bridge.errors import ConflictError, NotFoundError, SiteError
from cms_bridge.wordpress.models import (
    SLUG_MAX_BYTES,
    Category,
    CategoryChange,
    LibraryItem,
    Linker,
    content_digest,
    Media,
    Post,
    PostInput,
    PostQuery,
    PostStatus,
    SiteInfo,
    UploadItem,
    key_from_slug,
    linker_how,
    linking_forms,
    name_key,
    plain_text,
    stored_text,
    split_category_path,
    new_category_slug,
    wordpress_slug,
)

TRASHED = "__trashed"
UNCATEGORIZED = 1
#: WordPress treats a "publish" less than a minute ahead as now, and a "future" less than a minute
#: ahead as due.
_SCHEDULE_SLACK = timedelta(minutes=1)
_NO_UNIQUE_SLUG = ("draft", "pending")


@dataclass
class StoredPost:
    """A post as the site's database holds it."""

    id: int
    slug: str
    title: str
    content: str
    excerpt: str
    status: PostStatus
    date: datetime | None
    modified: datetime
    categories: list[int]
    tags: list[int]
    featured_media: int | None
    author: int
    #: The slug asked for, restored when the post leaves the trash (``_wp_desired_post_slug``).
    desired_slug: str = ""
    #: A draft's date that was never set: publishing it dates it "now".
    floating_date: bool = False
    #: WordPress's default_comment_status is "open"; the bridge closes its own posts.
    comments_open: bool = True
    #: ``post`` or ``page`` (pages are found only by :meth:`FakeCms.find_linking`).
    post_type: str = "post"


@dataclass
class StoredTerm:
    """A category term; ``raw_name`` as WordPress stores it (``&amp;``)."""

    id: int
    raw_name: str
    parent: int
    slug: str
    description: str = ""


@dataclass
class StoredMedia:
    id: int
    slug: str
    title: str
    filename: str
    url: str
    mime_type: str
    size: int
    sha256: str
    data: bytes = field(default=b"", repr=False)
    parent: int | None = None
    modified: datetime | None = None
    caption: str = ""
    alt_text: str = ""
    description: str = ""


@dataclass
class _Fault:
    operation: str
    error: SiteError
    times: int
    when: Callable[..., bool] | None = None


_F = TypeVar("_F", bound=Callable[..., Any])


def _locked(method: _F) -> _F:
    @functools.wraps(method)
    def run(self: FakeCms, *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            return method(self, *args, **kwargs)

    return cast(_F, run)


@dataclass
class FakeCms:
    """An in-memory WordPress site.

    Args:
        clock: the site's clock (default: this machine's, UTC).
        timezone: the site's timezone setting.
        name: the site's title.
        batch_limit: writes per batch request (WordPress's default is 25).
        author: the user id the bridge writes as.
        base_url: where links and media URLs point.
    """

    clock: Callable[[], datetime] = field(default=lambda: datetime.now(timezone.utc))
    timezone: str = "Asia/Bangkok"
    name: str = "สพม. ตัวอย่าง (fake)"
    batch_limit: int = 25
    author: int = 1
    base_url: str = "https://fake.example"
    #: The site's users by login (the bridge writes as ``admin``, id 1).
    users: dict[str, int] = field(default_factory=lambda: {"admin": 1, "editor": 2})
    posts: dict[int, StoredPost] = field(default_factory=dict)
    terms: dict[int, StoredTerm] = field(default_factory=dict)
    media: dict[int, StoredMedia] = field(default_factory=dict)
    #: Requests a real site would have received, by operation ("find_by_keys", "batch", ...).
    requests: dict[str, int] = field(default_factory=dict)
    #: Files sent to the media library, failed ones included, whichever request carried them.
    files_sent: int = 0
    #: The reconciler sends uploads and post batches from several threads, as to a real site;
    #: one at a time here, so ids and counters stay consistent.
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False, compare=False)
    #: The size of each batch request write_posts/change_categories sent.
    batch_sizes: list[int] = field(default_factory=list)
    _next_id: int = 1
    _next_term: int = 2
    _faults: list[_Fault] = field(default_factory=list)
    _count_paused: bool = False

    def __getstate__(self) -> dict[str, Any]:
        """The site's state without its lock (a lock cannot be pickled; bench/idle_pass.py saves
        a published site and loads it in a fresh process)."""
        state = dict(self.__dict__)
        state.pop("_lock", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        """The state :meth:`__getstate__` gave, with a new lock."""
        self.__dict__.update(state)
        self._lock = threading.RLock()

    def __repr__(self) -> str:
        return (f"FakeCms({len(self.posts)} posts, {len(self.terms)} categories, {len(self.media)} media, "
                f"now {self._now().isoformat()})")

    def __post_init__(self) -> None:
        if not self.terms:
            self.terms[UNCATEGORIZED] = StoredTerm(UNCATEGORIZED, "Uncategorized", 0, "uncategorized")

    # -- test hooks -------------------------------------------------------------------------

    def fail(self, operation: str, error: SiteError | None = None, *, times: int = 1,
             when: Callable[..., bool] | None = None) -> None:
        """Make the next *times* calls of *operation* fail with *error* (a 500 by default).

        *operation* is a method name (``"upload_media"``, ``"set_status"``) or ``"write"`` for each
        post written by :meth:`write_posts` (an item's failure, returned in its place) or by
        :meth:`change_categories` (raised, the writes before it made, as after a cut-off);
        *when* gets the call's arguments and picks which calls fail.
        """
        self._faults.append(_Fault(operation, error or SiteError(
            "the site failed", method=operation, url=self.base_url, status=500, code="fake_failure"), times, when))

    def _check_fault(self, operation: str, *args: object) -> None:
        for fault in self._faults:
            if fault.operation == operation and fault.times > 0 and (fault.when is None or fault.when(*args)):
                fault.times -= 1
                raise fault.error

    def _count(self, operation: str, n: int = 1) -> None:
        if self._count_paused:
            return
        self.requests[operation] = self.requests.get(operation, 0) + n

    @property
    def requests_sent(self) -> int:
        """All requests so far (what :attr:`HttpClient.requests_sent` would say)."""
        return sum(self.requests.values())

    def add_post(self, *, title: str, slug: str = "", status: PostStatus = "publish", content: str = "",
                 date: datetime | None = None, categories: Sequence[int] = (), author: int = 2,
                 post_type: str = "post") -> StoredPost:
        """A post (or with ``post_type="page"`` a page) made by a person on the site, by WordPress's rules."""
        stored = self._insert(slug, title=title, content=content, excerpt="", status=status, date=date,
                              categories=list(categories), tags=[], featured_media=None, author=author)
        stored.post_type = post_type
        return stored

    def add_media(self, filename: str, data: bytes, *, parent: int | None = None, title: str = "",
                  mime_type: str | None = None, folder: str | None = None) -> StoredMedia:
        """A file uploaded by a person (in the admin, a plugin, years ago), attached to *parent*;
        *folder* (``2019/05``) is the uploads folder it went to, this month's by default."""
        self._count_paused = True
        try:
            item = self._store_media(data, filename, title=title or None, mime_type=mime_type, slug=None, folder=folder)
        finally:
            self._count_paused = False
        stored = self.media[item.id]
        stored.parent = parent
        return stored

    def replace_media_file(self, media_id: int, data: bytes) -> None:
        """The file behind an item changed on the server (a plugin re-optimised it): size, modified."""
        stored = self.media[media_id]
        stored.data, stored.size, stored.sha256 = data, len(data), hashlib.sha256(data).hexdigest()
        stored.modified = self._now()

    def edit_post(self, post_id: int, **changes: object) -> StoredPost:
        """An edit made on the site (``title=``, ``content=``, ``status=``...): modified is bumped."""
        stored = self._stored(post_id)
        for name, value in changes.items():
            setattr(stored, name, value)
        stored.modified = self._now()
        return stored

    def add_category(self, name: str, parent: int = 0) -> StoredTerm:
        """A category made on the site, stored as WordPress stores it."""
        return self._insert_term(name, parent)

    def now(self) -> datetime:
        """The site's clock."""
        return self._now()

    # -- site -------------------------------------------------------------------------------

    def site_info(self) -> SiteInfo:
        """See :meth:`Cms.site_info`."""
        return SiteInfo(api="rest", name=self.name, version="6.6", timezone=self.timezone,
                        batch_limit=self.batch_limit,
                        capabilities=frozenset({"edit_posts", "publish_posts", "upload_files", "manage_categories"}))

    def site_now(self) -> datetime:
        """See :meth:`Cms.site_now`: the injected clock."""
        return self._now()

    def _now(self) -> datetime:
        moment = self.clock()
        if moment.tzinfo is None:
            raise ValueError("the fake site's clock must give aware datetimes")
        return moment.astimezone(timezone.utc).replace(microsecond=0)

    # -- posts ------------------------------------------------------------------------------

    def find_by_keys(self, keys: Sequence[str]) -> dict[str, Post]:
        """See :meth:`Cms.find_by_keys`: live posts win over trashed ones."""
        wanted = list(dict.fromkeys(keys))
        self._count("find_by_keys", max(1, -(-len(wanted) // 100)))
        self._check_fault("find_by_keys", wanted)
        found: dict[str, Post] = {}
        wanted_set = set(wanted)
        for stored in sorted(self.posts.values(), key=lambda p: p.id):
            key = key_from_slug(stored.slug)
            if key in wanted_set and (key not in found or found[key].status == "trash"):
                found[key] = self._post(stored)
        return found

    def create_post(self, post: PostInput) -> Post:
        """See :meth:`Cms.create_post`: a slug WordPress had to change is a conflict."""
        self._count("create_post")
        self._check_fault("create_post", post)
        return self._create(post)

    def _create(self, post: PostInput) -> Post:
        stored = self._insert(post.key, title=post.title, content=post.content, excerpt=post.excerpt,
                              status=post.status, date=post.date, categories=list(post.categories),
                              tags=list(post.tags), featured_media=post.featured_media,
                              author=self._author_of(post))
        stored.comments_open = post.comments_open
        if stored.slug != post.key:
            del self.posts[stored.id]
            raise ConflictError(f"the slug {post.key!r} is already used by another post on the site",
                                method="create", url=self.base_url, code="slug_taken")
        return self._post(stored)

    def update_post(self, post_id: int, post: PostInput) -> Post:
        """See :meth:`Cms.update_post`."""
        self._count("update_post")
        self._check_fault("update_post", post_id, post)
        return self._update(post_id, post)

    def _update(self, post_id: int, post: PostInput) -> Post:
        stored = self._stored(post_id)
        self._check_media(post.featured_media)
        stored.title, stored.content, stored.excerpt = post.title, post.content, post.excerpt
        stored.categories = self._valid_categories(post.categories)
        stored.tags = list(post.tags)
        stored.featured_media = post.featured_media or None
        stored.comments_open = post.comments_open
        if post.author is not None:
            stored.author = self._author_of(post)
        if post.date is not None:
            stored.date, stored.floating_date = _second(post.date), False
        self._set_status(stored, post.status, slug=post.key)
        return self._post(stored)

    @_locked
    def write_posts(self, items: Sequence[tuple[int | None, PostInput]]) -> list[Post | SiteError]:
        """See :meth:`Cms.write_posts`: batches of :attr:`batch_limit`, failures in place."""
        results: list[Post | SiteError] = []
        for start in range(0, len(items), self.batch_limit):
            chunk = items[start:start + self.batch_limit]
            self._batch(len(chunk))
            for post_id, post in chunk:
                try:
                    self._check_fault("write", post_id, post)
                    results.append(self._create(post) if post_id is None else self._update(post_id, post))
                except SiteError as error:
                    results.append(error)
        return results

    def _batch(self, size: int) -> None:
        if size > self.batch_limit:
            raise SiteError(f"batch of {size} exceeds the limit of {self.batch_limit}", method="POST",
                            url=self.base_url + "/wp-json/batch/v1", status=400, code="rest_batch_too_large")
        self._count("batch")
        self.batch_sizes.append(size)

    def get_post(self, post_id: int, *, with_content: bool = False) -> Post:
        """See :meth:`Cms.get_post`."""
        self._count("get_post")
        self._check_fault("get_post", post_id)
        return self._post(self._stored(post_id), with_content=with_content)

    def set_status(self, post_id: int, status: PostStatus, *, date: datetime | None = None) -> Post:
        """See :meth:`Cms.set_status`. ``date`` also moves the publication time."""
        self._count("set_status")
        self._check_fault("set_status", post_id, status)
        stored = self._stored(post_id)
        if status == "trash":
            if stored.status != "trash":
                self._trash(stored)
            return self._post(stored)
        if date is not None:
            stored.date, stored.floating_date = _second(date), False
        self._set_status(stored, status, slug=key_from_slug(stored.slug) or stored.desired_slug or stored.slug)
        return self._post(stored)

    def delete_post(self, post_id: int) -> None:
        """Delete a post for good (as ``force=true`` does)."""
        self._count("delete_post")
        self._stored(post_id)
        del self.posts[post_id]

    def count_posts(self, query: PostQuery) -> int:
        """See :meth:`Cms.count_posts`: one request."""
        self._count("count_posts")
        self._check_fault("count_posts", query)
        return sum(1 for _ in self._matching(query))

    def iter_posts(self, query: PostQuery) -> Iterator[Post]:
        """See :meth:`Cms.iter_posts`: oldest id first, a request per 100."""
        matches = list(self._matching(query))
        self._count("iter_posts", max(1, -(-len(matches) // 100)))
        self._check_fault("iter_posts", query)
        for stored in matches:
            yield self._post(stored)

    def _matching(self, query: PostQuery) -> Iterator[StoredPost]:
        for stored in sorted(self.posts.values(), key=lambda p: p.id):
            if stored.post_type != "post" or stored.status not in query.statuses:
                continue
            if query.category is not None and query.category not in stored.categories:
                continue
            if query.author is not None and stored.author != query.author:
                continue
            if query.after is not None and (stored.date is None or stored.date < query.after):
                continue
            if query.before is not None and (stored.date is None or stored.date >= query.before):
                continue
            if query.search and query.search.casefold() not in (stored.title + " " + stored.content).casefold():
                continue
            yield stored

    # -- media ------------------------------------------------------------------------------

    def upload_media(self, path: Path, *, filename: str | None = None, title: str | None = None,
                     mime_type: str | None = None, slug: str | None = None) -> Media:
        """See :meth:`Cms.upload_media`: the slug is kept (``-2`` when taken)."""
        self._count("upload_media")
        self.files_sent += 1
        self._check_fault("upload_media", path, slug)
        return self._store_media(Path(path).read_bytes(), filename or Path(path).name, title=title,
                                 mime_type=mime_type, slug=slug)

    def _store_media(self, data: bytes, filename: str, *, title: str | None, mime_type: str | None,
                     slug: str | None, folder: str | None = None) -> Media:
        name = _safe_filename(filename)
        mime = mime_type or mimetypes.guess_type(name)[0] or "application/octet-stream"
        stem, dot, ext = name.rpartition(".") if "." in name else (name, "", "")
        if ext.lower() in REFUSED_TYPES:
            # As WordPress: a type outside its allowed list is refused (without unfiltered_upload).
            raise SiteError("Sorry, you are not allowed to upload this file type.", method="POST",
                            url=f"{self.base_url}/wp-json/wp/v2/media", status=500,
                            code="rest_upload_sideload_error")
        now = self._now().astimezone(_zone(self.timezone))
        folder = folder or f"{now:%Y/%m}"
        # wp_unique_filename: unique within the folder the file goes to.
        taken = {m.filename for m in self.media.values()
                 if m.url.split("/wp-content/uploads/", 1)[-1].rsplit("/", 1)[0] == folder}
        unique, n = name, 1
        while unique in taken:
            unique = f"{stem}-{n}{dot}{ext}"
            n += 1
        wanted_slug = slug or _slugify(title or stem or "file")
        used = {m.slug for m in self.media.values()} | {p.slug for p in self.posts.values()}
        final_slug = _unique(wanted_slug, used)
        media_id = self._take_id()
        url = f"{self.base_url}/wp-content/uploads/{folder}/{quote(unique)}"
        stored = StoredMedia(id=media_id, slug=final_slug, title=title or stem, filename=unique, url=url,
                             mime_type=mime, size=len(data), sha256=hashlib.sha256(data).hexdigest(), data=data,
                             modified=self._now())
        self.media[media_id] = stored
        return _media(stored)

    @_locked
    def upload_media_many(self, items: Sequence[UploadItem]) -> list[Media | SiteError]:
        """See :meth:`Cms.upload_media_many`: counted as the REST adapter's multicalls are
        (``upload_multicall`` per 25 files, ``name_uploads`` per 100 uploaded; a single file is one
        ``upload_media``), each item's fault in its place."""
        results: list[Media | SiteError] = []
        before = self.requests.get("upload_media", 0)
        for item in items:
            try:
                results.append(self.upload_media(item.path, filename=item.filename, title=item.title,
                                                 mime_type=item.mime_type, slug=item.slug))
            except SiteError as error:
                results.append(error)
        if len(items) < 2:
            return results  # one file: one plain upload, as the REST adapter sends it
        self.requests["upload_media"] = before
        self._count("upload_multicall", -(-len(items) // 25))
        if uploaded := sum(isinstance(r, Media) for r in results):
            self._count("name_uploads", -(-uploaded // 100))
        return results

    def delete_media(self, media_id: int) -> None:
        """See :meth:`Cms.delete_media`: gone from the library and from :meth:`public_file`."""
        self._count("delete_media")
        self._check_fault("delete_media", media_id)
        self.media.pop(media_id, None)

    def list_media(self) -> Iterator[LibraryItem]:
        """See :meth:`Cms.list_media`: oldest id first, a request per 100."""
        items = sorted(self.media.values(), key=lambda m: m.id)
        self._count("list_media", max(1, -(-len(items) // 100)))
        self._check_fault("list_media")
        for stored in items:
            yield _library_item(stored)

    def download(self, url: str, dest: Path, *, max_bytes: int) -> int | None:
        """See :meth:`Cms.download`."""
        self._count("download")
        self._check_fault("download", url)
        data = self.public_file(url)
        if data is None:
            raise NotFoundError("Not Found", method="GET", url=url, status=404)
        if len(data) > max_bytes:
            return None
        dest.write_bytes(data)
        return len(data)

    def find_linking(self, item: LibraryItem) -> list[Linker]:
        """See :meth:`Cms.find_linking`: two searches (posts, pages) and one read of the parent."""
        self._count("find_linking", 3 if item.parent else 2)
        forms = linking_forms(item)
        found: dict[int, Linker] = {}
        for stored in sorted(self.posts.values(), key=lambda p: p.id):
            if stored.status != "trash" and any(form in stored.content for form in forms):
                found[stored.id] = self._linker(stored, "content")
            elif stored.status != "trash" and stored.featured_media == item.id:
                found[stored.id] = self._linker(stored, "featured")
        if item.parent and item.parent in self.posts and self.posts[item.parent].status != "trash":
            found[item.parent] = self._linker(self.posts[item.parent], "parent")
        return sorted(found.values(), key=lambda e: (e.type, e.id))

    def _linker(self, stored: StoredPost, how: str) -> Linker:
        return Linker(id=stored.id, type="page" if stored.post_type == "page" else "post",
                      title=plain_text(stored.title), status=stored.status, link=f"{self.base_url}/?p={stored.id}",
                      how=linker_how(how), content_sha256=content_digest(stored.content))

    def set_entry_status(self, entry: Linker, status: PostStatus) -> Linker:
        """See :meth:`Cms.set_entry_status`."""
        self._count("set_entry_status")
        self._check_fault("set_entry_status", entry, status)
        stored = self._stored(entry.id)
        self._set_status(stored, status, slug=stored.slug)
        return self._linker(stored, entry.how)

    def restore_media(self, path: Path, item: LibraryItem) -> LibraryItem:
        """See :meth:`Cms.restore_media`: this month's folder, a new id."""
        self._count("restore_media")
        self._check_fault("restore_media", item)
        made = self._store_media(Path(path).read_bytes(), item.filename, title=item.title, mime_type=item.mime_type,
                                 slug=item.slug or None)
        stored = self.media[made.id]
        # As WordPress: a file whose post was deleted since comes back unattached.
        stored.parent = item.parent if item.parent in self.posts else None
        stored.caption = item.caption
        stored.alt_text, stored.description = item.alt_text, item.description
        return _library_item(stored)

    def find_user_id(self, login: str) -> int | None:
        """See :meth:`Cms.find_user_id`."""
        self._count("find_user_id")
        return self.users.get(login)

    def _author_of(self, post: PostInput) -> int:
        if post.author is None:
            return self.author
        if post.author not in self.users.values():
            raise SiteError(f"invalid author id {post.author}", method="POST", url=self.base_url, status=400,
                            code="rest_invalid_author")
        return post.author

    def media_sha256(self, media: Media) -> str | None:
        """See :meth:`Cms.media_sha256`."""
        self._count("media_sha256")
        data = self.public_file(media.url)
        return None if data is None else hashlib.sha256(data).hexdigest()

    def public_file(self, url: str) -> bytes | None:
        """What a visitor downloads at *url* (None: 404), like the uploads folder serves it."""
        return next((m.data for m in self.media.values() if m.url == url), None)

    def find_media(self, slugs: Sequence[str]) -> dict[str, Media]:
        """See :meth:`Cms.find_media`."""
        wanted = list(dict.fromkeys(slugs))
        self._count("find_media", max(1, -(-len(wanted) // 100)))
        self._check_fault("find_media", wanted)
        return {m.slug: _media(m) for m in self.media.values() if m.slug in set(wanted)}

    # -- categories -------------------------------------------------------------------------

    def list_categories(self) -> list[Category]:
        """See :meth:`Cms.list_categories`: names decoded, counts of published posts."""
        self._count("list_categories")
        return [self._category(t) for t in self.terms.values()]

    @_locked  # post writes run on other threads; the category count reads every post
    def ensure_category_path(self, path: str) -> Category:
        """See :meth:`Cms.ensure_category_path`."""
        parent, leaf = 0, None
        for level in split_category_path(path):
            leaf = self._find_term(level, parent)
            if leaf is None:
                self._count("create_category")
                # As the adapters do: a shortened slug where WordPress's own would not fit.
                slug = new_category_slug(level, parent, self.terms, {t.slug for t in self.terms.values()})
                leaf = self._insert_term(level, parent, slug=slug.ask)
            parent = leaf.id
        assert leaf is not None
        return self._category(leaf)

    def create_category(self, name: str, parent: int = 0, *, slug: str | None = None,
                        description: str | None = None) -> Category:
        """See :meth:`Cms.create_category`: an existing one of that name (and slug, if given) is returned."""
        self._count("create_category")
        self._check_fault("create_category", name, parent)
        existing = self._find_term(name, parent)
        if existing is not None and (slug is None or existing.slug == slug):
            return self._category(existing)
        return self._category(self._insert_term(name, parent, slug=slug, description=description or ""))

    def update_category(self, category_id: int, *, name: str | None = None, parent: int | None = None,
                        description: str | None = None) -> Category:
        """See :meth:`Cms.update_category`."""
        self._count("update_category")
        self._check_fault("update_category", category_id)
        term = self._term(category_id)
        if parent is not None:
            if parent and parent not in self.terms:
                raise NotFoundError("Parent term does not exist.", method="POST", url=self.base_url, status=400,
                                    code="rest_term_invalid")
            ancestor = parent
            while ancestor:
                if ancestor == category_id:
                    raise SiteError("a category cannot be inside itself", method="POST", url=self.base_url,
                                    status=400, code="invalid_parent")
                ancestor = self.terms[ancestor].parent
        new_name = _stored_name(name) if name is not None else term.raw_name
        new_parent = term.parent if parent is None else parent
        clash = self._find_term(plain_text(new_name), new_parent)
        if clash is not None and clash.id != term.id:
            raise ConflictError("A term with the name provided already exists with this parent.", method="POST",
                                url=self.base_url, status=400, code="term_exists")
        term.raw_name, term.parent = new_name, new_parent
        if description is not None:
            term.description = description
        return self._category(term)

    def delete_category(self, category_id: int) -> None:
        """See :meth:`Cms.delete_category`: children move up, posts keep their other categories."""
        self._count("delete_category")
        self._check_fault("delete_category", category_id)
        term = self._term(category_id)
        if category_id == UNCATEGORIZED:
            raise SiteError("The term cannot be deleted.", method="DELETE", url=self.base_url, status=500,
                            code="rest_cannot_delete")
        for child in self.terms.values():
            if child.parent == category_id:
                child.parent = term.parent
        del self.terms[category_id]
        for stored in self.posts.values():
            if category_id in stored.categories:
                stored.categories = [c for c in stored.categories if c != category_id] or [UNCATEGORIZED]

    def change_categories(self, changes: Iterable[CategoryChange],
                          current: Mapping[int, Sequence[int]] | None = None) -> int:
        """See :meth:`Cms.change_categories`: what is not given is read, what changes is written."""
        changes = list(changes)
        known = {k: list(v) for k, v in (current or {}).items()}
        unknown = [c.post_id for c in changes if c.post_id not in known]
        if unknown:
            self._count("iter_posts", -(-len(unknown) // 100))
            known.update({i: list(self.posts[i].categories) for i in unknown if i in self.posts})
        writes = []
        for change in changes:
            before = list(known.get(change.post_id, []))
            after = [c for c in before if c not in change.remove] + [c for c in change.add if c not in before]
            if after != before and after:
                writes.append((change.post_id, after, change.date))
        for start in range(0, len(writes), self.batch_limit):
            chunk = writes[start:start + self.batch_limit]
            self._batch(len(chunk))
            for post_id, after, date in chunk:
                self._check_fault("write", post_id, None)
                stored = self._stored(post_id)
                stored.categories = self._valid_categories(after)
                if date is not None:  # sent back: kept, and fixed (WordPress sets post_date_gmt)
                    stored.date, stored.floating_date = _second(date), False
                self._set_status(stored, stored.status, slug=stored.slug)
        return len(writes)

    # -- WordPress's rules ------------------------------------------------------------------

    def _take_id(self) -> int:
        # Posts and attachments share one id sequence, as in wp_posts.
        taken, self._next_id = self._next_id, self._next_id + 1
        return taken

    def _insert(self, slug: str, *, title: str, content: str, excerpt: str, status: PostStatus,
                date: datetime | None, categories: list[int], tags: list[int], featured_media: int | None,
                author: int) -> StoredPost:
        self._check_media(featured_media)
        now = self._now()
        stored = StoredPost(id=self._take_id(), slug="", title=title, content=content, excerpt=excerpt,
                            status="draft", date=_second(date) if date else None, modified=now,
                            categories=self._valid_categories(categories), tags=tags,
                            featured_media=featured_media or None, author=author,
                            floating_date=date is None)
        if stored.date is None:
            stored.date = now
        self.posts[stored.id] = stored
        self._set_status(stored, status, slug=slug or _slugify(title))
        return stored

    def _set_status(self, stored: StoredPost, status: PostStatus, *, slug: str) -> None:
        """Every write ends here: status rules, slug rules, modified time."""
        now = self._now()
        if status == "trash":
            if stored.status == "trash":
                stored.modified = now  # edited in the trash: the slug keeps its one suffix
            else:
                self._trash(stored)
            return
        if status in ("publish", "future") and stored.floating_date:
            stored.date, stored.floating_date = now, False
        elif status in ("draft", "pending") and stored.floating_date:
            stored.date = now  # wp_update_post dates an undated draft "now" on every write (it stays undated)
        assert stored.date is not None
        if status == "publish" and stored.date - now >= _SCHEDULE_SLACK:
            status = "future"
        elif status == "future" and stored.date - now < _SCHEDULE_SLACK:
            status = "publish"
        stored.status = status
        wanted = slug.removesuffix(TRASHED)
        if status in _NO_UNIQUE_SLUG:
            stored.slug = wanted
        else:
            # wp_unique_post_slug: a post's slug is unique among posts (attachments among everything).
            used = {p.slug for p in self.posts.values() if p.id != stored.id}
            stored.slug = _unique(wanted, used)
        stored.desired_slug = ""
        stored.modified = now

    def _trash(self, stored: StoredPost) -> None:
        stored.desired_slug = stored.slug
        stored.slug = stored.slug + TRASHED
        stored.status = "trash"
        stored.modified = self._now()

    def _stored(self, post_id: int) -> StoredPost:
        stored = self.posts.get(post_id)
        if stored is None:
            raise NotFoundError("Invalid post ID.", method="GET", url=f"{self.base_url}/?p={post_id}", status=404,
                                code="rest_post_invalid_id")
        return stored

    def _check_media(self, media_id: int | None) -> None:
        if media_id and media_id not in self.media:
            raise SiteError("Invalid featured media ID.", method="POST", url=self.base_url, status=400,
                            code="rest_invalid_featured_media")

    def _valid_categories(self, categories: Sequence[int]) -> list[int]:
        for category in categories:
            if category not in self.terms:
                raise SiteError(f"Invalid category ID {category}.", method="POST", url=self.base_url, status=400,
                                code="rest_invalid_param")
        return list(dict.fromkeys(categories)) or [UNCATEGORIZED]

    def _term(self, category_id: int) -> StoredTerm:
        term = self.terms.get(category_id)
        if term is None:
            raise NotFoundError("Term does not exist.", method="GET", url=self.base_url, status=404,
                                code="rest_term_invalid")
        return term

    def _find_term(self, name: str, parent: int) -> StoredTerm | None:
        return next((t for t in self.terms.values()
                     if t.parent == parent and name_key(t.raw_name) == name_key(name)), None)

    def _insert_term(self, name: str, parent: int, *, slug: str | None = None, description: str = "") -> StoredTerm:
        if parent and parent not in self.terms:
            raise NotFoundError("Parent term does not exist.", method="POST", url=self.base_url, status=400,
                                code="rest_term_invalid")
        raw = _stored_name(name)
        if not plain_text(raw):
            raise SiteError("A name is required for this term.", method="POST", url=self.base_url, status=400,
                            code="empty_term_name")
        clash = self._find_term(raw, parent)
        if clash is not None and (slug is None or clash.slug == slug):
            raise ConflictError("A term with the name provided already exists with this parent.", method="POST",
                                url=self.base_url, status=400, code="term_exists")
        term = StoredTerm(self._next_term, raw, parent, self._term_slug(slug or wordpress_slug(raw), parent),
                          description)
        self._next_term += 1
        self.terms[term.id] = term
        return term

    def _term_slug(self, slug: str, parent: int) -> str:
        # wp_unique_term_slug: a taken slug gets its parents' slugs appended, then -2, -3...;
        # the result must fit wp_terms.slug or the insert fails.
        used = {t.slug for t in self.terms.values()}
        if slug in used:
            ancestor = parent
            while ancestor and slug in used:
                slug = f"{slug}-{self.terms[ancestor].slug}"
                ancestor = self.terms[ancestor].parent
            slug = _unique(slug, used)
        if len(slug) > SLUG_MAX_BYTES:
            raise SiteError("Could not insert term into the database.", method="POST", url=self.base_url,
                            status=500, code="db_insert_error")
        return slug

    # -- what the adapters return -----------------------------------------------------------

    def _post(self, stored: StoredPost, *, with_content: bool = False) -> Post:
        return Post(id=stored.id, key=key_from_slug(stored.slug), slug=stored.slug, title=plain_text(stored.title),
                    status=stored.status, date=stored.date, modified=stored.modified,
                    categories=tuple(stored.categories), tags=tuple(stored.tags),
                    featured_media=stored.featured_media, link=f"{self.base_url}/?p={stored.id}",
                    author=stored.author, content=stored.content if with_content else None,
                    comments_open=stored.comments_open)

    def _category(self, term: StoredTerm) -> Category:
        count = sum(1 for p in list(self.posts.values()) if p.status == "publish" and term.id in p.categories)
        return Category(id=term.id, name=plain_text(term.raw_name), parent=term.parent, slug=term.slug, count=count,
                        description=term.description, stored_name=stored_text(term.raw_name))


def _media(stored: StoredMedia) -> Media:
    return Media(id=stored.id, url=stored.url, mime_type=stored.mime_type, size=stored.size,
                 title=plain_text(stored.title), slug=stored.slug)


def _library_item(stored: StoredMedia) -> LibraryItem:
    return LibraryItem(id=stored.id, url=stored.url, mime_type=stored.mime_type, size=stored.size,
                       modified=stored.modified, parent=stored.parent, title=stored.title, caption=stored.caption,
                       alt_text=stored.alt_text, description=stored.description, slug=stored.slug)


def _second(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("naive datetime: give a timezone")
    return moment.astimezone(timezone.utc).replace(microsecond=0)


def _stored_name(name: str) -> str:
    # sanitize_text_field (spacing collapsed, trimmed), then & < > escaped without double-encoding.
    return html.escape(" ".join(html.unescape(name).split()), quote=False)


def _slugify(text: str) -> str:
    # sanitize_title: lowercase, spaces to dashes, non-ASCII percent-encoded in lowercase hex.
    words = re.sub(r"[^\w\s-]", "", plain_text(text).lower()).split()
    return quote("-".join(words), safe="-").lower() or "untitled"


def _unique(slug: str, used: set[str]) -> str:
    if slug not in used:
        return slug
    n = 2
    while f"{slug}-{n}" in used:
        n += 1
    return f"{slug}-{n}"


#: Extensions WordPress refuses to upload (not in its allowed list).
REFUSED_TYPES = frozenset({"exe", "php", "phtml", "sh", "bat", "com", "dll"})


def _safe_filename(name: str) -> str:
    # sanitize_file_name: the last path part, spaces to dashes, no quotes or separators.
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(ch for ch in base if ch.isprintable() and ch not in '"\';:?*<>|#%&')
    return re.sub(r"\s+", "-", cleaned.strip()) or "upload"


def _zone(name: str) -> tzinfo:
    from cms_bridge.wordpress.protocol import site_zone

    return site_zone(SiteInfo(api="rest", timezone=name))


__all__ = ["FakeCms", "StoredMedia", "StoredPost", "StoredTerm", "UNCATEGORIZED"]
