"""What the CMS adapters take and return: small pydantic models, never raw responses.

Every datetime is timezone-aware (UTC from the site; any zone from callers). Titles and category
names are plain text (HTML entities decoded, NFC); post content is HTML.
"""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata
from datetime import datetime
from collections.abc import Iterable, Mapping, Set as AbstractSet
from typing import Generic, Literal, NamedTuple, Protocol, TypeVar
from urllib.parse import quote, unquote, urlsplit
from pathlib import Path

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


def stored_text(value: str) -> str:
    """Decode HTML entities and normalise to NFC, keeping every space (what the database holds).

    Args:
        value: a name or description as WordPress returns it (``&amp;`` escaped).
    """
    return unicodedata.normalize("NFC", html.unescape(value))


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
#: One character of a slug: an ASCII one, or the percent-encoded bytes of one UTF-8 character.
_SLUG_CHAR = re.compile(r"%[0-7][0-9a-f]|%[cd][0-9a-f]%[89ab][0-9a-f]|%e[0-9a-f](?:%[89ab][0-9a-f]){2}"
                        r"|%f[0-7](?:%[89ab][0-9a-f]){3}|.")

#: WordPress's slug column (wp_terms.slug) is VARCHAR(200); a longer slug fails the insert.
SLUG_MAX_BYTES = 200
#: Characters sanitize_title drops from a slug ("save" context): soft hyphen, zero-width and
#: direction marks, inverted and angle quotes, curly quotes, ©, ®, °, …, ™, accents.
_SLUG_DROPPED = frozenset("".join(f"%{b:02x}" for b in c.encode()) for c in "\u00ad\u200b\u200c\u200d\u200e\u200f\u2060\ufeff"
                        "\u00a1\u00bf\u00ab\u00bb\u2039\u203a\u2018\u2019\u201a\u201b\u201c\u201d"
                        "\u201e\u201f\u2022\u00a9\u00ae\u00b0\u2026\u2122\u00b4\u02ca\u0301\u0341"
                        "\u0300\u0304\u030c")
#: ... and those it turns into a dash: no-break space, non-breaking hyphen, en and em dash.
_SLUG_DASHES = ("%c2%a0", "%e2%80%91", "%e2%80%93", "%e2%80%94")


def wordpress_slug(name: str) -> str:
    """The slug WordPress makes from a category name (``sanitize_title``), at most 200 bytes.

    Non-ASCII letters are percent-encoded (a Thai character is nine bytes: ``%e0%b8%81``), the
    encoding stops before the character that would pass 200 bytes, entities and ASCII punctuation
    go, spaces become dashes.

    Args:
        name: the category name (entities decoded or not).
    """
    text = plain_text(name).lower()
    encoded: list[str] = []
    length = 0
    for char in text:
        piece = char if char.isascii() else "".join(f"%{b:02x}" for b in char.encode())
        if length + len(piece) > SLUG_MAX_BYTES:
            break
        encoded.append(piece)
        length += len(piece)
    slug = "".join(encoded)
    for dash in _SLUG_DASHES:
        slug = slug.replace(dash, "-")
    for char in _SLUG_CHAR.findall(slug):
        if char in _SLUG_DROPPED:
            slug = slug.replace(char, "")
    slug = slug.replace("%c3%97", "x").replace(".", "-").replace("/", "-")
    slug = re.sub(r"[^%a-z0-9 _-]", "", slug)
    slug = re.sub(r"-+", "-", re.sub(r"\s+", "-", slug)).strip("-")
    return slug


class SlugNode(Protocol):
    """Anything with a category's slug and parent (a site's :class:`Category`, a planned one)."""

    @property
    def slug(self) -> str: ...
    @property
    def parent(self) -> int: ...


class NewSlug(NamedTuple):
    """The slug a new category will get, and whether cms-bridge must ask for it.

    Attributes:
        slug: the slug the category ends with.
        ask: the slug to send with the create; None lets WordPress make its own (``slug``).
        wordpress_would: the slug WordPress would make itself (past the limit when ``ask`` is set).
    """

    slug: str
    ask: str | None
    wordpress_would: str

    def note(self) -> str:
        """What ``plan`` and ``mappings check`` say about it; empty when WordPress's own slug fits."""
        if self.ask is None:
            return ""
        return (f"its slug is taken, and WordPress would make it {len(self.wordpress_would)} bytes long (limit "
                f"{SLUG_MAX_BYTES}) and refuse it; cms-bridge asks for {self.ask!r} instead")


