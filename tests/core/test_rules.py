"""Every rule fires on a fixture made to trigger it, and stays quiet on its close neighbours."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.conftest import write_tree
from tui.core.build import build_index
from tui.core.evaluate import Context
from tui.core.rules import RULES, SEVERITIES, Finding, parse_rule_ids
from tui.core.rules.analysis import analyse
from tui.core.rules.module_license import contradiction

#: Licenses the rules need beyond the small LICENSES/ that write_tree adds.
MORE_LICENSES = {
    "LICENSES/preferred/BSD-3-Clause": (
        "Valid-License-Identifier: BSD-3-Clause\nSPDX-URL: https://spdx.org/licenses/BSD-3-Clause.html\n"
        "Usage-Guidance:\n  SPDX-License-Identifier: BSD-3-Clause\nLicense-Text:\nt\n"
    ),
    "LICENSES/deprecated/ISC": (
        "Valid-License-Identifier: ISC\nSPDX-URL: https://spdx.org/licenses/ISC.html\n"
        "Usage-Guidance:\n  SPDX-License-Identifier: ISC\nLicense-Text:\nt\n"
    ),
    "LICENSES/deprecated/GPL-1.0": (
        "Valid-License-Identifier: GPL-1.0+\nSPDX-URL: https://spdx.org/licenses/GPL-1.0.html\n"
        "Usage-Guidance:\n  The GNU General Public License (GPL) version 1 should not be used in new\n"
        "  code. Existing code needs the 'or any later version' option.\nLicense-Text:\nt\n"
    ),
    "LICENSES/other/CC-BY-4.0": (
        "Valid-License-Identifier: CC-BY-4.0\nSPDX-URL: https://spdx.org/licenses/CC-BY-4.0.html\n"
        "Usage-Guidance:\n  For documentation.\nLicense-Text:\nt\n"
    ),
    "LICENSES/dual/MPL-1.1": (
        "Valid-License-Identifier: MPL-1.1\nSPDX-URL: https://spdx.org/licenses/MPL-1.1.html\n"
        "Usage-Guidance:\n  Do NOT use alone.\nLicense-Text:\nt\n"
    ),
    # As in the kernel: the license texts are not source files.
    "scripts/spdxexclude": "# SPDX-License-Identifier: GPL-2.0\nLICENSES/\n/COPYING\n",
}


def findings_of(root: Path, files: dict[str, str | bytes]) -> dict[str, list[Finding]]:
    """Index a small tree (in this process) and return every file's findings."""
    write_tree(root, {**MORE_LICENSES, **files})
    index = build_index(str(root), use_cache=False, workers=1)
    return {path: list(found) for path, found in index.findings.items()}


def rules_at(found: dict[str, list[Finding]], path: str) -> list[tuple[str, int | None]]:
    return [(f.rule, f.line) for f in found.get(path, [])]


def ids_at(found: dict[str, list[Finding]], path: str) -> set[str]:
    return {f.rule for f in found.get(path, [])}


C = "// SPDX-License-Identifier: {}\nint x;\n"
H = "/* SPDX-License-Identifier: {} */\nint x;\n"

