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


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled demo set, indexed once per test session (read-only use only)."""
    from medinst_tui.sources.specs import demo_sources
    from medinst_tui.store.ingest import build_index

    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    build_index(path, demo_sources())
    return path


@pytest.fixture
def tiny(tiny_gguf_path: Path) -> Iterator[Path]:
    """The tiny test GGUF as the user's default preset (tests/playground_support.py)."""
    from tests.playground_support import tiny_preset

    tiny_preset(tiny_gguf_path)
    yield tiny_gguf_path


from tests.conftest_backends import llama_server, tiny_gguf_no_template_path, tiny_gguf_path  # noqa: E402

__all__ = [
    "demo_db",
    "isolated_dirs",
    "llama_server",
    "tiny",
    "tiny_gguf_no_template_path",
    "tiny_gguf_path",
]
