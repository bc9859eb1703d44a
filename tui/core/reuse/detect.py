"""Which kind of tree a directory is, from what is in it (a few stats; light: no other lictree import).

- a kernel tree: LICENSES/<class>/<id> (preferred, dual, deprecated, exceptions, other), COPYING, the
  15-line rule of scripts/spdxcheck.py. A tree with none of the marks below is read the kernel's way too,
  as lictree always did.
- a REUSE tree: REUSE.toml or .reuse/dep5 at the top, or licence files directly in LICENSES/
  (LICENSES/<id>.<ext>) and no kernel class folder there.
"""

from __future__ import annotations

import os

KERNEL, REUSE = "kernel", "reuse"
KINDS = (KERNEL, REUSE)
#: How each kind is named where lictree says which it read (check's summary, the UI, the exports).
KIND_NAMES = {KERNEL: "kernel tree", REUSE: "REUSE tree"}
#: The kernel's LICENSES/ class folders (catalog.CLASS_OF_FOLDER).
_KERNEL_FOLDERS = frozenset({"preferred", "dual", "deprecated", "exceptions", "other"})


def tree_kind(root: str) -> str:
    """KERNEL or REUSE."""
    licenses = os.path.join(root, "LICENSES")
    loose = False
    try:
        with os.scandir(licenses) as entries:
            for entry in entries:
                if entry.name in _KERNEL_FOLDERS and entry.is_dir():
                    return KERNEL
                if not loose and not entry.name.startswith(".") and "." in entry.name[1:] and entry.is_file():
                    loose = True
    except OSError:
        pass
    if loose or os.path.isfile(os.path.join(root, "REUSE.toml")) or os.path.isfile(
            os.path.join(root, ".reuse", "dep5")):
        return REUSE
    return KERNEL


def kind_name(kind: str | None) -> str:
    """``kernel tree`` or ``REUSE tree`` ("" for no kind: a summary made before lictree told them apart)."""
    return KIND_NAMES.get(kind or "", "")
