"""Do the site's categories match the mappings? (``cms-bridge mappings check`` / ``apply``).

The mappings (``mappings/``: kinds, groups, ITA items) name the category paths the bridge files
posts under. Offices built their category trees by hand long before the bridge, so the site may
lack some of those paths, hold near-duplicates of them ("ITA 2567" next to "ITA ๒๕๖๗"), keep
empty categories, or hold published posts in categories no mapping names. :func:`check_mappings`
reports all four from one category listing (no post is downloaded); :func:`apply_mappings` creates
the missing levels.

Two rules of sameness are used, on purpose:

* **exists** is the rule of :meth:`~cms_bridge.wordpress.protocol.Cms.ensure_category_path`
  (:func:`~cms_bridge.wordpress.models.name_key`: entities decoded, NFC, spacing collapsed, case
  folded), walking from the top level and taking the first match in listing order, so what check
  calls present is exactly what apply (and the reconciler) will use;
* **near-duplicate** is looser (:func:`loose_key`: also Thai digits made Arabic, every space and
  zero-width character removed, entities decoded until none is left), applied to whole paths, so
  two categories are near-duplicates when they and all their ancestors look alike.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from typing import NamedTuple

from pydantic import BaseModel, ConfigDict, computed_field

from cms_bridge.errors import MappingError
from cms_bridge.mappings import Mappings
from cms_bridge.thaidate import to_arabic_digits
from cms_bridge.wordpress.models import (
    ALL_STATUSES,
    PATH_SEPARATOR,
    Category,
    PostQuery,
    SlugNode,
    name_key,
    new_category_slug,
    split_category_path,
)
from cms_bridge.wordpress.protocol import Cms

__all__ = [
    "DEFAULT_CATEGORY_ID",
    "CategoryFinding",
    "MappingsReport",
    "MissingPath",
    "NearDuplicates",
    "SiteCategory",
    "WantedPath",
    "AppliedPaths",
    "apply_mappings",
    "check_mappings",
    "loose_key",
    "wanted_paths",
]

#: WordPress's own default category ("Uncategorized"), created by the installer with id 1.
DEFAULT_CATEGORY_ID = 1

_INVISIBLE = re.compile(r"[\s\u200b\u200c\u200d\u2060\ufeff]+")
_ITA_TOP = re.compile(r"^ita ?([0-9]{4})$")


def loose_key(name: str) -> str:
    """The form near-duplicate category names are compared in.

    :func:`~cms_bridge.wordpress.models.name_key`, then HTML entities decoded until none is left
    (a name escaped twice, ``&amp;amp;``, still matches), Thai digits made Arabic, and every space
    and zero-width character removed: "ITA ๒๕๖๗", "ita 2567" and "ITA2567" are one key.
    """
    previous = None
    while previous != name:
        previous, name = name, html.unescape(name)
    return _INVISIBLE.sub("", to_arabic_digits(name_key(name)))


# -- the report ----------------------------------------------------------------------------------


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SiteCategory(_Model):
    """A category on the site, as a finding names it.

    Attributes:
        id: its term id.
        path: its full path on the site, ``"Parent / Child"`` (names as the site has them).
        count: its published posts (WordPress's term count; other statuses are not counted).
        mapped: it is a level of a category path the mappings want (by the exact rule).
        default: it is WordPress's default category (id 1, "Uncategorized").
    """

    id: int
    path: str
    count: int
    mapped: bool = False
    default: bool = False

    def label(self) -> str:
        notes = [f"id {self.id}", _plural(self.count, "post")]
        if self.mapped:
            notes.append("mapped")
        if self.default:
            notes.append("WordPress default")
        return f'"{self.path}" ({", ".join(notes)})'


class WantedPath(_Model):
    """A category path the mappings want, and which entries want it.

    Attributes:
        path: the path as the (first) mapping entry writes it.
        levels: its levels, split as ``ensure_category_path`` splits them.
        wanted_by: e.g. ``("kind procurement", "ITA 2567 O20")``.
    """

    path: str
    levels: tuple[str, ...]
    wanted_by: tuple[str, ...]


class MissingPath(_Model):
    """A wanted path whose last levels (maybe all) do not exist on the site.

    Attributes:
        path: the wanted path.
        wanted_by: the mapping entries that want it.
        existing: the deepest of its levels the site has, as a site path; None if not even the first.
        missing_levels: the levels to create, in order.
        similar: site categories that look like the first missing level (near-duplicates of it):
            creating the level would add one more; rename or merge instead.
        fix: what to do.
    """

    path: str
    wanted_by: tuple[str, ...]
    existing: str | None
    missing_levels: tuple[str, ...]
    similar: tuple[SiteCategory, ...] = ()
    fix: str


class NearDuplicates(_Model):
    """Categories whose paths differ only by spacing, entities, case or Thai/Arabic digits.

    Attributes:
        categories: the group, the one to keep first (the mapped one, else the one with most posts).
        mapped_id: the id of the one the mappings use, if any.
        fix: what to do.
    """

    categories: tuple[SiteCategory, ...]
    mapped_id: int | None
    fix: str


class CategoryFinding(_Model):
    """One site category that is empty, or holds posts but is on no wanted path."""

    category: SiteCategory
    fix: str


class MappingsReport(_Model):
    """What :func:`check_mappings` found.

    Every site category appears in at most one of ``near_duplicates``, ``unmapped_with_posts``
    and ``empty`` (in that order of precedence: merging near-duplicates settles the rest).

    Attributes:
        categories_on_site: how many categories the site has.
        wanted_paths: how many distinct category paths the mappings want.
        ita_years: the ITA years whose items were included.
        partial_ita_years: those of them whose item list is marked incomplete.
        categories_to_create: categories :func:`apply_mappings` would create (one request each).
        missing: wanted paths not (wholly) on the site.
        near_duplicates: groups of look-alike categories.
        unmapped_with_posts: categories on no wanted path that hold published posts.
        empty: categories with no published post and no child category (a parent with posts
            only in its children is a heading, not empty). Mapped ones are listed too (nothing
            published there yet: for an ITA item, the assessors find no evidence).
        slug_notes: categories apply will create whose slug WordPress would make too long
            (past 200 bytes, refused) and for which apply asks a shortened one, by path.
    """

    categories_on_site: int
    wanted_paths: int
    ita_years: tuple[int, ...] = ()
    partial_ita_years: tuple[int, ...] = ()
    categories_to_create: int = 0
    missing: list[MissingPath] = []
    near_duplicates: list[NearDuplicates] = []
    unmapped_with_posts: list[CategoryFinding] = []
    empty: list[CategoryFinding] = []
    slug_notes: list[str] = []

    @computed_field  # type: ignore[prop-decorator]  # pydantic's documented form; mypy rejects decorated properties
    @property
    def ok(self) -> bool:
        """True when nothing is missing, duplicated or unmapped; empty categories are notes only."""
        return not (self.missing or self.near_duplicates or self.unmapped_with_posts)

    def render_text(self) -> str:
        """A readable report (Thai and English), one line per finding with its fix."""
        scope = "kinds, groups" + "".join(f", ITA {year}" for year in self.ita_years)
        lines = [
            (f"ตรวจหมวดหมู่ตาม mappings / mappings check: {self.categories_on_site} categories on the site, "
             f"{self.wanted_paths} category paths wanted ({scope})"),
        ]
        problems = len(self.missing) + len(self.near_duplicates) + len(self.unmapped_with_posts)
        if self.ok:
            lines.append("ผล / result: ตรงกัน / OK — the site has every wanted category")
        else:
            lines.append(f"ผล / result: พบ {problems} รายการที่ต้องแก้ / {problems} finding(s) to fix")
        for year in self.partial_ita_years:
            lines.append(f"หมายเหตุ / note: the ITA {year} item list is incomplete (partial = true): "
                         f"complete ita/{year}.toml in the office's mappings folder")
        if self.missing:
            lines += ["", (f"ยังไม่มีบนเว็บไซต์ / missing ({_plural(len(self.missing), 'path')}; "
                           f"apply creates {_plural(self.categories_to_create, 'category', 'categories')}):")]
            for m in self.missing:
                levels = ", ".join(f'"{level}"' for level in m.missing_levels)
                lines.append(f'  - "{m.path}" — to create: {levels} (for {", ".join(m.wanted_by)}) → {m.fix}')
            for note in self.slug_notes:
                lines.append(f"  หมายเหตุ / note: {note}")
        if self.near_duplicates:
            lines += ["", f"หมวดหมู่ซ้ำที่ชื่อคล้ายกัน / near-duplicates ({_plural(len(self.near_duplicates), 'group')}):"]
            for group in self.near_duplicates:
                lines.append(f"  - {' ≈ '.join(c.label() for c in group.categories)} → {group.fix}")
        if self.unmapped_with_posts:
            lines += ["", ("มีโพสต์แต่ไม่อยู่ใน mappings / unmapped categories holding posts "
                           "(published posts, from WordPress's term counts):")]
            for finding in self.unmapped_with_posts:
                lines.append(f"  - {finding.category.label()} → {finding.fix}")
        if self.empty:
            lines += ["", "หมวดหมู่ว่าง / empty categories (no published post):"]
            for finding in self.empty:
                lines.append(f"  - {finding.category.label()} → {finding.fix}")
        return "\n".join(lines) + "\n"


def _plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else many or one + 's'}"


# -- what the mappings want ----------------------------------------------------------------------


def wanted_paths(mappings: Mappings, *, ita_years: Sequence[int] = (),
                 extra_paths: Sequence[str] | Mapping[str, str] = ()) -> list[WantedPath]:
    """The distinct category paths the mappings want, in file order.

    Every kind's ``category``, every group's ``category`` if set, every item's ``category`` of the
    ITA years asked for, and *extra_paths*. Paths equal under the exact rule are one entry.

    Args:
        mappings: the loaded mappings.
        ita_years: BE years whose ITA items to include.
        extra_paths: more paths, e.g. the configured archive category; a mapping gives each
            path the label it is reported under (``{"เอกสารที่สิ้นสุด": "[sync] archive_category"}``).

    Raises:
        UnknownMappingError: an ITA year has no item list (the message lists those there are).
        MappingError: an extra path is malformed.
    """
    sources: list[tuple[str, str]] = [(kind.category, f"kind {key}") for key, kind in mappings.kinds.items()]
    sources += [(group.category, f"group {key}") for key, group in mappings.groups.items() if group.category]
    for year in ita_years:
        sources += [(item.category, f"ITA {year} {item.number}") for item in mappings.ita_year(year).items.values()]
    extras = extra_paths.items() if isinstance(extra_paths, Mapping) else ((p, "extra path") for p in extra_paths)
    sources += [(path, label) for path, label in extras]

    wanted: dict[tuple[str, ...], tuple[str, tuple[str, ...], list[str]]] = {}
    for path, label in sources:
        try:
            levels = tuple(split_category_path(path))
        except ValueError as exc:
            raise MappingError(f"{label}: {exc}") from None
        key = tuple(name_key(level) for level in levels)
        if key not in wanted:
            wanted[key] = (path, levels, [])
        if label not in wanted[key][2]:
            wanted[key][2].append(label)
    return [WantedPath(path=path, levels=levels, wanted_by=tuple(labels))
            for path, levels, labels in wanted.values()]


# -- the site's tree -----------------------------------------------------------------------------


class _Tree:
    """The site's categories from one listing, with the lookups check needs."""

    def __init__(self, categories: Sequence[Category]) -> None:
        self.categories = list(categories)
        self.by_id = {c.id: c for c in self.categories}
        self.children: dict[int, list[Category]] = {}
        for category in self.categories:
            self.children.setdefault(category.parent, []).append(category)

    def child(self, parent: int, level: str) -> Category | None:
        """The category ``ensure_category_path`` would take for *level* under *parent*."""
        wanted = name_key(level)
        return next((c for c in self.children.get(parent, []) if name_key(c.name) == wanted), None)

    def chain(self, category: Category) -> list[Category]:
        """*category* and its ancestors, top level first (a broken parent link ends the chain)."""
        chain, seen = [category], {category.id}
        while chain[-1].parent in self.by_id and chain[-1].parent not in seen:
            chain.append(self.by_id[chain[-1].parent])
            seen.add(chain[-1].id)
        return chain[::-1]

    def path(self, category: Category) -> str:
        return PATH_SEPARATOR.join(c.name for c in self.chain(category))

    def loose_path(self, category: Category) -> tuple[str, ...]:
        return tuple(loose_key(c.name) for c in self.chain(category))


# -- check and apply -----------------------------------------------------------------------------


def check_mappings(cms: Cms, mappings: Mappings, *, ita_years: Sequence[int] = (),
                   extra_paths: Sequence[str] | Mapping[str, str] = ()) -> MappingsReport:
    """Compare the category paths the mappings want with the site's categories.

    Reads the category list once (``cms.list_categories()``, cached by the adapters) and never
    downloads posts, so post numbers come from WordPress's term counts; only an empty category it
    would advise deleting costs one more request, counting its posts in every status (trash
    included), so a category holding a draft is never advised for deletion. Term counts count
    **published posts only**, and a post filed in several categories counts in each: a post in both a mapped
    and an unmapped category is counted in the unmapped one too. ``unmapped_with_posts`` is
    therefore an honest upper bound of "posts in no mapped category", not an exact count.

    Args:
        cms: the site.
        mappings: the loaded mappings.
        ita_years: BE years whose ITA items to include, e.g. ``[2567]``.
        extra_paths: more wanted paths, e.g. ``{config.sync.archive_category: "[sync] archive_category"}``
            (without it, the archive category is reported as unmapped once it holds posts).

    Returns:
        The report; ``report.ok`` is False when a path is missing, near-duplicates exist, or
        unmapped categories hold posts. ``report.render_text()`` explains each finding.

    Raises:
        UnknownMappingError: an ITA year has no item list.
        SiteError: the category list could not be read.
    """
    wanted = wanted_paths(mappings, ita_years=ita_years, extra_paths=extra_paths)
    tree = _Tree(cms.list_categories())
    mapped: dict[int, list[str]] = {}  # category id -> the mapping entries whose path runs through it
    targets: set[int] = set()
    missing_found: list[tuple[WantedPath, Category | None, int]] = []
    to_create: set[tuple[str, ...]] = set()
    for path in wanted:
        parent: Category | None = None
        for depth, level in enumerate(path.levels):
            found = tree.child(parent.id if parent else 0, level)
            if found is None:
                missing_found.append((path, parent, depth))
                for end in range(depth + 1, len(path.levels) + 1):
                    to_create.add(tuple(name_key(level) for level in path.levels[:end]))
                break
            mapped.setdefault(found.id, []).extend(path.wanted_by)
            parent = found
        else:
            assert parent is not None
            targets.add(parent.id)

    slug_notes = _foreseen_slugs(tree, missing_found)

    def ref(category: Category) -> SiteCategory:
        return SiteCategory(id=category.id, path=tree.path(category), count=category.count,
                            mapped=category.id in mapped, default=category.id == DEFAULT_CATEGORY_ID)

    by_loose: dict[tuple[str, ...], list[Category]] = {}
    for category in tree.categories:
        by_loose.setdefault(tree.loose_path(category), []).append(category)

    missing = []
    for path, parent, depth in missing_found:
        prefix = tree.loose_path(parent) if parent else ()
        similar = by_loose.get(prefix + (loose_key(path.levels[depth]),), [])
        if similar:
            names = " or ".join(f'"{tree.path(c)}" (id {c.id})' for c in similar)
            fix = (f"rename {names} to \"{path.levels[depth]}\" (or change the mapping) before running "
                   "`cms-bridge mappings apply`, which would create a near-duplicate")
        else:
            fix = "run `cms-bridge mappings apply`"
        missing.append(MissingPath(
            path=path.path, wanted_by=path.wanted_by, existing=tree.path(parent) if parent else None,
            missing_levels=path.levels[depth:], similar=tuple(ref(c) for c in similar), fix=fix,
        ))

    near_duplicates = []
    grouped: set[int] = set()
    for members in by_loose.values():
        if len(members) < 2:
            continue
        members = sorted(members, key=lambda c: (c.id not in mapped, -c.count, c.id))
        keep, others = members[0], members[1:]
        grouped.update(c.id for c in members)
        mapped_id = keep.id if keep.id in mapped else None
        why = "the mapped one" if mapped_id else "the one with most posts; or map one of them"
        merges = "; ".join(f'merge "{tree.path(c)}" (id {c.id}) into "{tree.path(keep)}" (id {keep.id})'
                           for c in others)
        near_duplicates.append(NearDuplicates(
            categories=tuple(ref(c) for c in members), mapped_id=mapped_id,
            fix=f"{merges} — keep {why} — with a migration plan in jobs/ (action = \"merge\")",
        ))
    near_duplicates.sort(key=lambda group: group.categories[0].path)

    unmapped, empty = [], []
    for category in tree.categories:
        if category.id in grouped:
            continue
        if category.count > 0 and category.id not in mapped:
            unmapped.append(CategoryFinding(category=ref(category), fix=_unmapped_fix(tree, category, mappings,
                                                                                      ita_years)))
        elif category.count == 0 and not tree.children.get(category.id):
            fix = _empty_fix(category, mapped, targets)
            if "delete_empty" in fix:
                # Term counts cover published posts only: before advising a deletion, count the
                # drafts, private, scheduled, pending and trashed posts too (one request).
                unpublished = cms.count_posts(PostQuery(statuses=ALL_STATUSES, category=category.id))
                if unpublished:
                    # Worded without "delete": this category is not to be removed as it is.
                    fix = (f"not empty: holds {_plural(unpublished, 'post')} not published (draft, pending, "
                           "private, scheduled or in the trash); keep it, or file those posts elsewhere "
                           "before removing it, or map it")
            empty.append(CategoryFinding(category=ref(category), fix=fix))

    years = tuple(ita_years)
    return MappingsReport(
        categories_on_site=len(tree.categories),
        wanted_paths=len(wanted),
        ita_years=years,
        partial_ita_years=tuple(y for y in years if mappings.ita_year(y).partial),
        categories_to_create=len(to_create),
        slug_notes=slug_notes,
        missing=missing,
        near_duplicates=near_duplicates,
        unmapped_with_posts=sorted(unmapped, key=lambda f: f.category.path),
        empty=sorted(empty, key=lambda f: f.category.path),
    )


class _PlannedSlug(NamedTuple):
    slug: str
    parent: int


def _foreseen_slugs(tree: _Tree, missing: Sequence[tuple[WantedPath, Category | None, int]]) -> list[str]:
    """What apply will ask for where WordPress's own slug would not fit, creating in apply's order."""
    nodes: dict[int, SlugNode] = dict(tree.by_id)
    taken = {c.slug for c in tree.categories}
    made: dict[tuple[str, ...], int] = {}
    notes: list[str] = []
    for path, parent, depth in missing:
        parent_id = parent.id if parent else 0
        for end in range(depth, len(path.levels)):
            key = tuple(name_key(level) for level in path.levels[:end + 1])
            if key in made:
                parent_id = made[key]
                continue
            new = new_category_slug(path.levels[end], parent_id, nodes, taken)
            planned = -1 - len(made)
            nodes[planned], made[key], parent_id = _PlannedSlug(new.slug, parent_id), planned, planned
            taken.add(new.slug)
            if new.ask is not None:
                notes.append(f'new category "{PATH_SEPARATOR.join(path.levels[:end + 1])}": {new.note()}')
    return notes


def _unmapped_fix(tree: _Tree, category: Category, mappings: Mappings, ita_years: Sequence[int]) -> str:
    top = tree.chain(category)[0]
    year = _ITA_TOP.match(to_arabic_digits(name_key(top.name)))
    if year and int(year.group(1)) in mappings.ita and int(year.group(1)) not in ita_years:
        return f"check again with ITA year {year.group(1)} included (mappings/ita has it)"
    if category.id == DEFAULT_CATEGORY_ID:
        return ("WordPress files posts given no category here: move them into a mapped category with a "
                "migration plan in jobs/ (action = \"move_posts\")")
    return ("add it to mappings/ (a kind's or group's category) or move its posts into a mapped category "
            "with a migration plan in jobs/ (action = \"move_posts\")")


def _empty_fix(category: Category, mapped: Mapping[int, list[str]], targets: set[int]) -> str:
    if category.id in targets:
        return f"nothing published there yet (wanted by {', '.join(dict.fromkeys(mapped[category.id]))})"
    if category.id == DEFAULT_CATEGORY_ID:
        return "WordPress's default category: leave it"
    if category.id in mapped:
        return "a level of a mapped path: leave it"
    return ("delete it (WordPress: Posts → Categories, or a plan in jobs/ with action = \"delete_empty\") "
            "or map it")


def apply_mappings(cms: Cms, mappings: Mappings, *, ita_years: Sequence[int] = (),
                   extra_paths: Sequence[str] | Mapping[str, str] = ()) -> AppliedPaths:
    """Create the missing levels of every wanted category path.

    Uses ``cms.ensure_category_path`` for each path of :func:`wanted_paths`, so a level exists
    when a category of that name (exact rule) is under the right parent; with the adapters' cached
    listing this costs one category listing plus one request per missing level. It does not look
    for near-duplicates: run :func:`check_mappings` first (its ``missing[].similar`` names the
    categories a create would duplicate).

    Args:
        cms: the site.
        mappings: the loaded mappings.
        ita_years: BE years whose ITA items to include.
        extra_paths: more paths to create, as for :func:`check_mappings`.

    Returns:
        The leaf category of each wanted path, created or found, in :func:`wanted_paths` order.

    Raises:
        UnknownMappingError: an ITA year has no item list.
        SiteError: a category could not be read or created (the levels made before it stay).
    """
    wanted = wanted_paths(mappings, ita_years=ita_years, extra_paths=extra_paths)
    there = {c.id for c in cms.list_categories()}
    leaves = [cms.ensure_category_path(path.path) for path in wanted]
    created = [c for c in cms.list_categories() if c.id not in there]
    return AppliedPaths(leaves, created=created, existing=sum(1 for leaf in leaves if leaf.id in there))


class AppliedPaths(list[Category]):
    """The leaf category of each wanted path, with what :func:`apply_mappings` did to get them.

    Attributes:
        created: every category created (intermediate levels included), in creation order.
        existing: how many of the wanted paths' leaves were on the site already.
    """

    def __init__(self, leaves: Sequence[Category], *, created: Sequence[Category], existing: int) -> None:
        super().__init__(leaves)
        self.created = list(created)
        self.existing = existing

    def summary(self) -> str:
        """One line: what was created and what was there."""
        made = (f"created {_plural(len(self.created), 'category', 'categories')}: "
                + ", ".join(f"#{c.id} {c.name!r}" for c in self.created[:10])
                + (", ..." if len(self.created) > 10 else "")) if self.created else "created nothing"
        return (f"{made}; {_plural(len(self), 'mapped path')} on the site now "
                f"({self.existing} there already, {len(self) - self.existing} completed)")
