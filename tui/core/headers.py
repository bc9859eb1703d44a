"""Extract the SPDX tag from the head of a file, with scripts/spdxcheck.py's semantics.

spdxcheck reads the first 15 lines (split on ``\\n``), takes the first line containing
``SPDX-License-Identifier:``, and keeps the text between the first and the second colon with
``*/``, ``-->`` and the SH ``LIST "`` quote stripped. We do the same, plus one fix where the
script is provably wrong: Jinja templates close their comment with ``#}``, which spdxcheck
reads as part of the expression (``Invalid token: #}``).
"""

from __future__ import annotations

from typing import NamedTuple

TAG = "SPDX-License-Identifier:"
TAG_BYTES = TAG.encode()
MAX_LINES = 15
#: Where the first search for a tag stops; 15 lines are longer only in odd files.
HEAD_SEARCH = 4096


class Header(NamedTuple):
    """What the head of one file says about its license."""

    expression: str | None
    line: int | None
    raw: str | None
    prefix: str = ""
    shebang: bool = False
    binary: bool = False
    crlf: bool = False
    more_tags: tuple[int, ...] = ()
    jinja_fix: bool = False


def _expression_of(line: str) -> tuple[str, bool]:
    """The expression spdxcheck reads from a tag line, and whether the Jinja fix applied."""
    expr = line.split(":")[1].strip()
    stripped = line.strip()
    if stripped.endswith("*/"):
        expr = expr.rstrip("*/").strip()
    if stripped.endswith("-->"):
        expr = expr.rstrip("->").strip()  # spdxcheck's rstrip('-->'): the characters - and >
    if line.startswith('LIST "'):
        expr = expr.rstrip('"').strip()
    if stripped.endswith("#}") and expr.endswith("#}"):
        return expr[:-2].strip(), True
    return expr, False


_LINE_CACHE: dict[bytes, tuple[str, str | None, str, bool]] = {}


def _tag_line(raw: bytes) -> tuple[str, str | None, str, bool]:
    """(text, expression, prefix, jinja) of a raw tag line; most files share a few hundred lines."""
    found = _LINE_CACHE.get(raw)
    if found is None:
        text = raw.decode("utf-8", errors="ignore")
        cr = text.find("\r", text.find(TAG))
        if 0 <= cr < len(text.rstrip("\r")):
            # Old Mac line ends: spdxcheck reads the next "line" into the expression (wrong).
            text = text[:cr]
        expression, jinja = _expression_of(text)
        found = (text.rstrip("\r"), expression, text[: text.find(TAG)].strip(), jinja)
        if len(_LINE_CACHE) < 20000:
            _LINE_CACHE[raw] = found
    return found


def extract_header(head: bytes, max_lines: int = MAX_LINES) -> Header:
    """Find the first SPDX tag in the first *max_lines* lines of *head* (bytes)."""
    binary = head.find(b"\0", 0, 1024) >= 0
    shebang = head.startswith(b"#!")
    first_nl = head.find(b"\n", 0, 1024)
    crlf = first_nl > 0 and head[first_nl - 1] == 13
    pos = head.find(TAG_BYTES, 0, HEAD_SEARCH)
    if pos < 0:
        if len(head) <= HEAD_SEARCH or head.count(b"\n", 0, HEAD_SEARCH) >= max_lines:
            return Header(None, None, None, "", shebang, binary, crlf)
        pos = head.find(TAG_BYTES)
        if pos < 0:
            return Header(None, None, None, "", shebang, binary, crlf)
    number = head.count(b"\n", 0, pos) + 1
    if number > max_lines:
        return Header(None, None, None, "", shebang, binary, crlf)
    start = head.rfind(b"\n", 0, pos) + 1
    end = head.find(b"\n", pos)
    if end < 0:
        end = len(head)
    text, expression, prefix, jinja = _tag_line(head[start:end])
    more: list[int] = []
    nxt = head.find(TAG_BYTES, end, end + HEAD_SEARCH)
    line_at, counted_to = number, end
    while nxt >= 0:
        line_at += head.count(b"\n", counted_to, nxt)
        counted_to = nxt
        if line_at > max_lines:
            break
        more.append(line_at)
        nxt = head.find(TAG_BYTES, nxt + len(TAG_BYTES), nxt + HEAD_SEARCH)
    return Header(expression, number, text, prefix, shebang, binary, crlf, tuple(more), jinja)


_UNTAGGED: dict[int, Header] = {}


def header_from(line: bytes | None, number: int, flags: int, more: tuple[int, ...]) -> Header:
    """The Header of what the C reader found: the raw tag line (None: no tag), its line number,
    flags (1 shebang, 2 binary, 4 CRLF) and the lines of further tags (see _fastread.c)."""
    if line is None:
        header = _UNTAGGED.get(flags)
        if header is None:
            header = _UNTAGGED[flags] = Header(None, None, None, "", bool(flags & 1), bool(flags & 2), bool(flags & 4))
        return header
    text, expression, prefix, jinja = _tag_line(line)
    return Header(expression, number, text, prefix, bool(flags & 1), bool(flags & 2), bool(flags & 4), more, jinja)
