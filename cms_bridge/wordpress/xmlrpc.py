"""The :class:`~cms_bridge.wordpress.protocol.Cms` interface over XML-RPC, for sites without REST.

Same behaviour as the REST adapter, at a higher price where XML-RPC has no cheaper way: it cannot
filter posts by slug, date or category, so finding, counting and iterating read the post list
(500 posts a request), and uploads travel base64-encoded in memory. The key is kept both as the
slug and as the custom field ``cms_bridge_key``.
"""

from __future__ import annotations

import mimetypes
import xmlrpc.client
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from wordpress_xmlrpc.methods.media import UploadFile
from wordpress_xmlrpc.methods.options import GetOptions
from wordpress_xmlrpc.methods.users import GetUsers
from wordpress_xmlrpc.methods.posts import (
    DeletePost,
    EditPost,
    GetPost,
    GetPosts,
    NewPost,
)
from wordpress_xmlrpc.methods.taxonomies import (
    DeleteTerm,
    EditTerm,
    GetTerm,
    GetTerms,
    NewTerm,
)

from cms_bridge.errors import NotFoundError, PermissionDeniedError, SiteError, UsageError
from cms_bridge.wordpress.base import AdapterBase
from cms_bridge.wordpress.http import HttpClient
from cms_bridge.wordpress.models import (
    ALL_STATUSES,
    Category,
    CategoryTree,
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
    upload_slugs,
    plain_text,
    stored_text,
    linker_how,
    linking_forms,
    search_terms,
)
from cms_bridge.wordpress.xmlrpc_compat import XmlRpcClient

KEY_FIELD = "cms_bridge_key"
PAGE = 500
#: Post writes in one multicall (each a full post body; WordPress runs them one after another).
WRITES_PER_CALL = 50
_FIELDS = ["post_id", "post_title", "post_status", "post_date_gmt", "post_modified_gmt", "post_name",
           "link", "post_author", "post_thumbnail", "terms", "custom_fields", "comment_status"]


