"""Turn the facts read from one file into its verdict and findings."""

from __future__ import annotations

from typing import NamedTuple

from tui.core import rules as rules_mod
from tui.core.catalog import Catalog, load_catalog
from tui.core.exclude import ExcludeRules
from tui.core.expressions import KnownIds, Verdict, validate
from tui.core.rules import Finding
from tui.core.scan import Facts

STATUSES = ("valid", "untagged", "invalid", "unreadable", "excluded")
_NO_FINDINGS: tuple[Finding, ...] = ()


class Record(NamedTuple):
    """One file's entry in the index, as handed to callers (the index itself is columnar)."""

    path: str
    status: str
    expression: str | None
    line: int | None
    licenses: tuple[str, ...]
    findings: tuple[Finding, ...]

    @property
    def worst(self) -> str | None:
        """The most severe finding's severity, or None."""
        severities = {finding.severity for finding in self.findings}
        for severity in ("error", "warning", "info"):
            if severity in severities:
                return severity
        return None


class Outcome(NamedTuple):
    """What evaluating one file gives: status code (index into STATUSES), expression, line, findings."""

    status: int
    expression: str | None
    line: int
    findings: tuple[Finding, ...]


VALID, UNTAGGED, INVALID, UNREADABLE, EXCLUDED = range(5)


class Context:
    """Everything a verdict depends on besides the file itself: LICENSES/, COPYING, spdxexclude."""

    def __init__(self, root: str, catalog: Catalog | None = None, exclude: ExcludeRules | None = None) -> None:
        self.root = root
        self.catalog = catalog if catalog is not None else load_catalog(root)
        self.exclude = exclude if exclude is not None else ExcludeRules.load(root)
        self.known = KnownIds(self.catalog)
        self._verdicts: dict[str, Verdict] = {}
        self._licenses: dict[str, tuple[str, ...]] = {}
        #: What rules work out once and reuse (per expression string, per file type...).
        self.memo: dict = {}
        self._catalog_findings = rules_mod.catalog_findings(self)
        default = self.catalog.copying_default
        note = f"the COPYING default applies ({default})" if default else "no COPYING default was found"
        self._missing = (rules_mod.MISSING.finding(None, f"no SPDX-License-Identifier in the first 15 lines; {note}"),)
        self._always, self._tagged, self._modules, self._paths = rules_mod.dispatch()

    @property
    def fingerprint(self) -> str:
        return (f"{self.catalog.fingerprint}:{self.exclude.fingerprint}:{self.catalog.has_licenses_dir}:"
                f"{rules_mod.fingerprint()}")

    def verdict(self, expression: str) -> Verdict:
        """Validate each distinct expression string once."""
        verdict = self._verdicts.get(expression)
        if verdict is None:
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

    def evaluate(self, path: str, facts: Facts | None) -> Outcome:
        """The verdict and findings for one file (facts None: excluded, not read)."""
        extra = self._catalog_findings.get(path)
        if facts is None:
            return Outcome(EXCLUDED, None, 0, tuple(extra) if extra else _NO_FINDINGS)
        header = facts.header
        if header is None:
            findings = [rules_mod.UNREADABLE.finding(None, facts.error or "not read")]
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
