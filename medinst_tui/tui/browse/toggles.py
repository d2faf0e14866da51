"""A few on/off options with counts (the split and MEDINST32 toggles), drawn as lines.

Click a line or press space/enter on it to switch it. One widget that only repaints when counts or
states change: a facet click must not relayout the screen (a checkbox's new label does).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

from medinst_tui.tui.css import css_beside

ON, OFF = "▣ ", "□ "


class Toggles(Widget, can_focus=True):
    DEFAULT_CSS = css_beside(__file__)
    HELP_SECTION = "Split / MEDINST32 toggles"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "move(-1)", "Up", show=False, id="toggles.up"),
        Binding("down", "move(1)", "Down", show=False, id="toggles.down"),
        Binding("space,enter", "switch", "Toggle", id="toggles.switch"),
    ]
    COMPONENT_CLASSES: ClassVar[set[str]] = {"toggles--on", "toggles--count", "toggles--highlight"}

    highlighted: reactive[int] = reactive(0)

    @dataclass
    class Switched(Message):
        toggles: Toggles
        key: str
        on: bool

    def __init__(self, options: list[tuple[str, str]], *, id: str | None = None) -> None:
        """`options`: (key, label) pairs, drawn in this order."""
        super().__init__(id=id)
        self.options = options
        self.states: dict[str, bool] = {key: False for key, _ in options}
        self.counts: dict[str, int | None] = {key: None for key, _ in options}

    def show(
        self, states: dict[str, bool] | None = None, counts: dict[str, int | None] | None = None
    ) -> None:
        changed = False
        for key, value in (states or {}).items():
            changed |= self.states.get(key) != value
            self.states[key] = value
        for key, count in (counts or {}).items():
            changed |= self.counts.get(key) != count
            self.counts[key] = count
        if changed:
            self.refresh()

    def line_of(self, key: str) -> str:
        """The plain text of an option's line (tests read it)."""
        return self.render().plain.splitlines()[[k for k, _ in self.options].index(key)]

    def render(self) -> Text:
        width = max(self.size.width, 20)
        lines = []
        for n, (key, label) in enumerate(self.options):
            on = self.states.get(key, False)
            count = self.counts.get(key)
            style = self.get_component_rich_style("toggles--on") if on else Style()
            if self.has_focus and n == self.highlighted:
                style += self.get_component_rich_style("toggles--highlight")
            count_text = "" if count is None else f"{count:,}"
            mark = ON if on else OFF
            pad = max(width - len(mark) - len(label) - len(count_text), 1)
            line = Text.assemble(
                (mark + label, style),
                (" " * pad, style),
                (count_text, style + self.get_component_rich_style("toggles--count")),
            )
            line.stylize(Style.from_meta({"@click": f"switch_key('{key}')"}))
            lines.append(line)
        return Text("\n").join(lines)

    def watch_highlighted(self) -> None:
        self.refresh()

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    def action_move(self, step: int) -> None:
        self.highlighted = (self.highlighted + step) % len(self.options)

    def action_switch(self) -> None:
        self.action_switch_key(self.options[self.highlighted][0])

    def action_switch_key(self, key: str) -> None:
        self.highlighted = [k for k, _ in self.options].index(key)
        self.post_message(self.Switched(self, key, not self.states.get(key, False)))
