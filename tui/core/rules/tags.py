"""LT0xx/LT1xx: whether a file is read, has a tag, and how its expression is written."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from tui.core.headers import MAX_LINES, TAG, Header, extract_header
from tui.core.rules.analysis import Node, Term, analysis_of
from tui.core.rules.base import Finding, declare, expression_rule

if TYPE_CHECKING:
    from tui.core.expressions import Verdict
    from tui.core.rules.base import RuleContext
    from tui.core.scan import Facts

SYNTAX = "license-rules.rst, License identifier syntax, 3. Syntax"

UNREADABLE = declare(
    "LT001", "unreadable", "warning",
    "The file could not be read (special file, unreadable, vanished, symlink out of the tree).",
    "lictree: every file of the tree is accounted for",
)
MISSING = declare(
    "LT100", "missing-tag", "warning",
    "No SPDX-License-Identifier in the first 15 lines: the COPYING default applies.",
    "license-rules.rst: 'The Linux kernel requires the precise SPDX identifier in all source files.'",
)


def _parentheses_only(ctx: RuleContext, expression: str) -> bool:
    """Whether the expression passes spdxcheck once AND/OR operands are parenthesised."""
    analysis = analysis_of(ctx, expression)
    if not (analysis.mixed or analysis.chained):
        return False
    rewritten = analysis.rewrite()
    return rewritten is not None and ctx.verdict(rewritten).valid


@expression_rule(
    "LT101", "invalid-expression", "error",
    "The SPDX expression fails scripts/spdxcheck.py (unknown id, exception misuse, syntax); "
    "a chain or mix of AND/OR that only lacks parentheses is reported as LT102/LT103 instead.",
    f"{SYNTAX}; scripts/spdxcheck.py",
)
def invalid_expression(ctx: RuleContext, expression: str, verdict: Verdict) -> Iterator[str]:
    if not verdict.valid and not _parentheses_only(ctx, expression):
        yield f"{verdict.error} (ids checked against {ctx.known.source})"


@expression_rule(
    "LT102", "and-or-without-parentheses", "error",
    "AND and OR side by side without parentheses: ambiguous, and spdxcheck.py calls it a syntax error.",
    f"{SYNTAX}: 'an expression consists of keywords \"AND\", \"OR\" separating sub-expressions and "
    "surrounded by \"(\", \")\"'",
)
def mixed_and_or(ctx: RuleContext, expression: str, verdict: Verdict) -> Iterator[str]:
    analysis = analysis_of(ctx, expression)
    if analysis.mixed:
        meant = analysis.rewrite()
        reading = f"; the SPDX specification reads it as '{meant}' (AND binds tighter than OR)" if meant else ""
        yield (
            "AND and OR without parentheses: ambiguous, say which is meant with parentheses"
            f"{reading}. spdxcheck.py rejects it as 'Syntax error' because its grammar makes AND and OR "
            "non-associative"
        )


@expression_rule(
    "LT103", "operator-chain", "error",
    "A chain like 'A OR B OR C' without parentheses: clear, but spdxcheck.py calls it a syntax error.",
    f"{SYNTAX}; scripts/spdxcheck.py (precedence: nonassoc AND, OR). license-rules.rst's own example "
    "'GPL-1.0+ OR BSD-3-Clause OR OpenSSL' is written this way",
)
def operator_chain(ctx: RuleContext, expression: str, verdict: Verdict) -> Iterator[str]:
    analysis = analysis_of(ctx, expression)
    if analysis.chained and not analysis.mixed:
        ops = " and ".join(analysis.chained)
        fixed = analysis.rewrite()
        suggestion = f": write '{fixed}'" if fixed else ""
        yield (
            f"{ops} chained without parentheses: spdxcheck.py rejects it as 'Syntax error' because its "
            f"grammar makes AND and OR non-associative{suggestion}"
        )


@expression_rule(
    "LT106", "operator-case", "warning",
    "An operator in lower case ('or', 'and', 'with'): spdxcheck.py accepts it, the SPDX specification "
    "matches operators case-sensitively.",
    f"{SYNTAX} (keywords \"AND\", \"OR\", \"WITH\"); SPDX specification 2.3, Annex D.2: 'License expression "
    "operators (AND, OR and WITH) should be matched in a case-sensitive manner'",
)
def operator_case(ctx: RuleContext, expression: str, verdict: Verdict) -> Iterator[str]:
    lowered = analysis_of(ctx, expression).lowercase_operators
    if lowered:
        words = ", ".join(f"'{word}'" for word in lowered)
        upper = ", ".join(word.upper() for word in lowered)
        yield (f"operator {words} in lower case: write {upper} (spdxcheck.py accepts it; the SPDX specification "
               "matches operators case-sensitively, and strict SPDX parsers reject it)")


# More than one tag --------------------------------------------------------------------------

_QUOTED_EXAMPLE = re.compile(r"\s*(?:#|//|/\*|\*|\.\.|--|;|%|!|@|<!--)[ \t]{2,}")
#: Enough of a file to hold its first 15 lines (the scan reads as much; see headers.HEAD_SEARCH).
_HEAD = 65536


def head_of(ctx: RuleContext, path: str, facts: Facts, size: int = _HEAD) -> bytes:
    """The first bytes of the file: those the scan read, or read again when Facts came without them."""
    if facts.body:
        return facts.body[:size]
    try:
        with open(os.path.join(ctx.root, path), "rb") as handle:
            return handle.read(size)
    except OSError:
        return b""


def line_offset(data: bytes, number: int) -> int:
    """Byte offset of 1-based line *number* in *data* (len(data) when there are fewer lines)."""
    offset = 0
    for _ in range(number - 1):
        offset = data.find(b"\n", offset) + 1
        if offset == 0:
            return len(data)
    return offset


def _is_quoted(raw: str) -> bool:
    """A tag inside a string literal or an indented example in a comment is not the file's tag."""
    before = raw[: raw.find(TAG)]
    return '"' in before or "'" in before or _QUOTED_EXAMPLE.fullmatch(before) is not None


