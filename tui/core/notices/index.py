"""The compact matcher index of the rules, built once per data version and kept in the cache directory.

Tokens are numbered by their CRC-32 (no vocabulary to keep). Rules shorter than ``K`` tokens are found
by exact lookup of their token tuple; longer ones through *seeds*: in each window of ``WINDOW``
consecutive ``K``-grams of a rule, the one fewest rules share, indexed by its hash with the rule and
its position. A query's K-grams that hit a rule's seeds make it a candidate, which an alignment then
scores (``match.py``). The saved file is a pickle of arrays and two dicts (about 20 MB in memory).
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import threading
import time
import zlib
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from operator import sub
from typing import NamedTuple

from tui.core import collector_paused
from tui.core.notices import data

#: Length of the K-grams that seed a candidate; rules shorter than this must match exactly.
K = 8
#: One seed per this many K-gram positions of a rule.
WINDOW = 10
#: A K-gram in more rules than this is a seed only of the rules that lack rarer ones.
COMMON = 60
MIN_SEEDS = 2
SKETCH = 1 << 23
FORMAT = 9  # bump when the selection or the index changes: the cached index is built again

KINDS = ("notice", "reference", "tag", "text")

Progress = Callable[[str, int, int], None]


def token_id(token: str) -> int:
    return zlib.crc32(token.encode("utf-8", "surrogateescape"))


def pair_key(first: int, second: int) -> int:
    """The key of two token ids (above 2**32, so never a lone token id)."""
    return ((first + 1) << 32) | second


_token_ids: dict[str, int] = {}


def token_ids(words: list[str]) -> list[int]:
    """The ids of *words* (a cache of the words seen, at most 200,000)."""
    cache = _token_ids
    out = []
    for word in words:
        value = cache.get(word)
        if value is None:
            value = token_id(word)
            if len(cache) < 200_000:
                cache[word] = value
        out.append(value)
    return out


def gram_key(ids: tuple[int, ...]) -> int:
    """The key of a token tuple (Python's tuple-of-int hash is the same in every process)."""
    return hash(ids)


class Packed(NamedTuple):
    """An int-keyed table (``Index.seeds``, ``short``, ``short_first``) as the saved index holds it: arrays, which
    load at once and which the C scanner reads as they are, not a dict of tens of thousands of entries to
    unpickle (``Index.table`` makes the dict where the Python matcher wants it)."""

    keys: array  # 'q' (or 'Q': ``pack``)
    starts: array  # 'I': the values of keys[i] are values[starts[i]:starts[i + 1]]
    values: array  # 'I'
    lone: bytes  # 1 where keys[i]'s value is that one int, 0 where it is the tuple of them


def pack(table: dict[int, int | tuple[int, ...]]) -> Packed:
    """*table* in arrays: keys signed 64-bit (hashes), or unsigned where one is 2**63 or more (``pair_key``)."""
    signed = all(-(1 << 63) <= key < 1 << 63 for key in table)
    keys, starts, values, lone = array("q" if signed else "Q"), array("I", [0]), array("I"), bytearray()
    for key, value in table.items():
        keys.append(key)
        if isinstance(value, tuple):
            values.extend(value)
            lone.append(0)
        else:
            values.append(value)
            lone.append(1)
        starts.append(len(values))
    return Packed(keys, starts, values, bytes(lone))


def items(table: dict[int, int | tuple[int, ...]] | Packed) -> Iterator[tuple[int, int | tuple[int, ...]]]:
    """(key, value) of a table, packed or not (a packed one is not made a dict for it)."""
    if not isinstance(table, Packed):
        return iter(table.items())
    keys, starts, values, lone = table
    return ((key, values[starts[i]] if lone[i] else tuple(values[starts[i] : starts[i + 1]]))
            for i, key in enumerate(keys))


def unpack(packed: Packed) -> dict[int, int | tuple[int, ...]]:
    return dict(items(packed))


_TABLES = ("seeds", "short", "short_first")


@dataclass(slots=True)
class Index:
    """The loaded index (see the module docstring)."""

    version: str
    rule_ids: list[str]
    #: per rule: number of its expression in ``expressions``, kind number, relevance, minimum coverage
    expr_of: array
    kind_of: array
    relevance: array
    min_cov: array
    expressions: list[str]
    tokens: array  # all rules' token ids, concatenated
    offsets: array  # rule i's tokens are tokens[offsets[i]:offsets[i + 1]]
    #: seed key -> the rule (int) or rules (tuple) it seeds (``Packed`` as loaded: see ``table``)
    seeds: dict[int, int | tuple[int, ...]] | Packed
    #: rule i's seeds: keys seed_keys[seed_offsets[i]:seed_offsets[i + 1]], at those K-gram positions
    seed_keys: array
    seed_positions: array
    seed_offsets: array
    #: rule i's required token ranges: pairs (start, end) in required[required_offsets[i]:required_offsets[i + 1]]
    required: array
    required_offsets: array
    #: key of a short rule's token tuple -> rule number
    short: dict[int, int] | Packed
    #: first two token ids of a short rule (``pair_key``; a one-word rule: its id) -> the lengths of the
    #: short rules they start
    short_first: dict[int, tuple[int, ...]] | Packed

    #: derived when loaded (not saved): each rule's length and number of seeds, as lists (fast to index)
    lengths: list[int] = field(default_factory=list)
    n_seeds: list[int] = field(default_factory=list)
    #: filled as rules are aligned (not saved): a character for each token id of the rules aligned so
    #: far, and those rules' tokens spelled in these characters (see ``rule_text``)
    letters: dict[int, str] = field(default_factory=dict)
    rule_texts: dict[int, str] = field(default_factory=dict)
    #: made on the first match (not saved): the C copy of the seed and short-rule tables
    #: (``match._scanner``), False where there is none
    scanner: object = None

    def __post_init__(self) -> None:
        offsets, seed_offsets = self.offsets, self.seed_offsets
        self.lengths = list(map(sub, offsets[1:], offsets[:-1]))  # (in C: 30,000 rules as each scan loads them)
        self.n_seeds = list(map(sub, seed_offsets[1:], seed_offsets[:-1]))

    def table(self, name: str) -> dict:
        """``seeds``, ``short`` or ``short_first`` as a dict (unpacked the first time it is asked for)."""
        value = getattr(self, name)
        if isinstance(value, Packed):
            value = unpack(value)
            setattr(self, name, value)
        return value

    def rule_tokens(self, rule: int) -> array:
        return self.tokens[self.offsets[rule] : self.offsets[rule + 1]]

    def rule_text(self, rule: int) -> str:
        """Rule *rule*'s tokens as a string, one character a token (the same character for the same token).

        rapidfuzz aligns two strings some 20 times faster than two sequences of ints (it hashes each
        element of a sequence): so the rules and the comment are aligned as strings. The letters are
        given as rules are first aligned; a comment's token no rule aligned so far has ``UNKNOWN``,
        which no rule has, so a comment written with ``query_text`` after the rules it is aligned with
        agrees with each of them exactly where the token ids agree."""
        text = self.rule_texts.get(rule)
        if text is None:
            letters = self.letters
            for token in set(self.rule_tokens(rule)) - letters.keys():
                letters[token] = _letter(len(letters))
            text = self.rule_texts[rule] = "".join([letters[token] for token in self.rule_tokens(rule)])
        return text

    def query_text(self, ids: list[int]) -> str:
        """The comment's token *ids* as a string of the letters of ``rule_text`` (see there)."""
        get = self.letters.get
        return "".join([get(token, UNKNOWN) for token in ids])

    def expression(self, rule: int) -> str:
        return self.expressions[self.expr_of[rule]]

    def kind(self, rule: int) -> str:
        return KINDS[self.kind_of[rule]]


#: The letter of a comment token that no rule aligned so far has (``Index.rule_text``).
UNKNOWN = "\0"


def _letter(number: int) -> str:
    """The letter of the *number*-th token given one: from U+0001 on, past the surrogates (a few
    thousand distinct tokens in all)."""
    number += 1
    return chr(number if number < 0xD800 else number + 0x800)


def build(directory: str | None = None, progress: Progress | None = None) -> Index:
    """Read the data set and build the index (about 10-20 s, most of it reading 35,000 small files)."""
    directory = directory or data.data_dir()
    version = data.data_version(directory)
    rules: list[data.Rule] = []
    seen: dict[tuple[str, ...], int] = {}
    for number, rule in enumerate(data.load_rules(directory)):
        if progress is not None and number % 2000 == 0:
            progress("reading licence rules", number, 32000)
        known = seen.get(rule.tokens)
        if known is not None:  # the same words twice: keep the more relevant rule
            if rule.relevance > rules[known].relevance:
                rules[known] = rule
            continue
        seen[rule.tokens] = len(rules)
        rules.append(rule)
    del seen
    if progress is not None:
        progress("indexing licence rules", 0, len(rules))
    ids_of = [array("I", token_ids(list(rule.tokens))) for rule in rules]
    # how many rules hold each K-gram, in a one-row count sketch (a Counter of the 1.3 million K-grams
    # would take 100 MB more): a collision only overestimates a count, and counts only choose seeds
    sketch = array("H", bytes(2 * SKETCH))
    for ids in ids_of:
        if len(ids) >= K:
            for key in {gram_key(tuple(ids[i : i + K])) for i in range(len(ids) - K + 1)}:
                slot = key % SKETCH
                if sketch[slot] < 65535:
                    sketch[slot] += 1

    def frequency(key: int) -> int:
        return sketch[key % SKETCH]

    expressions: list[str] = []
    expr_number: dict[str, int] = {}
    expr_of, kind_of = array("I"), array("B")
    relevance, min_cov = array("B"), array("B")
    seed_keys, seed_positions, seed_offsets = array("q"), array("H"), array("I", [0])
    required, required_offsets = array("H"), array("I", [0])
    tokens, offsets = array("I"), array("I", [0])
    postings: dict[int, list[int]] = {}
    short: dict[int, int] = {}
    short_first: dict[int, set[int]] = {}
    for number, (rule, ids) in enumerate(zip(rules, ids_of)):
        expr_of.append(expr_number.setdefault(rule.expression, len(expressions)))
        if expr_of[-1] == len(expressions):
            expressions.append(rule.expression)
        kind_of.append(KINDS.index(rule.kind))
        relevance.append(max(0, min(100, rule.relevance)))
        min_cov.append(max(0, min(100, rule.minimum_coverage)))
        tokens.extend(ids)
        offsets.append(len(tokens))
        for start, end in rule.required:
            required.extend((start, end))
        required_offsets.append(len(required))
        if len(ids) < K:
            key = gram_key(tuple(ids))
            if key not in short or rule.relevance > relevance[short[key]]:
                short[key] = number
            short_first.setdefault(pair_key(ids[0], ids[1]) if len(ids) > 1 else ids[0], set()).add(len(ids))
            seed_offsets.append(len(seed_keys))
            continue
        keys = [gram_key(tuple(ids[i : i + K])) for i in range(len(ids) - K + 1)]
        chosen = set()
        for start in range(0, len(keys), WINDOW):
            window = range(start, min(start + WINDOW, len(keys)))
            chosen.add(min(window, key=lambda i: (frequency(keys[i]), i)))
        # a seed that hundreds of rules share only makes them all candidates: keep such seeds only as
        # far as a rule needs them to have MIN_SEEDS at all
        rare = {i for i in chosen if frequency(keys[i]) <= COMMON}
        if len(rare) < MIN_SEEDS:
            rare |= set(sorted(chosen - rare, key=lambda i: (frequency(keys[i]), i))[: MIN_SEEDS - len(rare)])
        chosen = rare
        for position in sorted(chosen):
            if keys[position] in seed_keys[seed_offsets[-1] :]:
                continue  # the same K-gram twice in a rule
            postings.setdefault(keys[position], []).append(number)
            seed_keys.append(keys[position])
            seed_positions.append(position)
        seed_offsets.append(len(seed_keys))
    ids_of.clear()
    seeds: dict[int, int | tuple[int, ...]] = {
        key: (values[0] if len(values) == 1 else tuple(values)) for key, values in postings.items()
    }
    if progress is not None:
        progress("indexing licence rules", len(rules), len(rules))
    return Index(version, [rule.id for rule in rules], expr_of, kind_of, relevance, min_cov,
                 expressions, tokens, offsets, seeds, seed_keys, seed_positions, seed_offsets, required,
                 required_offsets, short,
                 {first: tuple(sorted(lengths)) for first, lengths in short_first.items()})


#: Where the rule index is kept, when set: else the cache directory (the test suite points all its tests,
#: each with a cache directory of its own, at one place, so the index is built once a run).
INDEX_DIR_ENV = "LICTREE_NOTICE_INDEX_DIR"


def index_path(version: str) -> str:
    from tui.core.cache import cache_dir

    safe = "".join(c if c.isalnum() or c in ".-" else "_" for c in version)
    return os.path.join(os.environ.get(INDEX_DIR_ENV) or cache_dir(), f"notices-{FORMAT}-{safe}.pickle")


_DERIVED = ("lengths", "n_seeds", "letters", "rule_texts", "scanner")


def _state(index: Index) -> dict:
    state = {name: getattr(index, name) for name in Index.__slots__ if name not in _DERIVED}
    for name in _TABLES:
        if not isinstance(state[name], Packed):
            state[name] = pack(state[name])
    return state


def save(index: Index, path: str) -> None:
    """Write *index* to *path* atomically (a temporary file beside it, then a rename)."""
    import tempfile

    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".lictree-notices-", dir=os.path.dirname(path))
    try:
        with os.fdopen(fd, "wb") as handle:
            pickle.dump((FORMAT, _state(index)), handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def load(path: str, version: str) -> Index | None:
    """The index saved at *path*, or None when it is missing, of another data version or unreadable."""
    try:  # a few hundred thousand small objects: the collector would double the load time
        with collector_paused():
            with open(path, "rb") as handle:
                fmt, state = pickle.load(handle)
            if fmt != FORMAT or state.get("version") != version:
                return None
            return Index(**state)
    except Exception:  # missing or corrupt: built again
        return None


_lock = threading.Lock()
_loaded: Index | None = None


def _build_in_child(path: str, progress: Progress | None) -> bool:
    """Build and save the index in a child process (its memory peak stays out of the caller's)."""
    try:
        child = subprocess.Popen([sys.executable, "-m", "tui.core.notices.index", path],
                                 stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    except OSError:
        return False
    assert child.stdout is not None
    for line in child.stdout:
        parts = line.rstrip("\n").rsplit(" ", 2)
        if progress is not None and len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
            progress(parts[0], int(parts[1]), int(parts[2]))
    return child.wait() == 0


def get_index(progress: Progress | None = None) -> Index:
    """The index, loaded once per process: from the cache directory, else built (in a child process,
    falling back to this one) and saved there. *progress* is told (what, done, total) while building.
    Raises ``data.NoticeDataMissing`` (a FileNotFoundError) when the rule data is not installed."""
    global _loaded
    with _lock:
        if _loaded is not None:
            return _loaded
        version = data.data_version()
        path = index_path(version)
        index = load(path, version)
        if index is None and _build_in_child(path, progress):
            index = load(path, version)
        if index is None:
            index = build(progress=progress)
            try:
                save(index, path)
            except OSError:
                pass  # an unwritable cache directory: this process keeps the index in memory
        _loaded = index
        return index


def _main(argv: list[str]) -> int:
    started = time.perf_counter()

    def report(what: str, done: int, total: int) -> None:
        print(f"{what} {done} {total}", flush=True)

    index = build(progress=report)
    save(index, argv[0] if argv else index_path(index.version))
    print(f"built {len(index.rule_ids)} rules in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    # (run as the imported module, so that what it pickles names its classes there, not in __main__)
    from tui.core.notices import index as _module

    sys.exit(_module._main(sys.argv[1:]))


def ensure_built(progress: Progress | None = None) -> bool:
    """Build the index into the cache directory now, if it is not there yet, without loading it here: a
    scan calls this before it forks its reader processes, which then only load it (rather than each
    building it). *progress* is told (what, done, total) while building. Whether the index is there."""
    version = data.data_version()
    path = index_path(version)
    if os.path.exists(path):
        return True
    if _build_in_child(path, progress):
        return True
    get_index(progress)  # built in this process (and kept loaded)
    return os.path.exists(path)
