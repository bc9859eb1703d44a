"""The tree's filter: a query typed live, its matches, and the mask the tree narrows to.

Parsing, matching and completion are ``tui.core.query``'s. While the last word is on its way to
one of its completions (``st`` to ``status:``, ``license:M`` to ``license:MIT``) the tree stays as it
was, rather than flashing through what ``st`` as free text would match; a query that cannot be
read keeps the last result too. When the new query can only narrow the previous one (a longer
word, one more term), it is matched among the previous matches only. No Textual import.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tui.core.index import LicenseIndex
from tui.core.query import Query, QueryError, Term, complete, parse_query, replace_last_word


@dataclass(frozen=True)
class Narrowed:
    """The files a query selects: ascending positions into the index's paths, and the same as a mask."""

    query: Query
    positions: list[int]
    mask: bytearray

    @property
    def count(self) -> int:
        return len(self.positions)


#: How the text was applied: in full; its last word is still being typed (the previous result
#: stays); it cannot be read (the previous result stays); or it cannot be read and the index
#: changed under it (applied without its last word).
APPLIED, UNFINISHED, LEFT_OUT, KEPT = "applied", "unfinished", "left out", "kept"


class TreeFilter:
    """The active query of one index: ``apply(text)`` parses and matches, reusing what it can."""

    def __init__(self, completions: Callable[[LicenseIndex, str], list[str]] | None = None) -> None:
        self.text = ""
        #: The query applied last, and what it selects (None: no filter).
        self.result: Narrowed | None = None
        self.error: QueryError | None = None
        self.state = APPLIED
        self._completions = completions or (lambda index, text: complete(text, index.catalog, index))
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

    def clear(self) -> None:
        self.text, self.result, self.error, self.state = "", None, None, APPLIED

    def apply(self, index: LicenseIndex, text: str) -> None:
        """Filter *index* by *text* (empty: no filter); ``state`` says how (see APPLIED and the
        others), ``error`` why the text cannot be read."""
        self.text = text
        head = replace_last_word(text, "")
        try:
            query: Query | None = parse_query(text)
            self.error = None
        except QueryError as exc:
            self.error, query = exc, None
        current = self.result is None or self._index is index  # what the tree shows can stay
        if current and self.unfinished(index, text):
            self.state = UNFINISHED
            return
        if query is None:
            if current:
                self.state = KEPT
                return
            try:  # the index changed under a query that does not read: what reads of it
                query = parse_query(head)
            except QueryError:
                query = parse_query("")  # nothing before the last word reads: no filter
            self.state = LEFT_OUT
        else:
            self.state = APPLIED
        self._set(index, query)

    def unfinished(self, index: LicenseIndex, text: str) -> bool:
        """Whether the last word is on its way to one of its completions (``s`` to ``status:``,
        ``license:M`` to ``license:MIT``) rather than a word of its own."""
        if not text or text[-1].isspace():
            return False
        word = text[len(replace_last_word(text, "")):]
        key = word.lstrip("-").partition(":")[0].lower() if ":" in word else None
        if key == "rule" or (key == "path" and word.endswith("/")):
            return False  # rule:LT1 (rule ids match by prefix) and path:drivers/ are queries of their own
        choices = self._completions(index, text)
        folded = word.lower().rstrip("/")
        return bool(choices) and all(c.lower().rstrip("/") != folded for c in choices)

    def _set(self, index: LicenseIndex, query: Query) -> None:
        if not query:
            self.result = None
            self._index = index
            return
        previous = self.result if self._index is index else None
        if previous is not None and [_identity(t) for t in previous.query.terms] == [_identity(t) for t in query.terms]:
            return  # the same query (blanks or quoting aside)
        candidates = previous.positions if previous is not None and narrows(previous.query, query) else None
        positions = query.matches(index, candidates)
        if previous is not None and positions == previous.positions:  # rule:L to rule:LT: the same files
            self.result = Narrowed(query, previous.positions, previous.mask)
        else:
            self.result = Narrowed(query, positions, _mask(len(index.paths), positions))
        self._index = index

    @property
    def mask(self) -> bytearray | None:
        """What the tree shows (None: every file); the same object while the files are the same."""
        return self.result.mask if self.result is not None else None


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
    if new.key in ("status", "source", "class", "ext", "license", "expr"):
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
