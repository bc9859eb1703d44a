"""Bad input never raises and never stops the scan; special files are never opened."""

import os
import socket
import stat
from pathlib import Path

import pytest

from tests.conftest import OpenWatch, snapshot_tree, write_tree
from tui.core import scan
from tui.core.build import build_index


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    root = write_tree(tmp_path / "t", {
        "binary.bin": b"\x7fELF\x00\x00\x01SPDX-License-Identifier: MIT\x00",
        "latin1.c": "// SPDX-License-Identifier: GPL-2.0\n/* caf\xe9 */\n".encode("latin-1"),
        "crlf.c": b"// SPDX-License-Identifier: GPL-2.0\r\nint x;\r\n",
        "lone-cr.c": b"// SPDX-License-Identifier: MIT\rint x;\r",
        "bom.c": b"\xef\xbb\xbf// SPDX-License-Identifier: MIT\n",
        "empty.c": b"",
        "long-line.c": b"// SPDX-License-Identifier: MIT\n" + b"x" * 300_000 + b"\n",
        "LICENSES/preferred/Broken": b"\xff\xfe garbage",
    })
    os.mkfifo(root / "fifo")
    os.symlink("/etc/passwd", root / "outside")
    os.symlink("nowhere", root / "dangling")
    os.symlink("loop-b", root / "loop-a")
    os.symlink("loop-a", root / "loop-b")
    os.symlink("crlf.c", root / "inside-link.c")
    os.symlink(".", root / "dir-loop")
    return root


def test_hostile_tree_scans_with_a_status_for_every_file(hostile: Path, reader: str):
    index = build_index(str(hostile), use_cache=False)
    verdict = index.verdict
    assert verdict("latin1.c") == "valid"
    assert verdict("crlf.c") == "valid"
    assert verdict("lone-cr.c") == "valid"  # one long line for spdxcheck too
    assert verdict("bom.c") == "valid"
    assert verdict("empty.c") == "untagged"
    assert verdict("long-line.c") == "valid"
    assert verdict("inside-link.c") == "valid"
    for name, words in [("fifo", "FIFO"), ("outside", "outside the tree"), ("dangling", "dangling"),
                        ("loop-a", "loop")]:
        record = index.get(name)
        assert record.status == "unreadable", name
        assert words in record.findings[0].message
    assert "dir-loop" not in index.paths  # a symlink to a directory is not followed
    problems = [f.message for f in index.findings.get("LICENSES/preferred/Broken", ())]
    assert problems, "a malformed LICENSES/ file is a finding"
    assert index.catalog.license("MIT") is not None  # and the rest still works


def test_special_files_are_never_opened(hostile: Path, monkeypatch: pytest.MonkeyPatch, reader: str):
    os.mknod(hostile / "null-dev", stat.S_IFCHR | 0o600, os.makedev(1, 3))
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(hostile / "sock"))
    opened: list[str] = []
    real_open = os.open

    def spy(path, *args, **kwargs):
        opened.append(os.path.basename(str(path)))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(scan.os, "open", spy)
    watch = OpenWatch(hostile)  # what the kernel saw opened, whichever reader (and process) opened it
    try:
        index = build_index(str(hostile), use_cache=False, workers=1)
    finally:
        sock.close()
    seen = {path.name for path in watch.collect()}
    assert "character device" in index.get("null-dev").findings[0].message
    assert "socket" in index.get("sock").findings[0].message
    assert "latin1.c" in seen, "the watch sees the files being read"
    assert not {"fifo", "null-dev", "sock", "outside"} & (set(opened) | seen)


def test_unreadable_and_vanishing_files(hostile: Path, monkeypatch: pytest.MonkeyPatch, python_reader: None):
    real_open = os.open

    def failing(path, *args, **kwargs):
        name = os.path.basename(str(path))
        if name == "crlf.c":
            raise PermissionError(13, "Permission denied")
        if name == "empty.c":
            raise FileNotFoundError(2, "No such file or directory")
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(scan.os, "open", failing)
    index = build_index(str(hostile), use_cache=False, workers=1)
    record = index.get("crlf.c")
    assert record.status == "unreadable" and "Permission denied" in record.findings[0].message
    assert index.verdict("empty.c") is None  # it vanished: not part of the tree any more
    assert index.verdict("latin1.c") == "valid"


def test_nothing_is_written_in_a_hostile_tree(hostile: Path):
    before = snapshot_tree(hostile)
    build_index(str(hostile))
    build_index(str(hostile))
    assert snapshot_tree(hostile) == before


def test_non_utf8_file_names(tmp_path: Path):
    root = write_tree(tmp_path / "t", {})
    name = b"bad-\xff-name.c"
    with open(os.path.join(os.fsencode(root), name), "wb") as handle:
        handle.write(b"// SPDX-License-Identifier: MIT\n")
    index = build_index(str(root), use_cache=False)
    decoded = os.fsdecode(name)
    assert index.verdict(decoded) == "valid"
