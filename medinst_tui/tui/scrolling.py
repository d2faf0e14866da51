"""Changing how far a line-API widget scrolls without relaying out the whole screen.

Textual treats a new virtual size as a layout change of the screen (a full reflow and repaint, 10-20 ms
here). The table and the detail pane change theirs on every filter and every row, and their size on
screen never depends on it (the scrollbar gutter is stable), so only their scrollbars need updating.
"""

from __future__ import annotations

from textual.geometry import Size
from textual.widget import Widget


def set_virtual_height(widget: Widget, height: int) -> None:
    size = Size(0, max(height, 0))
    if size == widget.virtual_size:
        return
    widget.set_reactive(Widget.virtual_size, size)
    widget._scroll_update(size)  # the scrollbars follow the new size (Textual's own path, minus layout)
    widget.refresh()
