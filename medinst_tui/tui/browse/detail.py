"""The detail pane: the selected sample in full, with MEDINST's output formats made readable.

Drawn with Textual's line API: a new row is rendered to lines once (at the pane's width) and the pane
only repaints, so reading row after row never relayouts the screen. Under a text search the matches are
painted in the instruction, input and gold output (store/search_highlight.py).
"""

from __future__ import annotations

import json
from typing import ClassVar

from rich.console import Group, RenderableType
from rich.style import Style
from rich.text import Text
from textual import events
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from medinst_tui.store.index import Row
from medinst_tui.store.search_highlight import highlighter
from medinst_tui.tui.css import css_beside
from medinst_tui.tui.formats import colors_for, render_input, render_output
from medinst_tui.tui.scrolling import set_virtual_height

EMPTY = "Select a row to read it here."


def sample_json(row: Row) -> str:
    """The row as MEDINST writes it (plus task/category/split), for the clipboard."""
    data: dict[str, object] = {"instruction": row.instruction, "input": row.input, "output": row.output}
    if row.history:
        data["history"] = row.history
    data |= {"task": row.task, "category": row.category, "split": row.split}
    return json.dumps(data, ensure_ascii=False, indent=2)


class DetailPane(ScrollView, can_focus=True):
    DEFAULT_CSS = css_beside(__file__)
    COMPONENT_CLASSES: ClassVar[set[str]] = {"detail--title", "detail--dim", "detail--match"}

    raw: reactive[bool] = reactive(False, init=False)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.row: Row | None = None
        self.search = ""  # the filter's text search: its matches are painted
        self._strips: list[Strip] = []
        self._width = 0

    # -- content ---------------------------------------------------------------------------------------
    def show_row(self, row: Row) -> None:
        self.row = row
        self._layout_lines()
        if self.scroll_offset.y:
            self.scroll_to(y=0, animate=False, immediate=True)

    def clear(self) -> None:
        self.row = None
        self._layout_lines()

    def watch_raw(self) -> None:
        self._layout_lines()

    def set_search(self, text: str) -> None:
        if text != self.search:
            self.search = text
            if self.row is not None:
                self._layout_lines()

    def _mark(self, text: Text, field: str) -> Text:
        if not self.search.strip():
            return text
        style = self.get_component_rich_style("detail--match", partial=True)
        for a, z in highlighter(self.search).spans(text.plain, field):
            text.stylize(style, a, z)
        return text

    def sections(self) -> list[RenderableType]:
        """What the pane shows, top to bottom (Rich renderables)."""
        row = self.row
        if row is None:
            return [Text(EMPTY, self.get_component_rich_style("detail--dim"))]
        title = self.get_component_rich_style("detail--title")
        dim = self.get_component_rich_style("detail--dim")
        colors = colors_for(row.output, row.category)
        if self.raw:
            body_in, body_out = Text(row.input), Text(row.output)
        else:
            body_in = render_input(row.input, row.output, row.category, colors)
            body_out = render_output(row.output, row.category, colors)
        header = Text.assemble(
            (row.task, Style(bold=True)),
            "  ",
            (row.split, Style(italic=True)),
            "  ",
            (row.category, Style(bold=True)),
            (f"   id {row.id} · {row.file}:{row.line}", dim),
        )
        parts: list[RenderableType] = [
            header,
            Text(""),
            Text("Instruction", title),
            self._mark(Text(row.instruction), "instruction"),
            Text(""),
            Text("Input", title),
            self._mark(body_in, "input"),
            Text(""),
            Text("Gold output" + (" (raw)" if self.raw else ""), title),
            self._mark(body_out, "output"),
        ]
        history = row.history or []
        if history:
            plural = "s" if len(history) != 1 else ""
            parts += [Text(""), Text(f"Few-shot history: {len(history)} demonstration{plural}", title)]
            for n, pair in enumerate(history, 1):
                user = pair[0] if pair else ""
                answer = pair[1] if len(pair) > 1 else ""
                parts.append(Text(f"── demonstration {n} ── user", dim + Style(bold=True)))
                parts.append(Text(user))
                parts.append(Text("── assistant", dim + Style(bold=True)))
                parts.append(Text(answer) if self.raw else render_output(answer, row.category))
        return parts

    def text(self) -> str:
        """The pane's text as shown (wrapped lines), for tests and copying."""
        return "\n".join(strip.text.rstrip() for strip in self._strips)

    # -- drawing ---------------------------------------------------------------------------------------
    def _layout_lines(self) -> None:
        width = self.scrollable_content_region.width
        if width <= 0:
            self._strips = []
            return
        console = self.app.console
        options = console.options.update(width=width, highlight=False)
        lines = console.render_lines(Group(*self.sections()), options, style=self.rich_style, pad=True)
        self._strips = [Strip(line, width) for line in lines]
        self._width = width
        set_virtual_height(self, len(self._strips))
        self.refresh()

    def render_line(self, y: int) -> Strip:
        index = int(self.scroll_offset.y) + y
        width = self.scrollable_content_region.width
        if width != self._width:
            self.call_later(self._layout_lines)
        if 0 <= index < len(self._strips):
            return self._strips[index]
        return Strip.blank(width, self.rich_style)

    def on_resize(self, event: events.Resize) -> None:
        self._layout_lines()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        if self.is_mounted:
            self.call_later(self._layout_lines)  # a theme change: colours are baked into the lines
