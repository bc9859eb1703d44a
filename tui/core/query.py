"""The filter language: narrow a tree's files by license, class, status, rule, path or text.

The language (keys, quoting, negation, alternatives) is described for users in docs/query.md;
the UI's help screen has a short form (``tui.ui.widgets.filter_bar.QUERY_HELP``).

``parse_query(text)`` gives a ``Query`` or raises ``QueryError`` (a message and a column);
``Query.matches(index)`` gives the matching positions into ``index.paths``. Each term is
decided per distinct expression or per column, so a query over the 87k files of Linux 6.12
costs a few milliseconds. ``complete()`` suggests the word being typed; ``summarize()`` counts
what a selection contains.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tui.core.catalog import CLASSES
from tui.core.reuse.origin import REUSE_SOURCES
from tui.core.status import STATUSES

if TYPE_CHECKING:
    from tui.core.catalog import Catalog
    from tui.core.index import LicenseIndex

KEYS = ("license", "class", "status", "source", "rule", "path", "ext", "expr")
#: Keys whose unquoted values are split on commas into alternatives.
_LIST_KEYS = frozenset({"license", "class", "status", "source", "rule", "ext"})
#: Where a file's effective licence comes from (``source:``; tui.core.evaluate.SOURCES): a kernel tree's, then
#: a REUSE tree's.
SOURCES = ("tag", "notice", "copying", *REUSE_SOURCES)
_ID_RE = re.compile(r"[A-Za-z.0-9\-+]+")
_OPERATORS = frozenset({"AND", "OR", "WITH"})
_GLOB_CHARS = frozenset("*?[")


class QueryError(Exception):
    """A query that cannot be parsed: a one-line message and where (column is 1-based)."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(f"{message} (column {offset + 1})")
        self.message = message
        self.offset = offset
        self.column = offset + 1


@dataclass(frozen=True, slots=True)
class Term:
    """One condition: key (None for free text), its alternatives, and whether it is negated."""

    key: str | None
    values: tuple[str, ...]
    negated: bool
    offset: int
    exact: bool = False

    def __str__(self) -> str:
        sign = "-" if self.negated else ""
        if self.key is None:
            return sign + quote_value(self.values[0])
        exact = "=" if self.exact else ""
        if self.key in _LIST_KEYS and len(self.values) > 1:
            return f"{sign}{self.key}:{exact}{','.join(self.values)}"
        value = self.values[0] or ("/" if self.key == "path" else "")  # path:/ is the whole tree
        return f"{sign}{self.key}:{exact}{quote_value(value, self.key in _LIST_KEYS)}"


def _needs_quotes(value: str) -> bool:
    return not value or value.startswith("-") or any(c.isspace() or c in '":\\' for c in value)


def quote_value(value: str, is_list: bool = False) -> str:
    """*value* as it must be typed in a query: bare when it can be, else in double quotes
    (always for a comma in a value of a key that takes a list)."""
    if not _needs_quotes(value) and not (is_list and "," in value):
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def term(key: str | None, value: str, negated: bool = False) -> str:
    """The query text of one term (for a summary row that filters the tree by itself)."""
    sign = "-" if negated else ""
    if key is None:
        return sign + quote_value(value)
    if key not in KEYS:
        raise ValueError(f"unknown key {key!r}")
    return f"{sign}{key}:{quote_value(value, key in _LIST_KEYS)}"


# Parsing --------------------------------------------------------------------------------------


def _read_quoted(text: str, start: int) -> tuple[str, int]:
    """The value of the quoted string at text[start] == '"', and the offset after it."""
    out: list[str] = []
    pos = start + 1
    while pos < len(text):
        char = text[pos]
        if char == "\\" and pos + 1 < len(text):
            out.append(text[pos + 1])
            pos += 2
            continue
        if char == '"':
            return "".join(out), pos + 1
        out.append(char)
        pos += 1
    raise QueryError("unterminated quote", start)


