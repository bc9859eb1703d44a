"""Shared fixtures: a private cache dir for every test, and small trees built on the fly."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tui.cli import demo_tree

DEMO = Path(demo_tree())


@pytest.fixture(autouse=True)
def private_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own XDG cache dir, so no test sees another's cached verdicts."""
    cache = tmp_path_factory.mktemp("xdg-cache")
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    return cache


@pytest.fixture
def demo_copy(tmp_path: Path) -> Path:
    """A writable copy of the demo tree."""
    target = tmp_path / "linux-demo"
    shutil.copytree(DEMO, target, symlinks=True)
    return target


LICENSES = {
    "LICENSES/preferred/GPL-2.0": (
        "Valid-License-Identifier: GPL-2.0\nValid-License-Identifier: GPL-2.0-only\n"
        "Valid-License-Identifier: GPL-2.0+\nValid-License-Identifier: GPL-2.0-or-later\n"
        "SPDX-URL: https://spdx.org/licenses/GPL-2.0.html\nUsage-Guide:\n  Use it.\nLicense-Text:\nGPL text\n"
    ),
    "LICENSES/preferred/MIT": (
        "Valid-License-Identifier: MIT\nSPDX-URL: https://spdx.org/licenses/MIT.html\n"
        "Usage-Guide:\n  SPDX-License-Identifier: MIT\nLicense-Text:\nMIT text\n"
    ),
    "LICENSES/dual/Apache-2.0": (
        "Valid-License-Identifier: Apache-2.0\nSPDX-URL: https://spdx.org/licenses/Apache-2.0.html\n"
        "Usage-Guide:\n  Do NOT use alone.\nLicense-Text:\nApache text\n"
    ),
    "LICENSES/exceptions/Linux-syscall-note": (
        "SPDX-Exception-Identifier: Linux-syscall-note\nSPDX-URL: https://spdx.org/licenses/Linux-syscall-note.html\n"
        "SPDX-Licenses: GPL-2.0, GPL-2.0+, GPL-2.0-only, GPL-2.0-or-later\nUsage-Guide:\n  uapi\nLicense-Text:\nnote\n"
    ),
    "COPYING": "The Linux Kernel is provided under:\n\n\tSPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note\n",
}


def write_tree(root: Path, files: dict[str, str | bytes], licenses: bool = True) -> Path:
    """Create *files* (path -> text or bytes) under *root*, plus a small LICENSES/ and COPYING."""
    all_files: dict[str, str | bytes] = {**(LICENSES if licenses else {}), **files}
    for rel, content in all_files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    return root


def snapshot_tree(root: Path) -> dict[str, tuple]:
    """Every entry under *root* with its type, size, mtime and content hash: to prove nothing changed."""
    import hashlib
    import stat

    seen: dict[str, tuple] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            st = os.lstat(path)
            digest = ""
            if stat.S_ISREG(st.st_mode):
                with open(path, "rb") as handle:
                    digest = hashlib.sha256(handle.read()).hexdigest()
            seen[os.path.relpath(path, root)] = (stat.S_IFMT(st.st_mode), st.st_size, st.st_mtime_ns, digest)
    return seen