# One file per rule that must trigger it (path, content, rule). LT001 is made with a FIFO below.
TRIGGERS: list[tuple[str, str, str]] = [
    ("untagged.c", "int untagged;\n", "LT100"),
    ("typo.c", C.format("GPL-2.0-onyl"), "LT101"),
    ("mixed.c", C.format("GPL-2.0 AND MIT OR Apache-2.0"), "LT102"),
    ("chain.c", C.format("GPL-2.0 OR MIT OR Apache-2.0"), "LT103"),
    ("repeat.c", "// SPDX-License-Identifier: GPL-2.0\n/* x */\n// SPDX-License-Identifier: GPL-2.0-only\n", "LT104"),
    ("conflict.h", "/* SPDX-License-Identifier: GPL-2.0 */\n// SPDX-License-Identifier: GPL-2.0-or-later\n", "LT105"),
    ("lower.c", C.format("GPL-2.0 or MIT"), "LT106"),
    ("late.c", "/*\n * SPDX-License-Identifier: GPL-2.0\n */\n", "LT200"),
    ("style.c", H.format("GPL-2.0"), "LT201"),
    ("include/uapi/linux/nonote.h", H.format("GPL-2.0"), "LT300"),
    ("arch/x86/include/uapi/asm/bare.h", "#define X 1\n", "LT301"),
    ("old.c", C.format("ISC"), "LT400"),
    ("apache.c", C.format("Apache-2.0"), "LT401"),
    ("mismatch.c", C.format("GPL-2.0-only") + 'MODULE_LICENSE("Dual BSD/GPL");\n', "LT500"),
    ("unknown.c", C.format("GPL-2.0") + 'MODULE_LICENSE("BSD");\n', "LT501"),
    ("closed.c", C.format("GPL-2.0") + 'MODULE_LICENSE("Proprietary");\n', "LT502"),
    ("history.c", C.format("GPL-2.0 AND MIT") + 'MODULE_LICENSE("GPL and additional rights");\n', "LT503"),
    ("noticed.c", "/*\n * This program is free software; you can redistribute it and/or modify it under the\n"
     " * terms of the GNU General Public License version 2 as published by the Free Software Foundation.\n */\n",
     "LT600"),
    ("contradicted.c", "// SPDX-License-Identifier: MIT\n/*\n * This program is free software; you can redistribute it and/or\n"
     " * modify it under the terms of the GNU General Public License version 2 as published by the\n"
     " * Free Software Foundation.\n */\n", "LT601"),
    ("unrecognised.c", "/*\n * Use of this file is subject to the licence terms of the Frobnicator Guild.\n */\n", "LT602"),
    ("LICENSES/preferred/Binary", b"\0\1Valid-License-Identifier: X\n", "LT900"),
    ("LICENSES/preferred/NoURL", "Valid-License-Identifier: NoURL\nUsage-Guidance:\n x\nLicense-Text:\nt\n", "LT901"),
    ("LICENSES/preferred/MIT-again", "Valid-License-Identifier: MIT\nSPDX-URL: u\nUsage-Guidance:\n x\n"
     "License-Text:\nt\n", "LT902"),
    ("LICENSES/exceptions/Odd-note", "SPDX-Exception-Identifier: Odd-note\nSPDX-URL: u\nSPDX-Licenses: Nope-1.0\n"
     "Usage-Guidance:\n x\nException-Text:\nt\n", "LT903"),
    ("LICENSES/preferred/Guide", "Valid-License-Identifier: Guide\nSPDX-URL: u\nUsage-Guide:\n x\nLicense-Text:\nt\n",
     "LT904"),
    ("LICENSES/preferred/Example", "Valid-License-Identifier: Example\nSPDX-URL: u\nUsage-Guidance:\n"
     "  SPDX-License-Identifier: Example OR copyleft-next 0.3.1\nLicense-Text:\nt\n", "LT905"),
]


@pytest.fixture(scope="module")
def triggered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Finding]]:
    root = tmp_path_factory.mktemp("triggers")
    files = {path: content for path, content, _rule in TRIGGERS}
    write_tree(root, {**MORE_LICENSES, **files})
    if hasattr(os, "mkfifo"):
        os.mkfifo(root / "pipe.c")
    return dict(build_index(str(root), use_cache=False, workers=1).findings)


@pytest.mark.parametrize(("path", "rule_id"), [(p, r) for p, _c, r in TRIGGERS], ids=[r for _p, _c, r in TRIGGERS])
def test_each_rule_fires_on_its_fixture(triggered: dict, path: str, rule_id: str):
    found = [f for f in triggered.get(path, []) if f.rule == rule_id]
    assert found, f"{rule_id} did not fire on {path}: {triggered.get(path)}"
    finding = found[0]
    assert finding.severity == RULES[rule_id].severity
    assert finding.message


def test_unreadable_file_is_lt001(triggered: dict):
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs here")
    assert [f.rule for f in triggered["pipe.c"]] == ["LT001"]


def test_every_rule_has_a_trigger_fixture_and_metadata():
    covered = {r for _p, _c, r in TRIGGERS} | {"LT001"}
    covered |= {r for r in RULES if r.startswith("LT7")}  # REUSE trees' rules: tests/core/test_reuse.py triggers each
    assert covered == set(RULES), f"rules without a fixture: {set(RULES) - covered}"
    for rule in RULES.values():
        assert re.fullmatch(r"LT\d{3}", rule.id)
        assert rule.severity in SEVERITIES
        assert rule.summary and rule.reference and rule.name