def parse_query(text: str) -> Query:
    """Parse *text* into a Query; raises QueryError with a message and the column."""
    terms: list[Term] = []
    pos = 0
    length = len(text)
    while pos < length:
        if text[pos].isspace():
            pos += 1
            continue
        start = pos
        negated = text[pos] == "-"
        if negated:
            pos += 1
            if pos >= length or text[pos].isspace():
                raise QueryError("'-' must be followed by a term (quote it to search for '-')", start)
        if text[pos] == '"':
            value, pos = _read_quoted(text, pos)
            _expect_end(text, pos)
            if not value:
                raise QueryError("empty quotes", start)
            terms.append(Term(None, (value,), negated, start))
            continue
        word_start = pos
        while pos < length and not text[pos].isspace() and text[pos] != '"':
            pos += 1
        word = text[word_start:pos]
        if ":" not in word:
            if pos < length and text[pos] == '"':
                raise QueryError("a quote may only start a value: put the whole text in quotes", pos)
            terms.append(Term(None, (word,), negated, start))
            continue
        key, _, value = word.partition(":")
        key = key.lower()
        if key not in KEYS:
            raise QueryError(
                f"unknown key {key!r} (keys: {', '.join(KEYS)}; quote text that contains ':')", word_start
            )
        exact = False
        if key == "license" and value.startswith("="):
            exact, value = True, value[1:]
        value_offset = word_start + len(word) - len(value)
        quoted = False
        if not value and pos < length and text[pos] == '"':
            value, pos = _read_quoted(text, pos)
            _expect_end(text, pos)
            quoted = True
        elif pos < length and text[pos] == '"':
            raise QueryError("a quote may only start a value", pos)
        terms.append(_make_term(key, value, quoted, negated, start, value_offset, exact))
    return Query(tuple(terms), text)


def _expect_end(text: str, pos: int) -> None:
    if pos < len(text) and not text[pos].isspace():
        raise QueryError("a blank must follow the closing quote", pos)


def _make_term(key: str, value: str, quoted: bool, negated: bool, start: int, offset: int, exact: bool) -> Term:
    if not value.strip():
        raise QueryError(f"{key}: needs a value", offset)
    if key in _LIST_KEYS and not quoted:
        parts = value.split(",")
        if any(not p for p in parts):
            raise QueryError(f"{key}: empty value between commas", offset + value.find(",,") + 1
                             if ",," in value else offset + (len(value) - 1 if value.endswith(",") else 0))
        values = tuple(parts)
    else:
        values = (value,)
    cleaned: list[str] = []
    for item in values:
        if key == "status":
            item = item.lower()
            if item not in STATUSES:
                raise QueryError(f"unknown status {item!r} (one of {', '.join(STATUSES)})", offset)
        elif key == "source":
            item = item.lower()
            if item not in SOURCES:
                raise QueryError(f"unknown source {item!r} (one of {', '.join(SOURCES)})", offset)
        elif key == "class":
            item = item.lower()
            if item not in CLASSES:
                raise QueryError(f"unknown class {item!r} (one of {', '.join(CLASSES)})", offset)
        elif key == "rule":
            from tui.core.rules import RULES

            item = item.upper()
            if not any(rule_id.startswith(item) for rule_id in RULES):
                raise QueryError(f"no rule id starts with {item!r} (see `lictree rules`)", offset)
        elif key == "license":
            if not _ID_RE.fullmatch(item):
                raise QueryError(f"{item!r} is not a license id (for a whole expression use expr:\"...\")", offset)
        elif key == "ext":
            item = item.lstrip(".")
            if not item or "/" in item:
                raise QueryError(f"ext: wants a file extension such as h or c, not {item!r}", offset)
        elif key == "path":
            item = item.removeprefix("./").strip("/")
        elif key == "expr":
            item = " ".join(item.split())
        cleaned.append(item)
    return Term(key, tuple(dict.fromkeys(cleaned)), negated, start, exact)


# Matching -------------------------------------------------------------------------------------


def same_expression(expression: str) -> str:
    """What ``expr:`` compares: the expression with case and runs of blanks ignored."""
    return " ".join(expression.split()).upper()


def spellings(counts: dict[str, int]) -> list[tuple[str, int, list[str]]]:
    """Counts per expression (``summarize``'s) grouped as ``expr:`` matches them: (the most used
    spelling, the files of every spelling, the other spellings), most files first."""
    groups: dict[str, list] = {}
    for expression, n in counts.items():
        group = groups.setdefault(same_expression(expression), [expression, 0, []])
        group[1] += n
        if group[0] != expression:
            group[2].append(expression)
    return sorted(((e, n, others) for e, n, others in groups.values()), key=lambda g: -g[1])


def expression_ids(expression: str) -> tuple[str, ...]:
    """The ids written in an expression (valid or not), without operators."""
    return tuple(t for t in _ID_RE.findall(expression) if t.upper() not in _OPERATORS)


def _id_group(catalog: Catalog, any_id: str) -> str:
    """A key shared by the aliases of one LICENSES/ file (ids elsewhere: the id itself)."""
    entry = catalog.license(any_id) or catalog.exception(any_id)
    return f"file:{entry.path}" if entry is not None else f"id:{any_id.upper()}"


