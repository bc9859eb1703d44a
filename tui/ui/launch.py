"""``lictree [PATH]``: check the tree, list its files, then run the Textual app.

The listing (git ls-files) and the indexing thread start before Textual is imported, so the three
overlap: the tree's rows are on the app's first frame and verdicts are arriving by then. Any
unexpected exception becomes one sentence on stderr plus a saved crash report; Textual restores
the terminal on every exit path.
"""

from __future__ import annotations

import argparse
import os
import sys

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2
#: Screenshots without a terminal (``--screenshot``) are this size.
SCREENSHOT_SIZE = (160, 48)
_SOURCE_MARKERS = ("LICENSES", "COPYING", "LICENSE", "LICENCE", "Makefile", "Kbuild", "Kconfig", ".git")


def looks_like_source_tree(root: str) -> bool:
    """Whether *root* has what a source tree has at its top (LICENSES/, COPYING, a Makefile, .git)."""
    return any(os.path.lexists(os.path.join(root, name)) for name in _SOURCE_MARKERS)


def _fail(message: str) -> int:
    print(f"lictree: {message}", file=sys.stderr)
    return EXIT_USAGE


def run_app(args: argparse.Namespace, root: str, scope: str = "") -> int:
    """Open the UI on *root*; returns the exit status (2 for a bad root or option, 1 after a crash).

    *scope*: the path given, within the tree *root* (``tree.find_tree``): the whole tree opens with
    it revealed, expanded and under the cursor.
    """
    root, error = checked_root(args, root)
    if error:
        return _fail(error)
    use_cache = not getattr(args, "no_cache", False)
    indexing = start_indexing_early(root, use_cache)
    try:
        return _run(args, root, indexing, scope)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # anything that escaped Textual's own handling
        from tui.ui.crash import crash_message, save_crash_report

        print(crash_message(exc, save_crash_report(exc, root, "starting the terminal UI")), file=sys.stderr)
        return EXIT_ERROR
    finally:
        indexing.stop()  # the app quit before indexing ended: no need to wait for it


def checked_root(args: argparse.Namespace, root: str) -> tuple[str, str | None]:
    """*root* checked (``tree.check_root``) and the error to print, if any: a tree that cannot be read,
    or, when no PATH was given, a current directory that does not look like a source tree."""
    from tui.core.tree import TreeError, check_root

    try:
        root = check_root(root)
    except TreeError as exc:
        return root, str(exc)
    if not (getattr(args, "path", None) or getattr(args, "demo", False)) and not looks_like_source_tree(root):
        return root, (f"{root} does not look like a source tree (no LICENSES/, COPYING, Makefile or .git): "
                      "give its path, `lictree PATH`, or try `lictree --demo`")
    return root, None


def start_listing_early(root: str):  # noqa: ANN201 - Callable[[], Listing], imported lazily
    """Start git now, while Textual loads; returns what finishes the listing (once, for every caller)."""
    from tui.core.scan import start_listing
    from tui.ui.indexing import once

    return once(start_listing(root))


def start_indexing_early(root: str, use_cache: bool):  # noqa: ANN201 - Indexing, imported lazily
    """Start git now, and indexing *root* on its listing (``.listing``), in a thread started now unless
    the tree has a cache: loading one holds the GIL, which would hold up the first frame instead,
    so the app starts it once that is drawn. Reading files cold takes far longer: it starts at once
    (docs/performance.md has the figures). (The listing is let go once indexed: keep no other reference to it.)"""
    from tui.core import readers
    from tui.ui.indexing import Indexing

    readers.start_server()  # before git and any thread: the process that forks the scan's readers
    run = Indexing(root, use_cache=use_cache, listing=start_listing_early(root), launching=True)
    return run if run.cached() else run.start()


def listed_paths(finish) -> list[str] | None:  # noqa: ANN001 - Callable[[], Listing] | None
    """The sorted paths of a listing started with ``start_listing_early`` (None if it failed, or if
    indexing is done with it already: then the index is there for the first frame)."""
    if finish is None:
        return None
    try:
        return finish().paths
    except OSError:
        return None


def _run(args: argparse.Namespace, root: str, indexing, scope: str = "") -> int:  # noqa: ANN001
    from tui.ui.app import LictreeApp
    from tui.ui.themes import load_themes, theme_problem

    themes = load_themes()
    theme = getattr(args, "theme", None)
    problem = theme_problem(theme, themes)
    if problem:
        return _fail(problem)
    screenshot = getattr(args, "screenshot", None)
    if screenshot:
        directory = os.path.dirname(os.path.abspath(screenshot))
        if not os.path.isdir(directory):
            return _fail(f"--screenshot: no such directory: {directory}")
    app = LictreeApp(root, theme=theme, use_cache=indexing.use_cache, paths=listed_paths(indexing.listing),
                     screenshot=screenshot, themes=themes, watch=not getattr(args, "no_watch", False),
                     indexing=indexing, select=scope or None)
    if screenshot:
        app.run(headless=True, size=SCREENSHOT_SIZE)
    else:
        app.run()
    if app.crash_error is not None:
        return EXIT_ERROR
    code = app.return_code
    return EXIT_OK if code is None else code
