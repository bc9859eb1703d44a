"""ScanCode's licence rule database (the ``licensedcode-data`` package, CC-BY-4.0) read as data.

Each rule file (``rules/*.RULE``) is a frontmatter block (``license_expression``, the kind of rule:
``is_license_notice`` / ``is_license_reference`` / ``is_license_tag`` / ``is_license_text``,
``relevance``, ``minimum_coverage``...) and the rule's text. Each licence file (``licenses/*.LICENSE``)
gives a ScanCode key its SPDX id (``spdx_license_key``). Nothing here imports ScanCode itself.

The selection a notice matcher needs: notices, references and tags, and the licence texts that are
short enough to be a file's notice (the MIT, ISC and BSD grant texts...); not the long full texts
(a GPL text is not a notice), not false positives, intros, clues or deprecated rules, and not the
rules whose licence is "unknown", a bare warranty disclaimer or another non-licence.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass

#: Licence texts (rules and licences) longer than this many tokens are left out: a notice is short.
MAX_TEXT_TOKENS = 400
#: Any rule longer than this is left out (a few notices are whole pages).
MAX_RULE_TOKENS = 1200

#: ScanCode keys that name no licence a file can be granted under.
_SKIPPED_KEYS = re.compile(
    r"^(?:unknown.*|free-unknown|warranty-disclaimer|other-permissive|other-copyleft|generic-.*|"
    r"proprietary-license|commercial-license|unknown-license-reference|unknown-spdx|public-domain-disclaimer|"
    r"gpl-generic-additional-terms|lgpl-generic-additional-terms|no-license|license-file-reference)$"
)

#: ScanCode's tokenizer: runs of letters/digits, a "+" may join them ("gpl-2.0+" -> gpl 2 0+).
TOKEN_RE = re.compile(r"[^_\W]+\+?[^_\W]*")

_KEY_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9.+_-]*")
_OPERATORS = {"and": "AND", "or": "OR", "with": "WITH"}


class NoticeDataMissing(FileNotFoundError):
    """The rule data (the licensedcode-data package) is not installed: no notice can be matched."""


def data_dir() -> str:
    """The installed package's data folder (``licensedcode/data``)."""
    import importlib.util

    spec = importlib.util.find_spec("licensedcode")
    if spec is None or not spec.submodule_search_locations:
        raise NoticeDataMissing("the licensedcode-data package is not installed: licence notices cannot be read "
                                "(pip install licensedcode-data)")
    return os.path.join(next(iter(spec.submodule_search_locations)), "data")


def data_version(directory: str | None = None) -> str:
    """A string that changes when the data does: where it is, and when its two folders last changed (an
    install or an upgrade of the package writes them). Two stats: asking importlib.metadata for the package's
    version and counting its 35,000 files cost a cold scan 40 ms."""
    import hashlib

    directory = directory or data_dir()
    stamps = []
    for sub in ("rules", "licenses"):
        try:
            stamps.append(str(os.stat(os.path.join(directory, sub)).st_mtime_ns))
        except OSError:
            stamps.append("0")
    where = hashlib.sha1(os.path.abspath(directory).encode()).hexdigest()[:10]
    return f"{where}:{'/'.join(stamps)}"


def tokens(text: str) -> list[str]:
    """The lower-case word tokens of *text*, as ScanCode splits them."""
    return TOKEN_RE.findall(text.lower())


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule of the database, ready to index."""

    id: str  # the rule's file name in the data set, e.g. "gpl-2.0-plus_12.RULE"
    expression: str  # SPDX expression
    kind: str  # "notice", "reference", "tag" or "text"
    relevance: int
    minimum_coverage: int
    tokens: tuple[str, ...]
    #: token ranges [start, end) that a match must hold word for word: the rule's {{required phrases}}
    #: and its key words (a version number after "version", "later", "lesser"...; see key_ranges)
    required: tuple[tuple[int, int], ...] = ()


_KEY_WORDS = frozenset({
    "later", "lesser", "library", "affero", "only", "alternatively", "dual",
    # the words that name a licence of another family: a match without them grants another licence
    "bsd", "mit", "lgpl", "mpl", "mozilla", "apache", "isc", "x11", "zlib", "cddl", "eclipse", "artistic",
    "openssl", "openib", "bsl", "boost", "unlicense", "wtfpl", "cc0", "creative",
})
_VERSION_WORDS = frozenset({"version", "v", "gpl", "gplv", "lgpl", "lgplv", "versions"})


def key_ranges(words: tuple[str, ...]) -> list[tuple[int, int]]:
    """Single-word ranges a match must keep: what tells licences apart (GPL-2.0 from GPL-2.0-or-later
    or GPL-3.0, GPL from a BSD-or-GPL choice): "later", "only", "lesser", "alternatively", the name of a
    licence family ("bsd", "mit"...), and a number after "version" or "v"."""
    out = []
    for i, word in enumerate(words):
        if word in _KEY_WORDS or (i and words[i - 1] in _VERSION_WORDS and word[:1].isdigit()):
            out.append((i, i + 1))
    return out


def tokens_and_required(body: str) -> tuple[tuple[str, ...], tuple[tuple[int, int], ...]]:
    """A rule text's tokens and the token ranges of its {{required phrases}} and key words."""
    words: list[str] = []
    required: list[tuple[int, int]] = []
    for number, part in enumerate(re.split(r"\{\{|\}\}", body)):
        found = tokens(part)
        if number % 2 == 1 and found:
            required.append((len(words), len(words) + len(found)))
        words.extend(found)
    frozen = tuple(map(sys.intern, words))  # 1.5 million words, a few thousand distinct: shared, not copied
    return frozen, tuple(sorted(set(required) | set(key_ranges(frozen))))


