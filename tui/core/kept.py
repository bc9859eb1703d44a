"""What a warm `check` or `export` needs to find and trust a report kept with the cache (``cache.save_output``)
without importing the rest of lictree: the report's key, and a stamp of what the tree's ``Context`` is made of.

Light on purpose (no rules, no catalog, no counting): a warm run of an unchanged kernel tree prints its
kept report in the time git takes to stat the tree, and every module imported meanwhile competes with git
for the two cores.
"""

from __future__ import annotations

import os

SEVERITY_RANK = {"error": 0, "warning": 1, "info": 2}
FAIL_ON = ("error", "warning", "never")
#: What a tree's Context reads besides its LICENSES/ folder (evaluate.Context: the catalog, spdxexclude, the
#: kind of tree), each stat'ed for the stamp.
_CONTEXT_FILES = ("COPYING", "LICENSE", "LICENCE", os.path.join("scripts", "spdxexclude"), "REUSE.toml",
                  os.path.join(".reuse", "dep5"))


def code_digest(directory: str) -> str:
    """A digest of every module under *directory* (the core): what shapes a report is spread over
    several (counting, status, the rules' messages), and reading them all costs a millisecond or two."""
    import hashlib

    digest = hashlib.sha1(usedforsecurity=False)
    for folder, dirnames, filenames in sorted(os.walk(directory)):
        dirnames.sort()
        for name in sorted(f for f in filenames if f.endswith((".py", ".c"))):
            try:
                with open(os.path.join(folder, name), "rb") as handle:
                    digest.update(os.path.relpath(os.path.join(folder, name), directory).encode() + b"\0")
                    digest.update(handle.read())
            except OSError:
                digest.update(name.encode())
    return digest.hexdigest()[:16]


def rule_ids_key(text: str | None) -> str:
    """A --select or --ignore value as a report's key has it: its ids as given (upper case, sorted, each once;
    "*" for none). An invalid value never has a kept report: the run that would keep one stops first."""
    if not text:
        return "*"
    return ",".join(sorted({part.strip().upper() for part in text.split(",") if part.strip()})) or "*"


def output_key(command: str, fmt: str, root: str, select: str | None, ignore: str | None,
               query: str | None = None) -> str:
    """What names a kept report (``cache.save_output``): the command and format, the core's code (any change
    to it makes reports anew), the --select and --ignore values, the --filter query and the tree's root as
    given (JSON and SARIF name it).

    The tree's state is not part of it: a kept report also carries the listing signature it was made
    from, and is printed only when the tree's signature is still the same.
    """
    here = os.path.dirname(os.path.abspath(__file__))
    parts = (command, fmt, code_digest(here), rule_ids_key(select), rule_ids_key(ignore),
             "" if query is None else "q:" + query, root)
    return "\0".join(parts)


def context_stamp(root: str) -> str:
    """The state of what *root*'s Context is made of, from stats alone: every entry of LICENSES/ (names, sizes,
    times, inodes), COPYING and the other files it reads, and the notice rule data's folder. While it is
    unchanged, so is the Context's fingerprint (lictree's own code is in the report's key)."""
    parts: list[str] = []
    licenses = os.path.join(root, "LICENSES")
    for folder, dirnames, filenames in sorted(os.walk(licenses)):
        dirnames.sort()
        for name in [*sorted(filenames), ""]:
            full = os.path.join(folder, name) if name else folder
            parts.append(f"{os.path.relpath(full, root)}:{_stat(full)}")
    parts.extend(f"{name}:{_stat(os.path.join(root, name))}" for name in _CONTEXT_FILES)
    parts.append(f"notice-data:{_notice_data()}")
    return "\n".join(parts)


def _stat(path: str) -> str:
    try:
        st = os.lstat(path)
    except OSError:
        return "-"
    return f"{st.st_mode:o}:{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}:{st.st_ino}"


def _notice_data() -> str:
    """The notice rule data's folder and its stat, as ``notices.reading.fingerprint`` reads it."""
    import importlib.util

    try:
        spec = importlib.util.find_spec("licensedcode")
    except (ImportError, ValueError):
        return "-"
    locations = list(spec.submodule_search_locations or ()) if spec is not None else []
    return _stat(os.path.join(locations[0], "data", "rules")) if locations else "-"


def reaches(severities: dict[str, int], fail_on: str) -> bool:
    """Whether findings counted per severity reach the --fail-on level."""
    if fail_on == "never":
        return False
    limit = SEVERITY_RANK[fail_on]
    return any(n and SEVERITY_RANK.get(severity, 2) <= limit for severity, n in severities.items())
