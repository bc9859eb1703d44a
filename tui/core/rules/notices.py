"""LT6xx: the licence notice in a file's leading comments (``tui.core.notices``) against its tag.

These rules read the notice, which differs from file to file (it is matched in the reader processes
after a file's outcome is worked out, see ``tui.core.evaluate.Context.with_notice``): so they are
not per-file checks, whose outcomes files share, but are applied to each file's own outcome.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from tui.core.rules.base import Finding, declare
from tui.core.rules.placement import first_comment_line, style_of

if TYPE_CHECKING:
    from tui.core.notices.notice import Notice

NOTICE_RST = (
    "license-rules.rst: 'The Linux kernel requires the precise SPDX identifier in all source files. ... "
    "The SPDX license identifier ... replaces the license boilerplate text'; issue 13 (notices)"
)

NOTICE_WITHOUT_TAG = declare(
    "LT600", "notice-without-tag", "warning",
    "No SPDX tag, and the file's licence notice grants a licence: the tag line to add is given (this "
    "replaces LT100's COPYING-default message for such a file).",
    NOTICE_RST,
)
TAG_CONTRADICTS_NOTICE = declare(
    "LT601", "tag-contradicts-notice", "error",
    "The SPDX tag and the licence notice disagree (e.g. GPL-2.0-only with 'or any later version', GPL "
    "alone with a dual GPL/BSD notice, a licence the notice does not name).",
    NOTICE_RST,
)
UNRECOGNISED_NOTICE = declare(
    "LT602", "unrecognised-notice", "info",
    "A leading comment reads like a licence (licence, permission, redistribute, GPL) but matches no rule "
    "of the notice data well enough: for a human to review.",
    NOTICE_RST,
)

#: Notices scoring below this are shown, never set against a tag (a contradiction is an error).
CONTRADICTION_SCORE = 80

_FOLD = {
    "GPL-2.0": "GPL-2.0-only", "GPL-2.0+": "GPL-2.0-or-later", "GPL-1.0+": "GPL-1.0-or-later",
    "GPL-1.0": "GPL-1.0-only", "LGPL-2.0": "LGPL-2.0-only", "LGPL-2.0+": "LGPL-2.0-or-later",
    "LGPL-2.1": "LGPL-2.1-only", "LGPL-2.1+": "LGPL-2.1-or-later", "GPL-3.0": "GPL-3.0-only",
    "GPL-3.0+": "GPL-3.0-or-later", "LGPL-3.0": "LGPL-3.0-only", "LGPL-3.0+": "LGPL-3.0-or-later",
}
#: A notice naming these grants nothing a tag could contradict (code placed in the public domain may be
#: licensed under anything).
_NOT_GRANTS = frozenset({"LICENSEREF-SCANCODE-PUBLIC-DOMAIN", "LICENSEREF-SCANCODE-PUBLIC-DOMAIN-DISCLAIMER"})
#: Tags the kernel's SPDX conversion gave an unversioned "GNU General Public License" notice.
_UNVERSIONED_TAGS = frozenset({"GPL-1.0-OR-LATER", "GPL-1.0+"})
_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9.+-]*")


def licence_set(expression: str) -> frozenset[str]:
    """The licences an expression names, aliases folded (GPL-2.0 = GPL-2.0-only, GPL-2.0+ =
    GPL-2.0-or-later) and in upper case, exceptions (WITH ...) left out: what a tag and a notice are
    compared by."""
    return frozenset(_spellings(expression))


def _spellings(expression: str) -> dict[str, str]:
    """licence_set's ids -> how they are written (folded)."""
    ids: dict[str, str] = {}
    after_with = False
    for token in _ID_RE.findall(expression):
        upper = token.upper()
        if upper in ("AND", "OR"):
            continue
        if upper == "WITH":
            after_with = True
            continue
        if after_with:
            after_with = False
            continue
        folded = _FOLD.get(token, token)
        ids[folded.upper()] = folded
    return ids


