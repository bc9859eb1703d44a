"""The bad-input corpus: trees nobody vetted, built on the fly, each checked with `lictree check`.

Every case goes through ``check_tree`` (text and JSON: no traceback, exit 0/1, printable output,
same findings in both) and then states the per-file status or message a user must see. Cases
the index already covers at the API level (tests/core/test_bad_input.py) are checked here from
the command line, where the names and messages are printed.
"""

from __future__ import annotations

import os
import socket
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import write_tree
from tests.hardening.conftest import check_tree, put

IS_ROOT = os.geteuid() == 0
MIT = b"// SPDX-License-Identifier: MIT\n"
MB = 1 << 20

#: status of a file (from the JSON), or "skipped" (left out, with a reason), or "absent".
Expect = dict[str, tuple[str, str]]


def _content(root: Path) -> Expect:
    put(root, "nul-after-tag.c", MIT + b"\0\0\0\x01\x02")
    put(root, "elf.bin", b"\x7fELF\x02\x01\x01\0\0\0SPDX-License-Identifier: MIT\0\0")
    put(root, "latin1.c", "// SPDX-License-Identifier: GPL-2.0\n/* Fran\xe7ois */\n".encode("latin-1"))
    put(root, "mixed.c", MIT + "/* caf\u00e9 */\n".encode() + "/* caf\xe9 */\n".encode("latin-1") + b"\x80\xff\n")
    put(root, "utf16.c", "// SPDX-License-Identifier: MIT\n".encode("utf-16"))
    put(root, "bom.c", b"\xef\xbb\xbf" + MIT)
    put(root, "crlf.c", b"// SPDX-License-Identifier: GPL-2.0\r\nint x;\r\n")
    put(root, "lone-cr.c", b"// SPDX-License-Identifier: MIT\rint x;\r")
    put(root, "empty.c", b"")
    put(root, "split.c", b"// SPDX-License-\n// Identifier: MIT\n")
    put(root, "line16.c", b"\n" * 15 + MIT)
    put(root, "non-utf8-tag.c", b"// SPDX-License-Identifier: GPL-2.0 \xff\xfe\n")
    return {
        "nul-after-tag.c": ("valid", ""),
        "elf.bin": ("invalid", "Invalid token: \\x00"),  # spdxcheck reads the NUL into the expression too
        "latin1.c": ("valid", ""),
        "mixed.c": ("valid", ""),
        "utf16.c": ("untagged", "no SPDX-License-Identifier"),
        "bom.c": ("valid", ""),
        "crlf.c": ("valid", ""),
        "lone-cr.c": ("valid", ""),
        "empty.c": ("untagged", "no SPDX-License-Identifier"),
        "split.c": ("untagged", "no SPDX-License-Identifier"),
        "line16.c": ("untagged", "no SPDX-License-Identifier"),
        "non-utf8-tag.c": ("valid", ""),
    }


def _long_lines(root: Path) -> Expect:
    put(root, "long-first-line.txt", b"x" * (2 * MB) + b"\n" + MIT)
    put(root, "long-after-tag.c", MIT + b"y" * (3 * MB) + b"\n")
    put(root, "long-tag.txt", b"// SPDX-License-Identifier: " + b"GPL-2.0 OR " * 30_000 + b"MIT\n")
    return {
        # Only the head (at most 256 KB) is read: a tag behind a 2 MB first line is not found.
        "long-first-line.txt": ("untagged", "no SPDX-License-Identifier"),
        "long-after-tag.c": ("valid", ""),
        "long-tag.txt": ("invalid", "Syntax error"),
    }


def _huge_sparse(root: Path) -> Expect:
    for name in ("huge.img", "huge.c"):
        path = put(root, name, b"/* SPDX-License-Identifier: GPL-2.0 */\n")
        os.truncate(path, 200 * MB)  # sparse: costs no disk
    return {"huge.img": ("valid", ""), "huge.c": ("valid", "")}


