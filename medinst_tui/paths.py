"""Where medinst-tui keeps its files, and where its bundled resources live.

Every location can be overridden by an environment variable so tests and CI never touch the user's home.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP = "medinst-tui"
PACKAGE_DIR = Path(__file__).resolve().parent

ENV_DB = "MEDINST_DB"
ENV_CONFIG_DIR = "MEDINST_CONFIG_DIR"
ENV_DATA_DIR = "MEDINST_DATA_DIR"
ENV_CACHE_DIR = "MEDINST_CACHE_DIR"
ENV_RUNS_DB = "MEDINST_RUNS_DB"


def resource_dir(name: str) -> Path:
    """A top-level resource folder (`queries`, `themes`, `models`).

    The wheel carries them inside the package; a source checkout has them at the repo root.
    """
    inside = PACKAGE_DIR / name
    if inside.is_dir():
        return inside
    return PACKAGE_DIR.parent / name


def _dir(env: str, default: str) -> Path:
    value = os.environ.get(env)
    return Path(value).expanduser() if value else Path(default)


def config_dir() -> Path:
    return _dir(ENV_CONFIG_DIR, platformdirs.user_config_dir(APP))


def data_dir() -> Path:
    return _dir(ENV_DATA_DIR, platformdirs.user_data_dir(APP))


def cache_dir() -> Path:
    return _dir(ENV_CACHE_DIR, platformdirs.user_cache_dir(APP))


def default_db_path() -> Path:
    value = os.environ.get(ENV_DB)
    return Path(value).expanduser() if value else data_dir() / "index.duckdb"


def runs_db_path() -> Path:
    """Runs and per-sample results; a file of their own so that browsing (read-only) never waits on a run."""
    value = os.environ.get(ENV_RUNS_DB)
    return Path(value).expanduser() if value else data_dir() / "runs.duckdb"


def response_cache_path() -> Path:
    return cache_dir() / "responses.sqlite"


def config_file() -> Path:
    return config_dir() / "config.yaml"


@dataclass(frozen=True)
class Locations:
    config: Path
    config_file: Path
    user_models: Path
    user_templates: Path
    user_themes: Path
    data: Path
    cache: Path
    index: Path
    index_errors: Path
    runs: Path
    response_cache: Path
    queries: Path
    themes: Path
    models: Path


def user_models_dir() -> Path:
    """The user's model presets (`*.yaml`), beside the built-in ones."""
    return config_dir() / "models"


def user_templates_dir() -> Path:
    """The user's prompt templates."""
    return config_dir() / "templates"


def errors_path_for(db: Path) -> Path:
    """The full list of skipped rows from the last index build sits next to the index."""
    return db.with_name(db.name + ".errors.jsonl")


def locate(db: Path | None = None) -> Locations:
    index = db or default_db_path()
    return Locations(
        config=config_dir(),
        config_file=config_file(),
        user_models=user_models_dir(),
        user_templates=user_templates_dir(),
        user_themes=config_dir() / "themes",
        data=data_dir(),
        cache=cache_dir(),
        index=index,
        index_errors=errors_path_for(index),
        runs=runs_db_path(),
        response_cache=response_cache_path(),
        queries=resource_dir("queries"),
        themes=resource_dir("themes"),
        models=resource_dir("models"),
    )