def new_category_slug(name: str, parent: int, terms: Mapping[int, SlugNode], taken: AbstractSet[str]) -> NewSlug:
    """The slug WordPress gives a new category *name* under *parent*, and the one to ask for.

    The one rule for every create (``mappings apply``, migrations, rollback's recreations):
    WordPress makes the slug from the name (200 bytes at most; nine a Thai character) and, if
    that is taken, appends the parent's slug, then its parent's, then -2, -3... (wp_unique_term_slug);
    past 200 bytes the insert fails with ``db_insert_error``. Then a shortened unique slug
    (:func:`fit_unique_slug`) is asked for instead.

    Args:
        name: the new category's name.
        parent: its parent's id (0: the top level).
        terms: the categories there are (and are planned), by id, for the parents' slugs.
        taken: every slug in use.
    """
    slug = wordpress_slug(name)
    if slug not in taken:
        return NewSlug(slug, None, slug)
    wp, ancestor = slug, parent
    while ancestor and ancestor in terms and wp in taken:
        wp = f"{wp}-{terms[ancestor].slug}"
        ancestor = terms[ancestor].parent
    base, n = wp, 2
    while wp in taken:
        wp, n = f"{base}-{n}", n + 1
    if len(wp) <= SLUG_MAX_BYTES:
        return NewSlug(wp, None, wp)
    fitted = fit_unique_slug(slug, taken)
    return NewSlug(fitted, fitted, wp)


def fit_unique_slug(slug: str, taken: AbstractSet[str]) -> str:
    """*slug* shortened (whole characters only) to carry a -2, -3... suffix within 200 bytes, unused.

    Args:
        slug: a slug as WordPress makes it (percent-encoded).
        taken: every slug in use.
    """
    chars = _SLUG_CHAR.findall(slug)
    n = 2
    while True:
        suffix, kept = f"-{n}", list(chars)
        while len("".join(kept)) + len(suffix) > SLUG_MAX_BYTES:
            kept.pop()
        candidate = "".join(kept).rstrip("-") + suffix
        if candidate not in taken:
            return candidate
        n += 1


