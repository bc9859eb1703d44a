import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import write_tree
from tui.cli import main

LINE_RE = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+): (?P<severity>error|warning|info) (?P<rule>[A-Z]+\d+) (?P<msg>.+)$")


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_text_output_on_demo(capsys):
    code, out, err = run(capsys, "check", "--demo")
    lines = out.splitlines()
    assert code == 1  # the demo has invalid tags
    findings = [LINE_RE.match(line) for line in lines[:-1]]
    assert all(findings), [line for line, m in zip(lines, findings) if not m]
    by_path = {(m["path"], m["rule"]) for m in findings}
    assert ("drivers/misc/typo.c", "LT101") in by_path
    assert ("kernel/printk.c", "LT100") in by_path
    assert re.match(r"^kernel tree, \d+ files: \d+ valid, \d+ untagged, \d+ invalid", lines[-1])
    assert err == ""


def test_json_output_schema(capsys):
    code, out, _ = run(capsys, "check", "--demo", "--format", "json")
    doc = json.loads(out)
    assert doc["tool"]["name"] == "lictree" and doc["tool"]["version"]
    assert set(doc["summary"]["statuses"]) == {"valid", "untagged", "invalid", "unreadable", "excluded"}
    files = {f["path"]: f for f in doc["files"]}
    assert files["drivers/net/foo.c"]["expression"] == "GPL-2.0 OR MIT"
    assert files["drivers/net/foo.c"]["line"] == 1
    assert files["drivers/net/foo.c"]["status"] == "valid"
    assert files["kernel/printk.c"]["status"] == "untagged" and files["kernel/printk.c"]["expression"] is None
    assert files["LICENSES/preferred/MIT"]["status"] == "excluded"
    bad = files["drivers/misc/typo.c"]
    assert bad["status"] == "invalid"
    assert {"rule", "severity", "line", "message"} <= set(bad["findings"][0])
    assert doc["summary"]["files"] == len(doc["files"])


def test_fail_on_and_rule_selection(capsys, tmp_path: Path):
    root = write_tree(tmp_path, {"a.c": "// SPDX-License-Identifier: MIT\n", "b.c": "int x;\n",
                                 "scripts/spdxexclude": "# SPDX-License-Identifier: GPL-2.0\nLICENSES/\n/COPYING\n"})
    assert run(capsys, "check", str(root))[0] == 0  # only a warning (b.c untagged)
    assert run(capsys, "check", str(root), "--fail-on", "warning")[0] == 1
    assert run(capsys, "check", str(root), "--fail-on", "warning", "--ignore", "LT100")[0] == 0
    code, out, _ = run(capsys, "check", str(root), "--select", "LT101")
    assert code == 0 and "b.c" not in out
    assert run(capsys, "check", "--demo", "--fail-on", "never")[0] == 0


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["check", "/no/such/tree"], "no such file or directory"),
        (["check", "--select", "ZZ9"], "unknown rule id"),
        (["check", "--format", "xml"], "invalid choice"),
    ],
)
def test_usage_and_io_errors_exit_2_with_one_line(capsys, argv, message):
    with pytest.raises(SystemExit) if "--format" in argv else _noop():
        code = main(argv)
        assert code == 2
    _out, err = capsys.readouterr()
    assert message in err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_a_file_as_root(capsys, tmp_path: Path):
    (tmp_path / "f").write_text("x")
    code, _out, err = run(capsys, "check", str(tmp_path / "f"))
    assert code == 2 and "not a directory" in err


def test_rules_lists_every_rule(capsys):
    code, out, _ = run(capsys, "rules")
    assert code == 0
    for rule_id in ("LT100", "LT101", "LT900"):
        assert rule_id in out