def _specials(root: Path) -> Expect:
    os.mkfifo(root / "fifo")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(root / "sock"))
    sock.close()
    expect = {"fifo": ("unreadable", "a FIFO: not opened"), "sock": ("unreadable", "a socket: not opened")}
    if IS_ROOT:
        os.mknod(root / "null", stat.S_IFCHR | 0o600, os.makedev(1, 3))
        os.mknod(root / "loop-dev", stat.S_IFBLK | 0o600, os.makedev(7, 0))
        expect |= {"null": ("unreadable", "a character device: not opened"),
                   "loop-dev": ("unreadable", "a block device: not opened")}
    return expect


def _symlinks(root: Path) -> Expect:
    put(root, "real.c", MIT)
    put(root, "sub/inner.c", MIT)
    os.symlink("real.c", root / "link.c")
    os.symlink("/etc/passwd", root / "abs-outside")
    os.symlink("../../../../../../../../etc/hostname", root / "sub/rel-outside")
    os.symlink("/etc", root / "outside-dir")
    os.symlink("sub", root / "inside-dir")
    os.symlink(".", root / "sub/self")
    os.symlink("nowhere", root / "dangling")
    os.symlink("loop-b", root / "loop-a")
    os.symlink("loop-a", root / "loop-b")
    return {
        "link.c": ("valid", ""),
        "abs-outside": ("unreadable", "symlink to outside the tree: not followed"),
        "sub/rel-outside": ("unreadable", "symlink to outside the tree: not followed"),
        "dangling": ("unreadable", "dangling symlink: not followed"),
        "loop-a": ("unreadable", "symlink loop: not followed"),
        "outside-dir": ("skipped", "symlink to a directory: not followed"),
        "inside-dir": ("skipped", "symlink to a directory: not followed"),
        "sub/self": ("skipped", "symlink to a directory: not followed"),
    }


def _hostile_names(root: Path) -> Expect:
    put(root, b"latin1-\xe9.c", MIT)
    put(root, b"bad-\xff\xfe.c", b"// SPDX-License-Identifier: Bad-1.0\n")
    put(root, "new\nline.c", b"int untagged;\n")
    put(root, "tab\tand\x01ctrl.c", b"// SPDX-License-Identifier: Nope\n")
    put(root, "ansi-\x1b[31mred\x1b[0m-\x1b]0;title\x07.c", b"int x;\n")
    put(root, "[red]x[/red].c", b"// SPDX-License-Identifier: [bold]MIT[/bold]\n")
    put(root, "[link=https:evil.example]click[/link].c", b"int x;\n")
    put(root, "rlo-\u202egnp.c", b"int x;\n")
    put(root, "c1-\x9b31m.c", b"int x;\n")
    put(root, "café-日本語.c", MIT)
    put(root, "-rf.c", MIT)
    put(root, "x" * 250 + ".c", MIT)
    return {
        "latin1-\\xe9.c": ("valid", ""),
        "bad-\\xff\\xfe.c": ("invalid", "Invalid License ID: Bad-1.0"),
        "new\\x0aline.c": ("untagged", "no SPDX-License-Identifier"),
        "tab\\x09and\\x01ctrl.c": ("invalid", "Invalid License ID: Nope"),
        "ansi-\\x1b[31mred\\x1b[0m-\\x1b]0;title\\x07.c": ("untagged", ""),
        "[red]x[/red].c": ("invalid", "Invalid token: [bold]MIT[/bold]"),
        "[link=https:evil.example]click[/link].c": ("untagged", ""),
        "rlo-\\u202egnp.c": ("untagged", ""),
        "c1-\\x9b31m.c": ("untagged", ""),
        "café-日本語.c": ("valid", ""),
        "-rf.c": ("valid", ""),
        "x" * 250 + ".c": ("valid", ""),
    }


