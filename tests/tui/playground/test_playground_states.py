"""What the playground says while it works, with the tiny test GGUF (real llama.cpp): "loading model …"
until a model is in memory, never "streaming · 0 tokens"; a changed prompt clears the answer of the old one;
the model description follows a model change and a failure; below 100 columns the panes stack."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

from textual.widgets import Input, Select

from medinst_tui.tui.playground.screen import PlaygroundScreen
from medinst_tui.tui.playground.settings import PlaygroundSettings
from medinst_tui.tui.playground.settings_panel import CUSTOM, SettingsPanel
from tests.playground_support import MEDQA_TEST, SIZE, first_row, open_playground, shown
from tests.tui_support import make_app, settle

MISSING_MODEL = "/nonexistent/medinst-tests/model.gguf"
ZERO_TOKENS = re.compile(r"\b0 tokens\b")


async def send_and_record_notes(pilot: Any, screen: PlaygroundScreen) -> list[str]:
    """Press F5 and record the answer's status line at each look until the answer is done."""
    pilot.app.simulate_key("f5")
    notes: list[str] = []
    for _ in range(3000):
        await asyncio.sleep(0.005)
        note = str(screen.answer.border_subtitle)
        if not notes or notes[-1] != note:
            notes.append(note)
        if screen.last_result is not None and not screen.generating and len(notes) > 1:
            break
    await settle(pilot)
    return notes


async def test_loading_model_then_streaming_never_zero_tokens(
    demo_db: Path, tiny: Path, tmp_path: Path
) -> None:
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        settings = PlaygroundSettings(max_tokens=400, use_cache=False)
        screen = await open_playground(app, pilot, first_row(demo_db), MEDQA_TEST, settings)
        assert screen.answer.border_subtitle == "F5 sends"  # the model loaded with the prompt
        screen.session.models.close_all()  # as if it had been evicted: the send loads it again
        notes = await send_and_record_notes(pilot, screen)
        assert notes[0] == "loading model …", notes
        assert not any(ZERO_TOKENS.search(n) for n in notes), notes
        assert any(n.startswith("streaming · ") for n in notes) and notes[-1].startswith("done"), notes
        # loaded now: the wait before the first token is the prompt being read, not a load
        screen.last_result = None
        notes = await send_and_record_notes(pilot, screen)
        assert notes[0] == "reading the prompt (first token next) …", notes
        assert not any(ZERO_TOKENS.search(n) for n in notes), notes


async def test_a_changed_prompt_clears_the_previous_answer(demo_db: Path, tiny: Path, tmp_path: Path) -> None:
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_playground(app, pilot, first_row(demo_db), MEDQA_TEST)
        await send_and_record_notes(pilot, screen)
        assert screen.answer.text and screen.score_panel.score is not None
        panel = screen.query_one(SettingsPanel)
        panel.query_one("#temperature", Input).value = "0.5"  # sampling only: the prompt is the same
        panel.commit()
        await settle(pilot)
        assert screen.answer.text and screen.score_panel.score is not None
        panel.query_one("#shot-mode", Select).value = "none"  # zero-shot: another prompt
        await settle(pilot)
        assert screen.preview is not None and not screen.preview.built.shots
        assert screen.answer.text == "" and screen.answer.state == "idle"
        assert screen.answer.border_subtitle == "F5 sends"
        assert screen.score_panel.score is None
        assert screen.last_result is not None  # still stored as its run; only the screen moved on


async def test_the_model_description_follows_a_change_and_a_failure(
    demo_db: Path, tiny: Path, tmp_path: Path
) -> None:
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_playground(app, pilot, first_row(demo_db), MEDQA_TEST)
        status = screen.query_one("#model-status")
        described = shown(status)
        assert "tiny-test" in described and "local" in described, described
        panel = screen.query_one(SettingsPanel)
        panel.query_one("#model-preset", Select).value = CUSTOM
        panel.query_one("#model-custom", Input).value = MISSING_MODEL
        panel.commit()
        await settle(pilot)
        failed = shown(status)
        assert failed.startswith(MISSING_MODEL) and "not found" in failed, failed
        assert status.has_class("-error") and "tiny-test" not in failed
        panel.query_one("#model-preset", Select).value = "tiny-test"  # back: the description comes back
        await settle(pilot)
        assert shown(status) == described and not status.has_class("-error")
        assert screen.preview is not None and screen.preview.preset.name == "tiny-test"


async def test_below_100_columns_the_prompt_and_the_answer_stack(
    demo_db: Path, tiny: Path, tmp_path: Path
) -> None:
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_playground(app, pilot, first_row(demo_db), MEDQA_TEST)
        centre, right = screen.query_one("#pg-centre").region, screen.query_one("#pg-right").region
        settings = screen.query_one("#pg-settings").region
        assert screen.has_class("-narrow")
        assert right.x == centre.x and right.y >= centre.bottom  # one above the other
        assert settings.right <= centre.x and centre.right <= 80
        assert centre.height >= 8 and right.height >= 10
        await pilot.resize_terminal(140, 45)
        await settle(pilot)
        centre, right = screen.query_one("#pg-centre").region, screen.query_one("#pg-right").region
        assert screen.has_class("-wide") and right.x >= centre.right and right.y == centre.y  # side by side
