"""The sample table: a virtual list over millions of rows that loads only the pages on screen.

Under a text search the words that match are painted in the input and output cells (the same folding
as the search: store/search_highlight.py). A search the index cannot answer is a scan: the title says
so, and escape cancels it.

Rows are drawn line by line (Textual's line API) from a small cache of 100-row pages of previews. A line
whose page is missing is drawn as a placeholder and its page is requested: an exclusive worker awaits
the query on a database thread (a newer request interrupts it) and the lines are redrawn when it
answers. Scrolling never waits for the database.
"""

from __future__ import annotations

import functools
from collections import OrderedDict
from dataclasses import dataclass
from typing import ClassVar

import duckdb
from rich.segment import Segment
from rich.style import Style
from textual import events, work
from textual.binding import Binding, BindingType
from textual.geometry import Region
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from medinst_tui.store.browse import Positions, Preview
from medinst_tui.store.filters import Filter
from medinst_tui.store.search_highlight import Highlighter, highlighter
from medinst_tui.tui.browse.table_lines import (
    Cell,
    Columns,
    Look,
    compact,
    header_strip,
    painted,
    strip_of,
)
from medinst_tui.tui.browse.table_pages import MAX_PAGES, PAGE_ROWS, PageAnswer, load_page
from medinst_tui.tui.css import css_beside
from medinst_tui.tui.database import Database
from medinst_tui.tui.formats import one_line
from medinst_tui.tui.messages import QueryFailed, RowHighlighted
from medinst_tui.tui.names import NameCuts
from medinst_tui.tui.scrolling import set_virtual_height

QUERY_GROUP = "table-pages"


