"""The rules lictree checks: each has a stable id, a severity, a one-line summary and the passage
of Documentation/process/license-rules.rst (or a LICENSES/ header) it enforces.

Families: LT0xx reading, LT1xx tag and expression, LT2xx placement and comment style, LT3xx UAPI,
LT4xx license classes (deprecated, dual), LT5xx MODULE_LICENSE, LT6xx licence notices, LT9xx LICENSES/ itself;
and LT7xx for REUSE trees, which get those alone (``tui.core.reuse``).

Per-file rules run inside the scan's worker processes, once a file, so they stay cheap: rules that
depend only on the expression are worked out once per distinct string, path rules dispatch on a
prefix or extension, and a file is read again only on rare paths (a tag not on line 1, a second tag).
Each per-file check declares the facts it reads (``reads=``, see ``Fact``): the scan shares one outcome
among the files that agree on them (``share_spec``), so a check must declare everything it looks at.
"""

from __future__ import annotations

import hashlib
import os

from tui.core.rules import classes, module_license, notices, placement, reuse, uapi  # noqa: F401 - they register rules
from tui.core.rules.base import (
    EXPRESSION_RULES,
    GATES,
    KEY_PARTS,
    NAME_PREFIXES,
    READS,
    RULES,
    SEVERITIES,
    UNSHARED_WHEN,
    CheckFn,
    Dispatch,
    Fact,
    Finding,
    Rule,
    ShareSpec,
    checks,
    declare,
    dispatch,
    expression_rule,
    parse_rule_ids,
    per_file_checks,
    per_file_rules,
    rule,
    share_spec,
)
from tui.core.rules.licenses import CATALOG_RULE_IDS, catalog_findings
from tui.core.rules.licenses import MALFORMED as CATALOG
from tui.core.rules.tags import MISSING as RULE_MISSING
from tui.core.rules.tags import UNREADABLE as RULE_UNREADABLE

RULE_INVALID = RULES["LT101"]

__all__ = [
    "CATALOG", "CATALOG_RULE_IDS", "EXPRESSION_RULES", "GATES", "KEY_PARTS", "NAME_PREFIXES", "READS", "RULES",
    "RULE_INVALID", "RULE_MISSING", "RULE_UNREADABLE", "SEVERITIES", "UNSHARED_WHEN", "CheckFn", "Dispatch", "Fact",
    "Finding", "Rule", "ShareSpec", "catalog_findings", "checks", "declare", "dispatch", "expression_rule",
    "fingerprint", "parse_rule_ids", "per_file_checks", "per_file_rules", "rule", "share_spec",
]

_FINGERPRINT: list[str] = []


def fingerprint() -> str:
    """A digest of the rules' source, so cached findings are dropped when a rule changes."""
    if not _FINGERPRINT:
        digest = hashlib.sha1()
        here = os.path.dirname(os.path.abspath(__file__))
        for name in sorted(os.listdir(here)):
            if name.endswith(".py"):
                with open(os.path.join(here, name), "rb") as handle:
                    digest.update(name.encode() + b"\0" + handle.read())
        _FINGERPRINT.append(digest.hexdigest()[:16])
    return _FINGERPRINT[0]
