"""Licence and copyright information in the text of a file (REUSE spec 3.3, "Comment headers"): every
``SPDX-License-Identifier:`` line anywhere in the file (not only the first 15 lines), each copyright
notice (``SPDX-FileCopyrightText:``, ``SPDX-SnippetCopyrightText:``, ``Copyright``, ``©``), and nothing
between ``REUSE-IgnoreStart`` and ``REUSE-IgnoreEnd``.
"""

from __future__ import annotations

import re
from typing import NamedTuple

IGNORE_START = "REUSE-IgnoreStart"
IGNORE_END = "REUSE-IgnoreEnd"
#: Bytes looked at to call a file binary (a NUL among them): its contents are not searched.
BINARY_PROBE = 2048

# The ends of comments (and of a few markup forms) that close a tag's line and are not part of its value.
_ENDS = ("#}", ":)", "-/", "-->", "--%>", "--}}", "'/", "*#", "*/", "=#", "}", "*)")
_END = r"\s*(?:" + "|".join([*map(re.escape, _ENDS), r"\"\s*/*>", r"'\s*/*>", r"\]\s*::"]) + r")*\s*$"
#: A line that may hold information: its comment prefix, then an SPDX tag, "Copyright" or "©".
_CANDIDATE = re.compile(r"^(?P<prefix>.*?)(?:SPDX-\S+:|Copyright|©).*$", re.MULTILINE)
_SYMBOL = r"(?:©|\([Cc]\))"
_COPYRIGHT_WORD = r"(?:Copyright(?:\s*" + _SYMBOL + r"|(?=\s)))"
_COPYRIGHT = re.compile(
    r"^.*?(?P<notice>(?:SPDX-(?:File|Snippet)CopyrightText:(?:\s*(?:" + _SYMBOL + "|" + _COPYRIGHT_WORD + "))?"
    r"|" + _COPYRIGHT_WORD + r"|©)\s*(?P<text>.*?))" + _END
)
_LICENSE = re.compile(r"^.*?SPDX-License-Identifier:\s*(?P<value>.*?)" + _END)
_NEWLINES = re.compile(r"\r\n?")


class Extracted(NamedTuple):
    """What a file's text says: each licence expression with its line (1-based, in the file as it is),
    and each copyright notice (as written, from its prefix on)."""

    expressions: tuple[tuple[str, int], ...] = ()
    copyrights: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.expressions or self.copyrights)


NOTHING = Extracted()


def decode(data: bytes) -> str | None:
    """The text of a file's bytes, or None for a binary file (a NUL in its first bytes): UTF-8, else Latin-1."""
    if b"\0" in data[:BINARY_PROBE]:
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    return text.removeprefix("\ufeff")


def without_ignored(text: str) -> str:
    """*text* with every span from REUSE-IgnoreStart to the next REUSE-IgnoreEnd (or the end) blanked; line
    ends inside the span are kept, so lines keep their numbers."""
    if IGNORE_START not in text:
        return text
    out: list[str] = []
    at = 0
    while True:
        start = text.find(IGNORE_START, at)
        if start < 0:
            out.append(text[at:])
            break
        out.append(text[at:start])
        end = text.find(IGNORE_END, start + len(IGNORE_START))
        stop = len(text) if end < 0 else end + len(IGNORE_END)
        out.append("\n" * text.count("\n", start, stop))
        if end < 0:
            break
        at = stop
    return "".join(out)


def extract(text: str) -> Extracted:
    """The licence expressions and copyright notices of a file's text (ignore blocks honoured)."""
    if "SPDX-" not in text and "Copyright" not in text and "©" not in text:
        return NOTHING
    text = without_ignored(_NEWLINES.sub("\n", text))
    expressions: list[tuple[str, int]] = []
    copyrights: list[str] = []
    for found in _CANDIDATE.finditer(text):
        line = found.group()
        prefix = found.group("prefix").strip()
        if prefix:
            line = line.removesuffix(prefix[::-1])  # "/* ... */": the mirrored prefix closes the comment
        match = _COPYRIGHT.match(line)
        if match:
            notice = match.group("notice").strip()
            if notice not in copyrights:
                copyrights.append(notice)
            continue
        match = _LICENSE.match(line)
        if match:
            number = text.count("\n", 0, found.start()) + 1
            value = match.group("value")
            if all(value != known for known, _line in expressions):
                expressions.append((value, number))
    if not expressions and not copyrights:
        return NOTHING
    return Extracted(tuple(expressions), tuple(copyrights))


def extract_bytes(data: bytes) -> Extracted | None:
    """``extract`` of a file's bytes; None for a binary file (not searched, as reuse does)."""
    text = decode(data)
    return None if text is None else extract(text)