def test_installed_console_script_runs():
    proc = subprocess.run([sys.executable, "-m", "tui.cli", "check", "--demo", "--format", "json"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1 and json.loads(proc.stdout)["summary"]["files"] > 20


class _noop:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


@pytest.mark.parametrize("use_git", [False, True])
def test_a_warm_run_prints_what_a_cold_run_prints_and_sees_edits(capsys, tmp_path: Path, use_git: bool):
    """The warm report is the one kept with the cache: it must equal a fresh one, and be dropped when
    the tree changed meanwhile."""
    import os

    root = write_tree(tmp_path / "t", {"a.c": "// SPDX-License-Identifier: MIT\n", "b.c": "int x;\n",
                                       "c.c": "// SPDX-License-Identifier: Nope-1\n"})
    if use_git:
        for args in (["init", "-q"], ["add", "-A"], ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "x"]):
            subprocess.run(["git", "-C", str(root), *args], check=True)
    fresh = run(capsys, "check", str(root), "--no-cache")
    cold = run(capsys, "check", str(root))
    warm = run(capsys, "check", str(root))
    assert fresh == cold == warm and "c.c:1: error LT101" in warm[1]
    selected = run(capsys, "check", str(root), "--select", "LT100")  # the report kept with the cache is not this one
    assert selected == run(capsys, "check", str(root), "--select", "LT100", "--no-cache")
    assert "c.c:1" not in selected[1] and "b.c:1: warning LT100" in selected[1] and selected[0] == 0
    assert run(capsys, "check", str(root), "--fail-on", "warning")[0] == 1
    (root / "c.c").write_text("// SPDX-License-Identifier: GPL-2.0\n")
    st = (root / "c.c").stat()
    os.utime(root / "c.c", ns=(st.st_atime_ns, st.st_mtime_ns + 2_000_000_000))
    edited = run(capsys, "check", str(root))
    assert edited == run(capsys, "check", str(root), "--no-cache")
    assert "c.c:1" not in edited[1] and edited[0] == 0


def test_warm_runs_skip_listing_an_unchanged_git_index_and_stay_exact(capsys, tmp_path: Path, monkeypatch):
    """A warm `check` whose .git/index is unchanged does not run `git ls-files -s`; whatever changes
    (a tracked file edited, a file added to or removed from the index, an ignored file behind a tracked
    symlink edited), its report equals a fresh one."""
    import os

    from tui.core import scan

    root = write_tree(tmp_path / "t", {".gitignore": "gen/\n", "gen/x.c": "// SPDX-License-Identifier: MIT\n",
                                       "a.c": "// SPDX-License-Identifier: MIT\n", "b.c": "int b;\n"})
    os.symlink("gen/x.c", root / "link.c")

    def git(*args: str) -> None:
        subprocess.run(["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@t", *args], check=True,
                       capture_output=True)

    git("init", "-q")
    git("add", "-A")
    git("commit", "-qm", "x")
    spawned: list[tuple[str, ...]] = []

    def spying(real):
        def spy(root_: str, *args: str, **kwargs):
            spawned.append(args)
            return real(root_, *args, **kwargs)

        return spy

    monkeypatch.setattr(scan, "_git", spying(scan._git))
    monkeypatch.setattr(scan, "_git_captured", spying(scan._git_captured))

    def bump(path: Path, text: str) -> None:
        path.write_text(text)
        st = path.stat()
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 2_000_000_000))

    def same_as_fresh() -> list[tuple[str, ...]]:
        spawned.clear()
        warm = run(capsys, "check", str(root))
        listed = list(spawned)
        assert warm == run(capsys, "check", str(root), "--no-cache")
        return listed

    run(capsys, "check", str(root))  # cold: lists the index and remembers its stamp
    assert ("ls-files", "-s", "-z") not in same_as_fresh()
    bump(root / "a.c", "// SPDX-License-Identifier: Nope-1\n")  # index unchanged, a tracked file edited:
    same_as_fresh()  # the tree changed, so the files are listed after all (then, not before diff-files)
    bump(root / "gen/x.c", "// SPDX-License-Identifier: Nope-2\n")  # behind the tracked symlink
    same_as_fresh()
    (root / "c.c").write_text("// SPDX-License-Identifier: GPL-2.0\n")
    git("add", "c.c")  # the index changes
    assert ("ls-files", "-s", "-z") in same_as_fresh()
    git("rm", "-q", "--cached", "b.c")
    same_as_fresh()
    assert "link.c:1: error LT101 Invalid License ID: Nope-2" in run(capsys, "check", str(root))[1]


