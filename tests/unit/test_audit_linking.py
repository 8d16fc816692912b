"""How ``find_linking`` names a file: every address, every way of writing it, a featured image."""

from __future__ import annotations

from datetime import datetime, timezone
from urllib.parse import quote, unquote

from cms_bridge.samples import text_pdf
from cms_bridge.wordpress.fake import FakeCms
from cms_bridge.wordpress.models import LibraryItem, linking_forms, search_terms

T0 = datetime(2026, 10, 1, 3, tzinfo=timezone.utc)


def test_a_smaller_copy_and_the_original_are_forms_of_the_file() -> None:
    item = LibraryItem(id=1, url="https://x.test/wp-content/uploads/2026/10/photo-scaled.jpg", mime_type="image/jpeg",
                       sub_urls=("https://x.test/wp-content/uploads/2026/10/photo-1024x256.jpg",),
                       original_url="https://x.test/wp-content/uploads/2026/10/photo.jpg")
    forms = linking_forms(item)
    assert {"/wp-content/uploads/2026/10/photo-1024x256.jpg", "https://x.test/wp-content/uploads/2026/10/photo.jpg",
            "https://x.test/wp-content/uploads/2026/10/photo-scaled.jpg"} <= set(forms)
    assert search_terms(item) == ("photo",)  # shared by every size's name


def test_a_thai_name_is_searched_decoded_and_percent_encoded() -> None:
    item = LibraryItem(id=1, url="https://x.test/wp-content/uploads/2026/10/รายชื่อ.pdf", mime_type="application/pdf")
    assert search_terms(item) == ("รายชื่อ", quote("รายชื่อ"))


def test_the_fake_finds_a_featured_image_a_smaller_copy_and_an_encoded_address() -> None:
    lib = FakeCms(clock=lambda: T0)
    media = lib.add_media("รายชื่อ.pdf", text_pdf(["x"]))
    url = lib.media[media.id].url
    [item] = [i for i in lib.list_media() if i.id == media.id]
    encoded = lib.add_post(title="a", content=f'<a href="{quote(unquote(url), safe=":/")}">x</a>')
    featuring = lib.add_post(title="b")
    lib.posts[featuring.id].featured_media = media.id
    lib.add_post(title="c", content="nothing")
    found = {(e.id, e.how) for e in lib.find_linking(item)}
    assert found == {(encoded.id, "content"), (featuring.id, "featured")}
