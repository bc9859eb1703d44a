"""What the operating system does to a scan: permissions, I/O errors, a tree changing under it.

We run as root, so EACCES is simulated by monkeypatching ``os`` as seen by the scan module; the
real-permission tests run when not root (and as root through a subprocess that drops to nobody).
A tree that changes "during the scan" is changed by a hook between the listing and the reading.
"""

from __future__ import annotations

import builtins
import errno
import io
import os
import pwd
import shutil
import stat
import sys
import tempfile
import traceback
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import OpenWatch, write_tree
from tests.core.test_index import make_git_tree
from tests.hardening.conftest import check_tree, put
from tui.core import build as index_mod
from tui.core import scan

MIT = b"// SPDX-License-Identifier: MIT\n"


def fail_on(monkeypatch: pytest.MonkeyPatch, name: str, match: Callable[[str], bool], err: int) -> None:
    """Make ``os.<name>`` raise *err* for the paths *match* accepts (as seen by the scan module)."""
    real = getattr(scan.os, name)

    def failing(path, *args, **kwargs):
        if match(os.fsdecode(path)):
            raise OSError(err, os.strerror(err), os.fsdecode(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(scan.os, name, failing)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    return write_tree(tmp_path / "t", {
        "a.c": "// SPDX-License-Identifier: GPL-2.0\n",
        "locked/b.c": "// SPDX-License-Identifier: MIT\n",
        "locked/deeper/c.c": "int x;\n",
        "d.c": "// SPDX-License-Identifier: MIT\n",
    })


def test_a_file_that_cannot_be_opened_is_unreadable(capsys, monkeypatch, tree: Path, python_reader):
    fail_on(monkeypatch, "open", lambda p: p.endswith("/d.c"), errno.EACCES)
    run = check_tree(capsys, tree)
    assert run.status("d.c") == "unreadable"
    assert "d.c:1: warning LT001 cannot open: Permission denied" in run.lines
    assert run.status("a.c") == "valid"


def test_a_read_error_is_unreadable(capsys, monkeypatch, tree: Path, python_reader):
    real_read = scan.os.read
    fds: dict[int, str] = {}
    real_open = scan.os.open

    def tracking_open(path, *args, **kwargs):
        fd = real_open(path, *args, **kwargs)
        fds[fd] = os.fsdecode(path)
        return fd

    def failing_read(fd, n):
        if fds.get(fd, "").endswith("/a.c"):
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        return real_read(fd, n)

    monkeypatch.setattr(scan.os, "open", tracking_open)
    monkeypatch.setattr(scan.os, "read", failing_read)
    run = check_tree(capsys, tree)
    assert run.status("a.c") == "unreadable"
    assert run.messages("a.c") == ["cannot read: Input/output error"]


def test_a_directory_that_cannot_be_listed_is_reported_not_dropped(capsys, monkeypatch, tree: Path):
    fail_on(monkeypatch, "scandir", lambda p: p.endswith("/locked"), errno.EACCES)
    run = check_tree(capsys, tree, "--fail-on", "warning")
    assert run.code == 1  # its files are unknown: a warning, like an unreadable file
    assert "locked:1: warning LT001 cannot list directory: Permission denied" in run.lines
    assert run.skipped["locked"]["reason"] == "cannot list directory: Permission denied"
    assert run.status("locked/b.c") is None and run.status("a.c") == "valid"
    assert run.doc["summary"]["rules"]["LT001"] == 1


def test_an_unreadable_licenses_folder_is_named(capsys, monkeypatch, tree: Path):
    fail_on(monkeypatch, "scandir", lambda p: p.endswith("/LICENSES/preferred"), errno.EACCES)
    run = check_tree(capsys, tree)
    assert "LICENSES/preferred:1: warning LT001 cannot list directory: Permission denied" in run.lines
    # GPL-2.0 is defined in the folder that could not be read: the tag is invalid, and the reason is on screen.
    assert run.status("a.c") == "invalid"


def test_an_unreadable_root_is_exit_2(capsys, monkeypatch, tree: Path):
    fail_on(monkeypatch, "scandir", lambda p: p == str(tree), errno.EACCES)
    from tui.cli import main

    assert main(["check", str(tree)]) == 2
    _out, err = capsys.readouterr()
    assert err == f"lictree: {tree}: cannot read: Permission denied\n"


def test_a_root_with_control_characters_is_named_printably(capsys, tmp_path: Path):
    from tui.cli import main

    assert main(["check", str(tmp_path / "no\x1b[2Jsuch")]) == 2
    _out, err = capsys.readouterr()
    assert "no\\x1b[2Jsuch: no such file or directory" in err and "\x1b" not in err


# The tree changes between listing and reading ------------------------------------------------------


def change_after_listing(monkeypatch: pytest.MonkeyPatch, victim: Path, change: Callable[[Path], None]) -> None:
    """Each time a tree is indexed, make *victim* a plain file again, then apply *change* to it once the
    file list is made and before any file is read."""
    real = index_mod.start_listing

    def start(root: str, *hint, **options):
        if victim.is_dir() and not victim.is_symlink():
            shutil.rmtree(victim)
        elif victim.exists() or victim.is_symlink():
            victim.unlink()
        victim.write_bytes(MIT)
        finish = real(root, *hint, **options)

        def finish_then_change():
            listing = finish()
            change(victim)
            return listing

        return finish_then_change

    monkeypatch.setattr(index_mod, "start_listing", start)
    monkeypatch.setattr(scan, "start_listing", start)  # `check` starts the listing itself, before importing the index


def _delete(path: Path) -> None:
    path.unlink()


def _to_directory(path: Path) -> None:
    path.unlink()
    path.mkdir()
    (path / "inner.c").write_bytes(MIT)


def _to_fifo(path: Path) -> None:
    path.unlink()
    os.mkfifo(path)


def _to_outside_symlink(path: Path) -> None:
    path.unlink()
    os.symlink("/etc/passwd", path)


@pytest.mark.parametrize("use_git", [False, True], ids=["walk", "git"])
@pytest.mark.parametrize(
    ("change", "expect"),
    [
        (_delete, {None}),
        (_to_directory, {"unreadable"}),
        (_to_fifo, {"unreadable", "untagged"}),
        (_to_outside_symlink, {"unreadable"}),
    ],
    ids=["deleted", "now-a-directory", "now-a-fifo", "now-a-symlink-out"],
)
def test_a_file_changed_during_the_scan(capsys, monkeypatch, tmp_path: Path, use_git: bool, change, expect):
    files = {"a.c": "// SPDX-License-Identifier: GPL-2.0\n", "victim.c": "// SPDX-License-Identifier: MIT\n"}
    root = make_git_tree(tmp_path / "t", files) if use_git else write_tree(tmp_path / "t", files)
    change_after_listing(monkeypatch, root / "victim.c", change)
    run = check_tree(capsys, root)
    assert run.status("victim.c") in expect, run.files.get("victim.c")
    assert run.status("a.c") == "valid"
    if run.status("victim.c") == "unreadable":
        assert run.messages("victim.c")[0], "a reason is given"


# Special files are never opened, by any part of lictree --------------------------------------------


def spy_on_opens(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record the real path of every file opened through os.open or open() from now on."""
    opened: list[str] = []
    real_os_open, real_open = os.open, builtins.open

    def spy_os_open(path, *args, **kwargs):
        opened.append(os.path.realpath(os.fsdecode(path)))
        return real_os_open(path, *args, **kwargs)

    def spy_open(file, *args, **kwargs):
        if isinstance(file, (str, bytes, os.PathLike)):
            opened.append(os.path.realpath(os.fsdecode(file)))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(os, "open", spy_os_open)
    monkeypatch.setattr(builtins, "open", spy_open)
    return opened


def test_special_files_are_never_opened_by_any_part_of_check(capsys, monkeypatch, tmp_path: Path, reader: str):
    import socket

    root = write_tree(tmp_path / "t", {"a.c": "// SPDX-License-Identifier: MIT\n"})
    os.makedirs(root / "scripts")
    specials = [root / "fifo", root / "scripts/spdxexclude", root / "LICENSES/preferred/FIFO", root / "LICENSE"]
    for path in specials:
        os.mkfifo(path)
    os.mknod(root / "zero", stat.S_IFCHR | 0o600, os.makedev(1, 5))
    specials.append(root / "zero")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(root / "sock"))
    sock.close()
    specials.append(root / "sock")
    opened = spy_on_opens(monkeypatch)
    watch = OpenWatch(root, root / "scripts", root / "LICENSES/preferred")  # the C reader's opens too
    run = check_tree(capsys, root)
    seen = [str(path) for path in watch.collect()]
    assert opened and str(root / "a.c") in seen, "the spies saw the files being read"
    assert not {str(p) for p in specials} & (set(opened) | set(seen))
    assert run.status("zero") == "unreadable" and run.status("sock") == "unreadable"


def _bytes_read() -> int:
    """What this process has read through read() so far (the kernel's count, whoever calls it)."""
    with open("/proc/self/io", "rb") as handle:
        return int(dict(line.split(b": ") for line in handle.read().splitlines())[b"rchar"])


@pytest.mark.skipif(not os.path.exists("/proc/self/io"), reason="needs /proc/self/io")
def test_a_200_mb_file_costs_its_head_only(capsys, tmp_path: Path, reader: str):
    root = write_tree(tmp_path / "t", {})

    def cost(name: str | None) -> int:
        before = _bytes_read()
        index = index_mod.build_index(str(root), use_cache=False, workers=1)
        spent = _bytes_read() - before
        assert name is None or index.verdict(name) == "valid"
        return spent

    tree_alone = cost(None)  # LICENSES/ and COPYING, read by every run
    slack = 64 << 10
    for name, limit in [("huge.img", scan.MAX_HEAD_BYTES), ("huge.c", scan.MAX_BODY_BYTES + 1)]:
        put(root, name, b"/* SPDX-License-Identifier: GPL-2.0 */\n")
        os.truncate(root / name, 200 << 20)
        spent = cost(name) - tree_alone
        assert spent <= limit + slack, f"{name}: {spent} bytes read"  # 256 KB, or 16 MB for C, of 200 MB
        assert spent >= limit - slack, f"{name}: {spent} bytes read"  # (a C source is searched for MODULE_LICENSE)
        os.unlink(root / name)


# Real permissions ----------------------------------------------------------------------------------


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads everything: see the test that drops to nobody")
def test_real_permissions(capsys, tree: Path):
    (tree / "d.c").chmod(0)
    (tree / "locked").chmod(0)
    try:
        run = check_tree(capsys, tree, "--fail-on", "warning")
    finally:
        (tree / "locked").chmod(0o755)
        (tree / "d.c").chmod(0o644)
    assert run.status("d.c") == "unreadable" and "Permission denied" in run.messages("d.c")[0]
    assert "cannot list directory: Permission denied" in run.skipped["locked"]["reason"]
    assert run.code == 1


def _nobody() -> pwd.struct_passwd | None:
    try:
        return pwd.getpwnam("nobody")
    except KeyError:
        return None


def _check_as(user: pwd.struct_passwd, root: Path) -> tuple[int, str]:
    """`lictree check ROOT` in a forked child that has dropped to *user*: (exit status, output)."""
    from tui.cli import main

    main(["check", str(root), "--no-cache"])  # as root first: whatever is imported lazily is then loaded
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        code = 99
        try:
            os.close(read_end)
            os.setgroups([])
            os.setgid(user.pw_gid)
            os.setuid(user.pw_uid)
            out = io.TextIOWrapper(io.FileIO(write_end, "w"), write_through=True)
            sys.stdout = sys.stderr = out
            code = main(["check", str(root), "--no-cache", "--fail-on", "warning"])
            out.flush()
        except BaseException:
            traceback.print_exc(file=sys.__stderr__)
        finally:
            os._exit(code)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        output = pipe.read().decode("utf-8", "replace")
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]), output


@pytest.mark.skipif(os.geteuid() != 0 or _nobody() is None, reason="needs root to drop to nobody")
def test_real_permissions_as_nobody():
    """As root, check as nobody a tree where one file and one directory are mode 000."""
    nobody = _nobody()
    assert nobody is not None
    base = Path(tempfile.mkdtemp(prefix="lictree-perm-"))  # /tmp/pytest-of-root is closed to nobody
    try:
        root = write_tree(base / "t", {"a.c": "// SPDX-License-Identifier: MIT\n", "d.c": "x\n",
                                       "locked/b.c": "// SPDX-License-Identifier: MIT\n"})
        for dirpath, _dirs, _files in os.walk(base):
            os.chmod(dirpath, 0o755)
        (root / "d.c").chmod(0)
        (root / "locked").chmod(0)
        code, output = _check_as(nobody, root)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    assert code == 1, output
    assert "Traceback" not in output
    lines = output.splitlines()
    assert "d.c:1: warning LT001 cannot open: Permission denied" in lines
    assert "locked:1: warning LT001 cannot list directory: Permission denied" in lines
    assert not [line for line in lines if line.startswith("a.c:")]  # valid: no finding
    assert lines[-1].startswith("kernel tree, 7 files: ") and ", 1 unreadable," in lines[-1]  # locked/b.c is not counted


# Files lictree reads besides the scan (LICENSES/, COPYING, spdxexclude) stay inside the tree too -----


def test_license_copying_and_exclude_files_are_not_followed_out_of_the_tree(capsys, monkeypatch, tmp_path: Path):
    """A symlink to /proc/kmsg there would block forever and consume the kernel log; to a plain file
    outside, it would let a tarball define licenses from elsewhere."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "Evil").write_text("Valid-License-Identifier: Evil\nLicense-Text:\nevil\n")
    (outside / "exclude").write_text("/a.c\n")
    (outside / "COPYING").write_text("SPDX-License-Identifier: MIT\n")
    root = write_tree(tmp_path / "t", {"a.c": "// SPDX-License-Identifier: Evil\n", "b.c": "int x;\n"},
                      licenses=False)
    write_tree(root, {})
    (root / "COPYING").unlink()
    os.symlink(outside / "Evil", root / "LICENSES/preferred/Evil")
    os.symlink(outside / "COPYING", root / "COPYING")
    (root / "scripts").mkdir()
    os.symlink(outside / "exclude", root / "scripts/spdxexclude")
    opened = spy_on_opens(monkeypatch)
    run = check_tree(capsys, root)
    assert not [p for p in opened if p.startswith(str(outside))], "a file outside the tree was opened"
    assert run.status("a.c") == "invalid"  # Evil is not a license of this tree
    assert "symlink to outside the tree: not followed" in run.messages("LICENSES/preferred/Evil")
    assert "no COPYING default" in run.messages("b.c")[0]
