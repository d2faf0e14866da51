"""What the playground tests share: the tiny GGUF as the default preset, the MedQA test rows, opening the
playground and watching an answer stream."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path
from typing import Any

from rich.console import Console
from textual.pilot import Pilot
from textual.widgets import Input

from medinst_tui.paths import config_dir
from medinst_tui.store.filters import Filter
from medinst_tui.store.index import Index, Row
from medinst_tui.tui.app import MedinstApp
from medinst_tui.tui.playground.batch import BatchScreen
from medinst_tui.tui.playground.screen import PlaygroundScreen
from medinst_tui.tui.playground.settings import PlaygroundSettings
from tests.tui_support import settle

SIZE = (140, 45)


MEDQA_TEST = Filter(tasks=("MedQA",), splits=("test",))


LONG = 2500  # tokens: the tiny model streams ~5k tok/s, so a long answer takes a visible half second


def tiny_preset(path: Path, *, max_tokens: int = 16) -> None:
    """The tiny GGUF as the user's default preset, as a user would add one (config dir, models/)."""
    folder = config_dir() / "models"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "tiny-test.yaml").write_text(
        f"name: tiny-test\nkind: local\ndefault: true\npath: {path}\nn_ctx: 4096\nn_threads: 1\n"
        f"sampling:\n  max_tokens: {max_tokens}\n"
        "deviations:\n  sampling.max_tokens: short answers keep the tests fast\n",
        encoding="utf-8",
    )


def shown(widget: Any) -> str:
    """The text a Static widget shows (its content rendered by Rich)."""
    console = Console(width=200, record=True, file=io.StringIO())
    console.print(widget.content)
    return console.export_text()


def first_row(db: Path, f: Filter = MEDQA_TEST) -> Row:
    with Index(db) as index:
        return index.page(f, limit=1)[0]


async def open_playground(
    app: MedinstApp, pilot: Pilot[Any], row: Row, f: Filter, settings: PlaygroundSettings | None = None
) -> PlaygroundScreen:
    await settle(pilot)
    assert app.database is not None
    screen = PlaygroundScreen(app.database, row, f, settings=settings)
    app.push_screen(screen)
    await settle(pilot)
    assert screen.preview is not None, screen.query_one("#prompt-fit").render()
    return screen


async def send_and_watch(pilot: Pilot[Any], screen: PlaygroundScreen) -> list[int]:
    """Press F5 and record the answer's length at each look while it streams. (Keys are simulated and the
    test sleeps instead of `pilot.press`/`pause`: those wait for an idle CPU, which a stream never is.)"""
    pilot.app.simulate_key("f5")
    seen: list[int] = []
    for _ in range(2000):
        await asyncio.sleep(0.01)
        seen.append(len(screen.answer.text))
        if not screen.generating and len(seen) > 1:
            break
    await settle(pilot)
    return seen


async def run_batch(pilot: Pilot[Any], screen: BatchScreen, n: int) -> None:
    screen.query_one("#batch-n", Input).value = str(n)
    await settle(pilot)
    await pilot.press("f5")
    for _ in range(600):
        await pilot.pause(0.05)
        if not screen.running:
            break
    await settle(pilot)
