"""One scored sample of a run: its prompt, the answer, the gold output and the scores (with the entity
diff or right/wrong), opened from a batch's or a stored run's results table."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Static

from medinst_tui import catalog
from medinst_tui.backends.base import ChatMessage
from medinst_tui.runs.records import SampleResult
from medinst_tui.scoring.live import LiveScore, live_score, row_family
from medinst_tui.tui.formats import render_output
from medinst_tui.tui.playground.prompt_view import ROLE_STYLES
from medinst_tui.tui.playground.score_panel import score_renderable
from medinst_tui.tui.runs.results_table import status_text


def chat_text(messages: list[ChatMessage]) -> Text:
    parts: list[Text] = []
    for i, message in enumerate(messages):
        last = i == len(messages) - 1
        label = f"{'query · ' if last else ''}{message['role']}"
        parts.append(Text("▌ " + label, ROLE_STYLES.get(message["role"], Style(bold=True))))
        parts.append(Text(message["content"]))
    return Text("\n").join(parts)


class SampleResultScreen(ModalScreen[None]):
    CSS_PATH = "sample_result.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q", "close", "Close", id="sample_result.close")]

    @dataclass
    class Scored(Message):
        score: LiveScore

    def __init__(self, result: SampleResult) -> None:
        super().__init__()
        self.result = result

    def compose(self) -> ComposeResult:
        r = self.result
        category = catalog.category_of(r.task)
        with VerticalScroll(id="sample-result"):
            header = Text.assemble(
                (r.task, Style(bold=True)),
                f"  #{r.sample_id} · {r.split} · {category} · sample {r.seq + 1}   ",
                status_text(r),
            )
            yield Static(header, id="sample-result-header")
            if r.fit:
                yield Static(Text(f"prompt: {r.fit}" + (" · EDITED" if r.edited else ""), Style(dim=True)))
            yield Static("Scores", classes="section")
            yield Static("scoring …", id="sample-result-scores")
            yield Static("Answer", classes="section")
            yield Static(Text(r.prediction or "(empty)"), id="sample-result-answer")
            yield Static("Gold output", classes="section")
            yield Static(render_output(r.gold, category), id="sample-result-gold")
            yield Static("Prompt", classes="section")
            prompt = chat_text(r.messages) if r.messages is not None else Text(r.prompt or "")
            yield Static(prompt, id="sample-result-prompt")

    def on_mount(self) -> None:
        box = self.query_one("#sample-result")
        box.border_title = f"{self.result.task} #{self.result.sample_id}"
        box.border_subtitle = "esc to close"
        self._score()

    @work(thread=True, exclusive=True, group="sample-result", exit_on_error=False)
    def _score(self) -> None:
        r = self.result
        family = row_family(r.task, catalog.category_of(r.task), r.gold)
        self.post_message(self.Scored(live_score(family, r.prediction, r.gold)))

    def on_sample_result_screen_scored(self, message: Scored) -> None:
        state = "partial" if self.result.error else "final"
        self.query_one("#sample-result-scores", Static).update(score_renderable(message.score, state))

    def action_close(self) -> None:
        self.dismiss(None)
