"""What the verdicts of a REUSE tree depend on besides each file: its licence files (LICENSES/<id>.<ext>),
its REUSE.toml files or .reuse/dep5, and the SPDX licence list.

``ReuseProject.load`` reads them once a tree (REUSE.toml files below the top are found in the listing:
``bind``); ``verdict`` says whether an expression is valid in this tree; ``covered`` which files REUSE
asks licensing information of; ``findings_of`` the findings of the licence files and configuration
files themselves (``settle`` adds "unused").
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources
from typing import Any, NamedTuple

from tui.core.catalog import Catalog, LicenseEntry, read_tree_file
from tui.core.expressions import KnownIds, Verdict
from tui.core.reuse import annotations as ann
from tui.core.rules import reuse as reuse_rules
from tui.core.rules.base import Finding

#: Directories REUSE never looks into (at any depth), and the files it never asks licensing information of.
IGNORED_DIRS = frozenset({".git", ".hg", ".sl", "LICENSES", ".reuse"})
_IGNORED_FILE = re.compile(
    r"^(?:LICEN[CS]E(?:[-.].*)?|COPYING(?:[-.].*)?|\.git|\.hgtags|.*\.license|REUSE\.toml"
    r"|CAL-1\.0(?:-Combined-Work-Exception)?(?:\..+)?|SHL-2\.1(?:\..+)?|.*\.spdx|.*\.spdx\.(?:rdf|json|xml|ya?ml))$"
)
_LICENSEREF = re.compile(r"LicenseRef-[a-zA-Z0-9-.]+$")
_ADDITIONREF = re.compile(r"(?:LicenseRef|AdditionRef)-[a-zA-Z0-9-.]+$")
#: Where the licence files are.
LICENSES = "LICENSES"
SOURCE = "the SPDX license list and LICENSES/"


class SpdxList(NamedTuple):
    version: str
    licenses: frozenset[str]
    exceptions: frozenset[str]
    deprecated: frozenset[str]
    upper_licenses: frozenset[str]
    upper_exceptions: frozenset[str]


@lru_cache(maxsize=1)
def spdx_list() -> SpdxList:
    """The SPDX licence list (ids of licences, exceptions, deprecated ones) lictree ships: spdx-ids.json."""
    data = json.loads((resources.files("tui.core.reuse") / "spdx-ids.json").read_text(encoding="utf-8"))
    licenses, exceptions = frozenset(data["licenses"]), frozenset(data["exceptions"])
    return SpdxList(data["version"], licenses, exceptions, frozenset(data["deprecated"]),
                    frozenset(i.upper() for i in licenses), frozenset(i.upper() for i in exceptions))


def _suffix(name: str) -> str:
    """A file name's extension as pathlib gives it ("" for none: "MIT", ".hidden", "x.")."""
    dot = name.rfind(".")
    return name[dot:] if 0 < dot < len(name) - 1 else ""


class LicenceFile(NamedTuple):
    identifier: str
    path: str
    #: "bad" (neither an SPDX id nor a LicenseRef), "deprecated", "no-extension", or "".
    problems: tuple[str, ...]


def licence_files(root: str) -> list[LicenceFile]:
    """The licence files of LICENSES/ (and its subfolders), each with the id its name gives it."""
    spdx = spdx_list()
    known = spdx.licenses | spdx.exceptions
    found: list[LicenceFile] = []
    base = os.path.join(root, LICENSES)
    refs: set[str] = set()
    for dirpath, dirnames, filenames in os.walk(base):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        rel_dir = os.path.relpath(dirpath, root).replace(os.sep, "/")
        for name in sorted(filenames):
            if name.startswith(".") or name.endswith(".license"):
                continue
            suffix = _suffix(name)
            stem = name[: -len(suffix)] if suffix else name
            problems: list[str] = []
            if suffix and (stem in known or _LICENSEREF.match(stem)):
                identifier = stem
            elif name in known:
                identifier = name
                problems.append("no-extension")
            else:
                identifier = stem
            if _LICENSEREF.match(identifier) and "Unknown" not in identifier:
                refs.add(identifier)
            elif identifier not in known:
                problems.append("bad")
            if identifier in spdx.deprecated:
                problems.append("deprecated")
            found.append(LicenceFile(identifier, f"{rel_dir}/{name}", tuple(problems)))
    return found


def catalog_of(files: list[LicenceFile], fingerprint: str) -> Catalog:
    """A Catalog (the kernel's shape: one entry a licence file) of a REUSE tree's LICENSES/."""
    spdx = spdx_list()
    catalog = Catalog(has_licenses_dir=True, fingerprint=fingerprint)
    for item in files:
        exception = item.identifier in spdx.exceptions
        kind = "exception" if exception else "deprecated" if item.identifier in spdx.deprecated else "other"
        entry = LicenseEntry(ids=[item.identifier], license_class=kind, path=item.path, is_exception=exception,
                             has_text=True)
        table = catalog.exceptions if exception else catalog.licenses
        if item.identifier.upper() in table:
            continue
        catalog.entries.append(entry)
        table[item.identifier.upper()] = entry
    return catalog


