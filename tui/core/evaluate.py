"""Turn the facts read from one file into its verdict and findings."""

from __future__ import annotations

import re
from typing import NamedTuple

from tui.core import rules as rules_mod
from tui.core.catalog import Catalog, load_catalog
from tui.core.exclude import ExcludeRules
from tui.core.expressions import KnownIds, Verdict, validate
from tui.core.notices import reading as notice_reading
from tui.core.notices.notice import Notice
from tui.core.reuse.detect import KERNEL, REUSE, tree_kind
from tui.core.reuse.origin import REUSE_SOURCES, Origin
from tui.core.rules import Finding
from tui.core.rules import notices as notice_rules
from tui.core.scan import Facts, Raw, facts_from, name_key
from tui.core.status import EXCLUDED, INVALID, UNREADABLE, UNTAGGED, VALID

_NO_FINDINGS: tuple[Finding, ...] = ()
_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9.+-]*")


class Record(NamedTuple):
    """One file's entry in the index, as handed to callers (the index itself is columnar).

    ``effective`` is the file's one licence and where it comes from: (expression, "tag" | "notice" |
    "copying"), or None (excluded, unreadable, or untagged in a tree without a COPYING default); in a
    REUSE tree the source is "tag", "sidecar", "reuse-toml" or "dep5", and ``origin`` says more."""

    path: str
    status: str
    expression: str | None
    line: int | None
    licenses: tuple[str, ...]
    findings: tuple[Finding, ...]
    notice: Notice | None = None
    effective: tuple[str, str] | None = None
    origin: Origin | None = None

    @property
    def worst(self) -> str | None:
        """The most severe finding's severity, or None."""
        severities = {finding.severity for finding in self.findings}
        for severity in ("error", "warning", "info"):
            if severity in severities:
                return severity
        return None


class Outcome(NamedTuple):
    """What evaluating one file gives: status code (index into STATUSES), expression, line, findings,
    and the licence notice its leading comments hold (``with_notice``; never in an outcome files share);
    in a REUSE tree, where its licensing comes from (``origin``)."""

    status: int
    expression: str | None
    line: int
    findings: tuple[Finding, ...]
    notice: Notice | None = None
    origin: Origin | None = None


#: Where a file's effective licence comes from (``effective``): a kernel tree's three, then a REUSE tree's.
SOURCES = ("tag", "notice", "copying", *REUSE_SOURCES)


def effective(status: int, expression: str | None, notice: Notice | None,
              copying: str | None, origin: Origin | None = None) -> tuple[str, str] | None:
    """A file's one effective licence and its source: the tag, else the notice, else the COPYING
    default; None for excluded and unreadable files (and untagged ones when there is no default).
    In a REUSE tree (*origin*): the combined expression of the file, its sidecar, REUSE.toml or dep5."""
    if origin is not None:
        return (expression, origin.source) if expression is not None and origin.source else None
    if status in (VALID, INVALID) and expression is not None:
        return expression, "tag"
    if status != UNTAGGED:
        return None
    if notice is not None:
        return notice.expression, "notice"
    return (copying, "copying") if copying else None


