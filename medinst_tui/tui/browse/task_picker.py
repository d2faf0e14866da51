"""The fuzzy task picker (ctrl+t): type a few letters of a task or category, enter opens the task."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from medinst_tui import catalog

MAX_HITS = 40


def label_of(task: str) -> str:
    return f"{task}  ({catalog.category_of(task)})"


def rank(query: str, names: list[str], limit: int = MAX_HITS) -> list[str]:
    """Task names best first for a loose query over names and categories (rapidfuzz)."""
    if not query.strip():
        return names[:limit]
    labels = {label_of(n): n for n in names}
    return [labels[label] for label, _ in catalog.fuzzy_tasks(query, list(labels), limit=limit)]


class TaskPickerScreen(ModalScreen[str | None]):
    CSS_PATH = "task_picker.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="picker.close"),
        Binding("down", "move(1)", "Next", show=False, id="picker.next"),
        Binding("up", "move(-1)", "Previous", show=False, id="picker.previous"),
    ]

    def __init__(self, names: list[str]) -> None:
        super().__init__()
        self.names = names

    def compose(self) -> ComposeResult:
        with Vertical(id="picker"):
            yield Static("Open a task  [dim](type part of a task or category name)[/]", id="picker-title")
            yield Input(placeholder="e.g. ncbi, bc5 re, medqa, NER", id="picker-input")
            yield OptionList(id="picker-list")

    def on_mount(self) -> None:
        self._fill("")
        self.query_one(Input).focus()

    def _fill(self, query: str) -> None:
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options([Option(label_of(n), id=n) for n in rank(query, self.names)])
        if options.option_count:
            options.highlighted = 0

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        self._fill(event.value)

    @on(Input.Submitted)
    def _submitted(self) -> None:
        options = self.query_one(OptionList)
        if options.highlighted is not None:
            self.dismiss(options.get_option_at_index(options.highlighted).id)

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_move(self, step: int) -> None:
        options = self.query_one(OptionList)
        if options.option_count:
            current = options.highlighted or 0
            options.highlighted = max(0, min(current + step, options.option_count - 1))

    def action_close(self) -> None:
        self.dismiss(None)
