"""A worker that raises is reported once, in words, and the screen takes its failed state (tui/workers.py)."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Button, Static

from medinst_tui.sources.files import SourceSpec
from medinst_tui.tui.screens.first_run import FirstRunScreen
from tests.tui_support import make_app, settle, small_index


async def test_a_failed_demo_build_is_one_notification_and_the_button_comes_back(tmp_path: Path) -> None:
    db = tmp_path / "data" / "index.duckdb"
    app = make_app(db, tmp_path, demo_sources=lambda: [SourceSpec("demo", "demo", str(tmp_path), [])])
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, FirstRunScreen)
        await pilot.click("#first-run-build")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, FirstRunScreen) and not screen.building
        assert not screen.query_one("#first-run-build", Button).disabled
        status = str(screen.query_one("#first-run-status", Static).render())
        assert status == "the build failed: the demo data is missing from this installation"
        texts = [n.message for n in app._notifications]
        assert texts.count(status) == 1
        assert not db.exists()


async def test_comparing_a_run_that_is_gone_says_which(tmp_path: Path) -> None:
    from medinst_tui.tui.runs.compare import CompareScreen

    app = make_app(small_index(), tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.push_screen(CompareScreen("gone-a", "gone-b"))
        await settle(pilot)
        title = str(app.screen.query_one("#compare-title", Static).render())
        assert title == "reading the runs failed: no run 'gone-a' in the runs DB"
        assert [n.message for n in app._notifications].count(title) == 1


async def test_a_run_export_that_cannot_write_says_why_in_place(tmp_path: Path) -> None:
    from medinst_tui.paths import runs_db_path
    from medinst_tui.runs.records import RunHeader
    from medinst_tui.runs.store import RunStore
    from medinst_tui.tui.runs.screen import ExportRunScreen

    RunStore(runs_db_path()).start(RunHeader("run-x", origin="cli"))
    app = make_app(small_index(), tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.push_screen(ExportRunScreen("run-x"))
        await settle(pilot)
        app.screen.query_one("#export-run-path").value = str(tmp_path)  # type: ignore[attr-defined]
        await pilot.click("#export-run-go")
        await settle(pilot)
        status = str(app.screen.query_one("#export-run-status", Static).render())
        assert status.startswith("the export failed: ") and str(tmp_path) in status
        assert [n.message for n in app._notifications].count(status) == 1


async def test_a_screen_that_is_busy_tells_the_app_without_reaching_into_it(tmp_path: Path) -> None:
    from medinst_tui.tui.messages import Busy

    app = make_app(small_index(), tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.collector.last_input -= 100  # idle for a while
        before = app.collector.last_input
        app.screen.post_message(Busy())  # as the playground does while an answer streams
        await settle(pilot)
        assert app.collector.last_input > before + 99


async def test_a_batch_that_cannot_start_says_why_once(tmp_path: Path) -> None:
    from medinst_tui.store.filters import Filter
    from medinst_tui.tui.playground.batch import BatchScreen
    from medinst_tui.tui.playground.settings import PlaygroundSettings

    missing = "/nonexistent/medinst-tests/model.gguf"
    app = make_app(small_index(), tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.database is not None
        batch = BatchScreen(app.database, Filter(tasks=("MedQA",)), PlaygroundSettings(model=missing))
        app.push_screen(batch)
        await settle(pilot)
        await pilot.press("f5")
        await settle(pilot)
        status = str(batch.query_one("#batch-plan", Static).render())
        assert status.startswith("the batch failed: model: ") and "PlaygroundError" not in status
        assert not batch.running and str(batch.query_one("#batch-start", Button).label) == "Resume (F5)"
        assert [n.message for n in app._notifications].count(status) == 1