class XmlRpcAdapter(AdapterBase):
    """A WordPress site over XML-RPC.

    Args:
        http: the HTTP client (credentials, TLS, retries, request counting).
        endpoint: the ``xmlrpc.php`` URL (default: under the site URL).
    """

    def __init__(self, http: HttpClient, *, endpoint: str | None = None) -> None:
        self.http = http
        self.client = XmlRpcClient(http, endpoint or http.base_url + "/xmlrpc.php")
        self._info: SiteInfo | None = None

    def _call(self, method: Any, *, retry: bool = True) -> Any:
        return self.client.call(method, retry=retry)

    def site_info(self) -> SiteInfo:
        """See :meth:`Cms.site_info`. XML-RPC gives the offset, not the zone name."""
        if self._info is None:
            options = {o.name: o.value for o in self._call(GetOptions(["software_version", "time_zone", "blog_title"]))}
            self._info = SiteInfo(
                api="xmlrpc",
                name=plain_text(str(options.get("blog_title", ""))),
                version=options.get("software_version"),
                timezone=f"UTC{float(options.get('time_zone') or 0):+g}",
                batch_limit=1,
            )
        return self._info

    def find_by_keys(self, keys: Sequence[str]) -> dict[str, Post]:
        """See :meth:`Cms.find_by_keys`. Reads the post list: ``ceil(posts / 500)`` requests."""
        wanted = set(keys)
        found: dict[str, Post] = {}
        for post in self._all_posts(ALL_STATUSES):
            if post.key in wanted and (post.key not in found or found[post.key].status == "trash"):
                found[post.key] = post
        return found

    def _send_create(self, post: PostInput) -> Post:
        struct = {**self._struct(post), "custom_fields": [{"key": KEY_FIELD, "value": post.key}]}
        return self.get_post(int(self._call(NewPost(struct), retry=False)))

    def _delete_for_good(self, post_id: int) -> None:
        self._call(DeletePost(post_id))  # to the trash…
        self._call(DeletePost(post_id))  # …and, from there, for good

    def update_post(self, post_id: int, post: PostInput) -> Post:
        """See :meth:`Cms.update_post`."""
        self._call(EditPost(post_id, self._struct(post)))
        return self.get_post(post_id)

    def write_posts(self, items: Sequence[tuple[int | None, PostInput]]) -> list[Post | SiteError]:
        """See :meth:`Cms.write_posts`: ``wp.newPost`` / ``wp.editPost`` in multicalls of 50, then
        one multicall re-reading them: ``2 × ceil(N / 50)`` requests instead of ``2N``."""
        results: list[Post | SiteError] = []
        for start in range(0, len(items), WRITES_PER_CALL):
            results.extend(self._write_chunk(items[start:start + WRITES_PER_CALL]))
        return results

    def _write_chunk(self, items: Sequence[tuple[int | None, PostInput]]) -> list[Post | SiteError]:
        calls = [NewPost({**self._struct(post), "custom_fields": [{"key": KEY_FIELD, "value": post.key}]})
                 if post_id is None else EditPost(post_id, self._struct(post)) for post_id, post in items]
        try:
            # Not retried: a create may have happened before a failure (the next lookup by key decides).
            answers = self.client.multicall(calls, retry=not any(post_id is None for post_id, _ in items))
        except SiteError as error:
            return [error] * len(items)
        written: list[int | SiteError] = []
        for (post_id, _), answer in zip(items, answers, strict=True):
            if isinstance(answer, SiteError):
                written.append(answer)
            elif post_id is None:
                written.append(int(answer))
            else:
                written.append(post_id if answer else SiteError(
                    f"wp.editPost did not change post #{post_id}", method="XML-RPC wp.editPost", url=self.client.url))
        ids = [w for w in written if isinstance(w, int)]
        try:
            read = dict(zip(ids, self.client.multicall([GetPost(i, _FIELDS, results_class=dict) for i in ids]),
                            strict=True))
        except SiteError as error:
            read = dict.fromkeys(ids, error)
        results: list[Post | SiteError] = []
        for (post_id, post), done in zip(items, written, strict=True):
            if isinstance(done, SiteError):
                results.append(done)
                continue
            raw = read[done]
            if isinstance(raw, SiteError):
                results.append(raw)
                continue
            got = _as_scheduled(_post(raw))
            if post_id is None and got.slug != post.key:
                # As create_post: WordPress renamed ours because the slug is taken; remove it.
                self._delete_for_good(got.id)
                results.append(self._slug_taken(post.key))
            else:
                results.append(got)
        return results

    def set_status(self, post_id: int, status: PostStatus, *, date: datetime | None = None) -> Post:
        """See :meth:`Cms.set_status`."""
        if status == "trash":
            self._call(DeletePost(post_id))
            return self.get_post(post_id)
        current = self.get_post(post_id)
        struct: dict[str, Any] = {"post_status": status}
        if date is not None:
            struct["post_date_gmt"] = _xmlrpc_date(date)
        if current.key is not None:
            struct["post_name"] = current.key  # undo the "__trashed" suffix when restoring
        self._call(EditPost(post_id, struct))
        return self.get_post(post_id)

    def get_post(self, post_id: int, *, with_content: bool = False) -> Post:
        """One post by id, in any status."""
        fields = _FIELDS + (["post_content"] if with_content else [])
        return _as_scheduled(_post(self._call(GetPost(post_id, fields, results_class=dict))))

    def count_posts(self, query: PostQuery) -> int:
        """See :meth:`Cms.count_posts`. XML-RPC cannot count: the matching posts are read."""
        return sum(1 for _ in self.iter_posts(query))

    def iter_posts(self, query: PostQuery) -> Iterator[Post]:
        """See :meth:`Cms.iter_posts`, filtering here what XML-RPC cannot filter."""
        for post in self._all_posts(query.statuses):
            if query.author is not None and post.author != query.author:
                continue
            if query.category is not None and query.category not in post.categories:
                continue
            if query.after is not None and (post.date is None or post.date < query.after):
                continue
            if query.before is not None and (post.date is None or post.date >= query.before):
                continue
            if query.search and query.search.casefold() not in post.title.casefold():
                continue
            yield post

    def _current_categories(self, post_ids: Sequence[int]) -> dict[int, list[int]]:
        # wp.getPosts cannot select by id: one read per post (XML-RPC is the slow path).
        return {post_id: list(self.get_post(post_id).categories) for post_id in post_ids}

    def _write_categories(self, writes: Sequence[tuple[int, list[int], datetime | None]]) -> None:
        for post_id, after, date in writes:
            struct: dict[str, Any] = {"terms": {"category": after}}
            if date is not None:  # else wp.editPost dates an undated draft "now"
                struct["post_date_gmt"] = _xmlrpc_date(date)
            self._call(EditPost(post_id, struct))

    def upload_media(self, path: Path, *, filename: str | None = None, title: str | None = None,
                     mime_type: str | None = None, slug: str | None = None) -> Media:
        """See :meth:`Cms.upload_media`. XML-RPC carries the file base64-encoded, in memory.

        The slug is set by a second call, so a crash between the two can leave one upload that
        :meth:`find_media` does not see (REST sets it in the upload itself).
        """
        name = filename or path.name
        mime = mime_type or mimetypes.guess_type(name)[0] or "application/octet-stream"
        data = {"name": name, "type": mime, "bits": xmlrpc.client.Binary(path.read_bytes()), "overwrite": False}
        item = self._call(UploadFile(data), retry=False)
        media_id = int(item["id"])
        changes = {**({"post_title": title} if title else {}), **({"post_name": slug} if slug else {})}
        if changes:
            self._call(EditPost(media_id, changes))
        return Media(id=media_id, url=item["url"], mime_type=item["type"], size=path.stat().st_size,
                     title=plain_text(title or item.get("title", "")), slug=slug or "")

    def upload_media_many(self, items: Sequence[UploadItem]) -> list[Media | SiteError]:
        """See :meth:`Cms.upload_media_many`: ``system.multicall``, 25 files a request (fewer when
        large), then one multicall setting every title and slug; several requests at once."""
        return upload_many(self.http, items, single=None)

    def find_user_id(self, login: str) -> int | None:
        """See :meth:`Cms.find_user_id`. Reads the user list, 100 at a time."""
        offset = 0
        while True:
            users = self._call(GetUsers({"number": 100, "offset": offset}, ["user_id", "username"],
                                        results_class=dict)) or []
            for user in users:
                if user.get("username") == login:
                    return int(user["user_id"])
            if len(users) < 100:
                return None
            offset += 100

    def delete_media(self, media_id: int) -> None:
        """See :meth:`Cms.delete_media`. ``wp.deletePost`` on an attachment deletes it for good,
        files included (WordPress trashes media only when ``MEDIA_TRASH`` is on)."""
        try:
            self._call(DeletePost(media_id))
        except NotFoundError:
            pass  # already gone: what was asked for holds

    def find_media(self, slugs: Sequence[str]) -> dict[str, Media]:
        """See :meth:`Cms.find_media`. Reads the attachment list: ``ceil(media / 500)`` requests."""
        wanted = set(slugs)
        found: dict[str, Media] = {}
        offset = 0
        while True:
            batch = self._call(GetPosts({"post_type": "attachment", "post_status": "inherit", "number": PAGE,
                                         "offset": offset, "orderby": "ID", "order": "ASC"},
                                        ["post_id", "post_name", "post_title", "guid", "post_mime_type"],
                                        results_class=dict)) or []
            for item in batch:
                if item.get("post_name") in wanted:
                    found[item["post_name"]] = Media(
                        id=int(item["post_id"]), url=str(item.get("guid", "")), mime_type=str(item.get("post_mime_type", "")),
                        title=plain_text(str(item.get("post_title", ""))), slug=item["post_name"])
            if len(batch) < PAGE:
                return found
            offset += PAGE

    def list_media(self) -> Iterator[LibraryItem]:
        """See :meth:`Cms.list_media`. ``ceil(items / 500)`` requests; XML-RPC gives no file size
        and no smaller copies (the audit then tells a change by the modified time and sha256)."""
        offset = 0
        fields = ["post_id", "post_name", "post_title", "post_excerpt", "post_content", "guid", "post_mime_type",
                  "post_parent", "post_modified_gmt"]
        while True:
            batch = self._call(GetPosts({"post_type": "attachment", "post_status": "inherit", "number": PAGE,
                                         "offset": offset, "orderby": "ID", "order": "ASC"}, fields,
                                        results_class=dict)) or []
            for item in batch:
                yield _library_item(item)
            if len(batch) < PAGE:
                return
            offset += PAGE

    def find_linking(self, item: LibraryItem) -> list[Linker]:
        """See :meth:`Cms.find_linking`. Searches of posts and of pages by the file's name
        (decoded and percent-encoded), and one read of its parent. A featured image is not found
        over XML-RPC (no search by ``post_thumbnail``)."""
        forms = linking_forms(item)
        found: dict[int, Linker] = {}
        for kind in ("post", "page"):
            for term in search_terms(item):
                offset = 0
                while True:
                    batch = self._call(GetPosts({"post_type": kind, "s": term, "number": PAGE, "offset": offset,
                                                 "post_status": ["publish", "future", "draft", "pending", "private"]},
                                                ["post_id", "post_title", "post_status", "link", "post_content"],
                                                results_class=dict)) or []
                    for raw in batch:
                        if any(form in str(raw.get("post_content", "")) for form in forms):
                            found[int(raw["post_id"])] = _entry(raw, kind, "content")
                    if len(batch) < PAGE:
                        break
                    offset += PAGE
        if item.parent:
            try:
                raw = self._call(GetPost(item.parent, ["post_id", "post_title", "post_status", "link", "post_type",
                                                       "post_content"],
                                         results_class=dict))
            except NotFoundError:
                raw = None
            if raw and raw.get("post_status") != "trash" and raw.get("post_type") in ("post", "page"):
                found[item.parent] = _entry(raw, str(raw["post_type"]), "parent")
        return sorted(found.values(), key=lambda e: (e.type, e.id))

    def set_entry_status(self, entry: Linker, status: PostStatus) -> Linker:
        """See :meth:`Cms.set_entry_status`. Two requests (the change, then a read)."""
        self._call(EditPost(entry.id, {"post_status": status}))
        raw = self._call(GetPost(entry.id, ["post_id", "post_title", "post_status", "link", "post_content"],
                                 results_class=dict))
        return _entry(raw, entry.type, entry.how)

    def _entry_exists(self, entry_id: int) -> bool:
        try:
            self._call(GetPost(entry_id, ["post_id"], results_class=dict))
        except NotFoundError:
            return False
        return True

    def restore_media(self, path: Path, item: LibraryItem) -> LibraryItem:
        """See :meth:`Cms.restore_media`. The upload (base64, in memory), one edit for the
        title, caption, description and slug, one read. The alt text cannot be written over
        XML-RPC (a protected field) and is lost."""
        data = {"name": item.filename, "type": item.mime_type, "bits": xmlrpc.client.Binary(path.read_bytes()),
                "overwrite": False, **({"post_id": item.parent} if item.parent else {})}
        try:
            made = self._call(UploadFile(data), retry=False)
        except PermissionDeniedError:
            # Refused when the post it was uploaded to was deleted since: back unattached instead.
            if not item.parent or self._entry_exists(item.parent):
                raise
            data.pop("post_id")
            made = self._call(UploadFile(data), retry=False)
        media_id = int(made["id"])
        changes = {"post_title": item.title, "post_excerpt": item.caption, "post_content": item.description,
                   **({"post_name": item.slug} if item.slug else {})}
        self._call(EditPost(media_id, changes))
        fields = ["post_id", "post_name", "post_title", "post_excerpt", "post_content", "guid", "post_mime_type",
                  "post_parent", "post_modified_gmt"]
        return _library_item(self._call(GetPost(media_id, fields, results_class=dict)))

    def _load_categories(self) -> Iterator[Category]:
        for term in self._call(GetTerms("category", {"hide_empty": False}, results_class=dict)):
            yield _category(term)

    def update_category(self, category_id: int, *, name: str | None = None, parent: int | None = None,
                        description: str | None = None) -> Category:
        """See :meth:`Cms.update_category`."""
        term: dict[str, Any] = {"taxonomy": "category"}
        if name is not None:
            term["name"] = name
        if parent is not None:
            term["parent"] = parent
        if description is not None:
            term["description"] = description
        self._call(EditTerm(category_id, term))
        category = _category(self._call(GetTerm("category", category_id, results_class=dict)))
        if parent is not None and category.parent != parent:
            # wp.editTerm ignores parent 0 without a fault: over XML-RPC a category cannot be
            # moved to the top level. Say so rather than report a move that did not happen.
            raise SiteError(f"the XML-RPC API cannot move category #{category_id} to the top level "
                            "(use api = \"rest\")", method="POST", url=self.http.base_url, status=None,
                            code="xmlrpc_no_top_level")
        if self._categories is not None:
            self._categories[category.id] = category
        return category

    def delete_category(self, category_id: int) -> None:
        """See :meth:`Cms.delete_category`."""
        self._call(DeleteTerm("category", category_id))
        if self._categories is not None:
            self._categories.pop(category_id, None)

    def _create_category(self, name: str, parent: int, *, slug: str | None = None,
                         description: str | None = None) -> Category:
        term: dict[str, Any] = {"taxonomy": "category", "name": name}
        if parent:  # WordPress rejects parent 0 ("Empty Term.") instead of meaning the top
            term["parent"] = parent
        term.update({k: v for k, v in (("slug", slug), ("description", description)) if v is not None})
        try:
            term_id = int(self._call(NewTerm(term)))
        except SiteError as error:
            # wp.newTerm answers a fault (500) for a name that exists under this parent, where
            # REST names the existing term: created meanwhile, or by the run a crash cut short.
            # Re-read the tree and return that one, as the Cms contract promises.
            if "already exists" not in str(error):
                raise
            existing = CategoryTree(list(self._load_categories())).child(parent, name)
            if existing is None or (slug is not None and existing.slug != slug):
                raise
            return existing
        return _category(self._call(GetTerm("category", term_id, results_class=dict)))

    def _all_posts(self, statuses: Sequence[str]) -> Iterator[Post]:
        # XML-RPC reports scheduled posts as "publish"; asking for the scheduled ones by status
        # (ids only) tells them apart, so a missed schedule stays visible.
        scheduled = {int(item["post_id"]) for item in self._pages(["future"], ["post_id"])} \
            if "future" in statuses or "publish" in statuses else set()
        for item in self._pages(statuses, _FIELDS):
            post = _post(item)
            if post.id in scheduled:
                post = post.model_copy(update={"status": "future"})
            if post.status in statuses:
                yield post

    def _pages(self, statuses: Sequence[str], fields: list[str]) -> Iterator[dict[str, Any]]:
        offset = 0
        while True:
            filters: dict[str, Any] = {"post_type": "post", "post_status": list(statuses), "number": PAGE,
                                       "offset": offset, "orderby": "ID", "order": "ASC"}
            batch = self._call(GetPosts(filters, fields, results_class=dict)) or []
            yield from batch
            if len(batch) < PAGE:
                return
            offset += PAGE

    @staticmethod
    def _struct(post: PostInput) -> dict[str, Any]:
        struct: dict[str, Any] = {
            "post_type": "post", "post_name": post.key, "post_title": post.title,
            "post_content": post.content, "post_excerpt": post.excerpt,
            "post_status": post.status,
            "terms": {"category": list(post.categories), "post_tag": list(post.tags)},
            "post_thumbnail": post.featured_media or "",
            "comment_status": "open" if post.comments_open else "closed",
            "ping_status": "open" if post.comments_open else "closed",
        }
        if post.author is not None:
            struct["post_author"] = post.author
        if post.date is not None:
            struct["post_date_gmt"] = _xmlrpc_date(post.date)
        return struct


