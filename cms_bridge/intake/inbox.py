"""Reading requests in: an inbox of TOML files, a CSV/XLSX export, and validating them all.

Every problem is collected, not just the first: a requester fixing a form wants the whole list,
each naming the file (and row), the field in English and as the form labels it in Thai, and what
to do. Nothing here changes any file.

Attachments go through a :class:`Keeper`: ``validate`` checks them where they are; intake into
the ledger passes the ledger's keeper, which copies each file into the file store first and
checks the copy (:mod:`cms_bridge.ledger.keeper`), so what was checked is what is published.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path, PurePosixPath
from typing import Any, Literal, NamedTuple, Protocol

from pydantic import BaseModel, ConfigDict, ValidationError, field_serializer, field_validator

from cms_bridge.messages import say
from cms_bridge.validation import field_problems
from cms_bridge.tomlfile import TomlFileError, read_toml_text
from cms_bridge.intake.attachments import (
    AttachmentInfo,
    inspect_attachment,
    resolve_attachment,
    special_file_kind,
)
from cms_bridge.config import IntakeConfig
from cms_bridge.errors import AttachmentError, IntakeError, TableError
from cms_bridge.intake.idguard import SCANNER_VERSION, Finding, ScanResult, mask_id_numbers, scan_fields, scan_file
from cms_bridge.intake.origin import Origin
from cms_bridge.mappings import Mappings, load_mappings
from cms_bridge.windows import WINDOW_KIND_LABELS
from cms_bridge.intake.request import FIELD_LABELS, PublicationRequest
from cms_bridge.intake.tables import EXAMPLE_ID_PREFIX, known_columns, read_sheet, row_to_request_data

REQUEST_SUFFIX = ".toml"
TABLE_SUFFIXES = (".csv", ".xlsx")


class Keeper(Protocol):
    """Where intake takes attachments in: checks a file and scans it for ID numbers."""

    def take_in(self, path: Path, *, allowed_types: Iterable[str], max_bytes: int) -> AttachmentInfo:
        """Check *path* (see :func:`~cms_bridge.intake.attachments.inspect_attachment`) and
        describe the file that will be published."""
        ...

    def scan(self, info: AttachmentInfo, source: str) -> list[Finding]:
        """The ID guard's findings in the described file, named *source*."""
        ...


class InPlace:
    """The keeper of ``validate``: checks and scans files where they are, keeps nothing."""

    def take_in(self, path: Path, *, allowed_types: Iterable[str], max_bytes: int) -> AttachmentInfo:
        """Inspect *path* in place."""
        return inspect_attachment(path, allowed_types=allowed_types, max_bytes=max_bytes)

    def scan(self, info: AttachmentInfo, source: str) -> list[Finding]:
        """Scan *info*'s file in place."""
        return scan_file(info.path, source=source)


class Problem(BaseModel):
    """One thing wrong (``error``) or worth a look (``warning``) in the input."""

    model_config = ConfigDict(frozen=True)

    file: str
    message: str
    severity: Literal["error", "warning"] = "error"
    field: str | None = None
    row: int | None = None

    @field_validator("file", "message")
    @classmethod
    def _no_id_number(cls, value: str) -> str:
        # Whatever went into the text (a folder or file named with an ID number, a value
        # quoted by a validator), an ID number is never printed whole.
        return mask_id_numbers(value)

    @property
    def label(self) -> str | None:
        """The form's Thai label for the field, when it has one."""
        if self.field is None:
            return None
        parts = self.field.split(".")
        for n in range(len(parts), 0, -1):
            if (label := FIELD_LABELS.get(".".join(p for p in parts[:n] if not p.isdigit()))) is not None:
                return label
        return None

    @property
    def reason(self) -> str:
        """The problem without its file and row: ``field (label): message``."""
        if not self.field:
            return self.message
        return f"{self.field}" + (f" ({self.label})" if self.label else "") + f": {self.message}"

    def __str__(self) -> str:
        where = self.file + (f", row {self.row}" if self.row is not None else "")
        if self.field:
            where += f": {self.field}" + (f" ({self.label})" if self.label else "")
        return f"{where}: {self.severity}: {self.message}"


