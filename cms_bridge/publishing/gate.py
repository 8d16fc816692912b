"""The publish gate: the last check before anything of a request becomes visible on the site.

Intake checks a request when it is read; the gate checks again, from the ledger and the file
store alone, just before the reconciler creates, updates, publishes or schedules a post. So no
path around intake -- a script that writes the ledger itself, a file replaced in the store, a
decision recorded for another version -- can put on the site what the committee did not
approve or what carries a national ID number. It refuses (:class:`GateRefusedError`) unless:

1. the current decision is an approval, and it binds exactly the version about to go out (its
   fields and the sha256 of every file);
2. every file of that version is in the file store with those very bytes (re-hashed when it is
   uploaded) and was scanned clean by the current scanner, or its ID numbers are acknowledged by
   a named person in that version; a part the scan cannot read (a picture, a page without a text
   layer, an archive) needs a person's ``checked_by_hand`` entry for that file in that version;
3. the request's own text carries no ID number (or the same acknowledgement);
4. what will be written is inert: the title, excerpt and media titles hold no markup or
   shortcode bracket, and the body is made only of the markup :mod:`post_body` writes (core
   block comments and a short list of tags and attributes, no event handler, no script URL, no
   shortcode bracket anywhere).
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterable
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath

from cms_bridge.errors import AttachmentError, GateRefusedError, LedgerError
from cms_bridge.intake.attachments import AttachmentInfo
from cms_bridge.intake.idguard import Finding, ScanResult, scan_fields, scan_file
from cms_bridge.intake.request import PublicationRequest
from cms_bridge.ledger.keeper import FileKeeper
from cms_bridge.ledger.store import SiteVersion
from cms_bridge.publishing.images import resized_copy
from cms_bridge.wordpress.models import PostInput

__all__ = ["GateRefusedError", "PublishGate"]

#: Tags and attributes the bridge's own body markup uses (post_body); anything else is foreign.
_TAGS = {"p": set(), "br": set(), "strong": set(), "em": set(), "ul": set(), "li": set(),
         "a": {"href", "class", "download"}, "div": {"class"},
         "object": {"class", "data", "type", "style", "aria-label"},
         "figure": {"class"}, "img": {"src", "alt", "class"}}
_URL_ATTRIBUTES = {"href", "src", "data"}
#: Attributes whose value is fixed wherever the bridge writes them.
_FIXED = {("object", "type"): "application/pdf", ("object", "style"): "width:100%;height:600px",
          ("a", "download"): ""}
_MARKUP = ("<", ">", "[", "]")
#: The blocks post_body writes, and the keys of each one's attributes (JSON in the comment).
_BLOCKS: dict[str, set[str]] = {"paragraph": set(), "list": set(), "file": {"id", "href", "displayPreview"},
                                "image": {"id"}, "gallery": {"linkTo"}}
_BLOCK_COMMENT = re.compile(r" (/?)wp:([a-z]+)(?: (\{[^{}]*\}))? ")


class PublishGate:
    """Checks a request's version against the ledger and the store before it goes out.

    Args:
        keeper: the ledger's file keeper (store, kept files, scans).
    """

    def __init__(self, keeper: FileKeeper) -> None:
        self.keeper = keeper

    def files(self, version: SiteVersion) -> dict[str, AttachmentInfo]:
        """The approved files of *version* as kept, by the path the request names them with.

        Raises:
            GateRefusedError: a file of the request is not bound to the version or not kept.
        """
        infos: dict[str, AttachmentInfo] = {}
        missing = []
        for ref in (*version.request.attachments, *version.request.images):
            sha = version.files.get(ref.path)
            info = None if sha is None else self.keeper.describe(sha, PurePosixPath(ref.path).name)
            if info is None or not self.keeper.ledger.files.has(info.sha256):
                missing.append(ref.path)
            else:
                infos[ref.path] = info
        if missing:
            raise GateRefusedError(version.request.request_id, [
                f"{', '.join(missing)}: not in the file store (a request must be taken in by intake, which keeps "
                "the bytes it checked; run sync on the inbox, or Bridge.submit)"])
        return infos

    def admit(self, version: SiteVersion) -> dict[str, AttachmentInfo]:
        """Check that *version* may be visible; return its kept files.

        Raises:
            GateRefusedError: with every reason, when it may not.
        """
        request, reasons = version.request, []
        record = version.decision
        if record is None or record.decision.status != "approved":
            reasons.append("not approved")
        elif record.version_hash != version.version_hash or \
                version.request.version_hash(version.files) != record.version_hash:
            # Recomputed, not read back: a version row edited in the ledger no longer matches.
            reasons.append("the approval is of another version of the request")
        content_reasons = len(reasons)
        acknowledged = request.id_number_acknowledgement is not None
        findings: list[Finding] = list(scan_fields(request))
        infos: dict[str, AttachmentInfo] = {}
        try:
            infos = self.files(version)
        except GateRefusedError as exc:
            reasons.extend(exc.reasons)
        for path, info in infos.items():
            try:
                findings.extend(self.keeper.scan(info, path))
            except AttachmentError as exc:
                reasons.append(f"cannot be checked for ID numbers: {exc}")
        result = ScanResult(findings=tuple(findings))
        if result.id_numbers and not acknowledged:
            reasons.extend(f"{f.message}: remove it, or acknowledge it in the request" for f in result.id_numbers)
        reasons.extend(f"{f.message}: a person must look at it and say so in [[checked_by_hand]]"
                       for f in result.unread(request))
        findings_reasons = (result.id_numbers and not acknowledged) or result.unread(request)
        if reasons:
            raise GateRefusedError(request.request_id, reasons,
                                   takes_down=bool(content_reasons or findings_reasons))
        return infos

    def verified(self, info: AttachmentInfo, request: PublicationRequest, path: str) -> AttachmentInfo:
        """*info* after re-hashing and re-scanning the stored bytes, just before they are uploaded.

        The scan kept at intake is not trusted here: it is a ledger row a script could write.
        The bytes about to become public are read again (once per upload, so rarely), without
        the ledger, which also makes this safe to call from the upload threads.

        Args:
            info: the kept file.
            request: the approved version it belongs to (its acknowledgement and hand checks).
            path: the path the request names the file with.

        Raises:
            GateRefusedError: the stored copy is gone, no longer has the approved digest, or
                carries an ID number nobody acknowledged or a part nobody checked by hand.
        """
        try:
            stored = self.keeper.ledger.files.verified(info.sha256)
        except LedgerError as exc:
            raise GateRefusedError(info.name, [str(exc)]) from None
        self._scan(stored, info, request, path)
        return info

    def upload_copy(self, info: AttachmentInfo, request: PublicationRequest, path: str, *,
                    max_pixels: int | None, folder: Path) -> Path:
        """The file to upload for *info*: the stored original after :meth:`verified`, or, for a
        picture over *max_pixels*, a smaller copy scanned in its turn (the gate binds what is
        uploaded, not only what it was made from).

        Args:
            info: the kept file.
            request: the approved version it belongs to.
            path: the path the request names the file with.
            max_pixels: ``[sync] max_image_pixels`` (None: never resized).
            folder: where a smaller copy is written (the caller removes it after the upload).

        Raises:
            GateRefusedError: as :meth:`verified`, for the original or the copy.
        """
        self.verified(info, request, path)
        copy = None
        if max_pixels:
            try:
                copy = resized_copy(info.path, info.extension, max_pixels, folder)
            except OSError as exc:
                raise GateRefusedError(info.name, [f"cannot make a smaller copy: {exc}"]) from None
        if copy is None:
            return info.path
        self._scan(copy, info, request, path)
        return copy

    def _scan(self, stored: Path, info: AttachmentInfo, request: PublicationRequest, path: str) -> None:
        try:
            result = ScanResult(findings=tuple(scan_file(stored, source=path)))
        except AttachmentError as exc:
            raise GateRefusedError(info.name, [str(exc)]) from None
        reasons = [] if request.id_number_acknowledgement is not None else \
            [f"{f.message}: remove it, or acknowledge it in the request" for f in result.id_numbers]
        reasons += [f"{f.message}: a person must look at it and say so in [[checked_by_hand]]"
                    for f in result.unread(request)]
        if reasons:
            raise GateRefusedError(request.request_id, reasons, takes_down=True)

    def inert(self, request_id: str, post: PostInput, media_titles: Iterable[str | None] = (),
              urls: Collection[str] = ()) -> None:
        """Check that what will be written runs nothing: no markup in plain-text places, and a
        body of the bridge's own markup only.

        Args:
            request_id: for the message.
            post: what is about to be written.
            media_titles: the titles its uploads carry.
            urls: the addresses of the request's own uploads, the only ones the body may link,
                embed or show.

        Raises:
            GateRefusedError: naming the place and what was found.
        """
        reasons = []
        for place, text in (("title", post.title), ("excerpt", post.excerpt or ""),
                            *(("media title", t or "") for t in media_titles)):
            if found := [c for c in _MARKUP if c in text]:
                reasons.append(f"the {place} would carry raw {' '.join(found)}")
        if any(ord(ch) < 32 and ch not in "\n\t" or 0x7f <= ord(ch) < 0xa0 for ch in post.content):
            # The bridge writes none; a NUL inside a tag makes this parser read the tag as text
            # where a browser builds an element from it.
            reasons.append("the body would carry a control character")
        checker = _BodyChecker(set(urls))
        checker.feed(post.content)
        checker.close()
        reasons.extend(f"the body {problem}" for problem in checker.problems)
        if reasons:
            raise GateRefusedError(request_id, reasons)


class _BodyChecker(HTMLParser):
    """Collects everything in a body that is not the markup :mod:`post_body` writes."""

    def __init__(self, urls: set[str]) -> None:
        super().__init__(convert_charrefs=False)
        self.urls = urls
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        allowed = _TAGS.get(tag)
        if allowed is None:
            self.problems.append(f"would carry a <{tag}> tag")
            return
        for name, value in attrs:
            if name not in allowed:
                self.problems.append(f"would carry a {name} attribute on <{tag}>")
            elif name in _URL_ATTRIBUTES and (value or "") not in self.urls:
                what = "a web address" if (value or "").lower().startswith(("http://", "https://")) else \
                    "not a web address"
                self.problems.append(f"would carry a {name} that is {what} of none of the request's uploads "
                                     f"on <{tag}>")
            elif (tag, name) in _FIXED and (value or "") != _FIXED[(tag, name)]:
                self.problems.append(f"would carry a {name} other than the bridge's own on <{tag}>")
        # The tag as written: attribute values come back unescaped, and "&#91;" is inert text.
        if any(c in (self.get_starttag_text() or "") for c in "[]"):
            self.problems.append(f"would carry a shortcode bracket in <{tag}>")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_data(self, data: str) -> None:
        if "[" in data or "]" in data:
            self.problems.append("would carry a raw shortcode bracket")
        if "<" in data:
            # The bridge escapes every "<" of request text; one this parser took for text is
            # markup it could not read, which a browser may.
            self.problems.append("would carry a raw < that this check cannot read as a tag")

    def handle_comment(self, data: str) -> None:
        # Only the delimiters of the blocks post_body writes. "--" anywhere is refused: a browser
        # ends a comment at "--!>", which this parser does not, so markup could hide in one.
        match = _BLOCK_COMMENT.fullmatch(data)
        if "--" in data or match is None:
            self.problems.append("would carry a comment that is not a block delimiter the bridge writes")
            return
        closing, name, attributes = match.groups()
        allowed = _BLOCKS.get(name)
        if allowed is None:
            self.problems.append(f"would carry a wp:{name} block, which the bridge never writes")
            return
        if attributes is None:
            return
        if closing:
            self.problems.append(f"would carry attributes on the closing wp:{name} delimiter")
            return
        try:
            values = json.loads(attributes)
        except ValueError:
            self.problems.append(f"would carry wp:{name} attributes that are not JSON")
            return
        if not isinstance(values, dict) or set(values) - allowed:
            self.problems.append(f"would carry wp:{name} attributes the bridge never writes")
        elif "href" in values and values["href"] not in self.urls:
            self.problems.append(f"would carry a wp:{name} href of none of the request's uploads")
        elif any(not isinstance(values[k], int) or isinstance(values[k], bool) for k in ("id",) if k in values) \
                or values.get("displayPreview", True) is not True or values.get("linkTo", "none") != "none":
            self.problems.append(f"would carry wp:{name} attribute values the bridge never writes")

    def unknown_decl(self, data: str) -> None:
        self.problems.append("would carry a markup declaration")

    def handle_pi(self, data: str) -> None:
        self.problems.append("would carry a processing instruction")
