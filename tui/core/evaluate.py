"""Turn the facts read from one file into its verdict and findings."""

from __future__ import annotations

from typing import NamedTuple

from tui.core import rules as rules_mod
from tui.core.catalog import Catalog, load_catalog
from tui.core.exclude import ExcludeRules
from tui.core.expressions import KnownIds, Verdict, validate
from tui.core.rules import Finding
from tui.core.scan import Facts, Raw, facts_from
from tui.core.status import EXCLUDED, INVALID, UNREADABLE, UNTAGGED, VALID

#: The per-file checks that shared outcomes were worked out for (see evaluate_shared).
_PLAIN_DISPATCH = ((), (rules_mod.base.check_expression, rules_mod.placement.check_header),
                   (rules_mod.module_license.module_license,), (("uapi/", rules_mod.uapi.uapi),))
#: MODULE_LICENSE findings carry the line of the string in the body: they are never shared.
_MODULE_RULES = frozenset(r.id for r in rules_mod.RULES.values() if r.check is rules_mod.module_license.module_license)
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
        missing = f"no SPDX-License-Identifier in the first 15 lines; {note}"
        self._missing = (rules_mod.RULE_MISSING.finding(None, missing),)
        self._always, self._tagged, self._modules, self._paths = rules_mod.dispatch()
        #: Outcomes shared by the C reader's batches, under its own keys (see evaluate_shared).
        self.shared: dict[tuple, Outcome | None] = {}
        #: Outcomes are shared only while per-file checks are exactly these (tests may register more).
        self._plain = (self._always, self._tagged, self._modules, self._paths) == _PLAIN_DISPATCH

    @property
    def shares(self) -> bool:
        """Whether outcomes may be shared between files: only with the rules they were worked out for."""
        return self._plain

    @property
    def exempt(self) -> dict:
        """Paths whose outcome is never shared (their findings come from LICENSES/ too)."""
        return self._catalog_findings

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

    def evaluate_shared(self, path: str, share: tuple | None, got: Raw) -> Outcome:
        """``evaluate`` for a file the C reader could not match to a shared outcome (_fastread.read_columns):
        worked out now and kept under *share*, the key the C reader made (None: not shareable).

        A file whose tag (or lack of one) sits where it belongs, with no second tag, outside uapi/
        and LICENSES/, gets its outcome from its raw tag line, the line's number, the header flags,
        its name's extension and Makefile/Kconfig/Kbuild prefix (all that rules.placement.style_of
        looks at) and its MODULE_LICENSE strings: no rule looks at anything else of such a file,
        except for the lines of MODULE_LICENSE findings, so outcomes with those are never shared.
        Most of the kernel's 87,000 files share a few hundred outcomes, each worked out once here.
        """
        if share is not None:
            known = self.shared.get(share)
            if known is not None:  # worked out for an earlier file of the same batch
                return known
        outcome = self.evaluate(path, facts_from(got))
        if share is not None:
            modules = got[5]
            shared = not (modules and any(finding.rule in _MODULE_RULES for finding in outcome.findings))
            self.shared[share] = outcome if shared else None
        return outcome

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