def test_each_trigger_fires_only_the_rules_it_is_about(triggered: dict):
    # A fixture for one rule does not drag in unrelated findings (beyond the LICENSES/ drift notes).
    expected_extra = {"untagged.c": set(), "arch/x86/include/uapi/asm/bare.h": {"LT100"},
                      "late.c": {"LT201"}, "unknown.c": set(), "mismatch.c": set(),
                      "unrecognised.c": {"LT100"}}
    for path, _content, rule_id in TRIGGERS:
        if path.startswith("LICENSES/"):
            continue
        extra = ids_at(triggered, path) - {rule_id}
        assert extra <= expected_extra.get(path, set()), f"{path}: {extra}"


# LT101-LT106: the expression --------------------------------------------------------------------


def test_missing_parentheses_is_explained_once(tmp_path: Path):
    found = findings_of(tmp_path, {
        "mixed.c": C.format("GPL-2.0 AND MIT OR Apache-2.0"),
        "chain.c": C.format("GPL-2.0 OR MIT OR Apache-2.0"),
        "chain-and-typo.c": C.format("GPL-2.0 OR FOO OR MIT"),
        "fixed.c": C.format("(GPL-2.0 AND MIT) OR Apache-2.0"),
        "fixed-chain.c": C.format("(GPL-2.0 OR MIT) OR Apache-2.0"),
        "with-or.c": C.format("GPL-2.0 WITH Linux-syscall-note OR MIT"),
    })
    mixed = found["mixed.c"]
    assert [f.rule for f in mixed] == ["LT102"]
    assert "'(GPL-2.0 AND MIT) OR Apache-2.0'" in mixed[0].message
    assert "Syntax error" in mixed[0].message and "non-associative" in mixed[0].message
    chain = found["chain.c"]
    assert [f.rule for f in chain] == ["LT103"]
    assert "'(GPL-2.0 OR MIT) OR Apache-2.0'" in chain[0].message
    # Two problems: spdxcheck's first error, and the chain.
    assert ids_at(found, "chain-and-typo.c") == {"LT101", "LT103"}
    assert "Invalid License ID: FOO" in found["chain-and-typo.c"][0].message
    assert "fixed.c" not in found and "fixed-chain.c" not in found
    # spdxcheck's own message for WITH before OR is clear: it stays LT101.
    assert [(f.rule, f.message.split(" (")[0]) for f in found["with-or.c"]] == [("LT101", "Missing parentheses: OR")]


def test_the_status_of_a_parenthesis_problem_stays_invalid(tmp_path: Path):
    write_tree(tmp_path, {"chain.c": C.format("GPL-2.0 OR MIT OR Apache-2.0")})
    assert build_index(str(tmp_path), use_cache=False).verdict("chain.c") == "invalid"


def test_lowercase_operators(tmp_path: Path):
    found = findings_of(tmp_path, {
        "or.c": C.format("GPL-2.0 or MIT"),
        "with.h": H.format("GPL-2.0 with Linux-syscall-note"),
        "upper.c": C.format("GPL-2.0 OR MIT"),
        "lower-ids.c": C.format("gpl-2.0 OR mit"),
    })
    assert rules_at(found, "or.c") == [("LT106", 1)]
    assert "'with'" in found["with.h"][0].message
    assert "upper.c" not in found and "lower-ids.c" not in found


def test_more_than_one_tag(tmp_path: Path):
    found = findings_of(tmp_path, {
        "same.c": "// SPDX-License-Identifier: GPL-2.0\n\n// SPDX-License-Identifier: GPL-2.0\n",
        "alias.c": "// SPDX-License-Identifier: (GPL-2.0-only OR MIT)\n// SPDX-License-Identifier: MIT OR GPL-2.0\n",
        "differ.h": "/* SPDX-License-Identifier: GPL-2.0 */\n// SPDX-License-Identifier: GPL-2.0-or-later\n",
        # A generator's string literal, an example indented in a comment, a tag after line 15: not tags.
        "gen.c": '// SPDX-License-Identifier: MIT\n#define HEADER \\\n\t"// SPDX-License-Identifier: GPL-2.0\\n"\n',
        "example.sh": "#!/bin/sh\n# SPDX-License-Identifier: GPL-2.0+\n# Write tests like:\n"
                      "#   #!/bin/sh\n#   SPDX-License-Identifier: GPL-2.0+\n",
        "late.c": "// SPDX-License-Identifier: MIT\n" + "\n" * 15 + "// SPDX-License-Identifier: GPL-2.0\n",
    })
    assert rules_at(found, "same.c") == [("LT104", 3)]
    assert rules_at(found, "alias.c") == [("LT104", 2)]
    assert rules_at(found, "differ.h") == [("LT105", 2)]
    assert "GPL-2.0-or-later" in found["differ.h"][0].message
    for quiet in ("gen.c", "example.sh", "late.c"):
        assert quiet not in found, found.get(quiet)


