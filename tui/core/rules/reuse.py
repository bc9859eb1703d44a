"""LT7xx: REUSE trees (REUSE specification 3.3). Each is one of the non-compliances `reuse lint` reports;
they run only on a REUSE tree (``tui.core.reuse``), whose files the kernel rules never judge.

Their findings are made where a REUSE tree's files are read (``tui.core.reuse.reading``) and, for the
licence files, once a tree (``tui.core.reuse.project``, ``tui.core.reuse.settle``): none is a per-file
check of the kernel's scan, so none changes how the kernel's outcomes are shared.
"""

from __future__ import annotations

from tui.core.rules.base import declare

SPEC = "REUSE specification 3.3 (https://reuse.software/spec-3.3/)"

NO_LICENSING = declare(
    "LT700", "reuse-missing-licensing", "error",
    "A file has no licensing information: no valid SPDX-License-Identifier in it, its .license sidecar, "
    "REUSE.toml or .reuse/dep5 (reuse lint: missing_licensing_info).",
    f"{SPEC}: 'Each Covered File MUST have Licensing Information associated with it'",
)
NO_COPYRIGHT = declare(
    "LT701", "reuse-missing-copyright", "error",
    "A file has no copyright notice (SPDX-FileCopyrightText, Copyright, ©) in it, its .license sidecar, "
    "REUSE.toml or .reuse/dep5 (reuse lint: missing_copyright_info).",
    f"{SPEC}: 'Each Covered File MUST have Copyright and Licensing Information associated with it'",
)
INVALID_EXPRESSION = declare(
    "LT702", "reuse-invalid-expression", "error",
    "An SPDX-License-Identifier is not a valid SPDX license expression (reuse lint: invalid_spdx_expressions).",
    f"{SPEC}, Comment headers; SPDX specification, Annex D (SPDX license expressions)",
)
MISSING_LICENCE = declare(
    "LT703", "reuse-missing-licence-file", "error",
    "A file uses a licence (or exception) that has no file in LICENSES/ (reuse lint: missing_licenses).",
    f"{SPEC}, License files: 'every license ... MUST have a License File in the LICENSES/ directory'",
)
UNUSED_LICENCE = declare(
    "LT704", "reuse-unused-licence-file", "error",
    "A licence file in LICENSES/ is used by no file (reuse lint: unused_licenses).",
    f"{SPEC}, License files: 'MUST NOT include License Files for licenses under which none of the files ... "
    "are licensed'",
)
BAD_LICENCE = declare(
    "LT705", "reuse-bad-licence-file", "error",
    "A licence file's name is neither an SPDX licence id nor LicenseRef-<idstring> (reuse lint: bad_licenses).",
    f"{SPEC}, License files: 'The License File MUST be named after the SPDX License Identifier'",
)
DEPRECATED = declare(
    "LT706", "reuse-deprecated-licence", "error",
    "A licence file in LICENSES/ is named after an id the SPDX licence list deprecates "
    "(reuse lint: deprecated_licenses).",
    f"{SPEC}, License files; SPDX License List, deprecated identifiers",
)
NO_EXTENSION = declare(
    "LT707", "reuse-licence-file-without-extension", "error",
    "A licence file in LICENSES/ has no file extension (reuse lint: licenses_without_extension).",
    f"{SPEC}, License files: 'named after the SPDX License Identifier ... followed by a file extension'",
)
READ_ERROR = declare(
    "LT708", "reuse-read-error", "error",
    "A file REUSE covers could not be read (reuse lint: read_errors).",
    f"{SPEC}, Covered Files",
)
CONFIG = declare(
    "LT709", "reuse-configuration", "error",
    "REUSE.toml or .reuse/dep5 cannot be used (not valid TOML, a wrong key or value, both present): reuse lint "
    "stops on it; lictree reads the files without it.",
    f"{SPEC}, REUSE.toml; DEP5 (REUSE specification 3.0-3.2)",
)
