"""Shared fixtures: every test runs with its own config/data/cache dirs, never the user's."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def isolated_dirs(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    home = tmp_path_factory.mktemp("home")
    for env, sub in (
        ("MEDINST_CONFIG_DIR", "config"),
        ("MEDINST_DATA_DIR", "data"),
        ("MEDINST_CACHE_DIR", "cache"),
    ):
        monkeypatch.setenv(env, str(home / sub))
    monkeypatch.delenv("MEDINST_DB", raising=False)
    yield home
