"""The ``cms-bridge`` command: a thin layer over the library.

Each command builds the library object from the configuration and calls one function; its
docstring is its ``--help``. Errors the library raises on purpose become one clear message on
stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence

from cms_bridge import __version__
from cms_bridge.config import load_config
from cms_bridge.errors import CmsBridgeError, ConfigError

#: Exit codes: 0 success, 1 the job ran and found problems, 2 usage or configuration error.
EXIT_OK, EXIT_PROBLEMS, EXIT_CONFIG = 0, 1, 2

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
    from cms_bridge.check import as_json, render_text, run_check

    report = run_check(load_config(args.config), probe_uploads=args.probe_uploads)
    if args.json:
        print(json.dumps(as_json(report), ensure_ascii=False, indent=2))
    else:
        print(render_text(report))
    return EXIT_OK if report.usable else EXIT_PROBLEMS


def cmd_validate(args: argparse.Namespace) -> int:
    """Check request files and exports, reporting every problem at once.

    PATH may be a folder (searched for *.toml request files), a request file, or a CSV/XLSX
    export. Each problem names the file (and row), the field with the form's Thai label, and what
    to do. Attachments are inspected (type from content, size, pages) and scanned for Thai
    national ID numbers. Exits 1 when there is any error; warnings alone exit 0.
    """
    from cms_bridge.intake import load_requests
    from cms_bridge.mappings import load_mappings

    config = load_config(args.config)
    mappings = load_mappings(override_dir=config.office.mappings_dir)
    report = load_requests(args.paths, mappings=mappings, settings=config.intake)
    if args.json:
        print(json.dumps({"valid": [r.request.request_id for r in report.requests],
                          "problems": [p.model_dump() | {"label": p.label} for p in report.problems]},
                         ensure_ascii=False, indent=2))
    else:
        for problem in report.problems:
            print(problem)
        errors = sum(p.severity == "error" for p in report.problems)
        print(f"{len(report.requests)} valid request(s), {errors} error(s), "
              f"{len(report.problems) - errors} warning(s)")
    return EXIT_OK if report.ok else EXIT_PROBLEMS


def cmd_inspect(args: argparse.Namespace) -> int:
    """Describe an attachment: type (from its content), size, sha256, pages, ID-number findings.

    Exits 1 when the file cannot be used as an attachment or contains a Thai national ID number.
    """
    from cms_bridge.attachments import AttachmentError, inspect_attachment
    from cms_bridge.idguard import scan_file

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
    from cms_bridge.publication import PublicationRequest

    print(json.dumps(PublicationRequest.model_json_schema(), ensure_ascii=False, indent=2))
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, with one sub-parser per command."""
    parser = argparse.ArgumentParser(
        prog="cms-bridge",
        description="Publish approved public-disclosure requests to a WordPress site, on schedule.",
    )
    parser.add_argument("--version", action="version", version=f"cms-bridge {__version__}")
    parser.add_argument(
        "--config",
        metavar="PATH",
        help="configuration file (default: $CMS_BRIDGE_CONFIG, else ./cms-bridge.toml)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    check = _add(commands, "check", cmd_check)
    check.add_argument("--json", action="store_true", help="print the report as JSON")
    check.add_argument("--probe-uploads", action="store_true",
                       help="upload and delete one tiny file per attachment type")
    validate = _add(commands, "validate", cmd_validate)
    validate.add_argument("paths", nargs="+", metavar="PATH", help="folder, .toml request, .csv or .xlsx")
    validate.add_argument("--json", action="store_true", help="print the problems as JSON")
    _add(commands, "inspect", cmd_inspect).add_argument("files", nargs="+", metavar="FILE")
    _add(commands, "schema", cmd_schema)
    return parser


def _add(commands: argparse._SubParsersAction, name: str, func: Command) -> argparse.ArgumentParser:
    doc = (func.__doc__ or "").strip()
    sub = commands.add_parser(
        name, help=doc.splitlines()[0], description=doc, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub.set_defaults(func=func)
    return sub


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_CONFIG
    try:
        return args.func(args)
    except CmsBridgeError as exc:
        print(f"cms-bridge: error: {exc}", file=sys.stderr)
        return EXIT_CONFIG if isinstance(exc, ConfigError) else EXIT_PROBLEMS
    except KeyboardInterrupt:
        print("cms-bridge: interrupted", file=sys.stderr)
        return 130
