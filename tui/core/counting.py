"""Counting files: per directory as verdicts arrive (``DirStats``, ``DirCounter``) and for a selection of
files (``summarize``: the summary view, ``check --format json``'s summary and every export), with the
rule filter (``FindingFilter``) that decides which findings count. One implementation, imported by the
index, the query language, the reports and the UI.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import compress, repeat
from operator import itemgetter
from typing import Protocol

from tui.core.catalog import CLASSES, Catalog
from tui.core.evaluate import Context, Outcome
from tui.core.notices.notice import Notice
from tui.core.rules import Finding
from tui.core.scan import CANNOT_LIST
from tui.core.status import INVALID, STATUSES, UNREADABLE, UNTAGGED, VALID


class Columns(Protocol):
    """What counting reads of an index (``tui.core.index.LicenseIndex``): its columns and context."""

    paths: Sequence[str]
    status: Sequence[int]
    exprs: Sequence[str | None]
    findings: dict[str, tuple[Finding, ...]]
    notices: dict[str, Notice]
    skipped: list[tuple[str, str]]
    ctx: Context

    @property
    def catalog(self) -> Catalog: ...


class FindingFilter:
    """--select / --ignore: which rule ids to report."""

    def __init__(self, select: set[str] | None = None, ignore: set[str] | None = None) -> None:
        self.select = select or None
        self.ignore = ignore or set()

    def keep(self, finding: Finding) -> bool:
        if self.select is not None and finding.rule not in self.select:
            return False
        return finding.rule not in self.ignore

    def apply(self, findings: tuple[Finding, ...]) -> tuple[Finding, ...]:
        if self.select is None and not self.ignore:
            return findings
        return tuple(f for f in findings if self.keep(f))


@dataclass(slots=True)
class DirStats:
    """What a directory contains: file counts per status and per licence expression, and where each
    file's effective licence comes from (``sources``: tag, notice, copying).

    ``licenses`` counts the licences files grant explicitly: a valid tag's, or an untagged file's notice's
    (``noticed``: those of them from a notice); files left to the COPYING default count only in ``sources``.
    """

    files: int = 0
    statuses: Counter = field(default_factory=Counter)
    licenses: Counter = field(default_factory=Counter)
    problems: int = 0
    findings: int = 0
    noticed: Counter = field(default_factory=Counter)
    sources: Counter = field(default_factory=Counter)

    def add(self, status: int, expression: str | None, findings: tuple[Finding, ...], sign: int = 1,
            notice: str | None = None) -> None:
        """Count *sign* files (negative: uncount) of this status, tag expression, findings and notice expression."""
        self.files += sign
        self.statuses[STATUSES[status]] += sign
        if status == VALID and expression is not None:
            self.licenses[expression] += sign
            self.sources["tag"] += sign
        elif status == UNTAGGED:
            if notice is not None:
                self.licenses[notice] += sign
                self.noticed[notice] += sign
                self.sources["notice"] += sign
            else:
                self.sources["copying"] += sign
        elif status == INVALID:
            self.sources["tag"] += sign
        if findings:
            self.findings += sign
        if is_problem(status, findings):
            self.problems += sign

    def copy(self) -> DirStats:
        statuses, licenses, noticed, sources = Counter(), Counter(), Counter(), Counter()
        dict.update(statuses, self.statuses)  # dict's own update: Counter's adds up one key at a time
        dict.update(licenses, self.licenses)
        dict.update(noticed, self.noticed)
        dict.update(sources, self.sources)
        return DirStats(self.files, statuses, licenses, self.problems, self.findings, noticed, sources)

    def merge(self, other: DirStats) -> None:
        self.files += other.files
        self.statuses.update(other.statuses)
        self.licenses.update(other.licenses)
        self.noticed.update(other.noticed)
        self.sources.update(other.sources)
        self.problems += other.problems
        self.findings += other.findings

    def ranked(self) -> list[tuple[str, int]]:
        """(expression, files) with files > 0, most files first, ties by expression: the same order
        however the counts were added up."""
        return sorted(((e, n) for e, n in self.licenses.items() if n > 0), key=lambda kv: (-kv[1], kv[0]))

    @property
    def dominant(self) -> str | None:
        """The expression most files have (ties: the first by name), or None."""
        top = max(self.licenses.values(), default=0)
        return min(e for e, n in self.licenses.items() if n == top) if top > 0 else None


class DirCounter:
    """Directory counts, added up batch by batch as verdicts arrive (the UI has them complete as soon as
    the last file is read) or from a whole index's columns (``LicenseIndex.dirs``).

    Files alike (same directory, status, expression and findings) are counted in one update.
    """

    def __init__(self) -> None:
        self._own: dict[str, DirStats] = {}
        #: Files counted so far.
        self.files = 0

    def add(self, batch: Sequence[tuple[str, Outcome]]) -> None:
        """Count a batch of (path, outcome) in each file's own directory."""
        alike = Counter([(path.rpartition("/")[0], outcome[0], outcome[1], outcome[3],
                          outcome[4].expression if outcome[4] is not None else None) for path, outcome in batch])
        for (directory, status, expression, findings, notice), count in alike.items():
            # *count* files alike, in one update
            self._stats(directory).add(status, expression, findings, count, notice)
        self.files += len(batch)

    def add_columns(self, paths: Sequence[str], statuses: Sequence[int], exprs: Sequence[str | None],
                    findings: dict[str, tuple[Finding, ...]], notices: dict[str, Notice] | None = None) -> None:
        """Count a whole index's columns (a cached index arrives in one piece, without batches)."""
        parents = map(itemgetter(0), map(str.rpartition, paths, repeat("/")))
        self._add_plain(Counter(zip(parents, statuses, exprs)))
        notices = notices or {}
        positions = {path: i for i, path in enumerate(paths)} if findings or notices else {}
        for path in findings.keys() | notices.keys():
            i = positions.get(path)
            found = findings.get(path, ())
            notice = notices.get(path)
            if i is not None and (found or notice is not None):
                self._recount(path, statuses[i], exprs[i], found, notice.expression if notice is not None else None)

    def _recount(self, path: str, status: int, expression: str | None, findings: tuple[Finding, ...],
                 notice: str | None) -> None:
        """A file counted as one without findings or notice has these: counted again, with them."""
        stats = self._stats(path.rpartition("/")[0])
        stats.add(status, expression, (), -1)
        stats.add(status, expression, findings, 1, notice)

    def _add_plain(self, plain: Counter[tuple[str, int, str | None]]) -> None:
        for (directory, status, expression), count in plain.items():
            self._stats(directory).add(status, expression, (), count)  # *count* files alike, in one update
            self.files += count

    def _stats(self, directory: str) -> DirStats:
        stats = self._own.get(directory)
        if stats is None:
            stats = self._own[directory] = DirStats()
        return stats

    def totals(self) -> dict[str, DirStats]:
        """Every directory's counts, its sub-directories' included ("" is the root). The counter is
        used up: its per-directory counts become the totals, rather than being copied."""
        dirs, self._own = self._own, {}
        for directory in list(dirs):
            directory = directory.rpartition("/")[0] if directory else None
            while directory is not None and directory not in dirs:
                dirs[directory] = DirStats()
                directory = directory.rpartition("/")[0] if directory else None
        dirs.setdefault("", DirStats())
        for directory in sorted(dirs, key=lambda d: d.count("/") if d else -1, reverse=True):
            if directory:  # deepest first: each adds its complete counts to its parent
                dirs[directory.rpartition("/")[0]].merge(dirs[directory])
        return dirs


