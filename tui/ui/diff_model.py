"""What the comparison mode (``lictree --diff``) shows, without Textual: the tree of a ``Diff``'s files
(directories with the net licence change below them), the filter (``change:`` and ``same:`` terms,
``license:`` and bare words), the text of each row and the two heads of a changed file."""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field

from tui.core import revision as rev_mod
from tui.core.diff import CHANGE_KINDS, Diff, FileDiff, Verdict, fold_id, ids_of
from tui.core.preview import read_head
from tui.core.report import printable

#: The marks of each change kind in the tree.
MARKS = {"added": "+", "removed": "−", "renamed": "→", "changed": "~", "unchanged": " "}
FILTER_HELP = ("change:added|removed|renamed|changed  same:true|false  license:ID  path words;"
               " -term negates")


class FilterError(ValueError):
    """A term the diff filter does not read: one line."""


@dataclass(frozen=True)
class DiffFilter:
    """Terms, all of which a file must match (a term starting with ``-`` must not match)."""

    terms: tuple[tuple[str, str, bool], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.terms)

    def matches(self, item: FileDiff) -> bool:
        return all(self._term(item, key, value) != negated for key, value, negated in self.terms)

    @staticmethod
    def _term(item: FileDiff, key: str, value: str) -> bool:
        if key == "change":
            return item.change == value
        if key == "same":
            return item.same_license is (value == "true")
        if key == "license":
            wanted = fold_id(value, None)
            return any(wanted == fold_id(i, None) for v in (item.old, item.new) if v for i in ids_of(v.effective))
        return value in item.path.lower() or value in (item.old_path or "").lower()


def parse_filter(text: str) -> DiffFilter:
    terms = []
    for word in text.split():
        negated = word.startswith("-") and len(word) > 1
        if negated:
            word = word[1:]
        key, colon, value = word.partition(":")
        if not colon:
            key, value = "path", word
        key = key.lower()
        if key == "change":
            value = value.lower()
            if value not in CHANGE_KINDS:
                raise FilterError(f"change:{value}: one of {', '.join(CHANGE_KINDS)}")
        elif key == "same":
            value = value.lower()
            if value not in ("true", "false"):
                raise FilterError(f"same:{value}: true or false")
        elif key == "license":
            if not value:
                raise FilterError("license: needs an id")
        elif key == "path":
            value = value.lower()
        else:
            raise FilterError(f"{key}: not a term of the diff filter ({FILTER_HELP})")
        terms.append((key, value, negated))
    return DiffFilter(tuple(terms))


# The tree -----------------------------------------------------------------------------------------


@dataclass
class DirNode:
    path: str  # "" for the top
    dirs: dict[str, DirNode] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)  # name -> path
    #: Net change per licence id (folded) of the changed files below.
    net: Counter = field(default_factory=Counter)
    changed: int = 0


def build_tree(diff: Diff, shown: list[FileDiff], unchanged: list[str] = ()) -> DirNode:
    """The directories of the files *shown* (and of the *unchanged* paths, in "everything" mode), each with
    the net licence change of the shown files below it (``Diff.dir_delta`` of the shown files)."""
    top = DirNode("")

    def node_of(directory: str) -> DirNode:
        node = top
        if not directory:
            return node
        parts = directory.split("/")
        for n, part in enumerate(parts):
            child = node.dirs.get(part)
            if child is None:
                child = node.dirs[part] = DirNode("/".join(parts[: n + 1]))
            node = child
        return node

    def ancestors(path: str) -> list[DirNode]:
        directory = os.path.dirname(path)
        parts = directory.split("/") if directory else []
        return [node_of("/".join(parts[:n])) for n in range(len(parts) + 1)]

    for path in unchanged:
        node_of(os.path.dirname(path)).files[os.path.basename(path)] = path
    for item in shown:
        node_of(os.path.dirname(item.path)).files[os.path.basename(item.path)] = item.path
        gained = {fold_id(i, None) for i in ids_of(item.new.effective if item.new else None)}
        lost = {fold_id(i, None) for i in ids_of(item.old.effective if item.old else None)}
        new_dirs = ancestors(item.path)
        old_dirs = ancestors(item.old_path) if item.old_path else new_dirs
        for node in {id(n): n for n in new_dirs + old_dirs}.values():
            node.changed += 1
        for node in new_dirs:
            for name in gained:
                node.net[name] += 1
        for node in old_dirs:
            for name in lost:
                node.net[name] -= 1
    return top


