"""License families: which ids are GPL v2 variants, BSD or MIT style, GPL-2.0 compatible.

By name, not by LICENSES/ folder: MODULE_LICENSE strings speak of "BSD" and "MIT", and
LICENSES/deprecated holds both GPL-compatible licenses (ISC, Zlib) and ones that are not (GFDL).
An id not named here has no family (None), and the rules then give no verdict rather than a guess.
"""

from __future__ import annotations

_GPL2 = frozenset({"GPL-2.0", "GPL-2.0-ONLY", "GPL-2.0+", "GPL-2.0-OR-LATER", "GPL-1.0+", "GPL-1.0-OR-LATER"})
_BSD = frozenset({"0BSD", "ISC", "LINUX-OPENIB"})
_MIT = frozenset({"MIT", "X11", "MIT-0"})
_PERMISSIVE = frozenset({"ZLIB", "UNLICENSE", "CC0-1.0", "UNICODE-DFS-2016"})
#: GPL-2.0 compatible, but neither GPL nor permissive (LICENSES/dual/copyleft-next-0.3.1 says so).
_COMPATIBLE = frozenset({"COPYLEFT-NEXT-0.3.1"})
_INCOMPATIBLE_PREFIXES = ("APACHE-", "CDDL-", "CC-BY-", "GPL-3.0", "LGPL-3.0", "AGPL-", "GFDL-", "EPL-", "BSD-4-CLAUSE")

#: Families whose code may be distributed under GPL v2, and the permissive (non-copyleft) ones.
GPL_OK = frozenset({"gpl", "lgpl", "bsd", "mit", "permissive", "compatible"})
FREE = frozenset({"bsd", "mit", "permissive"})


def family(license_id: str) -> str | None:
    """gpl, lgpl, bsd, mit, mpl, permissive, compatible, incompatible, or None (unknown)."""
    upper = license_id.upper()
    if upper in _GPL2:
        return "gpl"
    if upper.startswith(_INCOMPATIBLE_PREFIXES):
        return "incompatible"
    if upper.startswith(("LGPL-2.0", "LGPL-2.1")):
        return "lgpl"
    if upper in _BSD or upper.startswith("BSD-"):
        return "bsd"
    if upper in _MIT:
        return "mit"
    if upper.startswith("MPL-"):
        return "mpl"
    if upper in _PERMISSIVE:
        return "permissive"
    if upper in _COMPATIBLE:
        return "compatible"
    return None
