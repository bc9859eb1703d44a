"""`lictree suggest`: a patch that adds the SPDX tag an untagged file's licence notice grants.

The patch is a unified diff in git's format (``a/`` and ``b/`` paths relative to the tree root, names
quoted as git quotes them) that ``git apply`` and ``patch -p1`` take. It is made on bytes: the lines
around each added tag are copied exactly (non-UTF-8 bytes, CRLF line ends, a missing final newline).
Each tag goes where license-rules.rst puts it and in the comment style it prescribes for the file
type, as the LT2xx checks read them (``rules.placement``: ``first_comment_line`` and ``style_of``), so
that once applied ``lictree check`` finds each patched file valid, with no placement or style finding.
Nothing in the tree is written, and no line of a notice is removed.

Two steps: ``untagged_notices`` finds the untagged files and their notices (the index, then
``notices_of``); ``suggest_patch`` makes the patch of (path, notice) pairs.
"""

from __future__ import annotations

import os
import stat
from collections import Counter
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, NamedTuple

from tui.core.expressions import KnownIds, validate
from tui.core.headers import TAG_BYTES
from tui.core.rules.analysis import Op, Term, analyse
from tui.core.rules.notices import tag_line
from tui.core.rules.placement import STYLES, style_of
from tui.core.rules.uapi import is_uapi_header

if TYPE_CHECKING:
    from tui.core.catalog import Catalog
    from tui.core.index import LicenseIndex
    from tui.core.notices.notice import Notice

#: Notices scoring below this are not turned into tags. On 6.12, 47 of the 8,144 notices of untagged
#: files score under 90 (80-89), and they include misreadings (a 3-clause BSD text read as
#: BSD-2-Clause at 85, an unversioned "GNU General Public License" at 85); from 90 up they are the
#: tree's usual texts (the OpenIB dual licence at 90-91, 7,186 at 100).
DEFAULT_MIN_SCORE = 90
#: Lines of context on each side of an added line (as git diff writes).
CONTEXT = 3
#: What is read of a file first; all of it only when its first lines are longer.
_HEAD = 65536

# Why a file with a notice gets no tag (the keys of the summary's counts).
LOW_SCORE = "notice score below the minimum"
NOT_IN_LICENSES = "licence not in LICENSES/"
NO_STYLE = "no comment style known for the file type"
UNREADABLE = "unreadable"
NOT_REGULAR = "not a regular file"
BINARY = "binary file"
HAS_TAG = "a tag below line 15 (move it instead)"
CR_ONLY = "old Mac line ends (CR only)"
UAPI_NO_NOTE = "UAPI header whose GPL cannot take WITH Linux-syscall-note"

#: The exception every GPL variant takes in a UAPI header (license-rules.rst; scripts/headers_install.sh
#: refuses a header whose tag has a "GPL-" without it, and so would fail `make headers_install`).
SYSCALL_NOTE = "Linux-syscall-note"


class Skipped(NamedTuple):
    """A file with a notice that gets no tag, and why (``reason``: one of the constants above)."""

    path: str
    reason: str
    detail: str = ""


class Patch(NamedTuple):
    """The diff (bytes, empty when no file is patched), the files it patches with the tag line each
    gets, and the files skipped."""

    diff: bytes
    patched: list[tuple[str, str]]
    skipped: list[Skipped]

    def summary(self) -> str:
        """'N files patched, M skipped (k why, ...)'."""
        return summary_line(len(self.patched), self.skipped)


def summary_line(patched: int, skipped: list[Skipped]) -> str:
    """'N files patched, M skipped (k why, ...)', most frequent reason first."""
    text = f"{patched} file{'' if patched == 1 else 's'} patched, {len(skipped)} skipped"
    if skipped:
        counts = Counter(s.reason for s in skipped)
        text += " (" + ", ".join(f"{n} {why}" for why, n in counts.most_common()) + ")"
    return text


# Finding the notices --------------------------------------------------------------------------


class Untagged(NamedTuple):
    """The untagged files of a tree (or of the scope within it): those with a notice, how many have
    none, and those that could not be read."""

    root: str
    catalog: Catalog
    notices: list[tuple[str, Notice]]
    without_notice: int
    unreadable: list[tuple[str, str]]


