"""The rule registry: a stable id, a severity, a one-line summary and the passage of
Documentation/process/license-rules.rst (or a LICENSES/ header) each rule enforces.

A per-file rule is a function ``check(ctx, path, facts, verdict) -> iterable[Finding]``
registered with ``@rule(...)``; one function may be registered under several ids (it is called
once a file). Rules whose findings come from elsewhere (scan errors, LICENSES/ problems) are
registered with ``declare(...)``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, NamedTuple, Protocol

if TYPE_CHECKING:
    from tui.core.catalog import Catalog
    from tui.core.expressions import KnownIds, Verdict
    from tui.core.scan import Facts


class RuleContext(Protocol):
    """What a rule sees of the tree (``tui.core.evaluate.Context`` is one): its root, LICENSES/ catalog,
    known ids, a verdict per expression, and a memo for work shared between files."""

    root: str
    catalog: Catalog
    known: KnownIds
    memo: dict

    def verdict(self, expression: str) -> Verdict: ...

SEVERITIES = ("error", "warning", "info")


class Finding(NamedTuple):
    """One problem in one file, at one line (None: the file as a whole)."""

    rule: str
    severity: str
    line: int | None
    message: str


CheckFn = Callable[["RuleContext", str, "Facts", "Verdict | None"], Iterable[Finding]]


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

#: When a check needs calling, so most files cost no call at all: "tagged" (the file has a tag),
#: "modules" (MODULE_LICENSE strings were found), "path:TEXT" (TEXT occurs in the path), None (always).
GATES: dict[CheckFn, str | None] = {}


def _register(rule_id: str, name: str, severity: str, summary: str, reference: str, check: CheckFn | None) -> Rule:
    if severity not in SEVERITIES:
        raise ValueError(f"{rule_id}: unknown severity {severity!r}")
    if rule_id in RULES:
        raise ValueError(f"rule id {rule_id} registered twice")
    RULES[rule_id] = Rule(rule_id, name, severity, summary, reference, check)
    return RULES[rule_id]


def rule(
    rule_id: str, name: str, severity: str, summary: str, reference: str, when: str | None = None
) -> Callable[[CheckFn], CheckFn]:
    """Register a per-file rule (stack the decorator to give one check several ids); *when*: see GATES."""

    def register(fn: CheckFn) -> CheckFn:
        _register(rule_id, name, severity, summary, reference, fn)
        _gate(fn, when)
        return fn

    return register


def _gate(fn: CheckFn, when: str | None) -> None:
    """Record when *fn* runs; stacked decorators may each say it, but must not disagree."""
    known = GATES.setdefault(fn, when)
    if when is not None and known != when:
        if known is not None:
            raise ValueError(f"{fn.__name__}: gates {known!r} and {when!r} disagree")
        GATES[fn] = when


def checks(*rule_ids: str, when: str | None = None) -> Callable[[CheckFn], CheckFn]:
    """Make one per-file check produce the findings of several declared rules (one call a file)."""

    def attach(fn: CheckFn) -> CheckFn:
        for rule_id in rule_ids:
            RULES[rule_id] = replace(RULES[rule_id], check=fn)
        _gate(fn, when)
        return fn

    return attach


def declare(rule_id: str, name: str, severity: str, summary: str, reference: str) -> Rule:
    """Register a rule whose findings are produced elsewhere (scan errors, LICENSES/ problems)."""
    return _register(rule_id, name, severity, summary, reference, None)


#: Rules that depend only on the expression string: (rule, fn(ctx, expression, verdict) -> messages).
ExpressionFn = Callable[["RuleContext", str, "Verdict"], Iterable[str]]
EXPRESSION_RULES: list[tuple[Rule, ExpressionFn]] = []


def expression_rule(
    rule_id: str, name: str, severity: str, summary: str, reference: str
) -> Callable[[ExpressionFn], ExpressionFn]:
    """Register a rule that looks only at the expression: its messages are worked out once per
    distinct expression string (a few hundred in the kernel), not once per file."""

    def register(fn: ExpressionFn) -> ExpressionFn:
        EXPRESSION_RULES.append((_register(rule_id, name, severity, summary, reference, check_expression), fn))
        _gate(check_expression, "tagged")
        return fn

    return register


def check_expression(ctx: RuleContext, path: str, facts: Facts, verdict: Verdict | None) -> Iterable[Finding]:
    """Every expression rule's findings for this file's tag, from a cache keyed by (expression, line)."""
    header = facts.header
    expression = header.expression  # gated "tagged": never None here
    memo = ctx.memo
    messages = memo.get(expression)
    if messages is None:
        if verdict is None:
            return ()
        rules = sorted(EXPRESSION_RULES, key=_by_id)
        messages = memo[expression] = tuple(
            (rule_, message) for rule_, fn in rules for message in fn(ctx, expression, verdict)
        )
    if not messages:
        return ()
    key = (expression, header.line)
    found = memo.get(key)
    if found is None:
        found = memo[key] = tuple(rule_.finding(header.line, message) for rule_, message in messages)
    return found


def _by_id(pair: tuple[Rule, ExpressionFn]) -> str:
    return pair[0].id


def per_file_rules() -> Iterator[Rule]:
    return (r for r in sorted(RULES.values(), key=lambda r: r.id) if r.check is not None)


def per_file_checks() -> tuple[CheckFn, ...]:
    """Each distinct check function once, in the order of their first rule id."""
    return tuple(dict.fromkeys(r.check for r in per_file_rules() if r.check is not None))


class Dispatch(NamedTuple):
    """The per-file checks grouped by GATES, for Context.evaluate."""

    always: tuple[CheckFn, ...]
    tagged: tuple[CheckFn, ...]
    modules: tuple[CheckFn, ...]
    paths: tuple[tuple[str, CheckFn], ...]


def dispatch() -> Dispatch:
    groups: dict[str, list] = {"always": [], "tagged": [], "modules": [], "paths": []}
    for fn in per_file_checks():
        when = GATES.get(fn)
        if when is None:
            groups["always"].append(fn)
        elif when.startswith("path:"):
            groups["paths"].append((when[5:], fn))
        elif when in ("tagged", "modules"):
            groups[when].append(fn)
        else:
            raise ValueError(f"{fn.__name__}: unknown gate {when!r}")
    return Dispatch(*(tuple(group) for group in groups.values()))


def parse_rule_ids(text: str | None) -> set[str]:
    """``"LT100,LT1"`` -> the ids that start with any of those prefixes."""
    if not text:
        return set()
    wanted = [p.strip().upper() for p in text.split(",") if p.strip()]
    unknown = [w for w in wanted if not any(rid.startswith(w) for rid in RULES)]
    if unknown:
        raise ValueError(f"unknown rule id: {', '.join(unknown)} (see `lictree rules`)")
    return {rid for rid in RULES if any(rid.startswith(w) for w in wanted)}
