"""The messy-site tier's own checker (tests/integration/messy_site.py): `diff` must see every kind
of difference the round trips look for, or a passing round trip would prove nothing."""

from __future__ import annotations

from typing import Any

from tests.integration.messy_site import PostRow, Snapshot, TermRow, diff, recreated_ids


def term(tid: int, name: str, parent: int = 0, **extra: object) -> TermRow:
    fields: dict[str, Any] = {"slug": f"s{tid}", "description": "", "meta": ()} | extra
    return TermRow(id=tid, name=name, parent=parent, **fields)


def post(pid: int, *cats: tuple[int, str], status: str = "publish") -> PostRow:
    return PostRow(id=pid, title=f"โพสต์ {pid}", status=status, date="2024-01-01 10:00:00", categories=frozenset(cats))


BEFORE = Snapshot(
    posts={1: post(1, (10, "ข่าว")), 2: post(2, (11, "ข่าว & กิจกรรม"), status="trash")},
    terms={10: term(10, "ข่าว", description="ข่าวทั่วไป", meta=(("colour", "blue"),)),
           11: term(11, "ข่าว & กิจกรรม"), 12: term(12, "ข่าว &amp; กิจกรรม")})


def test_the_same_site_has_no_difference() -> None:
    assert diff(BEFORE, BEFORE) == []


def test_status_categories_and_every_term_field_are_compared() -> None:
    after = Snapshot(
        posts={1: post(1, (10, "ข่าว"), status="draft"), 2: post(2, (1, "Uncategorized"), status="trash")},
        terms={10: term(10, "ข่าว ", slug="s10-2", parent=12, description="", meta=()),
               11: term(11, "ข่าว & กิจกรรม"), 12: term(12, "ข่าว &amp; กิจกรรม"), 1: term(1, "Uncategorized")})
    lines = diff(BEFORE, after)
    text = "\n".join(lines)
    assert "post 1 'โพสต์ 1': status publish -> draft" in text
    assert "post 2 'โพสต์ 2' (trash): categories lost [#11 'ข่าว & กิจกรรม'] gained [#1 'Uncategorized']" in text
    for attr in ("name", "slug", "parent", "description", "meta"):
        assert any(line.startswith("category #10 ") and f": {attr} " in line for line in lines), attr
    assert "category #1 'Uncategorized' appeared" in text


def test_a_recreated_category_pairs_only_with_the_exact_name_under_the_same_parent() -> None:
    # 11 was deleted and recreated as 20 (same name): the same category with a new id.
    recreated = Snapshot(posts={1: BEFORE.posts[1], 2: post(2, (20, "ข่าว & กิจกรรม"), status="trash")},
                         terms={10: BEFORE.terms[10], 12: BEFORE.terms[12], 20: term(20, "ข่าว & กิจกรรม", slug="s11")})
    remap = recreated_ids(BEFORE, recreated)
    assert remap == {11: 20}
    assert diff(BEFORE, recreated, remap=remap) == []
    # Filed into the &amp; look-alike instead: not the same category, and said so.
    merged = Snapshot(posts={1: BEFORE.posts[1], 2: post(2, (12, "ข่าว &amp; กิจกรรม"), status="trash")},
                      terms={10: BEFORE.terms[10], 12: BEFORE.terms[12]})
    assert recreated_ids(BEFORE, merged) == {}
    lines = diff(BEFORE, merged, remap={})
    assert any("categories lost [#11" in line and "gained [#12" in line for line in lines)
    assert any(line.startswith("category #11 ") and "disappeared" in line for line in lines)
