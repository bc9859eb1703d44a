"""`lictree diff OLD NEW`: the diff opened, compared, written; exit status 0, 1 (``--fail-on``) or 2."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable


def run(args: argparse.Namespace, leave: Callable[..., None] | None = None) -> int:
    """*leave*: given the diff made, to keep it for the process's exit to free (``cli._leave``)."""
    from tui.core import collector_paused

    with collector_paused():  # (a short run that makes few cycles: the collector would only cost time)
        return _run(args, leave)


def _run(args: argparse.Namespace, leave: Callable[..., None] | None = None) -> int:
    # Two directories: git lists both (and compares their indexes) while the rest of lictree is imported.
    started = _start_listings(args)
    if started is not None and started.index_diff is not None:
        # (git names the old tree's HEAD in a moment: its diff with the new index then runs during the imports)
        started.index_diff.launch()
    from tui.core import diff as diff_mod
    from tui.core import diff_report
    from tui.core.export import ExportError, atomic_output, check_output
    from tui.core.report import printable
    from tui.core.revision import RevisionError

    def fail(message: str) -> int:
        print(f"lictree: {printable(message)}", file=sys.stderr)
        return 2

    if args.repo is not None and not os.path.isdir(args.repo):
        return fail(f"{args.repo}: no such directory")
    try:
        target = check_output(args.output)
        diff = diff_mod.kept_or_compared(args.old, args.new, args.repo, use_cache=not args.no_cache,
                                         started=started)
        if leave is not None:
            leave(diff)
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


def _start_listings(args: argparse.Namespace):  # noqa: ANN202 - dirpair.StartedPair | None, imported lazily
    """Both directories' listings started (None unless OLD and NEW are readable directories); git's diff of
    their indexes too, unless a diff of them is kept (most likely the one to print again)."""
    if not (os.path.isdir(args.old) and os.path.isdir(args.new)):
        return None
    roots = os.path.abspath(args.old), os.path.abspath(args.new)
    if not all(os.access(root, os.R_OK | os.X_OK) for root in roots):
        return None  # (the diff says why)
    from tui.core.dirpair import kept_dirs_path, start_pair

    kept = not args.no_cache and os.path.exists(kept_dirs_path(*roots))
    return start_pair(roots[0], roots[1], use_cache=not args.no_cache, index_diff=not kept)
