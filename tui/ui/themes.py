"""Themes: ``themes/*.toml`` files, each a Textual ``Theme`` plus a license palette.

The files ship inside the package as ``tui.themes`` (pyproject maps the top-level ``themes/``
folder there); in a source checkout or an editable install they are read from ``themes/`` itself.
Users may add their own in ``$XDG_CONFIG_HOME/lictree/themes/``. A broken file is reported,
never fatal.
"""

from __future__ import annotations

import os
import tomllib
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import TYPE_CHECKING

from textual.theme import Theme

if TYPE_CHECKING:
    from textual.app import SystemCommand

from tui.core.expressions import structure_lines
from tui.core.status import STATUSES

DEFAULT_THEME = "dark"
#: Glyph colours: one per status, "findings" (valid but with findings) and "pending" (not read yet).
STATUS_KEYS = (*STATUSES, "findings", "pending")
_THEME_FIELDS = ("primary", "secondary", "warning", "error", "success", "accent", "foreground",
                 "background", "surface", "panel", "boost", "dark", "luminosity_spread", "text_alpha")


def normalize_id(license_id: str) -> str:
    """The palette key of a license id: upper case, ``-only`` dropped, ``-or-later`` spelled ``+``."""
    key = license_id.upper()
    if key.endswith("-ONLY"):
        return key[:-5]
    if key.endswith("-OR-LATER"):
        return key[:-9] + "+"
    return key


@lru_cache(maxsize=1024)
def expression_shape(expression: str) -> tuple[tuple[str, ...], bool]:
    """The license ids of *expression* in order, and whether it offers a choice (has OR)."""
    lines = structure_lines(expression)
    ids = tuple(text for _depth, kind, text in lines if kind == "id")
    return ids, any(kind == "op" and text == "OR" for _depth, kind, text in lines)


@dataclass(slots=True)
class Palette:
    """Colours for statuses and licenses; every colour is a CSS-style string such as ``#6CB6FF``."""

    status: dict[str, str]
    licenses: dict[str, str] = field(default_factory=dict)
    dual: str = ""
    other: tuple[str, ...] = ()

    def license_colour(self, expression: str) -> str:
        """The colour of an expression: "dual" when it has OR, else its first license id's colour."""
        ids, dual = expression_shape(expression)
        if dual and self.dual:
            return self.dual
        key = normalize_id(ids[0]) if ids else expression.upper()
        colour = self.licenses.get(key)
        if colour:
            return colour
        if self.other:
            return self.other[zlib.crc32(key.encode()) % len(self.other)]
        return self.status["valid"]


@dataclass(slots=True)
class ThemeSpec:
    """One loaded theme file."""

    theme: Theme
    palette: Palette
    description: str
    source: str


class ThemeError(ValueError):
    """A theme file that cannot be used: the message names the file and the problem."""


