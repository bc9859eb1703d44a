"""A git revision as lictree reads it: from git's objects, never from a checkout.

Only what a diff needs is read: the listing of a revision (``list_tree``) or what changed between two
(``changed_paths``: ``git diff-tree -M``, renames included), the revision's LICENSES/, COPYING and
scripts/spdxexclude (``revision_context``: copied to a temporary directory, which the ``Context`` is
made from and which is then removed), and blobs (``BlobReader``: one ``git cat-file --batch``).

``evaluate_blob`` gives a blob the very verdict a scan of a checkout gives the file: the same bytes are
looked at (a C source whole, any other file up to its 15th line, the notice in its first 16 KiB), with
the same rules.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterable, Iterator
from typing import NamedTuple

from tui.core.evaluate import Context, Outcome
from tui.core.exclude import EXCLUDE_FILE
from tui.core.headers import MAX_LINES, extract_header
from tui.core.notices import reading as notice_reading
from tui.core.notices.candidates import HEAD_BYTES as NOTICE_HEAD_BYTES
from tui.core.notices.candidates import needs_matching
from tui.core.scan import BODY_SUFFIXES, HEAD_BYTES, MAX_BODY_BYTES, MAX_HEAD_BYTES, Facts, _git_env, _module_licenses
from tui.core.scan import _fastread as _scan_fastread

#: git's modes: a symlink, a submodule (never read, as a scan of a checkout skips it).
SYMLINK_MODE, GITLINK_MODE = "120000", "160000"
#: What a revision's context is made of (``revision_context``).
#: What a revision's ``Context`` is made of (and what tells a REUSE tree: REUSE.toml, .reuse/dep5).
CONTEXT_PATHS = ("LICENSES", "COPYING", "LICENSE", "LICENCE", EXCLUDE_FILE, "REUSE.toml", ".reuse")


class RevisionError(Exception):
    """A revision or repository that cannot be read: a one-line message."""


def git(repo: str, *args: str, data: bytes | None = None, check: bool = True) -> bytes:
    """git's output; RevisionError with git's first line of complaint when it fails (and *check*)."""
    env = _git_env(repo)
    env.pop("GIT_CEILING_DIRECTORIES", None)
    try:
        done = subprocess.run(["git", "-C", repo, *args], input=data, capture_output=True, env=env, check=False)
    except OSError as exc:
        raise RevisionError(f"cannot run git: {exc.strerror or exc}") from None
    if check and done.returncode != 0:
        lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise RevisionError(lines[0] if lines else f"git {args[0]} failed")
    return done.stdout


def repository_of(path: str) -> str | None:
    """The git repository *path* is in (its top directory; a bare repository's own directory), or None."""
    if not os.path.isdir(path):
        return None
    env = _git_env(path)
    env.pop("GIT_CEILING_DIRECTORIES", None)
    for flag in ("--show-toplevel", "--absolute-git-dir"):
        done = subprocess.run(["git", "-C", path, "rev-parse", flag], capture_output=True, env=env, check=False)
        out = done.stdout.decode("utf-8", "surrogateescape").strip()
        if done.returncode == 0 and out:
            return out
    return None


class Revision(NamedTuple):
    """A revision of a repository: as given, its commit (or "" for a tree) and its tree."""

    repo: str
    rev: str
    commit: str
    tree: str


def resolve(repo: str, rev: str) -> Revision:
    """*rev* (a tag, branch, commit, tree...) of *repo*, or RevisionError saying why not."""
    if not rev or rev.startswith("-"):
        raise RevisionError(f"{rev!r}: not a revision")
    tree = git(repo, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{tree}}", check=False).strip()
    if not tree:
        shallow = git(repo, "rev-parse", "--is-shallow-repository", check=False).strip() == b"true"
        note = " (the repository's history is shallow: 'git fetch --unshallow' may bring it)" if shallow else ""
        raise RevisionError(f"{rev}: unknown revision in {repo}{note}")
    commit = git(repo, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}", check=False)
    return Revision(repo, rev, commit.decode().strip(), tree.decode().strip())


class Entry(NamedTuple):
    """A file of a revision: its mode and blob id."""

    mode: str
    oid: str


def list_tree(repo: str, tree: str) -> dict[str, Entry]:
    """Every file of a tree (submodules left out, as a scan of a checkout leaves them): path -> Entry."""
    out = git(repo, "ls-tree", "-r", "-z", "--full-tree", tree)
    files: dict[str, Entry] = {}
    for record in out.split(b"\0"):
        if not record:
            continue
        meta, _, path = record.partition(b"\t")
        mode, kind, oid = meta.decode().split(" ")
        if kind == "blob":
            files[os.fsdecode(path)] = Entry(mode, oid)
    return files


class Change(NamedTuple):
    """One line of ``git diff-tree --raw``: a letter (A, D, M, T, R), the paths and the two sides' entries
    (None on the side where the file does not exist)."""

    status: str
    old_path: str | None
    new_path: str | None
    old: Entry | None
    new: Entry | None


def changed_paths(repo: str, old_tree: str, new_tree: str, paths: Iterable[str] = ()) -> list[Change]:
    """What differs between two trees, renames found as git finds them (-M: 50% alike); *paths* limits it."""
    spec = ["--", *paths] if paths else []
    out = git(repo, "diff-tree", "-r", "-z", "-M", "--raw", "--no-abbrev", old_tree, new_tree, *spec)
    return parse_raw(out)


def parse_raw(out: bytes) -> list[Change]:
    """``--raw -z`` output as Changes (submodules left out; a copy, C, counts as an addition)."""
    changes: list[Change] = []
    fields = out.split(b"\0")
    i = 0
    while i < len(fields) - 1:
        meta = fields[i].decode()
        if not meta.startswith(":"):
            i += 1
            continue
        old_mode, new_mode, old_oid, new_oid, status = meta[1:].split(" ")
        letter = status[0]
        if letter in "RC":
            first, second = os.fsdecode(fields[i + 1]), os.fsdecode(fields[i + 2])
            i += 3
        else:
            first = second = os.fsdecode(fields[i + 1])
            i += 2
        old = Entry(old_mode, old_oid) if old_mode != "000000" and old_mode != GITLINK_MODE else None
        new = Entry(new_mode, new_oid) if new_mode != "000000" and new_mode != GITLINK_MODE else None
        if letter == "C":
            letter, old, first = "A", None, None
        if old is None and new is None:
            continue
        if old is None:
            letter, first = "A", None
        elif new is None:
            letter, second = "D", None
        changes.append(Change(letter, first, second, old, new))
    return changes


def revision_context(revision: Revision) -> Context:
    """The ``Context`` of a revision: its LICENSES/, COPYING and spdxexclude, from git's objects (copied to a
    temporary directory for as long as the Context is made). Its ``root`` is the repository."""
    out = git(revision.repo, "ls-tree", "-r", "-z", "--full-tree", revision.tree, "--", *CONTEXT_PATHS)
    wanted: list[tuple[str, Entry]] = []
    for record in out.split(b"\0"):
        if record:
            meta, _, path = record.partition(b"\t")
            mode, kind, oid = meta.decode().split(" ")
            if kind == "blob":
                wanted.append((os.fsdecode(path), Entry(mode, oid)))
    scratch = tempfile.mkdtemp(prefix="lictree-rev-")
    try:
        with BlobReader(revision.repo) as reader:
            for (path, entry), (_request, data) in zip(wanted, reader.read(e.oid for _p, e in wanted)):
                full = os.path.join(scratch, path)
                os.makedirs(os.path.dirname(full), exist_ok=True)
                if entry.mode == SYMLINK_MODE:
                    os.symlink(os.fsdecode(data), full)
                else:
                    with open(full, "wb") as handle:
                        handle.write(data)
        ctx = Context(scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    ctx.root = revision.repo
    return ctx


def write_out(revision: Revision, directory: str) -> dict[str, Entry]:
    """Every file of *revision* written in *directory* from git's objects (the repository's work tree and index
    untouched; submodules left out, symlinks made as git stores them): what it wrote, path -> Entry."""
    entries = list_tree(revision.repo, revision.tree)
    paths = sorted(entries)
    made: set[str] = set()
    with BlobReader(revision.repo) as reader:
        for path, (_request, data) in zip(paths, reader.read(entries[p].oid for p in paths)):
            full = os.path.join(directory, path)
            parent = os.path.dirname(full)
            if parent not in made:
                os.makedirs(parent, exist_ok=True)
                made.add(parent)
            entry = entries[path]
            if entry.mode == SYMLINK_MODE:
                os.symlink(os.fsdecode(data), full)
                continue
            with open(full, "wb") as handle:
                handle.write(data)
            if entry.mode == "100755":
                os.chmod(full, 0o755)
    return entries


class BlobReader:
    """One ``git cat-file --batch`` (with --follow-symlinks: requests of the form ``tree:path`` follow
    a symlink inside the tree); blobs are read in the order asked, each request answered once."""

    def __init__(self, repo: str) -> None:
        self.repo = repo
        env = _git_env(repo)
        env.pop("GIT_CEILING_DIRECTORIES", None)
        try:
            self.proc = subprocess.Popen(["git", "-C", repo, "cat-file", "--batch", "--follow-symlinks"],
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                         env=env, bufsize=1 << 16)
        except OSError as exc:
            raise RevisionError(f"cannot run git: {exc.strerror or exc}") from None

    def __enter__(self) -> BlobReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                if stream:
                    stream.close()
            except OSError:
                pass
        self.proc.wait()

    def read(self, requests: Iterable[str]) -> Iterator[tuple[str, bytes]]:
        """(request, data) for each request (a blob id, or ``tree:path``); RevisionError for a missing object.

        A request that resolves to something other than a blob (a symlink leading out of the tree, to a
        directory, nowhere) gives ``(kind, detail)`` as ``(request, b"\\0" + kind + b"\\0" + detail)``."""
        asked = list(requests)
        if not asked:
            return
        stdin, stdout = self.proc.stdin, self.proc.stdout
        assert stdin is not None and stdout is not None

        def feed() -> None:
            try:
                for request in asked:
                    stdin.write(os.fsencode(request) + b"\n")
                stdin.flush()
            except (BrokenPipeError, ValueError, OSError):
                pass

        writer = threading.Thread(target=feed, daemon=True)
        writer.start()
        try:
            for request in asked:
                header = stdout.readline()
                if not header:
                    raise RevisionError(f"git cat-file stopped while reading {request} from {self.repo}")
                parts = header.rstrip(b"\n").split(b" ")
                if parts[-1] == b"missing":
                    raise RevisionError(f"{request}: object missing from the repository {self.repo} "
                                        "(a shallow or partial clone?)")
                if len(parts) == 3 and parts[1] in (b"blob", b"tree", b"commit", b"tag"):
                    size = int(parts[2])
                    data = _read_exactly(stdout, size + 1)[:-1]
                    yield request, (data if parts[1] == b"blob" else b"\0" + parts[1] + b"\0")
                elif len(parts) == 2 and parts[1].isdigit():  # symlink, dangling, loop, notdir: then a name
                    detail = _read_exactly(stdout, int(parts[1]) + 1)[:-1]
                    yield request, b"\0" + parts[0] + b"\0" + detail
                else:
                    raise RevisionError(f"{request}: git cat-file answered {header[:80]!r}")
        finally:
            writer.join()


def _read_exactly(stream, size: int) -> bytes:  # noqa: ANN001 - a binary stream
    data = stream.read(size)
    if len(data) != size:
        raise RevisionError("git cat-file stopped in the middle of an object")
    return data


#: What cat-file's --follow-symlinks answers become (``read_facts``'s words for the same files on disk).
_LINK_ERRORS = {b"symlink": "symlink to outside the tree: not followed", b"dangling": "dangling symlink: not followed",
                b"loop": "symlink loop: not followed", b"notdir": "dangling symlink: not followed"}
#: A symlink to a directory: not a file of the index (a scan of a checkout skips it too).
NOT_A_FILE = object()


def facts_of_blob(path: str, data: bytes) -> Facts:
    """The Facts ``scan.read_facts`` gives for a file holding *data*: the same bytes looked at."""
    if path.endswith(BODY_SUFFIXES):
        body = data[: MAX_BODY_BYTES + 1]
        header = extract_header(body)
        at = body.rfind(b"MODULE_LICENSE")
        if at >= 0 and not header.binary:
            return Facts(header, _module_licenses(body, at), None, len(body), body)
        return Facts(header, (), None, len(body), body)
    head = data[:HEAD_BYTES]
    if len(head) == HEAD_BYTES and head.count(b"\n") < MAX_LINES:
        while len(head) < MAX_HEAD_BYTES and head.count(b"\n") < MAX_LINES:
            more = data[len(head) : len(head) + min(HEAD_BYTES * 4, MAX_HEAD_BYTES - len(head))]
            if not more:
                break
            head += more
    return Facts(extract_header(head), (), None, len(head), head)


#: ``candidates.needs_matching``, in C where the C reader is built (the same test a scan of a checkout makes).
_candidate = getattr(_scan_fastread, "notice_candidate", None) or needs_matching


def evaluate_blob(ctx: Context, path: str, data: bytes | None) -> Outcome | object:
    """The outcome of a file of a revision at *path* with content *data* (None: excluded, not read), as
    ``build._evaluate_one`` gives it for a checkout; ``NOT_A_FILE`` for a symlink to a directory."""
    if data is None or ctx.exclude.excluded(path):
        return ctx.evaluate(path, None)
    if data.startswith(b"\0"):
        kind, _, _detail = data[1:].partition(b"\0")
        if kind == b"tree":
            return NOT_A_FILE
        return ctx.evaluate(path, Facts(None, error=_LINK_ERRORS.get(kind, "not a regular file: not opened")))
    facts = facts_of_blob(path, data)
    outcome = ctx.evaluate_read(path, facts)
    header = facts.header
    if (header is not None and not header.binary and _candidate(facts.body, header.line is not None)
            and notice_reading.available()):
        head = data[:NOTICE_HEAD_BYTES]
        notice, like_line = notice_reading.read_notice(head, path, ctx.catalog)
        outcome = ctx.with_notice(path, outcome, notice, like_line, head)
    return outcome
