"""`lictree diff OLD NEW`: the diff opened, compared, written; exit status 0, 1 (``--fail-on``) or 2."""

from __future__ import annotations

import argparse
import os
import sys

from tui.core.report import printable


def run(args: argparse.Namespace) -> int:
    from tui.core import diff as diff_mod
    from tui.core import diff_report
    from tui.core.export import ExportError, atomic_output, check_output
    from tui.core.revision import RevisionError

    def fail(message: str) -> int:
        print(f"lictree: {printable(message)}", file=sys.stderr)
        return 2

    if args.repo is not None and not os.path.isdir(args.repo):
        return fail(f"{args.repo}: no such directory")
    try:
        target = check_output(args.output)
        diff = diff_mod.kept_or_compared(args.old, args.new, args.repo, use_cache=not args.no_cache)
        text = diff_report.render(diff, args.format)
        with atomic_output(target, newline="" if args.format == "csv" else None) as out:
            out.write(text)
    except (diff_mod.DiffError, RevisionError, ExportError) as exc:
        return fail(str(exc))
    except OSError as exc:
        return fail(f"{args.output}: cannot write: {exc.strerror or exc}")
    for note in diff.notes:
        print(f"lictree: note: {printable(note)}", file=sys.stderr)
    return 1 if diff.fails(args.fail_on) else 0
