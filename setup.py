"""Package discovery and the optional C reader for setuptools; everything else is in pyproject.toml.

The top-level themes/ folder is installed as the package ``tui.themes`` so that an installed
lictree (not only a source checkout) finds its theme files; pyproject.toml cannot express
"discover tui*, plus this one mapped folder", so it is done here.

``tui.core._fastread`` is the per-file part of a cold scan in C. It is optional: where it cannot
be compiled (no C compiler), the install goes on and lictree reads files in Python, with the same
verdicts (tests/core/test_fastread.py compares the two). ``tui.core.notices._fastmatch`` is the
licence-notice matcher's C part (reading and tokenizing a head's leading comments, the seed loops, the
LCS bounds), optional the same way: without it they run in Python, with the same matches
(tests/core/test_notices.py compares the two).
"""

from setuptools import Extension, find_namespace_packages, setup

setup(
    packages=[*find_namespace_packages(include=["tui*"]), "tui.themes"],
    package_dir={"tui.themes": "themes"},
    ext_modules=[Extension("tui.core._fastread", ["tui/core/_fastread.c"], optional=True,
                           extra_compile_args=["-O2", "-std=gnu11"]),
                 Extension("tui.core.notices._fastmatch", ["tui/core/notices/_fastmatch.c"], optional=True,
                           extra_compile_args=["-O2", "-std=gnu11"])],
)