class Term(Protocol):
    """Anything with a category's id, name and parent (a site's :class:`Category`, a planned one)."""

    @property
    def id(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def parent(self) -> int: ...


T = TypeVar("T", bound=Term)


class CategoryTree(Generic[T]):
    """Categories seen as a tree, walked by path the one way WordPress names compare.

    Two names are the same level when their :func:`name_key` is equal (entities decoded,
    spacing collapsed, case folded), as in ``mappings check``, the adapters and migrations.
    The tree is a view: it reads *terms* as they are at each call.
    """

    def __init__(self, terms: Iterable[T] | Mapping[int, T]) -> None:
        self._terms = terms

    def _all(self) -> Iterable[T]:
        return self._terms.values() if isinstance(self._terms, Mapping) else self._terms

    def child(self, parent: int, name: str) -> T | None:
        """The category named *name* directly under *parent* (0 for the top level), if any."""
        key = name_key(name)
        return next((t for t in self._all() if t.parent == parent and name_key(t.name) == key), None)

    def find(self, path: str) -> int | None:
        """The id at the end of ``"A / B / C"``, or ``None`` when a level is missing.

        Raises:
            ValueError: a malformed path (see :func:`split_category_path`).
        """
        parent = 0
        for level in split_category_path(path):
            found = self.child(parent, level)
            if found is None:
                return None
            parent = found.id
        return parent

    def path_of(self, term_id: int) -> str:
        """``"A / B / C"`` for the category *term_id*, its names as stored."""
        by_id = {t.id: t for t in self._all()}
        names = []
        while term_id:
            term = by_id[term_id]
            names.append(term.name)
            term_id = term.parent
        return PATH_SEPARATOR.join(reversed(names))


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
    #: Comments and pings: closed unless asked for (an official notice is not a discussion).
    comments_open: bool = False
    #: The WordPress user the post is attributed to; None keeps the one the bridge writes as.
    author: int | None = None

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
    comments_open: bool | None = Field(default=None, description="Whether visitors may comment, when known.")


class Media(_Model):
    """An uploaded file in the media library."""

    id: int
    url: str
    mime_type: str
    size: int | None = None
    title: str = ""
    slug: str = ""


class LibraryItem(_Model):
    """One item of the media library as the audit walks it, however it got there.

    Attributes:
        id: the attachment's id.
        url: its public address (the full-size file).
        mime_type: as WordPress recorded it.
        size: bytes, when the site knows (WordPress 6.0+ records it); else None.
        modified: when the attachment was last changed (GMT).
        parent: the post or page it was uploaded to (``post_parent``); None when unattached.
        title: its title; caption, alt_text and description as stored (kept to restore it).
        slug: its slug.
        sub_urls: addresses of the smaller copies WordPress made (thumbnails, PDF previews).
        original_url: for a picture WordPress scaled down (over 2560 px), the address of the
            original it keeps beside the ``-scaled`` copy it serves as *url*; else None.
    """

    id: int
    url: str
    mime_type: str
    size: int | None = None
    modified: datetime | None = None
    parent: int | None = None
    title: str = ""
    caption: str = ""
    alt_text: str = ""
    description: str = ""
    slug: str = ""
    sub_urls: tuple[str, ...] = ()
    original_url: str | None = None

    @property
    def filename(self) -> str:
        """The file's name as its URL ends (percent-decoded), never a path: an address ending
        ``..%2F..%2Fx.docx`` (a plugin's or a hand-edited record) names ``x.docx``, so a name
        joined to a folder (a masked copy's) stays in that folder."""
        name = unquote(urlsplit(self.url).path.rsplit("/", 1)[-1])
        name = re.split(r"[/\\]", name)[-1].replace("\x00", "")
        return name if name not in ("", ".", "..") else f"file-{self.id}"


class Linker(_Model):
    """A post or page that links a file (its parent, or its content names the file's address).

    Attributes:
        content_sha256: the sha256 of its raw content as read (None when not read): a rollback
            tells a post a person edited since the fix by it, whatever its status.
    """

    id: int
    type: Literal["post", "page"] = "post"
    title: str = ""
    status: PostStatus
    link: str = ""
    how: Literal["parent", "content", "featured"] = "content"
    content_sha256: str | None = None


def content_digest(content: str) -> str:
    """The sha256 of a post's raw content (NFC, as stored), for :attr:`Linker.content_sha256`.

    Args:
        content: the raw content.
    """
    return hashlib.sha256(unicodedata.normalize("NFC", content).encode()).hexdigest()


def linker_how(how: str) -> Literal["parent", "content", "featured"]:
    """*how* as :attr:`Linker.how` has it (anything unknown is ``content``)."""
    return "parent" if how == "parent" else "featured" if how == "featured" else "content"


def linking_forms(item: LibraryItem) -> tuple[str, ...]:
    """Every way a post's content may name *item*: each of its addresses (the file, its smaller
    copies as the editor inserts them, the original of a scaled picture) in each of
    :func:`url_forms`.

    Args:
        item: the library item.
    """
    urls = (item.url, *item.sub_urls, *([item.original_url] if item.original_url else []))
    return tuple(sorted({form for url in urls for form in url_forms(url)}))


def search_terms(item: LibraryItem) -> tuple[str, ...]:
    """What to search posts for to find those naming *item* in any of :func:`linking_forms`: the
    file's name without its extension and WordPress's ``-scaled`` suffix (shared by the smaller
    copies' names), decoded and percent-encoded.

    Args:
        item: the library item.
    """
    stem = item.filename.rsplit(".", 1)[0] if "." in item.filename else item.filename
    stem = stem.removesuffix("-scaled") or item.filename
    return tuple(dict.fromkeys((stem, quote(stem))))


def url_forms(url: str) -> tuple[str, ...]:
    """The ways a post's content may name a file: its address as given, percent-encoded or
    decoded, and its path (themes and editors write it relative).

    Args:
        url: the file's public address.
    """
    path = urlsplit(url).path
    forms = {url, unquote(url), quote(unquote(url), safe=":/%"), path, unquote(path)}
    return tuple(sorted(f for f in forms if f))


class UploadItem(_Model):
    """One file for :meth:`~cms_bridge.wordpress.protocol.Cms.upload_media_many`.

    The arguments :meth:`~cms_bridge.wordpress.protocol.Cms.upload_media` takes, as one value.
    """

    path: Path
    filename: str | None = None
    title: str | None = None
    mime_type: str | None = None
    slug: str | None = None


def upload_slugs(slug: str, filename: str) -> tuple[str, ...]:
    """The slugs an upload made under *slug* can have: *slug* itself and, for a multicall upload
    whose title and slug were not yet set, the one WordPress derives from its file name
    (``pr-7-0123abcd.pdf`` → ``pr-7-0123abcd-pdf``)."""
    ext = Path(filename).suffix.lower().lstrip(".")
    return (slug, f"{slug}-{ext}") if ext else (slug,)


class Category(_Model):
    """A category term."""

    id: int
    name: str
    parent: int = 0
    slug: str = ""
    count: int = Field(default=0, description="Published posts only (WordPress counts no others).")
    description: str = ""
    stored_name: str = Field(default="", description="The name as stored: entities decoded, NFC, spacing kept "
                             "(``name`` is trimmed); WordPress's API cannot write back doubled or trailing spaces.")


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
    date: AwareDatetime | None = Field(
        default=None, description="The post's date, sent back with the write when it changes categories: "
        "WordPress dates a draft or pending post that has no fixed date 'now' on any write.")


class SiteInfo(_Model):
    """What the site is and what the bridge's user may do there."""

    api: Literal["rest", "xmlrpc"]
    name: str = ""
    version: str | None = None
    timezone: str = Field(description="IANA name (e.g. Asia/Bangkok) or a fixed offset such as UTC+7.")
    batch_limit: int = Field(default=1, description="Writes per request; 1 when batching is unavailable.")
    capabilities: frozenset[str] = frozenset()