def _hostile_tags(root: Path) -> Expect:
    put(root, "ansi-tag.c", b"// SPDX-License-Identifier: MIT \x1b[2J\x1b[31m\n")
    put(root, "markup-tag.c", b"// SPDX-License-Identifier: GPL-2.0 OR [red]MIT[/red]\n")
    put(root, "newline-in-id.c", b"// SPDX-License-Identifier: GPL-2.0\x0bMIT\n")
    return {
        "ansi-tag.c": ("invalid", "Invalid token: \\x1b[2J\\x1b[31m"),
        "markup-tag.c": ("invalid", "Invalid token: [red]MIT[/red]"),
        "newline-in-id.c": ("invalid", "Invalid token: \\x0bMIT"),
    }


def _deep(root: Path) -> Expect:
    """A path longer than PATH_MAX (4096): made with relative mkdirs, since no absolute call accepts it."""
    put(root, "top.c", MIT)
    cwd = os.getcwd()
    try:
        os.chdir(root)
        for _ in range(30):
            os.mkdir("d" * 200)
            os.chdir("d" * 200)
        with open("deep.c", "wb") as handle:
            handle.write(MIT)
    finally:
        os.chdir(cwd)
    parts = ["d" * 200]
    while len(os.fsencode(root)) + 1 + len("/".join(parts)) < 4096:
        parts.append("d" * 200)
    return {"top.c": ("valid", ""), "/".join(parts): ("skipped", "cannot list directory: File name too long")}


def _empty(root: Path) -> Expect:
    return {}


def _no_licenses(root: Path) -> Expect:
    put(root, "a.c", b"// SPDX-License-Identifier: GPL-2.0-only\n")
    put(root, "b.c", b"// SPDX-License-Identifier: Not-A-License\n")
    return {"a.c": ("valid", ""), "b.c": ("invalid", "ids checked against the SPDX license list")}


def _bad_licenses(root: Path) -> Expect:
    put(root, "LICENSES/preferred/Empty", b"")
    put(root, "LICENSES/preferred/Binary", b"\0\1\2\3SPDX-License-Identifier: MIT\0")
    put(root, "LICENSES/preferred/Prose", b"This is just the GPL text, with no header tags.\n")
    put(root, "LICENSES/preferred/Latin1", b"Valid-License-Identifier: Caf\xe9\nLicense-Text:\n\xe9\n")
    put(root, "LICENSES/exceptions/NoLicenses", b"SPDX-Exception-Identifier: Lonely\nLicense-Text:\nx\n")
    put(root, "LICENSES/dual/MIT-again", b"Valid-License-Identifier: MIT\nLicense-Text:\nx\n")
    put(root, b"LICENSES/preferred/\xff\x1b[31m", b"Valid-License-Identifier: \x1b[31mRed\nLicense-Text:\n")
    os.mkfifo(root / "LICENSES/preferred/FIFO")
    put(root, "a.c", MIT)
    return {
        "LICENSES/preferred/Empty": ("untagged", "no Valid-License-Identifier"),
        "LICENSES/preferred/Binary": ("invalid", "binary file"),
        "LICENSES/preferred/Prose": ("untagged", "no Valid-License-Identifier"),
        "LICENSES/exceptions/NoLicenses": ("untagged", "SPDX-Licenses:"),  # LT901: a required tag is missing
        "LICENSES/preferred/MIT": ("valid", "license id MIT is also defined in LICENSES/dual/MIT-again"),
        "LICENSES/preferred/\\xff\\x1b[31m": ("untagged", ""),
        "LICENSES/preferred/FIFO": ("unreadable", "a FIFO: not opened"),
        "a.c": ("valid", ""),  # the rest of the catalog still works
    }


def _licenses_is_a_file(root: Path) -> Expect:
    (root / "LICENSES").write_bytes(b"Valid-License-Identifier: MIT\n")
    put(root, "a.c", b"// SPDX-License-Identifier: GPL-2.0-only\n")
    return {"LICENSES": ("untagged", ""), "a.c": ("valid", "")}


