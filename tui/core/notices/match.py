"""Find the licence notice in a file's leading comments and the SPDX expression it grants.

Only the leading comment blocks are read: the comments in the first ``HEAD_LINES`` lines and
``HEAD_BYTES`` bytes, up to the first line of code, at most ``MAX_TOKENS`` words. So the work per file
is bounded whatever the file holds (a huge comment, one that never closes, a licence line repeated
10,000 times, binary or non-UTF-8 bytes): at most MAX_TOKENS lookups of each kind, ``MAX_POSTINGS``
seed postings counted, ``MAX_CANDIDATES`` alignments of a rule (at most 1,200 words) with a window of
the comment. Measured: under 20 ms of CPU for each such input (tests/core/test_notices.py), about
1 ms for an ordinary notice, a few microseconds for a file without a licence word.

The matcher: short rules (under ``index.K`` words) must appear word for word; longer ones are
proposed by their seeds (``index.py``) and scored by a longest-common-subsequence alignment of their
words with the comment's (rapidfuzz), so reflowed lines, comment markers and a few typos or changed
words still match. The best non-overlapping matches make the notice; several licences in one
leading comment are a choice (OR), as the kernel writes a GPL text next to an MIT or BSD one.

Speed (the kernel's 11,720 files that need matching: about 0.04 ms of CPU a file, reading.read_notice
whole): where ``_fastmatch`` is built, C reads a head's leading comments, tokenizes them and hashes
their ids in one pass (``_fastmatch.comment_ids``; a non-ASCII line through ``line_ids``), runs the
seed and short-rule loops and each candidate's LCS with its window (bit-parallel), and rapidfuzz
aligns only the candidates that may cover enough (``_leading_comments_python``, ``comment_ids``,
``_scan_python`` and ``_scored`` otherwise: the same results). Alignments are of strings, one letter a
token (``Index.rule_text``); a comment's matches are memoised by its ids (``_cache``), and a notice with
the kernel's readings by those and its lines (``_notices``); without C a comment line's ids are too
(``_line_cache``).
"""

from __future__ import annotations

import re
from array import array
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass

from rapidfuzz.distance import LCSseq

from tui.core.notices import index as index_module
from tui.core.notices import kernel
from tui.core.notices.candidates import (  # noqa: F401 (needs_matching and the constants: the matcher's API)
    HEAD_BYTES,
    LICENCE_TEXT,
    LICENCE_WORDS,
    TAGGED_HEAD,
    has_licence_words,
    needs_matching,
)
from tui.core.notices.data import TOKEN_RE
from tui.core.notices.notice import Notice

try:  # the seed loops in C (setup.py builds it where it can); the same loops in Python otherwise
    from tui.core.notices import _fastmatch
except ImportError:  # pragma: no cover - without a C compiler
    _fastmatch = None

HEAD_LINES = 200
MAX_TOKENS = 3000
#: Seed postings visited per file at most (a comment of licence lines repeated over and over).
MAX_POSTINGS = 60000
#: Candidate rules aligned per file at most.
MAX_CANDIDATES = 16
#: A notice scoring below this is not reported.
MIN_SCORE = 50

_C_EXTENSIONS = frozenset(
    ".c .h .S .s .cc .cpp .hpp .cxx .dts .dtsi .dtso .rs .go .js .ts .java .lds .y .l .bpf .uc .css .scss".split()
)
_HASH_EXTENSIONS = frozenset(".sh .py .pl .pm .awk .sed .mk .cfg .conf .yaml .yml .tc .bash .txt .rb".split())
_HASH_NAMES = ("Makefile", "Kconfig", "Kbuild", "Makefile.", "Kconfig.", "Kbuild.")
#: a comment style's number in _fastmatch
_STYLES = {"c": 0, "hash": 1, "any": 2}


@dataclass(slots=True)
class Match:
    rule: int
    start: int  # first comment token matched
    end: int  # one past the last
    matched: int  # tokens of the rule found
    score: int


