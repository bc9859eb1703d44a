"""The rows of a narrowed tree (a filter), fast enough to rebuild on every keystroke for 87k files.

``FullTree`` is the whole tree with every directory expanded, built once per path list: its rows
in display order and, for each row, where its file sits in the sorted paths or which directory
it is. Narrowing to a mask of visible positions then picks rows with C-level operations
(``bytearray.find`` over a directory's run of paths, ``itertools.compress`` over the rows) and
only rewrites the guides of rows whose last-sibling status changed: the cost follows the number
of rows shown, with a small constant per row, instead of a Python loop creating every row.
No Textual import.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Sequence
from itertools import compress
from operator import itemgetter

from tui.ui.rows import AFTER_SLASH, BRANCH, DIR, FILE, LAST, PIPE, SPACE, Row, children_of

_LEN = len(BRANCH)
_new_row = tuple.__new__  # Row(...) without the Python-level __new__: a third of the cost per row


class FullTree:
    """Every directory and file of *paths* as rows of a fully expanded tree, with their guides."""

    def __init__(self, paths: Sequence[str]) -> None:
        def children(directory: str) -> tuple[list[str], list[str]]:  # unfiltered, and no model: safe in a thread
            return children_of(paths, directory)

        self.paths = paths
        n = len(paths)
        self.rows: list[Row] = [Row(DIR, "", 0, "")]
        #: Per row: its file's position in ``paths``, or ``n + k`` for the k-th directory.
        self.select: list[int] = [n]
        #: Per row: the row of its directory (-1 for the root) and the row after its subtree.
        self.parent = array("i", [-1])
        self.end = array("i", [0])
        #: Per directory (k): its key, its row, and its run [lo, hi) of ``paths``.
        self.dir_keys: list[str] = [""]
        self.dir_rows: list[int] = [0]
        self.ranges: list[tuple[int, int]] = [(0, n)]
        #: Per directory row: the row of its last child in the full tree (-1 when it has none).
        self.last_child: dict[int, int] = {}
        #: Guides with one column's "│" replaced by a blank, per column.
        self._blanked: dict[int, dict[str, str]] = {}
        positions = {p: i for i, p in enumerate(paths)}
        self._fill((0, "", 1), children, {}, positions)
        select = self.select
        self._pick = itemgetter(*select) if len(select) > 1 else lambda seq: (seq[select[0]],)

    def _fill(self, item: tuple[int, str, int], children, guides: dict[str, str],  # noqa: ANN001
              positions: dict[str, int]) -> None:
        """Append the rows below one directory row (depth first, iteratively)."""
        rows, select, parent, end = self.rows, self.select, self.parent, self.end
        n = len(self.paths)
        # Each frame: (directory row, prefix, depth, sub-directories, files, next sub-directory).
        frames: list[list] = []

        def open_dir(dir_row: int, prefix: str, depth: int) -> None:
            dirs, files = children(rows[dir_row].key)
            frames.append([dir_row, prefix, depth, dirs, files, 0])

        open_dir(*item)
        while frames:
            frame = frames[-1]
            dir_row, prefix, depth, dirs, files, k = frame
            total = len(dirs) + len(files)
            branch = guides.setdefault(prefix + BRANCH, prefix + BRANCH)
            last_guide = guides.setdefault(prefix + LAST, prefix + LAST)
            if k < len(dirs):
                frame[5] = k + 1
                sub = dirs[k]
                last = k + 1 == total
                row = len(rows)
                rows.append(Row(DIR, sub, depth, last_guide if last else branch))
                select.append(n + len(self.dir_keys))
                parent.append(dir_row)
                end.append(0)
                lo = bisect_left(self.paths, sub + "/")
                self.dir_keys.append(sub)
                self.dir_rows.append(row)
                self.ranges.append((lo, bisect_left(self.paths, sub + AFTER_SLASH, lo)))
                open_dir(row, prefix + (SPACE if last else PIPE), depth + 1)
                continue
            for number, path in enumerate(files, len(dirs) + 1):
                rows.append(Row(FILE, path, depth, last_guide if number == total else branch))
                select.append(positions[path])
                parent.append(dir_row)
                end.append(len(rows))
            end[dir_row] = len(rows)
            frames.pop()
            self.last_child[dir_row] = self._last_child_of(dir_row)

    def _last_child_of(self, dir_row: int) -> int:
        """The row of the last direct child of a directory row (-1 when it has none)."""
        last = self.end[dir_row] - 1
        if last == dir_row:
            return -1
        parent = self.parent
        while parent[last] != dir_row:
            last = parent[last]
        return last

    def narrow(self, mask: bytearray) -> tuple[list[Row], list[str]]:
        """The rows showing the files whose positions are set in *mask* (len == len(paths)), every
        directory that holds one expanded, and those directories' keys."""
        find = mask.find
        visible_dirs = bytearray([find(1, lo, hi) != -1 for lo, hi in self.ranges])
        visible_dirs[0] = 1  # the root row is always there
        chosen = mask + visible_dirs
        shown = bytes(self._pick(chosen))
        rows = list(compress(self.rows, shown))
        dirs = list(compress(self.dir_keys, visible_dirs))
        fixes = self._newly_last(shown, visible_dirs)
        if fixes:
            self._fix_guides(rows, shown, fixes)
        return rows, dirs

    def _newly_last(self, shown: bytes, visible_dirs: bytearray) -> list[int]:
        """Rows that are the last shown child of their directory but not its last child in the full tree."""
        fixes: list[int] = []
        parent, end, last_child = self.parent, self.end, self.last_child
        rfind = shown.rfind
        for dir_row in compress(self.dir_rows, visible_dirs):
            last = rfind(1, dir_row + 1, end[dir_row])
            if last == -1:
                continue
            while parent[last] != dir_row:
                last = parent[last]
            if last != last_child[dir_row]:
                fixes.append(last)
        fixes.sort()
        return fixes

    def _fix_guides(self, rows: list[Row], shown: bytes, fixes: list[int]) -> None:
        """Give each newly-last row a └─ and drop the │ its subtree drew for a later sibling."""
        count = shown.count
        done = 0  # shown rows before full row `at`
        at = 0
        for fix in fixes:
            done += count(1, at, fix)
            at = fix
            here = rows[done]
            rows[done] = Row(here.kind, here.key, here.depth, here.guide[:-_LEN] + LAST)
            if here.kind != DIR:
                continue
            below = count(1, fix + 1, self.end[fix])
            column = _LEN * (here.depth - 1)
            blanked = self._blanked.setdefault(column, {})
            for guide in {row.guide for row in rows[done + 1 : done + 1 + below]} - blanked.keys():
                blanked[guide] = guide[:column] + SPACE + guide[column + _LEN :]
            rows[done + 1 : done + 1 + below] = [_new_row(Row, (kind, key, depth, blanked[guide]))
                                                 for kind, key, depth, guide in rows[done + 1 : done + 1 + below]]
