"""The catalog of a tree's LICENSES/ folder and its COPYING default.

Every subfolder of LICENSES/ is read (6.x has preferred/dual/deprecated/exceptions, 4.19 had
preferred/other/exceptions), so no layout is hard-coded. A malformed file becomes a
``CatalogProblem``; the rest of the catalog still works.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from dataclasses import dataclass, field

#: The header tags the kernel's LICENSES/ files use, in the order they appear.
KNOWN_TAGS = (
    "Valid-License-Identifier",
    "SPDX-Exception-Identifier",
    "SPDX-URL",
    "SPDX-Licenses",
    "Usage-Guide",
    "Usage-Guidance",
    "License-Text",
    "Exception-Text",
)

#: Folder name -> class shown to the user.
CLASS_OF_FOLDER = {
    "preferred": "preferred",
    "dual": "dual",
    "deprecated": "deprecated",
    "exceptions": "exception",
    "other": "other",
}

#: The classes in the order they are listed (summary, completion).
CLASSES = ("preferred", "dual", "deprecated", "exception", "other")

_TAG_RE = re.compile(r"^([A-Za-z][A-Za-z-]*):(.*)$")
_MAX_LICENSE_FILE = 1 << 20


@dataclass(slots=True)
class LicenseEntry:
    """One file of LICENSES/: a license (with its aliases) or an exception."""

    ids: list[str]
    license_class: str
    path: str
    url: str = ""
    usage_guide: str = ""
    usage_tag: str = ""
    is_exception: bool = False
    exception_licenses: list[str] = field(default_factory=list)
    tags_used: list[str] = field(default_factory=list)
    has_text: bool = False
    #: Line of the first use of each header tag, line of each id, and the SPDX tags the
    #: Usage-Guide shows as examples: (line, text of the line).
    tag_lines: dict[str, int] = field(default_factory=dict)
    id_lines: list[int] = field(default_factory=list)
    examples: list[tuple[int, str]] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.ids[0] if self.ids else os.path.basename(self.path)


@dataclass(slots=True)
class CatalogProblem:
    """A defect in a LICENSES/ file: reported as a finding, never raised."""

    path: str
    line: int
    rule: str
    message: str
    severity: str = "error"


@dataclass(slots=True)
class Catalog:
    """All license and exception ids a tree declares, keyed case-insensitively."""

    entries: list[LicenseEntry] = field(default_factory=list)
    licenses: dict[str, LicenseEntry] = field(default_factory=dict)
    exceptions: dict[str, LicenseEntry] = field(default_factory=dict)
    problems: list[CatalogProblem] = field(default_factory=list)
    copying_default: str | None = None
    copying_path: str | None = None
    has_licenses_dir: bool = False
    fingerprint: str = ""

    def license(self, license_id: str) -> LicenseEntry | None:
        return self.licenses.get(license_id.upper())

    def exception(self, exception_id: str) -> LicenseEntry | None:
        return self.exceptions.get(exception_id.upper())

    def canonical(self, any_id: str) -> str:
        """The id as the LICENSES/ file spells it (``gpl-2.0`` -> ``GPL-2.0``)."""
        key = any_id.upper()
        entry = self.licenses.get(key) or self.exceptions.get(key)
        if entry is None:
            return any_id
        for spelled in entry.ids:
            if spelled.upper() == key:
                return spelled
        return entry.name

    def name_of(self, any_id: str) -> str:
        """The license an id belongs to: every alias of one LICENSES/ file (``GPL-2.0``, ``GPL-2.0-only``,
        ``GPL-2.0+``, ``GPL-2.0-or-later``) is one license, named by the id the file is named after
        (else its first id that is not an expression); an id no LICENSES/ file declares is its own."""
        entry = self.license(any_id) or self.exception(any_id)
        if entry is None:
            return any_id
        base = os.path.basename(entry.path).upper()
        plain = [i for i in entry.ids if " " not in i]  # 6.12's GFDL files list "GPL-2.0 OR GFDL-…" as ids too
        return next((i for i in plain if i.upper() == base), plain[0] if plain else entry.name)

    def class_of(self, any_id: str) -> str | None:
        entry = self.license(any_id) or self.exception(any_id)
        return entry.license_class if entry else None


def read_tree_file(root: str, rel: str, limit: int) -> tuple[bytes | None, str | None]:
    """The first *limit* bytes of a regular file of the tree, or (None, why not).

    As in the scan, symlinks are not followed out of the tree and FIFOs and devices are not opened:
    a LICENSES/ file or COPYING linked to /proc/kmsg would block forever and consume the kernel log.
    """
    path = os.path.join(root, rel)
    try:
        st = os.lstat(path)
        if stat.S_ISLNK(st.st_mode):
            real, root_real = os.path.realpath(path), os.path.realpath(root)
            if not real.startswith(root_real.rstrip(os.sep) + os.sep):
                return None, "symlink to outside the tree: not followed"
            st = os.stat(path)
        if not stat.S_ISREG(st.st_mode):
            return None, "not a regular file: not opened"
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
        with open(fd, "rb") as handle:
            return handle.read(limit), None
    except OSError as exc:
        return None, f"cannot read: {exc.strerror or exc}"


def _read_text(root: str, rel: str) -> tuple[str | None, str | None]:
    data, error = read_tree_file(root, rel, _MAX_LICENSE_FILE)
    if data is None:
        return None, error
    if b"\0" in data[:8192]:
        return None, "binary file (NUL bytes), not a license text"
    return data.decode("utf-8", errors="replace"), None


def parse_license_file(text: str, rel: str, license_class: str) -> tuple[LicenseEntry, list[CatalogProblem]]:
    """Parse one LICENSES/ file's header tags, up to License-Text (as spdxcheck.py does)."""
    entry = LicenseEntry(ids=[], license_class=license_class, path=rel)
    problems: list[CatalogProblem] = []
    guide: list[str] | None = None
    for number, raw in enumerate(text.splitlines(), 1):
        match = _TAG_RE.match(raw)
        tag = match.group(1) if match else None
        if tag not in KNOWN_TAGS:
            if guide is not None:
                guide.append(raw)
                if "SPDX-License-Identifier:" in raw:
                    entry.examples.append((number, raw))
            continue
        value = match.group(2).strip()
        entry.tags_used.append(tag)
        entry.tag_lines.setdefault(tag, number)
        if guide is not None:
            entry.usage_guide = _dedent(guide)
            guide = None
        if tag == "Valid-License-Identifier":
            if value:
                entry.ids.append(value)
                entry.id_lines.append(number)
            else:
                problems.append(CatalogProblem(rel, number, "LIC001", "empty Valid-License-Identifier tag"))
        elif tag == "SPDX-Exception-Identifier":
            entry.is_exception = True
            if value:
                entry.ids.append(value)
                entry.id_lines.append(number)
            else:
                problems.append(CatalogProblem(rel, number, "LIC001", "empty SPDX-Exception-Identifier tag"))
        elif tag == "SPDX-URL":
            entry.url = value
        elif tag == "SPDX-Licenses":
            entry.exception_licenses = [p for p in re.split(r"[\s,]+", value) if p]
        elif tag in ("Usage-Guide", "Usage-Guidance"):
            entry.usage_tag = tag
            guide = [value] if value else []
        else:  # License-Text / Exception-Text: everything after it is the text itself
            entry.has_text = True
            break
    if guide is not None:
        entry.usage_guide = _dedent(guide)
    if not entry.ids:
        problems.append(
            CatalogProblem(rel, 1, "LIC004", "no Valid-License-Identifier or SPDX-Exception-Identifier tag")
        )
    # Other missing tags are the rules' business (tui.core.rules.licenses, LT901).
    return entry, problems


