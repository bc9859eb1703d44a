"""The tree pane's model: the directories and files of a tree as a flat list of visible rows.

No widget and no node object per file: a directory's children are found on demand in the sorted
list of paths (every path under ``d/`` is one contiguous run of it, skipped over with bisect), and
expanding or collapsing a directory splices its rows into or out of the row list. Paths can be
replaced (the index finished, files changed) and a filter can hide files, keeping what is expanded.
No Textual import: the model is tested on its own.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Collection, Iterator, Sequence
from enum import Enum
from itertools import compress

from tui.ui.narrow import FullTree
from tui.ui.rows import (
    AFTER_SLASH,
    BRANCH,
    DIR,
    FILE,
    LAST,
    PAST,
    PIPE,
    SPACE,
    Row,
    ancestors,
    children_of,
    display_key,
    parent_of,
)


class Keep(Enum):
    """``KEEP``: leave the filter's set as it is (``TreeModel.update``)."""

    KEEP = "keep"


KEEP = Keep.KEEP


class TreeModel:
    """Visible rows over a sorted list of file paths; the root row is always there and expanded."""

    def __init__(self, paths: Sequence[str] = ()) -> None:
        self._paths: Sequence[str] = paths
        #: The filter: byte i is 1 when the file at position i is shown (None: every file is).
        self._mask: bytearray | None = None
        #: What was expanded before ``narrow`` expanded the directories holding matches.
        self._expanded_before: set[str] | None = None
        self._full: FullTree | None = None
        self._children: dict[str, tuple[list[str], list[str]]] = {}
        self._guides: dict[str, str] = {}
        self.expanded: set[str] = {""}
        self.rows: list[Row] = []
        self.generation = 0
        self.rebuild()

    # Structure -----------------------------------------------------------------------------

    @property
    def paths(self) -> Sequence[str]:
        return self._paths

    def children(self, directory: str) -> tuple[list[str], list[str]]:
        """(sub-directories, files) directly in *directory*, each sorted by name, filter applied."""
        cached = self._children.get(directory)
        if cached is None:
            cached = self._children[directory] = children_of(self._paths, directory, self._mask)
        return cached

    def is_dir(self, key: str) -> bool:
        """Whether *key* is a directory of the tree ("" is the root)."""
        if not key:
            return True
        prefix = key + "/"
        i = bisect_left(self._paths, prefix)
        return i < len(self._paths) and self._paths[i].startswith(prefix)

    def contains(self, key: str) -> bool:
        """Whether *key* (a file or directory) is in the tree and not hidden by the filter."""
        paths, mask = self._paths, self._mask
        if self.is_dir(key):
            if mask is None or not key:
                return True
            lo = bisect_left(paths, key + "/")
            return mask.find(1, lo, bisect_left(paths, key + AFTER_SLASH, lo)) != -1
        i = bisect_left(paths, key)
        found = i < len(paths) and paths[i] == key
        return found and (mask is None or bool(mask[i]))

    def set_paths(self, paths: Sequence[str]) -> None:
        """Replace the (sorted) paths, e.g. when the index is done; keeps expanded directories that remain."""
        if self._mask is not None:
            self._mask = _mask_of(paths, compress(self._paths, self._mask))
        self._paths = paths
        self._children.clear()
        self._full = None
        self.expanded = {d for d in self.expanded if not d or self.is_dir(d)}
        self.rebuild()

    def update(self, paths: Sequence[str], added: Collection[str], removed: Collection[str],
               visible: Collection[str] | Keep | None = KEEP) -> bool:
        """Files came and went on disk: *paths* is the new sorted list. Returns whether rows changed.

        Only the shown, expanded directories whose entries changed have their rows re-made; every
        other row, and every expanded directory that remains, stays. *visible* is the filter's set
        for the new paths (a filter re-run after the change); by default the filter's set is kept,
        less the removed files.
        """
        touched = {*added, *removed}
        old_paths, mask = self._paths, self._mask
        if paths is not old_paths:
            self._full = None
        if visible is not KEEP:
            if (visible is None) != (mask is None):
                self._paths = paths
                self.set_filter(visible)
                return True
            if visible is not None and mask is not None:
                new = set(visible)
                touched |= set(compress(old_paths, mask)) ^ new
                self._mask = _mask_of(paths, new)
        elif mask is not None and (added or removed):
            self._mask = _mask_of(paths, compress(old_paths, mask))
        self._paths = paths
        if not touched:
            return False
        dirs = _dirs_of(touched)
        before = {d: self._children.pop(d) for d in dirs if d in self._children}
        self.expanded -= {d for d in dirs if d and d in self.expanded and not self.is_dir(d)}
        redo = sorted((d for d in before if d in self.expanded and self.children(d) != before[d]),
                      key=lambda d: d.count("/") if d else -1)
        starts: list[int] = []
        done: set[str] = set()
        for directory in redo:
            if any(a in done for a in ancestors(directory)):
                continue  # re-made with an enclosing directory
            index = self.row_index(directory, True)
            if index is not None:
                starts.append(index)
                done.add(directory)
        for index in sorted(starts, reverse=True):
            row = self.rows[index]
            end = self.subtree_end(index)
            new_rows: list[Row] = []
            self._remake(row.key, row.depth + 1, self._child_prefix(row), new_rows, index + 1, end, dirs)
            self.rows[index + 1 : end] = new_rows
        if starts:
            self.generation += 1
        return bool(starts)

    def row_index(self, key: str, is_dir: bool) -> int | None:
        """The row showing *key*, found by bisection (rows are in ``display_key`` order), or None."""
        if not key:
            return 0 if self.rows else None
        rows = self.rows
        i = bisect_left(rows, display_key(key, is_dir), key=_row_order)
        if i < len(rows) and rows[i].key == key and (rows[i].kind == DIR) == is_dir:
            return i
        return None

    def set_filter(self, visible: Collection[str] | None) -> None:
        """Show only these file paths (and the directories that hold them); None shows everything."""
        self._mask = _mask_of(self._paths, visible) if visible is not None else None
        self._children.clear()
        self.rebuild()

    @property
    def filtered(self) -> bool:
        return self._mask is not None

    def narrow(self, mask: bytearray | None) -> None:
        """Show only the files whose positions are set in *mask*, every directory holding one expanded;
        None shows every file again with the directories that were expanded before narrowing.

        Built from the fully expanded tree (made once per path list), so it costs a few
        milliseconds for a kernel tree, as a filter typed live needs.
        """
        if mask is None:
            if self._mask is None:
                return
            self._mask = None
            self._children.clear()
            if self._expanded_before is not None:
                self.expanded = self._expanded_before
                self._expanded_before = None
            self.rebuild()
            return
        if len(mask) != len(self._paths):
            raise ValueError(f"mask of {len(mask)} for {len(self._paths)} paths")
        if self._expanded_before is None:
            self._expanded_before = set(self.expanded)
        self._mask = mask
        self._children.clear()
        rows, dirs = self.full_tree().narrow(mask)
        self.rows = rows
        self.expanded = set(dirs)
        self.generation += 1

    def full_tree(self) -> FullTree:
        """Every row of the tree with all directories expanded and no filter (made once per path list;
        ``FullTree(model.paths)`` can be made in a thread beforehand and given to ``adopt``)."""
        if self._full is None or self._full.paths is not self._paths:
            self._full = FullTree(self._paths)
        return self._full

    def has_full_tree(self) -> bool:
        return self._full is not None and self._full.paths is self._paths

    def adopt(self, full: FullTree) -> None:
        """Use *full*, made elsewhere, when it is of the current paths."""
        if full.paths is self._paths:
            self._full = full

    # Rows ----------------------------------------------------------------------------------

    def rebuild(self) -> None:
        """Recompute every visible row from the expanded set."""
        self.rows = [Row(DIR, "", 0, "")]
        self._emit("", 1, "", self.rows)
        self.generation += 1

    def _guide(self, text: str) -> str:
        return self._guides.setdefault(text, text)

    def _emit(self, directory: str, depth: int, prefix: str, out: list[Row]) -> None:
        dirs, files = self.children(directory)
        total = len(dirs) + len(files)
        branch = self._guide(prefix + BRANCH)
        last_guide = self._guide(prefix + LAST)
        append = out.append
        expanded = self.expanded
        for n, sub in enumerate(dirs, 1):
            last = n == total
            append(Row(DIR, sub, depth, last_guide if last else branch))
            if sub in expanded:
                self._emit(sub, depth + 1, prefix + (SPACE if last else PIPE), out)
        if files:
            rows = [Row(FILE, path, depth, branch) for path in files]
            rows[-1] = Row(FILE, files[-1], depth, last_guide)
            out.extend(rows)

    def _remake(self, directory: str, depth: int, prefix: str, out: list[Row], lo: int, hi: int,
                affected: set[str]) -> None:
        """``_emit`` for a directory whose rows were ``rows[lo:hi]``: the rows of a sub-directory outside
        *affected* that keeps its place (last entry or not) are copied, not made again."""
        rows = self.rows
        before: dict[str, tuple[int, int, bool]] = {}
        i = lo
        while i < hi:
            row = rows[i]
            end = i + 1
            if row.kind == DIR:
                end = bisect_right(rows, (*display_key(row.key, True), PAST), i + 1, hi, key=_row_order)
                before[row.key] = (i, end, row.guide.endswith(LAST))
            i = end
        dirs, files = self.children(directory)
        total = len(dirs) + len(files)
        branch, last_guide = self._guide(prefix + BRANCH), self._guide(prefix + LAST)
        for n, sub in enumerate(dirs, 1):
            last = n == total
            old = before.get(sub)
            if old is not None and old[2] == last and sub not in affected:
                out.extend(rows[old[0] : old[1]])
                continue
            out.append(Row(DIR, sub, depth, last_guide if last else branch))
            if sub in self.expanded:
                sub_prefix = prefix + (SPACE if last else PIPE)
                if old is not None and old[2] == last:
                    self._remake(sub, depth + 1, sub_prefix, out, old[0] + 1, old[1], affected)
                else:
                    self._emit(sub, depth + 1, sub_prefix, out)
        if files:
            made = [Row(FILE, path, depth, branch) for path in files]
            made[-1] = Row(FILE, files[-1], depth, last_guide)
            out.extend(made)

    def _child_prefix(self, row: Row) -> str:
        if row.depth == 0:
            return ""
        return row.guide[:-3] + (SPACE if row.guide.endswith(LAST) else PIPE)

    def subtree_end(self, index: int) -> int:
        """The index after the last row below row *index*."""
        rows = self.rows
        depth = rows[index].depth
        end = index + 1
        while end < len(rows) and rows[end].depth > depth:
            end += 1
        return end

    def expand(self, index: int) -> bool:
        """Expand the directory at row *index*; False when it is a file or already expanded."""
        row = self.rows[index]
        if row.kind != DIR or row.key in self.expanded:
            return False
        self.expanded.add(row.key)
        new: list[Row] = []
        self._emit(row.key, row.depth + 1, self._child_prefix(row), new)
        self.rows[index + 1 : index + 1] = new
        self.generation += 1
        return True

    def collapse(self, index: int) -> bool:
        """Collapse the directory at row *index* (not the root); False when nothing changed."""
        row = self.rows[index]
        if row.kind != DIR or row.key not in self.expanded or not row.key:
            return False
        self.expanded.discard(row.key)
        del self.rows[index + 1 : self.subtree_end(index)]
        self.generation += 1
        return True

    def expand_all(self, directory: str = "") -> None:
        """Expand *directory* and every directory below it."""
        stack = [directory]
        while stack:
            current = stack.pop()
            self.expanded.add(current)
            stack.extend(self.children(current)[0])
        self.rebuild()

    def collapse_all(self) -> None:
        """Collapse everything but the root."""
        self.expanded = {""}
        self.rebuild()

    def reveal(self, key: str) -> int | None:
        """Expand the directories enclosing *key* and return its row, or None when it is not shown."""
        if not self.contains(key):
            return None
        missing = [d for d in ancestors(key) if d not in self.expanded]
        if missing:
            self.expanded.update(missing)
            self.rebuild()
        return self.row_of(key)

    def row_of(self, key: str, hint: int = 0) -> int | None:
        """The row showing *key*, searching from *hint* outwards first."""
        rows = self.rows
        if 0 <= hint < len(rows) and rows[hint].key == key:
            return hint
        for i, row in enumerate(rows):
            if row.key == key:
                return i
        return None

    def parent_row(self, index: int) -> int | None:
        """The row of the directory holding row *index*."""
        depth = self.rows[index].depth
        for i in range(index - 1, -1, -1):
            if self.rows[i].depth < depth:
                return i
        return None


def _mask_of(paths: Sequence[str], visible: Iterator[str] | Collection[str]) -> bytearray:
    """The filter mask of *paths* showing the paths in *visible* (those not in *paths* are ignored)."""
    mask = bytearray(len(paths))
    for path in visible:
        i = bisect_left(paths, path)
        if i < len(paths) and paths[i] == path:
            mask[i] = 1
    return mask


def _row_order(row: Row) -> tuple:
    return display_key(row.key, row.kind == DIR)


def _dirs_of(paths: Collection[str]) -> set[str]:
    dirs: set[str] = set()
    for path in paths:
        directory = parent_of(path)
        while directory not in dirs:
            dirs.add(directory)
            if not directory:
                break
            directory = parent_of(directory)
    return dirs