def _style(path: str) -> str:
    name = path.rpartition("/")[2]
    dot = name.rfind(".")
    extension = name[dot:] if dot > 0 else ""
    if extension in _C_EXTENSIONS:
        return "c"
    if extension in _HASH_EXTENSIONS or name.startswith(_HASH_NAMES) or name in ("Makefile", "Kconfig", "Kbuild"):
        return "hash"
    return "any"


def leading_comments(data: bytes, path: str = "") -> list[tuple[int, str]]:
    """(line number, text) of each comment line before the first code line, within the bounds above.

    Empty for a binary file (a NUL byte in the head). Read in C where ``_fastmatch`` is built
    (``_leading_comments_python`` otherwise, the same lines)."""
    if _fastmatch is not None:
        return _fastmatch.leading_comments(data[:HEAD_BYTES], _STYLES[_style(path)], HEAD_LINES)
    return _leading_comments_python(data, path)


def _leading_comments_python(data: bytes, path: str = "") -> list[tuple[int, str]]:
    """``leading_comments`` in Python. The head is read line by line from its start
    (not split whole: most of it is code after the notice), and the lines inside a block comment are
    taken whole, up to the one that closes it, without a step of this loop each: most of a notice is
    such lines."""
    head = data[:HEAD_BYTES]
    if b"\0" in head:
        return []
    style = _style(path)
    text = head.decode("utf-8", "replace")
    size = len(text)
    out: list[tuple[int, str]] = []
    in_block = False
    number, start = 0, 0  # the last line read (1-based); where the next one starts (past size: none)
    while number < HEAD_LINES and start <= size:
        newline = text.find("\n", start)
        if newline < 0:
            rest, start = text[start:], size + 1
        else:
            rest, start = text[start:newline], newline + 1
        number += 1
        while True:
            if in_block:
                end = rest.find("*/")
                if end < 0:
                    out.append((number, rest))
                    if start > size:
                        break
                    # the next lines up to the one that closes the block are comment lines whole
                    close = text.find("*/", start)
                    inside = (text[start:close] if close >= 0 else text[start:]).split("\n")
                    whole = inside if close < 0 else inside[:-1]
                    room = HEAD_LINES - number
                    out.extend(zip(range(number + 1, number + 1 + min(room, len(whole))), whole))
                    if close < 0 or len(whole) >= room:
                        return out
                    number += len(whole)
                    start = close - len(inside[-1])  # the closing line: read next, still in the block
                    break
                out.append((number, rest[:end]))
                in_block = False
                rest = rest[end + 2 :]
                continue
            stripped = rest.strip()
            if not stripped:
                break
            first = stripped[0]  # one comparison for most lines, not a startswith() of each marker
            if first == "/" and style != "hash":
                if stripped.startswith("/*"):
                    in_block = True
                    rest = stripped[2:]
                    continue
                if stripped.startswith("//"):
                    out.append((number, stripped[2:]))
                    break
            elif first == "#":
                if style == "c":
                    break  # a preprocessor line (a header guard, an #include before the notice): not code
                if stripped.startswith("#!") and number == 1:
                    break
                out.append((number, stripped[1:]))
                break
            if style == "any" and stripped.startswith((";", "--", "%", "..", "!")):
                out.append((number, stripped.lstrip(";-%.!")))
                break
            return out  # the first line of code
    return out


_SKIPPED_LINE = re.compile(r"SPDX-License-Identifier|^\W*(?:copyright\b|\(c\)|©)", re.I)
_LICENCE_WORD = re.compile(r"licen[cs]|gpl|permission|redistribut|public domain|free software|warrant", re.I)


