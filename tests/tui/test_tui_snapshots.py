"""SVG snapshots of the main screens (pytest-textual-snapshot). Content is deterministic: a fixed index,
a fixed size, the bundled dark theme. Update after an intended change: pytest --snapshot-update."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from medinst_tui.store.filters import Filter
from medinst_tui.store.index import ENV_MEMORY_LIMIT
from medinst_tui.tui.browse.screen import BrowseScreen
from medinst_tui.tui.database import MEMORY_LIMIT
from tests.tui_support import make_app, settle, small_index


@pytest.fixture(autouse=True)
def tui_memory_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """The app sets DuckDB's memory default through the environment: keep it inside each test."""
    monkeypatch.setenv(ENV_MEMORY_LIMIT, MEMORY_LIMIT)


SIZE = (120, 40)
SnapCompare = Callable[..., bool]


def with_filter(f: Filter, *keys: str) -> Callable[[Pilot[Any]], Awaitable[None]]:
    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, BrowseScreen)
        screen.filter = f
        await settle(pilot)
        if keys:
            await pilot.press(*keys)
            await settle(pilot)

    return run_before


def test_browse_screen(snap_compare: SnapCompare, tmp_path: Path) -> None:
    assert snap_compare(
        make_app(small_index(), tmp_path), terminal_size=SIZE, run_before=with_filter(Filter())
    )


def test_browse_bio_row_with_filter_chips(snap_compare: SnapCompare, tmp_path: Path) -> None:
    f = Filter(categories=("NER",), splits=("test",))
    app = make_app(small_index(), tmp_path)  # row 6 is the first NCBI-disease row: BIO tags inline
    assert snap_compare(app, terminal_size=SIZE, run_before=with_filter(f, *["down"] * 5))


def test_browse_relation_row(snap_compare: SnapCompare, tmp_path: Path) -> None:
    app = make_app(small_index(), tmp_path)
    assert snap_compare(app, terminal_size=SIZE, run_before=with_filter(Filter(tasks=("BC5CDR-RE",))))


def test_browse_search_with_few_shot_history(snap_compare: SnapCompare, tmp_path: Path) -> None:
    app = make_app(small_index(), tmp_path)
    assert snap_compare(app, terminal_size=SIZE, run_before=with_filter(Filter(search="zebrafishin")))


def test_browse_screen_80x24(snap_compare: SnapCompare, tmp_path: Path) -> None:
    """Below 110 columns the facets start hidden: the table takes the width, its task column shrinks."""
    app = make_app(small_index(), tmp_path)
    assert snap_compare(app, terminal_size=(80, 24), run_before=with_filter(Filter()))


def _twins_open(*keys: str) -> Callable[[Pilot[Any]], Awaitable[None]]:
    """The demo index on BioASQ-Task-B-yesno-zs: its facet (QA expanded) beside its -yesno twin."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, BrowseScreen)
        if keys:
            await pilot.press(*keys)
            await settle(pilot)
        screen.open_task("BioASQ-Task-B-yesno-zs")
        await settle(pilot)

    return run_before


def test_browse_twin_tasks_wide(snap_compare: SnapCompare, demo_db: Path, tmp_path: Path) -> None:
    assert snap_compare(make_app(demo_db, tmp_path), terminal_size=SIZE, run_before=_twins_open())


def test_browse_twin_tasks_80x24_facets_shown(
    snap_compare: SnapCompare, demo_db: Path, tmp_path: Path
) -> None:
    """At 80x24 `\\` brings the facets back; the twins' names stay apart in the facets and the table."""
    app = make_app(demo_db, tmp_path)
    assert snap_compare(app, terminal_size=(80, 24), run_before=_twins_open("backslash"))


def test_task_info(snap_compare: SnapCompare, tmp_path: Path) -> None:
    app = make_app(small_index(), tmp_path)
    assert snap_compare(app, terminal_size=SIZE, run_before=with_filter(Filter(tasks=("MedQA",)), "i"))


# The export dialog's snapshots (80x24 and wide, with a fixed export folder) are in test_tui_forms.py.


def test_stats(snap_compare: SnapCompare, tmp_path: Path) -> None:
    app = make_app(small_index(), tmp_path)
    assert snap_compare(app, terminal_size=SIZE, run_before=with_filter(Filter(tasks=("SciCite",)), "s"))


def test_help(snap_compare: SnapCompare, tmp_path: Path) -> None:
    app = make_app(small_index(), tmp_path)
    assert snap_compare(app, terminal_size=SIZE, run_before=with_filter(Filter(), "f1"))


def test_task_picker(snap_compare: SnapCompare, tmp_path: Path) -> None:
    app = make_app(small_index(), tmp_path)
    assert snap_compare(app, terminal_size=SIZE, run_before=with_filter(Filter(), "ctrl+t", *"bc5"))


def test_first_run(snap_compare: SnapCompare, tmp_path: Path) -> None:
    app = make_app(Path("/nonexistent/medinst-tui/index.duckdb"), tmp_path)
    assert snap_compare(app, terminal_size=SIZE)
