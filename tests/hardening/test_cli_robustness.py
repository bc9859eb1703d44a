"""`lictree check` as a process: odd terminals, pipes closed early, Ctrl-C, a bad cache, a bad root."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import write_tree
from tests.hardening.conftest import check_tree, put
from tui.cli import main
from tui.core import build as index_mod

REPO = Path(__file__).resolve().parents[2]


def cli(*argv: str, env: dict[str, str] | None = None, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tui.cli", *argv], cwd=REPO, capture_output=True, timeout=120,
                          env={**os.environ, **(env or {})}, **kwargs)


@pytest.fixture
def named(tmp_path: Path) -> Path:
    """A tree whose names need escaping in any terminal."""
    root = write_tree(tmp_path / "t", {})
    put(root, "café-\u202eexe.c", b"int x;\n")
    put(root, b"bad-\xff.c", b"// SPDX-License-Identifier: Nope\n")
    put(root, "esc-\x1b[2J.c", b"int y;\n")
    return root


@pytest.mark.parametrize("encoding", ["ascii", "latin-1"])
def test_a_terminal_that_cannot_show_the_names(named: Path, encoding: str):
    proc = cli("check", str(named), "--no-cache", env={"PYTHONIOENCODING": encoding})
    assert proc.returncode == 1 and proc.stderr == b"", proc.stderr.decode()
    out = proc.stdout.decode(encoding)
    assert "caf\\xe9-\\u202eexe.c:1: warning LT100" in out or "café-\\u202eexe.c:1: warning LT100" in out
    assert "bad-\\xff.c:1: error LT101 Invalid License ID: Nope" in out
    assert "esc-\\x1b[2J.c:1: warning" in out and "\x1b" not in out


def test_output_piped_into_head(named: Path):
    proc = subprocess.run(f"{sys.executable} -m tui.cli check {named} --no-cache | head -1", shell=True, cwd=REPO,
                          capture_output=True, timeout=120)
    assert proc.stderr == b"" and len(proc.stdout.splitlines()) == 1


def test_json_names_are_printable_and_the_document_is_strict_json(named: Path):
    proc = cli("check", str(named), "--no-cache", "--format", "json")
    text = proc.stdout.decode("utf-8")  # strict: a lone surrogate would not be valid UTF-8 JSON for other tools
    paths = {entry["path"] for entry in json.loads(text)["files"]}
    assert {"café-\\u202eexe.c", "bad-\\xff.c", "esc-\\x1b[2J.c"} <= paths
    assert "\\udc" not in text


def test_ctrl_c_during_a_cold_scan_stops_at_once_without_tracebacks(tmp_path: Path):
    """Enough files for the process pool; reading is slowed so that the interrupt lands mid-scan."""
    root = write_tree(tmp_path / "t", {})
    for i in range(index_mod.POOL_THRESHOLD + 500):
        put(root, f"d{i % 50}/f{i}.c", b"// SPDX-License-Identifier: GPL-2.0\n")
    script = (
        "import sys, time\n"
        "from tui.core import build as index, scan\n"
        "scan._fastread = None  # the Python reader, so that slowing read_facts slows every file\n"
        "real = index.read_facts\n"
        "started = []\n"
        "def slow(*args):\n"
        "    if not started:\n"
        "        started.append(1)\n"
        "        print('reading', file=sys.stderr, flush=True)\n"
        "    time.sleep(0.002)\n"
        "    return real(*args)\n"
        "index.read_facts = slow\n"
        "from tui.cli import main\n"
        f"raise SystemExit(main(['check', {str(root)!r}, '--no-cache']))\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", script], cwd=REPO, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True)
    assert proc.stderr is not None
    assert proc.stderr.readline().startswith(b"reading")  # two workers may write it on one line
    time.sleep(0.3)
    os.killpg(proc.pid, signal.SIGINT)  # as a terminal does: the whole foreground process group
    start = time.monotonic()
    try:
        out, err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail("lictree hung after Ctrl-C")
    assert time.monotonic() - start < 5
    assert proc.returncode == 130
    assert err.decode().replace("reading", "").strip() == "lictree: interrupted"
    assert out == b""


def test_a_corrupt_or_unwritable_cache_is_a_cold_start(capsys, tmp_path: Path, private_cache: Path, monkeypatch):
    root = write_tree(tmp_path / "t", {"a.c": "// SPDX-License-Identifier: MIT\n", "b.c": "int x;\n"})
    expected = check_tree(capsys, root).doc
    assert main(["check", str(root), "--format", "json"]) == 0  # writes the cache
    cached = json.loads(capsys.readouterr()[0])
    assert cached == expected
    for pickle_file in (private_cache / "lictree").glob("*.pickle"):
        pickle_file.write_bytes(b"\x80\x05garbage")
    assert main(["check", str(root), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr()[0]) == expected
    blocked = tmp_path / "cache-is-a-file"
    blocked.write_text("x")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    assert main(["check", str(root), "--format", "json"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out) == expected and err == ""


@pytest.mark.parametrize("kind", ["missing", "file", "fifo", "dangling-symlink"])
def test_a_bad_root_is_exit_2_with_one_line(capsys, tmp_path: Path, kind: str):
    root = tmp_path / f"root-{kind}"
    if kind == "file":
        root.write_text("x")
    elif kind == "fifo":
        os.mkfifo(root)
    elif kind == "dangling-symlink":
        root.symlink_to(tmp_path / "nowhere")
    for fmt in ("text", "json"):
        assert main(["check", str(root), "--format", fmt]) == 2
        out, err = capsys.readouterr()
        assert out == "" and len(err.splitlines()) == 1 and err.startswith(f"lictree: {root}: ")
        assert ("not a directory" if kind in ("file", "fifo") else "no such file or directory") in err


def test_a_bad_root_from_a_process(tmp_path: Path):
    proc = cli("check", str(tmp_path / "nope\nnope"))
    assert proc.returncode == 2 and proc.stdout == b""
    assert proc.stderr.decode() == f"lictree: {tmp_path}/nope\\x0anope: no such file or directory\n"


def test_a_root_whose_name_is_not_utf8_nor_printable(capsys, tmp_path: Path):
    root = os.path.join(os.fsencode(tmp_path), b"tree-\xff-\x1b[7m-\nx")
    os.mkdir(root)
    put(Path(os.fsdecode(root)), "a.c", b"// SPDX-License-Identifier: MIT\n")
    run = check_tree(capsys, root)
    assert run.doc["root"].endswith("tree-\\xff-\\x1b[7m-\\x0ax") and run.status("a.c") == "valid"


@pytest.mark.parametrize("pure_python", [False, True], ids=["C reader", "Python reader"])
def test_non_ascii_names_in_the_c_locale_are_checked_without_a_traceback(tmp_path: Path, pure_python: bool):
    """With LANG=C and no UTF-8 mode, Python's file-system encoding is ASCII: names git lists must be
    decoded as the OS layer encodes them back (os.fsdecode), or reading a file named café.c raises."""
    root = write_tree(tmp_path / "t", {})
    put(root, "caf\u00e9.c".encode(), b"// SPDX-License-Identifier: MIT\n")
    put(root, b"latin1-\xe9.c", b"// SPDX-License-Identifier: Nope-1\n")
    subprocess.run(["git", "-C", str(root), "init", "-q"], check=True)
    subprocess.run(["git", "-C", str(root), "add", "-A"], check=True)
    env = {**os.environ, "LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0",
           "XDG_CACHE_HOME": str(tmp_path / "cache")}
    env.pop("PYTHONIOENCODING", None)
    if pure_python:
        env["LICTREE_PURE_PYTHON"] = "1"
    done = cli("check", str(root), "--format", "json", env=env, text=True)
    assert "Traceback" not in done.stderr and done.returncode == 1, done.stderr
    files = {f["path"]: f["status"] for f in json.loads(done.stdout)["files"]}
    assert files["caf\\xc3\\xa9.c"] == "valid" and files["latin1-\\xe9.c"] == "invalid"
