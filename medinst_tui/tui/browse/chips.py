"""The active filter as removable chips, drawn on one line.

Clicking a chip removes that part of the filter. From the keyboard the bar is focusable: left/right pick
a chip, backspace/delete/enter remove it. One widget that only repaints (no mounting per filter change):
a facet click must not cost a relayout of the screen.
"""

from __future__ import annotations

from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.reactive import reactive
from textual.widget import Widget

from medinst_tui.store.filters import Filter
from medinst_tui.tui.css import css_beside
from medinst_tui.tui.messages import ChipRemoved

KIND_LABELS = {"category": "cat", "task": "task", "split": "split", "source": "source", "search": "search"}
EMPTY = "all rows: no filter"


def chip_label(kind: str, value: str) -> str:
    return f" {value} ✕ " if kind == "medinst32" else f" {KIND_LABELS.get(kind, kind)}: {value} ✕ "


class FilterChips(Widget, can_focus=True):
    DEFAULT_CSS = css_beside(__file__)
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left", "pick(-1)", "Previous chip", show=False, id="chips.previous"),
        Binding("right", "pick(1)", "Next chip", show=False, id="chips.next"),
        Binding("backspace,delete,enter", "remove_picked", "Remove chip", id="chips.remove"),
    ]
    COMPONENT_CLASSES: ClassVar[set[str]] = {"chips--chip", "chips--search", "chips--picked", "chips--empty"}

    picked: reactive[int] = reactive(0)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.chips: list[tuple[str, str]] = []

    def show(self, f: Filter) -> None:
        chips = f.chips()
        if chips != self.chips:
            self.chips = chips
            self.picked = min(self.picked, max(len(chips) - 1, 0))
            self.refresh()

    def chip_spans(self) -> list[tuple[int, int]]:
        """The cells [start, end) each chip takes on the line (for clicks in tests and the benchmark)."""
        spans, x = [], self.styles.padding.left
        for kind, value in self.chips:
            width = len(chip_label(kind, value))
            spans.append((x, x + width))
            x += width + 1
        return spans

    def render(self) -> Text:
        if not self.chips:
            return Text(EMPTY, self.get_component_rich_style("chips--empty"))
        text = Text(no_wrap=True, overflow="ellipsis")
        for n, (kind, value) in enumerate(self.chips):
            if n:
                text.append(" ")
            style = self.get_component_rich_style("chips--search" if kind == "search" else "chips--chip")
            if self.has_focus and n == self.picked:
                style += self.get_component_rich_style("chips--picked")
            text.append(chip_label(kind, value), style + Style.from_meta({"@click": f"remove({n})"}))
        return text

    def watch_picked(self) -> None:
        self.refresh()

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    def action_pick(self, step: int) -> None:
        if self.chips:
            self.picked = (self.picked + step) % len(self.chips)

    def action_remove(self, n: int) -> None:
        if 0 <= n < len(self.chips):
            kind, value = self.chips[n]
            self.post_message(ChipRemoved(kind, value))

    def action_remove_picked(self) -> None:
        self.action_remove(self.picked)
