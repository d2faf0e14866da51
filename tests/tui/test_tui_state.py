"""Remembered settings (medinst_tui/state.py): the state file beside config.yaml, written atomically, read
back by the next app; a broken file is one warning and the defaults; nothing secret is written; the user's
config.yaml is never touched. Real files and a real app (Pilot) throughout."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input, RadioButton, Select

from medinst_tui.paths import data_dir
from medinst_tui.state import (
    STATE_VERSION,
    AppState,
    BatchState,
    ExportState,
    StateFile,
    app_state,
    batch_state,
    default_export_folder,
    export_state,
    restore,
    safe_model_fields,
    state_path,
    to_json,
)
from medinst_tui.store.filters import Filter
from medinst_tui.tui.browse.export import ExportScreen
from medinst_tui.tui.browse.screen import BrowseScreen
from medinst_tui.tui.playground.batch import BatchScreen
from medinst_tui.tui.playground.screen import PlaygroundScreen
from medinst_tui.tui.playground.settings import PlaygroundSettings
from medinst_tui.tui.playground.settings_panel import CUSTOM, SettingsPanel
from tests.tui_support import make_app, settle, small_index

SIZE = (120, 40)
MISSING_MODEL = "/nonexistent/medinst-tests/model.gguf"  # the prompt fails to build: no model is loaded


def read_state(path: Path) -> dict[str, Any]:
    loaded = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


# -- the file ------------------------------------------------------------------------------------------------
def test_remembered_values_round_trip_through_a_versioned_file(tmp_path: Path) -> None:
    path = state_path(tmp_path / "config.yaml")
    assert path == tmp_path / "state.json"  # beside the config file
    state = StateFile(path)
    assert state.take_warning() is None and state.section("batch") == {}
    assert state.remember("batch", to_json(BatchState(n=7, seed=3, concurrency=None))) is None
    assert state.remember("export", {"folder": str(tmp_path / "out"), "format": "parquet"}) is None
    on_disk = read_state(path)
    assert on_disk["version"] == STATE_VERSION
    assert on_disk["batch"] == {"n": 7, "seed": 3, "concurrency": None}
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]  # no temporary file left behind
    again = StateFile(path)
    assert batch_state(again) == BatchState(n=7, seed=3)
    assert export_state(again) == ExportState(str(tmp_path / "out"), "parquet")
    assert export_state(again).folder_path() == tmp_path / "out"


def test_a_second_app_keeps_the_sections_the_first_did_not_change(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    first, second = StateFile(path), StateFile(path)  # two apps running at once
    first.remember("batch", {"n": 5})
    second.remember("export", {"format": "parquet"})
    on_disk = read_state(path)
    assert on_disk["batch"] == {"n": 5} and on_disk["export"] == {"format": "parquet"}


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b'{"version": 1, "batch": {"n": 5}', "not valid JSON (line 1"),
        (b'{"version": 1, "batch": {"n": "\xff\xfe"}}', "not UTF-8 (byte"),
        (b"[1, 2]", "not a JSON object"),
        (b'{"batch": {"n": 5}}', "no valid 'version'"),
    ],
)
def test_an_unusable_file_is_one_warning_and_the_defaults(tmp_path: Path, content: bytes, says: str) -> None:
    path = tmp_path / "state.json"
    path.write_bytes(content)
    state = StateFile(path)
    warning = state.take_warning()
    assert warning is not None and says in warning and str(path) in warning and "\n" not in warning
    assert state.take_warning() is None  # shown once
    assert batch_state(state) == BatchState()  # the defaults
    state.remember("batch", {"n": 9})  # replaced on the next change, as the warning says
    assert read_state(path)["batch"] == {"n": 9}


def test_a_newer_versions_file_is_left_as_it_is(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    newer = json.dumps({"version": STATE_VERSION + 1, "batch": {"n": 5}, "future": [1]})
    path.write_text(newer, encoding="utf-8")
    state = StateFile(path)
    warning = state.take_warning()
    assert warning is not None and "newer medinst" in warning
    assert batch_state(state) == BatchState()
    state.remember("batch", {"n": 9})
    assert path.read_text(encoding="utf-8") == newer
    assert batch_state(state).n == 9  # remembered for this session only


def test_values_of_the_wrong_type_are_ignored_one_by_one() -> None:
    raw = {"model": "smollm2-135m", "k": "three", "temperature": 0, "stop": ["\n\n", 5], "shot_mode": "task"}
    settings, ignored = restore(PlaygroundSettings, {**raw, "unknown_later_field": 1})
    assert sorted(ignored) == ["k", "stop"]
    assert settings == PlaygroundSettings(model="smollm2-135m", temperature=0.0, shot_mode="task")
    assert restore(PlaygroundSettings, {"shot_mode": "sometimes"})[1] == ["shot_mode"]
    full = PlaygroundSettings(
        model="http://gpu:8000/v1", endpoint_model="m", api_key_env="MY_KEY", n_ctx=2048,
        format="medinst-plain", shot_mode="pinned", pinned=(3, 9), max_tokens=64, temperature=0.5, seed=1,
        stop=("###",), use_cache=False,
    )  # fmt: skip
    back = json.loads(json.dumps(to_json(full)))
    assert restore(PlaygroundSettings, back) == (full, [])


def test_nothing_secret_is_written() -> None:
    kept = safe_model_fields(
        {"model": "https://bob:sk-secret@api.example.com/v1", "api_key_env": "OPENAI_KEY"}
    )
    assert kept == {"model": "https://api.example.com/v1", "api_key_env": "OPENAI_KEY"}
    pasted = safe_model_fields({"model": "openai", "api_key_env": "sk-proj-abc123"})
    assert pasted["api_key_env"] == ""  # a key pasted where its variable's name belongs


def test_the_default_export_folder_is_absolute_in_the_data_dir() -> None:
    folder = default_export_folder()
    assert folder.is_absolute() and folder == (data_dir() / "exports").absolute()
    assert ExportState(folder="relative/dir").folder_path() == folder  # only absolute folders are used
    assert ExportState(format="csv").fmt() == "jsonl"


# -- across app restarts -------------------------------------------------------------------------------------
async def open_playground(app: Any, pilot: Any) -> PlaygroundScreen:
    await settle(pilot)
    with app.database.open("test") as index:
        row = index.page(Filter(tasks=("MedQA",)), limit=1)[0]
    screen = PlaygroundScreen(app.database, row, Filter(tasks=("MedQA",)))
    app.push_screen(screen)
    await settle(pilot)
    return screen


async def test_playground_settings_survive_a_restart_and_config_yaml_is_untouched(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    mine = "# my settings\ntheme: medinst-dark   # keep this comment\n"
    config.write_text(mine, encoding="utf-8")
    wanted = {
        "#model-custom": MISSING_MODEL,
        "#max-tokens": "12",
        "#temperature": "0.3",
        "#stop": r"\n\n, ###",
    }
    app = make_app(small_index(), tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_playground(app, pilot)
        panel = screen.query_one(SettingsPanel)
        panel.query_one("#model-preset", Select).value = CUSTOM
        for selector, value in wanted.items():
            panel.query_one(selector, Input).value = value
        panel.query_one("#shot-mode", Select).value = "task"
        panel.query_one("#shot-k", Input).value = "3"
        panel.commit()
        await settle(pilot)
        expected = panel.settings
    assert expected.model == MISSING_MODEL and expected.max_tokens == 12 and expected.k == 3
    assert read_state(tmp_path / "state.json")["playground"]["max_tokens"] == 12
    assert config.read_text(encoding="utf-8") == mine

    app = make_app(small_index(), tmp_path)  # a restart: a new app, the same config folder
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_playground(app, pilot)
        panel = screen.query_one(SettingsPanel)
        assert panel.read() == expected
        assert panel.query_one("#max-tokens", Input).value == "12"
        assert panel.query_one("#model-custom", Input).value == MISSING_MODEL
    assert config.read_text(encoding="utf-8") == mine


async def test_batch_n_is_what_the_reader_set_last_not_20(tmp_path: Path) -> None:
    app = make_app(small_index(), tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.database is not None
        batch = BatchScreen(app.database, Filter(tasks=("MedQA",)), PlaygroundSettings(model=MISSING_MODEL))
        app.push_screen(batch)
        await settle(pilot)
        assert batch.query_one("#batch-n", Input).value == "20"  # the first time
        assert not (tmp_path / "state.json").exists()  # opening the form remembers nothing
        batch.query_one("#batch-n", Input).value = "7"
        batch.query_one("#batch-seed", Input).value = "4"
        await settle(pilot)
        await pilot.press("escape", "escape")  # leave the field, then the screen
        await settle(pilot)
        assert not isinstance(app.screen, BatchScreen)
        again = BatchScreen(app.database, Filter(tasks=("MedQA",)), PlaygroundSettings(model=MISSING_MODEL))
        app.push_screen(again)
        await settle(pilot)
        assert again.query_one("#batch-n", Input).value == "7"  # not reset when the screen opens again
    assert read_state(tmp_path / "state.json")["batch"] == {"n": 7, "seed": 4, "concurrency": None}
    app = make_app(small_index(), tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.database is not None
        batch = BatchScreen(app.database, Filter(tasks=("MedQA",)), PlaygroundSettings(model=MISSING_MODEL))
        app.push_screen(batch)
        await settle(pilot)
        assert batch.query_one("#batch-n", Input).value == "7"  # and after a restart
        assert batch.query_one("#batch-seed", Input).value == "4"


async def test_the_export_folder_and_format_are_remembered(tmp_path: Path) -> None:
    target = tmp_path / "my exports" / "qa.parquet"
    app = make_app(small_index(), tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+e")
        dialog = app.screen
        assert isinstance(dialog, ExportScreen)
        await pilot.click("#fmt-parquet")
        dialog.query_one("#export-path", Input).value = str(target)
        await pilot.click("#export-path")
        await pilot.press("enter")  # in the field: exports
        await settle(pilot)
        assert target.is_file()
    app = make_app(small_index(), tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, BrowseScreen)
        screen.filter = Filter(categories=("QA",))
        await settle(pilot)
        await pilot.press("ctrl+e")
        dialog = app.screen
        assert isinstance(dialog, ExportScreen)
        assert dialog.query_one("#export-path", Input).value == str(target.parent / "medinst-QA.parquet")
        assert dialog.query_one("#fmt-parquet", RadioButton).value


async def test_a_corrupt_state_file_is_a_warning_and_the_app_still_works(tmp_path: Path) -> None:
    (tmp_path / "state.json").write_bytes(b'{"version": 1, "playground": {"max_tokens": 12,')
    app = make_app(small_index(), tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_playground(app, pilot)
        assert screen.initial_settings == PlaygroundSettings()  # the defaults, not the cut-off file's 12
        notes = [n.message for n in app._notifications]
        assert any("state.json: not valid JSON" in n for n in notes), notes
        await pilot.press("escape")  # the focus is not in a field: back to the browser
        assert isinstance(app.screen, BrowseScreen)


# -- the theme -----------------------------------------------------------------------------------------------
def test_the_chosen_theme_yields_to_a_config_theme_changed_after_it() -> None:
    chosen = AppState(theme="medinst-light", config_theme="medinst-dark")
    assert chosen.theme_for("medinst-dark") == "medinst-light"  # config.yaml as it was: the choice holds
    assert chosen.theme_for("medinst-contrast") == "medinst-contrast"  # edited since: the config wins
    assert chosen.theme_for(None) is None
    assert AppState(theme="medinst-light").theme_for(None) == "medinst-light"
    assert AppState().theme_for("medinst-contrast") == "medinst-contrast"


async def test_the_theme_is_remembered_in_the_state_and_config_yaml_is_untouched(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    mine = "# my settings\ntheme: medinst-dark   # keep this comment\n"
    config.write_text(mine, encoding="utf-8")
    app = make_app(small_index(), tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.theme == "medinst-dark"
        app.theme = "medinst-light"
        await settle(pilot)
    assert config.read_text(encoding="utf-8") == mine
    assert read_state(tmp_path / "state.json")["app"] == {
        "theme": "medinst-light",
        "config_theme": "medinst-dark",
    }
    assert app_state(StateFile(tmp_path / "state.json")).theme == "medinst-light"
    again = make_app(small_index(), tmp_path)
    async with again.run_test(size=SIZE) as pilot:
        assert again.theme == "medinst-light"
    # the user edits config.yaml afterwards: that later decision wins at the next start
    config.write_text("theme: medinst-contrast\n", encoding="utf-8")
    edited = make_app(small_index(), tmp_path)
    async with edited.run_test(size=SIZE) as pilot:
        assert edited.theme == "medinst-contrast"
