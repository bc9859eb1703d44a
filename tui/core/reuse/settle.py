"""The findings of a REUSE tree that depend on every file: a licence file no file uses (LT704).

Worked out once the files are read (``build.build_index``) and again after each change (``watch``), from
the expressions the index keeps for each file (``Origin.expressions``): the outcomes of the licence files
whose findings change are returned, for ``LicenseIndex.apply``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui.core.reuse.project import ReuseProject
from tui.core.rules import reuse as rules
from tui.core.status import EXCLUDED

if TYPE_CHECKING:
    from tui.core.evaluate import Outcome
    from tui.core.index import LicenseIndex


def used_ids(project: ReuseProject, index: LicenseIndex) -> set[str]:
    """Every licence and exception key a covered file's valid expressions use."""
    used: set[str] = set()
    seen: set[str] = set()
    for origin in index.origins.values():
        for expression, _source, _where in origin.expressions:
            if expression in seen:
                continue
            seen.add(expression)
            used.update(project.ids_of(expression) or ())
    return used


def changes(index: LicenseIndex) -> dict[str, Outcome]:
    """The licence files whose findings differ from what every file's use of them says now."""
    from tui.core.evaluate import Outcome

    project = index.ctx.reuse
    if project is None:
        return {}
    used = used_ids(project, index)
    out: dict[str, Outcome] = {}
    for item in project.files:
        i = index.position(item.path)
        if i is None:
            continue
        findings = list(project.findings_of(item.path))
        if item.identifier not in used and item.identifier + "+" not in used:
            findings.append(rules.UNUSED_LICENCE.finding(
                None, f"'{item.identifier}' is used by no file: remove {item.path}, or license a file under it"))
        wanted = tuple(findings)
        if index.findings.get(item.path, ()) != wanted or index.status[i] != EXCLUDED:
            out[item.path] = Outcome(EXCLUDED, None, 0, wanted)
    return out


def settle(index: LicenseIndex) -> list[str]:
    """Bring the licence files' findings up to date; returns the paths that changed."""
    found = changes(index)
    if not found:
        return []
    updated, _removed = index.apply(found)
    return updated
