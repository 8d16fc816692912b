"""The :class:`~cms_bridge.wordpress.protocol.Cms` interface over the WordPress REST API.

Cheap by construction: ``_fields`` on every read, 100 items a page, ``X-WP-Total`` for counts,
``/batch/v1`` for bulk writes, the category tree read once and cached, the API root discovered
once from the site's ``Link`` header. The key of a bridge post is its slug.
"""

from __future__ import annotations

import json
import mimetypes
import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urljoin

from wordpress_xmlrpc.methods.options import GetOptions

from cms_bridge.errors import (
    ConflictError,
    InvalidResponseError,
    NotFoundError,
    PermissionDeniedError,
    SiteError,
    UsageError,
)
from cms_bridge.wordpress.base import AdapterBase
from cms_bridge.wordpress.http import HttpClient, MultipartFile, json_body
from cms_bridge.wordpress.models import (
    ALL_STATUSES,
    Category,
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
    plain_text,
    stored_text,
    linker_how,
    linking_forms,
    search_terms,
)
from cms_bridge.wordpress.protocol import site_zone
from cms_bridge.wordpress.xmlrpc import upload_many
from cms_bridge.wordpress.xmlrpc_compat import XmlRpcClient

PAGE = 100
TRASHED = "__trashed"  # WordPress appends this to the slug of a post moved to the trash
#: The header every WordPress page carries naming its REST root (discovery without guessing).
API_LINK = re.compile(r'<([^>]+)>;\s*rel="https://api\.w\.org/"')
_TERM_FIELDS = "id,name,parent,slug,count,description"
_MEDIA_FIELDS = "id,slug,source_url,mime_type,title,media_details"
_LIBRARY_FIELDS = "id,slug,source_url,mime_type,title,caption,alt_text,description,post,modified_gmt,media_details"
_LIVE_STATUSES = "publish,future,draft,pending,private"
_POST_FIELDS = "id,slug,title,status,date_gmt,modified_gmt,categories,tags,featured_media,link,author,comment_status"


