"""The Cms contract: what every implementation does, whichever site is behind it.

The tests take two fixtures: ``cms``, the implementation under test, and ``site``, an independent
way to arrange and check the site (a :class:`SiteChecker`). The integration tier runs them on the
REST and XML-RPC adapters against the real WordPress (tests/integration/test_contract.py), the
unit tier on :class:`~cms_bridge.wordpress.fake.FakeCms` (tests/unit/test_fake_contract.py).
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Protocol

import pytest

from cms_bridge.errors import ConflictError, SiteError
from cms_bridge.wordpress.models import (
    Category,
    CategoryChange,
    Media,
    Post,
    PostInput,
    PostQuery,
    PostStatus,
    UploadItem,
)
from cms_bridge.wordpress.protocol import Cms

BANGKOK = timezone(timedelta(hours=7))


class SiteChecker(Protocol):
    """An independent view of the site under test, to arrange and check what ``cms`` did."""

    def get_post(self, post_id: int, *, with_content: bool = False) -> Post: ...

    def iter_posts(self, query: PostQuery) -> Iterator[Post]: ...

    def count_posts(self, query: PostQuery) -> int: ...

    def ensure_category_path(self, path: str) -> Category: ...

    def fresh_categories(self) -> list[Category]:
        """The category tree read anew (no cache)."""
        ...

    def add_post(self, *, title: str, slug: str, status: PostStatus) -> int:
        """A post made by hand on the site (not by the bridge); its id."""
        ...

    def add_category(self, name: str, parent: int = 0) -> int:
        """A category made by hand on the site; its id."""
        ...

    def make_posts(self, posts: Sequence[tuple[str, datetime]], category: int) -> list[int]:
        """Published posts (title, date) in *category*, made on the site; their ids in order."""
        ...

    def public_file(self, url: str) -> bytes | None:
        """What an anonymous visitor downloads at *url*; None when it is not served (404)."""
        ...

    def add_entry(self, *, title: str, content: str, status: PostStatus, post_type: str = "post") -> int:
        """A post or page with this content, made by hand on the site; its id."""
        ...

    def add_media(self, path: Path, *, parent: int | None = None) -> int:
        """A file uploaded by hand (the media library, not the bridge), attached to *parent*; its id."""
        ...



def draft(key: str, **fields) -> PostInput:
    return PostInput(key=key, title=fields.pop("title", f"เรื่อง {key}"), content="<p>เนื้อหา</p>", **fields)


def test_both_adapters_satisfy_the_protocol(cms: Cms) -> None:
    assert isinstance(cms, Cms)


def test_create_then_find_many_keys_in_any_status(cms: Cms) -> None:
    made = {k: cms.create_post(draft(k, status=s)) for k, s in
            [("pr-a-1", "draft"), ("pr-a-2", "publish"), ("pr-a-3", "private")]}
    found = cms.find_by_keys(["pr-a-1", "pr-a-2", "pr-a-3", "pr-missing"])
    assert {k: p.id for k, p in found.items()} == {k: p.id for k, p in made.items()}
    assert found["pr-a-2"].status == "publish" and found["pr-a-3"].status == "private"


def test_thai_title_round_trips_nfc_and_html_stays_text(cms: Cms, site: SiteChecker) -> None:
    title = 'ประกาศ <script>alert(1)</script> & "ราคากลาง" ๒๕๖๗'
    post = cms.create_post(draft("pr-thai", title=title))
    assert post.title == title
    again = site.get_post(post.id)
    assert again.title == title and unicodedata.is_normalized("NFC", again.title)


def test_update_replaces_title_content_and_categories(cms: Cms, site: SiteChecker) -> None:
    first = cms.ensure_category_path("ข่าวประชาสัมพันธ์")
    second = cms.ensure_category_path("ประกาศ")
    post = cms.create_post(draft("pr-upd", categories=(first.id,)))
    updated = cms.update_post(post.id, draft("pr-upd", title="แก้ไขแล้ว", categories=(second.id,)))
    assert updated.title == "แก้ไขแล้ว" and updated.categories == (second.id,)
    assert "เนื้อหา" in (site.get_post(post.id, with_content=True).content or "")


def test_schedule_in_the_future_then_publish_now(cms: Cms) -> None:
    when = datetime.now(BANGKOK).replace(microsecond=0) + timedelta(days=3)
    post = cms.create_post(draft("pr-future", status="future", date=when))
    assert post.status == "future" and post.date == when
    now = datetime.now(timezone.utc).replace(microsecond=0)
    published = cms.set_status(post.id, "publish", date=now)
    assert published.status == "publish" and published.date == now


def test_withdraw_to_draft_private_trash_and_restore_keeps_the_key(cms: Cms) -> None:
    post = cms.create_post(draft("pr-wd", status="publish"))
    for status in ("draft", "private", "trash"):
        assert cms.set_status(post.id, status).status == status
    assert cms.find_by_keys(["pr-wd"])["pr-wd"].status == "trash"
    restored = cms.set_status(post.id, "publish")
    assert restored.status == "publish" and restored.slug == "pr-wd"
    assert cms.find_by_keys(["pr-wd"])["pr-wd"].id == post.id


def test_a_taken_slug_is_a_conflict_and_leaves_no_renamed_post(cms: Cms, site: SiteChecker) -> None:
    # WordPress keeps duplicate slugs on drafts but renames a published one: the dangerous case.
    site.add_post(title="ทำด้วยมือ", slug="pr-taken", status="publish")
    with pytest.raises(ConflictError, match="already used"):
        cms.create_post(draft("pr-taken", status="publish"))
    slugs = [p.slug for p in site.iter_posts(PostQuery(statuses=("draft", "publish", "trash")))]
    assert [s for s in slugs if s.startswith("pr-")] == ["pr-taken"]


def test_upload_with_thai_file_name(cms: Cms, tmp_path: Path) -> None:
    name = "ประกาศราคากลาง ๒๕๖๗.pdf"
    path = tmp_path / "upload.pdf"
    path.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    media = cms.upload_media(path, filename=name, title="ราคากลาง")
    assert media.mime_type == "application/pdf"
    assert media.title == "ราคากลาง"
    from urllib.parse import unquote

    assert unquote(media.url).endswith(".pdf") and "ประกาศราคากลาง" in unicodedata.normalize("NFC", unquote(media.url))


def test_category_path_reuses_existing_names_with_ampersand(cms: Cms, site: SiteChecker) -> None:
    existing = {"id": site.add_category("ITA 2567")}
    site.add_category("ประกาศ & คำสั่ง", parent=existing["id"])
    leaf = cms.ensure_category_path("ITA 2567 / ประกาศ & คำสั่ง / O20 จัดซื้อจัดจ้าง")
    names = {c.id: c for c in site.fresh_categories()}
    assert leaf.name == "O20 จัดซื้อจัดจ้าง"
    assert names[names[leaf.parent].id].name == "ประกาศ & คำสั่ง" and names[leaf.parent].parent == existing["id"]
    assert len(names) == 4  # Uncategorized + the three levels, nothing duplicated
    assert cms.ensure_category_path("ITA 2567 / ประกาศ & คำสั่ง / O20 จัดซื้อจัดจ้าง").id == leaf.id


def test_a_category_made_behind_the_cached_tree_is_returned_not_duplicated(cms: Cms, site: SiteChecker) -> None:
    # The adapter has read the tree; then the category appears (another editor, or the run a
    # crash cut short). Creating it again must return that one: resuming a migration relies on it.
    top = cms.ensure_category_path("ประกาศ")
    made_meanwhile = site.add_category("คำสั่ง", parent=top.id)
    leaf = cms.ensure_category_path("ประกาศ / คำสั่ง")
    assert leaf.id == made_meanwhile
    # create_category too (a resumed migration creates by name): WordPress refuses the second
    # term (REST names the existing one; XML-RPC answers a fault) and the adapter looks it up.
    again = site.add_category("ระเบียบ", parent=top.id)
    assert cms.create_category("ระเบียบ", top.id).id == again
    assert [c.id for c in site.fresh_categories() if c.name == "คำสั่ง"] == [made_meanwhile]


def make_posts(site: SiteChecker, count: int, category: int, start: datetime) -> list[int]:
    """*count* published posts in *category*, an hour apart from *start* (made on the site)."""
    return site.make_posts([(f"โพสต์ {i}", start + timedelta(hours=i)) for i in range(count)], category)


def test_count_iterate_past_100_and_date_range(cms: Cms, site: SiteChecker) -> None:
    cat = site.ensure_category_path("ข่าว")
    start = datetime(2024, 3, 31, 20, 0, tzinfo=BANGKOK)
    ids = make_posts(site, 130, cat.id, start)
    query = PostQuery(category=cat.id)
    assert cms.count_posts(query) == 130
    assert [p.id for p in cms.iter_posts(query)] == sorted(ids)
    # Half-open: from 1 Apr 00:00 Bangkok (post 4 is at 00:00 exactly) to 1 Apr 06:00 (post 10 excluded).
    window = PostQuery(category=cat.id, after=datetime(2024, 4, 1, tzinfo=BANGKOK),
                       before=datetime(2024, 4, 1, 6, tzinfo=BANGKOK))
    assert cms.count_posts(window) == 6
    assert [p.title for p in cms.iter_posts(window)] == [f"โพสต์ {i}" for i in range(4, 10)]


def test_bulk_move_between_categories(cms: Cms, site: SiteChecker) -> None:
    old = site.ensure_category_path("เก่า")
    new = site.ensure_category_path("ใหม่")
    ids = make_posts(site, 30, old.id, datetime(2024, 1, 1, tzinfo=BANGKOK))
    changed = cms.change_categories([CategoryChange(post_id=i, add=(new.id,), remove=(old.id,)) for i in ids])
    assert changed == 30
    assert site.count_posts(PostQuery(category=new.id)) == 30
    assert site.count_posts(PostQuery(category=old.id)) == 0
    # Applying the same change again changes nothing.
    assert cms.change_categories([CategoryChange(post_id=i, add=(new.id,), remove=(old.id,)) for i in ids]) == 0


def test_site_info_reads_the_site_timezone(cms: Cms) -> None:
    info = cms.site_info()
    assert info.timezone in ("Asia/Bangkok", "UTC+7")
    assert info.name.startswith("สพม.")


def test_media_found_by_slug_after_upload(cms: Cms, tmp_path: Path) -> None:
    path = tmp_path / "a.pdf"
    path.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    media = cms.upload_media(path, filename="คำสั่ง.pdf", slug="pr-x-0123abcd")
    both = cms.find_media(["pr-x-0123abcd", "pr-missing"])
    assert set(both) == {"pr-x-0123abcd"}
    found = both["pr-x-0123abcd"]
    assert found.id == media.id and found.url == media.url


def test_comments_are_closed_unless_asked_for(cms: Cms, site: SiteChecker) -> None:
    closed = cms.create_post(draft("pr-cmt-1", status="publish"))
    assert site.get_post(closed.id).comments_open is False
    opened = cms.update_post(closed.id, draft("pr-cmt-1", status="publish", comments_open=True))
    assert opened.comments_open is True and site.get_post(closed.id).comments_open is True
    hand_made = site.add_post(title="ข่าวที่ทำเอง", slug="hand-made-cmt", status="publish")
    assert site.get_post(hand_made).comments_open is True  # the site's own default, untouched


def test_a_post_can_be_attributed_to_a_user_found_by_login(cms: Cms, site: SiteChecker) -> None:
    admin = cms.find_user_id("admin")
    assert isinstance(admin, int) and cms.find_user_id("no-such-login-xyz") is None
    post = cms.create_post(draft("pr-auth-1", status="publish", author=admin))
    assert post.author == admin and site.get_post(post.id).author == admin


def test_deleted_media_is_gone_from_its_public_url(cms: Cms, site: SiteChecker, tmp_path: Path) -> None:
    path = tmp_path / "b.pdf"
    body = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    path.write_bytes(body)
    media = cms.upload_media(path, filename="withdrawn.pdf", slug="pr-y-0123abcd")
    assert site.public_file(media.url) == body  # served before
    assert cms.media_sha256(media) == hashlib.sha256(body).hexdigest()
    cms.delete_media(media.id)
    assert site.public_file(media.url) is None and cms.media_sha256(media) is None
    assert cms.find_media(["pr-y-0123abcd"]) == {}
    cms.delete_media(media.id)  # again: already gone is not an error


def test_rename_reparent_and_delete_a_category(cms: Cms, site: SiteChecker) -> None:
    top = cms.ensure_category_path("ITA 2567")
    leaf = cms.ensure_category_path("ประกาศ &amp; เก่า")
    moved = cms.update_category(leaf.id, name="O20 ประกาศ & คำสั่ง", parent=top.id)
    assert (moved.name, moved.parent) == ("O20 ประกาศ & คำสั่ง", top.id)
    fresh = {c.id: c for c in site.fresh_categories()}
    assert (fresh[leaf.id].name, fresh[leaf.id].parent) == ("O20 ประกาศ & คำสั่ง", top.id)
    cms.delete_category(leaf.id)
    assert leaf.id not in {c.id for c in site.fresh_categories()}
    assert cms.ensure_category_path("ITA 2567 / O20 ประกาศ & คำสั่ง").id != leaf.id  # made anew


def test_a_category_with_its_own_slug_and_description_beside_a_same_named_one(cms: Cms, site: SiteChecker) -> None:
    # How a rollback recreates a deleted category exactly, never reusing its look-alike.
    first = cms.create_category("ข่าว & ประกาศ")
    second = cms.create_category("ข่าว & ประกาศ", slug="news-notice-2", description="ข่าว & คำอธิบาย")
    assert second.id != first.id
    assert (second.name, second.slug, second.description) == ("ข่าว & ประกาศ", "news-notice-2", "ข่าว & คำอธิบาย")
    fresh = {c.id: c for c in site.fresh_categories()}
    assert (fresh[second.id].slug, fresh[second.id].description) == ("news-notice-2", "ข่าว & คำอธิบาย")
    assert fresh[second.id].stored_name == "ข่าว & ประกาศ"
    assert cms.update_category(first.id, description="คำอธิบายใหม่").description == "คำอธิบายใหม่"
    assert {c.id: c for c in site.fresh_categories()}[first.id].description == "คำอธิบายใหม่"
    assert cms.create_category("ข่าว & ประกาศ").id in (first.id, second.id)  # no slug: an existing one


def test_a_long_thai_name_under_a_second_parent_gets_a_slug_wordpress_accepts(cms: Cms, site: SiteChecker) -> None:
    # Thirty Thai letters: WordPress cuts the slug at 22 (198 bytes); under a second parent the
    # taken slug gets "-ita-2569" appended, past the 200 bytes of wp_terms.slug (db_insert_error),
    # unless the adapter asks for a shortened one.
    name = "ก" * 30
    first = cms.ensure_category_path(f"ITA 2568 / {name}")
    second = cms.ensure_category_path(f"ITA 2569 / {name}")
    fresh = {c.id: c for c in site.fresh_categories()}
    assert first.id != second.id and fresh[second.id].name == fresh[first.id].name == name
    assert fresh[fresh[second.id].parent].name == "ITA 2569"
    assert fresh[first.id].slug != fresh[second.id].slug and len(fresh[second.id].slug) <= 200
    assert cms.ensure_category_path(f"ITA 2569 / {name}").id == second.id


# -- the media library as the audit walks it ----------------------------------------------------

def test_the_library_lists_files_uploaded_by_hand_and_downloads_them_capped(cms: Cms, site: SiteChecker,
                                                                            tmp_path: Path) -> None:
    from cms_bridge.errors import NotFoundError

    page = site.add_entry(title="หน้าเอกสาร", content="<p>ดู</p>", status="publish", post_type="page")
    source = tmp_path / "รายชื่อ.pdf"
    source.write_bytes(b"%PDF-1.4\n" + b"x" * 5000)
    media_id = site.add_media(source, parent=page)
    items = {item.id: item for item in cms.list_media()}
    item = items[media_id]
    assert item.mime_type == "application/pdf" and item.parent == page
    assert item.filename.endswith(".pdf") and item.modified is not None
    assert item.size in (None, 5009)  # XML-RPC does not say
    saved = tmp_path / "saved"
    assert cms.download(item.url, saved, max_bytes=10_000) == 5009
    assert saved.read_bytes() == source.read_bytes()
    assert cms.download(item.url, tmp_path / "capped", max_bytes=100) is None
    assert not (tmp_path / "capped").exists()
    with pytest.raises(NotFoundError):
        cms.download(item.url.replace(".pdf", "-missing.pdf"), tmp_path / "none", max_bytes=100)


def test_posts_and_pages_linking_a_file_by_parent_or_content(cms: Cms, site: SiteChecker, tmp_path: Path) -> None:
    parent = site.add_entry(title="ประกาศ", content="<p>แนบ</p>", status="publish")
    source = tmp_path / "order-17.pdf"
    source.write_bytes(b"%PDF-1.4 order")
    media_id = site.add_media(source, parent=parent)
    item = next(i for i in cms.list_media() if i.id == media_id)
    linking_post = site.add_entry(title="ข่าว", content=f'<a href="{item.url}">คำสั่ง</a>', status="publish")
    linking_page = site.add_entry(title="หน้า", content=f'<p><a href="{item.url}">ไฟล์</a></p>', status="private",
                                  post_type="page")
    site.add_entry(title="อื่น", content="<p>order-17 ไม่ใช่ลิงก์</p>", status="publish")
    found = {(e.type, e.id): e for e in cms.find_linking(item)}
    assert set(found) == {("post", parent), ("post", linking_post), ("page", linking_page)}
    assert found[("post", parent)].how == "parent" and found[("page", linking_page)].status == "private"
    drafted = cms.set_entry_status(found[("page", linking_page)], "draft")
    assert drafted.status == "draft" and drafted.type == "page"
    assert cms.set_entry_status(drafted, "private").status == "private"


def test_a_deleted_file_comes_back_at_its_address_with_its_fields(cms: Cms, site: SiteChecker, tmp_path: Path) -> None:
    parent = site.add_entry(title="ประกาศ", content="<p>แนบ</p>", status="publish")
    source = tmp_path / "list-2567.docx"
    source.write_bytes(b"PK\x03\x04 not really a docx")
    media_id = site.add_media(source, parent=parent)
    item = next(i for i in cms.list_media() if i.id == media_id)
    cms.delete_media(media_id)
    assert site.public_file(item.url) is None
    back = cms.restore_media(source, item)
    # Uploaded this month, so WordPress gives the same folder and the name is free again.
    assert back.url == item.url and back.parent == parent and back.title == item.title
    assert site.public_file(item.url) == source.read_bytes()


def test_many_uploads_each_outcome_in_its_place_a_refused_one_fails_alone(cms: Cms, site: SiteChecker,
                                                                          tmp_path: Path) -> None:
    items = []
    for n in range(5):
        path = tmp_path / f"{n}.bin"
        path.write_bytes(b"%PDF-1.4\n%" + str(n).encode() * 40 + b"\ntrailer<<>>\n%%EOF\n")
        items.append(UploadItem(path=path, filename=f"ประกาศ {n}.pdf", title=f"ประกาศฉบับที่ {n}",
                                mime_type="application/pdf", slug=f"pr-many-{n}-0123abcd"))
    refused = tmp_path / "tool.exe"
    refused.write_bytes(b"MZ" + b"\0" * 64)
    items.insert(2, UploadItem(path=refused, filename="tool.exe", title="tool", mime_type="application/x-msdownload",
                               slug="pr-many-x-0123abcd"))
    results = cms.upload_media_many(items)
    assert len(results) == 6 and isinstance(results[2], SiteError)
    uploaded = [r for r in results if isinstance(r, Media)]
    assert len(uploaded) == 5
    assert [m.title for m in uploaded] == [f"ประกาศฉบับที่ {n}" for n in range(5)]
    found = cms.find_media([f"pr-many-{n}-0123abcd" for n in range(5)] + ["pr-many-x-0123abcd"])
    assert set(found) == {f"pr-many-{n}-0123abcd" for n in range(5)}
    assert {m.id for m in found.values()} == {m.id for m in uploaded}
    for n, media in enumerate(uploaded):
        # Each upload serves its own bytes: none lost, none duplicated under another's name.
        assert site.public_file(media.url) == items[n + (n >= 2)].path.read_bytes()
