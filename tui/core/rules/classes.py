"""LT4xx: license classes of LICENSES/: deprecated ones and ones only for dual licensing.

An expression offers *choices* (its OR alternatives, each a set of licenses that all apply). A
deprecated license is a note only when every choice needs it; a dual-only license is a finding
unless some choice avoids it and is GPL-2.0 compatible: 'GPL-2.0 OR Apache-2.0' is the dual
licensing license-rules.rst describes, 'Apache-2.0' alone or 'GPL-2.0 AND Apache-2.0' is not.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from tui.core.rules.analysis import analysis_of
from tui.core.rules.base import expression_rule
from tui.core.rules.families import GPL_OK, family

if TYPE_CHECKING:
    from tui.core.expressions import Verdict
    from tui.core.rules.base import RuleContext


def unavoidable(ctx: RuleContext, expression: str, license_class: str) -> list[str]:
    """The ids of *license_class* in *expression* when every choice includes one (else [])."""
    choices = analysis_of(ctx, expression).choices
    catalog = ctx.catalog
    if not choices:
        return []
    in_class = {lic for choice in choices for lic in choice if catalog.class_of(lic) == license_class}
    if not in_class or not all(choice & in_class for choice in choices):
        return []
    return sorted(catalog.canonical(lic) for lic in in_class)


def _named(ids: list[str]) -> str:
    return ids[0] + " is" if len(ids) == 1 else ", ".join(ids) + " are"


def _advice(ctx: RuleContext, ids: list[str]) -> str:
    """What the LICENSES/ file's own Usage-Guide says about new code, when it says something."""
    for license_id in ids:
        entry = ctx.catalog.license(license_id)
        if entry is None:
            continue
        text = " ".join(entry.usage_guide.split())
        for sentence in re.split(r"(?<=\.)\s+", text):
            if re.search(r"\bnew (code|documents?)\b", sentence):
                return f" ({entry.path}: '{sentence}')"
    return ""


@expression_rule(
    "LT400", "deprecated-license", "info",
    "Every choice the expression offers needs a license from LICENSES/deprecated: not for new code.",
    "license-rules.rst, License identifiers, 2. Deprecated licenses: 'These licenses should only be used "
    "for existing code or for importing code from a different project.'",
)
def deprecated(ctx: RuleContext, expression: str, verdict: Verdict) -> Iterator[str]:
    if verdict.valid:
        ids = unavoidable(ctx, expression, "deprecated")
        if ids:
            yield (f"{_named(ids)} in LICENSES/deprecated: only for existing code or code imported from "
                   f"another project, not for new code{_advice(ctx, ids)}")


def gpl_alternative(ctx: RuleContext, expression: str, dual: set[str]) -> bool:
    """Whether some choice avoids every *dual* id and is GPL-2.0 compatible (or of unknown family)."""
    for choice in analysis_of(ctx, expression).choices or ():
        if not choice & dual and all(family(lic) in GPL_OK or family(lic) is None for lic in choice):
            return True
    return False


@expression_rule(
    "LT401", "dual-license-alone", "warning",
    "A license from LICENSES/dual is not offered as an alternative ('OR') to a GPL-2.0 compatible one.",
    "license-rules.rst, License identifiers, 3. Dual Licensing Only: 'These licenses should only be used "
    "to dual license code with another license in addition to a preferred license.'; LICENSES/dual/*, "
    "Usage-Guide: 'it MUST be used together with a GPL2 compatible license using \"OR\"'",
)
def dual_alone(ctx: RuleContext, expression: str, verdict: Verdict) -> Iterator[str]:
    choices = analysis_of(ctx, expression).choices if verdict.valid else None
    if not choices:
        return
    dual = {lic for choice in choices for lic in choice if ctx.catalog.class_of(lic) == "dual"}
    if dual and not gpl_alternative(ctx, expression, dual):
        ids = sorted(ctx.catalog.canonical(lic) for lic in dual)
        yield (f"{_named(ids)} in LICENSES/dual: only as an alternative ('OR') to a GPL-2.0 compatible "
               "license, and this expression offers no such alternative")