class ReuseKnownIds(KnownIds):
    """A REUSE tree's ids: the SPDX list and its LicenseRef files (``ReuseProject.verdict`` checks them)."""

    def __init__(self) -> None:
        super().__init__(None)

    @property
    def source(self) -> str:
        return SOURCE


class ReuseProject:
    """A REUSE tree's licence files, REUSE.toml files or dep5, and what they make of ids and paths."""

    def __init__(self, root: str) -> None:
        self.root = root
        self.files = licence_files(root)
        #: Licence file ids (exactly as the names spell them) -> path.
        self.licences: dict[str, str] = {}
        for item in self.files:
            self.licences.setdefault(item.identifier, item.path)
        self.refs = {i for i in self.licences if _ADDITIONREF.match(i)}
        #: Findings of the licence files and configuration files themselves (not "unused": settle).
        self.static: dict[str, list[Finding]] = {}
        digest = hashlib.sha1()
        for item in self.files:
            digest.update(item.path.encode("utf-8", "surrogateescape") + b"\0")
            if "bad" in item.problems:
                why = ("REUSE takes no LicenseRef with 'Unknown' in it" if _LICENSEREF.match(item.identifier) else
                       "neither an SPDX licence id nor a LicenseRef-: name the file after its SPDX id")
                self._add(item.path, reuse_rules.BAD_LICENCE.finding(None, f"'{item.identifier}': {why}"))
            if "deprecated" in item.problems:
                self._add(item.path, reuse_rules.DEPRECATED.finding(
                    None, f"'{item.identifier}' is deprecated by SPDX (see https://spdx.org/licenses/#deprecated)"))
            if "no-extension" in item.problems:
                self._add(item.path, reuse_rules.NO_EXTENSION.finding(
                    None, f"'{item.identifier}': a licence file without an extension: name it {item.identifier}.txt"))
        self.dep5: ann.Dep5 | None = None
        self.config_path = ""
        toml_text = self._text("REUSE.toml", digest)
        dep5_text = self._text(".reuse/dep5", digest)
        self._root_toml = None
        if dep5_text is not None:
            self.config_path = ".reuse/dep5"
            try:
                self.dep5 = ann.parse_dep5(dep5_text)
            except ann.ConfigError as exc:
                self._add(".reuse/dep5", reuse_rules.CONFIG.finding(None, str(exc)))
        if toml_text is not None:
            self.config_path = "REUSE.toml"
            self._root_toml = self._parse_toml("REUSE.toml", toml_text)
        self.annotations = ann.Annotations([self._root_toml] if self._root_toml else [])
        self.tomls: tuple[str, ...] = ("REUSE.toml",) if toml_text is not None else ()
        self.fingerprint = digest.hexdigest()
        self.catalog = catalog_of(self.files, self.fingerprint)
        self._verdicts: dict[str, Verdict] = {}
        self._ids: dict[str, tuple[str, ...] | None] = {}

    def _add(self, path: str, finding: Finding) -> None:
        self.static.setdefault(path, []).append(finding)

    def _text(self, rel: str, digest: hashlib._Hash) -> str | None:
        data, _error = read_tree_file(self.root, rel, 1 << 22)
        digest.update(rel.encode() + b"\1" + (data if data is not None else b"\2"))
        if data is None:
            return None
        return data.decode("utf-8", errors="replace")

    def _parse_toml(self, rel: str, text: str) -> ann.ReuseToml | None:
        try:
            return ann.parse_reuse_toml(text, rel)
        except ann.ConfigError as exc:
            self._add(rel, reuse_rules.CONFIG.finding(None, str(exc)))
            return None

    # The tree's REUSE.toml files -----------------------------------------------------------------

    def bind(self, paths: Iterable[str]) -> None:
        """Read the REUSE.toml files below the top among *paths* (the listing): every REUSE.toml REUSE reads
        (not in LICENSES/, .reuse/, a git-ignored or Meson subproject directory)."""
        nested = [p for p in paths if p.endswith("/REUSE.toml") and not self._ignored_dir(p)]
        self.bind_tomls(nested)

    def bind_tomls(self, nested: list[str]) -> None:
        tomls = [self._root_toml] if self._root_toml else []
        for rel in sorted(nested):
            for finding in self.static.pop(rel, ()):
                if finding.rule != reuse_rules.CONFIG.id:
                    self._add(rel, finding)
            data, _error = read_tree_file(self.root, rel, 1 << 22)
            if data is None:
                continue
            toml = self._parse_toml(rel, data.decode("utf-8", errors="replace"))
            if toml is not None:
                tomls.append(toml)
        self.annotations = ann.Annotations(tomls)
        self.tomls = tuple(["REUSE.toml"] if self._root_toml or "REUSE.toml" in self.static else []) + tuple(
            sorted(nested))
        if (self.dep5 is not None and nested) or (self.config_path == ".reuse/dep5" and self._root_toml is not None):
            where = self.tomls[0] if self.tomls else "REUSE.toml"
            self._add(".reuse/dep5", reuse_rules.CONFIG.finding(
                None, f"both .reuse/dep5 and {where}: REUSE reads one or the other, never both (convert with "
                      "`reuse convert-dep5`)"))

    def global_info(self, path: str) -> dict[str, list[ann.Info]]:
        """Precedence -> what REUSE.toml (or dep5) gives the file *path*."""
        if self.annotations:
            return self.annotations.info_of(path)
        if self.dep5 is not None:
            return self.dep5.info_of(path)
        return {}

    # Which files REUSE covers ------------------------------------------------------------------------

    @staticmethod
    def _ignored_dir(path: str) -> bool:
        parts = path.split("/")[:-1]
        for i, part in enumerate(parts):
            if part in IGNORED_DIRS or (i and parts[i - 1] == "subprojects"):
                return True
        return False

    def covered(self, path: str) -> bool:
        """Whether REUSE asks licensing information of *path* by its name (empty files and symlinks are
        left out when read): not LICENSES/**, .reuse/**, *.license, REUSE.toml, COPYING*, LICENSE*, SPDX
        documents, nor files of a Meson subproject."""
        name = path.rpartition("/")[2]
        return not _IGNORED_FILE.match(name) and not self._ignored_dir(path)

    def findings_of(self, path: str) -> tuple[Finding, ...]:
        found = self.static.get(path)
        return tuple(found) if found else ()

    # Expressions -----------------------------------------------------------------------------------

    def ids_of(self, expression: str) -> tuple[str, ...] | None:
        """The licence and exception keys of an expression in order (None: it does not parse as SPDX)."""
        found = self._ids.get(expression, False)
        if found is False:
            found = self._ids[expression] = _parse_ids(expression)
        return found  # type: ignore[return-value]

    def verdict(self, expression: str) -> Verdict:
        """Whether *expression* is valid here: SPDX syntax, every licence on the SPDX list or a LicenseRef- of
        LICENSES/, every exception on the SPDX exception list or an AdditionRef-/LicenseRef- of LICENSES/."""
        verdict = self._verdicts.get(expression)
        if verdict is not None:
            return verdict
        parsed = _parse(expression)
        if parsed is None:
            verdict = Verdict(False, "Invalid SPDX expression", 0, expression)
        else:
            spdx = spdx_list()
            licenses, exceptions, operators = parsed
            verdict = Verdict(True, None, None, None, licenses, exceptions, operators)
            for key in licenses:
                base = key[:-1] if key.endswith("+") else key
                if base.upper() not in spdx.upper_licenses and base not in self.refs:
                    verdict = Verdict(False, "Invalid License ID", expression.find(key), key)
                    break
            else:
                for key in exceptions:
                    if key.upper() not in spdx.upper_exceptions and key not in self.refs:
                        verdict = Verdict(False, "Invalid Exception ID", expression.find(key), key)
                        break
        self._verdicts[expression] = verdict
        return verdict

    def missing(self, key: str) -> bool:
        """Whether LICENSES/ has no file for licence or exception *key* (``X+`` is covered by X's file)."""
        return key not in self.licences and not (key.endswith("+") and key[:-1] in self.licences)


