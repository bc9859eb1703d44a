"""A file's notice as the scan reads it: the matcher's answer, or the line of a comment that reads like
a licence but matches no rule (for unrecognised-notice), and the fingerprint cached outcomes go with.

Notices are on whenever the rule data (the licensedcode-data package) and the matcher are installed
(both are dependencies of lictree); without them the scan goes on with no notices (``available``).
"""

from __future__ import annotations

import hashlib
import os
import re

from tui.core.notices.candidates import HEAD_BYTES, has_licence_words
from tui.core.notices.notice import Notice

#: What makes a leading comment "read like a licence" (issue 13's unrecognised-notice).
LICENCE_LIKE = re.compile(r"licen[cs]e|permission|redistribut|\bGPL", re.I)
#: The words of licence terms; a comment with two kinds of them reads like a licence.
_LICENCE_TERMS = re.compile(r"licen[cs]|permission|redistribut|\bGPL|warrant|\bmodify|\bdistribut|free software"
                            r"|\bcopies\b|\bterms\b", re.I)
_NOT_NOTICE = re.compile(r"SPDX-License-Identifier|MODULE_LICENSE", re.I)
#: The same three, for ASCII text in lower case (where re.I folds no other letter into theirs): several
#: times faster than re.I.
_LOWER = (re.compile(r"spdx-license-identifier|module_license"), re.compile(LICENCE_LIKE.pattern.lower()),
          re.compile(_LICENCE_TERMS.pattern.lower()))

_FINGERPRINT: list[str] = []
_AVAILABLE: list[bool] = []


def available() -> bool:
    """Whether notices can be read here: the rule data and the matcher are importable."""
    if not _AVAILABLE:
        import importlib.util

        _AVAILABLE.append(all(importlib.util.find_spec(name) is not None for name in ("licensedcode", "rapidfuzz")))
    return _AVAILABLE[0]


def fingerprint() -> str:
    """Changes when the rule data or the matcher's code does: cached notices are then read again."""
    if not _FINGERPRINT:
        digest = hashlib.sha1()
        if available():
            import importlib.util

            # The rule data's folder and when it last changed (an install or upgrade writes it): one stat,
            # where asking importlib.metadata for the package's version costs a warm run 10-30 ms.
            spec = importlib.util.find_spec("licensedcode")
            locations = list(spec.submodule_search_locations or ()) if spec is not None else []
            rules = os.path.join(locations[0], "data", "rules") if locations else ""
            try:
                digest.update(f"{rules}:{os.stat(rules).st_mtime_ns}".encode())
            except OSError:
                digest.update(b"no rule data")
            here = os.path.dirname(os.path.abspath(__file__))
            for name in sorted(os.listdir(here)):
                if name.endswith((".py", ".c")):
                    with open(os.path.join(here, name), "rb") as handle:
                        digest.update(name.encode() + b"\0" + handle.read())
        else:
            digest.update(b"no notices")
        _FINGERPRINT.append(digest.hexdigest()[:12])
    return _FINGERPRINT[0]


def read_head(base: str, path: str) -> bytes:
    """The first HEAD_BYTES of a file (b"" when it cannot be read: it vanished or changed kind)."""
    try:
        fd = os.open(os.path.join(base, path) if base else path,
                     os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError:
        return b""
    try:
        return os.read(fd, HEAD_BYTES)
    except OSError:
        return b""
    finally:
        os.close(fd)


_MATCH: list = []


def _matcher():  # noqa: ANN202 - the matcher module, imported on the first notice read
    from tui.core.notices import match

    _MATCH.append(match)
    return match


def read_notice(head: bytes, path: str, catalog: object | None = None) -> tuple[Notice | None, int]:
    """(notice, 0) when the leading comments of *head* grant a licence; (None, line) when they read like a
    licence (a line with a ``LICENCE_LIKE`` word, and two kinds of licence words in all) but match no rule
    well enough; (None, 0)."""
    head = head[:HEAD_BYTES]
    if not available() or not has_licence_words(head):
        return None, 0
    match = _MATCH[0] if _MATCH else _matcher()
    try:
        notice = match._find_notice(head, path, catalog, None)  # find_notice, its licence-word test made
    except OSError:  # the rule data or its index cannot be read (NoticeDataMissing is one): no notices
        return None, 0
    if notice is not None:
        return notice, 0
    return None, _unrecognised(match.leading_comments(head, path))


def _unrecognised(comments: list[tuple[int, str]]) -> int:
    """The first line of *comments* with a ``LICENCE_LIKE`` word, when they hold two kinds of licence
    words in all (the lines of a tag or a MODULE_LICENSE left out); else 0."""
    # The regexes run once over the lines joined (no match spans a line: none has a newline in it); ASCII
    # text in lower case, with the lower-case regexes.
    joined = "\n".join([text for _number, text in comments])
    not_notice, licence_like, terms = _NOT_NOTICE, LICENCE_LIKE, _LICENCE_TERMS
    if joined.isascii():
        joined = joined.lower()
        not_notice, licence_like, terms = _LOWER
    if not_notice.search(joined) is not None:  # the lines of a tag left out, and read again
        left_out = {joined.count("\n", 0, hit.start()) for hit in not_notice.finditer(joined)}
        return _unrecognised([line for number, line in enumerate(comments) if number not in left_out])
    like = licence_like.search(joined)
    if like is None:
        return 0
    # one word alone ("a permission check", "the GPL symbols") is not a notice: two kinds of licence words are
    if len({word.lower()[:6] for word in terms.findall(joined)}) < 2:
        return 0
    return comments[joined.count("\n", 0, like.start())][0]