class LoadedRequest(BaseModel):
    """A valid request with where it came from and its inspected attachments."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    request: PublicationRequest
    origin: Origin
    base_dir: Path
    attachments: dict[str, AttachmentInfo]

    @property
    def source(self) -> str:
        """Where it came from, as messages say it (``path``, ``path, row N``, or ``folder/``)."""
        return str(self.origin)


class HeldRequest(BaseModel):
    """A request of the input left out because of an error: refused (``invalid``) or held back
    because its text or a file carries a national ID number (``blocked``)."""

    model_config = ConfigDict(frozen=True)

    origin: Origin
    #: As written, when the input names one (it may be the very thing that is wrong).
    request_id: str | None
    title: str | None
    held: Literal["invalid", "blocked"]
    #: The errors, each one line (``field (label): message``).
    reasons: list[str]

    @field_validator("request_id", "title")
    @classmethod
    def _masked_title(cls, value: str | None) -> str | None:
        # A request held back for an ID number in its title must not print the number.
        return mask_id_numbers(value) if value else value

    @field_validator("reasons")
    @classmethod
    def _masked_reasons(cls, value: list[str]) -> list[str]:
        return [mask_id_numbers(reason) for reason in value]

    @field_serializer("origin")
    def _masked_origin(self, origin: Origin) -> dict[str, Any]:
        # Kept whole in memory (it locates the file); shown masked (a folder named after a person).
        return {k: mask_id_numbers(v) if isinstance(v, str) else v for k, v in origin.model_dump().items()}

    @property
    def source(self) -> str:
        """Where it came from, as messages say it (ID numbers masked)."""
        return mask_id_numbers(str(self.origin))


class IntakeReport(BaseModel):
    """Everything :func:`load_requests` found."""

    model_config = ConfigDict(frozen=True)

    requests: list[LoadedRequest]
    problems: list[Problem]
    #: The requests left out, each with its errors (``problems`` has them too).
    held: list[HeldRequest] = []
    #: Valid requests whose file, and every file it names, is unchanged since it was last read
    #: and recorded (a :class:`ReadCache` said so): not read, parsed or checked again, and not in
    #: ``requests``. Their warnings are in ``problems`` as when they were read.
    unchanged: list[str] = []

    @property
    def ok(self) -> bool:
        """True when there is no error (warnings allowed)."""
        return not any(p.severity == "error" for p in self.problems)


def parse_request(data: Mapping[str, Any], *, base_dir: Path | str, mappings: Mappings | None = None,
                  settings: IntakeConfig | None = None, source: str = "<python>",
                  keeper: Keeper | None = None) -> LoadedRequest:
    """Check a request built in code (e.g. by a procurement script) exactly as a request file is.

    Args:
        data: the request's fields, as in a request file (see docs/request-format.md).
        base_dir: the folder its attachment paths are relative to.
        mappings: groups and kinds (default: the shipped ones).
        settings: attachment rules (default: the defaults of ``[intake]``).
        source: how problems name where the request came from.
        keeper: where attachments are taken in (default: checked in place, kept nowhere).

    Raises:
        IntakeError: listing every problem, including warnings, when there is any error.
    """
    problems: list[Problem] = []
    mappings = mappings or load_mappings()
    settings = settings or IntakeConfig()
    keeper = keeper or InPlace()
    base = Path(base_dir)
    request = _validate(dict(data), source, None, mappings, problems)
    if request is None:
        _check_raw_attachments(data, base, source, None, settings, problems)
    else:
        attachments = _check_attachments(request, base, source, None, settings, problems, keeper)
        clean = _check_personal_data(request, attachments, source, None, problems, keeper)
        if clean and len(attachments) == len(request.attachments) + len(request.images):
            return LoadedRequest(request=request, origin=Origin.of_folder(base), base_dir=base,
                                 attachments=attachments)
    raise IntakeError(problems)


#: Bumped whenever reading or checking a request file gives another answer for the same bytes
#: (a new rule, a field, a message), so that what an older cms-bridge read is read again.
READER_VERSION = 1


def reader_fingerprint(mappings: Mappings, settings: IntakeConfig) -> str:
    """What a file read before must have been read with to be trusted unread now.

    The reader's and the ID scanner's versions, the ``[intake]`` settings and the mappings (an
    upgrade, a new allowed type or a renamed kind reads every file again).
    """
    text = json.dumps([READER_VERSION, str(SCANNER_VERSION), settings.model_dump(mode="json"),
                       mappings.model_dump(mode="json")], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class FileStamp(NamedTuple):
    """What the file system says of a file: enough to tell it changed without reading it.

    The change time and inode matter as much as the size and modification time: a file replaced
    by another of the same size with its modification time set back (``cp -p``, ``touch -r``,
    an unzip) keeps those two, but the change time cannot be set back and a replacement is a new
    inode. A file system whose clock ticks coarser than two writes of the same size in one tick
    (FAT, some network shares) can still hide the second: docs/architecture.md says so.
    """

    size: int
    mtime_ns: int
    ctime_ns: int
    inode: int
    device: int

    @classmethod
    def of(cls, info: os.stat_result) -> FileStamp:
        """The stamp of a ``stat`` result."""
        # A named tuple, not a frozen dataclass: made and compared for every inbox file each pass.
        return cls(info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino, info.st_dev)


class ReadFile(NamedTuple):
    """A request file (or export) that was read clean, and what a later pass needs to skip it.

    Attributes:
        path: the file, as the inbox walk names it.
        stamp: its stamp, taken before it was read.
        sha256: the digest of the bytes read (a file touched but not changed is not read again).
        requests: (request id, row of an export or None, version hash) of each request in it.
        files: (path, stamp, sha256) of every attachment and image its requests name, each
            stamped before it was read; the path as the request names it under its folder, so a
            link pointed elsewhere is a change.
        named: the resolved paths its requests name (a spreadsheet named as an attachment is not
            read as requests).
        warnings: its warnings, given again each time it is skipped.
    """

    path: str
    stamp: FileStamp
    sha256: str
    requests: tuple[tuple[str, int | None, str], ...]
    files: tuple[tuple[str, FileStamp, str], ...]
    named: tuple[str, ...]
    warnings: tuple[Problem, ...] = ()

    def to_json(self) -> str:
        """The entry as compact JSON (see :meth:`from_json`)."""
        return json.dumps([self.path, list(self.stamp), self.sha256, self.requests,
                           [[p, list(st), sha] for p, st, sha in self.files], self.named,
                           [w.model_dump(mode="json") for w in self.warnings]],
                          ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> ReadFile:
        """The entry :meth:`to_json` wrote."""
        path, stamp, sha, requests, files, named, warnings = json.loads(text)
        return cls(path, FileStamp(*stamp), sha, tuple((r[0], r[1], r[2]) for r in requests),
                   tuple((f[0], FileStamp(*f[1]), f[2]) for f in files), tuple(named),
                   tuple(Problem.model_validate(w) for w in warnings))


class ReadCache(Protocol):
    """What intake remembers of the files it read (the ledger keeps it, see ledger/readcache.py)."""

    def known(self, path: str) -> ReadFile | None:
        """The entry of *path* as last read and recorded, or ``None`` (never read, or the ledger
        changed the requests in it since)."""
        ...

    def read(self, entry: ReadFile) -> None:
        """*entry* was read clean (or found unchanged under a new stamp): remember it once its
        requests are recorded."""
        ...


def _stamp_or_none(path: str | Path) -> FileStamp | None:
    try:
        return FileStamp.of(os.stat(path))
    except OSError:
        return None  # not there: the keeper says so in its own words


def _sha256_of(path: str) -> str | None:
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as reader:
            while chunk := reader.read(1024 * 1024):
                digest.update(chunk)
    except OSError:
        return None
    return digest.hexdigest()


def _still(entry: ReadFile, path: Path) -> ReadFile | None:
    """*entry* if its file and every file it names is unchanged (the stamps, or when a stamp
    differs, the bytes); with the new stamps when only those changed; else ``None``."""
    restamped = False
    try:
        stamp = FileStamp.of(os.stat(path))
    except OSError:
        return None
    if stamp != entry.stamp:
        if _sha256_of(str(path)) != entry.sha256:
            return None
        restamped = True
    files = []
    for name, old, sha in entry.files:
        try:
            now = FileStamp.of(os.stat(name))
        except OSError:
            return None
        if now != old:
            if _sha256_of(name) != sha:
                return None
            restamped = True
        files.append((name, now, sha))
    if not restamped:
        return entry
    return ReadFile(entry.path, stamp, entry.sha256, entry.requests, tuple(files), entry.named, entry.warnings)


Progress = Callable[[int, int], None]


def load_requests(paths: Iterable[Path | str], *, mappings: Mappings, settings: IntakeConfig,
                  keeper: Keeper | None = None, progress: Progress | None = None,
                  cache: ReadCache | None = None) -> IntakeReport:
    """Read and check every request under *paths* (folders, .toml files, .csv/.xlsx exports).

    A request with any error is left out of ``requests`` (and listed in ``held``); all problems
    are in ``problems``. A request's attachments are checked even when its fields are not valid,
    so one run lists everything to fix.

    With a *cache*, a file it knows whose stamp and whose named files' stamps are unchanged (or,
    where a stamp changed, whose bytes are) is not read again: its requests are listed in
    ``unchanged``. Each file read clean is handed to the cache.

    Args:
        paths: files or folders; folders are searched recursively for ``*.toml``, ``*.csv`` and
            ``*.xlsx`` (a spreadsheet that a request names as its attachment is not read as
            requests).
        mappings: groups and kinds, to check and resolve ``group`` and ``kind``.
        settings: allowed attachment types, size limit, CSV/XLSX columns.
        keeper: where attachments are taken in (default: checked in place, kept nowhere).
        progress: called with (files read, files to read) after each file.
        cache: what was read before (see :class:`ReadCache`); none: every file is read.
    """
    keeper = keeper or InPlace()
    problems: list[Problem] = []
    loaded: list[LoadedRequest] = []
    held: list[HeldRequest] = []
    unchanged: list[str] = []
    seen: dict[str, Origin | tuple[Path, int | None]] = {}
    referenced: set[str] = set()  # resolved paths, as text: cheap to add 10,000 of
    # Request files first: a spreadsheet found in a folder is read as requests only when no
    # request read before names it as an attachment.
    files = list(_expand(paths, problems))
    files.sort(key=lambda item: item[0].suffix.lower() in TABLE_SUFFIXES)
    for done, (path, in_folder) in enumerate(files, start=1):
        is_table = path.suffix.lower() in TABLE_SUFFIXES
        if is_table and in_folder and str(path.resolve()) in referenced:
            pass
        elif (entry := _unchanged(cache, path, seen)) is not None:
            for request_id, row, _ in entry.requests:
                seen[request_id] = (path, row)  # made an Origin only if a message needs it
                unchanged.append(request_id)
            referenced.update(entry.named)
            problems.extend(entry.warnings)
        else:
            first_problem, first_loaded = len(problems), len(loaded)
            stamp, sha256, records = _file_records(path, in_folder, is_table, settings, problems)
            stamps: dict[str, tuple[str, FileStamp]] = {}
            named: set[str] = set()
            for data, row in records:
                base_dir = path.parent
                found = {str(name) for name in _named_files(data, base_dir)}
                referenced.update(found)
                named.update(found)
                _one_record(path, data, row, mappings, settings, keeper, problems, loaded, held, seen, stamps)
            if cache is not None and stamp is not None and sha256 is not None and records and \
                    len(loaded) - first_loaded == len(records) and \
                    not any(p.severity == "error" for p in problems[first_problem:]):
                cache.read(ReadFile(
                    path=str(path), stamp=stamp, sha256=sha256,
                    requests=tuple((item.request.request_id, item.origin.row,
                                    item.request.version_hash({k: v.sha256 for k, v in item.attachments.items()}))
                                   for item in loaded[first_loaded:]),
                    files=tuple((name, st, sha) for name, (sha, st) in sorted(stamps.items())),
                    named=tuple(sorted(named)), warnings=tuple(problems[first_problem:])))
        if progress is not None:
            progress(done, len(files))
    return IntakeReport(requests=loaded, problems=problems, held=held, unchanged=unchanged)


def _unchanged(cache: ReadCache | None, path: Path, seen: Mapping[str, object]) -> ReadFile | None:
    if cache is None or (entry := cache.known(str(path))) is None:
        return None
    if any(request_id in seen for request_id, _, _ in entry.requests):
        return None  # read again: the problem of a taken id is worded by the full read
    still = _still(entry, path)
    if still is not None and still is not entry:
        cache.read(still)  # the same bytes under new stamps: remembered, so not hashed again
    return still


def _one_record(path: Path, data: dict[str, Any], row: int | None, mappings: Mappings, settings: IntakeConfig,
                keeper: Keeper, problems: list[Problem], loaded: list[LoadedRequest], held: list[HeldRequest],
                seen: dict[str, Origin | tuple[Path, int | None]], stamps: dict[str, tuple[str, FileStamp]]) -> None:
    origin, source, base_dir = Origin.of_file(path, row), str(path), path.parent
    before = len(problems)
    request = _validate(data, source, row, mappings, problems)
    if request is None:
        # The fields are wrong; the files named can still be checked now, so that fixing a
        # request does not take one run per kind of mistake.
        _check_raw_attachments(data, base_dir, source, row, settings, problems)
        held.append(_held(origin, data, problems[before:]))
        return
    if request.request_id in seen:
        first = seen[request.request_id]
        where = first if isinstance(first, Origin) else Origin.of_file(*first)
        problems.append(Problem(file=source, row=row, field="request_id",
                                message=say("intake.id_taken", id=request.request_id, other=where)))
        held.append(_held(origin, data, problems[before:]))
        return
    seen[request.request_id] = origin
    attachments = _check_attachments(request, base_dir, source, row, settings, problems, keeper, stamps)
    clean = _check_personal_data(request, attachments, source, row, problems, keeper)
    if attachments is not None and len(attachments) == len(request.attachments) + len(request.images) and clean:
        loaded.append(LoadedRequest(request=request, origin=origin, base_dir=base_dir, attachments=attachments))
    else:
        held.append(_held(origin, data, problems[before:]))


def _held(origin: Origin, data: Mapping[str, Any], problems: Sequence[Problem]) -> HeldRequest:
    errors = [p for p in problems if p.severity == "error"]
    blocked = any(p.field == "id_number_acknowledgement" for p in errors)
    rid, title = data.get("request_id"), data.get("title")
    return HeldRequest(origin=origin, request_id=str(rid).strip() if rid not in (None, "") else None,
                       title=str(title).strip() if title not in (None, "") else None,
                       held="blocked" if blocked else "invalid", reasons=[p.reason for p in errors])


def _named_files(data: Mapping[str, Any], base_dir: Path) -> set[Path]:
    # Every attachment and image path a request names, as written, valid or not.
    found = set()
    for group in ("attachments", "images"):
        refs = data.get(group)
        for ref in refs if isinstance(refs, list) else []:
            path = ref.get("path") if isinstance(ref, dict) else ref
            if isinstance(path, str) and path.strip():
                found.add((base_dir / path.strip().replace("\\", "/")).resolve())
    return found


def _check_raw_attachments(data: Mapping[str, Any], base_dir: Path, source: str, row: int | None,
                           settings: IntakeConfig, problems: list[Problem]) -> None:
    """Check the files an invalid request names, in place (nothing is kept for it)."""
    keeper = InPlace()
    for group in ("attachments", "images"):
        refs = data.get(group)
        for index, ref in enumerate(refs if isinstance(refs, list) else []):
            path = ref.get("path") if isinstance(ref, dict) else ref
            if not isinstance(path, str) or not path.strip():
                continue  # validation named it already
            field = f"{group}.{index}"
            if any(p.field is not None and p.field.startswith(field) and p.row == row and p.file == source
                   for p in problems):
                continue  # its path itself is wrong (absolute, '..'): said already
            try:
                info = keeper.take_in(resolve_attachment(base_dir, path), allowed_types=settings.allowed_types,
                                      max_bytes=settings.max_attachment_mb * 1024 * 1024)
                findings = keeper.scan(info, path)
            except AttachmentError as exc:
                problems.append(Problem(file=source, row=row, field=field, message=str(exc)))
                continue
            for finding in findings:
                if finding.blocks:
                    problems.append(Problem(file=source, row=row, field="id_number_acknowledgement",
                                            message=say("intake.id_blocked", finding=finding.message)))


def _file_records(path: Path, in_folder: bool, is_table: bool, settings: IntakeConfig, problems: list[Problem]
                  ) -> tuple[FileStamp | None, str | None, list[tuple[dict[str, Any], int | None]]]:
    """The requests of one file with its stamp (taken before reading) and the digest of what was read."""
    stamp = _stamp_or_none(path)
    if is_table:
        # The digest of the bytes before the sheet is read: if they change meanwhile, the stamp
        # or the digest differs next time and the file is read again.
        sha256 = _sha256_of(str(path))
        return stamp, sha256, [(data, row) for _, data, row in _table_records(path, in_folder, settings, problems)]
    try:
        raw = path.read_bytes()
    except OSError as exc:
        problems.append(Problem(file=str(path), message=TomlFileError(path, f"cannot read the file: "
                                                                            f"{exc.strerror or exc}").reason))
        return stamp, None, []
    found = _read_request_file(path, raw, problems)
    return stamp, hashlib.sha256(raw).hexdigest(), [] if found is None else [(found, None)]


def _table_records(path: Path, in_folder: bool, settings: IntakeConfig,
                   problems: list[Problem]) -> Iterator[tuple[Path, dict[str, Any], int | None]]:
    try:
        table = read_sheet(path)
    except TableError as exc:
        # The problem names the file already; the message need not say it again.
        problems.append(Problem(file=str(path), message=str(exc).removeprefix(f"{path}: ")))
        return
    if in_folder and not known_columns(list(table.columns), settings.columns):
        problems.append(Problem(file=str(path), severity="warning",
                                message=say("intake.no_request_columns")))
        return
    for number, row in table.rows:
        try:
            data, notes = row_to_request_data(row, settings.columns, settings.list_separator,
                                              table=table, number=number)
        except TableError as exc:
            problems.append(Problem(file=str(path), row=number, message=str(exc)))
            continue
        if str(data.get("request_id", "")).startswith(EXAMPLE_ID_PREFIX):
            problems.append(Problem(file=str(path), row=number, field="request_id", severity="warning",
                                    message=say("intake.example_row")))
            continue
        for note in notes:
            problems.append(Problem(file=str(path), row=number, field=note.field, severity="warning",
                                    message=note.message))
        yield path, data, number


def _expand(paths: Iterable[Path | str], problems: list[Problem]) -> Iterator[tuple[Path, bool]]:
    # A named pipe, socket or device is never opened (opening a FIFO waits forever for a
    # writer): it is skipped with a problem naming it, so one odd entry cannot hang a pass.
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            # Hidden files and folders, and Excel's lock file of an open workbook (~$name.xlsx),
            # are no requests; in path order, as a person reads the folder.
            for item, regular in sorted(_walk(str(path)), key=lambda found: found[0].split(os.sep)):
                if regular:  # the folder listing says so (not a link): no stat needed
                    yield Path(item), True
                    continue
                try:
                    mode = os.stat(item).st_mode
                except OSError:
                    continue  # gone meanwhile, or a link to nothing
                if stat.S_ISREG(mode):
                    yield Path(item), True
                elif kind := special_file_kind(item):
                    problems.append(Problem(file=item, message=say("intake.special_in_folder", kind=kind)))
        elif kind := special_file_kind(path):
            problems.append(Problem(file=str(path), message=say("intake.special", kind=kind)))
        elif path.is_file() and path.suffix.lower() in (REQUEST_SUFFIX, *TABLE_SUFFIXES):
            yield path, False
        elif path.exists():
            problems.append(Problem(file=str(path), message=say("intake.not_input")))
        else:
            problems.append(Problem(file=str(path), message=say("intake.no_such_path")))


_FOUND_SUFFIXES = (REQUEST_SUFFIX, *TABLE_SUFFIXES)


def _walk(folder: str) -> Iterator[tuple[str, bool]]:
    """The request files and exports under *folder*, in one walk (links to folders not followed;
    a folder that cannot be read is left out, as ``Path.rglob`` does), each with whether the
    listing says it is a regular file (a link, or a file system that does not say, is asked)."""
    try:
        with os.scandir(folder) as entries:
            found = list(entries)
    except OSError:
        return
    for entry in found:
        if entry.name.startswith("."):
            continue
        try:
            is_dir = entry.is_dir(follow_symlinks=False)
        except OSError:
            continue
        if is_dir:
            yield from _walk(entry.path)
        elif entry.name.endswith(_FOUND_SUFFIXES) and not entry.name.startswith("~$"):
            try:
                regular = entry.is_file(follow_symlinks=False)
            except OSError:
                regular = False
            yield entry.path, regular


def _read_request_file(path: Path, raw: bytes, problems: list[Problem]) -> dict[str, Any] | None:
    try:
        return read_toml_text(path, raw)
    except TomlFileError as exc:
        problems.append(Problem(file=str(path), message=exc.reason))
        return None


def _validate(data: dict[str, Any], source: str, row: int | None, mappings: Mappings,
              problems: list[Problem]) -> PublicationRequest | None:
    try:
        return PublicationRequest.model_validate(data, context={"mappings": mappings})
    except ValidationError as exc:
        for problem in field_problems(
                exc, unknown=say("intake.unknown_field")):
            message = problem.message
            if problem.kind == "extra_forbidden" and len(problem.loc) == 3 and problem.loc[0] == "window" \
                    and problem.loc[1] in _WINDOW_KINDS:
                # A cell left filled from another kind of window (ปีงบประมาณ beside ถาวร): say so.
                message = say("intake.not_of_window", label=WINDOW_KIND_LABELS[str(problem.loc[1])], kind=problem.loc[1])
            problems.append(Problem(file=source, row=row, field=_field_path(problem.loc), message=message))
        return None


_WINDOW_KINDS = ("permanent", "fiscal_year", "range")


def _field_path(loc: Sequence[Any]) -> str | None:
    # pydantic puts the union member in the location ("window.range.end"); the user wrote
    # "window.end".
    parts = [str(p) for i, p in enumerate(loc) if not (i == 1 and loc[0] == "window" and p in _WINDOW_KINDS)]
    return ".".join(parts) or None


def _check_attachments(request: PublicationRequest, base_dir: Path, source: str, row: int | None,
                       settings: IntakeConfig, problems: list[Problem], keeper: Keeper,
                       stamps: dict[str, tuple[str, FileStamp]] | None = None) -> dict[str, AttachmentInfo]:
    """The files that passed, by path (a failed one is a problem and is missing here); with
    *stamps*, each one's digest and stamp (taken before it was read) by its path under the folder."""
    infos: dict[str, AttachmentInfo] = {}
    refs = [("attachments", i, ref) for i, ref in enumerate(request.attachments)] + \
           [("images", i, ref) for i, ref in enumerate(request.images)]
    for group, index, ref in refs:
        try:
            path = resolve_attachment(base_dir, ref.path)
            as_named = str(base_dir / PurePosixPath(ref.path))
            stamp = _stamp_or_none(as_named) if stamps is not None else None
            infos[ref.path] = keeper.take_in(path, allowed_types=settings.allowed_types,
                                             max_bytes=settings.max_attachment_mb * 1024 * 1024)
            if stamps is not None and stamp is not None:
                stamps[as_named] = (infos[ref.path].sha256, stamp)
        except AttachmentError as exc:
            problems.append(Problem(file=source, row=row, field=f"{group}.{index}", message=str(exc)))
    return infos