# LT200/LT201: placement and comment style ---------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "content", "expected"),
    [
        ("a.c", "// SPDX-License-Identifier: GPL-2.0\n", []),
        ("b.c", "/*\n * SPDX-License-Identifier: GPL-2.0\n */\n", [("LT200", 2), ("LT201", 2)]),
        ("c.h", "/*\n * SPDX-License-Identifier: GPL-2.0\n */\n", [("LT200", 2)]),
        ("run.sh", "#!/bin/sh\n# SPDX-License-Identifier: GPL-2.0\n", []),
        ("late.sh", "#!/bin/sh\n#\n# SPDX-License-Identifier: GPL-2.0\n", [("LT200", 3)]),
        ("tool", "#!/usr/bin/env python3\n# SPDX-License-Identifier: GPL-2.0\n", []),
        ("pic.svg", '<?xml version="1.0"?>\n<!-- SPDX-License-Identifier: GPL-2.0 -->\n<svg/>\n', []),
        ("coded.py", "# -*- coding: utf-8 -*-\n# SPDX-License-Identifier: GPL-2.0\n", []),
        ("shebang-coded.py", "#!/usr/bin/python3\n# -*- coding: utf-8 -*-\n# SPDX-License-Identifier: GPL-2.0\n", []),
        ("titled.py", "# titled.py: does things\n# SPDX-License-Identifier: GPL-2.0\n", [("LT200", 2)]),
        ("tools/perf/tests/shell/t.sh", "#!/bin/sh\n# perf does a thing\n# SPDX-License-Identifier: GPL-2.0\n", []),
        ("tools/perf/tests/shell/u.sh", "#!/bin/sh\n# perf does a thing\n\n# SPDX-License-Identifier: GPL-2.0\n",
         [("LT200", 4)]),
        ("NOTES", "Notes\n\n\tSPDX-License-Identifier: GPL-2.0\n", []),
        ("doc.rst", ":orphan:\n\n.. SPDX-License-Identifier: GPL-2.0\n", [("LT200", 3)]),
    ],
)
def test_placement(tmp_path: Path, path: str, content: str, expected: list):
    found = findings_of(tmp_path, {path: content})
    assert rules_at(found, path) == expected


@pytest.mark.parametrize(
    ("path", "content", "fires"),
    [
        ("a.c", "// SPDX-License-Identifier: GPL-2.0\n", False),
        ("a2.c", "/* SPDX-License-Identifier: GPL-2.0 */\n", True),
        ("b.h", "/* SPDX-License-Identifier: GPL-2.0 */\n", False),
        ("b2.h", "/* SPDX-License-Identifier: GPL-2.0\n *\n */\n", False),
        ("b3.h", "// SPDX-License-Identifier: GPL-2.0\n", True),
        ("entry.S", "/* SPDX-License-Identifier: GPL-2.0 */\n", False),
        ("entry2.S", "// SPDX-License-Identifier: GPL-2.0\n", True),
        ("arm.S", "@ SPDX-License-Identifier: GPL-2.0\n", True),
        ("x.dts", "// SPDX-License-Identifier: GPL-2.0\n", False),
        ("y.dtsi", "/* SPDX-License-Identifier: GPL-2.0 */\n", True),
        ("Makefile", "# SPDX-License-Identifier: GPL-2.0\n", False),
        ("sub/Makefile", "// SPDX-License-Identifier: GPL-2.0\n", True),
        ("Kconfig.debug", "# SPDX-License-Identifier: GPL-2.0\n", False),
        ("doc.rst", ".. SPDX-License-Identifier: GPL-2.0\n", False),
        ("doc2.rst", ". SPDX-License-Identifier: GPL-2.0\n", True),
        ("run", "#!/bin/sh\n# SPDX-License-Identifier: GPL-2.0\n", False),
        ("tool.8", '.\\" SPDX-License-Identifier: GPL-2.0\n.TH TOOL 8\n', False),
        ("tool2.8", "# SPDX-License-Identifier: GPL-2.0\n.TH TOOL 8\n", True),
        ("tmpl.j2", "/* SPDX-License-Identifier: GPL-2.0 */\n", False),  # what the template writes out
        ("mod.rs", "// SPDX-License-Identifier: GPL-2.0\n", False),
    ],
)
def test_comment_style(tmp_path: Path, path: str, content: str, fires: bool):
    found = findings_of(tmp_path, {path: content})
    assert ("LT201" in ids_at(found, path)) is fires, found.get(path)


