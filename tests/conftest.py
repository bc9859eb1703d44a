"""Shared fixtures: a private cache dir for every test, and small trees built on the fly."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tui.cli import demo_tree

DEMO = Path(demo_tree())


@pytest.fixture(autouse=True, scope="session")
def notice_index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One place for the licence-notice rule index in this run, whatever cache directory each test has:
    $LICTREE_NOTICE_INDEX_DIR when set (.ci/run shares one between its runs), else a directory of the
    run's own. Built first thing (~10-30 s the first time), so that no test sees a first run's build."""
    from tui.core.notices import index as notice_index

    saved = os.environ.get(notice_index.INDEX_DIR_ENV)
    where = Path(saved) if saved else tmp_path_factory.mktemp("notice-index")
    os.environ[notice_index.INDEX_DIR_ENV] = str(where)
    notice_index.ensure_built()
    yield where
    if saved is None:
        os.environ.pop(notice_index.INDEX_DIR_ENV, None)
    else:
        os.environ[notice_index.INDEX_DIR_ENV] = saved


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


# The two readers: the C one (tui/core/_fastread.c, built by pip install) and the Python one. ----------

READERS = ["c", "python"]


def use_reader(monkeypatch: pytest.MonkeyPatch, reader: str) -> None:
    """Make the scan read files with *reader* ("c" is skipped where the C reader was not built)."""
    from tui.core import scan

    if reader == "python":
        monkeypatch.setattr(scan, "_fastread", None)
    elif scan._fastread is None:
        pytest.skip("the C reader is not built here")


@pytest.fixture
def python_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    """For tests that fake a failing os.open/os.read: the C reader hands any failure to the Python
    reader, which alone words the finding, so these failures are made where that reader sees them."""
    use_reader(monkeypatch, "python")


@pytest.fixture(params=READERS)
def reader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run the test once with each reader."""
    use_reader(monkeypatch, request.param)
    return request.param


class OpenWatch:
    """Every file opened in some directories, by any process (Linux inotify, IN_OPEN): what the
    spies on os.open cannot see, such as the C reader's opens in the scan's worker processes."""

    IN_OPEN = 0x20

    def __init__(self, *directories: Path) -> None:
        import ctypes

        self._libc = ctypes.CDLL(None, use_errno=True)
        self._fd = self._libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
        if self._fd < 0:
            pytest.skip("inotify is not available")
        self._dirs: dict[int, Path] = {}
        for directory in directories:
            wd = self._libc.inotify_add_watch(self._fd, os.fsencode(directory), self.IN_OPEN)
            assert wd >= 0, f"cannot watch {directory}"
            self._dirs[wd] = Path(directory)
        self.opened: list[Path] = []

    def collect(self) -> list[Path]:
        """The files opened since the watch began (read, then the watch is closed)."""
        import struct

        try:
            while True:
                try:
                    data = os.read(self._fd, 1 << 16)
                except BlockingIOError:
                    break
                at = 0
                while at < len(data):
                    wd, _mask, _cookie, size = struct.unpack_from("iIII", data, at)
                    name = data[at + 16 : at + 16 + size].rstrip(b"\0")
                    if name:
                        self.opened.append(self._dirs[wd] / os.fsdecode(name))
                    at += 16 + size
        finally:
            os.close(self._fd)
        return self.opened