def _normal_id(license_id: str) -> str:
    upper = license_id.upper()
    if upper.endswith("-ONLY"):
        return upper[:-5]
    if upper.endswith("-OR-LATER"):
        return upper[:-9] + "+"
    return upper


def _meaning(node: Node) -> frozenset[frozenset[str]]:
    """The alternatives of an expression with ids normalised (GPL-2.0-only == GPL-2.0)."""
    if isinstance(node, Term):
        leaf = _normal_id(node.license) + (f" WITH {node.exception.upper()}" if node.exception else "")
        return frozenset((frozenset((leaf,)),))
    left, right = _meaning(node.left), _meaning(node.right)
    if node.operator == "OR":
        return left | right
    return frozenset(a | b for a in left for b in right)


def same_license(ctx: RuleContext, one: str, other: str) -> bool:
    if " ".join(one.split()).upper() == " ".join(other.split()).upper():
        return True
    a, b = analysis_of(ctx, one).tree, analysis_of(ctx, other).tree
    return a is not None and b is not None and _meaning(a) == _meaning(b)


MORE_TAGS = "more than one SPDX-License-Identifier in the first 15 lines; spdxcheck.py reads only the first"


RULE_REPEATED = declare(
    "LT104", "repeated-tag", "warning",
    f"The same license tagged twice ({MORE_TAGS}).",
    "license-rules.rst, License identifier syntax, 1. Placement: one SPDX identifier, at the first "
    "possible line",
)
RULE_CONFLICT = declare(
    "LT105", "conflicting-tags", "error",
    f"Two tags with different licenses ({MORE_TAGS}): which one applies?",
    "license-rules.rst: 'The Linux kernel requires the precise SPDX identifier in all source files.'",
)


def extra_tags(ctx: RuleContext, path: str, facts: Facts, header: Header) -> list[Finding]:
    """Tags after the first, in the first 15 lines; later ones are generator strings and examples."""
    if header.expression is None:
        return []
    head = head_of(ctx, path, facts)
    found: list[Finding] = []
    for number in header.more_tags:
        if number > MAX_LINES:
            break
        other = extract_header(head[line_offset(head, number):], max_lines=1)
        if other.expression is None or other.raw is None or _is_quoted(other.raw):
            continue
        if same_license(ctx, header.expression, other.expression):
            message = f"tag repeated (line {header.line} has the same license, '{header.expression}')"
            found.append(RULE_REPEATED.finding(number, message))
        else:
            message = (f"tag says '{other.expression}' but line {header.line} says '{header.expression}' "
                       "(spdxcheck.py and other tools use the first)")
            found.append(RULE_CONFLICT.finding(number, message))
    return found

