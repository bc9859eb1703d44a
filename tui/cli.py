"""The `lictree` command: the UI, and the headless `check`, `export` and `rules` for CI."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from importlib import resources

from tui import __version__

SUBCOMMANDS = ("check", "export", "rules")
EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


def demo_tree() -> str:
    """The small kernel-like sample tree shipped inside the package."""
    return str(resources.files("tui") / "demo" / "linux-demo")


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr and exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def _add_tree_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", nargs="?", help="the source tree (default: the current directory)")
    parser.add_argument("--demo", action="store_true", help="use the sample tree shipped with lictree")
    parser.add_argument("--no-cache", action="store_true", help="ignore and do not write the verdict cache")


def _add_rule_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--select", metavar="IDS", help="only these rule ids (comma-separated prefixes)")
    parser.add_argument("--ignore", metavar="IDS", help="leave out these rule ids (comma-separated prefixes)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="lictree", description="A Linux kernel source tree, by SPDX license.")
    parser.add_argument("--version", action="version", version=f"lictree {__version__}")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    check = sub.add_parser("check", help="check a tree's license tags (for CI)")
    _add_tree_args(check)
    check.add_argument("--format", choices=("text", "json", "sarif"), default="text")
    check.add_argument("--fail-on", choices=("error", "warning", "never"), default="error",
                       help="exit 1 when a finding of this severity (or worse) remains (default: error)")
    check.add_argument("--watch", action="store_true", help="re-print findings as files change")
    _add_rule_args(check)

    export = sub.add_parser("export", help="write the summary and files of a tree to a report")
    _add_tree_args(export)
    export.add_argument("--format", default="json", help="json, csv, md, html, spdx-json, spdx-tv, sarif")
    export.add_argument("-o", "--output", required=True, metavar="FILE", help="where to write ('-' for stdout)")
    _add_rule_args(export)

    sub.add_parser("rules", help="list every rule with its id, severity and description")
    return parser


def build_ui_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="lictree", description="Open a Linux kernel source tree, coloured by SPDX license.",
                     epilog="Headless commands: lictree check|export|rules --help")
    parser.add_argument("--version", action="version", version=f"lictree {__version__}")
    _add_tree_args(parser)
    parser.add_argument("--theme", help="colour theme (see themes/)")
    parser.add_argument("--no-watch", action="store_true", help="do not follow edits on disk")
    parser.add_argument("--screenshot", metavar="FILE.svg", help="write an SVG screenshot once indexed, then exit")
    return parser


def _tree_path(args: argparse.Namespace) -> str:
    if args.demo:
        return demo_tree()
    return args.path or os.getcwd()


def _fail(message: str) -> int:
    from tui.core.report import printable

    print(f"lictree: {printable(message)}", file=sys.stderr)
    return EXIT_USAGE


def _tolerant_output() -> None:
    """Names the terminal's encoding cannot show come out as escapes instead of a UnicodeEncodeError."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    _tolerant_output()
    try:
        if argv and argv[0] in SUBCOMMANDS:
            args = build_parser().parse_args(argv)
            return {"check": run_check, "export": run_export, "rules": run_rules}[args.command](args)
        return run_ui(build_ui_parser().parse_args(argv))
    except KeyboardInterrupt:
        print("lictree: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # Output piped into `head`: stop quietly, and keep Python from complaining at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


def _finding_filter(args: argparse.Namespace):  # noqa: ANN202 - FindingFilter, imported lazily
    from tui.core.report import FindingFilter
    from tui.core.rules import parse_rule_ids

    return FindingFilter(parse_rule_ids(args.select), parse_rule_ids(args.ignore))


def run_check(args: argparse.Namespace) -> int:
    from tui.core.index import TreeError, build_index
    from tui.core.report import check_json, fails, format_text

    try:
        keep = _finding_filter(args)
    except ValueError as exc:
        return _fail(str(exc))
    root = _tree_path(args)
    try:
        index = build_index(root, use_cache=not args.no_cache)
    except TreeError as exc:
        return _fail(str(exc))
    if args.format == "json":
        json.dump(check_json(index, keep), sys.stdout, indent=1)
        sys.stdout.write("\n")
    elif args.format == "sarif":
        try:
            from tui.core.export import sarif_document
        except ImportError:
            return _fail("SARIF output is not available in this version")
        json.dump(sarif_document(index, keep), sys.stdout, indent=1)
        sys.stdout.write("\n")
    else:
        sys.stdout.writelines(line + "\n" for line in format_text(index, keep))
    sys.stdout.flush()
    return EXIT_FINDINGS if fails(index, keep, args.fail_on) else EXIT_OK


def run_export(args: argparse.Namespace) -> int:
    try:
        from tui.core import export
    except ImportError:
        return _fail("export is not available in this version")
    from tui.core.index import TreeError, build_index

    try:
        keep = _finding_filter(args)
    except ValueError as exc:
        return _fail(str(exc))
    try:
        index = build_index(_tree_path(args), use_cache=not args.no_cache)
        export.write(index, args.format, args.output, keep)
    except TreeError as exc:
        return _fail(str(exc))
    except export.ExportError as exc:
        return _fail(str(exc))
    return EXIT_OK


def run_rules(args: argparse.Namespace) -> int:
    from tui.core.rules import RULES

    width = max(len(rule.name) for rule in RULES.values())
    for rule in sorted(RULES.values(), key=lambda r: r.id):
        print(f"{rule.id}  {rule.severity:<7}  {rule.name:<{width}}  {rule.summary}")
        print(f"{'':{len(rule.id) + 2}}{'':<7}  {'':<{width}}  see {rule.reference}")
    return EXIT_OK


def run_ui(args: argparse.Namespace) -> int:
    try:
        from tui.ui.app import run_app
    except ImportError:
        return _fail("the terminal UI is not part of this version yet: use `lictree check`")
    return run_app(args, _tree_path(args))


if __name__ == "__main__":
    raise SystemExit(main())
