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
    if name in __all__:
        from tui.core.notices import match

        return getattr(match, name)
    raise AttributeError(name)
