"""`auto` max tokens in the playground and its batches (runs/auto_tokens.py): typed in the settings,
derived in the worker from the row's task with the model's tokenizer, shown in the prompt header, stored
with the run."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input

from medinst_tui.paths import runs_db_path
from medinst_tui.runs.store import RunStore
from medinst_tui.state import restore
from medinst_tui.tui.playground.batch import BatchScreen
from medinst_tui.tui.playground.settings import PlaygroundSettings
from medinst_tui.tui.playground.settings_panel import SettingsError, SettingsPanel
from tests.auto_tokens_reference import independent_cap
from tests.playground_support import (
    MEDQA_TEST,
    SIZE,
    first_row,
    open_playground,
    run_batch,
    send_and_watch,
    shown,
    tiny_preset,
)
from tests.tui_support import make_app, settle


def test_auto_is_remembered_as_auto() -> None:
    settings, ignored = restore(PlaygroundSettings, {"max_tokens": "auto"})
    assert settings.max_tokens == "auto" and not ignored
    settings, ignored = restore(PlaygroundSettings, {"max_tokens": "lots"})
    assert settings.max_tokens is None and ignored == ["max_tokens"]


async def test_auto_max_tokens_is_derived_shown_and_recorded(
    demo_db: Path, tiny_gguf_path: Path, tmp_path: Path
) -> None:
    tiny_preset(tiny_gguf_path)
    expected = independent_cap(demo_db, tiny_gguf_path, "MedQA")
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_playground(app, pilot, first_row(demo_db), MEDQA_TEST)
        panel = screen.query_one(SettingsPanel)
        field = screen.query_one("#max-tokens", Input)
        field.value = "autox"
        with pytest.raises(SettingsError):
            panel.read()
        field.value = "AUTO"
        assert panel.read().max_tokens == "auto"
        panel.commit()
        await settle(pilot)
        preview = screen.preview
        assert preview is not None and preview.config.max_tokens == expected
        assert preview.built.fit.max_tokens == expected  # the prompt was fitted with room for the cap
        header = shown(screen.query_one("#prompt-fit"))
        assert f"+ {expected} new (auto) / 4,096 ctx" in header
        assert f"max tokens auto {expected}: p99 of " in header and "gold outputs of MedQA" in header
        await send_and_watch(pilot, screen)
        assert screen.last_run_id is not None
        stored = RunStore(runs_db_path()).get(screen.last_run_id)
        assert stored is not None and stored.max_tokens == expected
        assert stored.config["max_tokens_auto"] == preview.config.max_tokens_auto
        # a batch over the filter derives its own cap (the filter's tasks), stored with the run
        await pilot.press("b")
        await settle(pilot)
        batch = app.screen
        assert isinstance(batch, BatchScreen)
        assert "max auto tokens" in shown(batch.query_one("#batch-plan"))
        await run_batch(pilot, batch, 2)
        assert batch.outcome is not None and batch.outcome.n_done == 2
        run = RunStore(runs_db_path()).get(batch.outcome.run_id)
        assert run is not None and run.max_tokens == expected
        assert run.config["max_tokens_auto"].startswith(f"auto {expected}: p99 of ")
