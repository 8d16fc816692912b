"""Reading requests in: an inbox of TOML files, a CSV/XLSX export, and validating them all.

Every problem is collected, not just the first: a requester fixing a form wants the whole list,
each naming the file (and row), the field in English and as the form labels it in Thai, and what
to do. Nothing here changes any file.

Attachments go through a :class:`Keeper`: ``validate`` checks them where they are; intake into
the ledger passes the ledger's keeper, which copies each file into the file store first and
checks the copy (:mod:`cms_bridge.ledger.keeper`), so what was checked is what is published.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, ValidationError, field_serializer, field_validator

from cms_bridge.messages import say
from cms_bridge.validation import field_problems
from cms_bridge.tomlfile import TomlFileError, read_toml
from cms_bridge.intake.attachments import (
    AttachmentInfo,
    inspect_attachment,
    resolve_attachment,
    special_file_kind,
)
from cms_bridge.config import IntakeConfig
from cms_bridge.errors import AttachmentError, IntakeError, TableError
from cms_bridge.intake.idguard import Finding, ScanResult, mask_id_numbers, scan_fields, scan_file
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


Progress = Callable[[int, int], None]


def load_requests(paths: Iterable[Path | str], *, mappings: Mappings, settings: IntakeConfig,
                  keeper: Keeper | None = None, progress: Progress | None = None) -> IntakeReport:
    """Read and check every request under *paths* (folders, .toml files, .csv/.xlsx exports).

    A request with any error is left out of ``requests`` (and listed in ``held``); all problems
    are in ``problems``. A request's attachments are checked even when its fields are not valid,
    so one run lists everything to fix.

    Args:
        paths: files or folders; folders are searched recursively for ``*.toml``, ``*.csv`` and
            ``*.xlsx`` (a spreadsheet that a request names as its attachment is not read as
            requests).
        mappings: groups and kinds, to check and resolve ``group`` and ``kind``.
        settings: allowed attachment types, size limit, CSV/XLSX columns.
        keeper: where attachments are taken in (default: checked in place, kept nowhere).
        progress: called with (files read, files to read) after each file.
    """
    keeper = keeper or InPlace()
    problems: list[Problem] = []
    loaded: list[LoadedRequest] = []
    held: list[HeldRequest] = []
    seen: dict[str, Origin] = {}
    referenced: set[Path] = set()
    for path, data, row in _records(paths, settings, problems, referenced, progress):
        origin, source, base_dir = Origin.of_file(path, row), str(path), path.parent
        before = len(problems)
        referenced.update(_named_files(data, base_dir))
        request = _validate(data, source, row, mappings, problems)
        if request is None:
            # The fields are wrong; the files named can still be checked now, so that fixing a
            # request does not take one run per kind of mistake.
            _check_raw_attachments(data, base_dir, source, row, settings, problems)
            held.append(_held(origin, data, problems[before:]))
            continue
        if request.request_id in seen:
            problems.append(Problem(file=source, row=row, field="request_id",
                                    message=say("intake.id_taken", id=request.request_id, other=seen[request.request_id])))
            held.append(_held(origin, data, problems[before:]))
            continue
        seen[request.request_id] = origin
        attachments = _check_attachments(request, base_dir, source, row, settings, problems, keeper)
        clean = _check_personal_data(request, attachments, source, row, problems, keeper)
        if attachments is not None and len(attachments) == len(request.attachments) + len(request.images) and clean:
            loaded.append(LoadedRequest(request=request, origin=origin, base_dir=base_dir, attachments=attachments))
        else:
            held.append(_held(origin, data, problems[before:]))
    return IntakeReport(requests=loaded, problems=problems, held=held)


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


def _records(paths: Iterable[Path | str], settings: IntakeConfig, problems: list[Problem], referenced: set[Path],
             progress: Progress | None) -> Iterator[tuple[Path, dict[str, Any], int | None]]:
    # Request files first: a spreadsheet found in a folder is read as requests only when no
    # request read before names it as an attachment.
    files = list(_expand(paths, problems))
    files.sort(key=lambda item: item[0].suffix.lower() in TABLE_SUFFIXES)
    for done, (path, in_folder) in enumerate(files, start=1):
        if path.suffix.lower() in TABLE_SUFFIXES:
            if not (in_folder and path.resolve() in referenced):
                yield from _table_records(path, in_folder, settings, problems)
        else:
            found = _read_request_file(path, problems)
            if found is not None:
                yield path, found, None
        if progress is not None:
            progress(done, len(files))


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
            found = (p for suffix in (REQUEST_SUFFIX, *TABLE_SUFFIXES) for p in path.rglob(f"*{suffix}"))
            # Hidden files, and Excel's lock file of an open workbook (~$name.xlsx), are no requests.
            for item in sorted(p for p in found if not p.name.startswith((".", "~$"))
                               and not any(part.startswith(".") for part in p.relative_to(path).parts)):
                if kind := special_file_kind(item):
                    problems.append(Problem(file=str(item), message=say("intake.special_in_folder", kind=kind)))
                elif item.is_file():
                    yield item, True
        elif kind := special_file_kind(path):
            problems.append(Problem(file=str(path), message=say("intake.special", kind=kind)))
        elif path.is_file() and path.suffix.lower() in (REQUEST_SUFFIX, *TABLE_SUFFIXES):
            yield path, False
        elif path.exists():
            problems.append(Problem(file=str(path), message=say("intake.not_input")))
        else:
            problems.append(Problem(file=str(path), message=say("intake.no_such_path")))


def _read_request_file(path: Path, problems: list[Problem]) -> dict[str, Any] | None:
    try:
        return read_toml(path)
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
                       settings: IntakeConfig, problems: list[Problem],
                       keeper: Keeper) -> dict[str, AttachmentInfo]:
    """The files that passed, by path (a failed one is a problem and is missing here)."""
    infos: dict[str, AttachmentInfo] = {}
    refs = [("attachments", i, ref) for i, ref in enumerate(request.attachments)] + \
           [("images", i, ref) for i, ref in enumerate(request.images)]
    for group, index, ref in refs:
        try:
            path = resolve_attachment(base_dir, ref.path)
            infos[ref.path] = keeper.take_in(path, allowed_types=settings.allowed_types,
                                             max_bytes=settings.max_attachment_mb * 1024 * 1024)
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
