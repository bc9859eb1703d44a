"""Messages the index worker and the detail worker send to the app (posted from their threads)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message

from tui.core.counting import DirStats
from tui.core.evaluate import Outcome
from tui.core.index import LicenseIndex

if TYPE_CHECKING:
    from tui.ui.detail import Section


@dataclass
class IndexProgress(Message):
    """A batch of verdicts: ``done`` of ``total`` files are read."""

    batch: list[tuple[str, Outcome]]
    done: int
    total: int


@dataclass
class RulesProgress(Message):
    """The licence-notice rule index is being built (the first run with a version of the rule data)."""

    what: str
    done: int
    total: int


@dataclass
class IndexBuilt(Message):
    """Every file's verdict is known, and ``dirs``, the directory counts made as verdicts arrived (None
    when there are none); the index's own are being computed."""

    index: LicenseIndex
    dirs: dict[str, DirStats] | None = None


@dataclass
class IndexReady(Message):
    """The whole index is built, with its directory counts."""

    index: LicenseIndex
    seconds: float


@dataclass
class IndexFailed(Message):
    """The tree could not be indexed; ``message`` is one sentence for the user."""

    message: str


@dataclass
class DetailReady(Message):
    """The detail pane's sections for one row, built in a worker."""

    key: str
    is_dir: bool
    generation: int
    sections: list[Section]