def test_a_listing_that_skipped_git_ls_files_walks_the_tree_if_git_fails_later(tmp_path: Path, monkeypatch):
    from tui.core import scan

    root = write_tree(tmp_path / "t", {"a.c": "// SPDX-License-Identifier: MIT\n"})
    subprocess.run(["git", "-C", str(root), "init", "-q"], check=True)
    subprocess.run(["git", "-C", str(root), "add", "-A"], check=True)
    stamp = scan.index_stamp(str(root))
    listing = scan.start_listing(str(root), lambda: (stamp, []))()
    assert listing.raw is None and listing.signature.startswith("git:")
    monkeypatch.setattr(scan, "_git", lambda root_, *args, **kwargs: subprocess.Popen(["false"], stdout=subprocess.PIPE))
    assert "a.c" in listing.paths and listing.method == "scandir"
    assert listing.signature == ""  # no cache may trust what was listed this way


def test_a_cold_index_on_such_a_listing_has_every_file(tmp_path: Path, monkeypatch):
    from tui.core import scan
    from tui.core.build import build_index

    root = write_tree(tmp_path / "t", {"a.c": "// SPDX-License-Identifier: MIT\n", "b.c": "int b;\n"})
    subprocess.run(["git", "-C", str(root), "init", "-q"], check=True)
    subprocess.run(["git", "-C", str(root), "add", "-A"], check=True)
    stamp = scan.index_stamp(str(root))
    listing = scan.start_listing(str(root), lambda: (stamp, []))()
    monkeypatch.setattr(scan, "_git", lambda root_, *args, **kwargs: subprocess.Popen(["false"], stdout=subprocess.PIPE))
    index = build_index(str(root), use_cache=False, listing=lambda: listing)
    assert index.verdict("a.c") == "valid" and index.verdict("b.c") == "untagged"


@pytest.mark.parametrize("select, ignore", [(None, None), ("LT100", None), (None, "LT100,LT2")])
def test_the_text_report_is_the_lines_of_format_text(tmp_path: Path, select, ignore):
    """text_report formats each shared finding once: the same text as format_text's line by line."""
    from tui.core.build import build_index
    from tui.core.counting import FindingFilter
    from tui.core.report import format_text, text_report
    from tui.core.rules import parse_rule_ids

    root = write_tree(tmp_path / "t", {
        "a.c": "int x;\n", "b.c": "int y;\n", "bad\x1b[31m.c": "/* SPDX-License-Identifier: GPL-2.0 */\n",
        "c.h": "// SPDX-License-Identifier: Nope-1.0\n", "d/e.c": "// SPDX-License-Identifier: MIT\n",
    })
    index = build_index(str(root), use_cache=False)
    keep = FindingFilter(parse_rule_ids(select), parse_rule_ids(ignore))
    text, severities = text_report(index, keep)
    lines = list(format_text(index, keep))
    assert text == "".join(line + "\n" for line in lines)
    if select is None and ignore is None:  # a name from the tree is escaped, never sent raw to a terminal
        assert "bad\\x1b[31m.c" in text and "\x1b" not in text
    assert sum(severities.values()) == len(lines) - 1


def _bump(path: Path, text: str) -> None:
    import os

    path.write_text(text)
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 2_000_000_000))


