import fnmatch
import os

from hypothesis import given, settings
from hypothesis import strategies as st

from tui.core.exclude import ExcludeRules

KERNEL = ["# comment", "LICENSES/", "license-rules.rst", "kernel/configs/", "arch/*/configs/",
          "/CREDITS", "/MAINTAINERS", "/README"]


def test_kernel_patterns_match_like_spdxcheck():
    rules = ExcludeRules(KERNEL)
    assert rules.excluded("LICENSES/preferred/GPL-2.0")
    assert rules.excluded("Documentation/process/license-rules.rst")
    assert rules.excluded("arch/arm/configs/foo_defconfig")
    assert rules.excluded("kernel/configs/tiny.config")
    assert rules.excluded("CREDITS")
    assert not rules.excluded("drivers/CREDITS")  # "/X" anchors to the top
    assert not rules.excluded("arch/arm/kernel/setup.c")
    assert not rules.excluded("README.md")


def test_dot_and_glob_patterns():
    rules = ExcludeRules([".*", "/tools/*.j2"])
    assert rules.excluded(".gitignore") and rules.excluded("a/b/.mailmap")
    assert rules.excluded("tools/x.j2") and rules.excluded("tools/a/x.j2")  # fnmatch's * crosses /
    assert not rules.excluded("tool/x.j2")


def test_empty():
    assert not ExcludeRules().excluded("anything")


def spdxcheck_excluded(patterns: list[str], path: str) -> bool:
    """scripts/spdxcheck.py's pattern class and exclude_file(), restated."""
    for line in patterns:
        if line == ".*":
            hit = os.path.basename(path).startswith(".")
        elif line.endswith("/"):
            hit = fnmatch.fnmatchcase(os.path.dirname(path), line[:-1]) or path.startswith(line[:-1])
        elif line.startswith("/"):
            hit = fnmatch.fnmatchcase(path, line[1:])
        else:
            hit = os.path.basename(path) == line
        if hit:
            return True
    return False


segments = st.sampled_from(["a", "b", "ab", "configs", ".x", "*", "a*", "?", "[ab]", "k.c", ""])
patterns = st.lists(
    st.builds(lambda lead, parts, trail: lead + "/".join(parts) + trail,
              st.sampled_from(["", "/"]), st.lists(segments, min_size=1, max_size=3), st.sampled_from(["", "/"]))
    | st.just(".*"),
    max_size=4,
)
paths = st.lists(st.sampled_from(["a", "b", "ab", "configs", ".x", "k.c", "abc"]), min_size=1, max_size=4).map("/".join)


@settings(max_examples=800, deadline=None)
@given(patterns, st.lists(paths, min_size=1, max_size=8))
def test_every_pattern_kind_matches_as_spdxcheck_does(lines: list[str], asked: list[str]):
    rules = ExcludeRules(lines)
    for path in sorted(asked):  # in path order, as the scan asks (the last directory is remembered)
        assert rules.excluded(path) == spdxcheck_excluded(rules.patterns, path), (lines, path)


@settings(max_examples=800, deadline=None)
@given(patterns, st.lists(paths, max_size=30), st.lists(st.sampled_from(["[", "]", "[!a]", "*", "?", "x"]), max_size=3))
def test_a_chunk_of_paths_is_asked_about_as_each_path_would_be(lines: list[str], asked: list[str], odd: list[str]):
    """excluded_among looks at a path only when it holds some pattern's literal text: never a wrong answer."""
    rules = ExcludeRules([*lines, "/" + "".join(odd) + "b"] if odd else lines)
    ordered = sorted(asked)
    assert rules.excluded_among(ordered) == [spdxcheck_excluded(rules.patterns, path) for path in ordered]
