"""REUSE.toml (REUSE spec 3.3, "REUSE.toml") and .reuse/dep5 (the older DEP5 file, spec 3.0-3.2): the
licensing information they give files, with its precedence.

REUSE.toml is read with tomllib. Each ``[[annotations]]`` table has ``path`` (a glob, or a list of
them: ``*`` stays within a directory, ``**`` crosses directories, ``\\*`` and ``\\\\`` are literal),
``precedence`` (closest, the default; aggregate; override) and ``SPDX-FileCopyrightText`` /
``SPDX-License-Identifier`` (a string or a list). Paths are relative to the REUSE.toml's directory;
the last matching table of a file wins; REUSE.toml files in subdirectories nest (``Annotations``).

dep5 is a Debian copyright file: its ``Files`` globs (``*`` and ``?`` cross directories) match whole
paths, the last matching paragraph wins, and what it gives adds to the file's own (aggregate).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from typing import NamedTuple

CLOSEST, AGGREGATE, OVERRIDE = "closest", "aggregate", "override"
PRECEDENCES = (CLOSEST, AGGREGATE, OVERRIDE)
#: Where a file's licensing comes from (``Info.source``): its own text, its sidecar, REUSE.toml, dep5.
TAG, SIDECAR, REUSE_TOML, DEP5 = "tag", "sidecar", "reuse-toml", "dep5"


class ConfigError(Exception):
    """A REUSE.toml or dep5 that cannot be used: one sentence."""


class Info(NamedTuple):
    """Licensing information from one source: expressions (with their line, 0 outside the file's own
    text), copyright notices, the kind of source and the tree-relative file it is in."""

    expressions: tuple[tuple[str, int], ...]
    copyrights: tuple[str, ...]
    source: str
    where: str

    def replaced(self, expressions: bool = True, copyrights: bool = True) -> Info:
        """This information with only the expressions and/or copyrights kept."""
        return Info(self.expressions if expressions else (), self.copyrights if copyrights else (),
                    self.source, self.where)


def _strings(value: object, key: str, where: str, required: bool = False) -> tuple[str, ...]:
    if value is None:
        if required:
            raise ConfigError(f"{where}: an annotation without '{key}'")
        return ()
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
        raise ConfigError(f"{where}: '{key}' must be a string or a list of strings (got {value!r})")
    if required and not items:
        raise ConfigError(f"{where}: '{key}' must not be empty")
    return tuple(dict.fromkeys(items))


def glob_regex(pattern: str) -> str:
    """A REUSE.toml path glob as a regular expression (matched against the whole relative path).

    ``*`` is any run of characters but ``/``; ``**`` any run at all (a ``/`` right after it is part
    of it: ``src/**/x`` also matches ``src/x``); a backslash makes the next ``*`` or backslash literal
    (before any other character it is dropped)."""
    out: list[str] = []
    i, n = 0, len(pattern)
    after_globstar = False
    while i < n:
        char = pattern[i]
        if char == "\\":
            nxt = pattern[i + 1] if i + 1 < n else ""
            if nxt in ("*", "\\"):
                out.append(re.escape(nxt))
                i += 2
            else:
                i += 1
            after_globstar = False
            continue
        if char == "*":
            if i + 1 < n and pattern[i + 1] == "*":
                out.append(".*")
                i += 2
                while i < n and pattern[i] == "*":
                    i += 1
                after_globstar = True
                continue
            out.append("[^/]*")
            after_globstar = False
        elif char == "/":
            if not after_globstar:
                out.append("/")
        else:
            out.append(re.escape(char))
            after_globstar = False
        i += 1
    return "".join(out)


class Annotation(NamedTuple):
    paths: re.Pattern[str]
    precedence: str
    copyrights: tuple[str, ...]
    expressions: tuple[str, ...]


class ReuseToml(NamedTuple):
    """One REUSE.toml: its directory ("" for the root), tree-relative path and annotations."""

    directory: str
    path: str
    annotations: tuple[Annotation, ...]

    def find(self, relative: str) -> Annotation | None:
        """The last annotation whose paths match *relative* (a path relative to this file's directory)."""
        for annotation in reversed(self.annotations):
            if annotation.paths.fullmatch(relative):
                return annotation
        return None


def _copyright_notice(text: str) -> str:
    """A REUSE.toml or dep5 copyright as a notice (a bare "2017 Jane Doe" gets the SPDX prefix)."""
    text = text.strip()
    if text.startswith(("SPDX-FileCopyrightText:", "SPDX-SnippetCopyrightText:", "Copyright", "©")):
        return text
    return f"SPDX-FileCopyrightText: {text}"


def parse_reuse_toml(text: str, path: str) -> ReuseToml:
    """A REUSE.toml's text (*path*: tree-relative, for messages) -> ReuseToml, or ConfigError."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise ConfigError(f"{path}: 'version' must be an integer (got {version!r})")
    tables = data.get("annotations", [])
    if not isinstance(tables, list):
        raise ConfigError(f"{path}: 'annotations' must be an array of tables")
    annotations = []
    for table in tables:
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: 'annotations' must be an array of tables")
        globs = _strings(table.get("path"), "path", path, required=True)
        precedence = table.get("precedence", CLOSEST)
        if precedence not in PRECEDENCES:
            raise ConfigError(f"{path}: 'precedence' must be one of {', '.join(PRECEDENCES)} (got {precedence!r})")
        copyrights = tuple(map(_copyright_notice, _strings(table.get("SPDX-FileCopyrightText"),
                                                           "SPDX-FileCopyrightText", path)))
        expressions = _strings(table.get("SPDX-License-Identifier"), "SPDX-License-Identifier", path)
        regex = re.compile("|".join(f"(?:{glob_regex(glob)})" for glob in globs))
        annotations.append(Annotation(regex, precedence, copyrights, expressions))
    directory = path.rpartition("/")[0]
    return ReuseToml(directory, path, tuple(annotations))


class Annotations:
    """Every REUSE.toml of a tree, nested: a file is annotated by each REUSE.toml in its directory or above.

    From the topmost REUSE.toml down, each gives its last matching annotation; the first ``override``
    ends the search (the topmost override wins). Of ``closest`` annotations only the deepest licensing
    and the deepest copyright count.
    """

    def __init__(self, tomls: Iterable[ReuseToml]) -> None:
        self.by_directory = {toml.directory: toml for toml in tomls}

    def __bool__(self) -> bool:
        return bool(self.by_directory)

    def info_of(self, path: str) -> dict[str, list[Info]]:
        """Precedence -> the information REUSE.toml files give *path* (tree-relative)."""
        found: dict[str, list[Info]] = {}
        tomls = self.by_directory
        directories = [""]
        at = path.find("/")
        while at >= 0:
            directories.append(path[:at])
            at = path.find("/", at + 1)
        for directory in directories:
            toml = tomls.get(directory)
            if toml is None:
                continue
            annotation = toml.find(path[len(directory) + 1:] if directory else path)
            if annotation is None:
                continue
            info = Info(tuple((e, 0) for e in annotation.expressions), annotation.copyrights, REUSE_TOML, toml.path)
            found.setdefault(annotation.precedence, []).append(info)
            if annotation.precedence == OVERRIDE:
                break
        closest = found.get(CLOSEST)
        if closest:
            kept: list[Info] = []
            have_copyright = have_licence = False
            for info in reversed(closest):
                keep_licence = bool(info.expressions) and not have_licence
                keep_copyright = bool(info.copyrights) and not have_copyright
                have_licence |= keep_licence
                have_copyright |= keep_copyright
                if keep_licence or keep_copyright:
                    kept.append(info.replaced(keep_licence, keep_copyright))
            kept.reverse()
            if kept:
                found[CLOSEST] = kept
            else:
                del found[CLOSEST]
        return found


# dep5 ---------------------------------------------------------------------------------------------


def _dep5_glob(pattern: str) -> str:
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        char = pattern[i]
        i += 1
        if char == "*":
            out.append(".*")
        elif char == "?":
            out.append(".")
        elif char == "\\" and i < n and pattern[i] in "*?\\":
            out.append(re.escape(pattern[i]))
            i += 1
        elif char == "\\":
            raise ConfigError(f".reuse/dep5: a backslash before {pattern[i:i + 1]!r} in the glob {pattern!r}")
        else:
            out.append(re.escape(char))
    return "".join(out)


def _paragraphs(text: str) -> list[dict[str, str]]:
    """The paragraphs of a deb822 file: field name (lower case) -> value (continuation lines joined by newlines)."""
    paragraphs: list[dict[str, str]] = []
    current: dict[str, str] = {}
    field = None
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        if not line.strip():
            if current:
                paragraphs.append(current)
            current, field = {}, None
            continue
        if line[0] in " \t":
            if field is None:
                raise ConfigError(f".reuse/dep5: a continuation line without a field: {line.strip()!r}")
            current[field] += "\n" + line.strip()
            continue
        name, colon, value = line.partition(":")
        if not colon:
            raise ConfigError(f".reuse/dep5: not a field: {line!r}")
        field = name.strip().lower()
        current[field] = value.strip()
    if current:
        paragraphs.append(current)
    return paragraphs


class Dep5(NamedTuple):
    """.reuse/dep5's Files paragraphs: (regex of the globs, copyright notices, licence expression)."""

    paragraphs: tuple[tuple[re.Pattern[str], tuple[str, ...], str], ...]

    def info_of(self, path: str) -> dict[str, list[Info]]:
        found = None
        for regex, copyrights, expression in self.paragraphs:
            if regex.fullmatch(path):
                found = (copyrights, expression)
        if found is None:
            return {}
        copyrights, expression = found
        return {AGGREGATE: [Info(((expression, 0),), copyrights, DEP5, ".reuse/dep5")]}


def parse_dep5(text: str) -> Dep5:
    paragraphs = _paragraphs(text)
    if not paragraphs or "format" not in paragraphs[0]:
        raise ConfigError(".reuse/dep5: the first paragraph has no 'Format' field")
    found = []
    for paragraph in paragraphs[1:]:
        if "files" not in paragraph:
            continue
        for key in ("copyright", "license"):
            if key not in paragraph:
                raise ConfigError(f".reuse/dep5: a Files paragraph without '{key.title()}'")
        globs = paragraph["files"].split()
        regex = re.compile("|".join(f"(?:{_dep5_glob(glob)})" for glob in globs) if globs else r"(?!)")
        copyrights = tuple(dict.fromkeys(_copyright_notice(line) for line in paragraph["copyright"].splitlines()
                                         if line.strip()))
        expression = paragraph["license"].split("\n", 1)[0].strip()
        found.append((regex, copyrights, expression))
    return Dep5(tuple(found))