def is_problem(status: int, findings: tuple[Finding, ...]) -> bool:
    """A file counts as a problem when its tag is invalid, it is unreadable, or has an error."""
    return status in (INVALID, UNREADABLE) or any(f.severity == "error" for f in findings)


def parents(path: str) -> Iterator[str]:
    """"a/b/c.c" -> "", "a", "a/b"."""
    yield ""
    end = path.find("/")
    while end != -1:
        yield path[:end]
        end = path.find("/", end + 1)


class Tally:
    """What ``summarize`` counts file by file, for a run of files: counts that add up, so that the tallies
    of the chunks a cold scan's readers read (``report.FilesJson``) make the whole tree's (``add``)."""

    __slots__ = ("dirs", "files", "noticed", "pairs", "parents", "rule_files", "rules", "severities")

    def __init__(self) -> None:
        self.files = 0
        self.pairs: Counter = Counter()  # (status, expression) -> files
        self.noticed: Counter = Counter()  # the notices' expressions of untagged files
        self.severities: Counter = Counter({"error": 0, "warning": 0, "info": 0})
        self.rules: Counter = Counter()
        self.rule_files: Counter = Counter()
        self.dirs: dict[str, list[int]] = {}  # directory -> [problem files, files with findings]
        self.parents: Counter = Counter()  # directory -> files directly in it

    def add(self, other: Tally) -> Tally:
        """This tally with *other*'s counts added (returned)."""
        self.files += other.files
        self.pairs.update(other.pairs)
        self.noticed.update(other.noticed)
        self.severities.update(other.severities)
        self.rules.update(other.rules)
        self.rule_files.update(other.rule_files)
        dirs = self.dirs
        for directory, (problems, found) in other.dirs.items():
            counts = dirs.setdefault(directory, [0, 0])
            counts[0] += problems
            counts[1] += found
        self.parents.update(other.parents)
        return self


