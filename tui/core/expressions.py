"""Validate and parse SPDX license expressions the way the kernel does.

Validation follows scripts/spdxcheck.py exactly: its lexer (ids are ``[A-Za-z.0-9-+]+``, only
spaces and tabs are blanks), case-insensitive ids checked against LICENSES/, an exception only
after a license its ``SPDX-Licenses`` tag lists, and its grammar, in which AND and OR are
*non-associative*: ``A OR B OR C`` and ``A WITH x OR B`` need parentheses. The structure shown to
users (AND/OR/WITH tree, license keys) comes from license-expression, parsed once per distinct
string.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tui.core.catalog import Catalog

_TOKEN_RE = re.compile(r"[ \t]*+(?:(\()|(\))|([A-Za-z.0-9\-+]+)|(.))", re.DOTALL)
_RESERVED = ("AND", "OR", "WITH")
#: How much of an offending token a message quotes (spdxcheck quotes the whole rest of the line).
MAX_TOKEN_SHOWN = 100


@dataclass(slots=True, frozen=True)
class Verdict:
    """The result of validating one expression string."""

    valid: bool
    message: str | None = None
    column: int | None = None
    token: str | None = None
    licenses: tuple[str, ...] = ()
    exceptions: tuple[str, ...] = ()
    operators: tuple[str, ...] = ()

    @property
    def error(self) -> str | None:
        """The message a user reads; a token longer than a line (junk after a tag) is cut."""
        if self.valid:
            return None
        if not self.token:
            return self.message
        token = self.token if len(self.token) <= MAX_TOKEN_SHOWN else self.token[:MAX_TOKEN_SHOWN] + "..."
        return f"{self.message}: {token}"


class _Fail(Exception):
    def __init__(self, message: str, column: int | None = None, token: str | None = None) -> None:
        super().__init__(message)
        self.message, self.column, self.token = message, column, token


class KnownIds:
    """What ids count as valid: a tree's LICENSES/, or the SPDX list license-expression ships."""

    def __init__(self, catalog: Catalog | None) -> None:
        self.catalog = catalog if catalog is not None and catalog.has_licenses_dir else None
        self._spdx: Any = None

    @property
    def source(self) -> str:
        return "LICENSES/" if self.catalog else "the SPDX license list (license-expression)"

    def _spdx_keys(self) -> tuple[set[str], set[str]]:
        if self._spdx is None:
            from license_expression import get_spdx_licensing

            licensing = get_spdx_licensing()
            licenses: set[str] = set()
            exceptions: set[str] = set()
            for symbol in licensing.known_symbols.values():
                target = exceptions if symbol.is_exception else licenses
                target.add(symbol.key.upper())
                target.update(alias.upper() for alias in symbol.aliases)
            # The kernel's "or later" spelling: GPL-2.0+ is GPL-2.0-or-later.
            licenses.update(key + "+" for key in list(licenses) if not key.endswith("+"))
            self._spdx = (licenses, exceptions)
        return self._spdx

    def is_license(self, upper_id: str) -> bool:
        if self.catalog:
            return upper_id in self.catalog.licenses
        return upper_id in self._spdx_keys()[0]

    def is_exception(self, upper_id: str) -> bool:
        if self.catalog:
            return upper_id in self.catalog.exceptions
        return upper_id in self._spdx_keys()[1]

    def exception_allows(self, upper_exception: str, upper_license: str | None) -> bool:
        if not self.catalog:
            return upper_license is not None
        allowed = self.catalog.exceptions[upper_exception].exception_licenses
        return upper_license in {a.upper() for a in allowed}


def validate(expression: str, known: KnownIds) -> Verdict:
    """Validate *expression* with spdxcheck.py's lexer, id checks and grammar."""
    licenses: list[str] = []
    exceptions: list[str] = []
    operators: list[str] = []
    try:
        _check(expression, known, licenses, exceptions, operators)
    except _Fail as fail:
        return Verdict(False, fail.message, fail.column, fail.token)
    return Verdict(True, None, None, None, tuple(licenses), tuple(exceptions), tuple(operators))


