"""Reading one file of a REUSE tree into its outcome (status, effective expression, findings, origin).

The whole file is searched (``extract``), or its ``X.license`` sidecar instead when there is one; then
REUSE.toml or dep5 add to it or replace it by their precedence (REUSE spec 3.3):

- ``override``: REUSE.toml alone (the file is not read);
- ``aggregate`` (and dep5): REUSE.toml's information and the file's;
- ``closest`` (the default): the file's, else REUSE.toml's; a file with only copyright takes REUSE.toml's
  licensing, and the other way round.

Several expressions are combined with AND. The status says what spdxcheck would say of the combination:
valid (every expression parses, every id is on the SPDX list or a LicenseRef of LICENSES/), invalid, or
untagged (no licensing information at all); files REUSE does not cover are excluded.
"""

from __future__ import annotations

import os
import stat

from tui.core.evaluate import Outcome
from tui.core.reuse import annotations as ann
from tui.core.reuse.extract import NOTHING, Extracted, extract_bytes
from tui.core.reuse.origin import Origin
from tui.core.reuse.project import ReuseProject
from tui.core.rules import reuse as rules
from tui.core.rules.base import Finding
from tui.core.status import EXCLUDED, INVALID, UNREADABLE, UNTAGGED, VALID

_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_NOFOLLOW", 0)
#: A file is searched up to this many bytes (REUSE reads all of it; lictree stops at 64 MiB).
MAX_BYTES = 64 << 20


def _read(path: str) -> bytes:
    fd = os.open(path, _OPEN_FLAGS)
    try:
        with open(fd, "rb", closefd=False) as handle:
            return handle.read(MAX_BYTES)
    finally:
        os.close(fd)


def _read_any(path: str) -> bytes:
    """A sidecar may be a symlink (REUSE follows it)."""
    with open(path, "rb") as handle:
        return handle.read(MAX_BYTES)


def gather(project: ReuseProject, path: str, own: Extracted, source: str, where: str,
           found: dict[str, list[ann.Info]]) -> list[ann.Info]:
    """The information that applies to *path*, in REUSE's order: override, aggregate, the file's own, closest."""
    result: list[ann.Info] = []
    result.extend(found.get(ann.OVERRIDE, ()))
    result.extend(found.get(ann.AGGREGATE, ()))
    if own:
        result.append(ann.Info(own.expressions, own.copyrights, source, where))
    closest = found.get(ann.CLOSEST)
    if closest:
        if not own:
            result.extend(closest)
        elif bool(own.expressions) != bool(own.copyrights):
            first = closest[0]
            result.append(first.replaced(expressions=not own.expressions, copyrights=not own.copyrights))
    return result


def evaluate(project: ReuseProject, verdict, base: str, path: str) -> Outcome | None:  # noqa: ANN001 - Context.verdict
    """One file's outcome; None when it vanished since it was listed. *base*: the directory paths are
    relative to ("" in a reader process that has chdir'ed to the root)."""
    static = project.findings_of(path)
    full = os.path.join(base, path) if base else path
    if not project.covered(path):
        if not os.path.lexists(full):
            return None
        return Outcome(EXCLUDED, None, 0, static)
    try:
        st = os.lstat(full)
    except FileNotFoundError:
        return None
    except OSError as exc:
        return _unreadable(path, f"cannot stat: {exc.strerror or exc}", static)
    if stat.S_ISLNK(st.st_mode) or (stat.S_ISREG(st.st_mode) and st.st_size == 0):
        return Outcome(EXCLUDED, None, 0, static)  # REUSE covers neither symlinks nor empty files
    if not stat.S_ISREG(st.st_mode):
        return _unreadable(path, "not a regular file: not opened", static)
    found = project.global_info(path)
    own, source, where = NOTHING, ann.TAG, path
    if ann.OVERRIDE not in found:
        sidecar = full + ".license"
        try:
            if os.path.exists(sidecar):
                source, where = ann.SIDECAR, path + ".license"
                data = _read_any(sidecar)
            else:
                data = _read(full)
        except FileNotFoundError:
            return None if source == ann.TAG else _unreadable(path, "its .license sidecar vanished", static)
        except OSError as exc:
            return _unreadable(path, f"cannot read{' the sidecar' if source != ann.TAG else ''}: "
                                     f"{exc.strerror or exc}", static)
        got = extract_bytes(data)
        own = got if got is not None else NOTHING  # a binary file is not searched
    infos = gather(project, path, own, source, where, found)
    return judge(project, verdict, infos, static)


def _unreadable(path: str, why: str, static: tuple[Finding, ...]) -> Outcome:
    return Outcome(UNREADABLE, None, 0, (rules.READ_ERROR.finding(None, why), *static))


def _combined(expressions: list[str], verdict) -> str:  # noqa: ANN001 - Context.verdict
    if len(expressions) == 1:
        return expressions[0]
    parts = []
    for expression in expressions:
        simple = verdict(expression)
        bare = simple.valid and not simple.operators and not simple.exceptions
        parts.append(expression if bare else f"({expression})")
    return " AND ".join(parts)


def judge(project: ReuseProject, verdict, infos: list[ann.Info],  # noqa: ANN001 - Context.verdict
          static: tuple[Finding, ...] = ()) -> Outcome:
    """The outcome of the information that applies to a file."""
    findings: list[Finding] = []
    expressions: list[str] = []
    parts: list[tuple[str, str, str]] = []
    copyrights: list[str] = []
    used = False
    invalid = False
    first_line = 0
    main_source = ""
    missing: set[str] = set()
    for info in infos:
        for notice in info.copyrights:
            if notice not in copyrights:
                copyrights.append(notice)
        for expression, line in info.expressions:
            parts.append((expression, info.source, info.where))
            ids = project.ids_of(expression)
            here = line if info.source == ann.TAG and line else None
            if ids is None:
                findings.append(rules.INVALID_EXPRESSION.finding(
                    here, f"'{expression}' is not a valid SPDX license expression"
                          f"{'' if here else f' ({info.where})'}"))
                invalid = True
            else:
                used = used or bool(ids)
                for key in ids:
                    if project.missing(key) and key not in missing:
                        missing.add(key)
                        findings.append(rules.MISSING_LICENCE.finding(
                            here, f"'{key}' has no licence file in LICENSES/ (add LICENSES/{key}.txt"
                                  f"{'' if info.source != ann.REUSE_TOML else f'; used by {info.where}'})"))
                if not verdict(expression).valid:
                    invalid = True
            if expression not in expressions:
                expressions.append(expression)
            if not main_source:
                main_source = info.source
            if here and not first_line:
                first_line = here
    # The file's own information names the source when it gives licensing; else the first that does.
    own = [s for _e, s, _w in parts if s in (ann.TAG, ann.SIDECAR)]
    if own:
        main_source = own[0]
    if not used:
        findings.append(rules.NO_LICENSING.finding(None, "no licensing information: add an SPDX-License-Identifier "
                                                         "(or a .license sidecar, or a REUSE.toml annotation)"))
    if not copyrights:
        findings.append(rules.NO_COPYRIGHT.finding(None, "no copyright notice: add an SPDX-FileCopyrightText "
                                                         "(or a .license sidecar, or a REUSE.toml annotation)"))
    findings.extend(static)
    origin = Origin(main_source if expressions else "", tuple(parts), tuple(copyrights))
    if not expressions:
        return Outcome(UNTAGGED, None, 0, tuple(findings), None, origin)
    status = INVALID if invalid else VALID
    return Outcome(status, _combined(expressions, verdict), first_line if main_source == ann.TAG else 0,
                   tuple(findings), None, origin)
