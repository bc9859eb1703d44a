"""SPDX 2.3 documents of a tree's license tags, built and validated with spdx-tools.

One package (the tree; its license from COPYING) contains one file entry per indexed file, with
the SHA1 of its content and its effective licence:

- a tagged file: ``licenseInfoInFiles`` and ``licenseConcluded`` from its SPDX-License-Identifier
  tag (a notice that contradicts the tag is said in ``licenseComments``);
- an untagged file whose licence notice was recognised: ``licenseInfoInFiles`` and
  ``licenseConcluded`` from the notice, with a ``licenseComments`` saying so (its lines, the rule
  of the notice data and the score): never presented as a tag;
- an untagged file without a notice: concluded from the COPYING default, nothing found in the file.

Ids of LICENSES/ that are not on the SPDX License List become ``LicenseRef-…`` with their text as
ExtractedLicensingInfo, as do the ids of notices that are not on the list (ScanCode's
``LicenseRef-scancode-…``, with the data set's name and text for them). spdx-tools normalises ids to
the current list (``GPL-2.0`` is written ``GPL-2.0-only``).

spdx-tools' own writers and validator are quadratic in the number of files (an id is looked up
in a list), which takes hours on the 87k files of Linux 6.12. So the writers here stream the
files: each distinct licensing of a file is converted once by spdx-tools' converters and file
writer, and only the name, SPDXID, checksum and (for notices) the licence comment change from file
to file; the output equals what
spdx-tools writes for the whole ``Document`` (the tests compare them), and validation runs
spdx-tools' ``validate_full_spdx_document`` on a document with one file of each licensing.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import stat
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import repeat
from typing import TYPE_CHECKING, Any, TextIO

from tui import __version__
from tui.core.report import json_strings, printable
from tui.core.status import EXCLUDED, INVALID, UNTAGGED, VALID

if TYPE_CHECKING:
    from spdx_tools.spdx.model import Document, Relationship

    from tui.core.catalog import Catalog, LicenseEntry
    from tui.core.index import LicenseIndex
    from tui.core.notices.notice import Notice

SPDX_VERSION = "SPDX-2.3"
DOCUMENT_ID = "SPDXRef-DOCUMENT"
PACKAGE_ID = "SPDXRef-Package"
_POOL_THRESHOLD = 4000
_CHUNK = 2000
_SENTINEL = "\x00lictree-sentinel\x00"
_SPDX_ID_RE = re.compile(r"^SPDXRef-[\da-zA-Z.-]+$")
_SHA1_RE = re.compile(r"^[0-9a-f]{40}$")
_WORD_RE = re.compile(r"[A-Za-z.0-9\-+]+|[()]")


# Checksums ------------------------------------------------------------------------------------


def _hash_chunk(job: tuple[str, str, Sequence[str]]) -> list[str | None]:
    """SHA1 of each file (None: unreadable, not a regular file, or a symlink out of the tree)."""
    root, root_real, paths = job
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    out: list[str | None] = []
    dirfd = os.open(root, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        for path in paths:
            out.append(_hash_one(dirfd, root, root_real, path, flags))
    finally:
        os.close(dirfd)
    return out


def _hash_one(dirfd: int, root: str, root_real: str, path: str, flags: int) -> str | None:
    try:
        fd = os.open(path, flags, dir_fd=dirfd)
    except OSError as exc:
        if exc.errno not in (errno.ELOOP, errno.EMLINK):
            return None
        target = os.path.realpath(os.path.join(root, path))
        if not target.startswith(root_real + os.sep):
            return None
        try:
            fd = os.open(target, flags & ~os.O_NOFOLLOW)
        except OSError:
            return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        digest = hashlib.sha1(usedforsecurity=False)
        while True:
            block = os.read(fd, 1 << 20)
            if not block:
                return digest.hexdigest()
            digest.update(block)
    except OSError:
        return None
    finally:
        os.close(fd)


def sha1_files(root: str, paths: Sequence[str], workers: int | None = None) -> list[str | None]:
    """The SHA1 of each of *paths* under *root* (read-only), in forked reader processes for big trees."""
    from tui.core import readers

    root_real = os.path.realpath(root)
    workers = workers if workers is not None else min(2, os.cpu_count() or 1)
    if workers <= 1 or len(paths) < _POOL_THRESHOLD or not readers.can_fork():
        return _hash_chunk((root, root_real, paths))
    jobs = [(root, root_real, paths[i : i + _CHUNK]) for i in range(0, len(paths), _CHUNK)]
    return [digest for chunk in readers.run_forked(_hash_chunk, jobs, workers) for digest in chunk]


# Ids and expressions ---------------------------------------------------------------------------


def _spdx_symbols() -> tuple[dict[str, tuple[str, bool]], dict[str, tuple[str, bool]]]:
    """UPPER id or alias on the SPDX License List -> (listed id, is an exception); and the same for the
    LicenseRef- ids the list's data gives as aliases of listed ids (``LicenseRef-scancode-…`` of a
    licence the list has since taken in)."""
    from spdx_tools.common.spdx_licensing import spdx_licensing

    known: dict[str, tuple[str, bool]] = {}
    refs: dict[str, tuple[str, bool]] = {}
    for key, symbol in spdx_licensing.known_symbols.items():
        if key.startswith("LicenseRef-"):
            continue
        entry = (key, bool(symbol.is_exception))
        known.setdefault(key.upper(), entry)
        for alias in getattr(symbol, "aliases", ()) or ():
            (refs if alias.startswith("LicenseRef-") else known).setdefault(alias.upper(), entry)
    return known, refs


def license_ref(any_id: str) -> str:
    """The LicenseRef- id standing for an id that is not on the SPDX License List (a LicenseRef- id, as a
    notice may name, stays as it is)."""
    text = any_id[:-1] + "-or-later" if any_id.endswith("+") else any_id
    if text.startswith("LicenseRef-"):
        text = text[len("LicenseRef-"):]
    return "LicenseRef-" + (re.sub(r"[^A-Za-z0-9.-]+", "-", text).strip("-") or "unnamed")


_SCANCODE_REF = "LicenseRef-scancode-"


def scancode_licence(ref: str) -> tuple[str, str, list[str]] | None:
    """The name, text and URLs of the licence of the notice data (ScanCode's licensedcode-data) a
    ``LicenseRef-scancode-<key>`` stands for; None when the data has no such licence."""
    if not ref.startswith(_SCANCODE_REF):
        return None
    try:
        from tui.core.notices.data import _split, data_dir

        with open(os.path.join(data_dir(), "licenses", ref[len(_SCANCODE_REF):] + ".LICENSE"),
                  encoding="utf-8", errors="replace") as handle:
            meta, body = _split(handle.read())
    except (OSError, ImportError):
        return None
    urls = [u for u in (meta.get("homepage_url", ""),) if u.startswith(("http://", "https://"))]
    return meta.get("name") or meta.get("short_name") or ref, body.strip("\n"), urls


class _Licensing:
    """Kernel expressions -> spdx-tools LicenseExpressions, with LicenseRef- for unlisted ids."""

    def __init__(self, catalog: Catalog) -> None:
        from spdx_tools.common.spdx_licensing import spdx_licensing

        self.licensing = spdx_licensing
        self.catalog = catalog
        self.known, self.listed_refs = _spdx_symbols()
        self.refs: dict[str, LicenseEntry | None] = {}  # LicenseRef id -> the LICENSES/ entry
        self._cache: dict[str, Any] = {}

    def listed(self, any_id: str, exception: bool) -> bool:
        found = self.known.get(any_id.upper())
        return found is not None and found[1] == exception

    def ref_for(self, any_id: str) -> str:
        entry = self.catalog.license(any_id) or self.catalog.exception(any_id)
        name = entry.name if entry is not None and _WORD_RE.fullmatch(entry.name) else any_id
        ref = license_ref(name)
        self.refs.setdefault(ref, entry)
        return ref

    def rewrite(self, expression: str) -> str:
        """*expression* with every unlisted id replaced by its LicenseRef- (an unlisted exception
        after WITH becomes ``AND LicenseRef-…``: SPDX 2.3 has no custom exceptions)."""
        words = _WORD_RE.findall(expression)
        out: list[str] = []
        for n, word in enumerate(words):
            upper = word.upper()
            if word in "()" or upper in ("AND", "OR"):
                out.append(upper if word not in "()" else word)
            elif upper == "WITH":
                following = words[n + 1] if n + 1 < len(words) else ""
                out.append("WITH" if self.listed(following, True) else "AND")
            else:
                after_with = n > 0 and words[n - 1].upper() == "WITH"
                listed = self.listed_refs.get(upper)
                if listed is not None and listed[1] == after_with:  # a LicenseRef- of a listed id: the id
                    out.append(listed[0])
                else:
                    out.append(word if self.listed(word, after_with) else self.ref_for(word))
        return " ".join(out).replace("( ", "(").replace(" )", ")")

    def parse(self, expression: str) -> Any:
        """The LicenseExpression for a kernel-valid *expression*; ValueError when it cannot be."""
        parsed = self._cache.get(expression)
        if parsed is None:
            try:
                parsed = self.licensing.parse(self.rewrite(expression), validate=False, strict=True)
            except Exception as exc:  # license-expression raises several unrelated types
                raise ValueError(f"{expression}: {exc}") from None
            if parsed is None:
                raise ValueError(f"{expression}: empty")
            self._cache[expression] = parsed
        return parsed

    def units(self, parsed: Any) -> list[Any]:
        """The licenses of an expression, each with its exception (``GPL-2.0-only WITH Linux-syscall-note``)."""
        return list(self.licensing.license_symbols(parsed, unique=True, decompose=False))


# The document ----------------------------------------------------------------------------------


@dataclass(slots=True)
class _Licensed:
    """What a group of files share: concluded license, license info in the files, comment (None with
    ``own_comments``: each file of the group has its own, in ``SpdxPlan.comments``)."""

    concluded: Any
    infos: list[Any]
    comment: str | None
    own_comments: bool = False


@dataclass(slots=True)
class SpdxPlan:
    """Everything an SPDX document of the tree holds, files kept as light rows until written."""

    creation_info: Any
    package: Any
    extracted: list[Any]
    names: list[str] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    sha1s: list[str] = field(default_factory=list)
    groups: list[int] = field(default_factory=list)
    licensed: list[_Licensed] = field(default_factory=list)
    left_out: list[tuple[str, str]] = field(default_factory=list)
    #: Each file's own licence comment (files of a group with ``own_comments``), else "".
    comments: list[str] = field(default_factory=list)
    #: A REUSE tree's files: each one's copyright notices, one a line ("": none, NOASSERTION); None in a
    #: kernel tree, whose files have no copyright text in the document.
    copyrights: list[str] | None = None

    def _file(self, i: int, name: str | None = None, spdx_id: str | None = None, sha1: str | None = None,
              comment: str | None = None, copyright_text: str | None = None) -> Any:
        from spdx_tools.spdx.model import Checksum, ChecksumAlgorithm, File, SpdxNoAssertion

        licensed = self.licensed[self.groups[i]] if i >= 0 else self.licensed[-i - 1]
        if comment is None:
            comment = self.comments[i] if licensed.own_comments and i >= 0 else licensed.comment
        copyright_value: Any = None
        if self.copyrights is not None:
            if copyright_text is None and i >= 0:
                copyright_text = self.copyrights[i]
            copyright_value = copyright_text or SpdxNoAssertion()
        return File(
            name=self.names[i] if name is None else name,
            spdx_id=self.ids[i] if spdx_id is None else spdx_id,
            checksums=[Checksum(ChecksumAlgorithm.SHA1, self.sha1s[i] if sha1 is None else sha1)],
            license_concluded=licensed.concluded,
            license_info_in_file=list(licensed.infos),
            license_comment=comment,
            copyright_text=copyright_value,
        )

    def _relationships(self, file_ids: Sequence[str]) -> list[Relationship]:
        from spdx_tools.spdx.model import Relationship, RelationshipType

        rels = [Relationship(DOCUMENT_ID, RelationshipType.DESCRIBES, PACKAGE_ID)]
        rels.extend(Relationship(PACKAGE_ID, RelationshipType.CONTAINS, i) for i in file_ids)
        return rels

    def document(self, rows: Sequence[int] | None = None) -> Document:
        """The spdx-tools Document (every file, or only *rows*): slow beyond a few thousand files."""
        from spdx_tools.spdx.model import Document

        rows = range(len(self.names)) if rows is None else rows
        files = [self._file(i) for i in rows]
        return Document(
            self.creation_info,
            packages=[self.package],
            files=files,
            relationships=self._relationships([f.spdx_id for f in files]),
            extracted_licensing_info=list(self.extracted),
        )

    def validate(self) -> list[str]:
        """spdx-tools' validation of a document holding one file of each licensing, plus the
        per-file fields spdx-tools checks (SPDXID, name, SHA1) for every file."""
        from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document

        first: dict[int, int] = {}
        for i, group in enumerate(self.groups):
            first.setdefault(group, i)
        messages = [m.validation_message for m in validate_full_spdx_document(self.document(sorted(first.values())))]
        if len(set(self.ids)) != len(self.ids):
            messages.append("SPDXIDs of files are not unique")
        if all(map(_SPDX_ID_RE.match, self.ids)) and all(map(_SHA1_RE.match, self.sha1s)) and not any(
                map(str.startswith, self.names, repeat("/"))):
            return messages  # every file is fine (checked in C): nothing to look for one by one
        for name, spdx_id, sha1 in zip(self.names, self.ids, self.sha1s):
            if not _SPDX_ID_RE.match(spdx_id):
                messages.append(f"invalid SPDXID {spdx_id}")
            if name.startswith("/"):
                messages.append(f"file name must not be absolute: {name}")
            if not _SHA1_RE.match(sha1):
                messages.append(f"invalid SHA1 for {name}")
        return messages

    def fresh_fields(self) -> dict[str, str]:
        """What a copy of this document written later must change, as written: its namespace
        (unique to each document) and its creation time (``refresh_document``)."""
        from spdx_tools.spdx.datetime_conversions import datetime_to_iso_string

        return {"namespace": self.creation_info.document_namespace,
                "created": datetime_to_iso_string(self.creation_info.created)}

    # Writers ----------------------------------------------------------------------------------

    def write_json(self, out: TextIO) -> None:
        """The document as spdx-tools' JSON writer makes it, one file or relationship a line."""
        import json
        from json.encoder import encode_basestring_ascii as quoted

        from spdx_tools.spdx.jsonschema.document_converter import DocumentConverter
        from spdx_tools.spdx.jsonschema.file_converter import FileConverter
        from spdx_tools.spdx.jsonschema.relationship_converter import RelationshipConverter
        from spdx_tools.spdx.model import Document

        skeleton = Document(self.creation_info, packages=[self.package], extracted_licensing_info=list(self.extracted),
                            relationships=self._relationships([]))
        head = DocumentConverter().convert(skeleton)
        relationships = head.pop("relationships", [])
        out.write("{\n")
        for key, value in head.items():
            out.write(f" {json.dumps(key)}: {json.dumps(value)},\n")
        file_converter = FileConverter()
        # plain: JSON keeps them
        marks = ("lictree-mark-id-3f9c", "lictree-mark-name-3f9c", "lictree-mark-sha1-3f9c", "lictree-mark-note-3f9c",
                 "lictree-mark-copyright-3f9c")
        copyright_mark = marks[4] if self.copyrights is not None else None
        templates = [_template(json.dumps(file_converter.convert(
            self._file(-g - 1, marks[1], marks[0], marks[2], marks[3] if licensed.own_comments else None,
                       copyright_mark), skeleton)),
            marks) for g, licensed in enumerate(self.licensed)]
        names = json_strings(self.names)  # quoted: the template has the quotes
        comments = [c and quoted(c)[1:-1] for c in self.comments] if any(self.comments) else self.comments
        columns: tuple[Sequence[str], ...] = (self.ids, [n[1:-1] for n in names], self.sha1s, comments)
        if self.copyrights is not None:  # (map stops at the shortest column: none is left empty)
            columns += ([quoted(c)[1:-1] if c else "NOASSERTION" for c in self.copyrights],)
        _write_json_list(out, "files", _filled(templates, self.groups, marks, columns), last=False)
        contains = RelationshipConverter().convert(self._relationships([marks[0]])[1])
        related = _template(json.dumps(contains), marks)
        _write_json_list(out, "relationships", [*map(json.dumps, relationships),
                                                *_filled([related], repeat(0, len(self.ids)), marks, columns)],
                         last=True)
        out.write("}\n")

    def write_tv(self, out: TextIO) -> None:
        """The document as spdx-tools' tag-value writer makes it (files listed under the package)."""
        from io import StringIO

        from spdx_tools.spdx.writer.tagvalue.creation_info_writer import write_creation_info
        from spdx_tools.spdx.writer.tagvalue.extracted_licensing_info_writer import write_extracted_licensing_info
        from spdx_tools.spdx.writer.tagvalue.file_writer import write_file
        from spdx_tools.spdx.writer.tagvalue.package_writer import write_package
        from spdx_tools.spdx.writer.tagvalue.relationship_writer import write_relationship
        from spdx_tools.spdx.writer.tagvalue.tagvalue_writer_helper_functions import (
            write_list_of_elements,
            write_optional_heading,
            write_separator,
        )

        out.write("## Document Information\n")
        write_creation_info(self.creation_info, out)
        write_separator(out)
        write_package(self.package, out)
        write_separator(out)
        marks = tuple(_SENTINEL + what for what in ("id", "name", "sha1", "note", "copyright"))
        copyright_mark = marks[4] if self.copyrights is not None else None
        templates = []
        for g, licensed in enumerate(self.licensed):
            buffer = StringIO()
            write_file(self._file(-g - 1, marks[1], marks[0], marks[2], marks[3] if licensed.own_comments else None,
                                  copyright_mark), buffer)
            template = _template(buffer.getvalue() + "\n", marks)
            if len(template[1]) != 3 + licensed.own_comments + (copyright_mark is not None):
                raise ValueError("unexpected layout of spdx-tools' file writer")
            templates.append(template)
        columns: tuple[Sequence[str], ...] = (self.ids, self.names, self.sha1s, self.comments)
        if self.copyrights is not None:  # as spdx-tools' write_text_value writes them: several lines in <text>
            columns += ([(f"<text>{c}</text>" if "\n" in c else c) if c else "NOASSERTION" for c in self.copyrights],)
        chunk: list[str] = []
        for line in _filled(templates, self.groups, marks, columns):
            chunk.append(line)
            if len(chunk) >= 4096:
                out.write("".join(chunk))
                chunk.clear()
        out.write("".join(chunk))
        write_optional_heading(self.extracted, "## License Information\n", out)
        write_list_of_elements(self.extracted, write_extracted_licensing_info, out, with_separator=True)
        relationships = self._relationships([])
        write_optional_heading(relationships, "## Relationships\n", out)
        write_list_of_elements(relationships, write_relationship, out)
        write_separator(out)


#: Where each format writes the creation time: its first occurrence is the document's own.
_CREATED_AT = {"spdx-json": '"created": "', "spdx-tv": "\nCreated: "}


def refresh_document(data: bytes, fmt: str, fresh: dict[str, str]) -> list[bytes | memoryview]:
    """An SPDX document (*data*, as ``SpdxPlan`` wrote it, UTF-8) with a new namespace and creation
    time, as pieces to write one after the other (the rest of the document is not copied).

    The old namespace ends in a random UUID and occurs once, in the creation info at the top, as
    does the creation time after its tag: both are replaced there, and nothing else changes."""
    from spdx_tools.spdx.datetime_conversions import datetime_to_iso_string

    namespace = fresh["namespace"]
    renamed = namespace[: -len(str(uuid.UUID(namespace[-36:])))] + str(uuid.uuid4())  # the UUID ends it
    created = datetime_to_iso_string(datetime.now(UTC).replace(microsecond=0))
    tag = _CREATED_AT[fmt]
    changes = sorted([(data.find(namespace.encode()), namespace, renamed),
                      (data.find((tag + fresh["created"]).encode()), tag + fresh["created"], tag + created)])
    if changes[0][0] < 0:
        raise ValueError("the kept SPDX document has no namespace or no creation time")
    view = memoryview(data)
    pieces: list[bytes | memoryview] = []
    at = 0
    for start, old, new in changes:
        pieces += [view[at:start], new.encode()]
        at = start + len(old.encode())
    pieces.append(view[at:])
    return pieces


def _template(text: str, marks: Sequence[str]) -> tuple[list[str], list[str]]:
    """*text* cut at each of *marks* it holds: (the pieces, the mark after each piece but the last)."""
    found = sorted((text.find(mark), mark) for mark in marks if mark in text)
    pieces, order, at = [], [], 0
    for start, mark in found:
        pieces.append(text[at:start])
        order.append(mark)
        at = start + len(mark)
    pieces.append(text[at:])
    return pieces, order


def _filled(templates: Sequence[tuple[list[str], list[str]]], groups: Iterable[int], marks: Sequence[str],
            columns: Sequence[Sequence[str]]) -> Iterator[str]:
    """Each file's line: its group's template with the file's own values where the marks were (the
    value of ``marks[k]`` is in ``columns[k]``; a template needs not hold every mark)."""
    if not templates:  # no file selected: no line
        return iter(())
    formats = []
    for pieces, order in templates:
        escaped = [piece.replace("{", "{{").replace("}", "}}") for piece in pieces]
        fields = (f"{{{marks.index(mark)}}}{piece}" for mark, piece in zip(order, escaped[1:], strict=True))
        formats.append(escaped[0] + "".join(fields))
    return map(str.format, map(formats.__getitem__, groups), *columns)


def _write_json_list(out: TextIO, key: str, items: Iterable[str], last: bool) -> None:
    """A list of items (each already JSON), one a line."""
    out.write(f' "{key}": [')
    separator = "\n  "
    chunk: list[str] = []
    for item in items:
        chunk.append(separator)
        chunk.append(item)
        separator = ",\n  "
        if len(chunk) >= 8192:
            out.write("".join(chunk))
            chunk.clear()
    out.write("".join(chunk))
    out.write("\n ]" + ("\n" if last else ",\n"))


_NOT_ID_RE = re.compile(r"[^A-Za-z0-9.]+")


_NOT_ID_OR_NUL_RE = re.compile(r"[^A-Za-z0-9.\0]+")


def _file_id(path: str, taken: set[str]) -> str:
    """SPDXRef-File-<path with other characters as "-">, made unique with a -2, -3... suffix."""
    return _unique("SPDXRef-File-" + (_NOT_ID_RE.sub("-", path).strip("-") or "file"), taken)


def _unique(base: str, taken: set[str]) -> str:
    spdx_id, n = base, 1
    while spdx_id in taken:
        n += 1
        spdx_id = f"{base}-{n}"
    taken.add(spdx_id)
    return spdx_id


def _file_ids(paths: Sequence[str]) -> list[str]:
    """``_file_id`` of each of *paths*, in order: the characters replaced in all of them at once."""
    if not paths:
        return []
    taken: set[str] = set()
    ids = []
    for text in _NOT_ID_OR_NUL_RE.sub("-", "\0".join(paths)).split("\0"):  # no path holds a NUL
        base = "SPDXRef-File-" + (text.strip("-") or "file")
        if base in taken:
            base = _unique(base, taken)
        taken.add(base)
        ids.append(base)
    return ids


def _license_text(root: str, entry: LicenseEntry | None) -> str:
    """A LICENSES/ file's text after its License-Text: tag (or all of it)."""
    if entry is None:
        return "NOASSERTION"
    try:
        with open(os.path.join(root, entry.path), "rb") as handle:
            text = handle.read(1 << 20).decode("utf-8", errors="replace")
    except OSError:
        return "NOASSERTION"
    _, tag, after = text.partition("\nLicense-Text:")
    if not tag:
        _, tag, after = text.partition("\nException-Text:")
    body = (after if tag else text).strip("\n")
    return body or "NOASSERTION"


def _package_name(root: str) -> str:
    return os.path.basename(os.path.normpath(root)) or "tree"


def build_plan(index: LicenseIndex, positions: Sequence[int] | None = None, query: str | None = None,
               workers: int | None = None, hasher: Callable[..., list[str | None]] = sha1_files) -> SpdxPlan:
    """Everything the SPDX document of *index* (or of the files at *positions*) says, with checksums."""
    from spdx_tools.spdx.model import (
        Actor,
        ActorType,
        CreationInfo,
        ExtractedLicensingInfo,
        Package,
        PackageVerificationCode,
        SpdxNoAssertion,
    )

    licensing = _Licensing(index.catalog)
    reuse = index.ctx.reuse is not None
    rows = list(range(len(index.paths)) if positions is None else positions)
    paths = [index.paths[i] for i in rows]
    digests = hasher(index.root, paths, workers)
    name = _package_name(index.root)
    noassertion = SpdxNoAssertion()

    default_expr = index.catalog.copying_default
    try:
        default = licensing.parse(default_expr) if default_expr else noassertion
    except ValueError:
        default = noassertion
    copying = index.catalog.copying_path or "COPYING"
    groups: dict[tuple[int, str | None, str | None, bool], int] = {}
    licensed: list[_Licensed] = []
    from_files: dict[str, Any] = {}

    def group_of(code: int, expression: str | None, noticed: str | None, commented: bool) -> int:
        """The licensing of files of this status and tag expression, or of untagged files whose notice
        grants *noticed*; *commented*: each file has its own licence comment."""
        key = (code, expression if code in (VALID, INVALID) else None, noticed, commented)
        found = groups.get(key)
        if found is not None:
            return found
        if code == VALID and expression is not None:
            try:
                parsed = licensing.parse(expression)
                units = licensing.units(parsed)
                for unit in units:
                    from_files.setdefault(str(unit), unit)
                entry = _Licensed(parsed, units, None, commented)
            except ValueError as exc:
                entry = _Licensed(noassertion, [noassertion], f"The tag could not be converted to SPDX: {exc}")
        elif code == UNTAGGED and reuse:
            entry = _Licensed(noassertion, [noassertion], "No licensing information: no SPDX-License-Identifier in "
                                                          "the file, its .license sidecar, REUSE.toml or dep5.")
        elif code == UNTAGGED and noticed is not None:
            try:  # found in the file's notice, and concluded from it: never a declared tag
                parsed = licensing.parse(noticed)
                units = licensing.units(parsed)
                for unit in units:
                    from_files.setdefault(str(unit), unit)
                entry = _Licensed(parsed, units, None, True)
            except ValueError as exc:
                entry = _Licensed(noassertion, [noassertion],
                                  f"No SPDX-License-Identifier tag; the licence of the file's notice could not be "
                                  f"converted to SPDX: {printable(str(exc))}")
        elif code == UNTAGGED:
            note = f"the {copying} default applies" if default is not noassertion else f"{copying} gives no default"
            entry = _Licensed(default, [noassertion], f"No SPDX-License-Identifier tag in the first 15 lines: {note}.")
        elif code == INVALID:
            message = f"The SPDX-License-Identifier tag does not pass spdxcheck.py: {printable(expression or '')}"
            entry = _Licensed(noassertion, [noassertion], message)
        elif code == EXCLUDED:
            entry = _Licensed(noassertion, [noassertion], "Not covered by REUSE (LICENSES/, *.license, REUSE.toml, "
                                                          "COPYING*, LICENSE*, empty files...)." if reuse else
                              "Not checked: excluded (LICENSES/ or scripts/spdxexclude).")
        else:
            entry = _Licensed(noassertion, [noassertion], None)
        groups[key] = len(licensed)
        licensed.append(entry)
        return groups[key]

    left_out: list[tuple[str, str]] = [(path, "unreadable") for path, digest in zip(paths, digests) if digest is None]
    if left_out:
        readable = [j for j, digest in enumerate(digests) if digest is not None]
        rows, paths, digests = [rows[j] for j in readable], [paths[j] for j in readable], [digests[j] for j in readable]
    plan_names = ["./" + name for name in map(printable, paths)]
    plan_ids = _file_ids(paths)
    plan_sha1s: list[str] = digests  # type: ignore[assignment] - none is None any more
    # Files of the same status and expression (and untagged files of the same notice licence) share
    # their licensing: worked out once (in the order of their first file).
    status, exprs = index.status, index.exprs
    keys = list(zip(map(status.__getitem__, rows), map(exprs.__getitem__, rows), repeat(None), repeat(False)))
    plan_comments = [""] * len(rows)
    notices, findings = index.notices, index.findings
    if notices:
        for j, path in enumerate(paths):
            notice = notices.get(path)
            if notice is None:
                continue
            code, expression = keys[j][:2]
            if code == UNTAGGED:
                keys[j] = (code, None, notice.expression, True)
                plan_comments[j] = _notice_comment(notice)
            elif code == VALID and any(f.rule == "LT601" for f in findings.get(path, ())):
                keys[j] = (code, expression, None, True)
                plan_comments[j] = _contradiction_comment(notice)
    group_map = {key: group_of(*key) for key in dict.fromkeys(keys)}
    plan_groups = list(map(group_map.__getitem__, keys))
    sources = Counter(("notice" if key[2] is not None else "copying") if key[0] == UNTAGGED
                      else "tag" if key[0] in (VALID, INVALID) else "" for key in keys)

    # Every LICENSES/ id that is not on the SPDX list gets its LicenseRef, used or not.
    for entry in index.catalog.entries:
        for any_id in entry.ids:
            if _WORD_RE.fullmatch(any_id) and not licensing.listed(any_id, entry.is_exception):
                licensing.ref_for(any_id)
    extracted = [_extracted(ExtractedLicensingInfo, index.root, ref, entry)
                 for ref, entry in sorted(licensing.refs.items())]
    created = datetime.now(UTC).replace(microsecond=0)
    slug = re.sub(r"[^A-Za-z0-9.-]+", "-", name).strip("-") or "tree"
    tagged, noticed = sources["tag"], sources["notice"]
    defaulted = sources["copying"] if default is not noassertion else 0
    comment = (f"Licenses of {len(plan_names)} files of a kernel tree read by lictree: {tagged} from their "
               f"SPDX-License-Identifier tag, {noticed} concluded from the license notice of an untagged file "
               f"(its licenseComments say so; never a declared tag), {defaulted} from the {copying} default")
    if reuse:
        comment = (f"Licenses of {len(plan_names)} files of a REUSE tree read by lictree: {tagged} with licensing "
                   "information (in the whole file, a .license sidecar, REUSE.toml or .reuse/dep5, several combined "
                   "with AND; LicenseRef- texts from LICENSES/; each file's copyright notices as its copyright "
                   "text, NOASSERTION for none)")
    if index.scope:
        comment += f", under {printable(index.scope)} only"
    if query:
        comment += f", filtered by the query {printable(query)}"
    if left_out:
        comment += f"; {len(left_out)} unreadable files left out"
    creation_info = CreationInfo(
        spdx_version=SPDX_VERSION,
        spdx_id=DOCUMENT_ID,
        name=f"{slug}-licenses",
        document_namespace=f"https://spdx.org/spdxdocs/lictree/{slug}-{uuid.uuid4()}",
        creators=[Actor(ActorType.TOOL, f"lictree-{__version__}")],
        created=created,
        document_comment=comment + ".",
    )
    verification = hashlib.sha1("".join(sorted(plan_sha1s)).encode("ascii"), usedforsecurity=False).hexdigest()
    package = Package(
        spdx_id=PACKAGE_ID,
        name=name if not any(c in name for c in "\n\r") else slug,
        download_location=noassertion,
        files_analyzed=True,
        verification_code=PackageVerificationCode(verification),
        license_concluded=default,
        license_declared=default,
        license_info_from_files=[from_files[k] for k in sorted(from_files)],
        license_comment=f"The package license is the default {copying} gives to files without a tag."
        if default is not noassertion else None,
        copyright_text=noassertion,
    )
    plan_copyrights = None
    if reuse:  # each file's copyright notices, from its text, sidecar, REUSE.toml or dep5 (Origin.copyrights)
        origins = index.origins
        plan_copyrights = ["\n".join(map(printable, origin.copyrights)) if origin is not None else ""
                           for origin in map(origins.get, paths)]
    return SpdxPlan(creation_info, package, extracted, plan_names, plan_ids, plan_sha1s, plan_groups,
                    licensed, left_out, plan_comments, plan_copyrights)


def _where(notice: Notice) -> str:
    lines = f"line {notice.line}" if notice.line == notice.end_line else f"lines {notice.line}-{notice.end_line}"
    return f"{lines}; rule {printable(notice.rule)} of the notice data, score {notice.score}"


def _notice_comment(notice: Notice) -> str:
    """The licence comment of an untagged file whose licence is concluded from its notice (one line)."""
    return (f"No SPDX-License-Identifier tag: the license is concluded from the license notice in the file's "
            f"leading comment ({_where(notice)}), which grants {printable(notice.expression)}; it is not a "
            f"declared tag.")


def _contradiction_comment(notice: Notice) -> str:
    """The licence comment of a tagged file whose notice contradicts the tag (LT601; one line)."""
    return (f"The license notice in the file's leading comment ({_where(notice)}) grants "
            f"{printable(notice.expression)}, which the SPDX-License-Identifier tag contradicts (lictree LT601); "
            f"the license is concluded from the tag.")


def _extracted(make: Callable[..., Any], root: str, ref: str, entry: LicenseEntry | None) -> Any:
    """The ExtractedLicensingInfo of a LicenseRef: a LICENSES/ file's text, or the notice data's licence."""
    if entry is not None:
        return make(license_id=ref, extracted_text=_license_text(root, entry), license_name=entry.name,
                    cross_references=[entry.url] if entry.url.startswith(("http://", "https://")) else [],
                    comment=f"{entry.path} of the tree; not on the SPDX License List")
    scancode = scancode_licence(ref)
    if scancode is not None:
        title, text, urls = scancode
        return make(license_id=ref, extracted_text=text or "NOASSERTION", license_name=title, cross_references=urls,
                    comment=f"Named by a license notice; the license {ref[len(_SCANCODE_REF):]} of ScanCode's "
                            "license data (licensedcode-data, CC-BY-4.0); not on the SPDX License List")
    return make(license_id=ref, extracted_text="NOASSERTION", license_name=ref[len("LicenseRef-"):],
                cross_references=[], comment="Not on the SPDX License List")


def spdx_document(index: LicenseIndex, positions: Sequence[int] | None = None) -> Document:
    """The spdx-tools Document of *index* (every file as a File object: for small trees and tests)."""
    return build_plan(index, positions).document()