def _odd_top_files(root: Path) -> Expect:
    """COPYING and scripts/spdxexclude that are not text files: never block, never stop the scan."""
    (root / "COPYING").mkdir()
    put(root, "COPYING/x", b"int x;\n")
    os.makedirs(root / "scripts")
    os.mkfifo(root / "scripts/spdxexclude")
    os.mkfifo(root / "LICENSE")
    put(root, "a.c", MIT)
    return {
        "scripts/spdxexclude": ("unreadable", "a FIFO: not opened"),
        "LICENSE": ("unreadable", "a FIFO: not opened"),
        "COPYING/x": ("untagged", "no COPYING default"),
        "a.c": ("valid", ""),
    }


def _binary_copying(root: Path) -> Expect:
    (root / "COPYING").write_bytes(b"\0\1SPDX-License-Identifier: MIT\0")
    os.makedirs(root / "scripts")
    (root / "scripts/spdxexclude").write_bytes(b"\xff\xfe\0garbage\n[red]\n/a.c\n")
    put(root, "a.c", b"int x;\n")
    put(root, "b.c", b"int y;\n")
    return {"a.c": ("excluded", ""), "b.c": ("untagged", "no COPYING default"), "COPYING": ("invalid", "Invalid token: \\x00")}


CASES: list[tuple[str, Callable[[Path], Expect], bool]] = [
    # (id, builder, with a LICENSES/ and COPYING from tests/conftest.py)
    ("content", _content, True),
    ("long-lines", _long_lines, True),
    ("huge-sparse", _huge_sparse, True),
    ("special-files", _specials, True),
    ("symlinks", _symlinks, True),
    ("hostile-names", _hostile_names, True),
    ("hostile-tags", _hostile_tags, True),
    ("deeper-than-path-max", _deep, True),
    ("empty-tree", _empty, False),
    ("no-licenses", _no_licenses, False),
    ("bad-licenses", _bad_licenses, True),
    ("licenses-is-a-file", _licenses_is_a_file, False),
    ("odd-copying-and-exclude", _odd_top_files, False),
    ("binary-copying", _binary_copying, False),
]


@pytest.mark.parametrize(("build", "licenses"), [pytest.param(b, lic, id=i) for i, b, lic in CASES])
def test_corpus_case(capsys: pytest.CaptureFixture, tmp_path: Path, build: Callable[[Path], Expect],
                     licenses: bool):
    root = write_tree(tmp_path / "tree", {}, licenses=licenses) if licenses else tmp_path / "tree"
    root.mkdir(exist_ok=True)
    expect = build(root)
    run = check_tree(capsys, root)
    for path, (status, words) in expect.items():
        if status == "skipped":
            assert path in run.skipped, (path, sorted(run.skipped))
            assert words in run.skipped[path]["reason"]
            assert path not in run.files
            continue
        assert run.status(path) == status, (path, run.files.get(path))
        if words:
            assert any(words in message for message in run.messages(path)), (path, run.messages(path))
        if status in ("invalid", "unreadable") or (words and status != "valid"):
            assert any(line.startswith(f"{path}:") for line in run.lines), f"{path} missing from the text output"
    if not expect:
        assert run.lines == [run.lines[-1]] and run.lines[-1].startswith("kernel tree, 0 files:") and run.code == 0



def test_junk_after_a_tag_gives_a_message_of_one_readable_line(capsys, tmp_path: Path):
    root = write_tree(tmp_path / "tree", {})
    put(root, "junk.txt", b"// SPDX-License-Identifier: MIT $" + b"x" * 200_000 + b"\n")
    run = check_tree(capsys, root)
    assert run.status("junk.txt") == "invalid"
    (line,) = [line for line in run.lines if line.startswith("junk.txt:")]
    assert line.startswith("junk.txt:1: error LT101 Invalid token: $xxxx") and "..." in line
    assert len(line) < 300
