"""mappings check/apply: the site's categories against the mappings, on an in-memory site.

The fake site is the adapters' own category code (``AdapterBase``: cached listing and
``ensure_category_path``) over a list in memory, so "exists" here is exactly what the real
adapters do; it counts listings and creates, and refuses any post read.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pytest

from cms_bridge.mappings import Mappings, UnknownMappingError, load_mappings
from cms_bridge.categories.mappings_check import (
    apply_mappings,
    check_mappings,
    loose_key,
    wanted_paths,
)
from cms_bridge.wordpress.base import AdapterBase
from cms_bridge.wordpress.models import Category, PostQuery


class MemorySite(AdapterBase):
    """Categories in a list; the real cached listing and ensure_category_path on top."""

    def __init__(self, categories: Iterable[Category] = (), unpublished: dict[int, int] | None = None) -> None:
        self.terms = list(categories)
        self.listings = 0
        self.created: list[Category] = []
        #: Posts in no published status, by category (term counts do not show them).
        self.unpublished = unpublished or {}
        self.counted: list[int] = []

    def _load_categories(self) -> list[Category]:
        self.listings += 1
        return list(self.terms)

    def _create_category(self, name: str, parent: int, *, slug: str | None = None,
                         description: str | None = None) -> Category:
        category = Category(id=1000 + len(self.terms), name=name, parent=parent)
        self.terms.append(category)
        self.created.append(category)
        return category

    def count_posts(self, query: PostQuery) -> int:
        # Only an empty category the check would advise deleting is counted, in every status.
        assert query.category is not None and "trash" in query.statuses and "draft" in query.statuses
        self.counted.append(query.category)
        published = next(c.count for c in self.terms if c.id == query.category)
        return published + self.unpublished.get(query.category, 0)

    def iter_posts(self, query: PostQuery):  # type: ignore[no-untyped-def]
        raise AssertionError("the check must not download posts")

    def find_by_keys(self, keys):  # type: ignore[no-untyped-def]
        raise AssertionError("the check must not look posts up")


def cat(id: int, name: str, parent: int = 0, count: int = 0) -> Category:
    return Category(id=id, name=name, parent=parent, count=count)


KINDS = """
[kinds.news]
number = "1.17"
name = "ข่าว"
category = "ข่าวสาร / ข่าวกิจกรรม"
withdrawal = "draft"

[kinds.notices]
number = "1.16"
name = "ประกาศ"
category = "ข่าว & ประกาศ"
withdrawal = "draft"

[kinds.procurement]
number = "1.9"
name = "จัดซื้อจัดจ้าง"
category = "จัดซื้อจัดจ้าง"
withdrawal = "archive"
"""
GROUPS = """
[groups.admin]
name = "กลุ่มอำนวยการ"
category = "กลุ่มงาน / กลุ่มอำนวยการ"

[groups.finance]
name = "กลุ่มการเงิน"
"""
ITA_2567 = """year = 2567
[items.O20]
name = "ประกาศจัดซื้อ"
kinds = ["procurement"]

[items.O21]
name = "สรุปผลจัดซื้อ"

