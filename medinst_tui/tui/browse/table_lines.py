"""How the sample table draws its lines: column widths for a width, the styles of a frame, cells painted
with search matches, and the strips they make (pure functions of their arguments: no rows, no database)."""

from __future__ import annotations

from dataclasses import dataclass

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip
from textual.widget import Widget

Cell = tuple[str, Style] | list[Segment]  # one style, or segments (search matches painted)
TASK_MIN, TASK_MAX = 12, 20  # the task column's width
LENGTHS_FROM = 80  # the table's width from which the in/out length columns are shown


def compact(n: int) -> str:
    if n < 1000:
        return str(n)
    if n < 1_000_000:
        return f"{n / 1000:.1f}k" if n < 10_000 else f"{n // 1000}k"
    return f"{n / 1_000_000:.1f}M"


@dataclass(frozen=True)
class Columns:
    position: int
    task: int
    split: int
    input: int
    output: int
    length: int  # 0: the length columns are hidden (narrow terminal)

    @classmethod
    def fit(cls, width: int, rows: int) -> Columns:
        """Widths for a table `width` cells wide: the task column takes a fifth (12 to 20, names cut in
        the middle, names.py); under LENGTHS_FROM cells the length columns drop out (input and output
        matter more)."""
        position = max(len(f"{rows:,}"), 3)
        task, split, length = max(TASK_MIN, min(TASK_MAX, width // 5)), 5, 6
        rest = width - position - task - split - 2 * length - 6
        if rest < 30 or width < LENGTHS_FROM:
            length = 0
            rest = width - position - task - split - 4
        rest = max(rest, 2)
        text_in = rest * 3 // 5
        return cls(position, task, split, text_in, rest - text_in, length)


@dataclass(frozen=True)
class Look:
    """The table's styles for one frame (from its component classes)."""

    base: Style
    header: Style
    placeholder: Style
    dim: Style
    split: Style
    cursor: Style
    cursor_dim: Style
    cursor_split: Style
    match: Style

    @classmethod
    def of(cls, table: Widget) -> Look:
        base = table.rich_style
        dim = table.get_component_rich_style("sample-table--dim")
        split = table.get_component_rich_style("sample-table--split")
        cursor = base + table.get_component_rich_style("sample-table--cursor")
        return cls(
            base=base,
            header=base + table.get_component_rich_style("sample-table--header"),
            placeholder=base + table.get_component_rich_style("sample-table--placeholder"),
            dim=base + dim,
            split=base + split,
            cursor=cursor,
            cursor_dim=cursor + dim,
            cursor_split=cursor + split,
            match=table.get_component_rich_style("sample-table--match", partial=True),
        )


def painted(text: str, spans: list[tuple[int, int]], style: Style, match: Style) -> Cell:
    """`text` with its `spans` (start, end) in the `match` style."""
    if not spans:
        return (text, style)
    segments: list[Segment] = []
    at = 0
    for a, z in spans:
        if a > at:
            segments.append(Segment(text[at:a], style))
        segments.append(Segment(text[a:z], match))
        at = z
    if at < len(text):
        segments.append(Segment(text[at:], style))
    return segments


def header_strip(cols: Columns, width: int, style: Style) -> Strip:
    cells: list[Cell] = [
        ("#".rjust(cols.position), style),
        ("task".ljust(cols.task), style),
        ("split".ljust(cols.split), style),
        ("input".ljust(cols.input), style),
        ("gold output".ljust(cols.output), style),
    ]
    if cols.length:
        cells += [("in".rjust(cols.length), style), ("out".rjust(cols.length), style)]
    return strip_of(cells, width, style)


def strip_of(cells: list[Cell], width: int, fill: Style) -> Strip:
    """Cells side by side, one space apart, cut or padded to `width`."""
    segments: list[Segment] = []
    for n, cell in enumerate(cells):
        if n:
            segments.append(Segment(" ", fill))
        if isinstance(cell, list):
            segments += cell
        else:
            segments.append(Segment(cell[0], cell[1]))
    return Strip(segments).adjust_cell_length(width, fill)