def tag_line(path: str, head: bytes, expression: str) -> tuple[int, str] | None:
    """(line number, text) of the tag line *path* takes, as license-rules.rst prescribes for the file type
    (placement.style_of, first_comment_line): ``(1, "// SPDX-License-Identifier: MIT")``; None when no
    comment style is known for the file type."""
    style = style_of(path, head.startswith(b"#!"))
    if style is None:
        return None
    line, _why = first_comment_line(path, head)
    return line, style.example.replace("<expr>", expression)


def suggested_tag(path: str, expression: str, head: bytes) -> tuple[int, str]:
    """``tag_line``, or for a file type the rules say nothing of, the bare tag (to put in a comment of the
    file's kind) on the first line that can hold one."""
    placed = tag_line(path, head, expression)
    if placed is not None:
        return placed
    return first_comment_line(path, head)[0], f"SPDX-License-Identifier: {expression}"


def _lines(notice: Notice) -> str:
    return f"line {notice.line}" if notice.line == notice.end_line else f"lines {notice.line}-{notice.end_line}"


def _source(notice: Notice) -> str:
    return f"rule {notice.rule}, score {notice.score}"


def without_tag(path: str, notice: Notice, head: bytes) -> Finding:
    """LT600 for an untagged file whose notice grants a licence."""
    line, text = suggested_tag(path, notice.expression, head)
    return NOTICE_WITHOUT_TAG.finding(
        notice.line,
        f"no SPDX-License-Identifier; the notice ({_lines(notice)}, {_source(notice)}) grants "
        f"{notice.expression}: add '{text}' on line {line}",
    )


def contradiction(expression: str, tag_line: int, notice: Notice) -> Finding | None:
    """LT601 when the tag's licences and the notice's differ (None when they agree, or the notice is weak)."""
    if notice.score < CONTRADICTION_SCORE:
        return None
    spelled = {**_spellings(notice.expression), **_spellings(expression)}
    tagged, granted = licence_set(expression), licence_set(notice.expression) - _NOT_GRANTS
    if notice.unversioned and tagged & _UNVERSIONED_TAGS:
        tagged = (tagged - _UNVERSIONED_TAGS) | {"GPL-2.0-ONLY"}  # GPL-1.0+ is how the kernel's conversion read it
        spelled["GPL-2.0-ONLY"] = "GPL-2.0-only"
    if not tagged or not granted or tagged == granted:
        return None
    if _families(tagged) == _families(granted):
        later = [i for i in granted - tagged if i.endswith(("-OR-LATER", "+"))]
        if later:
            detail = f"the notice adds 'or (at your option) any later version' ({_listed(frozenset(later), spelled)})"
        else:
            detail = f"the tag offers later versions ({_listed(tagged - granted, spelled)}) the notice does not grant"
    elif granted < tagged:
        detail = f"the tag also offers {_listed(tagged - granted, spelled)}, which the notice does not grant"
    elif tagged < granted:
        detail = f"the notice grants a choice; the tag leaves out {_listed(granted - tagged, spelled)}"
    elif not tagged & granted:
        detail = "the notice does not name the tag's licence"
    else:
        detail = (f"only the notice names {_listed(granted - tagged, spelled)}; "
                  f"only the tag names {_listed(tagged - granted, spelled)}")
    return TAG_CONTRADICTS_NOTICE.finding(
        tag_line or notice.line,
        f"line {tag_line} tags {expression}, but the notice ({_lines(notice)}, {_source(notice)}) grants "
        f"{notice.expression}: {detail}",
    )


def _families(ids: frozenset[str]) -> frozenset[str]:
    return frozenset(re.sub(r"(-ONLY|-OR-LATER|\+)$", "", i) for i in ids)


def _listed(ids: frozenset[str], spelled: dict[str, str] | None = None) -> str:
    return ", ".join(sorted((spelled or {}).get(i, i) for i in ids))


def unrecognised(line: int) -> Finding:
    """LT602 for a comment that reads like a licence but matched no rule."""
    return UNRECOGNISED_NOTICE.finding(
        line, "this comment reads like a licence notice, but matches no rule of the notice data well enough: review it"
    )
