"""Which files are worth matching for a licence notice: a cheap test on the bytes the scan has read
anyway, made in C by the C reader (``_fastread.notice_candidate``, configured from these constants by
``tui.core.scan``) and here for the Python reader, so the two cannot drift.

Light on purpose (no matcher, no rapidfuzz): the scan imports it for every run.

The test is made on the bytes read for the tag (a header's first 4 KiB or 15 lines, a C file whole); an
untagged file whose leading comment runs past them is tested on its first HEAD_BYTES, read on for it (a long
comment may name its licence further down). The matcher is given each candidate's first HEAD_BYTES.
"""

from __future__ import annotations

#: How much of a file's head a notice is looked for in (the matcher reads the comments in it).
HEAD_BYTES = 16384
#: The notice of a tagged file sits beside its tag at the top: its first TAGGED_HEAD bytes.
TAGGED_HEAD = 6144
#: Words that make a comment worth matching (in lower case); a head without any of them has no notice.
LICENCE_WORDS = (b"licen", b"gpl", b"permission", b"redistribut", b"public domain", b"free software", b"copyleft",
                 b"warrant", b"bsd", b"mit ", b"mit-", b"mit/", b"apache", b"mozilla")
#: What makes a tagged file's head hold licence text besides its tag (then its notice is matched too).
LICENCE_TEXT = (b"permission", b"redistribut", b"free software", b"general public", b"licensed under",
                b"licenced under", b"under the terms", b"warrant", b"dual licen", b"dual-licen", b"public domain")


try:  # the matcher's C part, where it is built: the same test without a Python step a word
    from tui.core.notices._fastmatch import words_in as _words_in
except ImportError:  # pragma: no cover - without a C compiler
    _words_in = None


#: What starts a comment line in one file type or another (the C reader's comment_starts, in the same order).
COMMENT_STARTS = (b"//", b"#", b"*", b";", b"--", b"..", b'.\\"', b"%", b"!", b"<!--", b"{#", b"@")
_BLANKS = b" \t\r\f\v"


def leading_region(head: bytes, limit: int) -> int:
    """The end of the leading comment lines of ``head[:limit]``: blank lines, the lines of a block comment
    (from a line starting "/*" to the line holding "*/") and lines that start with a comment marker,
    up to the first other line (code, or prose). A superset of what the matcher reads (match.
    leading_comments, whose style rules are finer): a notice is only ever looked for in there."""
    n = min(len(head), limit)
    pos = 0
    in_block = False
    while pos < n:
        end = head.find(b"\n", pos, n)
        if end < 0:
            end = n
        if in_block:
            if head.find(b"*/", pos, end) >= 0:
                in_block = False
            pos = end + 1
            continue
        line = head[pos:end].lstrip(_BLANKS)
        if line and not line.startswith(COMMENT_STARTS):
            if not line.startswith(b"/*"):
                return pos
            in_block = line.find(b"*/", 2) < 0
        pos = end + 1
    return n


def has_licence_words(head: bytes) -> bool:
    """Whether *head* holds a word of LICENCE_WORDS: a few substring searches of its lower-case copy
    (a case-insensitive regex is ten times slower on the 16 KiB of a file without any). Its first 4 KiB
    first: a notice is at the top, and the copy of the whole head is most of the time. In C where
    ``_fastmatch`` is built (``_fastmatch.words_in``)."""
    if _words_in is not None:
        return _words_in(head, LICENCE_WORDS)
    low = head[:4096].lower()
    if any(word in low for word in LICENCE_WORDS):
        return True
    if len(head) <= 4096:
        return False
    low = head.lower()
    return any(word in low for word in LICENCE_WORDS)


def needs_matching(head: bytes, tagged: bool) -> bool:
    """Whether a file's head is worth matching: an untagged file with a licence word in the leading
    comment lines of its first HEAD_BYTES (``leading_region``), a tagged one whose leading comment lines
    in its first TAGGED_HEAD bytes hold licence text besides the tag line (the bytes from the first
    "spdx-license-identifier" to the end of its line). Cheap: the region is most often a few lines."""
    if tagged:
        low = head[: leading_region(head, TAGGED_HEAD)].lower()
        at = low.find(b"spdx-license-identifier")
        if at >= 0:  # the tag line itself is not licence text
            end = low.find(b"\n", at)
            low = low[:at] + (low[end:] if end >= 0 else b"")
        return any(words in low for words in LICENCE_TEXT)
    low = head[: leading_region(head, HEAD_BYTES)].lower()
    return any(word in low for word in LICENCE_WORDS)
