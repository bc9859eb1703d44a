"""REUSE trees for the agreement tests and the benchmark: reuse-tool's fake_repository (tests/fixtures/reuse,
see its README) and its REUSE.toml, dep5 and sidecar variants, plus cases that reach every non-compliance
`reuse lint` reports, ignore blocks, REUSE.toml precedence and nesting, a tag past line 15, several tags
and LicenseRef-s."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "reuse"


def _write(root: Path, rel: str, text: str | bytes) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")


def fake_repository(root: Path) -> None:
    shutil.copytree(FIXTURES / "fake_repository", root, dirs_exist_ok=True)


def with_reuse_toml(root: Path) -> None:
    fake_repository(root)
    shutil.copy(FIXTURES / "REUSE.toml", root / "REUSE.toml")
    (root / "doc" / "index.rst").touch()


def with_dep5(root: Path) -> None:
    fake_repository(root)
    (root / ".reuse").mkdir()
    shutil.copy(FIXTURES / "dep5", root / ".reuse" / "dep5")
    (root / "doc" / "index.rst").touch()
    _write(root, "doc/notes.txt", "Some notes without any licensing.\n")


def with_sidecars(root: Path) -> None:
    fake_repository(root)
    _write(root, "img/logo.png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + bytes(range(256)))
    _write(root, "img/logo.png.license", "SPDX-FileCopyrightText: 2019 Jane Doe\n\nSPDX-License-Identifier: CC0-1.0\n")
    # A sidecar replaces the file's own information entirely.
    _write(root, "src/shadowed.py", "# SPDX-FileCopyrightText: 2020 Jane Doe\n# SPDX-License-Identifier: MIT\n")
    _write(root, "src/shadowed.py.license", "SPDX-FileCopyrightText: 2020 Jane Doe\nSPDX-License-Identifier: Apache-2.0\n")
    # A sidecar with only copyright: the file has no licensing.
    _write(root, "data/table.csv", "a,b\n1,2\n")
    _write(root, "data/table.csv.license", "SPDX-FileCopyrightText: 2021 Jane Doe\n")
    # An orphan sidecar is not covered, and covers nothing.
    _write(root, "data/gone.bin.license", "SPDX-License-Identifier: MIT\n")


def ignore_blocks_and_tags(root: Path) -> None:
    fake_repository(root)
    _write(root, "src/ignored.py", (
        "# SPDX-FileCopyrightText: 2021 Jane Doe\n# SPDX-License-Identifier: GPL-3.0-or-later\n\n"
        "# REUSE-IgnoreStart\nEXAMPLE = 'SPDX-License-Identifier: MIT'\n# REUSE-IgnoreEnd\n"))
    _write(root, "src/only_ignored.py", (
        "# REUSE-IgnoreStart\n# SPDX-FileCopyrightText: 2021 Jane Doe\n# SPDX-License-Identifier: MIT\n"
        "# REUSE-IgnoreEnd\nVALUE = 2\n"))
    _write(root, "src/unclosed.py", (
        "# SPDX-FileCopyrightText: 2021 Jane Doe\n# SPDX-License-Identifier: CC0-1.0\n"
        "# REUSE-IgnoreStart\n# SPDX-License-Identifier: MIT\n"))
    body = "".join(f"line = {i}\n" for i in range(40))
    _write(root, "src/late_tag.py", body + "# SPDX-FileCopyrightText: 2021 Jane Doe\n"
                                          "# SPDX-License-Identifier: Apache-2.0\n")
    _write(root, "src/two_tags.c", ("// SPDX-FileCopyrightText: 2021 Jane Doe\n// SPDX-License-Identifier: Apache-2.0\n"
                                    "// SPDX-License-Identifier: CC0-1.0 OR GPL-3.0-or-later OR Apache-2.0\n"))
    _write(root, "src/copyright_forms.txt", "Copyright (C) 2020 Someone\n© 2021 Other\nSPDX-License-Identifier: CC0-1.0\n")
    _write(root, "src/licenseref.py", "# SPDX-FileCopyrightText: 2021 Jane Doe\n# SPDX-License-Identifier: "
                                      "LicenseRef-custom AND CC0-1.0\n")
    _write(root, "src/crlf.py", "# SPDX-FileCopyrightText: 2021 Jane Doe\r\n# SPDX-License-Identifier: CC0-1.0\r\n")
    _write(root, "src/latin1.txt", "SPDX-FileCopyrightText: 2021 J\xf6rg\nSPDX-License-Identifier: CC0-1.0\n"
           .encode("latin-1"))


def precedence(root: Path) -> None:
    fake_repository(root)
    _write(root, "REUSE.toml", """version = 1

[[annotations]]
path = ["src/**", "extra/*.txt"]
precedence = "closest"
SPDX-FileCopyrightText = "2023 Closest Person"
SPDX-License-Identifier = "CC0-1.0"