@pytest.mark.parametrize("fmt", ["text", "json", "sarif"])
def test_a_warm_run_prints_the_kept_report_of_every_format_without_indexing(capsys, tmp_path: Path, monkeypatch,
                                                                            fmt: str):
    """Every format's report is kept with the cache: a warm run of an unchanged tree prints it without
    building the index, and it equals a fresh report; an edit, another rule selection or another
    format makes a fresh one."""
    from tui.core import build as index_mod

    root = write_tree(tmp_path / "t", {"a.c": "// SPDX-License-Identifier: MIT\n", "b.c": "int x;\n",
                                       "c.c": "// SPDX-License-Identifier: Nope-1\n"})
    subprocess.run(["git", "-C", str(root), "init", "-q"], check=True)
    subprocess.run(["git", "-C", str(root), "add", "-A"], check=True)
    fresh = run(capsys, "check", str(root), "--format", fmt, "--no-cache")
    assert run(capsys, "check", str(root), "--format", fmt) == fresh  # cold: keeps it
    real_build = index_mod.build_index
    built: list[str] = []

    def counting(*args, **kwargs):
        built.append(fmt)
        return real_build(*args, **kwargs)

    monkeypatch.setattr(index_mod, "build_index", counting)
    assert run(capsys, "check", str(root), "--format", fmt) == fresh
    assert built == []  # printed as kept
    assert run(capsys, "check", str(root), "--format", fmt, "--fail-on", "warning")[0] == 1  # --fail-on applies
    selected = run(capsys, "check", str(root), "--format", fmt, "--select", "LT100")
    assert selected == run(capsys, "check", str(root), "--format", fmt, "--select", "LT100", "--no-cache")
    assert built and selected[0] == 0
    _bump(root / "c.c", "// SPDX-License-Identifier: GPL-2.0\n")
    edited = run(capsys, "check", str(root), "--format", fmt)
    assert edited == run(capsys, "check", str(root), "--format", fmt, "--no-cache") and edited[0] == 0
    assert edited != fresh


def test_check_json_and_sarif_text_hold_the_documents(tmp_path: Path):
    """The JSON and SARIF that check writes (one file or result a line, shared parts formatted once)
    are the documents ``check_json`` and ``sarif_document`` build, names that need escaping included."""
    from tui.core.build import build_index
    from tui.core.counting import FindingFilter
    from tui.core.export import check_report as check_output
    from tui.core.export import sarif_document
    from tui.core.report import check_json

    root = write_tree(tmp_path / "t", {
        "a.c": "int x;\n", "b.c": "int y;\n", "back\\slash\\u0000.c": "int z;\n", 'q"uote,comma.c': "int q;\n",
        "bad\x1b[31m.c": "/* SPDX-License-Identifier: GPL-2.0 */\n", "caf\u00e9 \u202e.c": "int c;\n",
        "c.h": "// SPDX-License-Identifier: Nope-1.0\n", "d/e.c": "// SPDX-License-Identifier: MIT\n",
        "d/<&>.c": "// SPDX-License-Identifier: MIT\n", "d/sp ace%.c": "// SPDX-License-Identifier: Nope-1.0\n",
    })
    with open(os.path.join(os.fsencode(root), b"bad-\xff.c"), "wb") as handle:
        handle.write(b"int w;\n")
    index = build_index(str(root), use_cache=False)
    for keep in (FindingFilter(), FindingFilter({"LT100"}), FindingFilter(None, {"LT100"})):
        text, severities = check_output(index, keep, "json")
        assert json.loads(text) == json.loads(json.dumps(check_json(index, keep)))
        text, _ = check_output(index, keep, "sarif")
        assert json.loads(text) == json.loads(json.dumps(sarif_document(index, keep)))
        assert severities == check_output(index, keep, "text")[1]


def test_a_kept_report_is_made_anew_when_any_module_of_the_core_changes(tmp_path: Path):
    """The key of a kept report covers the whole core: a summary line comes from counting.py, status
    words from status.py, messages from the rules; a change to any of them must not print an old report."""
    import shutil

    import tui.core
    from tui.core.kept import code_digest

    core = tmp_path / "core"
    shutil.copytree(os.path.dirname(tui.core.__file__), core, ignore=shutil.ignore_patterns("__pycache__", "*.so"))
    before = code_digest(str(core))
    assert code_digest(str(core)) == before
    for name in ("counting.py", "status.py", "rules/tags.py"):
        path = core / name
        original = path.read_bytes()
        path.write_bytes(original + b"\n# changed\n")
        assert code_digest(str(core)) != before, name
        path.write_bytes(original)
    assert code_digest(str(core)) == before


