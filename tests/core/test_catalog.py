from pathlib import Path

from tests.conftest import DEMO, write_tree
from tui.core.catalog import load_catalog


def test_demo_catalog_classes_aliases_and_exceptions():
    catalog = load_catalog(str(DEMO))
    gpl = catalog.license("gpl-2.0+")
    assert gpl is not None
    assert gpl.license_class == "preferred"
    assert gpl.ids == ["GPL-2.0", "GPL-2.0-only", "GPL-2.0+", "GPL-2.0-or-later"]
    assert gpl.url == "https://spdx.org/licenses/GPL-2.0.html"
    assert "SPDX-License-Identifier: GPL-2.0-or-later" in gpl.usage_guide
    assert catalog.class_of("Apache-2.0") == "dual"
    assert catalog.class_of("GPL-1.0+") == "deprecated"
    note = catalog.exception("LINUX-SYSCALL-NOTE")
    assert note is not None and note.license_class == "exception"
    assert "GPL-2.0-only" in note.exception_licenses
    assert catalog.canonical("gpl-2.0-only") == "GPL-2.0-only"
    assert catalog.copying_default == "GPL-2.0 WITH Linux-syscall-note"
    assert catalog.problems == []


def test_old_layout_with_other_folder_is_read(tmp_path: Path):
    # Linux 4.19 had LICENSES/preferred, other and exceptions.
    write_tree(tmp_path, {
        "LICENSES/other/ISC": "Valid-License-Identifier: ISC\nSPDX-URL: u\nUsage-Guide:\n  x\nLicense-Text:\nt\n",
    })
    catalog = load_catalog(str(tmp_path))
    assert catalog.class_of("ISC") == "other"
    assert catalog.class_of("MIT") == "preferred"


def test_usage_guidance_tag_is_read_like_usage_guide(tmp_path: Path):
    write_tree(tmp_path, {
        "LICENSES/preferred/X11": "Valid-License-Identifier: X11\nUsage-Guidance:\n  Say X11.\n  Really.\nLicense-Text:\nt\n",
    })
    entry = load_catalog(str(tmp_path)).license("X11")
    assert entry.usage_tag == "Usage-Guidance"
    assert entry.usage_guide == "Say X11.\nReally."


def test_malformed_files_are_problems_not_crashes(tmp_path: Path):
    write_tree(tmp_path, {
        "LICENSES/preferred/Empty": "",
        "LICENSES/preferred/Binary": b"\x00\x01\x02Valid-License-Identifier: X\n",
        "LICENSES/preferred/MIT-again": "Valid-License-Identifier: mit\nLicense-Text:\nt\n",
        "LICENSES/exceptions/Bad-note": "SPDX-Exception-Identifier: Bad-note\nSPDX-Licenses: Nope-1.0\nLicense-Text:\n",
    })
    catalog = load_catalog(str(tmp_path))
    messages = {(p.path, p.message) for p in catalog.problems}
    assert ("LICENSES/preferred/Empty", "no Valid-License-Identifier or SPDX-Exception-Identifier tag") in messages
    assert any(p == "LICENSES/preferred/Binary" and "binary" in m for p, m in messages)
    assert any(p == "LICENSES/preferred/MIT-again" and "also defined in LICENSES/preferred/MIT" in m for p, m in messages)
    assert any(p == "LICENSES/exceptions/Bad-note" and "Nope-1.0" in m for p, m in messages)
    # The rest still works.
    assert catalog.license("MIT").path == "LICENSES/preferred/MIT"
    assert catalog.exception("Linux-syscall-note") is not None


def test_no_licenses_dir(tmp_path: Path):
    write_tree(tmp_path, {"a.c": "// SPDX-License-Identifier: MIT\n"}, licenses=False)
    catalog = load_catalog(str(tmp_path))
    assert not catalog.has_licenses_dir
    assert catalog.licenses == {}
    assert catalog.copying_default is None


def test_fingerprint_changes_with_licenses(tmp_path: Path):
    write_tree(tmp_path, {})
    before = load_catalog(str(tmp_path)).fingerprint
    (tmp_path / "LICENSES/preferred/MIT").unlink()
    assert load_catalog(str(tmp_path)).fingerprint != before


def test_a_license_is_named_by_the_id_its_file_is_named_after(tmp_path):
    """Linux 6.12's LICENSES/deprecated/GFDL-1.1 lists "GPL-2.0 OR GFDL-1.1-no-invariants-or-later" first:
    a license is never named by an expression, so that the summary's row filters by it."""
    from tui.core.catalog import load_catalog

    write_tree(tmp_path, {
        "LICENSES/preferred/GPL-2.0": "Valid-License-Identifier: GPL-2.0-only\nValid-License-Identifier: GPL-2.0\n"
                                      "Valid-License-Identifier: GPL-2.0+\nSPDX-URL: x\nUsage-Guide:\n  x\nLicense-Text:\nx\n",
        "LICENSES/deprecated/GFDL-1.1": "Valid-License-Identifier: GPL-2.0 OR GFDL-1.1-no-invariants-or-later\n"
                                        "Valid-License-Identifier: GFDL-1.1-no-invariants-or-later\n"
                                        "SPDX-URL: x\nUsage-Guide:\n  x\nLicense-Text:\nx\n",
    })
    catalog = load_catalog(str(tmp_path))
    assert catalog.name_of("gpl-2.0+") == "GPL-2.0"  # the file's name, whatever id comes first
    assert catalog.name_of("GFDL-1.1-no-invariants-or-later") == "GFDL-1.1-no-invariants-or-later"
    assert catalog.name_of("Unknown-1.0") == "Unknown-1.0"
