"""A file's status: the one spelling used by the core, the rules, the reports and the UI (which maps
each status to a glyph, tui.ui.rows)."""

from __future__ import annotations

from enum import IntEnum


class Status(IntEnum):
    """What spdxcheck.py would say of a file; the values are the codes stored in the index's columns."""

    VALID = 0  # a tag whose expression passes
    UNTAGGED = 1  # no tag in the first 15 lines: the COPYING default applies
    INVALID = 2  # a tag whose expression does not pass
    UNREADABLE = 3  # the file could not be read
    EXCLUDED = 4  # scripts/spdxexclude leaves it out

    @property
    def word(self) -> str:
        """The status as reports and the query language write it: "valid", "untagged", ..."""
        return self.name.lower()


VALID, UNTAGGED, INVALID, UNREADABLE, EXCLUDED = Status
#: The words, indexed by code (``STATUSES[code]``).
STATUSES = tuple(status.word for status in Status)