def test_style_message_says_when_the_marker_is_no_comment(tmp_path: Path):
    found = findings_of(tmp_path, {"Makefile": "// SPDX-License-Identifier: GPL-2.0\n",
                                   "arm.S": "@ SPDX-License-Identifier: GPL-2.0\n"})
    assert "not a comment" in found["Makefile"][0].message
    assert "not a comment" not in found["arm.S"][0].message  # '@' is ARM's comment character
    assert "/* SPDX-License-Identifier: <expr> */" in found["arm.S"][0].message


# LT300/LT301: UAPI ------------------------------------------------------------------------------------


def test_uapi_headers(tmp_path: Path):
    found = findings_of(tmp_path, {
        "include/uapi/linux/a.h": H.format("GPL-2.0"),
        "include/uapi/linux/b.h": H.format("GPL-2.0 WITH Linux-syscall-note"),
        "include/uapi/linux/c.h": H.format("(GPL-2.0 WITH Linux-syscall-note) OR MIT"),
        "include/uapi/linux/d.h": H.format("MIT"),
        "include/uapi/linux/e.h": H.format("GPL-2.0 OR MIT"),
        "include/uapi/linux/f.h": H.format("(GPL-2.0 WITH Linux-syscall-note) OR GPL-2.0+"),
        "arch/arm/include/uapi/asm/g.h": H.format("GPL-2.0+"),
        "include/linux/h.h": H.format("GPL-2.0"),
        "tools/include/uapi/linux/i.h": H.format("GPL-2.0"),
        "include/uapi/linux/untagged.h": "#define X 1\n",
        "include/linux/untagged.h": "#define X 1\n",
        "include/uapi/Kbuild": "generic-y += x.h\n",
    })
    assert rules_at(found, "include/uapi/linux/a.h") == [("LT300", 1)]
    assert "headers_install" in found["include/uapi/linux/a.h"][0].message
    assert rules_at(found, "include/uapi/linux/e.h") == [("LT300", 1)]
    f_message = found["include/uapi/linux/f.h"][0].message
    assert "GPL-2.0+" in f_message and "headers_install" not in f_message  # the script would let it pass
    assert rules_at(found, "arch/arm/include/uapi/asm/g.h") == [("LT300", 1)]
    for quiet in ("include/uapi/linux/b.h", "include/uapi/linux/c.h", "include/uapi/linux/d.h",
                  "include/linux/h.h", "tools/include/uapi/linux/i.h"):
        assert quiet not in found, found.get(quiet)
    assert ids_at(found, "include/uapi/linux/untagged.h") == {"LT100", "LT301"}
    assert ids_at(found, "include/linux/untagged.h") == {"LT100"}
    assert "LT301" not in ids_at(found, "include/uapi/Kbuild")


# LT400/LT401: license classes ---------------------------------------------------------------------


def test_deprecated_and_dual_licenses(tmp_path: Path):
    found = findings_of(tmp_path, {
        "isc.c": C.format("ISC"),
        "gpl1.c": C.format("GPL-1.0+"),
        "isc-or-gpl.c": C.format("GPL-2.0 OR ISC"),
        "apache.c": C.format("Apache-2.0"),
        "apache-and.c": C.format("GPL-2.0 AND Apache-2.0"),
        "apache-or.c": C.format("GPL-2.0 OR Apache-2.0"),
        "apache-or-mit.c": C.format("Apache-2.0 OR MIT"),
        "two-duals.c": C.format("Apache-2.0 OR MPL-1.1"),
        "dual-in-and.c": C.format("(GPL-2.0 OR MIT) AND Apache-2.0"),
        "no-gpl-partner.c": C.format("Apache-2.0 OR CC-BY-4.0"),
    })
    assert rules_at(found, "isc.c") == [("LT400", 1)]
    assert found["isc.c"][0].severity == "info"
    # The file's own Usage-Guide is quoted when it speaks of new code.
    assert "should not be used in new code" in found["gpl1.c"][0].message
    assert rules_at(found, "apache.c") == [("LT401", 1)]
    assert rules_at(found, "apache-and.c") == [("LT401", 1)]
    assert "MPL-1.1" in found["two-duals.c"][0].message and "Apache-2.0" in found["two-duals.c"][0].message
    assert rules_at(found, "dual-in-and.c") == [("LT401", 1)]
    # CC-BY-4.0 is not in this LICENSES/dual, but neither is it GPL-2.0 compatible.
    assert rules_at(found, "no-gpl-partner.c") == [("LT401", 1)]
    for quiet in ("isc-or-gpl.c", "apache-or.c", "apache-or-mit.c"):
        assert quiet not in found, found.get(quiet)


