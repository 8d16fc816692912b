"""The Cms contract (tests/contract.py) on the in-memory FakeCms, plus the fake's own checks.

The ``site`` checker reads the fake's stored state directly, never through the methods under test.
"""

from __future__ import annotations

import html

from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from cms_bridge.errors import ConflictError, NotFoundError, SiteError
from cms_bridge.wordpress.fake import UNCATEGORIZED, FakeCms
from cms_bridge.wordpress.models import (
    Category,
    CategoryChange,
    Post,
    PostQuery,
    PostStatus,
    key_from_slug,
    plain_text,
)
from cms_bridge.wordpress.protocol import Cms

from .conftest import Clock

from ..contract import *  # noqa: F403 - the shared contract tests, collected here
from ..contract import draft


class FakeChecker:
    """Arranges and checks a FakeCms through its stored state."""

    def __init__(self, fake: FakeCms) -> None:
        self.fake = fake

    def _as_post(self, stored, with_content: bool = False) -> Post:
        return Post(id=stored.id, key=key_from_slug(stored.slug), slug=stored.slug, title=plain_text(stored.title),
                    status=stored.status, date=stored.date, modified=stored.modified,
                    categories=tuple(stored.categories), content=stored.content if with_content else None,
                    comments_open=stored.comments_open, author=stored.author)

    def get_post(self, post_id: int, *, with_content: bool = False) -> Post:
        return self._as_post(self.fake.posts[post_id], with_content)

    def iter_posts(self, query: PostQuery) -> Iterator[Post]:
        for stored in sorted(self.fake.posts.values(), key=lambda p: p.id):
            if stored.status in query.statuses and (query.category is None or query.category in stored.categories):
                yield self._as_post(stored)

    def count_posts(self, query: PostQuery) -> int:
        return sum(1 for _ in self.iter_posts(query))

    def ensure_category_path(self, path: str) -> Category:
        parent = 0
        for level in path.split(" / "):
            term = next((t for t in self.fake.terms.values() if t.parent == parent and plain_text(t.raw_name) == level),
                        None) or self.fake.add_category(level, parent)
            parent = term.id
        return next(c for c in self.fresh_categories() if c.id == parent)

    def fresh_categories(self) -> list[Category]:
        return [Category(id=t.id, name=plain_text(t.raw_name), parent=t.parent, slug=t.slug,
                         description=t.description, stored_name=html.unescape(t.raw_name))
                for t in self.fake.terms.values()]

    def add_post(self, *, title: str, slug: str, status: PostStatus) -> int:
        return self.fake.add_post(title=title, slug=slug, status=status).id

    def add_category(self, name: str, parent: int = 0) -> int:
        return self.fake.add_category(name, parent).id

    def make_posts(self, posts: Sequence[tuple[str, datetime]], category: int) -> list[int]:
        return [self.fake.add_post(title=title, date=when, categories=[category]).id for title, when in posts]

    def public_file(self, url: str) -> bytes | None:
        return self.fake.public_file(url)

    def add_entry(self, *, title: str, content: str, status: PostStatus, post_type: str = "post") -> int:
        return self.fake.add_post(title=title, content=content, status=status, post_type=post_type).id

    def add_media(self, path: Path, *, parent: int | None = None) -> int:
        return self.fake.add_media(path.name, path.read_bytes(), parent=parent).id


@pytest.fixture
def cms() -> FakeCms:
    return FakeCms()


@pytest.fixture
def site(cms: FakeCms) -> FakeChecker:
    return FakeChecker(cms)


# -- what the fake adds: its own rules, checked on its state ------------------------------------

T0 = datetime(2026, 9, 1, 3, 0, tzinfo=timezone.utc)


@pytest.fixture
def clock() -> Clock:
    return Clock(T0)


@pytest.fixture
def fake(clock: Clock) -> FakeCms:
    return FakeCms(clock=clock)


def test_site_now_is_the_injected_clock(fake: FakeCms, clock: Clock) -> None:
    assert fake.site_now() == T0
    clock.now = T0 + timedelta(hours=5, microseconds=7)
    assert fake.site_now() == T0 + timedelta(hours=5)  # WordPress keeps whole seconds
    assert isinstance(fake, Cms) and fake.site_info().batch_limit == 25


def test_publish_with_a_future_date_is_scheduled_and_a_due_one_publishes_on_any_write(fake: FakeCms,
                                                                                      clock: Clock) -> None:
    post = fake.create_post(draft("pr-later", status="publish", date=T0 + timedelta(hours=1)))
    assert post.status == "future"
    # Less than a minute ahead counts as now.
    assert fake.create_post(draft("pr-soon", status="publish", date=T0 + timedelta(seconds=30))).status == "publish"
    clock.now = T0 + timedelta(hours=2)
    assert fake.get_post(post.id).status == "future"  # nothing publishes it by itself (no WP-Cron)
    cat = fake.ensure_category_path("ข่าว")
    fake.change_categories([CategoryChange(post_id=post.id, add=(cat.id,))])
    assert fake.posts[post.id].status == "publish" and fake.posts[post.id].date == T0 + timedelta(hours=1)


def test_future_with_a_past_date_is_published(fake: FakeCms) -> None:
    post = fake.create_post(draft("pr-past", status="future", date=T0 - timedelta(days=1)))
    assert post.status == "publish" and post.date == T0 - timedelta(days=1)