def _as_scheduled(post: Post) -> Post:
    if post.status == "publish" and post.date is not None and post.date > datetime.now(timezone.utc):
        # Reported as "publish" although scheduled. wp.getPosts cannot filter by id, so the
        # date decides here; listings (_all_posts) ask by status and also see missed schedules.
        return post.model_copy(update={"status": "future"})
    return post


def upload_many(http: HttpClient, items: Sequence[UploadItem],
                single: Callable[[UploadItem], Media] | None, multicall: bool = True) -> list[Media | SiteError]:
    """Upload *items* in ``wp.uploadFile`` multicalls, on ``[site] connections`` requests at once.

    A file is sent under the name ``<slug><ext>`` (so WordPress names the new attachment
    ``<slug>-<ext>``, see :func:`upload_slugs`): findable by a slug lookup from the moment it
    exists, even if the run dies before the multicall that gives it its title and slug. One
    item's fault comes back in its place; the others are kept. Nothing is retried: an upload
    may have happened before a failure, and is found by slug on the next pass.

    Args:
        http: the client (credentials, ``[site]`` settings, request counting).
        items: the files.
        single: how to send a file too large for a multicall (a streamed REST upload), or None
            to send it in a multicall of its own.
        multicall: False to send every file with *single* (still several at once).

    Returns:
        A :class:`Media` or a :class:`SiteError` per item, in order.
    """
    site = http.config.require_site()
    endpoint = http.base_url + "/xmlrpc.php"
    results: list[Media | SiteError | None] = [None] * len(items)
    sizes = [item.path.stat().st_size for item in items]
    alone = [i for i, size in enumerate(sizes)
             if single is not None and (not multicall or size > site.multicall_max_bytes)]
    chunks: list[list[int]] = []
    separate = set(alone)
    for i in (i for i in range(len(items)) if i not in separate):
        if chunks and len(chunks[-1]) < site.multicall_files and \
                sum(sizes[j] for j in chunks[-1]) + sizes[i] <= site.multicall_max_bytes:
            chunks[-1].append(i)
        else:
            chunks.append([i])

    def send_chunk(chunk: list[int]) -> None:
        client = XmlRpcClient(http, endpoint)  # one per thread: the transport holds per-call state
        calls = [UploadFile({"name": _upload_name(items[i]), "type": _mime(items[i]),
                             "bits": xmlrpc.client.Binary(items[i].path.read_bytes()), "overwrite": False})
                 for i in chunk]
        try:
            answers = client.multicall(calls, retry=False)
        except SiteError as error:
            answers = [error] * len(chunk)
        for i, answer in zip(chunk, answers, strict=True):
            if isinstance(answer, SiteError):
                results[i] = answer
                continue
            results[i] = Media(id=int(answer["id"]), url=str(answer["url"]), mime_type=str(answer["type"]),
                               size=sizes[i], title=plain_text(str(answer.get("title", ""))),
                               slug=_unnamed_slug(items[i]))

    def send_alone(i: int) -> None:
        assert single is not None
        try:
            results[i] = single(items[i])
        except SiteError as error:
            results[i] = error

    jobs: list[Callable[[], None]] = [*(partial(send_chunk, c) for c in chunks),
                                      *(partial(send_alone, i) for i in alone)]
    if jobs:
        # The first request goes alone: WordPress creates the month's upload folder on demand,
        # and several requests doing so at once fail with "Unable to create directory".
        jobs[0]()
        with ThreadPoolExecutor(max_workers=site.connections) as pool:
            for future in [pool.submit(job) for job in jobs[1:]]:
                future.result()
    _name_uploads(http, endpoint, items, results, multicalled={i for c in chunks for i in c})
    return [r if r is not None else SiteError("not uploaded", method="POST", url=endpoint) for r in results]


