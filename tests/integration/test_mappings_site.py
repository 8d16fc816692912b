"""mappings check/apply against the real WordPress: hand-made categories, as an office has them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from cms_bridge.config import Config
from cms_bridge.mappings import Mappings, load_mappings
from cms_bridge.categories.mappings_check import apply_mappings, check_mappings
from cms_bridge.wordpress import RestAdapter
from cms_bridge.wordpress.http import HttpClient
from cms_bridge.wordpress.models import PostQuery

from .test_migration_traps import sql

KINDS = """
[kinds.news]
number = "1.17"
name = "ข่าวทดสอบ"
category = "ข่าวสารทดสอบ / ข่าวกิจกรรมทดสอบ"
withdrawal = "draft"

[kinds.notices]
number = "1.16"
name = "ประกาศทดสอบ"
category = "ประกาศ & คำสั่ง"
withdrawal = "draft"

[kinds.procurement]
number = "1.9"
name = "จัดซื้อทดสอบ"
category = "จัดซื้อทดสอบ"
withdrawal = "archive"
"""
GROUPS = """
[groups.admin]
name = "ฝ่ายบริหารทดสอบ"
category = "กลุ่มงานทดสอบ / ฝ่ายบริหารทดสอบ"
"""
ITA_2567 = """year = 2567
[items.O20]
name = "ประกาศจัดซื้อทดสอบ"
kinds = ["procurement"]

