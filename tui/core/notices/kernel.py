"""The kernel's own readings of a notice, which win over generic ones, and the tree's spellings.

- "See the file COPYING in the main directory of this archive" (and the like) grants the tree's
  COPYING licence: the licence of the catalog's COPYING default, without its exception
  (``GPL-2.0 WITH Linux-syscall-note`` -> ``GPL-2.0``), as the kernel's SPDX conversion tagged such
  files. ScanCode reads an unversioned GPL there (GPL-1.0-or-later).
- An unversioned "GPL" is GPL-2.0, as include/linux/module.h reads MODULE_LICENSE("GPL").
- Ids are spelled as the tree's LICENSES/ spells them when it has them (GPL-2.0-only in 6.x, GPL-2.0
  in 4.19, whose LICENSES/ knows no -only).
"""

from __future__ import annotations

import re
from typing import Any

from tui.core.notices.notice import Notice

_COPYING_RE = re.compile(
    r"\bCOPYING\b[^\n]{0,40}?\b(?:in|at)\s+the\s+(?:main|top[- ]level|root|base)\b"
    r"|\b(?:main|top[- ]level)\s+(?:source\s+)?directory\b[^\n]{0,40}\bCOPYING\b"
    r"|\bLinux\s+(?:kernel\s+)?(?:source\s+)?(?:tree|distribution)\b[^\n]{0,40}\bCOPYING\b",
    re.I,
)
_UNVERSIONED_GPL = ("GPL-1.0-or-later", "GPL-1.0+")
_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9.+-]*")
_KEYWORDS = frozenset({"AND", "OR", "WITH"})

#: The current SPDX id of each deprecated one; a tree that knows both is written the current way.
_CURRENT = {
    "GPL-2.0": "GPL-2.0-only", "GPL-2.0+": "GPL-2.0-or-later", "GPL-1.0+": "GPL-1.0-or-later",
    "GPL-1.0": "GPL-1.0-only", "LGPL-2.0": "LGPL-2.0-only", "LGPL-2.0+": "LGPL-2.0-or-later",
    "LGPL-2.1": "LGPL-2.1-only", "LGPL-2.1+": "LGPL-2.1-or-later", "GPL-3.0": "GPL-3.0-only",
    "GPL-3.0+": "GPL-3.0-or-later", "LGPL-3.0": "LGPL-3.0-only", "LGPL-3.0+": "LGPL-3.0-or-later",
}
_DEPRECATED = {new: old for old, new in _CURRENT.items()}


def copying_licence(catalog: Any) -> str:
    """The licence of the tree's COPYING default, without its exception; GPL-2.0 when unknown."""
    default = getattr(catalog, "copying_default", None) if catalog is not None else None
    if not default:
        return "GPL-2.0-only"
    return default.split(" WITH ")[0].strip().strip("()") or "GPL-2.0-only"


def spelled(license_id: str, catalog: Any) -> str:
    """*license_id* as the catalog spells it: its current SPDX id when the tree knows that (GPL-2.0-only
    in 6.x), else the id or its deprecated alias as the tree knows it (GPL-2.0 in 4.19); else unchanged
    (in the current spelling)."""
    current = _CURRENT.get(license_id, license_id)
    if catalog is None:
        return current
    for candidate in (current, license_id, _DEPRECATED.get(current)):
        if candidate and (catalog.license(candidate) or catalog.exception(candidate)):
            return catalog.canonical(candidate)
    return current


def respell(expression: str, catalog: Any) -> str:
    return _ID_RE.sub(lambda m: m.group(0) if m.group(0) in _KEYWORDS else spelled(m.group(0), catalog),
                      expression)


def wants_comments(notice: Notice) -> bool:
    """Whether ``read_notice`` reads the comment lines of *notice* (else it may be given none)."""
    return "GPL-1.0" in notice.expression


def read_notice(notice: Notice, comments: list[tuple[int, str]], catalog: Any = None) -> Notice:
    """*notice* with the kernel's readings applied and the tree's spellings (*comments*: the leading
    comments, needed only where ``wants_comments``)."""
    expression = notice.expression
    read = expression
    if wants_comments(notice):  # an unversioned GPL (_UNVERSIONED_GPL): what does the notice say of it?
        text = "\n".join(line for number, line in comments if notice.line <= number <= notice.end_line)
        unversioned = "GPL-2.0-only"
        if _may_name_copying(text) and _COPYING_RE.search(re.sub(r"[\s*/#]+", " ", text)):
            unversioned = copying_licence(catalog)
        read = _ID_RE.sub(lambda m: unversioned if m.group(0) in _UNVERSIONED_GPL else m.group(0), expression)
    written = _written(read, catalog)
    if written == expression:
        return notice
    return notice._replace(expression=written, unversioned=read != expression)


#: read expression -> as the tree spells it (``_written``), for the catalog in _spellings_of (the
#: kernel's notices are a few hundred expressions: each is respelled once)
_spellings: dict[str, str] = {}
_spellings_of: list[Any] = [None]


def _written(read: str, catalog: Any) -> str:
    if _spellings_of[0] is not catalog:
        _spellings.clear()
        _spellings_of[0] = catalog
    written = _spellings.get(read)
    if written is None:
        written = _deduplicated(respell(read, catalog))
        if len(_spellings) < 4096:
            _spellings[read] = written
    return written


def _deduplicated(expression: str) -> str:
    """A choice of plain ids with each once ("GPL-2.0-only OR GPL-2.0-only OR MIT" after respelling)."""
    if "(" in expression or " AND " in expression or " WITH " in expression:
        return expression
    return " OR ".join(dict.fromkeys(part.strip() for part in expression.split(" OR ")))


def _may_name_copying(text: str) -> bool:
    """Whether *text* may hold the word COPYING as _COPYING_RE reads it (case-insensitive, where a
    dotless or dotted I is an I too): a substring search, some fifty times cheaper than the regex,
    which most notices need not run."""
    low = text.lower()
    return "copyi" in low or "copy\u0131" in low