def _name_uploads(http: HttpClient, endpoint: str, items: Sequence[UploadItem],
                  results: list[Media | SiteError | None], multicalled: set[int]) -> None:
    """Give the multicall uploads their titles and slugs, in one multicall per 100 files.

    A failed rename leaves the upload as it is: uploaded, findable under ``<slug>-<ext>``.
    """
    todo = [i for i in sorted(multicalled) if isinstance(results[i], Media)]
    client = XmlRpcClient(http, endpoint)
    for start in range(0, len(todo), 100):
        chunk = todo[start:start + 100]
        edits = []
        for i in chunk:
            media = results[i]
            assert isinstance(media, Media)
            changes: dict[str, Any] = {"post_title": items[i].title or media.title}
            if items[i].slug:
                changes["post_name"] = items[i].slug
            edits.append(EditPost(media.id, changes))
        try:
            answers = client.multicall(edits)
        except SiteError:
            continue
        for i, answer in zip(chunk, answers, strict=True):
            media = results[i]
            if not isinstance(answer, SiteError) and isinstance(media, Media):
                results[i] = media.model_copy(update={"title": plain_text(items[i].title or media.title),
                                                      "slug": items[i].slug or media.slug})


def _unnamed_slug(item: UploadItem) -> str:
    # What WordPress calls the upload until _name_uploads gives it its own slug.
    return upload_slugs(item.slug, _filename(item))[-1] if item.slug else ""


