"""The licence a file's notice grants: what the matcher (match.py) finds and the kernel's readings
(kernel.py) refine."""

from __future__ import annotations

from typing import NamedTuple


class Notice(NamedTuple):
    """The licence a file's notice grants. (A NamedTuple, not a dataclass: ten thousand of them go through
    pickle from the reader processes and into the cache, four to eight times faster.)"""

    expression: str
    line: int  # first line of the notice (1-based)
    end_line: int  # last line of the notice
    score: int  # 0-100
    rule: str  # id of the main matched rule in the data set (its file name)
    rules: tuple[str, ...] = ()  # every rule matched, in order of position
    #: Whether the kernel's reading of an unversioned GPL (GPL-2.0, as module.h reads "GPL") made the expression.
    unversioned: bool = False

    def as_json(self) -> dict:
        """The ``"notice"`` value of a file in ``check --format json`` (issue 13)."""
        return {"expression": self.expression, "line": self.line, "end_line": self.end_line, "score": self.score,
                "rule": self.rule}


def effective(tag: str | None, notice: Notice | None, copying: str | None) -> dict | None:
    """A file's one effective licence and its source: the tag, else the notice, else the COPYING default
    (``{"expression": ..., "source": "tag" | "notice" | "copying"}``); None when there is none of them."""
    if tag:
        return {"expression": tag, "source": "tag"}
    if notice is not None:
        return {"expression": notice.expression, "source": "notice"}
    if copying:
        return {"expression": copying, "source": "copying"}
    return None
