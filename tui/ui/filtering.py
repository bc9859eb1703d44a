"""The tree's filter: a query typed live, its matches, and the mask the tree narrows to.

Parsing and matching are ``tui.core.query``'s. A query that cannot be read is applied without the
word being typed when that is where it goes wrong (``status:`` is on its way to ``status:valid``),
else the last result stays. When the new query can only narrow the previous one (a longer word,
one more term), it is matched among the previous matches only. No Textual import.
"""

from __future__ import annotations

from dataclasses import dataclass

from tui.core.index import LicenseIndex
from tui.core.query import Query, QueryError, Term, parse_query, replace_last_word


@dataclass(frozen=True)
class Narrowed:
    """The files a query selects: ascending positions into the index's paths, and the same as a mask."""

    query: Query
    positions: list[int]
    mask: bytearray

    @property
    def count(self) -> int:
        return len(self.positions)


class TreeFilter:
    """The active query of one index: ``apply(text)`` parses and matches, reusing what it can."""

    def __init__(self) -> None:
        self.text = ""
        #: The last query that parsed, and what it selects (None: no filter).
        self.result: Narrowed | None = None
        self.error: QueryError | None = None
        #: The result leaves out the last word, where the query cannot be read (yet).
        self.without_last_word = False
        self._index: LicenseIndex | None = None

    @property
    def active(self) -> bool:
        return self.result is not None

    @property
    def positions(self) -> list[int] | None:
        return self.result.positions if self.result is not None else None

    def reset(self) -> None:
        """The index changed (a new index, or files re-read): the next ``apply`` matches afresh."""
        self._index = None

    def apply(self, index: LicenseIndex, text: str) -> bool:
        """Filter *index* by *text* (empty: no filter). When it cannot be read, ``error`` says why and
        the result is of the text without its last word if the error is there, else the previous
        one (then False is returned)."""
        self.text = text
        self.without_last_word = False
        try:
            query = parse_query(text)
            self.error = None
        except QueryError as exc:
            self.error = exc
            head = replace_last_word(text, "")
            if exc.offset < len(head):
                return False
            try:
                query = parse_query(head)
            except QueryError:
                return False
            self.without_last_word = True
        if not query:
            self.result = None
            self._index = index
            return True
        previous = self.result if self._index is index else None
        if previous is not None and [_identity(t) for t in previous.query.terms] == [_identity(t) for t in query.terms]:
            return True  # the same query (blanks or quoting aside)
        candidates = previous.positions if previous is not None and narrows(previous.query, query) else None
        positions = query.matches(index, candidates)
        self.result = Narrowed(query, positions, _mask(len(index.paths), positions))
        self._index = index
        return True


def _identity(term: Term) -> tuple:
    return term.key, term.values, term.negated, term.exact


def _implies(new: Term, old: Term) -> bool:
    """Whether every file that matches *new* matches *old*."""
    if _identity(new) == _identity(old):
        return True
    if new.negated or old.negated or new.key != old.key or new.exact != old.exact:
        return False
    if new.key is None:
        return old.values[0].lower() in new.values[0].lower()
    if new.key == "path":
        return len(new.values) == len(old.values) == 1 and (old.values[0] == "" or new.values[0].startswith(
            old.values[0] + "/")) and not any(c in new.values[0] for c in "*?[")
    if new.key == "rule":  # prefixes of rule ids
        return all(any(n.startswith(o) for o in old.values) for n in new.values)
    if new.key in ("status", "class", "ext", "license", "expr"):
        return set(new.values) <= set(old.values)
    return False


def narrows(old: Query, new: Query) -> bool:
    """Whether *new* selects a subset of what *old* selects (each old term implied by a new one)."""
    return all(any(_implies(n, o) for n in new.terms) for o in old.terms)


def _mask(size: int, positions: list[int]) -> bytearray:
    mask = bytearray(size)
    if positions and positions[-1] - positions[0] + 1 == len(positions):  # one run, e.g. path:drivers
        mask[positions[0] : positions[-1] + 1] = b"\x01" * len(positions)
        return mask
    for i in positions:
        mask[i] = 1
    return mask