def _filename(item: UploadItem) -> str:
    return item.filename or item.path.name


def _upload_name(item: UploadItem) -> str:
    # The slug as the file's name (see upload_many); without a slug, the file's own name.
    if item.slug:
        return item.slug + Path(_filename(item)).suffix.lower()
    return _filename(item)


def _mime(item: UploadItem) -> str:
    return item.mime_type or mimetypes.guess_type(_filename(item))[0] or "application/octet-stream"


def _category(term: Mapping[str, Any]) -> Category:
    return Category(id=int(term["term_id"]), name=plain_text(term["name"]), parent=int(term.get("parent") or 0),
                    slug=term.get("slug", ""), count=int(term.get("count") or 0),
                    description=stored_text(str(term.get("description") or "")), stored_name=stored_text(term["name"]))


def _library_item(item: Mapping[str, Any]) -> LibraryItem:
    parent = int(item.get("post_parent") or 0)
    return LibraryItem(id=int(item["post_id"]), url=str(item.get("guid", "")), mime_type=str(item.get("post_mime_type", "")),
                       modified=_parse(item.get("post_modified_gmt")), parent=parent or None,
                       title=stored_text(str(item.get("post_title", ""))), caption=str(item.get("post_excerpt", "")),
                       description=str(item.get("post_content", "")), slug=str(item.get("post_name", "")))


