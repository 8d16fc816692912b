"""One way to walk categories by path, shared by the adapters, migrations and harvest."""

from __future__ import annotations

import pytest

from cms_bridge.wordpress.models import Category, CategoryTree


def cat(id: int, name: str, parent: int = 0) -> Category:
    return Category(id=id, name=name, parent=parent, slug=f"c{id}")


TREE = [cat(1, "จัดซื้อจัดจ้าง"), cat(2, "ประกาศ &amp; คำสั่ง", 1), cat(3, "ประกาศ"), cat(4, "คำสั่ง", 3),
        cat(5, "ประกาศ/คำสั่ง")]


def test_finds_by_path_comparing_names_as_wordpress_does() -> None:
    tree = CategoryTree(TREE)
    assert tree.find("จัดซื้อจัดจ้าง / ประกาศ  & คำสั่ง") == 2
    assert tree.find("ประกาศ / คำสั่ง") == 4
    assert tree.find("ประกาศ/คำสั่ง") == 5  # a slash without spaces is part of a name
    assert tree.find("จัดซื้อจัดจ้าง / ไม่มี") is None
    assert tree.child(0, "  ประกาศ ") == TREE[2]


def test_path_of_gives_the_stored_names_and_round_trips() -> None:
    tree = CategoryTree({c.id: c for c in TREE})
    assert tree.path_of(2) == "จัดซื้อจัดจ้าง / ประกาศ &amp; คำสั่ง"
    assert all(tree.find(tree.path_of(c.id)) == c.id for c in TREE if c.id != 5)


def test_a_malformed_path_is_refused() -> None:
    with pytest.raises(ValueError, match="malformed category path"):
        CategoryTree(TREE).find("   ")