def tally(index: Columns, positions: Iterable[int] | None = None, keep: FindingFilter | None = None) -> Tally:
    """``summarize``'s file-by-file counts of a selection of files (None: all)."""
    paths, status, exprs, findings = index.paths, index.status, index.exprs, index.findings
    rows: Sequence[int] = range(len(paths)) if positions is None else (
        positions if isinstance(positions, Sequence) else list(positions))
    if positions is not None:  # the selection's own columns
        paths = [paths[i] for i in rows]
        status = bytes(status[i] for i in rows)
        exprs = [exprs[i] for i in rows]
    counts = Tally()
    counts.files = len(paths)
    # Counted in C: files per (status, expression), in the order of their first file.
    counts.pairs = Counter(zip(status, exprs))
    # The effective licence of untagged files: their notice's, else the COPYING default.
    notices = index.notices
    noticed = counts.noticed
    if notices and UNTAGGED in status:
        for path in compress(paths, map(UNTAGGED.__eq__, status)):
            notice = notices.get(path)
            if notice is not None:
                noticed[notice.expression] += 1
    # Only files with findings or a bad status count further: those of the findings (in any order: nothing
    # below depends on it), each distinct tuple of findings (most are shared between files) looked at once,
    # and the files counted per directory in C.
    bad = (INVALID, UNREADABLE)
    bad_paths = set(compress(paths, map(bad.__contains__, status))) if INVALID in status or UNREADABLE in status \
        else set()
    if positions is None:
        items = list(findings.items())
    else:
        items = [(path, findings[path]) for path in paths if path in findings] if findings else []
    seen: dict[int, tuple[tuple[Finding, ...], bool]] = {}
    for found in {id(found): found for _path, found in items}.values():
        kept = keep.apply(found) if keep is not None else found
        seen[id(found)] = (kept, any(f.severity == "error" for f in kept))
    with_kept = [(path, id(found)) for path, found in items if seen[id(found)][0]]
    problem_paths = bad_paths.union([path for path, found in items if seen[id(found)][1]])
    found_per_dir = Counter(_directories(map(itemgetter(0), with_kept)))
    problems_per_dir = Counter(_directories(problem_paths))
    counts.dirs = {directory: [problems_per_dir[directory], found_per_dir[directory]]
                   for directory in problems_per_dir.keys() | found_per_dir.keys()}
    severities, rules, rule_files = counts.severities, counts.rules, counts.rule_files
    for key, n in Counter(map(itemgetter(1), with_kept)).items():
        kept = seen[key][0]
        for f in kept:
            severities[f.severity] += n
            rules[f.rule] += n
        for rule_id in {f.rule for f in kept}:
            rule_files[rule_id] += n
    counts.parents = Counter(_directories(paths))
    return counts


def _directories(paths: Iterable[str]) -> Iterator[str]:
    """The directory of each path ("" at the top), in C."""
    return map(itemgetter(0), map(str.rpartition, paths, repeat("/")))


