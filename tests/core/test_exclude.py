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
