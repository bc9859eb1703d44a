"""The rules lictree checks: each has a stable id, a severity, a one-line summary and the passage
of Documentation/process/license-rules.rst (or LICENSES/ header) it enforces.

A rule is a function ``check(ctx, path, facts, verdict) -> iterable[Finding]`` registered with
``@rule(...)``. Rules that depend only on the expression string are cheap because verdicts are
cached per distinct string.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from tui.core.evaluate import Context
    from tui.core.expressions import Verdict
    from tui.core.scan import Facts

SEVERITIES = ("error", "warning", "info")


class Finding(NamedTuple):
    """One problem in one file, at one line (None: the file as a whole)."""

    rule: str
    severity: str
    line: int | None
    message: str


CheckFn = Callable[["Context", str, "Facts", "Verdict | None"], Iterable[Finding]]


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    name: str
    severity: str
    summary: str
    reference: str
    check: CheckFn | None = None

    def finding(self, line: int | None, message: str) -> Finding:
        return Finding(self.id, self.severity, line, message)


RULES: dict[str, Rule] = {}


def rule(rule_id: str, name: str, severity: str, summary: str, reference: str) -> Callable[[CheckFn], CheckFn]:
    """Register a per-file rule."""

    def register(fn: CheckFn) -> CheckFn:
        RULES[rule_id] = Rule(rule_id, name, severity, summary, reference, fn)
        return fn

    return register


def declare(rule_id: str, name: str, severity: str, summary: str, reference: str) -> Rule:
    """Register a rule whose findings are produced elsewhere (scan errors, LICENSES/ problems)."""
    RULES[rule_id] = Rule(rule_id, name, severity, summary, reference)
    return RULES[rule_id]


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
INVALID = declare(
    "LT101", "invalid-expression", "error",
    "The SPDX expression does not pass scripts/spdxcheck.py (unknown id, exception misuse, syntax).",
    "license-rules.rst: License identifier syntax, 3. Syntax; scripts/spdxcheck.py",
)
CATALOG = declare(
    "LT900", "licenses-file", "error",
    "A LICENSES/ file is malformed (missing header tags, ids defined twice, unknown SPDX-Licenses).",
    "license-rules.rst: License identifiers, Metatags and Exception Metatags",
)

#: Old ids of the catalog problems, mapped onto the declared rule.
CATALOG_RULE_IDS = {"LIC001": CATALOG.id, "LIC002": CATALOG.id, "LIC003": CATALOG.id}


def per_file_rules() -> Iterator[Rule]:
    return (r for r in RULES.values() if r.check is not None)


def parse_rule_ids(text: str | None) -> set[str]:
    """``"LT100,LT1"`` -> the ids that start with any of those prefixes."""
    if not text:
        return set()
    wanted = [p.strip().upper() for p in text.split(",") if p.strip()]
    unknown = [w for w in wanted if not any(rid.startswith(w) for rid in RULES)]
    if unknown:
        raise ValueError(f"unknown rule id: {', '.join(unknown)} (see `lictree rules`)")
    return {rid for rid in RULES if any(rid.startswith(w) for w in wanted)}