def _check(expression: str, known: KnownIds, licenses: list[str], exceptions: list[str], ops: list[str]) -> None:
    # Parser state, one frame per open parenthesis: [expects_term, operators_seen, term_done]
    stack: list[list[int]] = [[1, 0, 0]]
    lasttok: str | None = None
    lastid: str | None = None
    after_with = False
    pos = 0
    length = len(expression)
    while True:
        match = _TOKEN_RE.match(expression, pos)
        if match is None or match.end() == match.start() or pos >= length:
            if expression[pos:].strip(" \t"):
                raise _Fail("Invalid token", pos, expression[pos:])
            break
        pos = match.end()
        lpar, _rpar, word, junk = match.groups()
        column = match.start(match.lastindex or 0)
        if junk is not None:
            raise _Fail("Invalid token", column, expression[column:])
        frame = stack[-1]
        if word is not None:
            if lasttok == "EXC":
                raise _Fail("Missing parentheses", column, word)
            upper = word.upper()
            if upper in _RESERVED:
                kind = upper
            elif lasttok == "WITH":
                kind = "EXC"
            else:
                kind = "ID"
            lasttok = kind
            # The lexer validates ids before the parser sees the token.
            if kind == "ID":
                if not known.is_license(upper):
                    raise _Fail("Invalid License ID", column, word)
                lastid = upper
            elif kind == "EXC":
                if not known.is_exception(upper):
                    raise _Fail("Invalid Exception ID", column, word)
                if not known.exception_allows(upper, lastid):
                    raise _Fail(f"Exception not valid for license {lastid}", column, word)
                lastid = None
            elif kind != "WITH":
                lastid = None
            # Parser.
            if kind == "ID":
                if not frame[0]:
                    raise _Fail("Syntax error", column, word)
                frame[0], frame[2] = 0, 1
                after_with = False
                licenses.append(word)
            elif kind == "WITH":
                if frame[2] != 1 or after_with:  # WITH only follows a bare license id
                    raise _Fail("Syntax error", column, word)
                after_with = True
                frame[2] = 0
            elif kind == "EXC":
                if not after_with:
                    raise _Fail("Syntax error", column, word)
                after_with = False
                frame[2] = 2
                exceptions.append(word)
            else:  # AND / OR
                if frame[0] or after_with or frame[1]:
                    raise _Fail("Syntax error", column, word)
                frame[0], frame[1], frame[2] = 1, 1, 0
                ops.append(kind)
        elif lpar is not None:
            lasttok = "LPAR"
            if not frame[0]:
                raise _Fail("Syntax error", column, "(")
            frame[0] = 0
            stack.append([1, 0, 0])
            after_with = False
        else:
            lasttok = "RPAR"
            if len(stack) == 1 or frame[0] or after_with:
                raise _Fail("Syntax error", column, ")")
            stack.pop()
            stack[-1][2] = 3  # a parenthesised term: complete, cannot take WITH
    if len(stack) > 1 or stack[-1][0] or after_with:
        raise _Fail("Unfinished license expression")


@lru_cache(maxsize=4096)
def _parse_cached(expression: str) -> Any:
    from license_expression import Licensing

    return Licensing().parse(expression, validate=False, simple=False)


def parse_structure(expression: str) -> Any | None:
    """The license-expression object tree for *expression* (None when it cannot parse)."""
    try:
        return _parse_cached(expression)
    except Exception:
        return None


def structure_lines(expression: str) -> list[tuple[int, str, str]]:
    """The expression as an indented tree: (depth, kind, text) with kind 'op' or 'id'."""
    parsed = parse_structure(expression)
    if parsed is None:
        return []
    out: list[tuple[int, str, str]] = []

    def walk(node: Any, depth: int) -> None:
        exception = getattr(node, "exception_symbol", None)
        if exception is not None:
            out.append((depth, "op", "WITH"))
            out.append((depth + 1, "id", _original_key(node.license_symbol)))
            out.append((depth + 1, "exception", _original_key(exception)))
            return
        args = getattr(node, "args", None)
        if args:
            out.append((depth, "op", str(getattr(node, "operator", "")).strip() or type(node).__name__))
            for arg in args:
                walk(arg, depth + 1)
            return
        out.append((depth, "id", _original_key(node)))

    walk(parsed, 0)
    return out


def _original_key(symbol: Any) -> str:
    return str(getattr(symbol, "key", symbol))