[items.O22]
name = "จัดซื้อจัดจ้าง"
category = "จัดซื้อจัดจ้าง"
"""
ITA_2566 = """year = 2566
partial = true
[items.O1]
name = "โครงสร้าง"
"""


@pytest.fixture
def mappings(tmp_path: Path) -> Mappings:
    folder = tmp_path / "mappings"
    (folder / "ita").mkdir(parents=True)
    (folder / "kinds.toml").write_text(KINDS, encoding="utf-8")
    (folder / "groups.toml").write_text(GROUPS, encoding="utf-8")
    (folder / "ita" / "2567.toml").write_text(ITA_2567, encoding="utf-8")
    (folder / "ita" / "2566.toml").write_text(ITA_2566, encoding="utf-8")
    return load_mappings(folder)


def complete_site() -> list[Category]:
    """Every path the test mappings want (with ITA 2567), each with published posts."""
    return [
        cat(1, "Uncategorized"),
        cat(2, "ข่าวสาร"), cat(3, "ข่าวกิจกรรม", 2, count=4),
        cat(4, "ข่าว & ประกาศ", count=2),
        cat(5, "จัดซื้อจัดจ้าง", count=7),
        cat(6, "กลุ่มงาน"), cat(7, "กลุ่มอำนวยการ", 6, count=1),
        cat(8, "ITA 2567"), cat(9, "O20 ประกาศจัดซื้อ", 8, count=3), cat(10, "O21 สรุปผลจัดซื้อ", 8, count=1),
    ]


def paths(findings) -> list[str]:  # type: ignore[no-untyped-def]
    return [f.category.path for f in findings]


# --- loose key -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("a", "b"), [
    ("ITA 2567", "ITA ๒๕๖๗"),
    ("O20  ประกาศ", "O20 ประกาศ"),
    ("O20ประกาศ", "O20 ประกาศ"),
    ("ข่าว &amp; ประกาศ", "ข่าว & ประกาศ"),
    ("ข่าว &amp;amp; ประกาศ", "ข่าว & ประกาศ"),
    ("ita 2567", "ITA\u00a02567\u200b"),
])
def test_loose_key_ignores_spacing_entities_case_and_thai_digits(a: str, b: str) -> None:
    assert loose_key(a) == loose_key(b)


@pytest.mark.parametrize(("a", "b"), [("ITA 2566", "ITA 2567"), ("O2", "O20"), ("ข่าว", "ข่าวสาร")])
def test_loose_key_keeps_real_differences(a: str, b: str) -> None:
    assert loose_key(a) != loose_key(b)


# --- wanted paths --------------------------------------------------------------------------------


def test_wanted_paths_are_kinds_groups_with_a_category_and_the_years_asked(mappings: Mappings) -> None:
    wanted = {w.path: w.wanted_by for w in wanted_paths(mappings, ita_years=[2567], extra_paths=["เอกสารเก่า"])}
    assert wanted == {
        "ข่าวสาร / ข่าวกิจกรรม": ("kind news",),
        "ข่าว & ประกาศ": ("kind notices",),
        "จัดซื้อจัดจ้าง": ("kind procurement", "ITA 2567 O22"),  # one path, both entries
        "กลุ่มงาน / กลุ่มอำนวยการ": ("group admin",),
        "ITA 2567 / O20 ประกาศจัดซื้อ": ("ITA 2567 O20",),
        "ITA 2567 / O21 สรุปผลจัดซื้อ": ("ITA 2567 O21",),
        "เอกสารเก่า": ("extra path",),
    }
    assert len(wanted_paths(mappings)) == 4  # no ITA year asked for: none of their items


def test_extra_paths_carry_their_labels(mappings: Mappings) -> None:
    wanted = wanted_paths(mappings, extra_paths={"เอกสารเก่า": "[sync] archive_category"})
    assert wanted[-1].wanted_by == ("[sync] archive_category",)


def test_unknown_ita_year_is_refused_with_the_years_there_are(mappings: Mappings) -> None:
    with pytest.raises(UnknownMappingError, match="2566, 2567"):
        check_mappings(MemorySite(complete_site()), mappings, ita_years=[2599])


# --- a site that matches -------------------------------------------------------------------------


def test_a_matching_site_is_ok_with_one_listing(mappings: Mappings) -> None:
    site = MemorySite(complete_site())
    report = check_mappings(site, mappings, ita_years=[2567])
    assert report.ok
    assert report.missing == [] and report.near_duplicates == [] and report.unmapped_with_posts == []
    assert paths(report.empty) == ["Uncategorized"] and report.empty[0].category.default
    assert report.categories_on_site == 10 and report.wanted_paths == 6 and report.categories_to_create == 0
    assert site.listings == 1
    assert "OK" in report.render_text()


def test_names_match_after_entity_decoding_spacing_and_case(mappings: Mappings) -> None:
    site = complete_site()
    site[3] = cat(4, "ข่าว &amp; ประกาศ", count=2)  # stored escaped twice, decoded once by the adapter
    site[8] = cat(9, "o20  ประกาศจัดซื้อ", 8, count=3)
    report = check_mappings(MemorySite(site), mappings, ita_years=[2567])
    assert report.ok and report.missing == []


# --- missing -------------------------------------------------------------------------------------


def test_missing_paths_name_the_existing_part_and_the_levels_to_create(mappings: Mappings) -> None:
    site = [c for c in complete_site() if c.id not in (2, 3, 7, 10)]
    report = check_mappings(MemorySite(site), mappings, ita_years=[2567])
    missing = {m.path: m for m in report.missing}
    assert set(missing) == {"ข่าวสาร / ข่าวกิจกรรม", "กลุ่มงาน / กลุ่มอำนวยการ", "ITA 2567 / O21 สรุปผลจัดซื้อ"}
    assert missing["ข่าวสาร / ข่าวกิจกรรม"].existing is None
    assert missing["ข่าวสาร / ข่าวกิจกรรม"].missing_levels == ("ข่าวสาร", "ข่าวกิจกรรม")
    assert missing["กลุ่มงาน / กลุ่มอำนวยการ"].existing == "กลุ่มงาน"
    assert missing["กลุ่มงาน / กลุ่มอำนวยการ"].missing_levels == ("กลุ่มอำนวยการ",)
    assert missing["ITA 2567 / O21 สรุปผลจัดซื้อ"].wanted_by == ("ITA 2567 O21",)
    assert report.categories_to_create == 4
    assert not report.ok
    assert all("cms-bridge mappings apply" in m.fix for m in report.missing)


def test_shared_missing_levels_are_counted_once(mappings: Mappings) -> None:
    report = check_mappings(MemorySite([cat(1, "Uncategorized")]), mappings, ita_years=[2567])
    # ข่าวสาร, ข่าวกิจกรรม, ข่าว & ประกาศ, จัดซื้อจัดจ้าง, กลุ่มงาน, กลุ่มอำนวยการ, ITA 2567, O20, O21
    assert report.categories_to_create == 9
    assert len(report.missing) == 6


def test_a_missing_level_with_a_look_alike_says_so(mappings: Mappings) -> None:
    site = [c for c in complete_site() if c.id not in (8, 9, 10)] + [
        cat(20, "ITA ๒๕๖๗"), cat(21, "O20ประกาศจัดซื้อ", 20, count=5),
    ]
    report = check_mappings(MemorySite(site), mappings, ita_years=[2567])
    missing = {m.path: m for m in report.missing}
    o20 = missing["ITA 2567 / O20 ประกาศจัดซื้อ"]
    assert o20.missing_levels == ("ITA 2567", "O20 ประกาศจัดซื้อ")
    assert [c.id for c in o20.similar] == [20]
    assert "rename" in o20.fix and "ITA ๒๕๖๗" in o20.fix
    # the look-alike's child holds posts on no wanted path: reported, with its count
    assert [(f.category.path, f.category.count) for f in report.unmapped_with_posts] == [
        ("ITA ๒๕๖๗ / O20ประกาศจัดซื้อ", 5)
    ]


# --- near-duplicates -----------------------------------------------------------------------------


def test_near_duplicates_are_grouped_with_the_mapped_one_first(mappings: Mappings) -> None:
    site = complete_site() + [
        cat(30, "ITA ๒๕๖๗", count=0), cat(31, "O20  ประกาศจัดซื้อ", 30, count=2),
        cat(32, "O20ประกาศจัดซื้อ", 8, count=6),  # a sibling of the mapped O20
        cat(33, "ข่าว &amp; ประกาศ", count=1),  # escaped twice on the site, "&" in the mapping
        cat(34, "ITA 2566"),  # not a look-alike of ITA 2567
        cat(35, "ข่าวกิจกรรม", 34),  # same name under an unrelated parent: not a duplicate
    ]
    report = check_mappings(MemorySite(site), mappings, ita_years=[2567])
    groups = [[(c.id, c.count, c.mapped) for c in g.categories] for g in report.near_duplicates]
    assert sorted(groups) == sorted([
        [(8, 0, True), (30, 0, False)],
        [(9, 3, True), (32, 6, False), (31, 2, False)],
        [(4, 2, True), (33, 1, False)],
    ])
    assert {g.mapped_id for g in report.near_duplicates} == {8, 9, 4}
    o20 = next(g for g in report.near_duplicates if g.mapped_id == 9)
    assert 'merge "ITA 2567 / O20ประกาศจัดซื้อ" (id 32) into "ITA 2567 / O20 ประกาศจัดซื้อ" (id 9)' in o20.fix
    assert "(id 31) into" in o20.fix and "jobs/" in o20.fix
    assert not report.ok
    # a near-duplicate is reported once, as such: not also as unmapped or empty
    reported = {f.category.id for f in report.unmapped_with_posts + report.empty}
    assert reported.isdisjoint({30, 31, 32, 33})
    assert [f.category.id for f in report.empty] == [35, 1]  # by path: "ITA 2566 / ข่าวกิจกรรม", "Uncategorized"


def test_unmapped_near_duplicates_keep_the_one_with_most_posts(mappings: Mappings) -> None:
    site = complete_site() + [cat(40, "ข่าวเก่า", count=1), cat(41, "ข่าว เก่า", count=9)]
    (group,) = check_mappings(MemorySite(site), mappings).near_duplicates
    assert group.mapped_id is None and [c.id for c in group.categories] == [41, 40]
    assert "most posts" in group.fix


# --- unmapped and empty --------------------------------------------------------------------------


def test_unmapped_categories_with_posts_and_empty_ones(mappings: Mappings) -> None:
    site = complete_site()
    site[0] = cat(1, "Uncategorized", count=2)
    site += [
        cat(50, "เก่า"), cat(51, "ข่าวเก่า", 50, count=3),  # a heading with posts only in its child
        cat(52, "หมวดว่าง"),
        cat(53, "เอกสารเก่า", count=4),
    ]
    report = check_mappings(MemorySite(site), mappings, ita_years=[2567])
    assert [(f.category.path, f.category.count, f.category.default) for f in report.unmapped_with_posts] == [
        ("Uncategorized", 2, True), ("เก่า / ข่าวเก่า", 3, False), ("เอกสารเก่า", 4, False),
    ]
    assert paths(report.empty) == ["หมวดว่าง"]
    assert "delete" in report.empty[0].fix
    assert "move_posts" in report.unmapped_with_posts[1].fix
    assert not report.ok
    # the same site, with the archive category passed as wanted: no longer unmapped
    again = check_mappings(MemorySite(site), mappings, ita_years=[2567], extra_paths=["เอกสารเก่า"])
    assert "เอกสารเก่า" not in paths(again.unmapped_with_posts)


def test_an_empty_category_holding_an_unpublished_post_is_never_advised_for_deletion(mappings: Mappings) -> None:
    site = MemorySite(complete_site() + [cat(52, "หมวดว่าง"), cat(54, "มีร่าง")], unpublished={54: 1})
    report = check_mappings(site, mappings, ita_years=[2567])
    fixes = {f.category.path: f.fix for f in report.empty}
    assert "delete_empty" in fixes["หมวดว่าง"]
    # The advice for a category that holds a draft never says to delete it (in any wording).
    assert "delete" not in fixes["มีร่าง"] and fixes["มีร่าง"].startswith("not empty: holds 1 post not published")
    assert sorted(site.counted) == [52, 54]  # mapped and default categories are not counted


def test_mapped_empty_categories_are_notes_not_problems(mappings: Mappings) -> None:
    site = [c if c.id != 9 else cat(9, "O20 ประกาศจัดซื้อ", 8) for c in complete_site()]
    report = check_mappings(MemorySite(site), mappings, ita_years=[2567])
    assert report.ok
    (o20,) = [f for f in report.empty if f.category.id == 9]
    assert o20.category.mapped and "nothing published" in o20.fix and "ITA 2567 O20" in o20.fix


def test_a_tree_of_an_ita_year_not_checked_gets_a_hint(mappings: Mappings) -> None:
    site = complete_site() + [cat(60, "ITA 2566"), cat(61, "O1 โครงสร้าง", 60, count=2)]
    (finding,) = check_mappings(MemorySite(site), mappings, ita_years=[2567]).unmapped_with_posts
    assert finding.category.id == 61 and "ITA year 2566" in finding.fix
    report = check_mappings(MemorySite(site), mappings, ita_years=[2567, 2566])
    assert report.unmapped_with_posts == [] and report.partial_ita_years == (2566,)


# --- render --------------------------------------------------------------------------------------


def test_render_text_gives_one_line_per_finding_with_its_fix(mappings: Mappings) -> None:
    site = [c for c in complete_site() if c.id != 10] + [
        cat(30, "ITA ๒๕๖๗"), cat(52, "หมวดว่าง"), cat(53, "เอกสารเก่า", count=4),
    ]
    report = check_mappings(MemorySite(site), mappings, ita_years=[2567, 2566])
    lines = report.render_text().splitlines()
    findings = [line for line in lines if line.startswith("  - ")]
    # missing O21 and ITA 2566 / O1; one near-duplicate group; one unmapped; empty: default + หมวดว่าง
    assert len(findings) == 2 + 1 + 1 + 2
    assert any('"ITA 2567 / O21 สรุปผลจัดซื้อ"' in f and "cms-bridge mappings apply" in f for f in findings)
    assert any('"ITA ๒๕๖๗" (id 30, 0 posts)' in f and "merge" in f and "jobs/" in f for f in findings)
    assert any('"เอกสารเก่า" (id 53, 4 posts)' in f and "move_posts" in f for f in findings)
    assert any('"Uncategorized" (id 1, 0 posts, WordPress default)' in f and "leave it" in f for f in findings)
    assert any("ITA 2566" in line and "incomplete" in line for line in lines)
    assert "4 finding(s) to fix" in lines[1]
    assert report.model_dump()["ok"] is False  # ok is part of the JSON form


# --- apply ---------------------------------------------------------------------------------------


def test_apply_creates_exactly_the_missing_levels_with_one_listing(mappings: Mappings) -> None:
    site = MemorySite([cat(1, "Uncategorized"), cat(6, "กลุ่มงาน"), cat(8, "ITA 2567"),
                       cat(9, "O20 ประกาศจัดซื้อ", 8)])
    before = check_mappings(MemorySite(site.terms), mappings, ita_years=[2567])
    leaves = apply_mappings(site, mappings, ita_years=[2567])
    assert site.listings == 1
    assert len(site.created) == before.categories_to_create == 6
    assert [c.name for c in site.created] == ["ข่าวสาร", "ข่าวกิจกรรม", "ข่าว & ประกาศ", "จัดซื้อจัดจ้าง",
                                              "กลุ่มอำนวยการ", "O21 สรุปผลจัดซื้อ"]
    assert [c.name for c in leaves] == ["ข่าวกิจกรรม", "ข่าว & ประกาศ", "จัดซื้อจัดจ้าง", "กลุ่มอำนวยการ",
                                        "O20 ประกาศจัดซื้อ", "O21 สรุปผลจัดซื้อ"]
    assert leaves[3].parent == 6 and leaves[4].id == 9  # existing levels reused
    after = check_mappings(MemorySite(site.terms), mappings, ita_years=[2567])
    assert after.missing == [] and after.ok
    assert [c.name for c in leaves.created] == [c.name for c in site.created]
    assert leaves.existing == 1  # only O20 was there
    assert leaves.summary().startswith("created 6 categories: #")
    assert leaves.summary().endswith("; 6 mapped paths on the site now (1 there already, 5 completed)")
    again = apply_mappings(site, mappings, ita_years=[2567])
    assert again == leaves and len(site.created) == 6  # idempotent
    assert (again.created, again.existing) == ([], 6)


def test_apply_on_a_complete_site_creates_nothing(mappings: Mappings) -> None:
    site = MemorySite(complete_site())
    done = apply_mappings(site, mappings, ita_years=[2567])
    assert site.created == [] and site.listings == 1
    assert done.summary() == f"created nothing; {len(done)} mapped paths on the site now ({len(done)} there already, 0 completed)"


def test_apply_asks_a_short_slug_where_wordpress_would_refuse_its_own_and_check_says_so() -> None:
    # Many ITA 2569 items keep their 2568 names: WordPress appends the parent's slug to the second
    # one, past its 200 bytes (the fake refuses that insert as WordPress does: db_insert_error).
    from cms_bridge.wordpress.fake import FakeCms
    from cms_bridge.wordpress.models import SLUG_MAX_BYTES, CategoryTree, wordpress_slug

    shipped = load_mappings()
    site = FakeCms()
    report = check_mappings(site, shipped, ita_years=[2568, 2569])
    assert report.slug_notes and "หมายเหตุ / note: new category" in report.render_text()
    before = set(site.terms)
    apply_mappings(site, shipped, ita_years=[2568, 2569])
    slugs = [t.slug for t in site.terms.values()]
    assert len(set(slugs)) == len(slugs) and max(map(len, slugs)) <= SLUG_MAX_BYTES
    tree = CategoryTree(site.list_categories())
    noted = {note.split('"')[1] for note in report.slug_notes}
    for term_id in set(site.terms) - before:
        term = site.terms[term_id]
        own = wordpress_slug(term.raw_name)
        # WordPress's own: the name's slug, or (taken) the parent's slug appended (wp_unique_term_slug).
        parent_slug = site.terms[term.parent].slug if term.parent else "-"
        wordpress_made = term.slug == own or term.slug.startswith(f"{own}-{parent_slug}")
        assert (tree.path_of(term_id) in noted) == (not wordpress_made), (tree.path_of(term_id), term.slug)
    assert check_mappings(site, shipped, ita_years=[2568, 2569]).missing == []
