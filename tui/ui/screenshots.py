"""Regenerate the screenshots in screenshots/: SVGs drawn by lictree itself, so they cannot go stale.

    python3 -m tui.ui.screenshots [--kernel KERNEL_TREE] [--out screenshots]

Without --kernel (or $LICTREE_KERNEL_TREE), only the demo pictures are drawn, and lictree says
that the kernel pictures need --kernel. A --kernel that is not a kernel tree is one line on
stderr and exit status 2. What each picture shows: docs/ui.md. The verdict cache is kept in a
temporary directory, and nothing is written in the trees.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from collections.abc import Awaitable, Callable

from textual.pilot import Pilot

from tui.cli import demo_tree
from tui.ui.app import LictreeApp

SIZE = (150, 42)
Steps = Callable[[Pilot], Awaitable[None]]


async def settle(pilot: Pilot, timeout: float = 60.0) -> None:
    """Wait until the index is loaded and the detail pane shows the cursor's row."""
    app = pilot.app
    assert isinstance(app, LictreeApp)
    waited = 0.0
    while waited < timeout:
        await pilot.pause(0.05)
        waited += 0.05
        row = app.tree.cursor_row
        if (app.data.ready and row is not None and app.detail.shown_key == row.key
                and app.detail.shown_generation == app.data.generation):
            await pilot.pause()
            return
    raise TimeoutError("lictree did not settle")


def select(path: str) -> Steps:
    async def steps(pilot: Pilot) -> None:
        assert isinstance(pilot.app, LictreeApp)
        pilot.app.tree.select_path(path)
        await settle(pilot)

    return steps


async def open_help(pilot: Pilot) -> None:
    await pilot.press("question_mark")
    await pilot.pause(0.2)


def keys(*pressed: str) -> Steps:
    async def steps(pilot: Pilot) -> None:
        await pilot.press(*pressed)
        await settle(pilot)

    return steps


#: The root of the comparison mode's picture: ``diff_demo_repo``, made when it is drawn.
DIFF_DEMO = "diff-demo"


async def shoot(root: str, path: str, steps: Steps | None, theme: str | None = None) -> None:
    if root == DIFF_DEMO:
        await shoot_diff(path)
        return
    app = LictreeApp(root, theme=theme)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        if steps is not None:
            await steps(pilot)
        directory, name = os.path.split(os.path.abspath(path))
        app.save_screenshot(filename=name, path=directory)
    print(f"wrote {path}")


def diff_demo_repo(where: str) -> str:
    """A git repository of the demo tree with two tags, ``old`` and ``new``: the second commit adds, removes,
    renames, retags (same licence) and relicenses files, for the picture of the comparison mode."""
    import shutil
    import subprocess

    env = {**os.environ, "GIT_AUTHOR_NAME": "demo", "GIT_AUTHOR_EMAIL": "demo@example.org",
           "GIT_COMMITTER_NAME": "demo", "GIT_COMMITTER_EMAIL": "demo@example.org",
           # (fixed dates: the same commits, and so the same picture, each time it is made)
           "GIT_AUTHOR_DATE": "2025-01-01T12:00:00Z", "GIT_COMMITTER_DATE": "2025-01-01T12:00:00Z"}
    repo = os.path.join(where, "linux-demo")
    shutil.copytree(demo_tree(), repo, symlinks=True)

    def git(*args: str) -> None:
        subprocess.run(["git", "-C", repo, *args], check=True, capture_output=True, env=env)

    def retag(path: str, old: str, new: str) -> None:
        with open(os.path.join(repo, path)) as handle:
            text = handle.read()
        with open(os.path.join(repo, path), "w") as handle:
            handle.write(text.replace(f"SPDX-License-Identifier: {old}", f"SPDX-License-Identifier: {new}", 1))

    git("init", "-q")
    git("add", "-A", "-f")
    git("commit", "-qm", "old")
    git("tag", "old")
    os.makedirs(os.path.join(repo, "drivers/new"))
    for name, licence in (("mit.c", "MIT"), ("mit2.c", "MIT"), ("bsd.c", "BSD-3-Clause")):
        with open(os.path.join(repo, "drivers/new", name), "w") as handle:
            handle.write(f"// SPDX-License-Identifier: {licence}\nint x;\n")
    git("rm", "-q", "kernel/printk.c")
    os.makedirs(os.path.join(repo, "lib/crc"))
    git("mv", "lib/demo-lib/crc.c", "lib/crc/crc.c")
    retag("kernel/sched.c", "GPL-2.0-only", "GPL-2.0")
    retag("kernel/fork.c", "GPL-2.0-or-later", "MIT")
    git("add", "-A", "-f")
    git("commit", "-qm", "new")
    git("tag", "new")
    return repo


