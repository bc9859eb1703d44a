"""After hostile changes on disk, refreshing the changed paths gives what a fresh index gives.

The watcher (being built) will call ``LicenseIndex.refresh``; these are the changes a hostile or busy
tree makes. TODO when the watcher lands: drive the same changes through it.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from tests.conftest import write_tree
from tui.core.build import build_index, refresh
from tui.core.counting import summarize


def _state(index) -> tuple:
    return [tuple(record) for record in index], sorted(index.skipped), summarize(index)


def test_refresh_after_hostile_changes_matches_a_fresh_index(tmp_path: Path):
    root = write_tree(tmp_path / "t", {
        "a.c": "// SPDX-License-Identifier: MIT\n", "b.c": "int x;\n", "c.c": "// SPDX-License-Identifier: GPL-2.0\n",
        "sub/d.c": "// SPDX-License-Identifier: MIT\n", "old-link-target.c": "int y;\n",
    })
    os.symlink("sub", root / "was-dir-link")
    index = build_index(str(root), use_cache=False)
    os.symlink("sub", root / "dir-link")  # new symlink to a directory
    os.mkfifo(root / "fifo")
    (root / "b.c").unlink()
    (root / "b.c").mkdir()  # a file became a directory
    (root / "b.c" / "inner.c").write_text("// SPDX-License-Identifier: MIT\n")
    (root / "c.c").write_bytes(b"\0\0binary now")
    os.symlink("/etc/passwd", root / "out-link")
    (root / "was-dir-link").unlink()
    (root / "was-dir-link").write_text("// SPDX-License-Identifier: GPL-2.0\n")  # a dir symlink became a file
    shutil.rmtree(root / "sub")  # dir-link now dangles
    changed = ["dir-link", "fifo", "b.c", "b.c/inner.c", "c.c", "out-link", "was-dir-link", "sub/d.c"]
    refresh(index, changed)
    assert _state(index) == _state(build_index(str(root), use_cache=False))
    os.mkdir(root / "sub")  # dir-link points to a directory again
    refresh(index, ["dir-link"])
    assert _state(index) == _state(build_index(str(root), use_cache=False))