def _entry(raw: Mapping[str, Any], kind: str, how: str) -> Linker:
    return Linker(id=int(raw["post_id"]), type="page" if kind == "page" else "post",
                  title=plain_text(str(raw.get("post_title", ""))), status=raw["post_status"],
                  link=str(raw.get("link", "")), how=linker_how(how),
                  content_sha256=content_digest(str(raw["post_content"])) if "post_content" in raw else None)


def _post(item: Mapping[str, Any]) -> Post:
    fields = {f.get("key"): f.get("value") for f in item.get("custom_fields") or []}
    slug = str(item.get("post_name") or "")
    key = fields.get(KEY_FIELD) or key_from_slug(slug)
    terms = item.get("terms") or []
    thumbnail = item.get("post_thumbnail")
    return Post(
        id=int(item["post_id"]), key=key, slug=slug, title=plain_text(str(item.get("post_title", ""))),
        status=item["post_status"], date=_parse(item.get("post_date_gmt")),
        modified=_parse(item.get("post_modified_gmt")),
        categories=tuple(int(t["term_id"]) for t in terms if t.get("taxonomy") == "category"),
        tags=tuple(int(t["term_id"]) for t in terms if t.get("taxonomy") == "post_tag"),
        featured_media=int(thumbnail["attachment_id"]) if isinstance(thumbnail, Mapping) and thumbnail else None,
        link=str(item.get("link", "")), author=int(item["post_author"]) if item.get("post_author") else None,
        content=str(item["post_content"]) if "post_content" in item else None,
        comments_open=item["comment_status"] == "open" if "comment_status" in item else None,
    )


def _xmlrpc_date(moment: datetime) -> xmlrpc.client.DateTime:
    if moment.tzinfo is None:
        raise UsageError("naive datetime: give a timezone")
    return xmlrpc.client.DateTime(moment.astimezone(timezone.utc).replace(tzinfo=None))


def _parse(value: Any) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.strptime(str(value), "%Y%m%dT%H:%M:%S")
    except ValueError:
        return None  # WordPress sends 00000000T00:00:00 for a draft with no date
    return moment.replace(tzinfo=timezone.utc)
