"""The `lictree` command: the UI, the headless `check`, `export`, `rules`, `suggest` and `diff`, and `serve`."""

from __future__ import annotations

import argparse
import functools
import json
import os
import sys
import time
from collections.abc import Sequence

from tui import __version__

SUBCOMMANDS = ("check", "export", "rules", "suggest", "diff", "serve")
EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


def demo_tree() -> str:
    """The small kernel-like sample tree shipped inside the package."""
    from importlib import resources  # (only here: ~5 ms of every command's start otherwise)

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
    export.add_argument("--filter", metavar="QUERY", help="only the files matching QUERY ('license:MIT path:drivers')")
    _add_rule_args(export)

    rules = sub.add_parser("rules", help="list every rule with its id, severity and description")
    rules.add_argument("--format", choices=("text", "json"), default="text")
    rules.add_argument("--select", metavar="IDS", help="only these rule ids (comma-separated prefixes)")

    suggest = sub.add_parser("suggest", help="write a patch adding the tag each untagged file's notice grants")
    _add_tree_args(suggest)
    suggest.add_argument("-o", "--output", default="-", metavar="FILE", help="where to write (default '-': stdout)")
    suggest.add_argument("--min-score", type=int, default=90, metavar="N",
                         help="only notices matched with at least this score, 0-100 (default: 90)")
    diff = sub.add_parser("diff", help="what changed in the licensing between two trees or git revisions")
    diff.add_argument("old", help="a directory, or a revision of --repo")
    diff.add_argument("new", help="a directory, or a revision of --repo")
    diff.add_argument("--repo", metavar="PATH", help="the git repository of the revisions (default: the current one)")
    diff.add_argument("--format", choices=("text", "json", "md", "html", "csv"), default="text")
    diff.add_argument("--fail-on", choices=("license-change", "new-license", "untagged", "never"), default="never",
                      help="exit 1 when the diff has one (default: never)")
    diff.add_argument("-o", "--output", default="-", metavar="FILE", help="where to write (default '-': stdout)")
    diff.add_argument("--no-cache", action="store_true", help="ignore and do not write the verdict cache")

    serve = sub.add_parser("serve", help="the UI in web browsers, one app a connection (docs/serve.md)")
    _add_tree_args(serve)
    serve.add_argument("--diff", nargs="+", metavar="REV", help="comparison mode: OLD [NEW], as `lictree --diff`")
    serve.add_argument("--repo", metavar="PATH", help="with --diff: the repository of the revisions")
    serve.add_argument("--theme", help="colour theme (see themes/)")
    serve.add_argument("--no-watch", action="store_true", help="do not follow edits on disk")
    serve.add_argument("--host", default="127.0.0.1",
                       help="the address to listen on (default 127.0.0.1: this machine only)")
    serve.add_argument("--port", type=_port, default=8000, help="the port (default 8000; 0: any free port)")
    serve.add_argument("--token", metavar="VALUE", help="the token every request must carry (default: a random one)")
    return parser


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"not a port number (0-65535): {text!r}")
    return port


def build_ui_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="lictree", description="Open a Linux kernel source tree, coloured by SPDX license.",
                     epilog="Other commands: lictree check|export|rules|suggest|diff|serve --help")
    parser.add_argument("--version", action="version", version=f"lictree {__version__}")
    _add_tree_args(parser)
    parser.add_argument("--theme", help="colour theme (see themes/)")
    parser.add_argument("--no-watch", action="store_true", help="do not follow edits on disk")
    parser.add_argument("--screenshot", metavar="FILE.svg", help="write an SVG screenshot once indexed, then exit")
    parser.add_argument("--diff", nargs="+", metavar="REV", help="comparison mode: OLD NEW (directories or "
                        "revisions), or REV against the working tree (docs/diff.md)")
    parser.add_argument("--repo", metavar="PATH", help="with --diff: the repository of the revisions")
    return parser


def _tree_path(args: argparse.Namespace) -> str:
    if args.demo:
        return demo_tree()
    return args.path or os.getcwd()


def _tree_place(args: argparse.Namespace):  # noqa: ANN202 - tree.TreePlace, imported lazily
    """The tree the given path belongs to and the path within it (``tree.find_tree``): a path inside
    a kernel tree is checked as part of it."""
    from tui.core.tree import find_tree

    return find_tree(_tree_path(args))