@lru_cache(maxsize=4096)
def _parse(expression: str) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]] | None:
    """(licence keys, exception keys, operators) of an SPDX expression, or None when it does not parse
    (license-expression's parser, without a symbol table: any id parses)."""
    from license_expression import ExpressionError, Licensing

    licensing = _LICENSING.get(Licensing)
    try:
        parsed = licensing.parse(expression, simple=True)
        if parsed is None:
            return None
        symbols = licensing.license_symbols(parsed, unique=False, decompose=False)
    except ExpressionError:
        return None
    except Exception:  # license-expression raises a few others on odd input
        return None
    licenses: list[str] = []
    exceptions: list[str] = []
    for symbol in symbols:
        inner = getattr(symbol, "license_symbol", None)
        if inner is not None:
            licenses.append(inner.key)
            exceptions.append(symbol.exception_symbol.key)
        else:
            licenses.append(symbol.key)
    words = expression.upper().split()
    operators = tuple(w for w in words if w in ("AND", "OR"))
    return tuple(licenses), tuple(exceptions), operators


def _parse_ids(expression: str) -> tuple[str, ...] | None:
    parsed = _parse(expression)
    if parsed is None:
        return None
    licenses, exceptions, _operators = parsed
    return tuple(dict.fromkeys(licenses + exceptions))


class _Licensing:
    """One license-expression Licensing (without symbols) per process, made on first use."""

    def __init__(self) -> None:
        self._licensing = None

    def get(self, factory: type) -> Any:
        if self._licensing is None:
            self._licensing = factory()
        return self._licensing


_LICENSING = _Licensing()
