"""The licence a file's notice grants: what the matcher (match.py) finds and the kernel's readings
(kernel.py) refine."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Notice:
    """The licence a file's notice grants."""

    expression: str
    line: int  # first line of the notice (1-based)
    end_line: int  # last line of the notice
    score: int  # 0-100
    rule: str  # id of the main matched rule in the data set (its file name)
    rules: tuple[str, ...] = ()  # every rule matched, in order of position