async def shoot_diff(path: str) -> None:
    """The comparison mode (``lictree --diff old new``) on ``diff_demo_repo``, the cursor on a relicensed file."""
    from tui.ui.diff_app import DiffApp

    with tempfile.TemporaryDirectory(prefix="lictree-diff-demo-") as where:
        repo = diff_demo_repo(where)
        home = os.environ.get("HOME")
        os.environ["HOME"] = where  # the status line names the repository ~/linux-demo, not a temporary path
        app = DiffApp("old", "new", repo)
        async with app.run_test(size=SIZE) as pilot:
            while app.diff is None and app.error is None:
                await pilot.pause(0.05)
            tree = app.tree
            for line in range(tree.last_line + 1):
                if getattr(tree.get_node_at_line(line).data, "path", None) == "kernel/fork.c":
                    tree.cursor_line = line
            await pilot.pause(0.2)
            directory, name = os.path.split(os.path.abspath(path))
            app.save_screenshot(filename=name, path=directory)
        if home is None:
            del os.environ["HOME"]
        else:
            os.environ["HOME"] = home
    print(f"wrote {path}")


#: The pictures of a real kernel tree (Linux 6.12).
KERNEL_SHOTS = ("kernel-problem.svg", "kernel-jffs2-licence.svg", "kernel-amdgpu-notice.svg")


def kernel_tree_problem(path: str) -> str | None:
    """Why *path* cannot be used for the kernel pictures, or None when it is a kernel tree."""
    if not path:
        return "empty path"
    if not os.path.exists(path):
        return "no such file or directory"
    if not os.path.isdir(path):
        return "not a directory"
    missing = [name for name in ("LICENSES", "COPYING", "fs/jffs2") if not os.path.exists(os.path.join(path, name))]
    if missing:
        return f"not a Linux kernel tree (no {', '.join(missing)})"
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m tui.ui.screenshots", description=__doc__.split("\n\n")[0])
    parser.add_argument("--kernel", default=os.environ.get("LICTREE_KERNEL_TREE") or None,
                        help="a Linux kernel tree, for the kernel pictures (default: $LICTREE_KERNEL_TREE)")
    parser.add_argument("--out", default="screenshots", help="where to write the SVGs (default: screenshots/)")
    args = parser.parse_args(argv)
    if args.kernel is not None:
        problem = kernel_tree_problem(args.kernel)
        if problem:
            print(f"screenshots: --kernel {args.kernel}: {problem}", file=sys.stderr)
            return 2
    os.makedirs(args.out, exist_ok=True)
    os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="lictree-screenshots-")
    demo = demo_tree()
    shots: list[tuple[str, str, Steps | None, str | None]] = [
        (demo, "demo-invalid-file.svg", select("drivers/misc/typo.c"), None),
        (demo, "demo-untagged-nearer-licence.svg", select("lib/demo-lib/crc.c"), "light"),
        (demo, "demo-expanded-okabe-ito.svg", keys("e", "n", "n"), "okabe-ito"),
        (demo, "demo-notice.svg", select("drivers/gpu/amd/amd_demo.c"), None),
        (demo, "help.svg", open_help, None),
        (os.path.join(os.path.dirname(demo), "reuse-demo"), "reuse-demo-sidecar.svg", select("assets/logo.png"), None),
        (os.path.join(os.path.dirname(demo), "reuse-demo"), "reuse-demo-problem.svg", select("src/app/todo.rb"), None),
        (DIFF_DEMO, "demo-diff.svg", None, None),
    ]
    if args.kernel:
        shots.append((args.kernel, "kernel-problem.svg", keys("n"), None))
        shots.append((args.kernel, "kernel-jffs2-licence.svg", select("fs/jffs2/compr.c"), None))
        shots.append((args.kernel, "kernel-amdgpu-notice.svg", select("drivers/gpu/drm/amd/amdgpu/amdgpu_device.c"),
                      None))
    else:
        print(f"drawing the demo pictures only: {', '.join(KERNEL_SHOTS)} need --kernel KERNEL_TREE "
              "(docs/kernel-tree.md says how to get one)", file=sys.stderr)
    for root, name, steps, theme in shots:
        asyncio.run(shoot(root, os.path.join(args.out, name), steps, theme))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