class SampleTable(ScrollView, can_focus=True):
    """Rows of the current filter. The border title says how many; the subtitle where the cursor is."""

    DEFAULT_CSS = css_beside(__file__)
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor_up", "Up", show=False, id="table.cursor_up"),
        Binding("down,j", "cursor_down", "Down", show=False, id="table.cursor_down"),
        Binding("pageup", "page_up", "Page up", show=False, id="table.page_up"),
        Binding("pagedown", "page_down", "Page down", show=False, id="table.page_down"),
        Binding("home", "first_row", "First row", show=False, id="table.first_row"),
        Binding("end", "last_row", "Last row", show=False, id="table.last_row"),
        Binding("enter", "open_row", "Read", show=False, id="table.open_row"),
        Binding("escape", "cancel_scan", "Cancel scan", show=False, id="table.cancel_scan"),
    ]
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "sample-table--header",
        "sample-table--cursor",
        "sample-table--placeholder",
        "sample-table--dim",
        "sample-table--split",
        "sample-table--match",
    }

    cursor: reactive[int] = reactive(0, repaint=False, init=False)

    @dataclass
    class FirstPageLoaded(Message):
        """The first rows of a new filter are on screen (slower work for that filter may start now)."""

        filter: Filter

    @dataclass
    class ScanCancelled(Message):
        """Escape while a search scanned the rows: the table stopped; the screen stops its count too."""

        filter: Filter

    @dataclass
    class RowOpened(Message):
        """Enter (or a double click) on a row: the reader wants the detail pane."""

        position: int

    def __init__(self, db: Database, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._db = db
        self._filter = Filter()
        self._generation = 0
        self._positions: Positions | None = None
        self._total: int | None = None  # exact rows under the filter, when known
        self._known_rows = 0  # rows seen so far (text search paging by keyset)
        self._pages: OrderedDict[int, list[Preview]] = OrderedDict()
        self._last_ids: dict[int, int] = {}
        self._pending: set[int] = set()
        self._missing: set[int] = set()
        self._request_scheduled = False
        self.loads = 0  # page loads answered (tests and the benchmark watch it)
        self._look: Look | None = None
        self._cols: Columns | None = None
        self._highlighter: Highlighter | None = None
        self.cuts = NameCuts()  # task names cut to the column, no two alike (the screen gives the names)
        self._marks: dict[tuple[int, str, int], list[tuple[int, int]]] = {}  # (id, field, width) -> spans
        self.search_mode: str | None = None  # how the current search is answered (see PageAnswer.mode)
        self.cancelled = False  # escape stopped a scan of this filter

    # -- public API ------------------------------------------------------------------------------------
    @property
    def filter(self) -> Filter:
        return self._filter

    @property
    def total(self) -> int | None:
        return self._total

    @property
    def row_count(self) -> int:
        if self._total is not None:
            return self._total
        if self._filter.structural:
            return 0  # the count comes with the first page (the filter's block map), a few ms away
        # A text search not counted yet: what was seen plus one page, so scrolling reaches the next one.
        return self._known_rows + PAGE_ROWS

    def set_filter(self, f: Filter, total: int | None = None) -> None:
        """Show the rows of `f`; everything cached for the previous filter is dropped."""
        self._db.interrupt(QUERY_GROUP)
        self._filter = f
        self._generation += 1
        self._positions = None
        self._highlighter = highlighter(f.search) if f.search.strip() else None
        self._marks.clear()
        self.search_mode = None
        self.cancelled = False
        self._total = total
        self._known_rows = 0
        self._pages.clear()
        self._last_ids.clear()
        self._pending.clear()
        self._missing.clear()
        self.set_reactive(SampleTable.cursor, 0)
        self._update_size()
        self.scroll_to(y=0, animate=False, immediate=True)
        self._update_titles()
        self.refresh()
        self._request_pages([0])

    def set_total(self, f: Filter, total: int) -> None:
        """The exact count of a text search arrived from the background."""
        if f != self._filter:
            return
        self._total = total
        self._update_size()
        self._update_titles()
        self.refresh()

    def preview_at(self, position: int) -> Preview | None:
        page, offset = divmod(position, PAGE_ROWS)
        rows = self._pages.get(page)
        return rows[offset] if rows is not None and offset < len(rows) else None

    def visible_loaded(self) -> bool:
        """True when every row on screen is loaded (tests and the benchmark wait for this)."""
        first = int(self.scroll_offset.y)
        last = min(first + max(self.size.height - 1, 1), self.row_count)
        return all(p in self._pages for p in range(first // PAGE_ROWS, max(last - 1, first) // PAGE_ROWS + 1))

    def jump_to(self, position: int) -> None:
        """Move the cursor to row `position` (0-based) of the filter and show it at the top."""
        if self._total is None:
            self._known_rows = max(self._known_rows, position + 1)
            self._update_size()
        position = max(0, min(position, self.row_count - 1))
        self.cursor = position
        self.scroll_to(y=position, animate=False, immediate=True)
        self.refresh()

    # -- cursor ----------------------------------------------------------------------------------------
    @property
    def _body_height(self) -> int:
        return max(self.size.height - 1, 1)

    def validate_cursor(self, value: int) -> int:
        return max(0, min(value, self.row_count - 1))

    def watch_cursor(self, old: int, new: int) -> None:
        top = int(self.scroll_offset.y)
        if new < top:
            self.scroll_to(y=new, animate=False, immediate=True)
        elif new >= top + self._body_height:
            self.scroll_to(y=new - self._body_height + 1, animate=False, immediate=True)
        self._update_titles()
        self.refresh()
        self._announce_cursor()

    def _announce_cursor(self) -> None:
        preview = self.preview_at(self.cursor)
        self.post_message(RowHighlighted(self.cursor, preview.id if preview else None))

    def action_cursor_up(self) -> None:
        self.cursor -= 1

    def action_cursor_down(self) -> None:
        self.cursor += 1

    def action_page_up(self) -> None:
        self.cursor -= self._body_height

    def action_page_down(self) -> None:
        self.cursor += self._body_height

    def action_first_row(self) -> None:
        self.cursor = 0

    def action_last_row(self) -> None:
        self.cursor = self.row_count - 1

    def action_open_row(self) -> None:
        self.post_message(self.RowOpened(self.cursor))

    @property
    def scanning(self) -> bool:
        """A search that reads the rows themselves (no answer from the search index) is under way."""
        return self.search_mode == "scan" and self._total is None and not self.cancelled

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel_scan":
            return self.scanning  # otherwise escape means what it means around the table
        return True

    def action_cancel_scan(self) -> None:
        if not self.scanning:
            return
        self._db.interrupt(QUERY_GROUP)
        self.cancelled = True
        self._pending.clear()
        self._update_titles()
        self.refresh()
        self.post_message(self.ScanCancelled(self._filter))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y < 1:
            return
        position = int(self.scroll_offset.y) + offset.y - 1
        if position < self.row_count:
            self.cursor = position
            if event.chain >= 2:
                self.post_message(self.RowOpened(position))

    def on_mouse_move(self, event: events.MouseMove) -> None:
        tooltip = self._task_tooltip(event)
        if tooltip != self.tooltip:
            self.tooltip = tooltip

    def _task_tooltip(self, event: events.MouseMove) -> str | None:
        """The full task name under the mouse when the task column shows it cut."""
        offset = event.get_content_offset(self)
        cols = self._cols
        if offset is None or offset.y < 1 or cols is None:
            return None
        if not cols.position + 1 <= offset.x < cols.position + 1 + cols.task:
            return None
        preview = self.preview_at(int(self.scroll_offset.y) + offset.y - 1)
        return preview.task if preview is not None and len(preview.task) > cols.task else None

    # -- drawing ---------------------------------------------------------------------------------------
    def _update_size(self) -> None:
        if self._total is None and self._filter.structural:
            return  # keep the scrollbar as it is until the count arrives (no jump to an interim size)
        # Rows are cut to the width: never a horizontal scrollbar, the header line is part of the height.
        set_virtual_height(self, self.row_count + 1)

    def on_resize(self, event: events.Resize) -> None:
        self._update_size()

    def _update_titles(self) -> None:
        if self._total is not None:
            self.border_title = f"{self._total:,} row{'' if self._total == 1 else 's'}"
            shown = f"row {self.cursor + 1:,} of {self._total:,}" if self._total else "no rows"
        elif self._filter.structural:
            self.border_title = "counting…"
            shown = ""
        elif self.cancelled:
            self.border_title = f"≥ {self._known_rows:,} rows · scan cancelled"
            shown = f"row {self.cursor + 1:,}"
        elif self.search_mode == "scan":
            self.border_title = f"≥ {self._known_rows:,} rows · scanning every row (esc cancels)…"
            shown = f"row {self.cursor + 1:,}"
        else:
            self.border_title = f"≥ {self._known_rows:,} rows · counting…"
            shown = f"row {self.cursor + 1:,}"
        self.border_subtitle = shown

    def render_lines(self, crop: Region) -> list[Strip]:
        # Styles and column widths once per frame, not once per line.
        width = self.scrollable_content_region.width
        self._look = Look.of(self)
        self._cols = Columns.fit(width, self.row_count)
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        look = self._look or Look.of(self)
        cols = self._cols or Columns.fit(width, self.row_count)
        if y == 0:
            return header_strip(cols, width, look.header)
        position = int(self.scroll_offset.y) + y - 1
        if position >= self.row_count:
            return Strip.blank(width, look.base)
        page, offset = divmod(position, PAGE_ROWS)
        rows = self._pages.get(page)
        if rows is None:
            self._note_missing(page)
            text = f"{position + 1:>{cols.position},} …"
            return Strip([Segment(text.ljust(width)[:width], look.placeholder)], width)
        self._pages.move_to_end(page)
        if offset >= len(rows):
            return Strip.blank(width, look.base)
        row = rows[offset]
        if position == self.cursor:
            line_style, dim, split_style = look.cursor, look.cursor_dim, look.cursor_split
        else:
            line_style, dim, split_style = look.base, look.dim, look.split
        cells: list[Cell] = [
            (f"{position + 1:>{cols.position},}", dim),
            (self.cuts.cut(row.task, cols.task).ljust(cols.task), line_style),
            (row.split.ljust(cols.split), split_style),
            self._text_cell(row.id, "input", one_line(row.input, cols.input).ljust(cols.input), line_style),
            self._text_cell(
                row.id, "output", one_line(row.output, cols.output).ljust(cols.output), line_style
            ),
        ]
        if cols.length:
            cells += [
                (compact(row.input_len).rjust(cols.length), dim),
                (compact(row.output_len).rjust(cols.length), dim),
            ]
        return strip_of(cells, width, line_style)

    def _text_cell(self, row_id: int, field: str, text: str, style: Style) -> Cell:
        """A text cell, its search matches painted (spans cached per row, field and width)."""
        if self._highlighter is None:
            return (text, style)
        key = (row_id, field, len(text))
        spans = self._marks.get(key)
        if spans is None:
            if len(self._marks) > 4 * PAGE_ROWS * MAX_PAGES:
                self._marks.clear()
            spans = self._marks[key] = self._highlighter.spans(text, field)
        match = style + (self._look.match if self._look else Style(bold=True, underline=True))
        return painted(text, spans, style, match)

    # -- loading ---------------------------------------------------------------------------------------
    def _note_missing(self, page: int) -> None:
        if page in self._pending:
            return
        self._missing.add(page)
        if not self._request_scheduled:
            self._request_scheduled = True
            self.call_later(self._request_missing)

    def _request_missing(self) -> None:
        self._request_scheduled = False
        missing = sorted(p for p in self._missing if p not in self._pages and p not in self._pending)
        self._missing.clear()
        if missing:
            self._request_pages(missing)

    def _request_pages(self, pages: list[int]) -> None:
        # The newest request covers every page on screen: whatever an older worker still loads is either
        # in this request too or scrolled away, so it is interrupted rather than waited for.
        wanted = sorted(set(pages) | self._visible_pages())
        wanted = [p for p in wanted if p not in self._pages]
        if not wanted:
            return
        self._db.interrupt(QUERY_GROUP)
        self._pending = set(wanted)
        self._load_pages(self._generation, self._filter, wanted, self._positions, dict(self._last_ids))

    def _visible_pages(self) -> set[int]:
        first = int(self.scroll_offset.y)
        last = min(first + self._body_height, self.row_count) - 1
        if last < first:
            return set()
        return set(range(first // PAGE_ROWS, last // PAGE_ROWS + 1))

    @work(exclusive=True, group=QUERY_GROUP, exit_on_error=False)
    async def _load_pages(
        self,
        generation: int,
        f: Filter,
        pages: list[int],
        positions: Positions | None,
        last_ids: dict[int, int],
    ) -> None:
        """Load `pages` one query each (on a database thread), oldest request interrupted by newer."""
        remaining = list(pages)
        try:
            for page in pages:
                after = last_ids.get(page - 1) if page > 0 else None
                known = positions

                answer = await self._db.query(
                    QUERY_GROUP, functools.partial(load_page, f=f, page=page, after=after, known=known)
                )
                positions = positions or answer.positions
                if answer.rows:
                    last_ids[page] = answer.rows[-1].id
                remaining.remove(page)
                self._page_loaded(generation, answer)
        except duckdb.InterruptException:
            pass  # a newer request interrupted this one: the pages it still wants are its own
        except duckdb.Error as exc:
            self._pages_failed(generation, remaining)
            self.post_message(QueryFailed("loading rows", str(exc)))

    def _page_loaded(self, generation: int, answer: PageAnswer) -> None:
        if generation != self._generation:
            return
        self.loads += 1
        if answer.mode is not None:
            self.search_mode = answer.mode
        if answer.positions is not None:
            self._positions = answer.positions
            self._total = answer.positions.total
            self._update_size()
        page = answer.page
        self._pending.discard(page)
        rows = answer.rows
        self._pages[page] = rows
        self._pages.move_to_end(page)
        while len(self._pages) > MAX_PAGES:
            self._pages.popitem(last=False)
        if rows:
            self._last_ids[page] = rows[-1].id
        if self._total is None:
            end = page * PAGE_ROWS + len(rows)
            self._known_rows = max(self._known_rows, end)
            if len(rows) < PAGE_ROWS and (rows or page == 0):
                self._total = end  # the search ran out of matches: now the count is exact
            elif not rows:
                self._known_rows = min(self._known_rows, page * PAGE_ROWS)  # a jump past the end
            self._update_size()
            self.cursor = self.cursor  # re-clamped to the rows that exist
        self._update_titles()
        self.refresh()
        if page == 0:
            self.post_message(self.FirstPageLoaded(self._filter))
        if page == self.cursor // PAGE_ROWS:
            self._announce_cursor()

    def _pages_failed(self, generation: int, pages: list[int]) -> None:
        if generation == self._generation:
            self._pending.difference_update(pages)