def _check_personal_data(request: PublicationRequest, attachments: Mapping[str, AttachmentInfo], source: str,
                         row: int | None, problems: list[Problem], keeper: Keeper) -> bool:
    try:
        # The request's own text here; its files as the keeper holds them (the copy that will
        # be published), each read once.
        findings = scan_fields(request)
        for path, info in attachments.items():
            findings.extend(keeper.scan(info, path))
    except AttachmentError as exc:
        problems.append(Problem(file=source, row=row, field="attachments", message=str(exc)))
        return False
    result = ScanResult(findings=tuple(findings))
    blocked = result.blocks(request)
    acknowledgement = request.id_number_acknowledgement
    for finding in result.id_numbers:
        if acknowledgement is None:
            problems.append(Problem(file=source, row=row, field="id_number_acknowledgement",
                                    message=say("intake.id_blocked", finding=finding.message)))
        else:
            problems.append(Problem(file=source, row=row, severity="warning",
                                    message=say("intake.id_acknowledged", finding=finding.message,
                                                by=acknowledgement.by if acknowledgement else "?")))
    unread = set(result.unread(request))
    checked = {check.path: check.by for check in request.checked_by_hand}
    for finding in result.warnings:
        if finding in unread:
            problems.append(Problem(file=source, row=row, field="checked_by_hand",
                                    message=say("intake.unread_blocked", finding=finding.message,
                                                path=mask_id_numbers(finding.source))))
        elif finding.kind == "not_scanned":
            problems.append(Problem(file=source, row=row, severity="warning",
                                    message=f"{mask_id_numbers(finding.source)}: the ID scan cannot read it {finding.note or ''}; "
                                            f"checked by hand by {checked[finding.source]}".replace("  ", " ")))
        else:
            problems.append(Problem(file=source, row=row, severity="warning", message=finding.message))
    return not blocked
