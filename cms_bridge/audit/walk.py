"""Walking the media library: list every item, download each changed file once, scan it.

Downloads run on a few threads (``workers``), each file streamed to its own temporary file and
scanned there, then deleted: memory holds at most ``workers`` files' parsers at a time, never a
whole library, and the disk at most ``workers`` files. A file over ``max_bytes`` is not read
(nothing past the cap is downloaded) and is reported ``too_large``. Records are written to the
ledger by the main thread as each file finishes, so a run cut off anywhere resumes: the next run
skips every file whose address, size and modification time are as recorded.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from cms_bridge.audit.store import ScanRecord, ScanStatus, ScanStore
from cms_bridge.errors import AttachmentError, NotFoundError
from cms_bridge.intake.attachments import MEDIA_TYPES
from cms_bridge.intake.extract import TEXT_EXTENSIONS
from cms_bridge.intake.idguard import Finding, mask_id_numbers, scan_file, scan_text
from cms_bridge.ledger.store import Ledger
from cms_bridge.wordpress.models import LibraryItem, Linker
from cms_bridge.wordpress.protocol import Cms

#: The media types the audit reads: those intake accepts (``image/jpg`` is what some uploaders
#: record for JPEG), any ``text/`` type (a CSV list, a page saved as text), the old Office types
#: (reported for a person, not read) and the generic types a plugin or an FTP import records.
#: Files of other types are read too when their name ends like a document (see
#: :data:`READ_EXTENSIONS`): what a file is is told by its bytes, not by the type recorded.
#: Video, audio and the rest are counted, not read.
ACCEPTED_MIME: frozenset[str] = frozenset({
    *MEDIA_TYPES.values(), "image/jpg",
    "application/msword", "application/vnd.ms-excel", "application/vnd.ms-powerpoint",
    "application/octet-stream", "binary/octet-stream", "application/x-download", "application/force-download",
    "application/download", "application/unknown", "application/csv", "application/vnd.ms-word", "",
})
#: File name endings read whatever type the site recorded.
READ_EXTENSIONS: frozenset[str] = frozenset({
    ".pdf", ".docx", ".xlsx", ".pptx", ".zip", ".rar", ".jpg", ".jpeg", ".png", ".doc", ".xls", ".ppt",
    *TEXT_EXTENSIONS,
})
#: What an old Office file (OLE2 compound document) starts with.
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
OLD_OFFICE_NOTE = ("(an old Office file (.doc, .xls, .ppt): its text is not read here; open it and check it by "
                   "hand, or save it as .docx/.xlsx/.pptx)")
#: Files larger than this are not downloaded past the cap, and are reported "too large, not read".
DEFAULT_MAX_BYTES = 200 * 1024 * 1024
DEFAULT_WORKERS = 4

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class AuditRow:
    """One file of the library in the audit's result.

    Attributes:
        item: the attachment as the site lists it.
        record: what the scan found (now or on an earlier run).
        linking: the posts and pages that link it (looked up for files with findings or unread).
        read_now: whether this run downloaded it (False: remembered from an earlier run).
    """

    item: LibraryItem
    record: ScanRecord
    linking: tuple[Linker, ...] = ()
    read_now: bool = False

    @property
    def ids(self) -> tuple[Finding, ...]:
        """The ID numbers found (check digit holds)."""
        return tuple(f for f in self.record.findings if f.kind == "id_number")

    @property
    def possible(self) -> tuple[Finding, ...]:
        """Numbers read by OCR that look like IDs but whose check digit fails."""
        return tuple(f for f in self.record.findings if f.kind == "possible_id_number")

    @property
    def unread(self) -> bool:
        """True when some of the file could not be checked (a person looks)."""
        return self.record.status != "scanned" or any(f.kind == "not_scanned" for f in self.record.findings)

    @property
    def verdict(self) -> str:
        """``found`` (an ID number), ``possible``, ``unread``, ``clean``."""
        if self.ids:
            return "found"
        if self.possible:
            return "possible"
        return "unread" if self.unread else "clean"


@dataclass
class AuditResult:
    """What one audit run saw.

    Attributes:
        rows: every file of an accepted type, by attachment id.
        downloads: files this run downloaded.
        remembered: files not read again (unchanged since an earlier run).
        other_types: attachments of types the audit does not read (video, audio...), by MIME type.
        requests: requests this run sent to the site (when the adapter counts them).
    """

    rows: list[AuditRow] = field(default_factory=list)
    downloads: int = 0
    remembered: int = 0
    other_types: dict[str, int] = field(default_factory=dict)
    requests: int = 0


class Audit:
    """The audit of a site's media library, remembered in a ledger.

    Args:
        cms: the site.
        ledger: the ledger (its ``audit_scans`` and fix journal tables, and its file store).
        workers: files downloaded and scanned at a time.
        max_bytes: files larger than this are not read.
        actor: who runs fixes (recorded in the journal and the events).
    """

    def __init__(self, cms: Cms, ledger: Ledger, *, workers: int = DEFAULT_WORKERS,
                 max_bytes: int = DEFAULT_MAX_BYTES, actor: str = "cms-bridge audit") -> None:
        self.cms = cms
        self.ledger = ledger
        self.store = ScanStore(ledger)
        self.workers = max(1, workers)
        self.max_bytes = max_bytes
        self.actor = actor
        self._by_sha256: dict[str, tuple[Finding, ...]] = {}

    # -- the scan ---------------------------------------------------------------------------

    def scan(self, *, progress: Progress | None = None, linking: bool = True, rescan: bool = False) -> AuditResult:
        """Read every new or changed file of the library and report on all of them.

        Args:
            progress: called with (files done, files to read) as files finish.
            linking: look up the posts and pages linking each file with findings or unread.
            rescan: read every file again, whatever is remembered (a file changed on the
                server behind WordPress's back keeps its size and modification time).

        Raises:
            SiteError: the library cannot be listed, or a download failed after its retries
                (what was read so far is kept: run again to resume).
        """
        start_requests = _requests(self.cms)
        self.store.forget_whole_addresses()
        result = AuditResult()
        items: list[LibraryItem] = []
        for item in self.cms.list_media():
            if is_read(item):
                items.append(item)
            else:
                result.other_types[item.mime_type] = result.other_types.get(item.mime_type, 0) + 1
        records: dict[int, tuple[ScanRecord, bool]] = {}
        todo = []
        for item in items:
            known = None if rescan else self.store.unchanged(item)
            if known is not None:
                records[item.id] = (known, False)
            else:
                todo.append(item)
        result.remembered = len(records)
        # Read here, on this thread: the workers never touch the ledger's connection.
        self._by_sha256 = {} if rescan else self.store.findings_by_sha256()
        with tempfile.TemporaryDirectory(prefix="cms-bridge-audit-") as folder:
            for done, record in enumerate(self._read_all(todo, Path(folder)), start=1):
                self.store.save(record)
                if record.sha256 and record.status == "scanned":
                    self._by_sha256[record.sha256] = record.findings
                records[record.media_id] = (record, True)
                if record.status != "missing":
                    result.downloads += 1
                if progress is not None:
                    progress(done, len(todo))
        for item in items:
            record, read_now = records[item.id]
            own = own_text_findings(item)
            if own:
                # Scanned on every run (no download needed): an edit to a caption need not
                # change the file. Kept out of the ledger's record, which describes the bytes.
                record = record.model_copy(update={"findings": (*own, *record.findings)})
            row = AuditRow(item=item, record=record, read_now=read_now)
            if linking and row.verdict != "clean":
                row = AuditRow(item=item, record=record, read_now=read_now,
                               linking=tuple(masked_linker(e) for e in self.cms.find_linking(item)))
            result.rows.append(row)
        result.requests = _requests(self.cms) - start_requests
        return result

    def _read_all(self, items: list[LibraryItem], folder: Path) -> Iterator[ScanRecord]:
        """Each item's record, as its download and scan finish; at most ``workers`` at a time."""
        if not items:
            return
        pending: set[Future[ScanRecord]] = set()
        queue = iter(items)
        with ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="audit") as pool:
            try:
                for item in _take(queue, self.workers):
                    pending.add(pool.submit(self._read, item, folder))
                while pending:
                    finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                    for future in finished:
                        record = future.result()  # a site failure stops the run here
                        for item in _take(queue, 1):
                            pending.add(pool.submit(self._read, item, folder))
                        yield record
            finally:
                for future in pending:
                    future.cancel()

    def _read(self, item: LibraryItem, folder: Path) -> ScanRecord:
        path = folder / f"{item.id}"

        def record(status: ScanStatus = "scanned", *, size: int | None, sha256: str | None = None,
                   note: str | None = None, findings: tuple[Finding, ...] = ()) -> ScanRecord:
            return ScanRecord(url=item.url, media_id=item.id, modified=item.modified, size=size, sha256=sha256,
                              status=status, note=note, findings=findings)

        try:
            size = self.cms.download(item.url, path, max_bytes=self.max_bytes)
        except NotFoundError:
            return record("missing", size=item.size, note="the address answers 404")
        if size is None:
            return record("too_large", size=item.size,
                          note=f"too large, not read (over {self.max_bytes // (1024 * 1024)} MB)")
        try:
            digest = _sha256(path)
            known = self._by_sha256.get(digest)
            if known is not None:
                # The same bytes at another address (a copy uploaded twice): not scanned again.
                return record(size=size, sha256=digest,
                              findings=tuple(f.model_copy(update={"source": item.filename}) for f in known))
            if _is_old_office(path):
                return record(size=size, sha256=digest,
                              findings=(Finding(kind="not_scanned", source=item.filename, note=OLD_OFFICE_NOTE),))
            try:
                findings = tuple(scan_file(path, source=item.filename))
            except AttachmentError as exc:
                return record("unreadable", size=size, sha256=digest, note=mask_id_numbers(str(exc)))
            return record(size=size, sha256=digest, findings=findings)
        finally:
            path.unlink(missing_ok=True)


