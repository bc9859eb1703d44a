"""LT2xx: where the tag sits and which comment style carries it, by file type."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, NamedTuple

from tui.core.rules.base import NAME_PREFIXES, Fact, Finding, checks, declare
from tui.core.rules.tags import extra_tags, head_of

if TYPE_CHECKING:
    from tui.core.expressions import Verdict
    from tui.core.headers import Header
    from tui.core.rules.base import RuleContext
    from tui.core.scan import Facts

PLACEMENT_RST = (
    "license-rules.rst, License identifier syntax, 1. Placement: 'The SPDX license identifier in kernel "
    "files shall be added at the first possible line in a file which can contain a comment. For the "
    "majority of files this is the first line, except for scripts which require the "
    "'#!PATH_TO_INTERPRETER' in the first line. For those scripts the SPDX identifier goes into the "
    "second line.'"
)
STYLE_RST = (
    "license-rules.rst, License identifier syntax, 2. Style: C source '//', C header and ASM '/* */', "
    "scripts '#', .rst '..', .dts{i} '//'; 'If a specific tool cannot handle the standard comment style, "
    "then the appropriate comment mechanism which the tool accepts shall be used.'"
)

#: Lines a tool insists on seeing first: Emacs file variables and PEP 263 coding declarations.
_MAGIC_RE = re.compile(rb"-\*-.*-\*-|^[ \t\f]*#.*?coding[:=][ \t]*[-\w.]+")
#: perf's test runner reads a shell test's description from line 2 (tools/perf/tests/tests-scripts.c).
_DESCRIPTION_LINE_DIRS = ("tools/perf/tests/shell/",)


def first_comment_line(path: str, head: bytes) -> tuple[int, str]:
    """The first line of *head* that can hold the tag, and why it is not line 1 ("" if it is)."""
    lines = head.split(b"\n", 4)
    first, why = 1, ""
    if lines[0].startswith(b"#!"):
        first, why = 2, "after the #! line"
        if path.startswith(_DESCRIPTION_LINE_DIRS):
            first, why = 3, "after the #! line and the test description perf reads from line 2"
    elif lines[0].startswith(b"<?xml"):
        first, why = 2, "after the XML declaration"
    while first <= 2 and first <= len(lines) and _MAGIC_RE.search(lines[first - 1]):
        first, why = first + 1, "after the coding/mode line tools read from the top"
    return first, why


PLACEMENT = declare(
    "LT200", "tag-placement", "warning",
    "The tag is not on the first line that can hold a comment (line 1; line 2 after '#!').",
    PLACEMENT_RST,
)


def placement(ctx: RuleContext, path: str, facts: Facts, header: Header) -> Finding | None:
    """Called only when the tag is neither on line 1 nor on line 2 after '#!'."""
    line = header.line
    if not header.prefix and style_of(path, header.shebang) is None:
        return None  # the tag is not in a comment: a text file (COPYING, a README) has no comment lines
    first, why = first_comment_line(path, head_of(ctx, path, facts, 4096))
    if line is None or line <= first:
        return None
    where = f"line {first} ({why})" if why else "line 1"
    return PLACEMENT.finding(line, f"tag on line {line}: it belongs on {where}")


class Style(NamedTuple):
    """The comment style a file type takes: accepted prefixes, what comments look like, an example."""

    kind: str
    accepted: frozenset[str]
    comment_starts: tuple[str, ...]
    example: str


_C_LINE = Style("C source", frozenset({"//"}), ("//", "/*", "*"), "// SPDX-License-Identifier: <expr>")
_C_BLOCK = Style("C header", frozenset({"/*", "*"}), ("//", "/*", "*"), "/* SPDX-License-Identifier: <expr> */")
#: Assemblers also take a line comment character: '#', ';', '@' (ARM), '!' (SuperH), '|' (m68k).
_ASM = _C_BLOCK._replace(kind="assembly/linker script", comment_starts=("//", "/*", "*", "#", ";", "@", "!", "|"))
_DTS = _C_LINE._replace(kind="device tree source")
_RUST = _C_LINE._replace(kind="Rust source")
_HASH = Style("script", frozenset({"#"}), ("#",), "# SPDX-License-Identifier: <expr>")
_MAKE = _HASH._replace(kind="Makefile/Kconfig")
_RST = Style("reStructuredText file", frozenset({".."}), ("..",), ".. SPDX-License-Identifier: <expr>")
_XML = Style("XML/SVG file", frozenset({"<!--"}), ("<!--",), "<!-- SPDX-License-Identifier: <expr> -->")
_TROFF = Style("man page", frozenset({'.\\"', '\\"', "'\\\"", ".\\\\\""}), ('.\\"', '\\"', "'\\\"", "\\#"),
               '.\\" SPDX-License-Identifier: <expr>')

#: By extension. The types license-rules.rst lists, plus checkpatch.pl's choices for .rs, .yaml,
#: .py, .pl, .awk, .tc, .bconf, and the comment syntax of a few more (.svg, man pages).
STYLES: dict[str, Style] = {
    "c": _C_LINE, "h": _C_BLOCK, "S": _ASM, "s": _ASM, "lds": _ASM,
    "dts": _DTS, "dtsi": _DTS, "dtso": _DTS, "rs": _RUST, "rst": _RST,
    "sh": _HASH, "bash": _HASH, "py": _HASH, "pl": _HASH, "pm": _HASH, "awk": _HASH, "tc": _HASH,
    "yaml": _HASH, "yml": _HASH, "bconf": _HASH, "mk": _MAKE,
    "svg": _XML, "xml": _XML,
    **{str(n): _TROFF for n in range(1, 10)},
}
_NAMED = NAME_PREFIXES  # what Fact.NAME_STYLE tells apart


def style_of(path: str, shebang: bool) -> Style | None:
    """The comment style *path* takes, or None when license-rules.rst and checkpatch say nothing."""
    slash = path.rfind("/")
    dot = path.rfind(".")
    style = STYLES.get(path[dot + 1:]) if dot > slash + 1 else None
    if style is None or style is _TROFF:
        if path.startswith(_NAMED, slash + 1):
            return _MAKE
        if shebang:
            return _HASH
    return style


STYLE = declare(
    "LT201", "comment-style", "warning",
    "The tag's comment style does not match the file type ('//' in .c, '/* */' in .h and assembly, "
    "'#' in scripts, Makefiles and Kconfig, '..' in .rst).",
    STYLE_RST,
)


def comment_style(ctx: RuleContext, path: str, header: Header) -> Finding | None:
    style = style_of(path, header.shebang)
    if style is None or header.prefix in style.accepted:
        return None
    key = ("style", style.kind, header.prefix)
    message = ctx.memo.get(key)
    if message is None:
        message = ctx.memo[key] = _style_message(style, header.prefix)
    return STYLE.finding(header.line, message)


def _style_message(style: Style, prefix: str) -> str:
    shown = f"'{prefix}'" if prefix else "no comment marker"
    message = f"{style.kind}: the tag should read '{style.example}', here it follows {shown}"
    if not prefix.startswith(style.comment_starts):
        message += " (not a comment in this file type, so the tag is part of the content)"
    return message


@checks("LT104", "LT105", "LT200", "LT201", when="tagged",
        reads=(Fact.TAG_LINE, Fact.TAG_NUMBER, Fact.HEADER_FLAGS, Fact.NAME_STYLE, Fact.MORE_TAGS, Fact.MISPLACED_HEAD))
def check_header(ctx: RuleContext, path: str, facts: Facts, verdict: Verdict | None) -> Iterable[Finding]:
    """The tag line's rules in one call a file: most files return after two comparisons."""
    header = facts.header
    if header.line == 1 and not header.more_tags:
        # Most files: the tag on line 1, and only the tag line, the shebang flag and the name's style
        # decide (the facts declared above: files that agree on them share this outcome).
        styled = comment_style(ctx, path, header)
        return (styled,) if styled else ()
    found: list[Finding] = []
    if header.more_tags:
        found.extend(extra_tags(ctx, path, facts, header))
    if header.line != 1 and not (header.line == 2 and header.shebang):
        misplaced = placement(ctx, path, facts, header)
        if misplaced:
            found.append(misplaced)
    styled = comment_style(ctx, path, header)
    if styled:
        found.append(styled)
    return found
