"""Package discovery for setuptools; everything else is in pyproject.toml.

The top-level themes/ folder is installed as the package ``tui.themes`` so that an installed
lictree (not only a source checkout) finds its theme files; pyproject.toml cannot express
"discover tui*, plus this one mapped folder", so it is done here.
"""

from setuptools import find_namespace_packages, setup

setup(
    packages=[*find_namespace_packages(include=["tui*"]), "tui.themes"],
    package_dir={"tui.themes": "themes"},
)
