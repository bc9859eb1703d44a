"""Licence notices: the licence a file's leading comment grants, found with ScanCode's rules as data.

``match.find_notice(data)`` reads the leading comments of a file's bytes and returns a ``Notice`` or
None; ``kernel.read_notice`` applies the kernel's own readings and the tree's LICENSES/ spellings.
The rule index is built once per data version into the cache directory and loaded only when a file
needs matching (``index.get_index``).
"""

from __future__ import annotations

from typing import Any

__all__ = ["Notice", "find_notice"]


def __getattr__(name: str) -> Any:  # the matcher is imported only when asked for
    if name == "Notice":
        from tui.core.notices.notice import Notice

        return Notice
    if name == "find_notice":
        from tui.core.notices.match import find_notice

        return find_notice
    raise AttributeError(name)
