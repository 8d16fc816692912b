"""The post body, rendered from a request as block-editor markup.

Everything that came from a request is made inert for the place it lands (:func:`inert_text`):
HTML-escaped, so a title such as ``<script>…`` shows as text, and with its square brackets
written as character references, so ``[embed]`` or ``[audio src=…]`` typed on a form is shown
and never run as a shortcode. That holds for the title, the excerpt and the body here, and for
the media title the reconciler gives an upload. The markup uses core blocks only (paragraph, list, file, gallery, image), so the site's
editor opens the post without "invalid block" warnings and any theme can style it.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping
from dataclasses import dataclass

from cms_bridge.intake.attachments import AttachmentInfo
from cms_bridge.intake.request import PublicationRequest
from cms_bridge.thaidate import OFFICE_TZ, format_thai_date


@dataclass(frozen=True)
class UploadedFile:
    """An attachment as it is on the site."""

    media_id: int
    url: str


@dataclass(frozen=True)
class RenderedPost:
    """Title, body and featured image of a request's post."""

    title: str
    content: str
    excerpt: str
    featured_media: int | None


def render_post(request: PublicationRequest, files: Mapping[str, UploadedFile],
                infos: Mapping[str, AttachmentInfo]) -> RenderedPost:
    """Render the post for *request*.

    Args:
        request: the approved request.
        files: attachment path (as the request names it) -> the uploaded file on the site.
        infos: attachment path -> its inspection (type, size, pages).

    Raises:
        KeyError: an attachment or image of the request has not been uploaded.
    """
    blocks: list[str] = []
    text = request.body or request.purpose
    for paragraph in (p.strip() for p in text.split("\n\n")):
        if paragraph:
            blocks.append(_paragraph("<br>".join(_e(line) for line in paragraph.splitlines())))
    if request.attachments:
        items = "".join(f"<li>{_attachment_item(ref.path, ref.title, files[ref.path], infos.get(ref.path))}</li>"
                        for ref in request.attachments)
        blocks.append(_paragraph("<strong>เอกสารแนบ</strong>"))
        blocks.append(f"<!-- wp:list -->\n<ul>{items}</ul>\n<!-- /wp:list -->")
        for ref in request.attachments:
            info = infos.get(ref.path)
            if info is not None and info.file_type == "pdf":
                blocks.append(_pdf_embed(files[ref.path], ref.title or info.name))
    if request.images:
        blocks.append(_gallery([files[ref.path] for ref in request.images]))
    if request.source:
        blocks.append(_paragraph(f"ที่มา: {_e(request.source)}"))
    blocks.append(_paragraph(f"<em>{_e(_footer(request))}</em>"))
    featured = files[request.images[0].path].media_id if request.images else None
    return RenderedPost(title=inert_text(request.title), content="\n\n".join(blocks),
                        excerpt=inert_text(request.purpose), featured_media=featured)


def _footer(request: PublicationRequest) -> str:
    parts = ["เผยแพร่ตามบันทึกขออนุญาตเผยแพร่ข้อมูลต่อสาธารณะ"]
    if request.document_number:
        parts.append(f"ที่ {request.document_number}")
    parts.append(f"ลงวันที่ {format_thai_date(request.request_date)}")
    parts.append(f"(คำขอเลขที่ {request.request_id})")
    if request.is_approved:
        approved = request.approval_time().astimezone(OFFICE_TZ)
        parts.append(f"อนุญาตเมื่อวันที่ {format_thai_date(approved.date())}")
    return " ".join(parts)


def _attachment_item(path: str, title: str | None, file: UploadedFile, info: AttachmentInfo | None) -> str:
    label = title or (info.name if info else path.rsplit("/", 1)[-1])
    details = []
    if info is not None:
        details.append(info.file_type.upper())
        details.append(_size(info.size))
        if info.pages:
            details.append(f"{info.pages} หน้า")
    suffix = f" ({', '.join(details)})" if details else ""
    return f'<a href="{_e(file.url)}">{_e(label)}</a>{_e(suffix)}'


def block_attributes(values: dict[str, object]) -> str:
    """A block's attributes as WordPress writes them in its comment (``serialize_block_attributes``):
    JSON with ``--``, ``<``, ``>``, ``&`` and ``"`` inside strings as ``\\u`` escapes, so no value
    (a site address on a ``xn--`` Thai domain, say) can end or open the comment."""
    text = json.dumps(values, ensure_ascii=False, separators=(",", ":"))
    # Quotes inside strings are already \" in JSON; WordPress writes them as \u0022 instead.
    text = text.replace('\\"', "\\u0022")
    for raw, escaped in (("--", "\\u002d\\u002d"), ("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(raw, escaped)
    return text


def _pdf_embed(file: UploadedFile, label: str) -> str:
    attrs = block_attributes({"id": file.media_id, "href": file.url, "displayPreview": True})
    url = _e(file.url)
    return (f"<!-- wp:file {attrs} -->\n"
            f'<div class="wp-block-file"><object class="wp-block-file__embed" data="{url}" '
            f'type="application/pdf" style="width:100%;height:600px" aria-label="{_e(label)}"></object>'
            f'<a href="{url}">{_e(label)}</a><a href="{url}" class="wp-block-file__button" download>ดาวน์โหลด</a></div>\n'
            "<!-- /wp:file -->")


def _gallery(images: list[UploadedFile]) -> str:
    inner = "".join(
        f'<!-- wp:image {{"id":{img.media_id}}} -->\n<figure class="wp-block-image">'
        f'<img src="{_e(img.url)}" alt="" class="wp-image-{img.media_id}"/></figure>\n<!-- /wp:image -->'
        for img in images)
    return ('<!-- wp:gallery {"linkTo":"none"} -->\n<figure class="wp-block-gallery has-nested-images '
            f'columns-default is-cropped">{inner}</figure>\n<!-- /wp:gallery -->')


def _paragraph(inner_html: str) -> str:
    return f"<!-- wp:paragraph -->\n<p>{inner_html}</p>\n<!-- /wp:paragraph -->"


def _size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    return f"{max(1, round(size / 1024))} KB"


def inert_text(text: str) -> str:
    """*text* as markup that shows exactly *text*: no tag, attribute or shortcode in it runs.

    WordPress stores a title and an excerpt as markup and prints them unfiltered for an editor
    with the ``unfiltered_html`` capability (the bridge's account usually has it), and runs
    shortcodes in content, so request text is escaped before it is sent, never after.
    """
    return html.escape(text, quote=True).replace("[", "&#91;").replace("]", "&#93;")


def _e(text: str) -> str:
    return inert_text(text)
