"""LT9xx: the LICENSES/ folder itself. Worked out once a tree, attached to the LICENSES/ files."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui.core.headers import extract_header
from tui.core.rules.base import Finding, declare

if TYPE_CHECKING:
    from tui.core.catalog import Catalog, LicenseEntry
    from tui.core.rules.base import RuleContext

METATAGS = "license-rules.rst, License identifiers, Metatags and Exception Metatags"

MALFORMED = declare(
    "LT900", "licenses-file", "error",
    "A LICENSES/ file cannot be used (unreadable, binary, an empty identifier tag).",
    METATAGS,
)
MISSING_TAG = declare(
    "LT901", "licenses-missing-tag", "error",
    "A LICENSES/ file lacks a required header tag (Valid-License-Identifier, SPDX-URL, Usage-Guidance, "
    "License-Text; for exceptions SPDX-Exception-Identifier, SPDX-URL, SPDX-Licenses, Usage-Guidance, "
    "Exception-Text).",
    f"{METATAGS}: 'The following meta tags must be available in a license file' / 'in an exception file'",
)
DUPLICATE = declare(
    "LT902", "licenses-duplicate-id", "error",
    "A license or exception id is defined twice in LICENSES/ (spdxcheck.py stops with "
    "'Duplicate License Identifier').",
    f"{METATAGS}; scripts/spdxcheck.py, read_spdxdata()",
)
EXCEPTION_LICENSE = declare(
    "LT903", "licenses-exception-unknown-license", "error",
    "An exception's SPDX-Licenses names a license LICENSES/ does not define (spdxcheck.py stops with "
    "'Exception ... missing license').",
    f"{METATAGS}: 'SPDX-Licenses: A comma separated list of SPDX license identifiers for which the "
    "exception can be used.'",
)
DRIFT = declare(
    "LT904", "licenses-tag-name-drift", "info",
    "A LICENSES/ file spells a header tag differently from license-rules.rst (Usage-Guide for "
    "Usage-Guidance, License-Text for Exception-Text): a note on the documentation as much as the file.",
    f"{METATAGS} (the tag lists say Usage-Guidance and Exception-Text; the file format examples and "
    "every LICENSES/ file of 6.12 say Usage-Guide and License-Text)",
)
EXAMPLE = declare(
    "LT905", "licenses-bad-usage-example", "warning",
    "An SPDX-License-Identifier example in a Usage-Guide fails scripts/spdxcheck.py.",
    f"{METATAGS}: 'The text must include correct examples for the SPDX license identifiers'",
)

#: Old ids of the catalog problems, mapped onto the declared rules.
CATALOG_RULE_IDS = {"LIC001": MALFORMED.id, "LIC002": DUPLICATE.id, "LIC003": EXCEPTION_LICENSE.id,
                    "LIC004": MISSING_TAG.id}

_USAGE = ("Usage-Guidance", "Usage-Guide")
_LICENSE_TAGS = (("SPDX-URL",), _USAGE, ("License-Text",))
_EXCEPTION_TAGS = (("SPDX-URL",), ("SPDX-Licenses",), _USAGE, ("Exception-Text", "License-Text"))
_PLACEHOLDER = ("<", "$", "[")


def _missing_tags(entry: LicenseEntry) -> list[str]:
    required = _EXCEPTION_TAGS if entry.is_exception else _LICENSE_TAGS
    used = set(entry.tags_used)
    return [names[0] for names in required if not used.intersection(names)]


def _drift(entry: LicenseEntry) -> list[Finding]:
    found = []
    line = entry.tag_lines.get("Usage-Guide")
    if line is not None:
        found.append(DRIFT.finding(line, "'Usage-Guide:': license-rules.rst documents the tag as "
                                         "'Usage-Guidance:' (its own examples say 'Usage-Guide:')"))
    if entry.is_exception:
        line = entry.tag_lines.get("License-Text")
        if line is not None:
            found.append(DRIFT.finding(line, "'License-Text:' in an exception file: license-rules.rst "
                                             "documents 'Exception-Text:' (scripts/spdxcheck.py only knows "
                                             "'License-Text:')"))
        line = entry.tag_lines.get("Exception-Text")
        if line is not None:
            found.append(DRIFT.finding(line, "'Exception-Text:' is what license-rules.rst documents, but "
                                             "scripts/spdxcheck.py stops reading the header only at "
                                             "'License-Text:'"))
    elif "Exception-Text" in entry.tag_lines:
        found.append(DRIFT.finding(entry.tag_lines["Exception-Text"],
                                   "'Exception-Text:' in a license file: license-rules.rst asks for 'License-Text:'"))
    return found


def catalog_findings(ctx: RuleContext) -> dict[str, list[Finding]]:
    """Findings for the LICENSES/ files: the catalog's problems, missing tags, drift, bad examples."""
    catalog: Catalog = ctx.catalog
    found: dict[str, list[Finding]] = {}
    for problem in catalog.problems:
        rule_id = CATALOG_RULE_IDS.get(problem.rule, problem.rule)
        found.setdefault(problem.path, []).append(Finding(rule_id, problem.severity, problem.line, problem.message))
    for entry in catalog.entries:
        here = found.setdefault(entry.path, [])
        missing = _missing_tags(entry)
        if missing:
            kind = "exception" if entry.is_exception else "license"
            here.append(MISSING_TAG.finding(1, f"{kind} file without {', '.join(m + ':' for m in missing)}"))
        here.extend(_drift(entry))
        for line, text in entry.examples:
            expression = extract_header(text.encode("utf-8", "surrogateescape"), max_lines=1).expression
            if not expression or any(mark in expression for mark in _PLACEHOLDER):
                continue
            verdict = ctx.verdict(expression)
            if not verdict.valid:
                here.append(EXAMPLE.finding(line, f"Usage-Guide example '{expression}' fails spdxcheck.py: "
                                                  f"{verdict.error}"))
        if not here:
            del found[entry.path]
    return found
