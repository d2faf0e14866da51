"""The user's config file (YAML at `paths.config_file()`): theme and key bindings, validated.

    theme: medinst-dark            # a theme from themes/ (or the user's themes dir) or a Textual built-in
    keymap:                        # binding id -> key(s), comma-separated for alternatives
      browse.search: ctrl+f
      browse.export: ctrl+s,f5

Sections this module does not know are kept untouched (other parts of the app may own them) and
reported as warnings, never as errors. Headless: no Textual import here.
"""

from __future__ import annotations

import contextlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from medinst_tui.paths import config_file

KNOWN_SECTIONS = ("theme", "keymap")
# A key is a name ("f1", "slash", "question_mark") or a printable character, with modifiers.
_KEY = re.compile(r"^(?:(?:ctrl|shift|alt|meta|super|hyper)\+)*[^\s,]+$")


class ConfigError(ValueError):
    """The config file cannot be used: the message says which file, which key and what to write."""


@dataclass(frozen=True)
class Config:
    theme: str | None = None
    keymap: dict[str, str] = field(default_factory=dict)
    path: Path | None = None
    warnings: tuple[str, ...] = ()


def _read(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{path}: cannot read the config file: not UTF-8 text (byte {exc.start}); save it as UTF-8"
        ) from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the config file ({exc.strerror})") from exc
    try:
        loaded = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"{path}: invalid YAML{where}: {problem}") from exc
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise ConfigError(f"{path}: the config must be a mapping (key: value), not a {type(loaded).__name__}")
    return loaded


def validate_keys(keys: object) -> str | None:
    """Why a keymap value is invalid, or None when it is usable."""
    if not isinstance(keys, str) or not keys.strip():
        return "must be a key such as 'ctrl+f', or several separated by commas ('f1,question_mark')"
    for key in keys.split(","):
        if not _KEY.match(key.strip()):
            return f"{key.strip()!r} is not a key (write e.g. 'ctrl+f', 'f5', 'slash' or 'question_mark')"
    return None


def parse(raw: dict[str, Any], path: Path | None = None) -> Config:
    where = f"{path}: " if path else ""
    theme = raw.get("theme")
    if theme is not None and (not isinstance(theme, str) or not theme.strip()):
        raise ConfigError(f"{where}'theme' must be a theme name such as 'medinst-dark', not {theme!r}")
    keymap_raw = raw.get("keymap") or {}
    if not isinstance(keymap_raw, dict):
        raise ConfigError(f"{where}'keymap' must map binding ids to keys, e.g. 'browse.search: ctrl+f'")
    keymap: dict[str, str] = {}
    for binding_id, keys in keymap_raw.items():
        problem = validate_keys(keys)
        if problem:
            raise ConfigError(f"{where}keymap.{binding_id}: {problem}")
        keymap[str(binding_id)] = ",".join(k.strip() for k in str(keys).split(","))
    unknown = sorted(str(k) for k in raw if k not in KNOWN_SECTIONS)
    warnings = tuple(f"{where}section {k!r} is not used by the explorer (kept as it is)" for k in unknown)
    return Config(theme=theme.strip() if theme else None, keymap=keymap, path=path, warnings=warnings)


def load_config(path: Path | None = None) -> Config:
    """The config at `path` (default: the platformdirs location); defaults when the file does not exist."""
    path = path or config_file()
    return parse(_read(path), path)


def save_setting(key: str, value: object, path: Path | None = None) -> Path:
    """Set one top-level setting, keeping everything else in the file; written atomically."""
    path = path or config_file()
    raw = _read(path)
    raw[key] = value
    parse(raw, path)  # never write a file we would refuse to read
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        tmp.write_text(yaml.safe_dump(raw, sort_keys=False, allow_unicode=True), encoding="utf-8")
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    return path
