"""Nothing is sent to a model without an explicit send (F5 / ctrl+j / the Send button).

Pilot on the demo index with the tiny test GGUF as the user's default preset (real llama.cpp).
"""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input

from medinst_tui.paths import runs_db_path
from medinst_tui.runs.store import RunStore
from medinst_tui.tui.playground.screen import PlaygroundScreen
from medinst_tui.tui.playground.settings import PlaygroundSettings
from tests.playground_support import MEDQA_TEST, SIZE, first_row, tiny_preset
from tests.tui_support import make_app, settle


def n_runs() -> int:
    if not runs_db_path().exists():
        return 0
    return len(RunStore(runs_db_path()).list_runs())


async def test_a_failed_send_is_not_resent_when_the_model_is_fixed(
    demo_db: Path, tiny_gguf_path: Path, tmp_path: Path
) -> None:
    tiny_preset(tiny_gguf_path)
    bad = tmp_path / "notgguf.bin"
    bad.write_bytes(b"PK\x03\x04 not a model")
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.database is not None
        screen = PlaygroundScreen(
            app.database, first_row(demo_db), MEDQA_TEST, settings=PlaygroundSettings(model=str(bad))
        )
        app.push_screen(screen)
        await settle(pilot)
        assert screen.preview is None  # the model cannot load: no prompt
        await pilot.press("f5")  # the send fails: the prompt for these settings cannot be built
        await settle(pilot)
        assert not screen.generating and screen.last_result is None
        # the user fixes the model and confirms the field with Enter: that is no send
        field = screen.query_one("#model-custom", Input)
        field.value = str(tiny_gguf_path)
        field.focus()
        await pilot.press("enter")
        await settle(pilot)
        assert screen.preview is not None and screen.preview.settings.model == str(tiny_gguf_path)
        assert not screen.generating and screen.generation == 0
        assert screen.last_result is None and screen.answer.text == ""
        assert n_runs() == 0
        # an explicit send still works, right after typing too (F5 reads the form itself)
        screen.query_one("#max-tokens", Input).value = "5"
        await pilot.press("f5")
        await settle(pilot)
        assert screen.generation == 1 and screen.last_result is not None
        assert screen.last_result.error is None and screen.last_result.completion_tokens == 5
        assert n_runs() == 1