def _split(raw: str) -> tuple[dict[str, str], str]:
    """Frontmatter (top-level ``key: value`` lines only) and body of a rule or licence file."""
    if not raw.startswith("---"):
        return {}, raw
    head, sep, body = raw[3:].partition("\n---")
    if not sep:
        return {}, raw
    meta: dict[str, str] = {}
    for line in head.splitlines():
        if not line or line[0].isspace() or line.startswith("-"):
            continue
        key, colon, value = line.partition(":")
        if colon:
            meta[key.strip()] = value.strip().strip("'\"")
    return meta, body.partition("\n")[2]


def _read(path: str) -> str:
    with open(path, encoding="utf-8", errors="replace") as handle:
        return handle.read()


def _int(value: str | None, default: int) -> int:
    try:
        return int(float(value)) if value else default
    except ValueError:
        return default


def spdx_keys(directory: str) -> dict[str, str]:
    """ScanCode licence key -> SPDX id (``LicenseRef-scancode-<key>`` when it has none)."""
    out: dict[str, str] = {}
    base = os.path.join(directory, "licenses")
    for name in sorted(os.listdir(base)):
        if not name.endswith(".LICENSE"):
            continue
        meta, _body = _split(_read(os.path.join(base, name)))
        key = meta.get("key") or name[: -len(".LICENSE")]
        spdx = meta.get("spdx_license_key") or f"LicenseRef-scancode-{key}"
        out[key] = spdx
    return out


def to_spdx(expression: str, keys: dict[str, str]) -> str | None:
    """A ScanCode expression in SPDX ids; None when it names a skipped or unknown key."""
    out: list[str] = []
    position = 0
    for match in _KEY_RE.finditer(expression):
        out.append(expression[position : match.start()])
        word = match.group(0)
        if word.lower() in _OPERATORS:
            out.append(_OPERATORS[word.lower()])
        else:
            if _SKIPPED_KEYS.match(word) or word not in keys:
                return None
            out.append(keys[word])
        position = match.end()
    out.append(expression[position:])
    return " ".join("".join(out).split())


def _kind(meta: dict[str, str]) -> str | None:
    for flag, kind in (("is_license_notice", "notice"), ("is_license_reference", "reference"),
                       ("is_license_tag", "tag"), ("is_license_text", "text")):
        if meta.get(flag) == "yes":
            return kind
    return None


def load_rules(directory: str | None = None) -> Iterator[Rule]:
    """The selected rules and short licence texts of the data set, in file-name order."""
    directory = directory or data_dir()
    keys = spdx_keys(directory)
    base = os.path.join(directory, "rules")
    for name in sorted(os.listdir(base)):
        if not name.endswith(".RULE"):
            continue
        meta, body = _split(_read(os.path.join(base, name)))
        if any(meta.get(flag) == "yes" for flag in ("is_false_positive", "is_deprecated", "is_license_intro",
                                                    "is_license_clue")):
            continue
        kind = _kind(meta)
        expression = to_spdx(meta.get("license_expression", ""), keys) if kind else None
        if kind is None or not expression:
            continue
        words, required = tokens_and_required(body)
        if not words or len(words) > MAX_RULE_TOKENS or (kind == "text" and len(words) > MAX_TEXT_TOKENS):
            continue
        yield Rule(name, expression, kind, _int(meta.get("relevance"), 100),
                   _int(meta.get("minimum_coverage"), 0), words, required)
    lic_base = os.path.join(directory, "licenses")
    for name in sorted(os.listdir(lic_base)):
        if not name.endswith(".LICENSE"):
            continue
        meta, body = _split(_read(os.path.join(lic_base, name)))
        key = meta.get("key") or name[: -len(".LICENSE")]
        if meta.get("is_deprecated") == "yes" or meta.get("is_exception") == "yes" or _SKIPPED_KEYS.match(key):
            continue
        words, required = tokens_and_required(body)
        if not words or len(words) > MAX_TEXT_TOKENS or key not in keys:
            continue
        yield Rule(name, keys[key], "text", 100, _int(meta.get("minimum_coverage"), 0), words, required)