def test_a_report_made_from_a_walk_after_git_failed_is_not_kept(capsys, tmp_path: Path, monkeypatch):
    """When `git ls-files -s` fails the tree is walked (git-ignored files included) and the listing's
    signature is dropped: the report of that run must not be kept and printed by the next one."""
    from tui.core import scan

    root = write_tree(tmp_path / "t", {"a.c": "// SPDX-License-Identifier: MIT\n", ".gitignore": "ignored.c\n",
                                       "ignored.c": "// SPDX-License-Identifier: Nope-1\n"})
    subprocess.run(["git", "-C", str(root), "init", "-q"], check=True)
    subprocess.run(["git", "-C", str(root), "add", "-A"], check=True)
    run(capsys, "check", str(root))  # a cache, with the stamp of .git/index
    (root / "a.c").write_text("// SPDX-License-Identifier: MIT\nint a;\n")  # an edit: git is asked again
    fresh = run(capsys, "check", str(root), "--no-cache")
    real = scan._git

    def failing(where, *args, **kwargs):
        if args[:2] == ("ls-files", "-s"):
            return real(where, "no-such-subcommand", **kwargs)
        return real(where, *args, **kwargs)

    monkeypatch.setattr(scan, "_git", failing)
    walked = run(capsys, "check", str(root))
    monkeypatch.setattr(scan, "_git", real)
    assert run(capsys, "check", str(root)) == fresh
    assert walked != fresh or "ignored.c" not in walked[1]  # (the walk saw the ignored file, or git did not fail)


@pytest.mark.parametrize("use_git", [True, False])
@pytest.mark.parametrize("forked", [False, True])
@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_reports_the_readers_make_while_reading_are_the_reports_made_after(tmp_path: Path, monkeypatch, fmt: str,
                                                                           forked: bool, use_git: bool):
    """A cold `check --format json|sarif` has its readers make each chunk's lines (and counts) as they
    read (``FilesJson``, ``SarifResults``): the document is byte for byte the one made from the index after,
    for any rule selection, in forked readers or not; untracked files (sorted in after) fall back to it."""
    from tui.core import build as build_mod
    from tui.core.build import build_index
    from tui.core.counting import FindingFilter
    from tui.core.export import SarifResults, check_report
    from tui.core.report import FilesJson

    files = {f"d{i % 7}/f{i}.c": ("// SPDX-License-Identifier: MIT\n" if i % 3 else "int x;\n") for i in range(60)}
    files.update({
        "bad\x1b[31m.c": "/* SPDX-License-Identifier: GPL-2.0 */\n", "caf\u00e9 \u202e.c": "int c;\n",
        "c.h": "// SPDX-License-Identifier: Nope-1.0\n", "d/sp ace%.c": "// SPDX-License-Identifier: Nope-1.0\n",
        "m.c": "/*\n * Permission is hereby granted, free of charge, to any person obtaining a copy of this\n"
               " * software, to deal in the Software without restriction.\n */\nint m;\n",
    })
    root = write_tree(tmp_path / "t", files)
    with open(os.path.join(os.fsencode(root), b"bad-\xff.c"), "wb") as handle:  # a name that is not UTF-8
        handle.write(b"int w;\n")
    if use_git:
        subprocess.run(["git", "-C", str(root), "init", "-q"], check=True)
        subprocess.run(["git", "-C", str(root), "add", "-A"], check=True)
    if forked:
        monkeypatch.setattr(build_mod, "POOL_THRESHOLD", 1)
        monkeypatch.setattr(build_mod, "CHUNK", 16)
    maker = FilesJson if fmt == "json" else SarifResults
    plain = build_index(str(root), use_cache=False, workers=2)
    for keep in (FindingFilter(), FindingFilter({"LT100"}), FindingFilter(None, {"LT100"})):
        index = build_index(str(root), use_cache=False, workers=2, chunk_report=maker(keep))
        assert index.chunk_reports is not None and len(index.chunk_reports[1]) > (1 if forked else 0)
        made, severities = check_report(index, keep, fmt)
        assert (made, severities) == check_report(plain, keep, fmt)  # the counts --fail-on reads too
        assert severities == check_report(plain, keep, "text")[1]
        assert b"".join(check_report(index, keep, fmt, joined=False)[0]) == made
        json.loads(made)
    if not use_git:
        return
    (root / "untracked.c").write_text("int u;\n")
    index = build_index(str(root), use_cache=False, workers=2, chunk_report=maker(FindingFilter()))
    assert index.chunk_reports is None
    assert check_report(index, FindingFilter(), fmt)[0] == check_report(
        build_index(str(root), use_cache=False, workers=2), FindingFilter(), fmt)[0]


