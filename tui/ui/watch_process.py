"""The file watcher's own process: watchfiles on one tree, a JSON line per batch of changes on stdout.

``tui.ui.watcher`` runs ``python -m tui.ui.watch_process ROOT``. It is a process of its own because
watchfiles sets up its inotify watches holding the GIL (a noticeable pause on a kernel tree:
docs/performance.md), which in the app's process would freeze the UI, even from a thread. No Textual import here.

Lines written: ``{"ready": true}`` once the watches are in place (changes from then on are
reported), ``{"paths": [...]}`` for each batch (tree-relative, without .git/ and lictree's cache),
``{"rescan": T}`` after a storm (see below), ``{"error": "..."}`` before exiting when watching is
impossible. It exits when its stdin closes, so it never outlives the app.

A storm (a checkout, a build) can overflow the kernel's inotify queue, and watchfiles drops that
news silently: events are lost, and a directory created then may never be watched. So once a
storm is over, the watches are set up again and ``{"rescan": T}`` asks the app to re-read what
changed on disk since time T (``time.time()``), just before the storm began.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time

#: A batch is sent once nothing has changed for STEP_MS, or at the latest DEBOUNCE_MS after it began:
#: an edit is reported within 25-50 ms, a checkout of thousands of files in a few batches.
STEP_MS = 25
DEBOUNCE_MS = 800
#: How often watchfiles wakes up when nothing happens (its first wake-up also says it is ready).
TIMEOUT_MS = 250
#: A batch of this many changes (.git/ included) is a storm: rescan once it is over.
STORM_CHANGES = 1000
#: Seconds added before a storm's start, for coarse file times.
SLACK = 1.0


def _emit(message: dict) -> None:
    sys.stdout.write(json.dumps(message, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def _stop_on_eof(stop: threading.Event) -> None:
    """Stop when the app closes our stdin (or dies)."""
    try:
        while os.read(0, 4096):  # the raw fd: a buffered stdin's lock would abort the exit
            pass
    except OSError:
        pass
    stop.set()


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        sys.stderr.write("usage: python -m tui.ui.watch_process ROOT\n")
        return 2
    root = args[0]
    import watchfiles

    from tui.core.watch import relative_paths, watch_filter

    stop = threading.Event()
    threading.Thread(target=_stop_on_eof, args=(stop,), daemon=True).start()
    keep = watch_filter(root)
    storm_since: float | None = None
    try:
        while not stop.is_set():
            ready = restart = False
            since = time.time() - SLACK  # every change of the next batch happens after this
            for changes in watchfiles.watch(root, watch_filter=None, debounce=DEBOUNCE_MS, step=STEP_MS,
                                            rust_timeout=TIMEOUT_MS, yield_on_timeout=True, stop_event=stop,
                                            raise_interrupt=False):
                batch_since, since = since, time.time() - SLACK
                if not ready:
                    ready = True
                    _emit({"ready": True})
                    if storm_since is not None:
                        _emit({"rescan": storm_since})
                        storm_since = None
                if len(changes) >= STORM_CHANGES and storm_since is None:
                    storm_since = batch_since
                paths = relative_paths(root, [(change, path) for change, path in changes if keep(change, path)])
                if paths:
                    _emit({"paths": sorted(paths)})
                if not changes and storm_since is not None:
                    restart = True
                    break
            if not restart:
                break
    except BrokenPipeError:
        return 0
    except Exception as exc:  # watchfiles' errors (no such tree, too many watches) end up here
        try:
            _emit({"error": _describe(exc)})
        except OSError:
            pass
        return 1
    return 0


def _describe(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    if "No space left on device" in text or "limit" in text.lower():
        text += " (raise fs.inotify.max_user_watches, or run with --no-watch)"
    return text


if __name__ == "__main__":
    sys.exit(main())
