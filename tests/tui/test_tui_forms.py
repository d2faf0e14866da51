"""Forms behave as forms (tui/forms.py): Enter submits, Escape in a field leaves the field and a second
Escape the screen; the export dialog's default file is absolute and a bare name lands in the export folder;
"open task" on a task the index lacks gives the command that indexes it. Pilot on a real index, plus SVG
snapshots of the export dialog at 80x24 and at the wide size."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Button, Input, Static

from medinst_tui import catalog
from medinst_tui.state import default_export_folder
from medinst_tui.store.filters import Filter
from medinst_tui.store.index import ENV_MEMORY_LIMIT, Index
from medinst_tui.tui.browse.export import ExportScreen
from medinst_tui.tui.browse.jump import JumpScreen
from medinst_tui.tui.browse.not_indexed import NotIndexedScreen, index_command
from medinst_tui.tui.browse.screen import BrowseScreen
from medinst_tui.tui.database import MEMORY_LIMIT
from medinst_tui.tui.playground.batch import BatchScreen
from medinst_tui.tui.playground.screen import PlaygroundScreen
from medinst_tui.tui.playground.settings import PlaygroundSettings
from medinst_tui.tui.playground.settings_panel import SettingsPanel
from tests.tui_support import make_app, settle, small_index

SIZE = (120, 40)
NARROW = (80, 24)
MISSING_MODEL = "/nonexistent/medinst-tests/model.gguf"
SnapCompare = Callable[..., bool]


def browse(app: Any) -> BrowseScreen:
    screen = app.screen
    assert isinstance(screen, BrowseScreen)
    return screen


def top(app: Any) -> object:
    """The current screen as a plain object (mypy keeps no narrowing between steps)."""
    return app.screen


def focused_id(app: Any) -> str | None:
    return app.focused.id if app.focused is not None else None


# -- jump ----------------------------------------------------------------------------------------------------
async def test_jump_enter_jumps_and_escape_leaves_the_field_first(tmp_path: Path) -> None:
    app = make_app(small_index(), tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = browse(app)
        screen.filter = Filter(tasks=("MeDAL",))
        await settle(pilot)
        await pilot.press("ctrl+g", *"12")
        assert isinstance(app.screen, JumpScreen) and focused_id(app) == "jump-input"
        await pilot.press("escape")
        assert isinstance(app.screen, JumpScreen) and app.focused is None  # out of the field, still open
        await pilot.press("escape")
        assert top(app) is screen
        await pilot.press("ctrl+g", *"12", "enter")
        await settle(pilot)
        assert top(app) is screen and screen.table.cursor == 11


# -- export --------------------------------------------------------------------------------------------------
async def test_export_default_is_absolute_enter_exports_and_escape_leaves_the_field(tmp_path: Path) -> None:
    app = make_app(small_index(), tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = browse(app)
        screen.filter = Filter(tasks=("SciCite",))
        await settle(pilot)
        await pilot.press("ctrl+e")
        dialog = app.screen
        assert isinstance(dialog, ExportScreen) and focused_id(app) == "export-path"
        path = dialog.query_one("#export-path", Input)
        assert Path(path.value).is_absolute()
        assert Path(path.value) == default_export_folder() / "medinst-SciCite.jsonl"
        assert str(default_export_folder()) in str(dialog.query_one("#export-folder-hint", Static).render())
        await pilot.press("escape")  # leaves the field for the Export button; the dialog stays
        assert app.screen is dialog and focused_id(app) == "export-run"
        await pilot.click("#export-path")
        await pilot.press("enter")  # Enter in the field exports
        await settle(pilot)
        written = default_export_folder() / "medinst-SciCite.jsonl"
        with Index(small_index()) as index:
            expected = [r.id for r in index.page(Filter(tasks=("SciCite",)), limit=1000)]
        lines = [json.loads(x) for x in written.read_text(encoding="utf-8").splitlines()]
        assert len(lines) == len(expected) and {x["task"] for x in lines} == {"SciCite"}
        assert focused_id(app) == "export-run"  # now "Close": escape is not in a field
        await pilot.press("escape")
        assert top(app) is screen


async def test_a_bare_name_goes_in_the_export_folder_and_stdout_is_refused(tmp_path: Path) -> None:
    app = make_app(small_index(), tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        browse(app).filter = Filter(tasks=("MedQA",), splits=("test",))
        await settle(pilot)
        await pilot.press("ctrl+e")
        dialog = app.screen
        assert isinstance(dialog, ExportScreen)
        path = dialog.query_one("#export-path", Input)
        path.value = "-"
        await pilot.press("enter")
        await settle(pilot)
        status = str(dialog.query_one("#export-status", Static).render())
        assert "not stdout" in status and app.screen is dialog
        path.value = "/dev/stdout"
        await pilot.press("enter")
        await settle(pilot)
        assert "not stdout" in str(dialog.query_one("#export-status", Static).render())
        assert not (default_export_folder() / "-").exists()
        path.value = "medqa.jsonl"
        await pilot.press("enter")
        await settle(pilot)
        written = default_export_folder() / "medqa.jsonl"
        assert len(written.read_text(encoding="utf-8").splitlines()) == 8  # MedQA test rows
        assert not (Path.cwd() / "medqa.jsonl").exists()


# -- the playground's settings and the batch form ------------------------------------------------------------
async def test_playground_enter_commits_a_field_and_escape_leaves_it(tmp_path: Path) -> None:
    app = make_app(small_index(), tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.database is not None
        with Index(small_index()) as index:
            row = index.page(Filter(tasks=("MedQA",)), limit=1)[0]
        screen = PlaygroundScreen(app.database, row, settings=PlaygroundSettings(model=MISSING_MODEL))
        app.push_screen(screen)
        await settle(pilot)
        panel = screen.query_one(SettingsPanel)
        field = panel.query_one("#max-tokens", Input)
        field.focus()
        field.value = "33"
        await pilot.press("enter")  # committed now, not after the typing debounce
        assert panel.settings.max_tokens == 33 and screen.session.settings is not None
        assert screen.session.settings.max_tokens == 33
        assert not screen.generating and screen.last_result is None  # Enter never sends
        await pilot.press("escape")
        assert top(app) is screen and focused_id(app) == "prompt-messages-scroll"
        await pilot.press("escape")
        assert isinstance(app.screen, BrowseScreen)


async def test_batch_escape_leaves_the_field_then_the_screen(tmp_path: Path) -> None:
    app = make_app(small_index(), tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.database is not None
        batch = BatchScreen(app.database, Filter(tasks=("MedQA",)), PlaygroundSettings(model=MISSING_MODEL))
        app.push_screen(batch)
        await settle(pilot)
        assert focused_id(app) == "batch-n"
        await pilot.press("escape")
        assert app.screen is batch and focused_id(app) == "batch-start"
        assert not batch.query_one("#batch-start", Button).disabled
        await pilot.press("escape")
        assert isinstance(app.screen, BrowseScreen)


# -- open task -----------------------------------------------------------------------------------------------
def test_the_index_command_names_the_task_and_the_hub_repo() -> None:
    assert index_command("BioRED") == "medinst index --hub --task BioRED --add"
    assert index_command("MedQA-zs") == "medinst index --hub medinst32 --task MedQA --add"
    assert index_command("A B") == "medinst index --hub --task 'A B' --add"


async def test_open_task_on_a_task_the_index_lacks_shows_the_command(tmp_path: Path) -> None:
    missing = "BioRED"
    assert missing in catalog.tasks()
    with Index(small_index()) as index:
        assert index.count(Filter(tasks=(missing,))) == 0
    app = make_app(small_index(), tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = browse(app)
        before = screen.filter
        screen.open_task(missing)  # what the palette's "Open task: BioRED" runs
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, NotIndexedScreen)
        text = str(dialog.query_one("#not-indexed-text", Static).render())
        assert "BioRED" in text and "is not in the index" in text
        command = str(dialog.query_one("#not-indexed-command", Static).render())
        assert command == "medinst index --hub --task BioRED --add"
        await pilot.press("escape")
        assert top(app) is screen and screen.filter == before  # no empty table
        screen.open_task("SciCite")  # an indexed task opens as before
        await settle(pilot)
        assert top(app) is screen and screen.filter.tasks == ("SciCite",)


# -- snapshots -----------------------------------------------------------------------------------------------
@pytest.fixture
def fixed_dirs(monkeypatch: pytest.MonkeyPatch) -> None:
    """The dialog shows the export folder: a fixed one (never written: nothing is exported) keeps the SVG
    the same on every machine; DuckDB's memory default as the app sets it."""
    monkeypatch.setenv("MEDINST_DATA_DIR", "/home/reader/.local/share/medinst-tui")
    monkeypatch.setenv(ENV_MEMORY_LIMIT, MEMORY_LIMIT)


async def _open_export(pilot: Pilot[Any]) -> None:
    await settle(pilot)
    browse(pilot.app).filter = Filter(categories=("QA",), medinst32=True)
    await settle(pilot)
    await pilot.press("ctrl+e")
    await settle(pilot)


@pytest.mark.parametrize("size", [SIZE, NARROW], ids=["wide", "80x24"])
def test_export_dialog_snapshot(
    snap_compare: SnapCompare, tmp_path: Path, fixed_dirs: None, size: tuple[int, int]
) -> None:
    app = make_app(small_index(), tmp_path)
    assert snap_compare(app, terminal_size=size, run_before=_open_export)
