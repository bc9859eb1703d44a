"""Where a REUSE tree's file gets its licensing from (kept in the index beside each file's verdict)."""

from __future__ import annotations

from typing import NamedTuple

#: The sources of a REUSE tree's effective licence, after the kernel's (``evaluate.SOURCES``).
REUSE_SOURCES = ("sidecar", "reuse-toml", "dep5")


class Origin(NamedTuple):
    """A REUSE file's licensing: the source of its effective licence ("tag", "sidecar", "reuse-toml", "dep5";
    "" when it has none), each expression with its source and the file it is in, and its copyright notices."""

    source: str
    expressions: tuple[tuple[str, str, str], ...] = ()
    copyrights: tuple[str, ...] = ()

    def as_json(self) -> dict:
        return {"source": self.source or None,
                "expressions": [{"expression": e, "source": s, "file": f} for e, s, f in self.expressions],
                "copyrights": list(self.copyrights)}