def parse_theme(text: str, source: str) -> ThemeSpec:
    """A ThemeSpec from the text of a theme file; ThemeError when something is missing or wrong."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ThemeError(f"{source}: not valid TOML: {exc}") from None
    table = data.get("theme")
    if not isinstance(table, dict) or not table.get("name") or not table.get("primary"):
        raise ThemeError(f"{source}: needs a [theme] table with at least name and primary")
    unknown = set(table) - {*_THEME_FIELDS, "name", "variables"}
    if unknown:
        raise ThemeError(f"{source}: unknown [theme] keys: {', '.join(sorted(unknown))}")
    theme = Theme(
        name=str(table["name"]),
        variables={str(k): str(v) for k, v in table.get("variables", {}).items()},
        **{k: table[k] for k in _THEME_FIELDS if k in table},
    )
    status = data.get("status", {})
    missing = [key for key in STATUS_KEYS if key not in status]
    if missing:
        raise ThemeError(f"{source}: [status] lacks {', '.join(missing)}")
    licenses = data.get("licenses", {})
    other = licenses.get("other", [])
    if isinstance(other, str):
        other = [other]
    palette = Palette(
        status={key: str(status[key]) for key in STATUS_KEYS},
        licenses={normalize_id(k): str(v) for k, v in licenses.items() if k not in ("dual", "other")},
        dual=str(licenses.get("dual", "")),
        other=tuple(str(c) for c in other),
    )
    _check_colours(theme, palette, source)
    return ThemeSpec(theme, palette, str(data.get("description", "")), source)


def _check_colours(theme: Theme, palette: Palette, source: str) -> None:
    from textual.color import Color, ColorParseError

    colours = [*palette.status.values(), *palette.licenses.values(), *palette.other]
    colours += [c for c in (palette.dual, theme.primary, theme.background, theme.foreground) if c]
    for colour in colours:
        try:
            Color.parse(colour)
        except ColorParseError:
            raise ThemeError(f"{source}: not a colour: {colour!r}") from None
    try:
        theme.to_color_system().generate()
    except Exception as exc:  # Textual raises several kinds for a bad theme
        raise ThemeError(f"{source}: {exc}") from None


def theme_dirs() -> list[Traversable]:
    """Where theme files are looked for, in order (later files of the same name win)."""
    dirs: list[Traversable] = []
    try:
        dirs.append(resources.files("tui.themes"))
    except ModuleNotFoundError:
        dirs.append(Path(__file__).resolve().parents[2] / "themes")
    config = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    dirs.append(Path(config) / "lictree" / "themes")
    return dirs


def load_themes(dirs: Iterable[Traversable] | None = None) -> tuple[dict[str, ThemeSpec], list[str]]:
    """Every theme that loads (by name), and one message for each file that does not."""
    specs: dict[str, ThemeSpec] = {}
    errors: list[str] = []
    for directory in theme_dirs() if dirs is None else dirs:
        try:
            entries = sorted(directory.iterdir(), key=lambda entry: entry.name)
        except OSError:
            continue
        for entry in entries:
            if not entry.name.endswith(".toml"):
                continue
            try:
                spec = parse_theme(entry.read_text(encoding="utf-8"), str(entry))
            except ThemeError as exc:
                errors.append(str(exc))
                continue
            except (OSError, UnicodeDecodeError) as exc:
                errors.append(f"{entry}: cannot be read: {exc}")
                continue
            specs[spec.theme.name] = spec
    return specs, errors


def unusable_theme(name: str, errors: Iterable[str]) -> str | None:
    """Why the theme file ``NAME.toml`` did not load (its message from ``load_themes``), if it did not."""
    for error in errors:
        source = error.split(": ", 1)[0]
        if os.path.basename(source) == f"{name}.toml":
            return error
    return None


def fallback_palette(specs: dict[str, ThemeSpec], dark: bool) -> Palette:
    """The palette to use with a theme that has none (a Textual built-in theme)."""
    preferred = DEFAULT_THEME if dark else "light"
    if preferred in specs:
        return specs[preferred].palette
    for spec in specs.values():
        if spec.theme.dark == dark:
            return spec.palette
    status = {key: ("#888888" if key in ("excluded", "pending") else "#CCCCCC" if dark else "#333333")
              for key in STATUS_KEYS}
    return Palette(status)


def theme_problem(theme: str | None, themes: tuple[dict[str, ThemeSpec], list[str]]) -> str | None:
    """Why ``--theme THEME`` cannot be used (one line), or None when it can (or none was asked for)."""
    if not theme:
        return None
    specs, errors = themes
    from textual.theme import BUILTIN_THEMES

    if theme in specs or theme in BUILTIN_THEMES:
        return None
    broken = unusable_theme(theme, errors)
    if broken:
        return f"theme {theme!r} cannot be used: {broken} (docs/themes.md says what a theme file holds)"
    names = ", ".join(sorted(specs)) or "(none found)"
    return f"no theme named {theme!r}; lictree's themes: {names} (or any Textual theme)"


class UsesThemes:
    """For an App (mixed in before it): lictree's themes loaded and registered and the one asked for chosen
    (``setup_themes``), a picker of them before Textual's (``action_pick_theme``), and a palette command a
    theme (``theme_commands``). One implementation for the tree and the comparison apps."""

    #: How the picker describes a Textual theme (one without a license palette).
    textual_theme_note = "a Textual theme"
    theme_specs: dict[str, ThemeSpec]
    theme_errors: list[str]

    def setup_themes(self, themes: tuple[dict[str, ThemeSpec], list[str]] | None, theme: str | None) -> None:
        app = self  # an App
        app.theme_specs, app.theme_errors = themes if themes is not None else load_themes()
        for spec in app.theme_specs.values():
            app.register_theme(spec.theme)  # type: ignore[attr-defined]
        chosen = theme or DEFAULT_THEME
        if chosen in app.available_themes:  # type: ignore[attr-defined]
            app.theme = chosen  # type: ignore[attr-defined]

    def set_theme(self, name: str) -> None:
        self.theme = name  # type: ignore[attr-defined]

    def action_pick_theme(self) -> None:
        """A picker with lictree's themes (those with a license palette) first, then Textual's."""
        from functools import partial

        ours = [(name, partial(self.set_theme, name), spec.description or "a lictree theme")
                for name, spec in sorted(self.theme_specs.items())]
        textual_themes = [(name, partial(self.set_theme, name), self.textual_theme_note)
                          for name in sorted(self.available_themes)  # type: ignore[attr-defined]
                          if name not in self.theme_specs]
        self.search_commands([*ours, *textual_themes], placeholder="Search for themes…")  # type: ignore[attr-defined]

    def theme_commands(self) -> Iterator[SystemCommand]:
        """A command-palette entry for each of lictree's themes."""
        from functools import partial

        from textual.app import SystemCommand

        for name, spec in sorted(self.theme_specs.items()):
            yield SystemCommand(f"Theme: {name}", spec.description or "a lictree theme", partial(self.set_theme, name))
