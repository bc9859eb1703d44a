"""LT3xx: UAPI headers, which user space includes, carry the syscall exception."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from tui.core.rules.analysis import analysis_of
from tui.core.rules.base import RULES, Fact, Finding, rule

if TYPE_CHECKING:
    from tui.core.expressions import Verdict
    from tui.core.rules.base import RuleContext
    from tui.core.scan import Facts

SYSCALL_NOTE = "LINUX-SYSCALL-NOTE"
#: The headers `make headers_install` exports (tools/ keeps private copies: not checked).
_UAPI_RE = re.compile(r"(?:include/uapi/|arch/[^/]+/include/uapi/)")
UAPI_RST = (
    "license-rules.rst: 'The User-space API (UAPI) header files ... are a special case ... the exception "
    "must be documented by a special license expression', e.g. 'GPL-2.0 WITH Linux-syscall-note'; "
    "scripts/headers_install.sh: 'SPDX-License-Identifier with GPL variants must have \"WITH "
    "Linux-syscall-note\"'"
)


def is_uapi_header(path: str) -> bool:
    return path.endswith(".h") and path.startswith(("include/uapi/", "arch/")) and _UAPI_RE.match(path) is not None


@rule(
    "LT300", "uapi-without-syscall-note", "error",
    "A UAPI header under a GPL variant without 'WITH Linux-syscall-note': make headers_install fails on it.",
    UAPI_RST,
)
@rule(
    "LT301", "uapi-untagged", "warning",
    "A UAPI header without an SPDX tag: user space cannot tell that it may include it.",
    UAPI_RST,
    when="path:uapi/", reads=(Fact.PATH, Fact.TAG_LINE, Fact.TAG_NUMBER),
)
def uapi(ctx: RuleContext, path: str, facts: Facts, verdict: Verdict | None) -> Iterable[Finding]:
    if not is_uapi_header(path):
        return ()
    header = facts.header
    if header is None:
        return ()
    if header.expression is None:
        return (UNTAGGED.finding(None, "UAPI header without an SPDX-License-Identifier: user space cannot tell "
                                       "whether it may include it (a GPL variant needs 'WITH Linux-syscall-note')"),)
    if verdict is None or not verdict.valid:
        return ()
    bare = [lic for lic, exc in analysis_of(ctx, header.expression).leaves
            if "GPL-" in lic.upper() and (exc is None or exc.upper() != SYSCALL_NOTE)]
    if not bare:
        return ()
    terms = ", ".join(dict.fromkeys(bare))
    refused = "" if "WITH Linux-syscall-note" in (header.raw or "") else " (scripts/headers_install.sh refuses it)"
    return (NO_NOTE.finding(header.line, f"UAPI header: {terms} without 'WITH Linux-syscall-note'{refused}"),)


NO_NOTE, UNTAGGED = RULES["LT300"], RULES["LT301"]
