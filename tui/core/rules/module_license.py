"""LT5xx: MODULE_LICENSE("...") in a C file against its SPDX expression.

The strings mean what include/linux/module.h and license-rules.rst say: "GPL" and "GPL v2" are
GPL v2 (only or later, no distinction), the "Dual .../GPL" strings are GPL v2 *or* another
license, "GPL and additional rights" is GPL v2 and more. The tag is compatible when one of the
expression's choices grants what the string claims; a permissive license grants GPL v2 too
(its code may be distributed under the GPL), so 'MIT' with "Dual MIT/GPL" or "GPL" is fine.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from tui.core.rules.analysis import analysis_of
from tui.core.rules.base import RULES, Fact, Finding, Rule, rule
from tui.core.rules.families import FREE, GPL_OK, family
from tui.core.scan import line_at

if TYPE_CHECKING:
    from tui.core.expressions import Verdict
    from tui.core.rules.base import RuleContext
    from tui.core.scan import Facts

MODULE_RST = "license-rules.rst, MODULE_LICENSE"
MODULE_H = ("include/linux/module.h: 'The following license idents are currently accepted as indicating free "
            "software modules'")

#: What each valid string claims (include/linux/module.h, license-rules.rst).
MEANINGS = {
    "GPL": "GPL v2 (only or later)",
    "GPL v2": "GPL v2, the same as \"GPL\"",
    "GPL and additional rights": "GPL v2 and more rights (historically: GPL v2 and MIT)",
    "Dual BSD/GPL": "GPL v2 or a BSD license",
    "Dual MIT/GPL": "GPL v2 or MIT",
    "Dual MPL/GPL": "GPL v2 or the Mozilla Public License",
}
PROPRIETARY = "Proprietary"
HISTORICAL_STRING = "GPL and additional rights"
#: Valid strings with no finding of their own (only a mismatch with the tag can make one).
_PLAIN = frozenset(MEANINGS) - {HISTORICAL_STRING}

def _satisfied(string: str, families: list[frozenset[str | None]]) -> bool:
    gpl = any(f <= GPL_OK for f in families)
    if string in ("GPL", "GPL v2"):
        return gpl
    if string == "Dual BSD/GPL":
        return gpl and any(f <= FREE and "bsd" in f for f in families)
    if string == "Dual MIT/GPL":
        return gpl and any(f <= FREE and "mit" in f for f in families)
    if string == "Dual MPL/GPL":
        return gpl and any("mpl" in f and f <= GPL_OK | {"mpl"} for f in families)
    if string == "GPL and additional rights":
        return gpl and any(f - {"gpl"} for f in families)
    return True


def _why(string: str, families: list[frozenset[str | None]]) -> str:
    if not any(f <= GPL_OK for f in families):
        return "offers no GPL v2 compatible choice"
    if string == "Dual BSD/GPL":
        return "offers no BSD alternative"
    if string == "Dual MIT/GPL":
        return "offers no MIT alternative"
    if string == "Dual MPL/GPL":
        return "offers no MPL alternative"
    return "offers nothing beyond the GPL"


def contradiction(ctx: RuleContext, string: str, expression: str) -> str | None:
    """Why MODULE_LICENSE(*string*) contradicts *expression*, or None when they agree (or cannot tell)."""
    key = ("module", string, expression)
    if key in ctx.memo:
        return ctx.memo[key]
    message = None
    choices = analysis_of(ctx, expression).choices
    if string in MEANINGS and choices:
        families = [frozenset(family(lic) for lic in choice) for choice in choices]
        if not _satisfied(string, families) and not any(None in f for f in families):
            better = [s for s in ("GPL", "Dual MIT/GPL", "Dual BSD/GPL", "Dual MPL/GPL") if _satisfied(s, families)]
            hint = f'; "{better[-1]}" would match' if better else ""
            message = (f'MODULE_LICENSE("{string}") means {MEANINGS[string]}, but the SPDX tag '
                       f"'{expression}' {_why(string, families)}{hint}")
    ctx.memo[key] = message
    return message


def _line(body: bytes, offsets: list[int]) -> int | None:
    """The line of the first occurrence that starts its line (not one quoted in a comment)."""
    if not body:
        return None
    for offset in offsets:
        start = body.rfind(b"\n", 0, offset) + 1
        if not body[start:offset].strip():
            return line_at(body, offset)
    return line_at(body, offsets[0])


@rule(
    "LT500", "module-license-mismatch", "warning",
    "MODULE_LICENSE(\"...\") claims a license the SPDX expression does not grant (e.g. \"Dual BSD/GPL\" "
    "with GPL-2.0-only).",
    f"{MODULE_RST}: 'The valid license strings for MODULE_LICENSE() are: ...' (and what each means); {MODULE_H}",
)
@rule(
    "LT501", "module-license-unknown", "error",
    "MODULE_LICENSE(\"...\") is none of the strings the kernel knows: the module loader treats the "
    "module as proprietary and taints the kernel.",
    f"include/linux/license.h, license_is_gpl_compatible(); {MODULE_H}",
)
@rule(
    "LT502", "module-license-proprietary", "error",
    "MODULE_LICENSE(\"Proprietary\") in the kernel tree.",
    f"{MODULE_RST}: '\"Proprietary\" ... cannot be used for modules which have their source code in the "
    "kernel tree.'",
)
@rule(
    "LT503", "module-license-historical", "info",
    "MODULE_LICENSE(\"GPL and additional rights\"): historical, not for new code.",
    f"{MODULE_RST}: '\"GPL and additional rights\" Historical variant ... Please do not use in new code.'",
    when="modules", reads=(Fact.TAG_LINE, Fact.MODULE_STRINGS, Fact.MODULE_OFFSETS),
)
def module_license(ctx: RuleContext, path: str, facts: Facts, verdict: Verdict | None) -> Iterable[Finding]:
    modules = facts.modules
    if not modules:
        return ()
    header = facts.header
    expression = header.expression if header is not None and verdict is not None and verdict.valid else None
    if len(modules) == 1:
        string = modules[0][1]
        if string in _PLAIN and not (expression and contradiction(ctx, string, expression)):
            return ()
    offsets: dict[str, list[int]] = {}
    for offset, string in facts.modules:
        offsets.setdefault(string, []).append(offset)
    found: list[tuple[Rule, list[int], str]] = []
    for string, where in offsets.items():
        if string == PROPRIETARY:
            found.append((PROPRIETARY_RULE, where, 'MODULE_LICENSE("Proprietary") in the kernel tree: only for '
                                                   "third-party modules built outside it"))
        elif string not in MEANINGS:
            found.append((UNKNOWN, where, f'MODULE_LICENSE("{string}") is not a license string the kernel '
                                          "knows: the module would be treated as proprietary "
                                          f"(valid: {', '.join(repr(s) for s in MEANINGS)})"))
        else:
            if string == HISTORICAL_STRING:
                found.append((HISTORICAL, where, _historical(ctx, expression)))
            message = contradiction(ctx, string, expression) if expression else None
            if message:
                found.append((MISMATCH, where, message))
    # Lines are counted only for what is reported: counting them costs more than the whole rule.
    return [rule_.finding(_line(facts.body, where), message) for rule_, where, message in found]


def _historical(ctx: RuleContext, expression: str | None) -> str:
    message = f'MODULE_LICENSE("{HISTORICAL_STRING}") is historical, not for new code'
    choices = analysis_of(ctx, expression).choices if expression else None
    if choices and _satisfied("Dual MIT/GPL", [frozenset(family(lic) for lic in choice) for choice in choices]):
        message += ': the tag offers GPL v2 or MIT, which "Dual MIT/GPL" says'
    return message


MISMATCH, UNKNOWN, PROPRIETARY_RULE, HISTORICAL = (RULES[i] for i in ("LT500", "LT501", "LT502", "LT503"))