def test_no_class_rules_without_classes(tmp_path: Path):
    # The 4.19 layout (preferred/other/exceptions) had no deprecated folder: ISC was "other".
    write_tree(tmp_path, {"LICENSES/other/ISC": "Valid-License-Identifier: ISC\nSPDX-URL: u\nUsage-Guide:\n x\n"
                                                "License-Text:\nt\n", "a.c": C.format("ISC")})
    assert "a.c" not in build_index(str(tmp_path), use_cache=False).findings


# LT500-LT503: MODULE_LICENSE ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "string"),
    [
        ("GPL-2.0-or-later", "GPL"),
        ("GPL-2.0-only", "GPL v2"),
        ("GPL-1.0+", "GPL"),
        ("GPL-2.0 OR BSD-3-Clause", "Dual BSD/GPL"),
        ("(GPL-2.0+ OR BSD-2-Clause)", "Dual BSD/GPL"),
        ("GPL-2.0 OR Linux-OpenIB", "Dual BSD/GPL"),
        ("ISC", "Dual BSD/GPL"),
        ("BSD-3-Clause", "Dual BSD/GPL"),
        ("MIT", "GPL and additional rights"),
        ("BSD-3-Clause", "GPL"),
        ("GPL-2.0 OR MIT", "Dual MIT/GPL"),
        ("MIT", "Dual MIT/GPL"),
        ("GPL-2.0 OR MIT", "GPL"),
        ("LGPL-2.1", "GPL"),
        ("GPL-2.0 OR MPL-1.1", "Dual MPL/GPL"),
        ("GPL-2.0 AND MIT", "GPL and additional rights"),
        ("GPL-2.0 OR MIT", "GPL and additional rights"),
        ("GPL-2.0-or-later OR copyleft-next-0.3.1", "GPL"),
        ("Unknown-1.0", "GPL"),  # an id lictree knows nothing about: no verdict
    ],
)
def test_module_license_compatible(expression: str, string: str, tmp_path: Path):
    ctx = Context(str(write_tree(tmp_path, {})))
    assert contradiction(ctx, string, expression) is None


@pytest.mark.parametrize(
    ("expression", "string", "says"),
    [
        ("GPL-2.0-only", "Dual BSD/GPL", 'no BSD alternative; "GPL" would match'),
        ("GPL-2.0+", "Dual MIT/GPL", "no MIT alternative"),
        ("(GPL-2.0+ OR MIT)", "Dual BSD/GPL", '"Dual MIT/GPL" would match'),
        ("GPL-2.0 OR BSD-3-Clause", "Dual MIT/GPL", '"Dual BSD/GPL" would match'),
        ("GPL-2.0-only", "GPL and additional rights", "nothing beyond the GPL"),
        ("Apache-2.0", "GPL", "no GPL v2 compatible choice"),
        ("GPL-2.0 AND Apache-2.0", "GPL v2", "no GPL v2 compatible choice"),
        ("GPL-2.0 OR BSD-3-Clause", "Dual MPL/GPL", "no MPL alternative"),
    ],
)
def test_module_license_contradiction(expression: str, string: str, says: str, tmp_path: Path):
    ctx = Context(str(write_tree(tmp_path, {})))
    message = contradiction(ctx, string, expression)
    assert message is not None and says in message and f'MODULE_LICENSE("{string}")' in message


def test_module_license_findings_point_at_the_macro(tmp_path: Path):
    body = ("// SPDX-License-Identifier: GPL-2.0-only\n/*\n * Usage: MODULE_LICENSE(\"Dual BSD/GPL\");\n */\n"
            "int x;\n\nMODULE_LICENSE(\"Dual BSD/GPL\");\n")
    found = findings_of(tmp_path, {
        "drv.c": body,
        "ok.c": C.format("GPL-2.0") + 'MODULE_LICENSE("GPL");\nMODULE_LICENSE("GPL v2");\n',
        "untagged.c": 'int x;\nMODULE_LICENSE("Dual BSD/GPL");\n',
        "untagged-bad.c": 'int x;\nMODULE_LICENSE("GPL-2.0");\n',
        "invalid.c": C.format("GPL-2.0 OR NOPE") + 'MODULE_LICENSE("Dual BSD/GPL");\n',
        "note.h": H.format("GPL-2.0-only") + 'MODULE_LICENSE("Dual BSD/GPL");\n',  # only .c bodies are read
    })
    assert rules_at(found, "drv.c") == [("LT500", 7)]
    assert "ok.c" not in found
    assert ids_at(found, "untagged.c") == {"LT100"}  # no tag to compare with
    assert ids_at(found, "untagged-bad.c") == {"LT100", "LT501"}
    assert ids_at(found, "invalid.c") == {"LT101"}
    assert "note.h" not in found