def line_ids(text: str) -> tuple[int, ...]:
    """The token ids of one comment line (ScanCode's tokenizer, lower case); none for a line left out.

    The SPDX tag line is not a notice (the tag is read on its own), and a copyright line without a
    licence word is left out too: so comments that differ only in their copyright lines are the
    same words, and the matcher's cache serves them."""
    skipped = _SKIPPED_LINE.search(text)
    if skipped is not None and (skipped.group(0).startswith("SPDX") or not _LICENCE_WORD.search(text)):
        return ()
    return tuple(index_module.token_ids(TOKEN_RE.findall(text.lower())))


#: line text -> its ``line_ids``: a notice's lines are the same in thousands of files (a kernel's
#: 270,000 leading comment lines are 46,000 distinct ones, 37,000 of them seen once), so most lines are
#: one dict lookup. A line is kept when it is seen the second time (``_lines_seen`` holds the hashes of
#: those seen once): the lines of one file only (its description, its authors) are not kept.
_line_cache: dict[str, tuple[int, ...]] = {}
_lines_seen: set[int] = set()
#: Lines kept in _line_cache, and hashes in _lines_seen, at most (then each starts again); the longest
#: line kept.
LINE_CACHE_SIZE = 32768
LINES_SEEN_SIZE = 262144
LINE_CACHE_WIDTH = 200


def comment_ids(comments: list[tuple[int, str]]) -> tuple[list[int], list[int], list[int]]:
    """The comments' token ids (``line_ids`` of each line), at most MAX_TOKENS, and where each line's
    tokens start: the first token of each line with tokens, and that line's number (``line_of``)."""
    cache, seen = _line_cache, _lines_seen
    ids: list[int] = []
    marks: list[int] = []
    numbers: list[int] = []
    for number, text in comments:
        found = cache.get(text)
        if found is None:
            found = line_ids(text)
            if len(text) <= LINE_CACHE_WIDTH:
                key = hash(text)
                if key not in seen:
                    if len(seen) >= LINES_SEEN_SIZE:
                        seen.clear()
                    seen.add(key)
                else:
                    if len(cache) >= LINE_CACHE_SIZE:
                        cache.clear()
                    cache[text] = found
        if found:
            marks.append(len(ids))
            numbers.append(number)
            ids.extend(found)
            if len(ids) >= MAX_TOKENS:
                del ids[MAX_TOKENS:]
                break
    return ids, marks, numbers


def line_of(position: int, marks: list[int], numbers: list[int]) -> int:
    """The line number of the comment token at *position* (``comment_ids``)."""
    return numbers[bisect_right(marks, position) - 1]