def _glob_regex(glob: str) -> re.Pattern[str]:
    """A glob (``*`` and ``?`` cross "/", ``[...]`` a class) matching a path or a directory above it."""
    out: list[str] = []
    i = 0
    while i < len(glob):
        char = glob[i]
        if char == "*":
            while i + 1 < len(glob) and glob[i + 1] == "*":
                i += 1
            out.append(".*")
        elif char == "?":
            out.append(".")
        elif char == "[":
            end = i + 1
            if end < len(glob) and glob[end] in "!^":
                end += 1
            if end < len(glob) and glob[end] == "]":
                end += 1
            end = glob.find("]", end)
            if end == -1:
                out.append(re.escape(char))
            else:
                body = glob[i + 1 : end]
                negate = body[:1] in ("!", "^")
                body = body[1:] if negate else body
                body = body.replace("\\", "\\\\")
                out.append(f"[{'^' if negate else ''}{body}]")
                i = end
        else:
            out.append(re.escape(char))
        i += 1
    return re.compile("(?s:" + "".join(out) + r")(?:/.*)?\Z")


def _prefix_range(paths: Sequence[str], prefix: str) -> tuple[int, int]:
    """The run of sorted *paths* that start with *prefix*."""
    lo = bisect_left(paths, prefix)
    hi = bisect_left(paths, prefix + "\U0010ffff")
    return lo, hi


class Query:
    """A parsed query: terms ANDed. ``matches(index)`` gives the positions of matching files."""

    def __init__(self, terms: tuple[Term, ...], text: str = "") -> None:
        self.terms = terms
        self.text = text

    def __bool__(self) -> bool:
        return bool(self.terms)

    def __str__(self) -> str:
        return " ".join(str(t) for t in self.terms)

    def __repr__(self) -> str:
        return f"Query({str(self)!r})"

    def matches(self, index: LicenseIndex, candidates: Iterable[int] | None = None) -> list[int]:
        """Ascending positions into ``index.paths`` of the files that match every term.

        *candidates* (ascending positions) limits the search, e.g. to re-check changed files.
        """
        selected: list[int] | None = sorted(candidates) if candidates is not None else None
        for item in sorted(self.terms, key=_cost):
            selected = _apply(item, index, selected)
            if not selected:
                return []
        return list(range(len(index.paths))) if selected is None else selected


def _cost(item: Term) -> int:
    """Cheap and narrowing terms first: a literal path is a binary search."""
    if item.key == "path" and not item.negated and not any(_GLOB_CHARS & set(v) for v in item.values):
        return 0
    if item.key == "rule" and not item.negated:
        return 1
    costs = {"status": 2, "source": 2, "license": 3, "class": 3, "expr": 3, "ext": 4, "path": 5, None: 6}
    return costs.get(item.key, 6)


def _apply(item: Term, index: LicenseIndex, selected: list[int] | None) -> list[int]:
    """The positions of *selected* (None: every file) that satisfy *item*."""
    paths = index.paths
    if item.key == "path" and not any(_GLOB_CHARS & set(v) for v in item.values):
        hits: set[int] | list[int] = _literal_paths(paths, item.values)
        return _combine(hits, item.negated, selected, len(paths))
    if item.key == "rule":
        return _combine(_rule_positions(index, item.values), item.negated, selected, len(paths))
    keep = not item.negated
    rows: Iterable[int] = range(len(paths)) if selected is None else selected
    if item.key == "status":
        codes = {STATUSES.index(v) for v in item.values}
        status = index.status
        return [i for i in rows if (status[i] in codes) is keep]
    if item.key == "source":
        codes = {SOURCES.index(v) for v in item.values}
        sources = index.effective_columns()[1]
        return [i for i in rows if (sources[i] in codes) is keep]
    if item.key in ("license", "class", "expr"):  # each file's effective licence: its tag's, notice's or COPYING's
        exprs = index.effective_columns()[0]
        good = _matching_expressions(item, exprs, index.catalog)
        return [i for i in rows if (exprs[i] in good) is keep]
    if item.key == "ext" and not any("." in v for v in item.values):
        wanted = set(item.values)
        extensions = _extension_of(paths)
        return [i for i in rows if (extensions[i] in wanted) is keep]
    if item.key == "ext":
        suffixes = tuple("." + v for v in item.values)
        dotfiles = tuple("/." + v for v in item.values)
        hits = [i for i in rows if paths[i].endswith(suffixes)]
        # a dot-file (".h" alone) has no extension: checked only among the hits
        odd = {i for i in hits if not _has_ext(paths[i], suffixes, dotfiles)} if any(
            paths[i].endswith(dotfiles) or paths[i] in suffixes for i in hits) else set()
        if keep:
            return [i for i in hits if i not in odd] if odd else hits
        hit_set = set(hits) - odd
        return [i for i in rows if i not in hit_set]
    if item.key == "path":
        return _glob_rows(item, paths, selected)
    needle = item.values[0].lower()
    lowered = _lowered(paths)
    if keep:
        return [i for i in rows if needle in lowered[i]]
    return [i for i in rows if needle not in lowered[i]]


