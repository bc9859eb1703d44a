"""The installed `lictree --demo` in a real pseudo-terminal: it draws the tree, quits on q, and
leaves the terminal as it found it."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import shutil
import struct
import subprocess
import termios
import time

import pytest


def _read_until(fd: int, wanted: list[bytes], timeout: float, seen: bytearray) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # the child closed the terminal
                return all(w in seen for w in wanted)
            if not chunk:
                break
            seen.extend(chunk)
        if all(w in seen for w in wanted):
            return True
    return all(w in seen for w in wanted)


def test_installed_lictree_demo_runs_in_a_pty_and_quits_cleanly():
    exe = shutil.which("lictree")
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("lictree is not on PATH, but CI installs it")
        pytest.skip("lictree is not installed (pip install -e .)")
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    before = termios.tcgetattr(follower)
    env = {**os.environ, "TERM": "xterm-256color"}
    env.pop("TEXTUAL", None)
    proc = subprocess.Popen([exe, "--demo"], stdin=follower, stdout=follower, stderr=follower, env=env,
                            start_new_session=True, close_fds=True)
    seen = bytearray()
    try:
        assert _read_until(leader, [b"linux-demo/", b"52 files"], 30, seen), bytes(seen[-2000:])
        os.write(leader, b"j")
        os.write(leader, b"q")
        deadline = time.monotonic() + 20
        while proc.poll() is None and time.monotonic() < deadline:
            _read_until(leader, [b"\x1b[?1049l"], 0.2, seen)  # keep draining, or the app blocks writing
        _read_until(leader, [b"\x1b[?1049l"], 1, seen)
        after = termios.tcgetattr(follower)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(leader)
    assert proc.returncode == 0, (proc.returncode, bytes(seen[-2000:]))
    output = bytes(seen)
    assert b"\x1b[?1049h" in output and output.rindex(b"\x1b[?1049l") > output.rindex(b"\x1b[?1049h")
    assert b"Traceback" not in output
    assert after == before  # echo, canonical mode etc. restored
    os.close(follower)