[[annotations]]
path = "src/override/**"
precedence = "override"
SPDX-FileCopyrightText = ["2023 Override Person", "2024 Second Person"]
SPDX-License-Identifier = "Apache-2.0"

[[annotations]]
path = "src/aggregate/*.py"
precedence = "aggregate"
SPDX-FileCopyrightText = "2023 Aggregate Person"
SPDX-License-Identifier = "LicenseRef-custom"

[[annotations]]
path = "nested/**"
SPDX-License-Identifier = "GPL-3.0-or-later"
""")
    _write(root, "src/override/a.py", "# SPDX-FileCopyrightText: 2020 Jane\n# SPDX-License-Identifier: MIT\n")
    _write(root, "src/aggregate/b.py", "# SPDX-FileCopyrightText: 2020 Jane\n# SPDX-License-Identifier: CC0-1.0\n")
    _write(root, "src/closest_copyright_only.py", "# SPDX-FileCopyrightText: 2020 Jane\nVALUE = 1\n")
    _write(root, "src/closest_licence_only.py", "# SPDX-License-Identifier: GPL-3.0-or-later\nVALUE = 1\n")
    _write(root, "src/closest_none.py", "VALUE = 1\n")
    _write(root, "extra/readme.txt", "Nothing here.\n")
    _write(root, "extra/sub/deeper.txt", "Not matched: * stays in its directory.\n")
    # A nested REUSE.toml: its paths are relative to its directory; the deepest closest wins.
    _write(root, "nested/REUSE.toml", """version = 1

[[annotations]]
path = "**/*.md"
SPDX-FileCopyrightText = "2024 Nested Person"
SPDX-License-Identifier = "CC0-1.0"
""")
    _write(root, "nested/docs/guide.md", "A guide.\n")
    _write(root, "nested/code.py", "# SPDX-FileCopyrightText: 2024 Jane\nVALUE = 3\n")


def non_compliance(root: Path) -> None:
    """Every non-compliance reuse lint reports, once at least (read errors need a non-root user)."""
    fake_repository(root)
    _write(root, "LICENSES/BSD-3-Clause.txt", "Placeholder: a licence no file uses.\n")
    _write(root, "LICENSES/Foo-Licence.txt", "Placeholder: not an SPDX id.\n")
    _write(root, "LICENSES/GPL-2.0.txt", "Placeholder: a deprecated id.\n")
    _write(root, "LICENSES/MIT", "Placeholder: no extension.\n")
    _write(root, "LICENSES/LicenseRef-Unknown-x.txt", "Placeholder: REUSE reads 'Unknown' LicenseRefs as bad.\n")
    _write(root, "src/deprecated.c", "// SPDX-FileCopyrightText: 2020 Jane\n// SPDX-License-Identifier: GPL-2.0 AND MIT\n")
    _write(root, "src/missing.py", "# SPDX-FileCopyrightText: 2020 Jane\n# SPDX-License-Identifier: ISC OR Zlib\n")
    _write(root, "src/plus.py", "# SPDX-FileCopyrightText: 2020 Jane\n# SPDX-License-Identifier: Apache-2.0+\n")
    _write(root, "src/unknown_id.py", "# SPDX-FileCopyrightText: 2020 Jane\n# SPDX-License-Identifier: Not-A-Licence\n")
    _write(root, "src/invalid.py", "# SPDX-FileCopyrightText: 2020 Jane\n# SPDX-License-Identifier: MIT AND\n")
    _write(root, "src/half_invalid.py", ("# SPDX-FileCopyrightText: 2020 Jane\n# SPDX-License-Identifier: (CC0-1.0\n"
                                         "# SPDX-License-Identifier: Foo-Licence\n"))
    _write(root, "src/no_copyright.py", "# SPDX-License-Identifier: CC0-1.0\n")
    _write(root, "src/no_licence.py", "# SPDX-FileCopyrightText: 2020 Jane\n")
    _write(root, "src/nothing.py", "print('hello')\n")
    _write(root, "src/binary.bin", b"\0\1\2SPDX-License-Identifier: MIT\0")
    _write(root, "LICENSE", "A top-level licence text: not covered.\n")
    _write(root, "COPYING.md", "Not covered either.\n")
    _write(root, "empty.txt", "")
    _write(root, "doc/sbom.spdx.json", "{}\n")
    _write(root, "subprojects/libfoo/foo.c", "int foo;\n")


CASES: dict[str, Callable[[Path], None]] = {
    "fake_repository": fake_repository,
    "reuse_toml": with_reuse_toml,
    "dep5": with_dep5,
    "sidecars": with_sidecars,
    "ignore_blocks_and_tags": ignore_blocks_and_tags,
    "precedence": precedence,
    "non_compliance": non_compliance,
}