def delta_text(diff: Diff, net: Counter) -> str:
    """"+12 MIT −3 GPL-2.0-only": the net change, gains first, each by how many files."""
    items = [(name, n) for name, n in net.items() if n]
    items.sort(key=lambda item: (item[1] < 0, -abs(item[1]), item[0]))
    return " ".join(f"{'+' if n > 0 else '−'}{abs(n)} {diff.spelled(name)}" for name, n in items)


def licence_of(verdict: Verdict | None) -> str:
    if verdict is None:
        return "—"
    if verdict.effective is None:
        return f"({verdict.status})"
    marked = "" if verdict.source in (None, "tag") else f" [{verdict.source}]"
    invalid = "" if verdict.status in ("valid",) or verdict.source != "tag" else f" ({verdict.status})"
    return f"{verdict.effective}{invalid}{marked}"


def spelling_only(item: FileDiff) -> bool:
    """Whether the licence stayed the same, spelled otherwise."""
    return item.same_license is True and item.old is not None and item.new is not None \
        and item.old.effective != item.new.effective


def file_text(item: FileDiff) -> str:
    """What a changed file's row says after its name: old -> new licence."""
    if item.change == "added":
        return f"+ {licence_of(item.new)}"
    if item.change == "removed":
        return f"− {licence_of(item.old)}"
    before, after = licence_of(item.old), licence_of(item.new)
    arrow = after if before == after else f"{before} -> {after}"
    if spelling_only(item):
        arrow += " (spelling only)"
    if item.change == "renamed" and item.old_path:
        arrow += f", from {item.old_path}"
    return arrow


def side_label(info: dict) -> str:
    """One side as the status line names it: a directory by its path (~ for the home directory), a revision
    as given, with its short commit."""
    rev = info.get("rev")
    if rev is None:
        root = info.get("root") or "?"
        home = os.path.expanduser("~")
        if home not in ("", "/") and (root == home or root.startswith(home + os.sep)):
            root = "~" + root[len(home):]
        return printable(root)
    commit = info.get("commit") or ""
    return printable(f"{rev} ({commit[:7]})" if commit and not commit.startswith(rev) else rev)


def compared(old: dict, new: dict) -> str:
    """What is compared, for the status line: "OLD -> NEW", and the repository of the revisions."""
    text = f"{side_label(old)} -> {side_label(new)}"
    repos = {info["root"] for info in (old, new) if info.get("rev") is not None and info.get("root")}
    if repos:
        text += "  in " + ", ".join(sorted(side_label({"root": r}) for r in repos))
    return text


# Heads --------------------------------------------------------------------------------------------

HEAD_LINES = 12


def side_head(info: dict, path: str | None, line: int | None, lines: int = HEAD_LINES) -> list[str]:
    """The first lines of *path* on one side (a directory: read from disk; a revision: from git's objects),
    the tag line marked with ▶; [] when there is none."""
    if path is None:
        return []
    wanted = max(lines, (line or 0) + 1)
    if info.get("rev") is None:
        head = read_head(info["root"], path, wanted)
        if head.error or head.binary:
            return [f"  ({head.error or 'binary'})"]
        text = [head.lines[n] for n in sorted(head.lines) if n <= wanted]
    else:
        where = info.get("tree") or info["rev"]
        try:
            data = rev_mod.git(info["root"], "cat-file", "-p", f"{where}:{path}")[:65536]
        except rev_mod.RevisionError as exc:
            return [f"  ({printable(str(exc))})"]
        if b"\0" in data[:8192]:
            return ["  (binary)"]
        text = [printable(t.expandtabs()) for t in data.decode("utf-8", "replace").split("\n")[:wanted]]
    return [f"{'▶' if n == line else ' '}{n:4} {t}" for n, t in enumerate(text, 1)]