class Context:
    """Everything a verdict depends on besides the file itself: LICENSES/, COPYING, spdxexclude.

    ``kind`` is the kind of tree (``reuse.detect``): in a REUSE tree, ``reuse`` holds its licence files,
    REUSE.toml or dep5 (``reuse.project``), its files are read by ``reuse.reading`` and judged by the
    LT7xx rules alone; the kernel's rules, reader and sharing of outcomes are for kernel trees."""

    def __init__(self, root: str, catalog: Catalog | None = None, exclude: ExcludeRules | None = None) -> None:
        self.root = root
        self.kind = KERNEL if catalog is not None else tree_kind(root)
        self.reuse = None
        if self.kind == REUSE:
            from tui.core.reuse.project import ReuseKnownIds, ReuseProject

            self.reuse = ReuseProject(root)
            catalog = self.reuse.catalog
        self.catalog = catalog if catalog is not None else load_catalog(root)
        self.exclude = exclude if exclude is not None else ExcludeRules.load(root)
        self.known = KnownIds(self.catalog) if self.reuse is None else ReuseKnownIds()
        self._verdicts: dict[str, Verdict] = {}
        self._licenses: dict[str, tuple[str, ...]] = {}
        #: What rules work out once and reuse (per expression string, per file type...).
        self.memo: dict = {}
        self._catalog_findings = rules_mod.catalog_findings(self) if self.reuse is None else {}
        default = self.catalog.copying_default
        note = f"the COPYING default applies ({default})" if default else "no COPYING default was found"
        missing = f"no SPDX-License-Identifier in the first 15 lines; {note}"
        self._missing = (rules_mod.RULE_MISSING.finding(None, missing),)
        self._always, self._tagged, self._modules, self._paths = rules_mod.dispatch()
        #: How outcomes are shared between files, from the facts the per-file checks declare they read
        #: (None: not at all); ``table`` is the same for the C reader (_fastread.read_columns).
        self.spec = rules_mod.share_spec()
        self.table = self.spec.table() if self.spec is not None else None
        #: Outcomes shared between files, by key (None: a key whose outcomes are not shared).
        self.shared: dict[tuple, Outcome | None] = {}

    @property
    def shares(self) -> bool:
        """Whether outcomes may be shared between files (every per-file check says what it reads)."""
        return self.spec is not None

    @property
    def exempt(self) -> dict:
        """Paths whose outcome is never shared (their findings come from LICENSES/ too)."""
        return self._catalog_findings

    @property
    def fingerprint(self) -> str:
        kernel = (f"{self.catalog.fingerprint}:{self.exclude.fingerprint}:{self.catalog.has_licenses_dir}:"
                  f"{rules_mod.fingerprint()}:{notice_reading.fingerprint()}")
        return kernel if self.reuse is None else f"reuse:{kernel}"

    def verdict(self, expression: str) -> Verdict:
        """Validate each distinct expression string once."""
        verdict = self._verdicts.get(expression)
        if verdict is None:
            if self.reuse is not None:
                verdict = self._verdicts[expression] = self.reuse.verdict(expression)
            else:
                verdict = self._verdicts[expression] = validate(expression, self.known)
        return verdict

    def licenses(self, expression: str | None) -> tuple[str, ...]:
        """The license and exception ids of a valid expression, spelled as LICENSES/ does."""
        if expression is None:
            return ()
        found = self._licenses.get(expression)
        if found is None:
            verdict = self.verdict(expression)
            ids = verdict.licenses + verdict.exceptions if verdict.valid else ()
            if self.known.catalog is not None:
                ids = tuple(self.catalog.canonical(i) for i in ids)
            found = self._licenses[expression] = tuple(dict.fromkeys(ids))
        return found

    def effective_licenses(self, expression: str | None) -> tuple[str, ...]:
        """The ids of an effective licence (a tag's, a notice's or the COPYING default), spelled as LICENSES/
        does: a notice may name licences the tree does not know (X11, a ScanCode LicenseRef), kept as they are."""
        if expression is None:
            return ()
        found = self._licenses.get(expression)
        if found is not None:
            return found
        verdict = self.verdict(expression)
        if verdict.valid:
            return self.licenses(expression)
        ids = [token for token in _ID_RE.findall(expression) if token.upper() not in ("AND", "OR", "WITH")]
        found = self._licenses[expression] = tuple(dict.fromkeys(self.catalog.canonical(i) for i in ids))
        return found

    def evaluate_shared(self, path: str, share: tuple | None, got: Raw) -> Outcome:
        """``evaluate`` for a file the C reader could not match to a shared outcome (_fastread.read_columns):
        worked out now and kept under *share*, the key the C reader made from ``table`` (None: not shared).

        Files whose keys are equal agree on every fact the per-file checks read (rules.Fact, rules.
        share_spec): most of the kernel's 87,000 files share a few hundred outcomes, each worked out once.
        """
        if share is not None:
            known = self.shared.get(share)
            if known is not None:  # worked out for an earlier file of the same batch
                return known
        return self._keep(share, self.evaluate(path, facts_from(got)))

    def evaluate_read(self, path: str, facts: Facts) -> Outcome:
        """``evaluate`` for a file the Python reader read, sharing outcomes as the C reader does."""
        share = self.share_key(path, facts)
        if share is not None:
            known = self.shared.get(share)
            if known is not None:
                return known
        return self._keep(share, self.evaluate(path, facts))

    def _keep(self, share: tuple | None, outcome: Outcome) -> Outcome:
        if share is not None and self.spec is not None:
            unshared = self.spec.unshared_rules
            if unshared and any(finding.rule in unshared for finding in outcome.findings):
                self.shared[share] = None  # its findings depend on more than the key holds
            else:
                self.shared.setdefault(share, outcome)  # (a key kept as None stays unshared)
        return outcome

    def share_key(self, path: str, facts: Facts) -> tuple | None:
        """The key the outcome of a file read in Python is shared under (None: not shared): the parts of
        ``spec``, in the order of the C reader's keys (_fastread.c, share_key)."""
        spec = self.spec
        header = facts.header
        if spec is None or header is None:
            return None
        unshared = spec.unshared
        if unshared:
            if unshared & 1 and header.more_tags:
                return None
            line = header.line
            if unshared & 2 and line is not None and line != 1 and not (line == 2 and header.shebang):
                return None
        for text in spec.paths:
            if text in path:
                return None
        if path in self._catalog_findings:
            return None
        parts = spec.parts
        key: list = []
        if parts & 1:
            key.append(header.raw)
        if parts & 2:
            key.append(header.line or 0)
        if parts & 4:
            key.append(header.shebang | header.binary << 1 | header.crlf << 2)
        if parts & 8:
            key.extend(name_key(path, rules_mod.base.NAME_PREFIXES))
        if parts & 16:
            key.append(tuple(string for _offset, string in facts.modules))
        if parts & 32:
            key.append(facts.size)
        return tuple(key)

    def with_notice(self, path: str, outcome: Outcome, notice: Notice | None, like_line: int, head: bytes) -> Outcome:
        """*outcome* (perhaps shared with other files) with this file's own notice and the LT6xx findings
        it brings (``rules.notices``): an untagged file's notice replaces LT100's COPYING-default message
        with the tag to add (LT600); a tag the notice disagrees with is LT601; a comment that reads like a
        licence and matched nothing (*like_line*) is LT602. *head*: the file's first bytes."""
        findings = outcome.findings
        if notice is not None:
            if outcome.status == UNTAGGED:
                findings = tuple(f for f in findings if f.rule != rules_mod.RULE_MISSING.id)
                findings += (notice_rules.without_tag(path, notice, head),)
            elif outcome.expression is not None:
                found = notice_rules.contradiction(outcome.expression, outcome.line, notice)
                if found is not None:
                    findings += (found,)
        elif like_line:
            findings += (notice_rules.unrecognised(like_line),)
        else:
            return outcome
        return Outcome(outcome.status, outcome.expression, outcome.line, findings, notice)

    def evaluate(self, path: str, facts: Facts | None) -> Outcome:
        """The verdict and findings for one file (facts None: excluded, not read)."""
        extra = self._catalog_findings.get(path)
        if facts is None:
            return Outcome(EXCLUDED, None, 0, tuple(extra) if extra else _NO_FINDINGS)
        header = facts.header
        if header is None:
            findings = [rules_mod.RULE_UNREADABLE.finding(None, facts.error or "not read")]
            return Outcome(UNREADABLE, None, 0, tuple(findings + (extra or [])))
        expression = header.expression
        if expression is None:
            status, verdict = UNTAGGED, None
            findings = list(self._missing)
        else:
            verdict = self.verdict(expression)
            status = VALID if verdict.valid else INVALID
            findings = []  # an invalid expression's finding (LT101, LT102, LT103) comes from the rules
        if extra:
            findings.extend(extra)
        # Each check is called only for the files it can concern (rules.GATES): most files cost two calls.
        if verdict is not None:
            for check in self._tagged:
                found = check(self, path, facts, verdict)
                if found:
                    findings.extend(found)
        for check in self._always:
            findings.extend(check(self, path, facts, verdict))
        if facts.modules:
            for check in self._modules:
                findings.extend(check(self, path, facts, verdict))
        for needle, check in self._paths:
            if needle in path:
                findings.extend(check(self, path, facts, verdict))
        return Outcome(status, expression, header.line or 0, tuple(findings) if findings else _NO_FINDINGS)
