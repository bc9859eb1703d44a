"""Which COPYING/LICENSE/LICENCE files apply to a path."""

from tui.core.catalog import load_catalog
from tui.core.copying import applicable, is_license_file, license_files
from tui.core.preview import read_head

from ..conftest import snapshot_tree, write_tree


def test_license_file_names():
    assert is_license_file("COPYING") and is_license_file("fs/jffs2/LICENCE")
    assert is_license_file("drivers/net/LICENSE.SRC") and is_license_file("Documentation/images/COPYING-logo")
    assert not is_license_file("Documentation/process/license-rules.rst")
    assert not is_license_file("include/linux/license.h")


def test_nearer_license_files_come_after_the_top_level_default(tmp_path):
    root = write_tree(tmp_path, {
        "tools/usb/COPYING": "GNU GENERAL PUBLIC LICENSE\n  Version 2\n",
        "tools/usb/usbip/src/main.c": "int x;\n",
        "fs/jffs2/LICENCE": "// SPDX-License-Identifier: GPL-2.0+ WITH eCos-exception-2.0\n",
        "fs/jffs2/compr.c": "int y;\n",
    })
    before = snapshot_tree(root)
    paths = sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
    by_dir = license_files(paths)
    catalog = load_catalog(str(root))
    found = applicable(str(root), "tools/usb/usbip/src/main.c", by_dir, catalog)
    assert [(f.path, f.top_level) for f in found] == [("COPYING", True), ("tools/usb/COPYING", False)]
    assert found[0].expression == "GPL-2.0 WITH Linux-syscall-note"
    assert found[1].expression is None and found[1].excerpt.startswith("GNU GENERAL PUBLIC LICENSE Version 2")
    jffs2 = applicable(str(root), "fs/jffs2/compr.c", by_dir, catalog)
    assert jffs2[-1].expression == "GPL-2.0+ WITH eCos-exception-2.0"
    assert [f.path for f in applicable(str(root), "fs/other.c", by_dir, catalog)] == ["COPYING"]
    assert snapshot_tree(root) == before


def test_read_head_marks_controls_and_never_opens_a_fifo(tmp_path):
    import os

    (tmp_path / "a.c").write_bytes(b"// SPDX-License-Identifier: MIT\n\tint x;\x1b[31m\n" + b"z\n" * 200)
    head = read_head(str(tmp_path), "a.c", head_lines=3, around=(100,))
    assert head.lines[2] == "        int x;\\x1b[31m"
    assert 99 in head.lines and 100 in head.lines and 50 not in head.lines and head.more
    os.mkfifo(tmp_path / "pipe")
    assert "FIFO" in read_head(str(tmp_path), "pipe").error
