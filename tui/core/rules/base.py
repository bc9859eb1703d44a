"""The rule registry: a stable id, a severity, a one-line summary and the passage of
Documentation/process/license-rules.rst (or a LICENSES/ header) each rule enforces.

A per-file rule is a function ``check(ctx, path, facts, verdict) -> iterable[Finding]``
registered with ``@rule(...)``; one function may be registered under several ids (it is called
once a file). Rules whose findings come from elsewhere (scan errors, LICENSES/ problems) are
registered with ``declare(...)``.

Each per-file check says which facts of a file it reads (``reads=``, a few ``Fact``s): the scan
works out one outcome for all the files that agree on what the checks read (``share_spec``), so
a check that reads more than it declares would give files outcomes worked out for others. A check
that declares nothing, or a fact ``share_spec`` does not know, turns that sharing off.

The rules that read a file's licence notice (LT6xx, ``rules/notices.py``) are not per-file checks: the
notice is each file's own, matched after the outcome is worked out (or taken from files that share it),
and ``Context.with_notice`` applies those rules to that file's outcome alone.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from enum import Enum
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



class Fact(Enum):
    """What a per-file check reads of a file (besides its status, expression and tag line number,
    which every outcome holds), as declared with ``reads=``. The first six go into the key files
    share an outcome under; the others keep some files (or outcomes) from being shared at all."""

    #: The line of the first tag: its text, expression and comment prefix.
    TAG_LINE = "tag-line"
    #: That line's number.
    TAG_NUMBER = "tag-number"
    #: Whether the file starts with "#!", holds a NUL in its first KiB, ends its first line with CRLF.
    HEADER_FLAGS = "header-flags"
    #: What rules.placement.style_of looks at in a name: its base name's extension (after a dot that is
    #: not its first character), and whether the base name starts with Makefile, Kconfig or Kbuild.
    NAME_STYLE = "name-style"
    #: The MODULE_LICENSE("...") strings of a C source, in order (not where they are).
    MODULE_STRINGS = "module-strings"
    #: How many bytes of the file were read (Facts.size).
    SIZE = "size"
    #: Further tags in the first 15 lines and what their lines say: a file with any is not shared.
    MORE_TAGS = "more-tags"
    #: The lines of a file whose tag is not where it belongs (line 1, line 2 after "#!"), and its path:
    #: such a file is not shared.
    MISPLACED_HEAD = "misplaced-head"
    #: Where each MODULE_LICENSE sits in the body: an outcome holding a finding of the check is not shared.
    MODULE_OFFSETS = "module-offsets"
    #: The whole path: the files the check's "path:TEXT" gate lets through are not shared (without such a
    #: gate, no file is).
    PATH = "path"
    #: Any of the bytes read: no file is shared.
    HEAD = "head"


#: The name prefixes of Fact.NAME_STYLE (rules.placement.style_of gives these names the Makefile style).
NAME_PREFIXES = ("Makefile", "Kconfig", "Kbuild")
#: Key parts (bits of ShareSpec.parts and of the table _fastread.read_columns takes), in key order.
KEY_PARTS = {Fact.TAG_LINE: 1, Fact.TAG_NUMBER: 2, Fact.HEADER_FLAGS: 4, Fact.NAME_STYLE: 8,
             Fact.MODULE_STRINGS: 16, Fact.SIZE: 32}
#: Facts that keep a file from being shared when it has them (bits of ShareSpec.unshared).
UNSHARED_WHEN = {Fact.MORE_TAGS: 1, Fact.MISPLACED_HEAD: 2}
#: What Context.evaluate reads itself: the status and expression (the tag line) and the line it records.
EVALUATE_READS = (Fact.TAG_LINE, Fact.TAG_NUMBER)

#: What each per-file check reads (see Fact); a check missing here turns sharing off.
READS: dict[CheckFn, frozenset] = {}


def _register(rule_id: str, name: str, severity: str, summary: str, reference: str, check: CheckFn | None) -> Rule:
    if severity not in SEVERITIES:
        raise ValueError(f"{rule_id}: unknown severity {severity!r}")
    if rule_id in RULES:
        raise ValueError(f"rule id {rule_id} registered twice")
    RULES[rule_id] = Rule(rule_id, name, severity, summary, reference, check)
    return RULES[rule_id]


def rule(
    rule_id: str, name: str, severity: str, summary: str, reference: str, when: str | None = None,
    reads: Iterable[object] = (),
) -> Callable[[CheckFn], CheckFn]:
    """Register a per-file rule (stack the decorator to give one check several ids); *when*: see GATES;
    *reads*: the Facts the check reads (stacked decorators add up)."""

    def register(fn: CheckFn) -> CheckFn:
        _register(rule_id, name, severity, summary, reference, fn)
        _gate(fn, when)
        _reads(fn, reads)
        return fn

    return register


def _reads(fn: CheckFn, reads: Iterable[object]) -> None:
    reads = frozenset(reads)
    if reads:
        READS[fn] = READS.get(fn, frozenset()) | reads


def _gate(fn: CheckFn, when: str | None) -> None:
    """Record when *fn* runs; stacked decorators may each say it, but must not disagree."""
    known = GATES.setdefault(fn, when)
    if when is not None and known != when:
        if known is not None:
            raise ValueError(f"{fn.__name__}: gates {known!r} and {when!r} disagree")
        GATES[fn] = when


def checks(*rule_ids: str, when: str | None = None, reads: Iterable[object] = ()) -> Callable[[CheckFn], CheckFn]:
    """Make one per-file check produce the findings of several declared rules (one call a file)."""

    def attach(fn: CheckFn) -> CheckFn:
        for rule_id in rule_ids:
            RULES[rule_id] = replace(RULES[rule_id], check=fn)
        _gate(fn, when)
        _reads(fn, reads)
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
        _reads(check_expression, (Fact.TAG_LINE, Fact.TAG_NUMBER))
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


class ShareSpec(NamedTuple):
    """How the scan shares outcomes between files, from what the per-file checks read (share_spec).

    Files share an outcome when their keys are equal: the key holds the *parts* (bits of KEY_PARTS,
    in that order). A file is never shared when it has one of the *unshared* facts (bits of
    UNSHARED_WHEN), when its path holds one of *paths*, or when LICENSES/ gives it findings; an
    outcome is not shared when it holds a finding of one of *unshared_rules*.
    """

    parts: int
    unshared: int
    paths: tuple[str, ...]
    unshared_rules: frozenset[str]

    def table(self) -> tuple[int, int, tuple[bytes, ...], tuple[bytes, ...]]:
        """What _fastread.read_columns makes its keys by: (parts, unshared, paths, NAME_PREFIXES), texts as bytes."""
        return (self.parts, self.unshared, tuple(os.fsencode(text) for text in self.paths),
                tuple(os.fsencode(name) for name in NAME_PREFIXES))


def share_spec(fns: Iterable[CheckFn] | None = None) -> ShareSpec | None:
    """The ShareSpec of the per-file checks *fns* (default: all), or None: outcomes must not be shared
    (a check declares nothing, or a fact this does not know)."""
    parts = sum(KEY_PARTS[fact] for fact in EVALUATE_READS)
    unshared = 0
    paths: list[str] = []
    unshared_rules: set[str] = set()
    for fn in per_file_checks() if fns is None else fns:
        reads = READS.get(fn)
        if not reads:
            return None
        gate = GATES.get(fn)
        gated = gate[5:] if gate is not None and gate.startswith("path:") else None
        if gated is not None:
            paths.append(gated)  # the gate reads whether the path holds it: those files are left out
        elif gate == "modules":
            parts |= KEY_PARTS[Fact.MODULE_STRINGS]  # the gate reads whether there are any
        for fact in reads:
            if fact in KEY_PARTS:
                parts |= KEY_PARTS[fact]  # type: ignore[index]
            elif fact in UNSHARED_WHEN:
                unshared |= UNSHARED_WHEN[fact]  # type: ignore[index]
            elif fact is Fact.MODULE_OFFSETS:
                unshared_rules.update(r.id for r in RULES.values() if r.check is fn)
            elif not (fact is Fact.PATH and gated is not None):
                return None  # Fact.HEAD, a PATH read for every file, or a fact this does not know
    return ShareSpec(parts, unshared, tuple(dict.fromkeys(paths)), frozenset(unshared_rules))


def parse_rule_ids(text: str | None) -> set[str]:
    """``"LT100,LT1"`` -> the ids that start with any of those prefixes."""
    if not text:
        return set()
    wanted = [p.strip().upper() for p in text.split(",") if p.strip()]
    unknown = [w for w in wanted if not any(rid.startswith(w) for rid in RULES)]
    if unknown:
        raise ValueError(f"unknown rule id: {', '.join(unknown)} (see `lictree rules`)")
    return {rid for rid in RULES if any(rid.startswith(w) for w in wanted)}