def untagged_notices(root: str, scope: str = "", *, use_cache: bool = True,
                     progress: Callable[[str, int, int], None] | None = None) -> Untagged:
    """Index *root* (only *scope* when given) and find the notice of each untagged file.

    Raises ``tree.TreeError`` for a path that is not a directory tree, ``notices.data.NoticeDataMissing``
    when the rule data is not installed. *progress* is told (what, done, total) while the notice rule
    index is built (the first run only)."""
    from tui.core.build import build_index
    from tui.core.status import Status

    index = build_index(root, use_cache=use_cache, scope=scope, notice_progress=progress)
    paths = [path for path, code in zip(index.paths, index.status) if code == Status.UNTAGGED]
    unreadable = [(path, _why_unreadable(index, path)) for path, code in zip(index.paths, index.status)
                  if code == Status.UNREADABLE]
    found: list[tuple[str, Notice]] = []
    without = 0
    for path, notice in notices_of(index, paths):
        if notice is None:
            without += 1
        else:
            found.append((path, notice))
    return Untagged(index.root, index.catalog, found, without, unreadable)


def _why_unreadable(index: LicenseIndex, path: str) -> str:
    """What the index says of an unreadable file (its LT001 finding)."""
    return next((f.message for f in index.findings.get(path, ()) if f.message), "could not be read")


def notices_of(index: LicenseIndex, paths: list[str]) -> list[tuple[str, Notice | None]]:
    """The notice the scan found for each of *paths* (None: none recognised)."""
    return [(path, index.notices.get(path)) for path in paths]


# Making the patch -----------------------------------------------------------------------------


def suggest_patch(root: str, items: Iterable[tuple[str, Notice]], *, min_score: int = DEFAULT_MIN_SCORE,
                  catalog: Catalog | None = None) -> Patch:
    """The patch adding the tag each (tree-relative path, notice) of *items* grants, in path order.

    Each file is read from *root* again (never written). A file is skipped, with its reason, when
    its notice scores under *min_score*, its licence is not one LICENSES/ knows (the tag would be
    invalid), its type has no comment style license-rules.rst or checkpatch names, or it cannot be
    patched as text (unreadable, binary, not a regular file, CR-only line ends, a tag already below
    line 15). In a UAPI header each GPL variant gets ``WITH Linux-syscall-note`` (a header where
    LICENSES/ does not allow it is skipped)."""
    if catalog is None:
        from tui.core.catalog import load_catalog

        catalog = load_catalog(root)
    known = KnownIds(catalog)
    tags: dict[tuple[str, bool], str | None] = {}
    chunks: list[bytes] = []
    patched: list[tuple[str, str]] = []
    skipped: list[Skipped] = []
    for path, notice in sorted(items, key=lambda item: item[0]):
        if notice.score < min_score:
            skipped.append(Skipped(path, LOW_SCORE, f"{notice.expression} scores {notice.score}, under {min_score}"))
            continue
        uapi = is_uapi_header(path)
        key = (notice.expression, uapi)
        if key not in tags:
            tags[key] = tag_expression(notice.expression, known, syscall_note=uapi)
        expression = tags[key]
        if expression is None:
            if uapi and tag_expression(notice.expression, known) is not None:
                skipped.append(Skipped(path, UAPI_NO_NOTE, notice.expression))
                continue
            verdict = validate(notice.expression, known)
            skipped.append(Skipped(path, NOT_IN_LICENSES, f"{notice.expression}: {verdict.error or 'no tag for it'}"))
            continue
        result = file_patch(root, path, expression)
        if isinstance(result, Skipped):
            skipped.append(result)
            continue
        chunk, line = result
        chunks.append(chunk)
        patched.append((path, line))
    return Patch(b"".join(chunks), patched, skipped)


def tag_expression(expression: str, known: KnownIds, *, syscall_note: bool = False) -> str | None:
    """The expression as a tag writes it (each alternative once, an OR of three or more and a WITH
    inside an OR in parentheses, as spdxcheck.py requires), or None when it does not pass spdxcheck
    against *known* (a licence LICENSES/ does not have).

    *syscall_note*: for a UAPI header, each GPL variant (an id with "GPL-") gets ``WITH
    Linux-syscall-note``, as license-rules.rst and scripts/headers_install.sh require; None when
    LICENSES/ does not allow that exception with it."""
    tree = analyse(expression).tree
    if tree is None:
        return None
    if syscall_note:
        tree = _with_note(tree, known)
    alternatives: list[Term | Op] = []
    for node in _alternatives(tree):
        if node not in alternatives:
            alternatives.append(node)
    if len(alternatives) == 1:
        text = _render(alternatives[0], top=True)
    else:
        text = f"{_render(alternatives[0])} OR {_render(alternatives[1])}"
        for node in alternatives[2:]:
            text = f"({text}) OR {_render(node)}"
    return text if validate(text, known).valid else None