def test_module_license_strings(tmp_path: Path):
    found = findings_of(tmp_path, {
        "prop.c": C.format("GPL-2.0") + 'MODULE_LICENSE("Proprietary");\n',
        "hist.c": C.format("GPL-2.0 OR MIT") + 'MODULE_LICENSE("GPL and additional rights");\n',
        "hist-and.c": C.format("GPL-2.0 AND MIT") + 'MODULE_LICENSE("GPL and additional rights");\n',
        "bsd.c": C.format("BSD-3-Clause") + 'MODULE_LICENSE("BSD");\n',
    })
    assert rules_at(found, "prop.c") == [("LT502", 3)]
    assert rules_at(found, "hist.c") == [("LT503", 3)]
    assert '"Dual MIT/GPL" says' in found["hist.c"][0].message
    assert "Dual MIT/GPL" not in found["hist-and.c"][0].message  # AND is not a choice
    assert rules_at(found, "bsd.c") == [("LT501", 3)]
    assert "proprietary" in found["bsd.c"][0].message


def test_every_module_license_of_a_body_is_checked_in_order(tmp_path: Path):
    body = (C.format("GPL-2.0-only") + 'MODULE_LICENSE("Dual BSD/GPL");\nMODULE_LICENSE("GPL");\n'
            + "int x;\n" * 5000 + 'MODULE_LICENSE("Proprietary");\n')
    found = findings_of(tmp_path, {"many.c": body})
    assert rules_at(found, "many.c") == [("LT500", 3), ("LT502", 5005)]


# LT900-LT905: LICENSES/ ----------------------------------------------------------------------------


def test_licenses_folder_rules(tmp_path: Path):
    found = findings_of(tmp_path, {
        "LICENSES/preferred/Good": "Valid-License-Identifier: Good\nSPDX-URL: u\nUsage-Guidance:\n"
                                   "  SPDX-License-Identifier: Good\n  SPDX-License-Identifier: <SPDX-License>\n"
                                   "License-Text:\nt\n",
        "LICENSES/preferred/Bare": "Valid-License-Identifier: Bare\nLicense-Text:\nt\n",
        "LICENSES/preferred/Twice": "Valid-License-Identifier: Twice\nValid-License-Identifier: twice\nSPDX-URL: u\n"
                                    "Usage-Guidance:\n x\nLicense-Text:\nt\n",
        "LICENSES/exceptions/No-licenses": "SPDX-Exception-Identifier: No-licenses\nSPDX-URL: u\n"
                                           "Usage-Guidance:\n x\nException-Text:\nt\n",
        "LICENSES/exceptions/Old-style": "SPDX-Exception-Identifier: Old-style\nSPDX-URL: u\nSPDX-Licenses: MIT\n"
                                         "Usage-Guide:\n x\nLicense-Text:\nt\n",
    })
    assert "LICENSES/preferred/Good" not in found
    bare = found["LICENSES/preferred/Bare"]
    assert [f.rule for f in bare] == ["LT901"] and "SPDX-URL:" in bare[0].message and "Usage-Guidance:" in bare[0].message
    assert rules_at(found, "LICENSES/preferred/Twice") == [("LT902", 2)]
    assert "earlier in this file" in found["LICENSES/preferred/Twice"][0].message
    no_licenses = found["LICENSES/exceptions/No-licenses"]
    assert ("LT901", 1) in rules_at(found, "LICENSES/exceptions/No-licenses")
    assert any(f.rule == "LT904" and "spdxcheck.py" in f.message for f in no_licenses)  # Exception-Text
    old = rules_at(found, "LICENSES/exceptions/Old-style")
    assert old == [("LT904", 4), ("LT904", 6)]
    assert all(f.severity == "info" for f in found["LICENSES/exceptions/Old-style"])


def test_licenses_problems_keep_ids_and_rule_families():
    assert set(parse_rule_ids("LT9")) == {r for r in RULES if r.startswith("LT9")}
    assert {"LT001", "LT100", "LT101", "LT900"} <= set(RULES)