def notice_progress(what: str, done: int, total: int) -> None:
    """Say on stderr how the licence-notice rule index is built (the first run with a version of the rule
    data: seconds), at most every tenth of the way."""
    step = max(1, total // 10)
    if done == 0 or done >= total or done % step == 0:
        print(f"lictree: building the licence-notice rule index (once per data version): {what} {done}/{total}",
              file=sys.stderr, flush=True)


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
            return {"check": run_check, "export": run_export, "rules": run_rules,
                    "suggest": run_suggest, "diff": run_diff, "serve": run_serve}[args.command](args)
        return run_ui(build_ui_parser().parse_args(argv))
    except KeyboardInterrupt:
        print("lictree: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # Output piped into `head`: stop quietly, and keep Python from complaining at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


def _finding_filter(args: argparse.Namespace):  # noqa: ANN202 - FindingFilter, imported lazily
    from tui.core.counting import FindingFilter
    from tui.core.rules import parse_rule_ids

    return FindingFilter(parse_rule_ids(args.select), parse_rule_ids(args.ignore))


def _cached(root: str) -> bool:
    """Whether lictree's cache holds an index of *root* (a cold scan otherwise)."""
    from tui.core.cache import cache_path

    path = cache_path(os.path.abspath(root))
    return path is not None and os.path.exists(path)


def _listing_hint(root: str):  # noqa: ANN202 - scan.ListingHint | None, imported lazily
    """What the cache remembers of the tree's git index (called while git already runs)."""
    from tui.core.cache import load_listing_hint

    return load_listing_hint(root)


def _given(value: object) -> object:
    return value


def run_check(args: argparse.Namespace) -> int:
    from tui.core import collector_paused

    # A run of a second or two makes next to no cyclic garbage: without the collector, it never walks the
    # rule index and the kernel's index (some 60 times, ~20 ms). Not for --watch, which runs for hours.
    with collector_paused(not args.watch):  # (where entry leaves with os._exit, it is off already: see there)
        return _run_check(args)


def _run_check(args: argparse.Namespace) -> int:
    from tui.core.scan import start_listing

    root, scope, _found = _tree_place(args)
    started_at = time.time()
    # git starts listing the tree while the rest of lictree is imported.
    hint = None if args.no_cache else functools.partial(_listing_hint, root)
    # With no cache to trust, every file is read: the readers tell the files git would find edited by the stat of
    # each file they open, rather than git stat'ing every one (``git diff-files``) beforehand.
    cold = not args.watch and not scope and (args.no_cache or not _cached(root))
    started = start_listing(root, hint, scope, edits_by_readers=cold) if os.path.isdir(root) else None

    from tui.core.kept import context_stamp, output_key, reaches

    # Every format's report is kept with the cache, for as long as the tree is unchanged.
    keeping = started is not None and not args.no_cache and not args.watch and not scope
    key = output_key("check", args.format, os.path.abspath(root), args.select, args.ignore) if keeping else ""
    stamp = context_stamp(os.path.abspath(root)) if keeping else ""
    if keeping:
        # The tree unchanged since this report was kept, and what its Context is made of too: print it, without
        # the Context, the rules or the index (the light modules of ``kept`` and ``cache`` alone).
        from tui.core.cache import load_output

        kept = load_output(os.path.abspath(root), None, key, stamp)
        if kept is not None:
            listing = started()
            text, severities = kept[1]
            if listing.signature == kept[0]:
                if kept[2] is not None:  # JSON or SARIF: its bytes go from the kept file to stdout
                    kept[2].write_to(sys.stdout)
                else:
                    _write_kept(text)
                return EXIT_FINDINGS if reaches(severities, args.fail_on) else EXIT_OK
            if kept[2] is not None:
                kept[2].close()
            started = functools.partial(_given, listing)
    try:
        keep = _finding_filter(args)
    except ValueError as exc:
        return _fail(str(exc))
    context = None
    if keeping:
        from tui.core.evaluate import Context

        context = Context(os.path.abspath(root))  # what build_index's check_root makes of it
    # Not needed to print a kept report: imported only now.
    from tui.core.build import build_index
    from tui.core.export import check_report
    from tui.core.tree import TreeError

    listed = _Listed(started)
    chunk_report = None
    if args.format == "json" and not args.watch:  # a cold scan's readers make the report's lines as they read
        from tui.core.report import FilesJson

        chunk_report = FilesJson(keep)
    elif args.format == "sarif" and not args.watch:
        from tui.core.export import SarifResults

        chunk_report = SarifResults(keep)
    try:
        index = build_index(root, use_cache=not args.no_cache, listing=listed if started else None, context=context,
                            scope=scope, notice_progress=notice_progress, save_meanwhile=not args.watch,
                            chunk_report=chunk_report)
    except TreeError as exc:
        return _fail(str(exc))
    if args.watch:
        from tui.core.watch import WATCH_SLACK

        return watch_check(index, keep, args.fail_on, started_at - WATCH_SLACK)
    text, severities = check_report(index, keep, args.format, joined=False)
    _leave(index, text)
    saving = None
    if keeping and listed.signature:
        from tui.core.cache import save_output
        from tui.core.report import meanwhile

        # JSON and SARIF are ASCII bytes (every other character escaped), kept and written as they are (by a
        # child process while this one prints, for a large tree).
        parts = text if isinstance(text, list) else ()
        saving = meanwhile(functools.partial(save_output, index.root, index.ctx.fingerprint, listed.signature, key,
                                             (None if parts else text, severities), raw=parts, stamp=stamp),
                           len(index.paths))
    _write_kept(text)
    if saving is not None:
        saving()
    index.saved()
    return EXIT_FINDINGS if reaches(severities, args.fail_on) else EXIT_OK


#: What a headless command made, kept until ``entry`` leaves with ``os._exit``, which frees it at once (``_leave``).
_LEFT_TO_EXIT: list[object] = []
#: [True] while ``entry`` runs a command it leaves with ``os._exit`` (a test calling ``main`` frees what it made).
_LEAVING: list[bool] = [False]


def _leave(*made: object) -> None:
    """Keep *made* (a kernel's index: millions of objects) for ``os._exit`` to free at once, rather than have it
    torn down object by object as the command returns (~15 ms), where ``entry`` leaves that way."""
    if _LEAVING[0]:
        _LEFT_TO_EXIT.extend(made)


def _write_kept(text: str | bytes | list[bytes]) -> None:
    """Print a report: text through stdout's encoding, ASCII bytes (or a list of their parts) straight to its
    buffer."""
    buffer = getattr(sys.stdout, "buffer", None)
    if isinstance(text, bytes):
        text = [text]
    if isinstance(text, list):
        if buffer is None:
            text = b"".join(text).decode("ascii")
        else:
            sys.stdout.flush()
            for part in text:
                buffer.write(part)
            buffer.flush()
            return
    sys.stdout.write(text)
    sys.stdout.flush()


class _Listed:
    """A started listing (``scan.start_listing``) that remembers what it listed, for its signature once
    the index is built: building may still drop it ("" when git failed and the tree was walked)."""

    def __init__(self, started) -> None:  # noqa: ANN001 - a callable giving a scan.Listing
        self.started = started
        self.listing = None

    def __call__(self):  # -> scan.Listing, imported lazily
        self.listing = self.started()
        return self.listing

    @property
    def signature(self) -> str:
        """The signature of the listing as it stands now ("" before listing, or once dropped)."""
        return self.listing.signature if self.listing is not None else ""


def _verdict_of(index, path: str) -> tuple | None:  # noqa: ANN001 - LicenseIndex, imported lazily
    i = index.position(path)
    return None if i is None else (index.status[i], index.exprs[i], index.lines[i], index.findings.get(path, ()))


def watch_check(index, keep, fail_on: str, since: float) -> int:  # noqa: ANN001 - core types imported lazily
    """`check --watch`: print all findings, then those of each changed file as edits land.

    Files changed since *since* (while the tree was indexed, before the watch began) are caught up
    on as soon as the watch is set up: watchfiles yields an empty batch after its first timeout.
    """
    import watchfiles

    from tui.core.report import fails, finding_line, format_text, printable, summary_counts, summary_line
    from tui.core.watch import apply_changes, changed_since, relative_paths, watch_filter

    sys.stdout.writelines(line + "\n" for line in format_text(index, keep))
    watched = os.path.join(index.root, index.scope) if index.scope else index.root
    sys.stdout.write(f"watching {printable(watched)} for changes (Ctrl-C to stop)\n")
    sys.stdout.flush()
    caught_up = False
    try:
        for batch in watchfiles.watch(index.root, watch_filter=watch_filter(index.root), step=50, debounce=400,
                                      raise_interrupt=False, yield_on_timeout=True, rust_timeout=250):
            todo = relative_paths(index.root, batch)
            before: dict[str, tuple] = {}
            if not caught_up:  # only files whose verdict really moved are reported from the catch-up
                before = {path: _verdict_of(index, path) for path in changed_since(index, since) - todo}
                todo |= set(before)
                caught_up = True
            if not todo:
                continue
            fingerprint = index.ctx.fingerprint
            update = apply_changes(index, todo)
            updated = [p for p in update.updated if p not in before or _verdict_of(index, p) != before[p]]
            reloaded = update.context_changed and index.ctx.fingerprint != fingerprint
            if not (updated or update.removed or reloaded):
                continue
            stamp = time.strftime("%H:%M:%S")
            what = f"{len(updated)} changed, {len(update.removed)} removed"
            if reloaded:
                what += ", LICENSES/ or COPYING reloaded"
            sys.stdout.write(f"--- {stamp}: {what}\n")
            for path in sorted(updated)[:200]:
                for finding in keep.apply(index.findings.get(path, ())):
                    sys.stdout.write(finding_line(path, finding) + "\n")
            for path in sorted(update.removed)[:200]:
                sys.stdout.write(f"{printable(path)}: removed\n")
            sys.stdout.write(summary_line({**summary_counts(index, keep), "scope": index.scope}) + "\n")
            sys.stdout.flush()
    except KeyboardInterrupt:
        pass
    return EXIT_FINDINGS if fails(index, keep, fail_on) else EXIT_OK


def run_export(args: argparse.Namespace) -> int:
    from tui.core.scan import start_listing

    root, scope, _found = _tree_place(args)
    hint = None if args.no_cache else functools.partial(_listing_hint, root)
    started = start_listing(root, hint, scope) if os.path.isdir(root) else None
    from tui.core import export
    from tui.core.kept import output_key
    from tui.core.query import QueryError, parse_query

    try:
        keep = _finding_filter(args)
        query = parse_query(args.filter) if args.filter else None
    except QueryError as exc:
        return _fail(f"--filter: {exc}")
    except ValueError as exc:
        return _fail(str(exc))
    if args.format not in export.FORMATS:
        return _fail(f"unknown export format {args.format!r} (choose from {', '.join(export.FORMATS)})")
    # Every format's report is kept with the cache, for as long as the tree is unchanged.
    keeping = started is not None and not args.no_cache and not scope
    key = output_key("export", args.format, os.path.abspath(root), args.select, args.ignore, args.filter) \
        if keeping else ""
    context = None
    if keeping:
        # The tree unchanged since this report was kept: write it, without loading the index.
        from tui.core.cache import load_output
        from tui.core.evaluate import Context

        context = Context(os.path.abspath(root))
        kept = load_output(context.root, context.fingerprint, key)
        if kept is not None:
            listing = started()
            if kept[2] is not None:  # (export keeps no bytes apart)
                kept[2].close()
            if listing.signature == kept[0]:
                try:
                    export.write_kept(kept[1], args.output)
                except export.ExportError as exc:
                    return _fail(str(exc))
                return EXIT_OK
            started = functools.partial(_given, listing)
    from tui.core.build import build_index
    from tui.core.tree import TreeError

    listed = _Listed(started)
    try:
        index = build_index(root, use_cache=not args.no_cache, listing=listed if started else None, context=context,
                            scope=scope, notice_progress=notice_progress)
        _leave(index)
        positions = query.matches(index) if query else None

        def written(report: object) -> None:
            if listed.signature:
                from tui.core.cache import save_output

                save_output(index.root, index.ctx.fingerprint, listed.signature, key, report)

        export.write(index, args.format, args.output, keep, positions, query=args.filter,
                     written=written if keeping else None)
    except TreeError as exc:
        return _fail(str(exc))
    except export.ExportError as exc:
        return _fail(str(exc))
    return EXIT_OK


def run_rules(args: argparse.Namespace) -> int:
    import shutil
    import textwrap

    from tui.core.rules import RULES, parse_rule_ids

    try:
        wanted = parse_rule_ids(args.select) if args.select else set(RULES)
    except ValueError as exc:
        return _fail(str(exc))
    chosen = [RULES[rule_id] for rule_id in sorted(wanted)]
    if args.format == "json":
        json.dump([{"id": r.id, "name": r.name, "severity": r.severity, "summary": r.summary,
                    "reference": r.reference} for r in chosen], sys.stdout, indent=1)
        sys.stdout.write("\n")
        return EXIT_OK
    width = max(60, min(shutil.get_terminal_size((100, 24)).columns, 120)) - 1
    for rule in chosen:
        print(f"{rule.id}  {rule.severity:<7}  {rule.name}")
        print(textwrap.fill(rule.summary, width, initial_indent="    ", subsequent_indent="    "))
        print(textwrap.fill(f"see {rule.reference}", width, initial_indent="    ", subsequent_indent="        "))
    return EXIT_OK


def run_suggest(args: argparse.Namespace) -> int:
    from tui.core.suggest import run

    return run(_tree_place(args), args.output, args.min_score, use_cache=not args.no_cache)


def run_diff(args: argparse.Namespace) -> int:
    from tui.core.diff_cli import run

    return run(args, _leave)


def run_serve(args: argparse.Namespace) -> int:
    """`lictree serve`: the tree (or the comparison) checked as the UI would, then served until Ctrl-C."""
    from tui.ui.themes import load_themes, theme_problem

    tree_args: list[str] = []
    if args.diff:
        if args.path or args.demo:
            return _fail("--diff compares OLD and NEW: give no PATH or --demo with it")
        if len(args.diff) > 2:
            return _fail("--diff takes OLD [NEW]: a directory or a revision each")
        from tui.core import diff as diff_mod
        from tui.core import revision as rev_mod
        from tui.ui.diff_app import check_specs

        try:
            old, new = check_specs(args.diff[0], args.diff[1] if len(args.diff) > 1 else None, args.repo)
        except (diff_mod.DiffError, rev_mod.RevisionError) as exc:
            return _fail(str(exc))
        specs = [os.path.abspath(spec) if os.path.isdir(spec) else spec for spec in (old, new)]
        tree_args += ["--diff", *specs]
        if args.repo:
            tree_args += ["--repo", os.path.abspath(args.repo)]
        title = f"lictree --diff {' '.join(specs)}"
    else:
        from tui.ui.launch import checked_root

        root, error = checked_root(args, _tree_place(args).root)
        if error:
            return _fail(error)
        tree_args += ["--demo"] if args.demo else [os.path.abspath(args.path or root)]
        title = f"lictree {tree_args[-1] if not args.demo else '--demo'}"
        if args.no_watch:
            tree_args.append("--no-watch")
    if args.no_cache:
        tree_args.append("--no-cache")
    if args.theme:
        if error := theme_problem(args.theme, load_themes()):
            return _fail(error)
        tree_args += ["--theme", args.theme]
    from tui.ui.serve import serve  # textual-serve and aiohttp: imported by `serve` only

    return serve(tree_args, title, args.host, args.port, args.token)


def run_ui(args: argparse.Namespace) -> int:
    if args.diff:
        from tui.ui.diff_app import run_diff_app

        return run_diff_app(args.diff, args.repo, not args.no_cache, args.screenshot, args.theme)
    from tui.ui.launch import run_app

    place = _tree_place(args)
    return run_app(args, place.root, place.scope)


def entry() -> int:
    """The `lictree` command: ``main()``; a headless command then exits at once.

    Tearing down a kernel-sized index object by object can take longer than printing it, so
    check/export/rules flush their output and leave with ``os._exit``. The UI exits normally
    (its watcher process is stopped by the interpreter's exit handlers).
    """
    argv = sys.argv[1:]
    leaving = bool(argv) and argv[0] in SUBCOMMANDS and not (argv[0] == "check" and "--watch" in argv)
    _LEAVING[:] = [leaving]
    if leaving and argv[0] in ("check", "diff"):
        # A run of a second that makes next to no cyclic garbage: the collector stays off to the end (turned on
        # as the command returns, it would walk the kernel's index once more, ~10 ms, just before os._exit).
        import gc

        gc.disable()
    code = main(argv)
    if leaving:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (BrokenPipeError, ValueError):
                pass
            except OSError:
                code = code or EXIT_USAGE
        os._exit(code)
    return code


if __name__ == "__main__":
    raise SystemExit(entry())