def _trimmed_blocks(blocks: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """Drop stray one- or two-word agreements at either end of an alignment ("the", "of" far away)."""
    while len(blocks) > 1 and blocks[0][2] < 3 and blocks[1][1] - (blocks[0][1] + blocks[0][2]) > 2:
        blocks = blocks[1:]
    while len(blocks) > 1 and blocks[-1][2] < 3 and blocks[-1][1] - (blocks[-2][1] + blocks[-2][2]) > 2:
        blocks = blocks[:-1]
    return blocks


def _required_coverage(length: int, minimum: int) -> int:
    if length < 12:
        return 100
    return max(minimum, 80 if length < 40 else 70)


def _scan_python(ids: list[int], idx: index_module.Index) -> tuple[list[Match], list[tuple[int, int]], str]:
    """The short rules found word for word; the candidate long rules, best first, each with its anchor
    (where its seeds found in the comment put its first word: their median); and the comment's
    letters (``Index.query_text``): what ``_fastmatch.Scanner.scan`` does in C."""
    n = len(ids)
    found: list[Match] = []
    short_first, short = idx.table("short_first"), idx.table("short")
    pair_key, gram_key = index_module.pair_key, index_module.gram_key
    for i, first in enumerate(ids):
        single = short_first.get(first)
        if single is not None and (rule := short.get(gram_key((first,)))) is not None:
            found.append(Match(rule, i, i + 1, 1, 100))
        if i + 1 == n:
            break
        lengths = short_first.get(pair_key(first, ids[i + 1]))
        if lengths is None:
            continue
        for length in lengths:
            if i + length > n:
                break
            rule = short.get(gram_key(tuple(ids[i : i + length])))
            if rule is not None:
                found.append(Match(rule, i, i + length, length, 100))
    k, seeds = index_module.K, idx.table("seeds")
    counts: Counter[int] = Counter()
    where: dict[int, list[int]] = {}  # seed key -> query positions
    visited = 0
    for i in range(n - k + 1):
        key = gram_key(tuple(ids[i : i + k]))
        value = seeds.get(key)
        if value is None:
            continue
        positions = where.get(key)
        if positions is not None:
            positions.append(i)
            continue  # a repeated K-gram counts once
        where[key] = [i]
        if isinstance(value, tuple):
            visited += len(value)
            if visited > MAX_POSTINGS:
                break
            counts.update(value)
        else:
            counts[value] += 1
    ranked: list[tuple[float, int, int]] = []
    lengths, n_seeds = idx.lengths, idx.n_seeds
    for rule, hits in counts.items():
        seeded = n_seeds[rule]
        if hits * 10 < 3 * seeded:
            continue  # under 30% of its seeds
        length = lengths[rule]
        # the words it may match (its seeds found, at most the comment's length); the shorter first on a tie
        ranked.append((hits / seeded * (length if length < n else n), -length, rule))
    ranked.sort(reverse=True)
    candidates = []
    seed_offsets, seed_keys, seed_positions = idx.seed_offsets, idx.seed_keys, idx.seed_positions
    for _weight, _minus_length, rule in ranked[:MAX_CANDIDATES]:
        first, last = seed_offsets[rule], seed_offsets[rule + 1]
        implied = [q - seed_positions[s] for s in range(first, last) for q in where.get(seed_keys[s], ())]
        implied.sort()
        candidates.append((rule, implied[len(implied) // 2]))
        idx.rule_text(rule)
    return found, candidates, idx.query_text(ids)  # after rule_text: the candidates' letters are given


def preload() -> None:
    """The rule index and its scanner made now (a scan does so before it forks its readers, which inherit
    them). Raises OSError (``data.NoticeDataMissing``) when the rule data cannot be read."""
    _scanner(index_module.get_index())


def _scanner(idx: index_module.Index) -> object:
    """The index's ``_fastmatch.Scanner``, made on the first call; False without the C extension, or
    where its K-gram keys would not be Python's (it computes hash() of a tuple of ints as CPython 3.8+
    does: checked here)."""
    scanner = idx.scanner
    if scanner is None:
        scanner = idx.scanner = _new_scanner(idx)
    return scanner


def _new_scanner(idx: index_module.Index) -> object:
    if _fastmatch is None:
        return False
    k = index_module.K
    samples = [(0,), (1,), (0xFFFFFFFF,), (0xFFFFFFFF,) * k, tuple(range(k)), (3, 1 << 31), tuple(range(1, 3 * k, 3))]
    if any(_fastmatch.gram_hash(sample) != index_module.gram_key(sample) for sample in samples):
        return False
    first = list(index_module.items(idx.short_first))
    singles = [key for key, _lengths in first if key < 1 << 32]
    pairs = [((key >> 32) - 1, key & 0xFFFFFFFF, lengths) for key, lengths in first if key >= 1 << 32]
    seeds, short = idx.seeds, idx.short  # (dicts, or Packed arrays: the Scanner reads either)
    return _fastmatch.Scanner(seeds if isinstance(seeds, dict) else tuple(seeds),
                              short if isinstance(short, dict) else tuple(short), singles, pairs, idx.lengths,
                              idx.n_seeds, idx.tokens, idx.offsets, idx.seed_keys, idx.seed_positions,
                              idx.seed_offsets, k, MAX_POSTINGS, MAX_CANDIDATES, idx.min_cov)


def _scored(candidates: list[tuple[int, int]], text: str, n: int, idx: index_module.Index
            ) -> list[tuple[int, int, int, int]]:
    """(LCS length, rule, w0, w1) of each candidate (rule, anchor) whose alignment with its window of the
    comment, text[w0:w1], may cover enough of it, best first: what ``_fastmatch.Scanner.scan(ids, True)``
    gives in C."""
    lengths = idx.lengths
    scored: list[tuple[int, int, int, int]] = []
    for rule, anchor in candidates:
        length = lengths[rule]
        slack = length // 4 + 2
        w0, w1 = max(0, anchor - slack), min(n, anchor + length + slack)
        if w1 <= w0:
            continue
        # the LCS length bounds the words a match can have: cheap (no alignment), it orders the work
        bound = LCSseq.similarity(idx.rule_text(rule), text[w0:w1])
        if bound * 100 >= _required_coverage(length, idx.min_cov[rule]) * length:
            scored.append((bound, rule, w0, w1))
    # best first: the quality a match could reach (all its LCS words in one run: 2 * bound - length)
    scored.sort(key=lambda item: (-(2 * item[0] - lengths[item[1]]), item[1]))
    return scored


def find_matches(ids: list[int], idx: index_module.Index) -> list[Match]:
    """Every rule that matches the token ids well enough, overlapping or not."""
    scanner = _scanner(idx)
    if scanner:
        shorts, scored, text = scanner.scan(ids, True)
        found = [Match(rule, start, end, end - start, 100) for rule, start, end in shorts]
        rule_text = scanner.rule_text
    else:
        found, candidates, text = _scan_python(ids, idx)
        scored = _scored(candidates, text, len(ids), idx)
        rule_text = idx.rule_text
    lengths = idx.lengths
    accepted: list[tuple[int, Match]] = []
    for bound, rule, w0, w1 in scored:
        length = lengths[rule]
        best, half = 2 * bound - length, (w1 - w0) // 2
        beaten = False
        for q, m in accepted:  # a loop, not any(): a generator costs more than most of these tests
            if q >= best and min(w1, m.end) - max(w0, m.start) > half:
                beaten = True  # it could not win against a match it overlaps
                break
        if beaten:
            continue
        blocks = [(b.a, b.b, b.size) for b in LCSseq.opcodes(rule_text(rule), text[w0:w1]).as_matching_blocks()
                  if b.size]
        blocks = _trimmed_blocks(blocks)
        if not blocks:
            continue
        matched = sum(size for _a, _b, size in blocks)
        if matched * 100 < _required_coverage(length, idx.min_cov[rule]) * length:
            continue
        if not _holds_required(idx, rule, blocks, ids, w0):
            continue
        start, end = w0 + blocks[0][1], w0 + blocks[-1][1] + blocks[-1][2]
        score = round(100 * matched / max(length, end - start))
        accepted.append((3 * matched - length - (end - start), Match(rule, start, end, matched, score)))
    found.extend(m for _q, m in accepted)
    return found


_NEGATIONS = frozenset(index_module.token_id(word) for word in ("no", "not", "without"))


def _holds_required(idx: index_module.Index, rule: int, blocks: list[tuple[int, int, int]], ids: list[int],
                    w0: int) -> bool:
    """Whether each required range of the rule lies within one aligned block (kept word for word), and
    is not negated in the comment where the rule does not negate it ("version 2 and no later version")."""
    required = idx.required
    rule_ids = None
    for i in range(idx.required_offsets[rule], idx.required_offsets[rule + 1], 2):
        start, end = required[i], required[i + 1]
        for a, b, size in blocks:
            if a <= start and end <= a + size:
                query_at = w0 + b + (start - a)
                if query_at and ids[query_at - 1] in _NEGATIONS:
                    rule_ids = rule_ids if rule_ids is not None else idx.rule_tokens(rule)
                    if not start or rule_ids[start - 1] != ids[query_at - 1]:
                        return False
                break
        else:
            return False
    return True


def select(found: list[Match], idx: index_module.Index) -> list[Match]:
    """The best non-overlapping matches, in order of position: more words matched first."""
    taken: list[Match] = []
    lengths, relevance = idx.lengths, idx.relevance
    # the better quality first: words matched, less the rule's words missing and the comment's extra words
    # (-quality: the rule's length and the match's span, less three times its words)
    for match in sorted(found, key=lambda m: (lengths[m.rule] + m.end - m.start - 3 * m.matched, -m.score,
                                              -relevance[m.rule], m.start)):
        if match.score < MIN_SCORE:
            continue
        start, end = match.start, match.end
        for other in taken:
            if start < other.end and other.start < end:
                break
        else:
            taken.append(match)
    taken.sort(key=lambda m: m.start)
    if len(taken) > 1:  # a weak bare word ("GPL", relevance 50) next to real matches adds nothing
        strong = [m for m in taken if idx.relevance[m.rule] >= 80 or m.matched > 2]
        taken = strong or taken
    return taken


_FAMILY_RE = re.compile(r"^([A-Za-z]+(?:-[A-Za-z]+)*?)(?:-\d.*)?$")


def _leaves(expression: str) -> list[str]:
    """The OR-ed parts of an expression with no parentheses; the whole expression otherwise."""
    if "(" in expression or " AND " in expression:
        return [expression]
    return [part.strip() for part in expression.split(" OR ")]


def _family(leaf: str) -> str:
    base = leaf.split(" WITH ")[0].strip()
    match = _FAMILY_RE.match(base)
    return (match.group(1) if match else base).upper()


def combine(expressions: list[str], generic: set[str]) -> str:
    """One expression for the matches' expressions: their licences as a choice (OR), each once; a
    generic reference (an unversioned family word) is dropped when a versioned one of its family is there."""
    leaves: list[str] = []
    for expression in expressions:
        for leaf in _leaves(expression):
            if leaf not in leaves:
                leaves.append(leaf)
    if len(leaves) > 1:
        specific = {_family(leaf) for leaf in leaves if leaf not in generic}
        leaves = [leaf for leaf in leaves if leaf not in generic or _family(leaf) not in specific] or leaves
    if len(leaves) == 1:
        return leaves[0]
    return " OR ".join(f"({leaf})" if " AND " in leaf or " OR " in leaf else leaf for leaf in leaves)


#: the matches of a comment's token ids, read (``_reading``): comments of the same words are matched once
_cache: dict[tuple[int, int], tuple[int, int, str, int, str, tuple[str, ...]] | None] = {}
CACHE_SIZE = 2048


def _reading(taken: list[Match], idx: index_module.Index) -> tuple[int, int, str, int, str, tuple[str, ...]] | None:
    """What the selected matches make of a notice: its first and last token, expression, score, main
    rule and rules; None without a match."""
    if not taken:
        return None
    if _readings_of[0] is not idx:
        _readings.clear()
        _readings_of[0] = idx
    known = tuple([(m.rule, m.matched, m.score) for m in taken])
    read = _readings.get(known)
    if read is None:
        generic = {idx.expression(m.rule) for m in taken if m.matched <= 8}
        expression = combine([idx.expression(m.rule) for m in taken], generic)
        # a short reference ("the GNU GPL", "under the terms of the BSD licence as follows:") next to a
        # longer notice or text of its family adds nothing: combine() drops it
        total = sum(m.matched for m in taken)
        score = round(sum(m.score * m.matched for m in taken) / total)
        main = max(taken, key=lambda m: m.matched)
        read = (expression, score, idx.rule_ids[main.rule], tuple(idx.rule_ids[m.rule] for m in taken))
        if len(_readings) >= CACHE_SIZE:
            _readings.clear()
        _readings[known] = read
    return (taken[0].start, taken[-1].end - 1, *read)


#: the rules, words matched and scores of selected matches -> what _reading makes of them (expression,
#: score, main rule, rules), for the index in _readings_of: comments of other words often match alike
_readings: dict[tuple[tuple[int, int, int], ...], tuple[str, int, str, tuple[str, ...]]] = {}
_readings_of: list[object | None] = [None]


def match_ids(ids: list[int], marks: list[int], numbers: list[int], idx: index_module.Index) -> Notice | None:
    """The notice the comment's token ids (``comment_ids``) grant, or None. Comments of the same words
    are matched once."""
    if not ids:
        return None
    reading = _matched((len(ids), hash(tuple(ids))), ids, idx)
    if reading is None:
        return None
    first, last, expression, score, rule, rules = reading
    return Notice(expression, line_of(first, marks, numbers), line_of(last, marks, numbers), score, rule, rules)


def _matched(key: tuple[int, int], ids: list[int] | bytes, idx: index_module.Index
             ) -> tuple[int, int, str, int, str, tuple[str, ...]] | None:
    """The reading (``_reading``) of the ids whose key is *key*, memoised; *ids* may be the bytes of an
    array('I') (``_fastmatch.comment_ids``)."""
    if key in _cache:
        reading = _cache[key]
    else:
        if isinstance(ids, bytes):
            ids = array("I", ids)
        reading = _reading(select(find_matches(ids, idx), idx), idx)
        if len(_cache) >= CACHE_SIZE:
            _cache.pop(next(iter(_cache)))
        _cache[key] = reading
    return reading


#: (reading, first line, last line) -> the notice with the kernel's readings, for the catalog in
#: _notices_of, where those readings do not read the comment's text (most notices: a file whose comment
#: has the words of another's, on the same lines, is given that one's notice, made once)
_notices: dict[tuple, Notice] = {}
_notices_of: list[object | None] = [None]


def find_notice(data: bytes, path: str = "", catalog: object | None = None,
                idx: index_module.Index | None = None) -> Notice | None:
    """The licence notice in the leading comments of a file's bytes, or None.

    With a *catalog* (``tui.core.catalog.Catalog``) the kernel's readings apply and the expression is
    spelled as the tree's LICENSES/ spells it (``kernel.read_notice``)."""
    head = data[:HEAD_BYTES]
    if not has_licence_words(head):
        return None  # no index load, no tokenizing: most files end here
    return _find_notice(head, path, catalog, idx)


def _find_notice(head: bytes, path: str, catalog: object | None, idx: index_module.Index | None) -> Notice | None:
    """``find_notice`` of a head (at most HEAD_BYTES) known to hold a licence word. With the C scanner
    the comments are read, tokenized and hashed in one pass over the head (``_fastmatch.comment_ids``),
    without a Python object a line; their text is read again only where the kernel's readings want it."""
    idx = idx or index_module.get_index()
    comments: list[tuple[int, str]] | None = None
    if _scanner(idx):
        got = _fastmatch.comment_ids(head, _STYLES[_style(path)], HEAD_LINES, MAX_TOKENS, line_ids)
        if got is None:
            return None
        ids, key, marks, numbers = got
        if not ids:
            return None
        reading = _matched((len(ids) // 4, key), ids, idx)
    else:
        comments = leading_comments(head, path)
        if not comments:
            return None
        ids, marks, numbers = comment_ids(comments)
        reading = _matched((len(ids), hash(tuple(ids))), ids, idx) if ids else None
    if reading is None:
        return None
    first, last, expression, score, rule, rules = reading
    line, end_line = line_of(first, marks, numbers), line_of(last, marks, numbers)
    if _notices_of[0] is not catalog:
        _notices.clear()
        _notices_of[0] = catalog
    known = (reading, line, end_line)
    notice = _notices.get(known)
    if notice is not None:
        return notice
    notice = Notice(expression, line, end_line, score, rule, rules)
    if kernel.wants_comments(notice):
        return kernel.read_notice(notice, comments if comments is not None else leading_comments(head, path), catalog)
    notice = kernel.read_notice(notice, [], catalog)
    if len(_notices) >= CACHE_SIZE:
        _notices.clear()
    _notices[known] = notice
    return notice