_LOWERED: list = [None, []]


def _lowered(paths: Sequence[str]) -> list[str]:
    """The paths in lower case, kept for the last list of paths seen (an index's list of paths is
    replaced, never changed in place, when files come and go)."""
    if _LOWERED[0] is not paths or len(_LOWERED[1]) != len(paths):
        _LOWERED[0], _LOWERED[1] = paths, [p.lower() for p in paths]
    return _LOWERED[1]


def prepare(index: LicenseIndex) -> None:
    """Make now what matching and completion keep per list of paths (lower-case paths, extensions),
    e.g. in a worker before a filter is typed, so no keystroke pays for it."""
    _lowered(index.paths)
    _extensions(index.paths)


def _rule_positions(index: LicenseIndex, prefixes: tuple[str, ...]) -> set[int]:
    """Positions of the files with a finding whose rule id starts with one of *prefixes*."""
    hits: set[int] = set()
    position = index.position
    for path, found in index.findings.items():
        for finding in found:
            if finding.rule.startswith(prefixes):
                i = position(path)
                if i is not None:
                    hits.add(i)
                break
    return hits


def _has_ext(path: str, suffixes: tuple[str, ...], dotfiles: tuple[str, ...]) -> bool:
    """Whether the name ends in one of *suffixes* (a dot-file such as ".h" has no extension)."""
    return path.endswith(suffixes) and not path.endswith(dotfiles) and path not in suffixes


def _glob_rows(item: Term, paths: Sequence[str], selected: list[int] | None) -> list[int]:
    """A path glob: only the run of paths sharing its literal start is tested against the regex."""
    glob = item.values[0]
    literal = glob[: min((glob.find(c) for c in _GLOB_CHARS if c in glob), default=len(glob))]
    regex = _glob_regex(glob)
    lo, hi = _prefix_range(paths, literal)
    if selected is None:
        hits = [i for i in range(lo, hi) if regex.match(paths[i])]
        if not item.negated:
            return hits
        hit_set = set(hits)
        return [i for i in range(len(paths)) if i not in hit_set]
    keep = not item.negated
    return [i for i in selected if (lo <= i < hi and regex.match(paths[i]) is not None) is keep]


def _literal_paths(paths: Sequence[str], values: tuple[str, ...]) -> list[int]:
    hits: list[int] = []
    for value in values:
        if not value:
            return list(range(len(paths)))
        exact = bisect_left(paths, value)
        if exact < len(paths) and paths[exact] == value:
            hits.append(exact)
        lo, hi = _prefix_range(paths, value + "/")
        hits.extend(range(lo, hi))
    return sorted(set(hits)) if len(values) > 1 else hits


def _combine(hits: set[int] | list[int], negated: bool, selected: list[int] | None, total: int) -> list[int]:
    if selected is None:
        if not negated:
            return sorted(hits) if isinstance(hits, set) else hits
        hit_set = set(hits)
        return [i for i in range(total) if i not in hit_set]
    hit_set = hits if isinstance(hits, set) else set(hits)
    return [i for i in selected if (i in hit_set) is not negated]


def _matching_expressions(item: Term, exprs: Sequence[str | None], catalog: Catalog) -> set[str]:
    """The distinct expression strings of *exprs* that satisfy a license/class/expr term."""
    distinct = {e for e in set(exprs) if e is not None}
    if item.key == "expr":
        wanted = {v.upper() for v in item.values}
        return {e for e in distinct if same_expression(e) in wanted}
    if item.key == "class":
        wanted = set(item.values)
        return {e for e in distinct if any(catalog.class_of(i) in wanted for i in expression_ids(e))}
    if item.exact:
        wanted = {v.upper() for v in item.values}
        return {e for e in distinct if any(i.upper() in wanted for i in expression_ids(e))}
    groups = {_id_group(catalog, v) for v in item.values}
    return {e for e in distinct if any(_id_group(catalog, i) in groups for i in expression_ids(e))}