@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_a_kept_report_goes_to_a_file_or_a_pipe_as_it_was_printed(tmp_path: Path, fmt: str):
    """The installed command's warm run writes a kept JSON or SARIF report straight from the cache file
    (``KeptBytes``): to a file and to a pipe, the bytes the cold run printed."""
    root = write_tree(tmp_path / "t", {"a.c": "// SPDX-License-Identifier: MIT\n", "b\u00e9.c": "int x;\n",
                                       "c.c": "// SPDX-License-Identifier: Nope-1\n"})
    subprocess.run(["git", "-C", str(root), "init", "-q"], check=True)
    subprocess.run(["git", "-C", str(root), "add", "-A"], check=True)
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    command = [sys.executable, "-m", "tui.cli", "check", str(root), "--format", fmt]
    with open(tmp_path / "cold", "wb") as out:
        assert subprocess.run(command, stdout=out, env=env).returncode == 1
    cold = (tmp_path / "cold").read_bytes()
    assert any(name.startswith(tuple("0123456789abcdef")) and ".out-" in name
               for name in os.listdir(tmp_path / "cache" / "lictree"))
    piped = subprocess.run(command, capture_output=True, env=env)
    assert (piped.returncode, piped.stdout, piped.stderr) == (1, cold, b"")
    with open(tmp_path / "warm", "wb") as out:
        subprocess.run(command, stdout=out, env=env)
    assert (tmp_path / "warm").read_bytes() == cold and json.loads(cold)


def test_a_kept_report_is_printed_without_the_rules_and_trusted_only_while_the_context_is_unchanged(
        capsys, tmp_path: Path, monkeypatch):
    """A warm run finds its kept report by the light modules alone (no rules, catalog or counting imported),
    and trusts it only while what the tree's Context is made of has not changed: LICENSES/, COPYING, and the
    notice rule data outside the tree (an upgrade of it makes the report anew)."""
    from tui.core import build as build_mod
    from tui.core import kept

    root = write_tree(tmp_path / "t", {"a.c": "// SPDX-License-Identifier: MIT\n", "b.c": "int x;\n",
                                       "LICENSES/preferred/MIT": "Valid-License-Identifier: MIT\n"})
    subprocess.run(["git", "-C", str(root), "init", "-q"], check=True)
    subprocess.run(["git", "-C", str(root), "add", "-A"], check=True)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    fresh = run(capsys, "check", str(root), "--format", "json")
    built: list[int] = []
    real_build = build_mod.build_index
    monkeypatch.setattr(build_mod, "build_index", lambda *a, **k: built.append(1) or real_build(*a, **k))
    probe = ("import sys\nfrom tui.cli import main\ncode = main(['check', sys.argv[1], '--format', 'json'])\n"
             "sys.stdout.flush()\nsys.exit(9 if 'tui.core.rules' in sys.modules else code)")
    done = subprocess.run([sys.executable, "-c", probe, str(root)], capture_output=True, text=True,
                          env={**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")})
    assert (done.returncode, done.stdout) == fresh[:2]  # printed as kept, the rules never imported (else 9)
    assert run(capsys, "check", str(root), "--format", "json") == fresh and built == []
    monkeypatch.setattr(kept, "_notice_data", lambda: "another version of the rule data")
    assert run(capsys, "check", str(root), "--format", "json") == fresh and built == [1]  # made anew
    assert run(capsys, "check", str(root), "--format", "json") == fresh and built == [1]  # and kept so
