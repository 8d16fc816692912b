"""The post body: escaped text, attachment list, PDF embed, gallery, attribution, footer."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from cms_bridge.intake.attachments import inspect_attachment
from cms_bridge.intake.request import PublicationRequest
from cms_bridge.publishing.post_body import UploadedFile, render_post
from cms_bridge.samples import png, text_pdf
from cms_bridge.thaidate import OFFICE_TZ


def make(tmp_path: Path, **fields) -> tuple[PublicationRequest, dict, dict]:
    (tmp_path / "plan.pdf").write_bytes(text_pdf(["one", "two", "three"]))
    (tmp_path / "p.png").write_bytes(png(4, 4))
    data = {"request_id": "2570-r-001", "document_number": "ศธ 04241/0001", "request_date": "2026-11-02",
            "group": "finance", "kind": "procurement", "title": "ประกาศ", "purpose": "เพื่อทราบ",
            "channels": ["website"], "window": {"kind": "permanent"},
            "requester": {"name": "นางสาวทดลอง ใจดี", "position": "ครู"},
            "attachments": [{"path": "plan.pdf", "title": "แผน <ปี> 2570"}], "images": [{"path": "p.png"}],
            "decision": {"status": "approved", "by": "นายสมมุติ ใจกว้าง", "at": datetime(2026, 11, 3, 9, tzinfo=OFFICE_TZ)},
            **fields}
    request = PublicationRequest.model_validate(data)
    files = {"plan.pdf": UploadedFile(11, "https://x.example/plan.pdf"), "p.png": UploadedFile(12, "https://x.example/p.png")}
    infos = {name: inspect_attachment(tmp_path / name) for name in files}
    return request, files, infos


def test_request_text_is_escaped_everywhere(tmp_path: Path) -> None:
    evil = '<script>alert("x")</script>'
    request, files, infos = make(tmp_path, body=f"สรุป {evil}", source=f"ที่มา {evil}")
    content = render_post(request, files, infos).content
    assert "<script>" not in content
    assert content.count("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;") == 2
    assert "แผน &lt;ปี&gt; 2570" in content


def test_title_and_excerpt_are_inert_and_shortcodes_never_run(tmp_path: Path) -> None:
    evil = '<img src=x onerror="alert(1)"> [embed]https://attacker.example/[/embed]'
    request, files, infos = make(tmp_path, title=f"ประกาศ {evil}", purpose=f"เพื่อทราบ {evil} [audio src=x]",
                                 body=f"[gallery ids=1] {evil}")
    post = render_post(request, files, infos)
    for markup in (post.title, post.excerpt, post.content):
        assert "<img src=x" not in markup and "[embed]" not in markup and "[gallery" not in markup
    assert post.title == ("ประกาศ &lt;img src=x onerror=&quot;alert(1)&quot;&gt; "
                          "&#91;embed&#93;https://attacker.example/&#91;/embed&#93;")
    assert "&#91;audio src=x&#93;" in post.excerpt
    # What a browser shows is exactly what was typed.
    import html
    assert html.unescape(post.title) == request.title and html.unescape(post.excerpt) == request.purpose


def test_attachments_pdf_embed_gallery_and_featured_image(tmp_path: Path) -> None:
    request, files, infos = make(tmp_path)
    rendered = render_post(request, files, infos)
    assert '<a href="https://x.example/plan.pdf">แผน &lt;ปี&gt; 2570</a> (PDF,' in rendered.content
    assert "3 หน้า" in rendered.content
    assert '<!-- wp:file {"id":11,"href":"https://x.example/plan.pdf","displayPreview":true} -->' in rendered.content
    assert '<!-- wp:image {"id":12} -->' in rendered.content and "wp:gallery" in rendered.content
    assert rendered.featured_media == 12
    assert rendered.content.count("<!-- wp:") == rendered.content.count("<!-- /wp:")  # blocks balanced


def test_footer_names_the_request_and_approval_in_thai_dates(tmp_path: Path) -> None:
    request, files, infos = make(tmp_path)
    content = render_post(request, files, infos).content
    assert "ที่ ศธ 04241/0001 ลงวันที่ 2 พฤศจิกายน 2569" in content
    assert "(คำขอเลขที่ 2570-r-001)" in content and "อนุญาตเมื่อวันที่ 3 พฤศจิกายน 2569" in content