# Completion -----------------------------------------------------------------------------------


def _last_word(text: str) -> tuple[int, str]:
    """Where the word being typed starts, and the word (a blank outside quotes ends a word)."""
    start = 0
    quoted = False
    for pos, char in enumerate(text):
        if char == '"' and (pos == 0 or text[pos - 1] != "\\"):
            quoted = not quoted
        elif char.isspace() and not quoted:
            start = pos + 1
    return start, text[start:]


def complete(text: str, catalog: Catalog | None, index: LicenseIndex | None = None, limit: int = 50) -> list[str]:
    """Completions of the word at the end of *text*, each the whole word as it should read.

    Keys, then license/exception ids from the catalog, classes, statuses and rule ids; with an
    *index*, also directory names for ``path:`` and extensions for ``ext:``.
    """
    _start, word = _last_word(text)
    sign = "-" if word.startswith("-") else ""
    word = word[len(sign):]
    if ":" not in word:
        return [f"{sign}{k}:" for k in KEYS if k.startswith(word.lower())] if not word.startswith('"') else []
    key, _, value = word.partition(":")
    key = key.lower()
    if value.startswith('"'):  # a value being typed in quotes
        value = value[1:].removesuffix('"').replace('\\"', '"').replace("\\\\", "\\")
    exact = ""
    if key == "license" and value.startswith("="):
        exact, value = "=", value[1:]
    head, _, partial = value.rpartition(",") if key in _LIST_KEYS else ("", "", value)
    head = head + "," if head else ""
    options = _values_for(key, partial, catalog, index)
    prefix = partial.lower()
    found = [o for o in options if o.lower().startswith(prefix)]
    if key == "path":
        return [f"{sign}path:{quote_value(o)}" for o in found[:limit]]
    return [f"{sign}{key}:{exact}{head}{o}" for o in found[:limit]]


def _values_for(key: str, partial: str, catalog: Catalog | None, index: LicenseIndex | None) -> list[str]:
    if key == "status":
        return list(STATUSES)
    if key == "class":
        return list(CLASSES)
    if key == "source":
        return list(SOURCES)
    if key == "rule":
        from tui.core.rules import RULES

        return sorted(RULES)
    if key == "license":
        if catalog is None:
            return []
        ids = {i for entry in catalog.entries for i in entry.ids if _ID_RE.fullmatch(i)}
        return sorted(ids, key=lambda i: (i.lower(), i))
    if index is None:
        return []
    if key == "ext":
        return _extensions(index.paths)
    if key == "path":
        return _path_children(index.paths, partial)
    if key == "expr":
        return sorted({e for e in set(index.effective_columns()[0]) if e})
    return []


_EXTENSION_OF: list = [None, []]
_EXTENSIONS: list = [None, []]


def _extension_of(paths: Sequence[str]) -> list[str]:
    """Each path's extension ("" for none; a dot-file such as ".h" has none), kept for the last list
    of paths seen."""
    if _EXTENSION_OF[0] is not paths or len(_EXTENSION_OF[1]) != len(paths):
        out = []
        for path in paths:
            name = path.rpartition("/")[2]
            stem, dot, ext = name.rpartition(".")
            out.append(ext if dot and stem else "")
        _EXTENSION_OF[0], _EXTENSION_OF[1] = paths, out
    return _EXTENSION_OF[1]


def _extensions(paths: Sequence[str]) -> list[str]:
    """File extensions, most used first (kept for the last list of paths seen)."""
    if _EXTENSIONS[0] is not paths:
        exts = Counter(_extension_of(paths))
        _EXTENSIONS[0], _EXTENSIONS[1] = paths, [e for e, _n in exts.most_common() if e]
    return _EXTENSIONS[1]


def _path_children(paths: Sequence[str], partial: str) -> list[str]:
    """Entries of the directory *partial* names up to its last "/", that start with the rest."""
    base = partial.rpartition("/")[0]
    base = base + "/" if base else ""
    out: list[str] = []
    lo, hi = _prefix_range(paths, partial)
    i = lo
    while i < hi:
        rest = paths[i][len(base):]
        name, slash, _ = rest.partition("/")
        out.append(base + name + slash)
        # a directory: skip to what follows its last entry ("0" sorts right after "/")
        i = bisect_left(paths, base + name + "0", i + 1, hi) if slash else i + 1
    return out


def replace_last_word(text: str, word: str) -> str:
    """*text* with the word being typed replaced by *word* (a completion)."""
    start, _ = _last_word(text)
    return text[:start] + word


# Summary --------------------------------------------------------------------------------------