class RestAdapter(AdapterBase):
    """A WordPress site over REST.

    Args:
        http: the HTTP client (credentials, TLS, retries, request counting).
        rest_root: the API root, if known; otherwise discovered with one request.
    """

    def __init__(self, http: HttpClient, *, rest_root: str | None = None) -> None:
        self.http = http
        self._root = rest_root
        self._info: SiteInfo | None = None
        self._multicall: bool | None = None
        self._featured: dict[int, list[tuple[str, int]]] | None = None

    # -- plumbing ---------------------------------------------------------------------------

    @property
    def root(self) -> str:
        """The REST API root (``…/wp-json/`` or ``…/index.php?rest_route=/``)."""
        if self._root is None:
            response = self.http.request("HEAD", self.http.base_url + "/", authenticated=False)
            found = API_LINK.search(response.headers.get("Link", ""))
            self._root = found.group(1) if found else urljoin(self.http.base_url + "/", "?rest_route=/")
        return self._root

    def _url(self, route: str) -> str:
        # Both root styles accept the route appended: ".../wp-json" + "/wp/v2/posts" and
        # "...?rest_route=" + "/wp/v2/posts".
        return self.root.rstrip("/") + route

    def _call(self, method: str, route: str, **kwargs: Any) -> Any:
        return json_body(self.http.request(method, self._url(route), **kwargs))

    # -- site -------------------------------------------------------------------------------

    def site_info(self) -> SiteInfo:
        """See :meth:`Cms.site_info`. Three requests the first time, none after."""
        if self._info is None:
            index = self._call("GET", "/", params={"_fields": "name,namespaces,timezone_string,gmt_offset"})
            me = self._call("GET", "/wp/v2/users/me", params={"context": "edit", "_fields": "capabilities"})
            self._info = SiteInfo(
                api="rest",
                name=plain_text(str(index.get("name", ""))),
                timezone=index.get("timezone_string") or f"UTC{float(index.get('gmt_offset') or 0):+g}",
                batch_limit=self._batch_limit(),
                capabilities=frozenset(k for k, v in (me.get("capabilities") or {}).items() if v),
            )
        return self._info

    def _batch_limit(self) -> int:
        try:
            route = self._call("OPTIONS", "/batch/v1")
            return int(route["endpoints"][0]["args"]["requests"]["maxItems"])
        except NotFoundError:
            return 1  # WordPress < 5.6: no batching
        except (KeyError, IndexError, TypeError, ValueError):
            return 1

    # -- posts ------------------------------------------------------------------------------

    def find_by_keys(self, keys: Sequence[str]) -> dict[str, Post]:
        """See :meth:`Cms.find_by_keys`. ``ceil(len(keys) / 100)`` requests when few are trashed."""
        wanted = list(dict.fromkeys(keys))
        found: dict[str, Post] = {}
        for start in range(0, len(wanted), PAGE):
            chunk = wanted[start:start + PAGE]
            slugs = ",".join(s for key in chunk for s in (key, key + TRASHED))
            for item in self._pages("/wp/v2/posts", {"slug": slugs, "status": ",".join(ALL_STATUSES),
                                                     "context": "edit", "_fields": _POST_FIELDS}):
                post = self._post(item)
                if post.key is None:
                    continue
                # A live post wins over a trashed one left by an earlier withdrawal.
                if post.key not in found or found[post.key].status == "trash":
                    found[post.key] = post
        return found

    def _send_create(self, post: PostInput) -> Post:
        return self._post(self._call("POST", "/wp/v2/posts", json=self._body(post), retry=False,
                                     params={"context": "edit", "_fields": _POST_FIELDS}))

    def _delete_for_good(self, post_id: int) -> None:
        self._call("DELETE", f"/wp/v2/posts/{post_id}", params={"force": "true"})

    def update_post(self, post_id: int, post: PostInput) -> Post:
        """See :meth:`Cms.update_post`."""
        return self._post(self._call("POST", f"/wp/v2/posts/{post_id}", json=self._body(post),
                                     params={"context": "edit", "_fields": _POST_FIELDS}))

    def set_status(self, post_id: int, status: PostStatus, *, date: datetime | None = None) -> Post:
        """See :meth:`Cms.set_status`. ``date`` also moves the publication time (e.g. to now)."""
        params = {"context": "edit", "_fields": _POST_FIELDS}
        if status == "trash":
            try:
                return self._post(self._call("DELETE", f"/wp/v2/posts/{post_id}", params=params))
            except SiteError as error:
                if error.code != "rest_already_trashed":
                    raise
                return self.get_post(post_id)
        body: dict[str, Any] = {"status": status}
        if date is not None:
            body["date_gmt"] = _gmt(date)
        post = self._post(self._call("POST", f"/wp/v2/posts/{post_id}", json=body, params=params))
        if post.key is not None and post.status != "trash" and post.slug.endswith(TRASHED):
            post = self._post(self._call("POST", f"/wp/v2/posts/{post_id}", json={"slug": post.key},
                                         params=params))
        return post

    def get_post(self, post_id: int, *, with_content: bool = False) -> Post:
        """One post by id, in any status."""
        fields = _POST_FIELDS + (",content" if with_content else "")
        return self._post(self._call("GET", f"/wp/v2/posts/{post_id}",
                                     params={"context": "edit", "_fields": fields}))

    def count_posts(self, query: PostQuery) -> int:
        """See :meth:`Cms.count_posts`. One request, however many posts match."""
        response = self.http.request("GET", self._url("/wp/v2/posts"),
                                     params={**self._filters(query), "per_page": 1, "_fields": "id"})
        return _total(response, "X-WP-Total")

    def iter_posts(self, query: PostQuery) -> Iterator[Post]:
        """See :meth:`Cms.iter_posts`. ``ceil(matches / 100)`` requests, oldest id first."""
        params = {**self._filters(query), "context": "edit", "_fields": _POST_FIELDS,
                  "orderby": "id", "order": "asc"}
        for item in self._pages("/wp/v2/posts", params):
            yield self._post(item)

    def _current_categories(self, post_ids: Sequence[int]) -> dict[int, list[int]]:
        known: dict[int, list[int]] = {}
        for start in range(0, len(post_ids), PAGE):
            ids = ",".join(str(i) for i in post_ids[start:start + PAGE])
            for item in self._pages("/wp/v2/posts", {"include": ids, "status": ",".join(ALL_STATUSES),
                                                     "_fields": "id,categories"}):
                known[item["id"]] = item["categories"]
        return known

    def _write_categories(self, writes: Sequence[tuple[int, list[int], datetime | None]]) -> None:
        # date_gmt, not date: REST ignores a local date equal to the stored one and would then let
        # wp_update_post date an undated draft "now"; a date_gmt differing from its zero is kept.
        self.batch([("POST", f"/wp/v2/posts/{post_id}",
                     {"categories": after} | ({"date_gmt": _gmt(date)} if date is not None else {}))
                    for post_id, after, date in writes])

    def batch(self, writes: Sequence[tuple[str, str, dict[str, Any]]]) -> list[Any]:
        """Send writes through ``/batch/v1`` in chunks of the site's limit (one by one without it).

        Args:
            writes: ``(method, route, body)`` triples, e.g. ``("POST", "/wp/v2/posts/7", {...})``.

        Returns:
            The response bodies, in order.

        Raises:
            SiteError: for the first write that failed (the others were still made).
        """
        results = self.batch_each(writes)
        for result in results:
            if isinstance(result, SiteError):
                raise result
        return results

    def batch_each(self, writes: Sequence[tuple[str, str, dict[str, Any]]],
                   *, retry: bool = True) -> list[Any]:
        """Like :meth:`batch`, but each write's failure comes back in its place as a SiteError.

        Args:
            writes: ``(method, route, body)`` triples; a route may carry a query string.
            retry: False for writes that create something (checked by key before any retry).
        """
        limit = self.site_info().batch_limit
        results: list[Any] = []
        if limit <= 1:
            for method, route, body in writes:
                try:
                    results.append(self._call(method, route, json=body, retry=retry))
                except SiteError as error:
                    results.append(error)
            return results
        for start in range(0, len(writes), limit):
            chunk = writes[start:start + limit]
            reply = self._call("POST", "/batch/v1", retry=retry, json={"requests": [
                {"method": method, "path": route, "body": body} for method, route, body in chunk]})
            for (method, route, _), item in zip(chunk, reply.get("responses", []), strict=True):
                body = item.get("body") or {}
                if item.get("status", 500) >= 400:
                    results.append(SiteError(body.get("message", "a batched write failed"), method=method,
                                             url=self._url(route), status=item.get("status"),
                                             code=body.get("code")))
                else:
                    results.append(body)
        return results

    def write_posts(self, items: Sequence[tuple[int | None, PostInput]]) -> list[Post | SiteError]:
        """See :meth:`Cms.write_posts`: ``ceil(len(items) / batch limit)`` requests."""
        query = f"?context=edit&_fields={_POST_FIELDS}"
        writes = [("POST", f"/wp/v2/posts{'' if post_id is None else '/' + str(post_id)}{query}", self._body(post))
                  for post_id, post in items]
        results: list[Post | SiteError] = []
        for (post_id, post), raw in zip(items, self.batch_each(writes, retry=False), strict=True):
            if isinstance(raw, SiteError):
                results.append(raw)
                continue
            written = self._post(raw)
            if post_id is None and written.slug != post.key:
                self._delete_for_good(written.id)
                results.append(self._slug_taken(post.key))
            else:
                results.append(written)
        return results

    # -- media ------------------------------------------------------------------------------

    def upload_media(self, path: Path, *, filename: str | None = None, title: str | None = None,
                     mime_type: str | None = None, slug: str | None = None) -> Media:
        """See :meth:`Cms.upload_media`. The file is streamed from disk, never read whole."""
        name = filename or path.name
        mime = mime_type or mimetypes.guess_type(name)[0] or "application/octet-stream"
        params = {"_fields": _MEDIA_FIELDS}
        if title:
            # The caption too: left empty, WordPress fills it from a picture's IPTC caption.
            params["title"] = params["caption"] = title
        if slug:
            params["slug"] = slug
        # WordPress reads only the plain filename parameter (not RFC 5987 filename*), byte for
        # byte, so a Thai name goes as raw UTF-8; quotes, separators and control characters,
        # which could break the header or point outside the uploads folder, are dropped.
        safe = "".join(ch for ch in name.replace("\\", "/").rsplit("/", 1)[-1]
                       if ch.isprintable() and ch not in '";')
        # multipart/form-data rather than a raw body: PHP spools a multipart file to disk as it
        # arrives, whereas WordPress holds a raw body in memory (a 200 MB file then exhausts a
        # 512 MB PHP memory limit on the server).
        with MultipartFile(path, field="file", filename=safe or "upload", content_type=mime) as body:
            item = self._call("POST", "/wp/v2/media", data=body, params=params, retry=False,
                              headers={"Content-Type": body.content_type, "Content-Length": str(len(body))})
        return _media(item)

    def upload_media_many(self, items: Sequence[UploadItem]) -> list[Media | SiteError]:
        """See :meth:`Cms.upload_media_many`.

        Through XML-RPC ``system.multicall`` when the site allows it (``[site] multicall``):
        ``ceil(N / 25)`` upload requests plus one naming them, files larger than
        ``multicall_max_bytes`` streamed over REST; otherwise one streamed REST upload per file.
        Either way ``[site] connections`` requests at once.
        """
        def single(item: UploadItem) -> Media:
            return self.upload_media(item.path, filename=item.filename, title=item.title,
                                     mime_type=item.mime_type, slug=item.slug)

        return upload_many(self.http, items, single=single, multicall=len(items) > 1 and self.multicall_allowed())

    def multicall_allowed(self) -> bool:
        """Whether uploads may go through XML-RPC multicalls: ``[site] multicall``, and with
        "auto" one probe (a multicall of ``wp.getOptions``) the first time, remembered."""
        mode = self.http.config.require_site().multicall
        if mode != "auto":
            return mode == "on"
        if self._multicall is None:
            client = XmlRpcClient(self.http, self.http.base_url + "/xmlrpc.php")
            try:
                answer = client.multicall([GetOptions(["software_version"])], retry=False)
                self._multicall = not isinstance(answer[0], SiteError)
            except SiteError:
                self._multicall = False  # XML-RPC off, blocked, or the credentials refused there
        return self._multicall

    def find_user_id(self, login: str) -> int | None:
        """See :meth:`Cms.find_user_id`. One request: a search, then the exact login."""
        found = self._call("GET", "/wp/v2/users", params={"search": login, "context": "edit",
                                                           "_fields": "id,username", "per_page": 100})
        return next((int(u["id"]) for u in found if u.get("username") == login), None)

    def delete_media(self, media_id: int) -> None:
        """See :meth:`Cms.delete_media`. One request; ``force`` skips the trash, which the media
        endpoint does not support anyway, and WordPress removes the file and its sub-sizes."""
        try:
            self.http.request("DELETE", self._url(f"/wp/v2/media/{media_id}"), params={"force": "true"})
        except NotFoundError:
            pass  # already gone: what was asked for holds

    def find_media(self, slugs: Sequence[str]) -> dict[str, Media]:
        """See :meth:`Cms.find_media`. ``ceil(len(slugs) / 100)`` requests."""
        wanted = list(dict.fromkeys(slugs))
        found: dict[str, Media] = {}
        for start in range(0, len(wanted), PAGE):
            params = {"slug": ",".join(wanted[start:start + PAGE]), "_fields": _MEDIA_FIELDS}
            for item in self._pages("/wp/v2/media", params):
                found[item["slug"]] = _media(item)
        return found

    def list_media(self) -> Iterator[LibraryItem]:
        """See :meth:`Cms.list_media`. ``ceil(items / 100)`` requests."""
        params = {"context": "edit", "_fields": _LIBRARY_FIELDS, "orderby": "id", "order": "asc"}
        self._featured = None  # read again for this walk
        for item in self._pages("/wp/v2/media", params):
            details = item.get("media_details") or {}
            sizes = details.get("sizes") or {}
            subs = tuple(str(s["source_url"]) for name, s in sizes.items()
                         if isinstance(s, Mapping) and s.get("source_url") and s["source_url"] != item["source_url"])
            yield LibraryItem(id=item["id"], url=item["source_url"], mime_type=item["mime_type"],
                              size=details.get("filesize"), modified=_parse_gmt(item.get("modified_gmt")),
                              parent=item.get("post") or None, title=stored_text(_raw(item.get("title"))),
                              caption=_raw(item.get("caption")), alt_text=str(item.get("alt_text") or ""),
                              description=_raw(item.get("description")), slug=item.get("slug", ""),
                              sub_urls=subs, original_url=_original_url(item["source_url"], details))

    def _featuring(self) -> dict[int, list[tuple[str, int]]]:
        # Which posts and pages feature which file: the REST API cannot filter by
        # featured_media, so every entry's is read once (ids only) and kept until the library
        # is walked again.
        if self._featured is None:
            featured: dict[int, list[tuple[str, int]]] = {}
            for kind, route in (("post", "/wp/v2/posts"), ("page", "/wp/v2/pages")):
                for raw in self._pages(route, {"status": _LIVE_STATUSES, "context": "edit",
                                               "_fields": "id,featured_media"}):
                    if raw.get("featured_media"):
                        featured.setdefault(int(raw["featured_media"]), []).append((kind, int(raw["id"])))
            self._featured = featured
        return self._featured

    def find_linking(self, item: LibraryItem) -> list[Linker]:
        """See :meth:`Cms.find_linking`. Searches of posts and of pages by the file's name (two
        to four requests a file, more only past 100 matches), one for its parent, one for each
        entry featuring it; and, once until the library is walked again, a read of which
        entries feature which file (``ceil(entries / 100)`` requests)."""
        found: dict[tuple[str, int], Linker] = {}
        forms = linking_forms(item)
        for kind, route in (("post", "/wp/v2/posts"), ("page", "/wp/v2/pages")):
            for term in search_terms(item):
                params = {"search": term, "status": _LIVE_STATUSES, "context": "edit",
                          "_fields": "id,title,status,link,content"}
                for raw in self._pages(route, params):
                    content = _raw(raw.get("content"))
                    if any(form in content for form in forms):
                        found[(kind, raw["id"])] = _linker(raw, kind, "content")
        for kind, entry_id in self._featuring().get(item.id, ()):
            if (kind, entry_id) not in found:
                route = "/wp/v2/posts" if kind == "post" else "/wp/v2/pages"
                try:
                    raw = self._call("GET", f"{route}/{entry_id}", params={"context": "edit",
                                     "_fields": "id,title,status,link,content"})
                except NotFoundError:
                    continue
                if raw.get("status") != "trash":
                    found[(kind, raw["id"])] = _linker(raw, kind, "featured")
        if item.parent and not any(key[1] == item.parent for key in found):
            for kind, route in (("post", "/wp/v2/posts"), ("page", "/wp/v2/pages")):
                try:
                    raw = self._call("GET", f"{route}/{item.parent}", params={"context": "edit",
                                     "_fields": "id,title,status,link,content"})
                except NotFoundError:
                    continue
                if raw.get("status") != "trash":
                    found[(kind, raw["id"])] = _linker(raw, kind, "parent")
                break
        elif item.parent:
            key = next(k for k in found if k[1] == item.parent)
            found[key] = found[key].model_copy(update={"how": "parent"})
        return sorted(found.values(), key=lambda e: (e.type, e.id))

    def set_entry_status(self, entry: Linker, status: PostStatus) -> Linker:
        """See :meth:`Cms.set_entry_status`. One request."""
        route = "/wp/v2/posts" if entry.type == "post" else "/wp/v2/pages"
        raw = self._call("POST", f"{route}/{entry.id}", json={"status": status},
                         params={"context": "edit", "_fields": "id,title,status,link,content"})
        return _linker(raw, entry.type, entry.how)

    def _upload(self, path: Path, name: str, mime_type: str, params: dict[str, Any]) -> Any:
        with MultipartFile(path, field="file", filename=name or "upload", content_type=mime_type) as body:
            return self._call("POST", "/wp/v2/media", data=body, params=params, retry=False,
                              headers={"Content-Type": body.content_type, "Content-Length": str(len(body))})

    def _entry_exists(self, entry_id: int) -> bool:
        for route in ("/wp/v2/posts", "/wp/v2/pages"):
            try:
                self._call("GET", f"{route}/{entry_id}", params={"context": "edit", "_fields": "id"})
                return True
            except NotFoundError:
                continue
        return False

    def restore_media(self, path: Path, item: LibraryItem) -> LibraryItem:
        """See :meth:`Cms.restore_media`. One streamed upload carrying every field, then one read;
        unattached (two more reads, one more upload) when the post it was uploaded to is gone."""
        safe = "".join(ch for ch in item.filename if ch.isprintable() and ch not in '";/\\')
        params: dict[str, Any] = {"_fields": "id", "title": item.title, "caption": item.caption,
                                  "alt_text": item.alt_text, "description": item.description}
        if item.slug:
            params["slug"] = item.slug
        if item.parent:
            params["post"] = item.parent
        try:
            made = self._upload(path, safe, item.mime_type, params)
        except PermissionDeniedError:
            # WordPress answers 403 ("not allowed to upload media to this post") when the parent
            # was deleted since: nothing was made, so the file goes back unattached instead.
            if not item.parent or self._entry_exists(item.parent):
                raise
            params.pop("post")
            made = self._upload(path, safe, item.mime_type, params)
        for restored in self._pages("/wp/v2/media", {"include": made["id"], "context": "edit",
                                                      "_fields": _LIBRARY_FIELDS}):
            details = restored.get("media_details") or {}
            return LibraryItem(id=restored["id"], url=restored["source_url"], mime_type=restored["mime_type"],
                               size=details.get("filesize"), modified=_parse_gmt(restored.get("modified_gmt")),
                               parent=restored.get("post") or None, title=stored_text(_raw(restored.get("title"))),
                               caption=_raw(restored.get("caption")), alt_text=str(restored.get("alt_text") or ""),
                               description=_raw(restored.get("description")), slug=restored.get("slug", ""))
        raise InvalidResponseError("the restored upload is not in the media library", method="GET",
                                   url=self._url("/wp/v2/media"))

    # -- categories -------------------------------------------------------------------------

    def _load_categories(self) -> Iterator[Category]:
        for item in self._pages("/wp/v2/categories", {"_fields": _TERM_FIELDS, "hide_empty": "false"}):
            yield _category(item)

    def update_category(self, category_id: int, *, name: str | None = None, parent: int | None = None,
                        description: str | None = None) -> Category:
        """See :meth:`Cms.update_category`."""
        body = {k: v for k, v in (("name", name), ("parent", parent), ("description", description))
                if v is not None}
        category = _category(self._call("POST", f"/wp/v2/categories/{category_id}", json=body,
                                        params={"_fields": _TERM_FIELDS}))
        if self._categories is not None:
            self._categories[category.id] = category
        return category

    def delete_category(self, category_id: int) -> None:
        """See :meth:`Cms.delete_category`."""
        self._call("DELETE", f"/wp/v2/categories/{category_id}", params={"force": "true"})
        if self._categories is not None:
            self._categories.pop(category_id, None)

    def _create_category(self, name: str, parent: int, *, slug: str | None = None,
                         description: str | None = None) -> Category:
        body: dict[str, Any] = {"name": name, "parent": parent}
        body.update({k: v for k, v in (("slug", slug), ("description", description)) if v is not None})
        try:
            item = self._call("POST", "/wp/v2/categories", json=body, params={"_fields": _TERM_FIELDS})
        except ConflictError as error:
            # Created meanwhile by someone else: WordPress names the existing term.
            item = self._call("GET", f"/wp/v2/categories/{_term_id(error)}", params={"_fields": _TERM_FIELDS})
        return _category(item)

    # -- helpers ----------------------------------------------------------------------------

    def _pages(self, route: str, params: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
        page, pages = 1, 1
        while page <= pages:
            response = self.http.request("GET", self._url(route), params={**params, "per_page": PAGE, "page": page})
            items = json_body(response)
            if not isinstance(items, list):
                raise InvalidResponseError(f"expected a list from {route}", method="GET", url=response.url)
            yield from items
            pages = _total(response, "X-WP-TotalPages")
            page += 1

    def _filters(self, query: PostQuery) -> dict[str, Any]:
        params: dict[str, Any] = {"status": ",".join(query.statuses)}
        if query.category is not None:
            params["categories"] = query.category
        if query.author is not None:
            params["author"] = query.author
        if query.search:
            params["search"] = query.search
        # WordPress compares against post_date in the site's own time, exclusively, to the second.
        zone = site_zone(self.site_info())
        if query.after is not None:
            params["after"] = _local(query.after - timedelta(seconds=1), zone)
        if query.before is not None:
            params["before"] = _local(query.before, zone)
        return params

    def _body(self, post: PostInput) -> dict[str, Any]:
        body: dict[str, Any] = {
            "slug": post.key, "title": post.title, "content": post.content, "excerpt": post.excerpt,
            "status": post.status, "categories": list(post.categories), "tags": list(post.tags),
            "featured_media": post.featured_media or 0,
            "comment_status": "open" if post.comments_open else "closed",
            "ping_status": "open" if post.comments_open else "closed",
        }
        if post.author is not None:
            body["author"] = post.author
        if post.date is not None:
            body["date_gmt"] = _gmt(post.date)
        return body

    @staticmethod
    def _post(item: Mapping[str, Any]) -> Post:
        slug = str(item.get("slug") or "")
        key = key_from_slug(slug)
        return Post(
            id=item["id"], key=key, slug=slug, title=plain_text(_raw(item.get("title"))), status=item["status"],
            date=_parse_gmt(item.get("date_gmt")), modified=_parse_gmt(item.get("modified_gmt")),
            categories=tuple(item.get("categories") or ()), tags=tuple(item.get("tags") or ()),
            featured_media=item.get("featured_media") or None, link=item.get("link", ""),
            author=item.get("author"),
            content=_raw(item["content"]) if "content" in item else None,
            comments_open=item["comment_status"] == "open" if "comment_status" in item else None,
        )


def _original_url(url: str, details: Mapping[str, Any]) -> str | None:
    # WordPress 5.3+ keeps a big picture's original beside the '-scaled' copy it serves, in the
    # same folder, naming it in media_details.original_image.
    original = details.get("original_image")
    if not isinstance(original, str) or not original or "/" in original:
        return None
    folder, name = url.rsplit("/", 1)
    return folder + "/" + (quote(original) if unquote(name) != name else original)  # as the site writes names


def _media(item: Mapping[str, Any]) -> Media:
    details = item.get("media_details") or {}
    return Media(id=item["id"], url=item["source_url"], mime_type=item["mime_type"], size=details.get("filesize"),
                 title=plain_text(_raw(item.get("title"))), slug=item.get("slug", ""))


def _linker(raw: Mapping[str, Any], kind: str, how: str) -> Linker:
    return Linker(id=raw["id"], type="page" if kind == "page" else "post", title=plain_text(_raw(raw.get("title"))),
                  status=raw["status"], link=str(raw.get("link", "")), how=linker_how(how),
                  content_sha256=content_digest(_raw(raw["content"])) if "content" in raw else None)


def _category(item: Mapping[str, Any]) -> Category:
    return Category(id=item["id"], name=plain_text(item["name"]), parent=item.get("parent", 0),
                    slug=item.get("slug", ""), count=item.get("count", 0),
                    description=stored_text(str(item.get("description") or "")), stored_name=stored_text(item["name"]))


def _raw(field: Any) -> str:
    if isinstance(field, Mapping):
        return str(field.get("raw", field.get("rendered", "")))
    return str(field or "")


def _gmt(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise UsageError("naive datetime: give a timezone")
    return moment.astimezone(timezone.utc).replace(tzinfo=None).isoformat(timespec="seconds")


def _local(moment: datetime, zone: Any) -> str:
    return moment.astimezone(zone).replace(tzinfo=None).isoformat(timespec="seconds")


def _parse_gmt(value: Any) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(str(value)).replace(tzinfo=timezone.utc)


def _total(response: Any, header: str) -> int:
    try:
        return int(response.headers[header])
    except (KeyError, ValueError):
        raise InvalidResponseError(f"the site sent no {header} header", method="GET", url=response.url) from None


def _term_id(error: SiteError) -> int:
    try:
        return int(json.loads(error.body or "{}")["data"]["term_id"])
    except (ValueError, KeyError, TypeError):
        raise error from None
