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