[items.O21]
name = "สรุปผลทดสอบ"
"""


@pytest.fixture
def mappings(tmp_path: Path) -> Mappings:
    folder = tmp_path / "mappings"
    (folder / "ita").mkdir(parents=True)
    (folder / "kinds.toml").write_text(KINDS, encoding="utf-8")
    (folder / "groups.toml").write_text(GROUPS, encoding="utf-8")
    (folder / "ita" / "2567.toml").write_text(ITA_2567, encoding="utf-8")
    return load_mappings(folder)


def fresh(config: Config) -> RestAdapter:
    """A new adapter (empty category cache) with its own request counter."""
    return RestAdapter(HttpClient(config))


def category(rest: RestAdapter, name: str, parent: int = 0) -> int:
    """Create a category the way a person would, with the name sent exactly as given."""
    item: dict[str, Any] = rest._call("POST", "/wp/v2/categories", json={"name": name, "parent": parent})
    return int(item["id"])


def posts(rest: RestAdapter, category_id: int, statuses: list[str]) -> None:
    when = (datetime.now(UTC) - timedelta(days=1)).replace(tzinfo=None, microsecond=0).isoformat()
    rest.batch([("POST", "/wp/v2/posts", {"title": f"เรื่องทดสอบ {i}", "status": status,
                                          "categories": [category_id], "date_gmt": when})
                for i, status in enumerate(statuses)])


@pytest.fixture
def office_site(clean_site: Config) -> dict[str, int]:
    """A site built by hand: near-duplicates, an escaped name, an empty and an unmapped category."""
    rest = fresh(clean_site)
    ids = {
        "ITA 2567": category(rest, "ITA 2567"),
        "ITA ๒๕๖๗": category(rest, "ITA ๒๕๖๗"),
        "ประกาศ &amp; คำสั่ง": category(rest, "ประกาศ &amp; คำสั่ง"),
        "จัดซื้อทดสอบ": category(rest, "จัดซื้อทดสอบ"),
        "หมวดว่างทดสอบ": category(rest, "หมวดว่างทดสอบ"),
        "คลังเก่าทดสอบ": category(rest, "คลังเก่าทดสอบ"),
        "กลุ่มงานทดสอบ": category(rest, "กลุ่มงานทดสอบ"),
    }
    ids["O20"] = category(rest, "O20 ประกาศจัดซื้อทดสอบ", ids["ITA 2567"])
    ids["O20 look-alike"] = category(rest, "O20ประกาศจัดซื้อทดสอบ", ids["ITA 2567"])
    posts(rest, ids["จัดซื้อทดสอบ"], ["publish", "publish", "draft"])
    posts(rest, ids["คลังเก่าทดสอบ"], ["publish", "publish", "publish"])
    # Empty by WordPress's term count (published posts only), yet holding a post.
    for name, status in (("ร่างทดสอบ", "draft"), ("ส่วนตัวทดสอบ", "private"), ("ถังทดสอบ", "trash")):
        ids[name] = category(rest, name)
        posts(rest, ids[name], ["draft" if status == "trash" else status])
        if status == "trash":
            (post,) = rest.iter_posts(PostQuery(statuses=("draft",), category=ids[name]))
            rest.set_status(post.id, "trash")
    return ids


def test_the_check_finds_exactly_what_was_made_and_apply_completes_the_tree(
    clean_site: Config, office_site: dict[str, int], mappings: Mappings
) -> None:
    ids = office_site
    rest = fresh(clean_site)
    listing = {c.id: c for c in RestAdapter(HttpClient(clean_site)).list_categories()}
    hello_world = listing[1].count  # WordPress's sample post, if the installation kept it

    rest.site_info()  # read once per adapter (discovery, settings), as any command does
    rest.http.requests_sent = 0
    report = check_mappings(rest, mappings, ita_years=[2567])
    # One page of categories; no post read, only a count for each empty unmapped category the
    # check could advise deleting (all statuses, trash included).
    assert rest.http.requests_sent == 1 + 4

    # the REST API stores "&amp;" and the adapter decodes it: the mapping's "ประกาศ & คำสั่ง" exists
    assert listing[ids["ประกาศ &amp; คำสั่ง"]].name == "ประกาศ & คำสั่ง"
    missing = {m.path: (m.existing, m.missing_levels) for m in report.missing}
    assert missing == {
        "ข่าวสารทดสอบ / ข่าวกิจกรรมทดสอบ": (None, ("ข่าวสารทดสอบ", "ข่าวกิจกรรมทดสอบ")),
        "กลุ่มงานทดสอบ / ฝ่ายบริหารทดสอบ": ("กลุ่มงานทดสอบ", ("ฝ่ายบริหารทดสอบ",)),
        "ITA 2567 / O21 สรุปผลทดสอบ": ("ITA 2567", ("O21 สรุปผลทดสอบ",)),
    }
    assert report.categories_to_create == 4

    groups = {tuple((c.id, c.count, c.mapped) for c in g.categories) for g in report.near_duplicates}
    assert groups == {
        ((ids["ITA 2567"], 0, True), (ids["ITA ๒๕๖๗"], 0, False)),
        ((ids["O20"], 0, True), (ids["O20 look-alike"], 0, False)),
    }

    unmapped = {(f.category.id, f.category.count) for f in report.unmapped_with_posts}
    assert unmapped == {(ids["คลังเก่าทดสอบ"], 3)} | ({(1, hello_world)} if hello_world else set())

    empty = {f.category.id: f.category.mapped for f in report.empty}
    held = {ids[n] for n in ("ร่างทดสอบ", "ส่วนตัวทดสอบ", "ถังทดสอบ")}
    expected_empty = {ids["หมวดว่างทดสอบ"]: False, ids["ประกาศ &amp; คำสั่ง"]: True, ids["กลุ่มงานทดสอบ"]: True}
    assert empty == expected_empty | dict.fromkeys(held, False) | ({} if hello_world else {1: False})
    fixes = {f.category.id: f.fix for f in report.empty}
    assert fixes[ids["หมวดว่างทดสอบ"]].startswith("delete it")
    # The SQL says each holds one post: never advised for deletion (delete_empty would refuse).
    for held_id in held:
        assert sql(f"SELECT COUNT(*) FROM wp_term_relationships r JOIN wp_term_taxonomy tt"
                   f" ON tt.term_taxonomy_id = r.term_taxonomy_id WHERE tt.term_id = {held_id}") == [["1"]]
        assert fixes[held_id].startswith("not empty: holds 1 post not published") and "delete" not in fixes[held_id]
    assert not report.ok
    text = report.render_text()
    assert "cms-bridge mappings apply" in text and '"คลังเก่าทดสอบ" (id' in text and "merge" in text

    # apply: one listing (plus discovery) and one request per missing level, nothing duplicated
    rest = fresh(clean_site)
    terms_before = int(sql("SELECT COUNT(*) FROM wp_term_taxonomy WHERE taxonomy = 'category'")[0][0])
    leaves = apply_mappings(rest, mappings, ita_years=[2567])
    assert rest.http.requests_sent == 2 + report.categories_to_create
    made = int(sql("SELECT COUNT(*) FROM wp_term_taxonomy WHERE taxonomy = 'category'")[0][0]) - terms_before
    # What apply says it did is what the database shows: 4 made, 3 of the 6 leaves were there.
    assert made == len(leaves.created) == 4 and leaves.existing == 3
    assert leaves.summary().startswith("created 4 categories: #")
    assert leaves.summary().endswith("; 6 mapped paths on the site now (3 there already, 3 completed)")
    # in wanted order: news, notices, procurement, group admin, ITA O20, ITA O21
    assert leaves[1].id == ids["ประกาศ &amp; คำสั่ง"] and leaves[2].id == ids["จัดซื้อทดสอบ"]
    assert leaves[3].parent == ids["กลุ่มงานทดสอบ"] and leaves[4].id == ids["O20"]
    assert leaves[5].parent == ids["ITA 2567"]

    after = check_mappings(fresh(clean_site), mappings, ita_years=[2567])
    assert after.missing == [] and after.categories_to_create == 0
    assert len(after.near_duplicates) == 2  # apply creates; merging is a migration's job
    assert len(fresh(clean_site).list_categories()) == len(listing) + 4
    assert {f.category.id for f in after.empty} >= {leaves[0].id, leaves[3].id, leaves[5].id}


def test_the_packaged_ita_2567_tree_is_built_in_one_pass(clean_site: Config) -> None:
    mappings = load_mappings()
    rest = fresh(clean_site)
    before = check_mappings(rest, mappings, ita_years=[2567])
    assert {m.path for m in before.missing} >= {i.category for i in mappings.ita_year(2567).items.values()}
    rest = fresh(clean_site)
    apply_mappings(rest, mappings, ita_years=[2567])
    assert rest.http.requests_sent == 2 + before.categories_to_create
    after = check_mappings(fresh(clean_site), mappings, ita_years=[2567])
    assert after.missing == [] and after.near_duplicates == []
    # only WordPress's sample post, if the installation kept it, sits outside the mapped tree
    assert {f.category.id for f in after.unmapped_with_posts} <= {1}
    assert after.ok == (after.unmapped_with_posts == [])
    tree = {c.name: c for c in fresh(clean_site).list_categories()}
    o20 = tree["O20 ประกาศต่าง ๆ เกี่ยวกับการจัดซื้อจัดจ้างหรือการจัดหาพัสดุ"]
    assert o20.parent == tree["ITA 2567"].id
    assert sum(1 for c in tree.values() if c.parent == tree["ITA 2567"].id) == 43