def test_slug_rules_drafts_keep_duplicates_others_get_a_suffix(fake: FakeCms) -> None:
    fake.add_post(title="มือ", slug="pr-dup", status="publish")
    assert fake.add_post(title="มือ", slug="pr-dup", status="publish").slug == "pr-dup-2"
    assert fake.add_post(title="ร่าง", slug="pr-dup", status="draft").slug == "pr-dup"
    with pytest.raises(ConflictError) as caught:
        fake.create_post(draft("pr-dup", status="private"))
    assert caught.value.code == "slug_taken"
    assert sorted(p.slug for p in fake.posts.values()) == ["pr-dup", "pr-dup", "pr-dup-2"]


def test_trash_renames_the_slug_and_a_live_post_wins_over_a_trashed_one(fake: FakeCms) -> None:
    old = fake.create_post(draft("pr-t", status="publish"))
    fake.set_status(old.id, "trash")
    assert fake.posts[old.id].slug == "pr-t__trashed"
    assert fake.set_status(old.id, "trash").status == "trash"  # trashing twice is harmless
    new = fake.create_post(draft("pr-t", status="publish"))
    assert fake.find_by_keys(["pr-t"])["pr-t"].id == new.id
    fake.delete_post(new.id)
    assert fake.find_by_keys(["pr-t"])["pr-t"].id == old.id
    cat = fake.ensure_category_path("ถังขยะ")
    assert fake.change_categories([CategoryChange(post_id=old.id, add=(cat.id,))]) == 1
    assert fake.posts[old.id].slug == "pr-t__trashed" and fake.posts[old.id].status == "trash"


def test_a_draft_without_date_is_dated_when_published(fake: FakeCms, clock: Clock) -> None:
    post = fake.create_post(draft("pr-d"))
    clock.now = T0 + timedelta(days=2)
    assert fake.set_status(post.id, "publish").date == T0 + timedelta(days=2)


def test_category_names_stored_escaped_returned_decoded_counts_published_only(fake: FakeCms) -> None:
    cat = fake.create_category("ประกาศ &amp; คำสั่ง")
    assert fake.terms[cat.id].raw_name == "ประกาศ &amp; คำสั่ง" and cat.name == "ประกาศ & คำสั่ง"
    assert fake.create_category("ประกาศ  & คำสั่ง").id == cat.id  # same name as WordPress compares
    for key, status in [("pr-c1", "publish"), ("pr-c2", "draft"), ("pr-c3", "private")]:
        fake.create_post(draft(key, status=status, categories=(cat.id,)))
    assert {c.id: c.count for c in fake.list_categories()}[cat.id] == 1
    with pytest.raises(ConflictError):
        fake.update_category(fake.create_category("อื่น").id, name="ประกาศ & คำสั่ง")


def test_deleting_a_category_keeps_posts_and_children(fake: FakeCms) -> None:
    top = fake.ensure_category_path("บน")
    child = fake.ensure_category_path("บน / ล่าง")
    only = fake.create_post(draft("pr-only", status="publish", categories=(top.id,)))
    both = fake.create_post(draft("pr-both", status="publish", categories=(top.id, child.id)))
    fake.delete_category(top.id)
    assert fake.posts[only.id].categories == [UNCATEGORIZED]
    assert fake.posts[both.id].categories == [child.id] and fake.terms[child.id].parent == 0
    with pytest.raises(NotFoundError):
        fake.delete_category(top.id)
    with pytest.raises(SiteError):
        fake.delete_category(UNCATEGORIZED)
    with pytest.raises(SiteError):
        fake.update_category(child.id, parent=child.id)


def test_write_posts_batches_of_25_with_failures_in_place(fake: FakeCms) -> None:
    fake.add_post(title="มือ", slug="pr-w-3", status="publish")
    items = [(None, draft(f"pr-w-{i}", status="publish")) for i in range(30)] + [(99999, draft("pr-gone"))]
    results = fake.write_posts(items)
    assert fake.batch_sizes == [25, 6]
    assert isinstance(results[3], ConflictError) and isinstance(results[30], NotFoundError)
    assert [r.key for r in results if isinstance(r, Post)] == [f"pr-w-{i}" for i in range(30) if i != 3]


def test_media_keep_slug_and_sha256_and_share_the_post_ids(fake: FakeCms, tmp_path: Path) -> None:
    path = tmp_path / "a.pdf"
    path.write_bytes(b"%PDF-1.4 a")
    post = fake.create_post(draft("pr-m"))
    first = fake.upload_media(path, filename="คำสั่ง ที่ 1.pdf", slug="pr-m-abc")
    second = fake.upload_media(path, filename="คำสั่ง ที่ 1.pdf", slug="pr-m-abc")
    assert first.id == post.id + 1 and second.slug == "pr-m-abc-2"
    assert first.url != second.url and first.mime_type == "application/pdf" and first.size == 10
    import hashlib

    assert fake.media[first.id].sha256 == hashlib.sha256(b"%PDF-1.4 a").hexdigest()
    assert fake.find_media(["pr-m-abc", "nope"])["pr-m-abc"].id == first.id


def test_injected_failures_and_request_counts(fake: FakeCms, tmp_path: Path) -> None:
    fake.fail("upload_media")
    path = tmp_path / "a.pdf"
    path.write_bytes(b"x")
    with pytest.raises(SiteError, match="the site failed"):
        fake.upload_media(path)
    assert fake.upload_media(path).id > 0  # only the next call failed
    fake.find_by_keys([f"pr-k-{i}" for i in range(250)])
    assert fake.requests["find_by_keys"] == 3 and fake.requests["upload_media"] == 2