def _with_note(node: Term | Op, known: KnownIds) -> Term | Op:
    if isinstance(node, Op):
        return node._replace(left=_with_note(node.left, known), right=_with_note(node.right, known))
    if node.exception is not None or "GPL-" not in node.license.upper():
        return node
    # the exception file lists the ids it goes with: "LGPL-2.1" and "LGPL-2.1+", not always their
    # "-only" and "-or-later" spellings (6.12): the same licence is spelled as the exception allows it
    spelled = node.license
    for suffix, short in (("-only", ""), ("-or-later", "+")):
        if spelled.endswith(suffix) and not _allows_note(known, spelled):
            shorter = spelled[: -len(suffix)] + short
            if known.is_license(shorter.upper()) and _allows_note(known, shorter):
                spelled = shorter
    return Term(spelled, SYSCALL_NOTE)


def _allows_note(known: KnownIds, license_id: str) -> bool:
    note = SYSCALL_NOTE.upper()
    return known.is_exception(note) and known.exception_allows(note, license_id.upper())


def _alternatives(node: Term | Op) -> list[Term | Op]:
    if isinstance(node, Op) and node.operator == "OR":
        return _alternatives(node.left) + _alternatives(node.right)
    return [node]


def _render(node: Term | Op, top: bool = False) -> str:
    if isinstance(node, Term):
        text = f"{node.license} WITH {node.exception}" if node.exception else node.license
        return text if top or node.exception is None else f"({text})"
    text = f"{_render(node.left)} {node.operator} {_render(node.right)}"
    return text if top else f"({text})"


def file_patch(root: str, path: str, expression: str) -> tuple[bytes, str] | Skipped:
    """The diff of one file (bytes) adding the tag line of *expression*, and the line; or why not."""
    data = _read(root, path)
    if isinstance(data, Skipped):
        return data
    head = data
    if b"\0" in head[:8192]:
        return Skipped(path, BINARY)
    if head.find(TAG_BYTES) >= 0:
        return Skipped(path, HAS_TAG)
    newline = head.find(b"\n")
    if b"\r" in head and (newline < 0 or b"\r" in head[:newline].rstrip(b"\r")):
        return Skipped(path, CR_ONLY)
    placed = tag_line(path, head, expression)
    if placed is None:
        return Skipped(path, NO_STYLE, _type_of(path))
    at, text = placed
    eol = b"\r\n" if newline > 0 and head[newline - 1] == 13 else b"\n"
    added = [text.encode("utf-8") + eol]
    old = _first_lines(head, at - 1 + CONTEXT)
    at = min(at, len(old) + 1)  # a file shorter than the line the tag belongs on: it goes last
    after = old[at - 1 : at - 1 + CONTEXT]
    if style_of(path, False) is STYLES["rst"] and after and after[0].strip() and not after[0].startswith(b".."):
        # the comment is an explicit markup block: text right after it would be part of it, or make
        # docutils warn "Explicit markup ends without a blank line" (another ".." block may follow)
        added.append(eol)
    before = old[max(0, at - 1 - CONTEXT) : at - 1]
    removed: list[bytes] = []
    if before and not before[-1].endswith(b"\n"):  # the tag goes after a last line without a newline
        removed = [before.pop()]
        added = [removed[0] + eol, *added]
    body = [b" " + line for line in before] + [b"-" + line for line in removed] + \
        [b"+" + line for line in added] + [b" " + line for line in after]
    start = at - len(before) - len(removed)
    old_count = len(before) + len(removed) + len(after)
    new_count = len(before) + len(added) + len(after)
    lines = b"".join(line if line.endswith(b"\n") else line + b"\n\\ No newline at end of file\n" for line in body)
    name_a, name_b = quote_path("a/" + path), quote_path("b/" + path)
    tab = b"\t" if b" " in name_a else b""
    header = (b"diff --git " + name_a + b" " + name_b + b"\n--- " + name_a + tab + b"\n+++ " + name_b + tab + b"\n"
              + b"@@ -" + _range(start if old_count else start - 1, old_count) + b" +" + _range(start, new_count)
              + b" @@\n")
    return header + lines, text


def _range(start: int, count: int) -> bytes:
    return str(start).encode() if count == 1 else f"{start},{count}".encode()


def _first_lines(data: bytes, count: int) -> list[bytes]:
    """The first *count* lines of *data*, each with its newline (the file's last may have none)."""
    pieces = data.split(b"\n", count)
    lines = [piece + b"\n" for piece in pieces[:-1]]
    if len(pieces) <= count and pieces[-1]:
        lines.append(pieces[-1])  # the last line, without a newline
    return lines[:count]