# The analysis behind the rules ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "mixed", "chained", "rewrite"),
    [
        ("A OR B", False, (), "A OR B"),
        ("A AND B OR C", True, (), "(A AND B) OR C"),
        ("A OR B AND C", True, (), "A OR (B AND C)"),
        ("A OR B OR C", False, ("OR",), "(A OR B) OR C"),
        ("(A OR B) OR C", False, (), "(A OR B) OR C"),
        ("A WITH x OR B", False, (), "(A WITH x) OR B"),
        ("((A WITH x) AND B)", False, (), "(A WITH x) AND B"),
        ("A OR (B AND C AND D)", False, ("AND",), "A OR ((B AND C) AND D)"),
        ("A OR", False, (), None),
        ("", False, (), None),
    ],
)
def test_analysis(expression: str, mixed: bool, chained: tuple, rewrite: str | None):
    analysis = analyse(expression)
    assert analysis.mixed is mixed
    assert analysis.chained == chained
    assert analysis.rewrite() == rewrite


def test_choices_expand_and_over_or():
    assert set(analyse("(A OR B) AND C").choices) == {frozenset({"A", "C"}), frozenset({"B", "C"})}
    assert analyse("A WITH x").leaves == (("A", "x"),)


# What users see: lictree rules, and findings in lictree check -------------------------------------


def test_rules_command_lists_every_rule_with_its_reference(capsys):
    from tui.cli import main

    assert main(["rules"]) == 0
    text = capsys.readouterr().out
    for rule in RULES.values():
        assert re.search(rf"^{rule.id}  {rule.severity} +{rule.name}$", text, re.M), rule.id
    assert text.count("\n    see ") == len(RULES)
    assert main(["rules", "--format", "json", "--select", "LT3,LT5"]) == 0
    import json

    listed = json.loads(capsys.readouterr().out)
    assert [r["id"] for r in listed] == ["LT300", "LT301", "LT500", "LT501", "LT502", "LT503"]
    assert all(r["reference"] and r["summary"] for r in listed)


def test_check_reports_rule_findings_in_text_and_json(tmp_path: Path, capsys):
    import json

    from tui.cli import main

    write_tree(tmp_path, {**MORE_LICENSES, "drv.c": C.format("GPL-2.0-only") + 'MODULE_LICENSE("Dual BSD/GPL");\n',
                          "include/uapi/linux/x.h": H.format("GPL-2.0")})
    code = main(["check", str(tmp_path), "--no-cache", "--select", "LT3,LT5"])
    out = capsys.readouterr().out.splitlines()
    assert code == 1  # LT300 is an error
    assert out[:2] == [
        "drv.c:3: warning LT500 " + 'MODULE_LICENSE("Dual BSD/GPL") means GPL v2 or a BSD license, but the SPDX '
        "tag 'GPL-2.0-only' offers no BSD alternative; \"GPL\" would match",
        "include/uapi/linux/x.h:1: error LT300 UAPI header: GPL-2.0 without 'WITH Linux-syscall-note' "
        "(scripts/headers_install.sh refuses it)",
    ]
    assert main(["check", str(tmp_path), "--no-cache", "--format", "json", "--ignore", "LT3"]) == 0
    doc = json.loads(capsys.readouterr().out)
    files = {f["path"]: f for f in doc["files"]}
    assert files["drv.c"]["findings"] == [{"rule": "LT500", "severity": "warning", "line": 3,
                                           "message": files["drv.c"]["findings"][0]["message"]}]
    assert files["include/uapi/linux/x.h"]["findings"] == []
    # LT904: the small LICENSES/ of write_tree spells Usage-Guide and License-Text like the kernel's.
    assert doc["summary"]["rules"] == {"LT500": 1, "LT904": 5}


def test_cached_findings_follow_the_rules(tmp_path: Path):
    """The cache fingerprint covers the rules' code: a changed rule never serves stale findings."""
    from tui.core import rules

    ctx = Context(str(write_tree(tmp_path, {})))
    assert rules.fingerprint() in ctx.fingerprint


def test_checks_run_only_for_the_files_they_concern():
    """The scan calls each check through its gate (most files cost two calls): the gates are set."""
    from tui.core.rules import dispatch
    from tui.core.rules.module_license import module_license
    from tui.core.rules.uapi import uapi

    gates = dispatch()
    assert module_license in gates.modules and ("uapi/", uapi) in gates.paths
    assert all(check not in gates.always for check in (module_license, uapi))
