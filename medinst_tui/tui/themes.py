"""Themes from YAML files: the bundled `themes/` folder, then the user's themes dir (same name wins)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from textual.color import Color, ColorParseError
from textual.theme import Theme

from medinst_tui.paths import locate, resource_dir

DEFAULT_THEME = "medinst-dark"
COLOR_FIELDS = (
    "primary",
    "secondary",
    "accent",
    "warning",
    "error",
    "success",
    "foreground",
    "background",
    "surface",
    "panel",
    "boost",
)
OTHER_FIELDS = ("name", "dark", "variables", "luminosity_spread", "text_alpha")


@dataclass(frozen=True)
class ThemeProblem:
    path: Path
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


def theme_from_yaml(path: Path) -> Theme:
    """One theme file; ValueError with the reason when it cannot be used."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ValueError(f"cannot read theme: {exc}") from exc
    if not isinstance(raw, dict):
        raise ValueError("a theme file is a mapping with at least 'name' and 'primary'")
    unknown = sorted(set(raw) - set(COLOR_FIELDS) - set(OTHER_FIELDS))
    if unknown:
        raise ValueError(f"unknown field(s) {', '.join(unknown)}; theme fields are {', '.join(COLOR_FIELDS)}")
    if not isinstance(raw.get("name"), str) or not raw["name"].strip():
        raise ValueError("'name' is required")
    if not isinstance(raw.get("primary"), str):
        raise ValueError("'primary' (a colour such as '#4FA3C7') is required")
    kwargs: dict[str, Any] = {"name": raw["name"].strip(), "dark": bool(raw.get("dark", True))}
    for key in COLOR_FIELDS:
        value = raw.get(key)
        if value is None:
            continue
        try:
            Color.parse(str(value))
        except ColorParseError as exc:
            raise ValueError(f"{key}: {value!r} is not a colour") from exc
        kwargs[key] = str(value)
    variables = raw.get("variables") or {}
    if not isinstance(variables, dict):
        raise ValueError("'variables' must map Textual variable names to values")
    kwargs["variables"] = {str(k): str(v) for k, v in variables.items()}
    for key in ("luminosity_spread", "text_alpha"):
        if key in raw:
            kwargs[key] = float(raw[key])
    return Theme(**kwargs)


def theme_dirs() -> list[Path]:
    return [resource_dir("themes"), locate().user_themes]


def load_themes(dirs: list[Path] | None = None) -> tuple[list[Theme], list[ThemeProblem]]:
    """Every usable theme in `dirs` (later dirs override earlier ones by name), and the files refused."""
    themes: dict[str, Theme] = {}
    problems: list[ThemeProblem] = []
    for folder in dirs if dirs is not None else theme_dirs():
        if not folder.is_dir():
            continue
        for path in sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]):
            try:
                theme = theme_from_yaml(path)
            except ValueError as exc:
                problems.append(ThemeProblem(path, str(exc)))
                continue
            themes[theme.name] = theme
    return list(themes.values()), problems