#: The attachment's own text, shown by ``/wp/v2/media`` and its attachment page.
_OWN_TEXT = (("title", "title"), ("caption", "caption"), ("alt_text", "alt text"), ("description", "description"))


def own_text_findings(item: LibraryItem) -> tuple[Finding, ...]:
    """What the attachment's title, caption, alt text and description hold (masked findings)."""
    found: list[Finding] = []
    for attribute, part in _OWN_TEXT:
        text = getattr(item, attribute)
        if text:
            found.extend(scan_text(text, item.filename, part=part))
    return tuple(found)


def masked_linker(entry: Linker) -> Linker:
    """*entry* with its title and address masked: a post titled with a person's ID number shows
    it whole, and every output and plan of the audit (the fix journal too) takes its linkers
    from here. Only the status is ever written back to the site, never the title."""
    return entry.model_copy(update={"title": mask_id_numbers(entry.title), "link": mask_id_numbers(entry.link)})


def is_read(item: LibraryItem) -> bool:
    """True for a library item the audit downloads and reads (see :data:`ACCEPTED_MIME`)."""
    mime = item.mime_type.split(";", 1)[0].strip().lower()
    return (mime in ACCEPTED_MIME or mime.startswith("text/")
            or PurePosixPath(item.filename).suffix.lower() in READ_EXTENSIONS)


def _is_old_office(path: Path) -> bool:
    with path.open("rb") as stream:
        return stream.read(len(_OLE2)) == _OLE2


def _take(queue: Iterator[LibraryItem], n: int) -> Iterable[LibraryItem]:
    for _ in range(n):
        item = next(queue, None)
        if item is None:
            return
        yield item


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _requests(cms: Cms) -> int:
    return int(getattr(cms, "requests_sent", 0))
