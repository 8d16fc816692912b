"""The ``cms-bridge`` command: a thin layer over the library.

Each command builds the library object from the configuration and calls one function; its
docstring is its ``--help``. Errors the library raises on purpose become one clear message on
stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import errno
import io
import json
import logging
import os
import sqlite3
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn, TextIO

from cms_bridge import i18n
from cms_bridge.version import __version__
from cms_bridge.channels import CHANNELS
from cms_bridge.config import load_config
from cms_bridge.intake.idguard import mask_id_numbers
from cms_bridge.errors import (
    CmsBridgeError,
    ConfigError,
    DecisionError,
    LedgerError,
    MappingError,
    ThaiDateError,
    UsageError,
)
from cms_bridge.thaidate import BE_YEAR_MAX, BE_YEAR_MIN, CE_LOOKALIKE, OFFICE_TZ, ce_to_be

#: Exit codes: 0 success, 1 the job ran and found problems, 2 usage or configuration error.
EXIT_OK, EXIT_PROBLEMS, EXIT_CONFIG = 0, 1, 2
#: The reader of the output went away (``cms-bridge status --json | head``): 128 + SIGPIPE, what
#: a shell reports for a program SIGPIPE ended, so ``set -o pipefail`` scripts see it was cut short.
EXIT_BROKEN_PIPE = 141

Command = Callable[[argparse.Namespace], int]


def cmd_check(args: argparse.Namespace) -> int:
    """Check that the bridge can work with the configured WordPress site.

    Connects with the configuration and prints what works and what does not: reachable, REST and
    XML-RPC available, authenticated, may publish / upload / manage categories, batch limit,
    WordPress version and site timezone, with one line saying how to fix each problem. With
    --probe-uploads it also uploads, and at once deletes, one tiny file of each attachment type
    (pdf docx xlsx pptx zip rar jpg png) to learn which the site accepts. Exits 1 when the bridge
    cannot work with the site.
    """
    from cms_bridge.wordpress.check import as_json, render_text, run_check

    report = run_check(load_config(args.config), probe_uploads=args.probe_uploads)
    if args.json:
        print(json.dumps(as_json(report), ensure_ascii=False, indent=2))
    else:
        print(render_text(report))
    return EXIT_OK if report.usable else EXIT_PROBLEMS


def cmd_validate(args: argparse.Namespace) -> int:
    """Check request files and exports, reporting every problem at once.

    PATH may be a folder (searched for *.toml request files and *.csv/*.xlsx exports), a request
    file, or a CSV/XLSX export (headers: the form's Thai labels, as `cms-bridge template`
    writes them, or dotted field names). Each problem names the file (and row), the field with
    the form's Thai label, and what to do; a request's attachments are checked even when its
    fields are wrong. Attachments are inspected (type from content, size, pages) and scanned for
    Thai national ID numbers. Exits 1 when there is any error; warnings alone exit 0.
    """
    from cms_bridge.intake.inbox import load_requests

    with _bridge(args, needs_ledger=False) as bridge:
        report = load_requests(args.paths, mappings=bridge.mappings, settings=bridge.config.intake,
                               progress=_progress_bar(quiet=args.json))
    if args.json:
        print(json.dumps({"valid": [r.request.request_id for r in report.requests],
                          "problems": [p.model_dump() | {"label": p.label} for p in report.problems],
                          "held": [h.model_dump(mode="json") for h in report.held]},
                         ensure_ascii=False, indent=2))
    else:
        for problem in report.problems:
            print(i18n.problem_line(problem, args.lang))
        errors = sum(p.severity == "error" for p in report.problems)
        print(i18n.text("validate.summary", args.lang, valid=len(report.requests), errors=errors,
                        warnings=len(report.problems) - errors))
    return EXIT_OK if report.ok else EXIT_PROBLEMS


def cmd_template(args: argparse.Namespace) -> int:
    """Write the request spreadsheet a clerk fills in: one row per request.

    The XLSX has the request form's Thai labels as headers, drop-down lists for the group, the
    kind of information, the window and the channels (from the mappings), columns kept as Text
    (so Excel leaves 1.10 and Thai dates as typed) and an example row (a made-up person: replace
    it; a row whose request id starts with "example-" is skipped). --format csv (or an OUT
    ending in .csv) writes the same header and example as CSV (UTF-8, what Excel opens as Thai).
    Put the filled-in file in the inbox folder, or check it with: cms-bridge validate FILE.
    """
    from cms_bridge.intake.tables import write_template
    from cms_bridge.mappings import load_mappings

    config = load_config(args.config)
    out = Path(args.out)
    fmt = args.format or ("csv" if out.suffix.lower() == ".csv" else "xlsx")
    if out.suffix.lower() != f".{fmt}":
        out = out.with_name(out.name + f".{fmt}") if out.suffix.lower() not in (".csv", ".xlsx") else \
            out.with_suffix(f".{fmt}")
    write_template(out, load_mappings(override_dir=config.office.mappings_dir),
                   separator=config.intake.list_separator)
    print(i18n.text("template.written", args.lang, path=out))
    return EXIT_OK


def cmd_inspect(args: argparse.Namespace) -> int:
    """Describe an attachment: type (from its content), size, sha256, pages, ID-number findings.

    Exits 1 when the file cannot be used as an attachment or contains a Thai national ID number.
    """
    from cms_bridge.errors import AttachmentError
    from cms_bridge.intake.attachments import inspect_attachment
    from cms_bridge.intake.idguard import scan_file

    config = load_config(args.config)
    status = EXIT_OK
    for path in args.files:
        try:
            info = inspect_attachment(path, allowed_types=config.intake.allowed_types,
                                      max_bytes=config.intake.max_attachment_mb * 1024 * 1024)
            findings = scan_file(path)
        except AttachmentError as exc:
            print(f"{path}: error: {exc}")
            status = EXIT_PROBLEMS
            continue
        pages = f", {info.pages} page(s)" if info.pages is not None else ""
        print(f"{path}: {info.file_type} ({info.media_type}), {info.size:,} bytes{pages}, sha256 {info.sha256}")
        for finding in findings:
            print(f"  {'BLOCKS' if finding.blocks else 'warning'}: {finding.message}")
            status = EXIT_PROBLEMS if finding.blocks else status
    return status


def cmd_schema(args: argparse.Namespace) -> int:
    """Print the JSON Schema of a publication request (the fields of a request file)."""
    from cms_bridge.intake.request import PublicationRequest

    print(json.dumps(PublicationRequest.model_json_schema(), ensure_ascii=False, indent=2))
    return EXIT_OK


def cmd_sync(args: argparse.Namespace) -> int:
    """Make the site match the approved requests, now (or as of --as-of).

    Reads the inbox ([intake] inbox) into the ledger, then for every request publishes,
    schedules, updates or withdraws its post as its decision and window say, uploading only new
    or changed attachments. Running it twice changes nothing the second time; a run cut off at
    any point is finished by the next. Exits 1 when an action failed (it is retried next time).
    """
    with _bridge(args) as bridge:
        held: list[Any] = []
        problems: list[Any] = []
        if bridge.config.intake.inbox is not None:
            intake = bridge.intake(progress=_progress_bar(quiet=args.json))
            held, problems = intake.held, intake.problems
            if not args.json:
                _print_problems(problems, args.lang)
        report = bridge.sync(_as_of(args), dry_run=args.dry_run, progress=_progress_bar(quiet=args.json))
        report.intake_problems = problems
        _print_report(report, args.json, args.lang, held)
        return EXIT_PROBLEMS if report.failed else EXIT_OK


def cmd_plan(args: argparse.Namespace) -> int:
    """Show what sync would change (inbox included); change nothing, on the site or in the ledger.

    Requests held back are listed with their reasons: blocked by the publish gate, or left out of
    the inbox (invalid, or blocked for a national ID number).
    """
    with _bridge(args) as bridge:
        report = bridge.plan(_as_of(args), progress=_progress_bar(quiet=args.json))
        if not args.json:
            _print_problems(report.intake_problems, args.lang)
        _print_report(report, args.json, args.lang, report.held)
        return EXIT_OK


def cmd_status(args: argparse.Namespace) -> int:
    """List every request: decision, what it should be now, what is on the site, URL, next change.

    Requests held back are listed too, each with its reasons: those the publish gate refuses
    (not approved as is, a national ID number, a file gone) and those of the inbox the ledger
    did not take (invalid, or blocked for an ID number). --json: one object per request, with
    "held" ("blocked", "invalid" or null), "reasons" and "source".
    """
    lang = args.lang
    with _bridge(args) as bridge:
        rows = bridge.status(_as_of(args), progress=_progress_bar(quiet=args.json))
        if args.json:
            print(json.dumps([r.model_dump(mode="json") for r in rows], ensure_ascii=False, indent=2))
            return EXIT_OK
        if not rows:
            print(i18n.text("status.none", lang))
        for r in rows:
            rid = r.request_id or "?"
            if r.decision != "not recorded":
                print(i18n.text("status.row", lang, id=rid, decision=i18n.label(r.decision, lang),
                                desired=i18n.label(r.desired, lang), state=i18n.label(r.state, lang),
                                when=i18n.when(r.next_change, lang), url=r.url or "").rstrip())
            if r.held is not None:
                key = "status.held" if r.decision == "not recorded" else \
                    "status.held_newer" if r.source else "status.held_recorded"
                print(i18n.text(key, lang, id=rid, held=i18n.label(r.held, lang), source=r.source or ""))
                for reason in r.reasons:
                    print(i18n.text("status.reason", lang, reason=i18n.reason(reason, lang)))
        return EXIT_OK


def cmd_daemon(args: argparse.Namespace) -> int:
    """Run sync every [sync] interval_minutes and at each window boundary, until stopped.

    Catches up at start after downtime; one failing pass never stops the loop; SIGTERM or
    SIGINT finish the current pass and exit 0. Logs go to stderr (--log-format json for
    structured lines); [sync] heartbeat names a file rewritten after every pass.
    """
    from cms_bridge.daemon import Daemon

    with _bridge(args) as bridge:
        daemon = Daemon(bridge, interval_minutes=bridge.config.sync.interval_minutes,
                        heartbeat=bridge.config.sync.heartbeat, clock=bridge.clock,
                        lock=bridge.config.sync.ledger.with_name(bridge.config.sync.ledger.name + ".daemon.lock"))
        daemon.run()
    return EXIT_OK


def cmd_decide(args: argparse.Namespace) -> int:
    """Record the committee's decision on a request (approve, reject, or back to pending)."""
    status = "approved" if args.approve else "rejected" if args.reject else "pending"
    with _bridge(args) as bridge:
        try:
            bridge.record_decision(args.request_id, status=status, by=args.by, position=args.position,
                                   note=args.note, at=_as_of(args, "at"), actor=args.by)
        except LedgerError:
            if args.request_id in bridge.ledger.list_request_ids():
                raise
            raise DecisionError(i18n.text("decide.unknown", args.lang, id=args.request_id)) from None
        print(f"{args.request_id}: {status} by {args.by}")
    return EXIT_OK


def cmd_record(args: argparse.Namespace) -> int:
    """Register a publication made by hand (social media, a notice board) so reports count it."""
    from cms_bridge.thaidate import parse_thai_date

    with _bridge(args) as bridge:
        row = bridge.record_manual(group=args.group, channel=args.channel, title=args.title,
                                   published_on=parse_thai_date(args.date), recorded_by=args.by,
                                   request_id=args.request, note=args.note)
        if args.lang == "th":
            from cms_bridge.channels import CHANNEL_LABELS
            from cms_bridge.thaidate import format_thai_date

            channel, day = CHANNEL_LABELS[row.channel], format_thai_date(row.published_on, month="abbr")
        else:
            channel, day = row.channel, row.published_on.isoformat()
        print(i18n.text("record.done", args.lang, id=row.id, channel=channel, day=day, title=row.title))
    return EXIT_OK


def cmd_mappings(args: argparse.Namespace) -> int:
    """Compare the mappings with the live site, or create the category tree they want.

    check   missing categories; near-duplicates that differ only by spacing, HTML entities or
            Thai/Arabic digits; empty categories; categories outside the mappings that hold
            posts. One request; exit 1 when something needs fixing.
    apply   create every missing category of the mappings (and of --ita YEAR lists).
    """
    years: list[int] = args.ita
    with _bridge(args, needs_ledger=False) as bridge:  # the site only
        if args.action == "apply":
            print(bridge.mappings_apply(ita_years=years).summary())
            return EXIT_OK
        report = bridge.mappings_check(ita_years=years)
        if args.json:
            print(json.dumps(report.model_dump(mode="json"), ensure_ascii=False, indent=2))
        else:
            print(report.render_text())
        return EXIT_OK if report.ok else EXIT_PROBLEMS


def cmd_report(args: argparse.Namespace) -> int:
    """Write the six-monthly monitoring report (แบบรายงานผลการกำกับติดตามฯ) of one round.

    Counts what each group published in the round: requests the bridge published (withdrawn
    ones included), publications recorded with `cms-bridge record`, and posts people made in the
    group's categories on the site (one row each; one paged read of the round's posts). One file
    per group and format, laid out like the measure's form and signed by --signer (or [report]
    signer), plus an office-wide summary with a chart and its signature block when --all is
    given. Exits 2 when neither --group nor --all is given.
    """
    if not args.all and not args.group:
        raise ConfigError("give --group KEY (repeatable) or --all")
    problems: list[str] = []
    if args.problems:
        problems = [line.strip() for line in Path(args.problems).read_text(encoding="utf-8").splitlines() if line.strip()]
    with _bridge(args) as bridge:
        written = bridge.write_report(args.fiscal_year, args.round, Path(args.out),
                                      groups=None if args.all else args.group, formats=args.format or ["docx"],
                                      digits=args.digits, problems=problems, office_name=args.office,
                                      signer=args.signer, position=args.position, progress=_stage_printer())
    for path in written:
        print(path)
    return EXIT_OK


def cmd_migrate(args: argparse.Namespace) -> int:
    """One-off category migrations from a plan file (see docs/migrations.md and jobs/).

    plan FILE      print every change (counts and sample titles); change nothing
    apply FILE     make the changes, journaled in the ledger first; rerun after an interruption
                   to resume (no change is made twice)
    rollback RUN   undo what is still as the run left it (posts' categories, categories' names,
                   parents, deleted categories); edits made since are listed as conflicts and
                   kept, unless --force
    runs           list the runs in the ledger
    """
    if args.action != "runs" and not args.target:
        raise ConfigError(i18n.say("migrate.needs_run" if args.action == "rollback" else "migrate.needs_plan",
                                   action=args.action))
    if args.force and args.action != "rollback":
        raise ConfigError(i18n.say("migrate.force_rollback_only"))
    lang = args.lang
    with _bridge(args) as bridge:
        if args.action == "runs":
            for run in bridge.migrate_runs():
                print(f"{run.run_id}  {run.status:<11} {run.started_at}  {run.plan_name}")
            return EXIT_OK
        if args.action == "rollback":
            result = bridge.migrate_rollback(args.target, actor=args.actor, progress=_progress_bar(),
                                             force=args.force)
            print(i18n.text("migrate.undone", lang, run=args.target, n=result.undone))
            for conflict in result.conflicts:
                print(i18n.text("migrate.conflict", lang, conflict=i18n.reason(conflict, lang)))
            if result.conflicts:
                print(i18n.text("migrate.conflicts_left", lang, n=len(result.conflicts), run=args.target))
                return EXIT_PROBLEMS
            return EXIT_OK
        if args.action == "plan":
            _print_migration(bridge.migrate_plan(args.target))
            return EXIT_OK
        run_id = bridge.migrate_apply(args.target, actor=args.actor, progress=_progress_bar())
        print(i18n.text("migrate.done", lang, run=run_id))
        return EXIT_OK


def cmd_audit(args: argparse.Namespace) -> int:
    """Audit the site's media library for national ID numbers, and take chosen files down.

    scan           (default) read every file of an accepted type (PDF, DOCX, XLSX, PPTX,
                   JPG, PNG; scans and pictures by OCR) that is new or changed since the last
                   audit, and report every file with something to look at: masked findings
                   with their page and position, the posts and pages linking it, its address.
                   --json, --xlsx PATH (one row per finding, Thai headers). Exits 1 when an ID
                   number is found.
    plan           what `audit fix` would do for --file ID (repeatable) or --all-found
    fix            do it, journaled: linking posts and pages to draft (--to private), the file
                   kept in the file store and removed from its address; --masked-dir DIR
                   writes masked copies of DOCX and XLSX files. Rerun to resume a cut-off run.
    rollback RUN   put back what a fix run changed: the files, then each post's status,
                   unless a person changed it since (a conflict, kept unless --force)
    runs           list the fix runs
    """
    from cms_bridge.audit import Audit
    from cms_bridge.audit import fix, report

    quiet = args.json or not sys.stderr.isatty()
    with _bridge(args) as bridge:
        audit = Audit(bridge.cms, bridge.ledger, workers=args.workers, max_bytes=args.max_mb * 1024 * 1024,
                      actor=args.actor or "cms-bridge audit")
        if args.action == "runs":
            for run in fix.FixJournal(bridge.ledger).runs():
                print(f"{run.run_id}  {run.status:<11} {run.started_at}  to {run.to_status}  {run.actor}")
            return EXIT_OK
        if args.action == "rollback":
            if not args.target:
                raise ConfigError("audit rollback needs a run id (see `cms-bridge audit runs`)")
            lines, conflicts = fix.rollback_fix(audit, args.target, force=args.force,
                                                progress=_progress_bar(quiet=quiet))
            for line in lines:
                print(line)
            for conflict in conflicts:
                print(f"  conflict: {conflict}")
            print(f"run {args.target}: rolled back")
            if conflicts:
                print(f"{len(conflicts)} conflict(s) left as they are; "
                      f"`cms-bridge audit rollback {args.target} --force` sets them back anyway")
                return EXIT_PROBLEMS
            return EXIT_OK
        if args.action in ("plan", "fix"):
            running = fix.FixJournal(bridge.ledger).running() if args.action == "fix" else None
            plan = None if running else fix.plan_fix(audit, files=args.file or (), all_found=args.all_found,
                                                     to_status=args.to)
            if args.action == "plan":
                assert plan is not None
                for line in fix.describe(plan):
                    print(line)
                return EXIT_OK
            if running is not None:
                print(f"resuming run {running.run_id}, cut off before it finished (its own changes, not a new plan)")
            run_id, copies = fix.apply_fix(audit, plan, masked_dir=Path(args.masked_dir) if args.masked_dir else None,
                                           progress=_progress_bar(quiet=quiet))
            for line in copies:
                print(line)
            print(f"run {run_id}: done (undo with: cms-bridge audit rollback {run_id})")
            return EXIT_OK
        result = audit.scan(progress=_progress_bar(quiet=quiet), rescan=args.rescan)
    if args.xlsx:
        report.write_xlsx(result, Path(args.xlsx))
    if args.json:
        print(report.write_json(result))
    else:
        for line in report.text_lines(result, args.lang, all_files=args.all_files):
            print(line)
    return EXIT_PROBLEMS if any(row.verdict == "found" for row in result.rows) else EXIT_OK


def _print_migration(changes: list[Any]) -> None:
    from cms_bridge.categories.engine import describe

    for line in describe(changes):
        print(line)


def _bridge(args: argparse.Namespace, *, needs_ledger: bool = True) -> Any:
    from cms_bridge.bridge import Bridge

    config = load_config(args.config)
    if needs_ledger:
        _require_ledger(config, getattr(args, "lang", "en"))
    args.ledger_path = config.sync.ledger  # for a message, should the ledger's disk be full
    return Bridge(config, actor=getattr(args, "actor", None) or "cms-bridge")


def _require_ledger(config: Any, lang: i18n.Lang) -> None:
    """Refuse to work on a ledger whose place nobody chose (it would be made in the current folder).

    Raises:
        ConfigError: no configuration at all, or one without ``[sync] ledger``.
    """
    if "ledger" in config.sync.model_fields_set:
        return
    if config.source == "environment":
        message = i18n.text("ledger.no_config", lang)
    else:
        message = i18n.text("ledger.no_path", lang, source=config.source)
    here = Path(config.sync.ledger)
    if here.is_file():
        message += i18n.text("ledger.found_here", lang, path=here, absolute=here.resolve())
    raise ConfigError(message)


def _channel(text: str) -> str:
    """An argparse type: a channel by key or by the request form's Thai label."""
    import unicodedata

    from cms_bridge.channels import CHANNEL_LABELS

    word = unicodedata.normalize("NFC", text.strip())
    by_label = {label: key for key, label in CHANNEL_LABELS.items()}
    if word in CHANNELS:
        return word
    if word in by_label:
        return by_label[word]
    raise argparse.ArgumentTypeError(
        f"{text!r} is not a channel; use one of: " + ", ".join(f"{k} ({CHANNEL_LABELS[k]})" for k in CHANNELS))


def _be_year(text: str) -> int:
    """An argparse type: a Buddhist Era year (Thai digits too), refusing a Christian Era one."""
    try:
        year = int(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a year; give a Buddhist Era (BE) year, e.g. "
                                         f"{ce_to_be(2027)}") from None
    if year in CE_LOOKALIKE:
        raise argparse.ArgumentTypeError(f"{year} looks like a Christian Era (CE) year; years here are "
                                         f"Buddhist Era (BE) years: did you mean {ce_to_be(year)}?")
    if not BE_YEAR_MIN <= year <= BE_YEAR_MAX:
        raise argparse.ArgumentTypeError(f"{year} is not a plausible Buddhist Era (BE) year "
                                         f"(expected {BE_YEAR_MIN}-{BE_YEAR_MAX})")
    return year


def _as_of(args: argparse.Namespace, name: str = "as_of") -> Any:
    """A --as-of/--at value: ISO date-time (naive = Bangkok time) or a date (00:00 Bangkok)."""
    from datetime import datetime

    from cms_bridge.errors import ThaiDateError
    from cms_bridge.thaidate import parse_thai_date, start_of_day

    value = getattr(args, name, None)
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        try:
            return start_of_day(parse_thai_date(value))
        except ThaiDateError as exc:
            raise ConfigError(f"--{name.replace('_', '-')} {value!r}: {exc}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=OFFICE_TZ)


def cmd_desk(args: argparse.Namespace) -> int:
    """The office desk: the web front door in Thai (see docs/desk.md).

    serve                         run it (default 127.0.0.1:8600; behind a reverse proxy for others)
    users add NAME --role ROLE [--group G] --name "ชื่อ" [--position P] [--email A]
                                  create an account; the password is asked for (or read from
                                  stdin with --password-stdin) and never printed
    users list                    every account with its role and group
    users set-role NAME --role ROLE [--group G]
    users remove NAME
    Roles: clerk and group_director (of a group), committee, pr, ict_admin.
    """
    from cms_bridge.desk.setup import configure

    config = load_config(args.config)
    if args.desk_action == "serve":
        from cms_bridge.desk.server import serve

        print(f"cms-bridge desk: http://{args.host}:{args.port}/ (Ctrl-C to stop)", file=sys.stderr)
        serve(config, host=args.host, port=args.port)
        return EXIT_OK
    configure(config)
    from cms_bridge.desk import users

    action, name = args.users_action, args.username
    if action in ("add", "set-role", "remove") and not name:
        raise UsageError(f"desk users {action} needs the user name")
    if action == "add":
        if args.password_stdin:
            password = sys.stdin.readline().rstrip("\r\n")
        else:
            import getpass

            password = getpass.getpass(f"password for {name}: ")
            if getpass.getpass("again: ") != password:
                raise UsageError("the two passwords differ")
        account = users.add_user(config, name, role=args.role or "", group=args.group, full_name=args.name or "",
                                 position=args.position or "", password=password, email=args.email or "")
        print(f"added {account.username}: {account.role}" + (f" of {account.group}" if account.group else ""))
    elif action == "set-role":
        account = users.set_role(config, name, role=args.role or "", group=args.group)
        print(f"{account.username}: {account.role}" + (f" of {account.group}" if account.group else ""))
    elif action == "remove":
        users.remove_user(name)
        print(f"removed {name}")
    else:
        for account in users.list_users():
            print(f"{account.username}\t{account.role}\t{account.group or '-'}\t{account.full_name}"
                  + ("" if account.active else "\t(inactive)"))
    return EXIT_OK


def _progress_bar(*, quiet: bool = False) -> Any:
    # On a terminal only, on stderr: a pipe, a log file or --json (quiet) gets no progress.
    if quiet or not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
        width = 30
        filled = width * done // max(total, 1)
        print(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}", end="" if done < total else "\n",
              file=sys.stderr, flush=True)

    return show


def _stage_printer() -> Callable[[str], None] | None:
    # For a command whose long step has no count to show: its stages, on a terminal only.
    if not sys.stderr.isatty():
        return None
    return lambda stage: print(f"cms-bridge: {stage}…", file=sys.stderr, flush=True)


def _print_problems(problems: list[Any], lang: i18n.Lang) -> None:
    for problem in problems:
        print(i18n.problem_line(problem, lang), file=sys.stderr)


def _print_report(report: Any, as_json: bool, lang: i18n.Lang = "en", held: Sequence[Any] = ()) -> None:
    """A sync's or a plan's report; *held*: the inbox's requests left out (shown, never "nothing to do")."""
    if as_json:
        data = report.model_dump(mode="json")
        data["held"] = [h.model_dump(mode="json") for h in held]
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return
    if not report.actions and not held:
        print(i18n.text("plan.nothing", lang, when=i18n.when(report.as_of, lang)))
    for a in report.actions:
        mark = i18n.text("plan.failed_mark", lang) if a.error and a.kind != "blocked" else ""
        line = i18n.text("plan.action", lang, mark=mark, id=a.request_id, kind=i18n.label(a.kind, lang),
                         detail=i18n.detail(a.detail, lang))
        print(line + (i18n.text("plan.post", lang, post=a.post_id) if a.post_id else "")
              + (f": {a.error}" if a.error else ""))
    if report.actions:
        verb = i18n.text("plan.would" if report.dry_run else "plan.did", lang)
        changes = [a for a in report.actions if a.kind != "wait"]  # a wait changes nothing
        print(i18n.text("plan.summary", lang, n=len(changes), verb=verb, failed=len(report.failed)))
    if held:
        print(i18n.text("plan.held", lang, n=len(held)))
        for item in held:
            print(f"  {item.request_id or '?'}: {i18n.label(item.held, lang)}: {item.source}")
            for reason in item.reasons:
                print(f"    {i18n.reason(reason, lang)}")


class _JsonFormatter(logging.Formatter):
    _STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}

    def format(self, record: logging.LogRecord) -> str:
        line = {"time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"), "level": record.levelname,
                "logger": record.name, "message": record.getMessage()}
        line.update({k: v for k, v in vars(record).items() if k not in self._STANDARD})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def _setup_logging(level: str, fmt: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_JsonFormatter() if fmt == "json"
                         else logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("cms_bridge")
    root.handlers[:] = [handler]
    root.setLevel(level)


class _Parser(argparse.ArgumentParser):
    """argparse, with its errors raised as :class:`UsageError` so ``main`` prints them as one line."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see: {self.prog} --help)")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, with one sub-parser per command."""
    parser = _Parser(
        prog="cms-bridge",
        description="Publish approved public-disclosure requests to a WordPress site, on schedule.",
    )
    parser.add_argument("--version", action="version", version=f"cms-bridge {__version__}")
    parser.add_argument(
        "--config",
        metavar="PATH",
        help="configuration file (default: $CMS_BRIDGE_CONFIG, else ./cms-bridge.toml)",
    )
    parser.add_argument("--log-level", default="WARNING", choices=["DEBUG", "INFO", "WARNING", "ERROR"],
                        help="log verbosity on stderr (default WARNING; the daemon logs at INFO)")
    parser.add_argument("--log-format", default="text", choices=["text", "json"],
                        help="json: one JSON object per line, for log collectors")
    parser.add_argument("--lang", choices=list(i18n.LANGUAGES),
                        help="language of messages and labels: th (Thai, BE dates) or en; default: the "
                             "locale (LANG=th_TH.UTF-8 gives Thai), else English")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    check = _add(commands, "check", cmd_check)
    check.add_argument("--json", action="store_true", help="print the report as JSON")
    check.add_argument("--probe-uploads", action="store_true",
                       help="upload and delete one tiny file per attachment type")
    validate = _add(commands, "validate", cmd_validate)
    validate.add_argument("paths", nargs="+", metavar="PATH", help="folder, .toml request, .csv or .xlsx")
    validate.add_argument("--json", action="store_true", help="print the problems as JSON")
    _add(commands, "inspect", cmd_inspect).add_argument("files", nargs="+", metavar="FILE")
    template = _add(commands, "template", cmd_template)
    template.add_argument("out", metavar="OUT", help="the file to write (e.g. requests.xlsx)")
    template.add_argument("--format", choices=["xlsx", "csv"], help="default: from OUT's suffix, else xlsx")
    _add(commands, "schema", cmd_schema)
    sync = _add(commands, "sync", cmd_sync)
    sync.add_argument("--dry-run", action="store_true", help="plan only: change nothing")
    sync.add_argument("--as-of", metavar="DATETIME", help="reconcile for this time (ISO; naive = Bangkok)")
    sync.add_argument("--json", action="store_true", help="print the report as JSON")
    plan = _add(commands, "plan", cmd_plan)
    plan.add_argument("--as-of", metavar="DATETIME", help="plan for this time (ISO; naive = Bangkok)")
    plan.add_argument("--json", action="store_true", help="print the plan as JSON")
    status = _add(commands, "status", cmd_status)
    status.add_argument("--as-of", metavar="DATETIME", help="desired state at this time")
    status.add_argument("--json", action="store_true", help="print JSON")
    _add(commands, "daemon", cmd_daemon)
    decide = _add(commands, "decide", cmd_decide)
    decide.add_argument("request_id", metavar="REQUEST_ID")
    choice = decide.add_mutually_exclusive_group(required=True)
    choice.add_argument("--approve", action="store_true", help="อนุญาตให้เผยแพร่")
    choice.add_argument("--reject", action="store_true", help="ไม่อนุญาตให้เผยแพร่")
    choice.add_argument("--pending", action="store_true", help="back to pending (revokes an approval)")
    decide.add_argument("--by", required=True, help="who decided (name)")
    decide.add_argument("--position", help="their position")
    decide.add_argument("--at", metavar="DATETIME", help="when (default now)")
    decide.add_argument("--note", help="a note")
    record = _add(commands, "record", cmd_record)
    record.add_argument("--group", required=True, help="group key or Thai name")
    record.add_argument("--channel", required=True, type=_channel, metavar="CHANNEL",
                        help="website, social or board, or the form's Thai words (เว็บไซต์, สื่อสังคมออนไลน์, "
                             "บอร์ด/ป้ายประชาสัมพันธ์)")
    record.add_argument("--title", required=True, help="what was published")
    record.add_argument("--date", required=True, help="the day (e.g. 24 พ.ย. 2569 or 2026-11-24)")
    record.add_argument("--by", required=True, help="who records it")
    record.add_argument("--request", metavar="REQUEST_ID", help="the request it fulfils")
    record.add_argument("--note", help="the outcome or benefit (ผลลัพธ์หรือประโยชน์), shown in the report's last "
                        "column; also where exactly, reach")
    report = _add(commands, "report", cmd_report)
    report.add_argument("--fiscal-year", type=_be_year, required=True, metavar="YEAR", help="BE year, e.g. 2567")
    report.add_argument("--round", type=int, choices=[1, 2], required=True,
                        help="1 = 1 Oct-31 Mar, 2 = 1 Apr-30 Sep")
    who = report.add_mutually_exclusive_group()
    who.add_argument("--group", action="append", metavar="KEY", help="a group key or Thai name (repeatable)")
    who.add_argument("--all", action="store_true", help="every group, plus the office-wide summary")
    report.add_argument("--format", action="append", choices=["docx", "xlsx", "csv", "json"],
                        help="repeatable; default docx")
    report.add_argument("--digits", choices=["thai", "arabic"], default="thai", help="numbers and dates (default thai)")
    report.add_argument("--problems", metavar="FILE", help="text for section 3 (one line each); default ruled lines")
    report.add_argument("--out", default=".", metavar="DIR", help="folder to write to (default .)")
    report.add_argument("--office", metavar="NAME", help="the office's name as the second title line "
                        "(default [office] name)")
    report.add_argument("--signer", metavar="NAME", help="who signs (default [report] signer; dotted lines if unset)")
    report.add_argument("--position", metavar="TEXT", help="the signer's position (default [report] position)")
    mappings = _add(commands, "mappings", cmd_mappings)
    mappings.add_argument("action", choices=["check", "apply"])
    mappings.add_argument("--ita", action="append", default=[], type=_be_year, metavar="YEAR",
                          help="also the ITA item list of this BE year (repeatable)")
    mappings.add_argument("--json", action="store_true", help="print the report as JSON")
    migrate = _add(commands, "migrate", cmd_migrate)
    migrate.add_argument("action", choices=["plan", "apply", "rollback", "runs"])
    migrate.add_argument("target", nargs="?", metavar="FILE|RUN", help="plan file, or run id for rollback")
    migrate.add_argument("--actor", help="who runs it (recorded in the journal)")
    migrate.add_argument("--force", action="store_true",
                         help="rollback: also undo changes edited on the site since the run (the edits are lost)")
    audit = _add(commands, "audit", cmd_audit)
    audit.add_argument("action", nargs="?", default="scan", choices=["scan", "plan", "fix", "rollback", "runs"])
    audit.add_argument("target", nargs="?", metavar="RUN", help="the run id, for rollback")
    audit.add_argument("--json", action="store_true", help="scan: print the report as JSON")
    audit.add_argument("--xlsx", metavar="PATH", help="scan: also write the committee's workbook")
    audit.add_argument("--all-files", action="store_true", help="scan: list clean files, phones and e-mails too")
    audit.add_argument("--rescan", action="store_true", help="scan: read every file again, whatever is remembered")
    audit.add_argument("--workers", type=int, default=4, help="files downloaded and scanned at a time (default 4)")
    audit.add_argument("--max-mb", type=int, default=200, help="files larger than this are not read (default 200)")
    audit.add_argument("--file", type=int, action="append", metavar="ID", help="plan/fix: a file by attachment id")
    audit.add_argument("--all-found", action="store_true", help="plan/fix: every file with an ID number found")
    audit.add_argument("--to", choices=["draft", "private"], default="draft",
                       help="plan/fix: what linking posts and pages become (default draft)")
    audit.add_argument("--masked-dir", metavar="DIR", help="fix: write masked copies of DOCX and XLSX files here")
    audit.add_argument("--actor", help="who runs it (recorded in the journal)")
    audit.add_argument("--force", action="store_true",
                       help="rollback: also set back posts and pages edited since the fix (the edits are lost)")
    desk = _add(commands, "desk", cmd_desk)
    desk_actions = desk.add_subparsers(dest="desk_action", metavar="serve|users", required=True)
    desk_serve = desk_actions.add_parser("serve", help="run the desk")
    desk_serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    desk_serve.add_argument("--port", type=int, default=8600, help="port (default 8600)")
    desk_users = desk_actions.add_parser("users", help="manage the desk's accounts")
    desk_users.add_argument("users_action", choices=["add", "list", "set-role", "remove"])
    desk_users.add_argument("username", nargs="?", metavar="NAME")
    desk_users.add_argument("--role", choices=["clerk", "group_director", "committee", "pr", "ict_admin"])
    desk_users.add_argument("--group", help="group key or Thai name (clerk, group_director)")
    desk_users.add_argument("--name", help="the person's name as signed on the memo")
    desk_users.add_argument("--position", help="their position")
    desk_users.add_argument("--email", help="where the desk tells them what waits for them (with [desk] smtp_host)")
    desk_users.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    return parser


def _add(commands: argparse._SubParsersAction[_Parser], name: str, func: Command) -> argparse.ArgumentParser:
    doc = (func.__doc__ or "").strip()
    sub = commands.add_parser(
        name, help=doc.splitlines()[0], description=doc, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub.set_defaults(func=func)
    return sub


#: Errors that mean the command line or the configuration (mappings included) must change: exit 2.
_USAGE_ERRORS = (UsageError, ConfigError, MappingError, ThaiDateError)


class _MaskedOutput(io.TextIOBase):
    """A text stream that writes to another with every national ID number masked.

    Findings and problems are masked where they are made; this is the last line for whatever
    else a command prints (a folder or title named with an ID number in a status line, a JSON
    dump of an origin, a library's error): nothing the command line writes carries one whole.
    """

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        self.stream.write(mask_id_numbers(text) if any(ch.isdigit() for ch in text) else text)
        return len(text)

    def flush(self) -> None:
        self.stream.flush()

    def isatty(self) -> bool:
        return self.stream.isatty()

    @property
    def encoding(self) -> str:  # type: ignore[override]  # io.TextIOBase declares it read-only
        return str(getattr(self.stream, "encoding", "utf-8"))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _MaskedOutput(out), _MaskedOutput(err)
    try:
        code = _main(argv)
        sys.stdout.flush()  # inside the try: a reader gone away shows here for buffered output
    except BrokenPipeError:
        return _output_cut_short()
    finally:
        sys.stdout, sys.stderr = out, err
    return code


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    words = list(sys.argv[1:] if argv is None else argv)
    asked = next((words[i + 1] for i, w in enumerate(words[:-1]) if w == "--lang"), None)
    lang = i18n.choose_language(next((w.split("=", 1)[1] for w in words if w.startswith("--lang=")), asked))
    try:
        args = parser.parse_args(argv)
    except UsageError as exc:  # a mistyped command line: one line, exit 2, like any usage error
        print(i18n.text("error", lang, message=i18n.reason(str(exc), lang)), file=sys.stderr)
        return EXIT_CONFIG
    args.lang = lang = i18n.choose_language(args.lang)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_CONFIG
    level = "INFO" if args.command == "daemon" and args.log_level == "WARNING" else args.log_level
    _setup_logging(level, args.log_format)
    try:
        func: Command = args.func
        return func(args)
    except CmsBridgeError as exc:
        print(i18n.text("error", lang, message=i18n.reason(str(exc), lang)), file=sys.stderr)
        return EXIT_CONFIG if isinstance(exc, _USAGE_ERRORS) else EXIT_PROBLEMS
    except BrokenPipeError:
        raise
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            print(f"cms-bridge: error: {_disk_full(args, exc.filename)}", file=sys.stderr)
            return EXIT_PROBLEMS
        # A file named on the command line (--problems, --out, ...) that cannot be read or written.
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"cms-bridge: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return EXIT_PROBLEMS
    except sqlite3.OperationalError as exc:
        if getattr(exc, "sqlite_errorcode", None) != sqlite3.SQLITE_FULL and "disk is full" not in str(exc):
            raise
        print(f"cms-bridge: error: {_disk_full(args, None, ledger=True)}", file=sys.stderr)
        return EXIT_PROBLEMS
    except KeyboardInterrupt:
        print(i18n.text("interrupted", lang), file=sys.stderr)
        return 130


def _disk_full(args: argparse.Namespace, filename: str | bytes | None, *, ledger: bool = False) -> str:
    """The message for a full disk: where, that nothing was lost, and what to do."""
    ledger_path = getattr(args, "ledger_path", None)
    if ledger and ledger_path is not None:
        return (f"the disk is full: the ledger {ledger_path} cannot be written; nothing was lost: the "
                "change was not recorded and the ledger is as it was before (SQLite undid the unfinished "
                "write). Free some space on that disk and run the command again: it carries on from there")
    if args.command == "report":
        where = Path(os.fsdecode(filename)).parent if filename else Path(args.out)
        return (f"the disk is full: cannot write the report in {where}; nothing was lost: the ledger and "
                "the site are unchanged, and each report file is written under a temporary name first, so "
                "no file is left half-written. Free some space on that disk and run it again")
    what = os.fsdecode(filename) if filename else "a file"
    return (f"the disk is full: cannot write {what}; nothing was lost: the ledger and the site are as "
            "they were. Free some space on that disk and run the command again")


def _output_cut_short() -> int:
    # The reader of stdout went away (`| head`). Stop quietly: point stdout at /dev/null so the
    # interpreter's last flush at exit has nowhere to fail, and say so with the exit code only.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass  # stdout is not a real file (tests); nothing will flush it at exit
    return EXIT_BROKEN_PIPE