def _read(root: str, path: str) -> bytes | Skipped:
    """A file's first bytes: enough for its first lines (all of it when they are that long)."""
    full = os.path.join(root, path)
    try:
        info = os.lstat(full)
        if not stat.S_ISREG(info.st_mode):
            return Skipped(path, NOT_REGULAR, "a symlink" if stat.S_ISLNK(info.st_mode) else "")
        with open(full, "rb") as handle:
            head = handle.read(_HEAD)
            if len(head) == _HEAD and head.count(b"\n") < 8 + CONTEXT:
                head += handle.read()
    except OSError as exc:
        return Skipped(path, UNREADABLE, exc.strerror or str(exc))
    return head


def _type_of(path: str) -> str:
    name = path.rpartition("/")[2]
    dot = name.rfind(".")
    return f"'.{name[dot + 1:]}' files" if dot > 0 else f"'{name}'"


_ESCAPES = {7: b"\\a", 8: b"\\b", 9: b"\\t", 10: b"\\n", 11: b"\\v", 12: b"\\f", 13: b"\\r", 34: b'\\"', 92: b"\\\\"}


def quote_path(name: str) -> bytes:
    """*name* as git writes it in a diff (``quote_c_style``, core.quotePath on): as its bytes when they
    are printable ASCII, else in double quotes with C escapes and octal for the other bytes."""
    raw = os.fsencode(name)
    if all(32 <= byte < 127 and byte not in (34, 92) for byte in raw):
        return raw
    out = bytearray(b'"')
    for byte in raw:
        if byte in _ESCAPES:
            out += _ESCAPES[byte]
        elif 32 <= byte < 127:
            out.append(byte)
        else:
            out += b"\\%03o" % byte
    out += b'"'
    return bytes(out)


# The command ----------------------------------------------------------------------------------

#: Exit statuses of ``lictree suggest``: the patch written; written, but some files could not be read;
#: nothing done (bad arguments, not a tree, an output that cannot be written).
EXIT_OK, EXIT_UNREADABLE, EXIT_USAGE = 0, 1, 2


def run(place: tuple[str, str, bool], output: str, min_score: int, *, use_cache: bool = True) -> int:
    """``lictree suggest``: write the patch of the tree at *place* (``tree.find_tree``) to *output*
    ('-': stdout); each skipped file, then a summary line, on stderr. Returns the exit status."""
    import sys

    from tui.core.notices.data import NoticeDataMissing
    from tui.core.output import ExportError, check_output, write_bytes
    from tui.core.report import printable
    from tui.core.tree import TreeError, check_root

    def say(message: str) -> None:
        print(f"lictree suggest: {printable(message)}", file=sys.stderr)

    root, scope, _found = place
    if not 0 <= min_score <= 100:
        say(f"--min-score {min_score}: a score is 0-100")
        return EXIT_USAGE
    try:
        target = check_output(output)
        root = check_root(root)
    except (ExportError, TreeError) as exc:
        say(str(exc))
        return EXIT_USAGE
    if not os.path.isdir(os.path.join(root, "LICENSES")):
        say(f"{root}: not a kernel tree (no LICENSES/ directory at its top, nor above the path): "
            "the tags a patch adds are spelled and checked as LICENSES/ has them")
        return EXIT_USAGE
    told: list[str] = []

    def progress(what: str, done: int, total: int) -> None:
        if not told:
            told.append(what)
            say("building the notice rule index (the first run only; a few seconds)")

    try:
        found = untagged_notices(root, scope, use_cache=use_cache, progress=progress)
    except (TreeError, NoticeDataMissing) as exc:
        say(str(exc))
        return EXIT_USAGE
    patch = suggest_patch(found.root, found.notices, min_score=min_score, catalog=found.catalog)
    try:
        write_bytes(target, patch.diff)
    except OSError as exc:
        say(f"cannot write {'stdout' if target is None else output}: {exc.strerror or exc}")
        return EXIT_USAGE
    for skipped in patch.skipped:
        say(f"{skipped.path}: skipped: {skipped.reason}" + (f" ({skipped.detail})" if skipped.detail else ""))
    for path, why in found.unreadable:
        say(f"{path}: not read: {why}")
    where = f" under {scope}" if scope else ""
    summary = patch.summary()
    if found.unreadable:
        summary += f"; {len(found.unreadable)} unreadable"
    say(f"{summary}; {found.without_notice} untagged file{'' if found.without_notice == 1 else 's'}{where} "
        "without a recognised notice")
    return EXIT_UNREADABLE if found.unreadable else EXIT_OK