def _dedent(lines: list[str]) -> str:
    import textwrap

    return textwrap.dedent("\n".join(line.expandtabs(8) for line in lines)).strip("\n")


_COPYING_TAG = re.compile(r"SPDX-License-Identifier:\s*(.+?)\s*$", re.M)


def read_copying_default(root: str) -> tuple[str | None, str | None]:
    """The expression the top-level COPYING gives untagged files, and COPYING's name."""
    for name in ("COPYING", "LICENSE", "LICENCE"):
        path = os.path.join(root, name)
        if not os.path.isfile(path):
            continue
        text, _error = _read_text(root, name)
        if text is None:
            return None, name
        head = text[:20000]
        match = _COPYING_TAG.search(head)
        if match:
            return match.group(1).strip(), name
        if re.search(r"GNU GENERAL PUBLIC LICENSE\s+Version 2", head):
            return "GPL-2.0", name
        return None, name
    return None, None


def load_catalog(root: str) -> Catalog:
    """Read LICENSES/ (every subfolder) and COPYING under *root*."""
    catalog = Catalog()
    digest = hashlib.sha1()
    base = os.path.join(root, "LICENSES")
    catalog.has_licenses_dir = os.path.isdir(base)
    exceptions: list[LicenseEntry] = []
    if catalog.has_licenses_dir:
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames.sort()
            rel_dir = os.path.relpath(dirpath, root).replace(os.sep, "/")
            folder = rel_dir.split("/")[1] if "/" in rel_dir else ""
            license_class = CLASS_OF_FOLDER.get(folder, folder or "other")
            for name in sorted(filenames):
                path = os.path.join(dirpath, name)
                rel = f"{rel_dir}/{name}"
                if name.startswith(".") or not os.path.isfile(path):
                    continue
                text, error = _read_text(root, rel)
                digest.update(rel.encode("utf-8", "surrogateescape") + b"\0")
                if text is None:
                    catalog.problems.append(CatalogProblem(rel, 1, "LIC001", error or "unreadable"))
                    continue
                digest.update(text.encode("utf-8", "surrogateescape"))
                if not folder:
                    continue  # a loose file such as LICENSES/README is not a license
                entry, problems = parse_license_file(text, rel, license_class)
                catalog.problems.extend(problems)
                if not entry.ids:
                    continue
                catalog.entries.append(entry)
                if entry.is_exception:
                    exceptions.append(entry)
                    continue
                for license_id, line in zip(entry.ids, entry.id_lines):
                    key = license_id.upper()
                    if key in catalog.licenses:
                        other = catalog.licenses[key].path
                        where = "earlier in this file" if other == rel else f"in {other}"
                        catalog.problems.append(
                            CatalogProblem(rel, line, "LIC002", f"license id {license_id} is also defined {where}")
                        )
                        continue
                    catalog.licenses[key] = entry
    for entry in exceptions:
        key = entry.ids[0].upper()
        if key in catalog.exceptions:
            other = catalog.exceptions[key].path
            catalog.problems.append(
                CatalogProblem(entry.path, entry.id_lines[0], "LIC002",
                               f"exception id {entry.ids[0]} is also defined in {other}")
            )
            continue
        for license_id in entry.exception_licenses:
            if license_id.upper() not in catalog.licenses:
                catalog.problems.append(
                    CatalogProblem(
                        entry.path, entry.tag_lines.get("SPDX-Licenses", 1), "LIC003",
                        f"exception {entry.ids[0]} names license {license_id}, which LICENSES/ does not define",
                    )
                )
        catalog.exceptions[key] = entry
    catalog.copying_default, catalog.copying_path = read_copying_default(root)
    digest.update(repr((catalog.copying_default, catalog.copying_path)).encode())
    catalog.fingerprint = digest.hexdigest()
    return catalog