def summarize(index: Columns, positions: Iterable[int] | None = None,
              keep: FindingFilter | None = None, top: int = 10, counted: Tally | None = None) -> dict:
    """Counts for a selection of files (None: all): per status, expression, license, class,
    rule and severity, and the directories (by the files directly in them) with the most problems.

    Licenses and classes count each file's effective licence (``evaluate.effective``): a valid tag's,
    an untagged file's notice's, else the COPYING default; ``sources`` says how many come from each
    (an invalid tag counts as a tag), ``notice_expressions`` what the notices grant.

    A license is a file of LICENSES/ with all its ids (``Catalog.name_of``), its spellings counted
    under it in ``license_spellings``. The keys of ``lictree check --format json``'s summary hold
    the same values for the whole tree. *counted*: the selection's ``tally``, when it was made already.
    """
    rows = None if positions is None else positions if isinstance(positions, Sequence) else list(positions)
    counts = counted if counted is not None else tally(index, rows, keep)
    status_n: Counter = Counter()
    named: Counter = Counter()
    invalid: Counter = Counter()
    for (code, expression), n in counts.pairs.items():
        status_n[code] += n
        if code == VALID:
            named[expression] += n
        elif code == INVALID:
            invalid[expression] += n
    noticed = counts.noticed
    catalog = index.catalog
    copying = catalog.copying_default
    defaulted = status_n[UNTAGGED] - noticed.total()
    effective: Counter = Counter(named)
    effective.update(noticed)
    if copying and defaulted:
        effective[copying] += defaulted
    licenses: Counter = Counter()
    spelled: dict[str, Counter] = {}
    classes: Counter = Counter()
    for expression, n in effective.items():
        ids = index.ctx.effective_licenses(expression)
        for name in dict.fromkeys(catalog.name_of(i) for i in ids):
            licenses[name] += n
        for license_id in ids:
            spelled.setdefault(catalog.name_of(license_id), Counter())[license_id] += n
        for cls in {catalog.class_of(i) for i in ids} - {None}:
            classes[cls] += n
    ranked = sorted(counts.dirs.items(), key=lambda kv: (-kv[1][0], -kv[1][1], kv[0]))[:top]
    parents_of = counts.parents
    dir_files = {d: parents_of[d] for d, _ in ranked if parents_of[d]}
    return {
        "files": counts.files,
        "statuses": {name: status_n[code] for code, name in enumerate(STATUSES)},
        "findings": dict(counts.severities),
        "rules": dict(sorted(counts.rules.items())),
        "expressions": dict(named.most_common()),
        "sources": _reuse_sources(index, index.paths if rows is None else [index.paths[i] for i in rows])
        if index.ctx.reuse is not None else {
            "tag": status_n[VALID] + status_n[INVALID], "notice": noticed.total(),
            "copying": defaulted if copying else 0},
        "notice_expressions": dict(noticed.most_common()),
        "licenses_from": index.ctx.known.source,
        "kind": index.ctx.kind,
        "copying_default": catalog.copying_default,
        "invalid_expressions": dict(invalid.most_common()),
        "licenses": dict(licenses.most_common()),
        "license_spellings": {name: dict(spelled[name].most_common()) for name in licenses},
        "classes": {c: classes[c] for c in CLASSES if classes[c]},
        "rule_files": dict(sorted(counts.rule_files.items())),
        "not_scanned": sum(1 for _path, why in index.skipped if not why.startswith(CANNOT_LIST)),
        "directories": [
            {"path": d, "files": dir_files.get(d, 0), "problems": p, "with_findings": f} for d, (p, f) in ranked
        ],
    }


def _reuse_sources(index: Columns, paths: Sequence[str]) -> dict[str, int]:
    """A REUSE tree's files counted by where their effective licence comes from (``Origin.source``)."""
    origins = getattr(index, "origins", {})
    counts = Counter(origin.source for origin in map(origins.get, paths) if origin is not None and origin.source)
    return {source: counts[source] for source in ("tag", "sidecar", "reuse-toml", "dep5")}
