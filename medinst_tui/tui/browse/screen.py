"""The browse screen: facets on the left, search, filter chips, the sample table and the detail pane.

The screen owns the filter. Widgets report what the reader did (messages.py); the screen makes the new
filter and hands it to the table and to a facets worker. Every query runs in a thread worker with its
own connection; a newer request in the same group interrupts the older one.
"""

from __future__ import annotations

from typing import ClassVar

import duckdb
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.reactive import var
from textual.screen import Screen

from medinst_tui import catalog
from medinst_tui.store.facet_counts import base_filter, filter_total
from medinst_tui.store.filters import Filter
from medinst_tui.tui.browse.chips import FilterChips
from medinst_tui.tui.browse.detail import DetailPane, sample_json
from medinst_tui.tui.browse.facets import FacetsPanel
from medinst_tui.tui.browse.sample_table import SampleTable
from medinst_tui.tui.browse.search_bar import SearchBar
from medinst_tui.tui.database import Database
from medinst_tui.tui.footer import KeyFooter
from medinst_tui.tui.messages import (
    ChipRemoved,
    FacetsCounted,
    FacetToggled,
    Medinst32Toggled,
    QueryFailed,
    RowHighlighted,
    RowLoaded,
    SearchSubmitted,
)

FACETS_GROUP = "facets"
DETAIL_GROUP = "detail"
FACETS_BELOW = 110  # columns: narrower, the facets panel starts hidden (the backslash key shows it)


class BrowseScreen(Screen[None]):
    CSS_PATH = "browse.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "search", "Search", id="browse.search"),
        Binding("backslash", "toggle_facets", "Facets", id="browse.toggle_facets"),  # hide / show
        Binding("ctrl+t", "pick_task", "Tasks", id="browse.pick_task"),
        Binding("ctrl+e", "export", "Export", id="browse.export"),
        Binding("ctrl+g", "jump", "Jump", id="browse.jump"),
        Binding("s", "stats", "Stats", id="browse.stats"),
        Binding("i", "task_info", "Info", id="browse.task_info"),
        Binding("p", "playground", "Playground", id="browse.playground"),
        Binding("c", "copy_sample", "Copy", id="browse.copy_sample"),
        Binding("o", "copy_output", "Copy output", show=False, id="browse.copy_output"),
        Binding("r", "toggle_raw", "Raw/readable", show=False, id="browse.toggle_raw"),
        Binding("m", "toggle_medinst32", "MEDINST32", show=False, id="browse.toggle_medinst32"),
        Binding("1", "toggle_split('train')", "train", show=False, id="browse.toggle_train"),
        Binding("2", "toggle_split('dev')", "dev", show=False, id="browse.toggle_dev"),
        Binding("3", "toggle_split('test')", "test", show=False, id="browse.toggle_test"),
        Binding("x", "clear_filter", "Clear filter", show=False, id="browse.clear_filter"),
        Binding("z", "maximize_detail", "Zoom detail", show=False, id="browse.maximize_detail"),
        Binding("f", "focus_part('facets')", "Focus facets", show=False, id="browse.focus_facets"),
        Binding("t", "focus_part('table')", "Table", show=False, id="browse.focus_table"),
        Binding("d", "focus_part('detail')", "Detail", show=False, id="browse.focus_detail"),
    ]

    filter: var[Filter] = var(Filter(), init=False)

    class Ready(Message):
        """The first facet counts arrived and the facets tree is built: startup is over."""

    def __init__(self, db: Database) -> None:
        super().__init__()
        self.db = db
        self.counted: FacetsCounted | None = None  # the latest facet counts for the current filter
        self._narrow: bool | None = None  # below FACETS_BELOW columns, at the last resize

    def compose(self) -> ComposeResult:
        with Horizontal(id="browse-body"):
            yield FacetsPanel(id="facets")
            with Vertical(id="browse-main"):
                yield SearchBar(id="search")
                yield FilterChips(id="chips")
                yield SampleTable(self.db, id="table")
                yield DetailPane(id="detail")
        yield KeyFooter()

    # -- parts -----------------------------------------------------------------------------------------
    @property
    def table(self) -> SampleTable:
        return self.query_one(SampleTable)

    @property
    def detail(self) -> DetailPane:
        return self.query_one(DetailPane)

    @property
    def facets(self) -> FacetsPanel:
        return self.query_one(FacetsPanel)

    def on_mount(self) -> None:
        self.query_one("#facets").border_title = "Facets"
        self.detail.border_title = "Sample"
        self.table.focus()
        self._fit_width(self.app.size.width)
        self._apply(self.filter)

    # -- the width -------------------------------------------------------------------------------------
    def on_resize(self, event: events.Resize) -> None:
        self._fit_width(event.size.width)

    def _fit_width(self, width: int) -> None:
        """Facets hidden below FACETS_BELOW columns and shown above, each time the width crosses it; in
        between the key decides."""
        narrow = width < FACETS_BELOW
        if narrow != self._narrow:
            self._narrow = narrow
            self.show_facets(not narrow)

    def show_facets(self, shown: bool) -> None:
        facets = self.facets
        if not shown and facets.has_focus_within:
            self.table.focus()
        facets.display = shown

    def action_toggle_facets(self) -> None:
        self.show_facets(not self.facets.display)

    # -- the filter ------------------------------------------------------------------------------------
    def watch_filter(self, f: Filter) -> None:
        self._apply(f)

    def _apply(self, f: Filter) -> None:
        total = filter_total(self.counted.counts, f) if self.counted and self._counts_answer(f) else None
        self.table.set_filter(f, total)
        self.detail.set_search(f.search)
        self.facets.show_filter(f)
        self.query_one(SearchBar).show(f.search)
        self.query_one(FilterChips).show(f)
        self.db.interrupt(FACETS_GROUP)
        if self.counted is not None and self._counts_answer(f):
            self._show_counts(FacetsCounted(f, self.counted.counts))  # same base filter: no query
        elif f.structural:
            self._count_facets(f)
        # A text search counts with a full scan: it starts once the first page is on screen, so the
        # two never compete for the cores (see _first_page_loaded).

    @on(SampleTable.ScanCancelled)
    def _scan_cancelled(self, message: SampleTable.ScanCancelled) -> None:
        if message.filter == self.filter:
            self.db.interrupt(FACETS_GROUP)  # the count of a scan is a scan too
            self.notify("scan cancelled: the rows shown so far are kept", title="Search")

    @on(SampleTable.FirstPageLoaded)
    def _first_page_loaded(self, message: SampleTable.FirstPageLoaded) -> None:
        f = message.filter
        if f == self.filter and not f.structural and not self._counts_answer(f):
            self._count_facets(f)

    def _counts_answer(self, f: Filter) -> bool:
        """Whether the latest counts (made for another filter) also answer `f` (same base filter)."""
        return self.counted is not None and base_filter(self.counted.filter) == base_filter(f)

    @work(exclusive=True, group=FACETS_GROUP, exit_on_error=False)
    async def _count_facets(self, f: Filter) -> None:
        try:
            counts = await self.db.query(FACETS_GROUP, lambda index: index.facets(base_filter(f)))
        except duckdb.InterruptException:
            return
        except duckdb.Error as exc:
            self.post_message(QueryFailed("counting facets", str(exc)))
            return
        self.post_message(FacetsCounted(f, counts))

    def on_facets_counted(self, message: FacetsCounted) -> None:
        if message.filter == self.filter:
            self._show_counts(message)

    def _show_counts(self, message: FacetsCounted) -> None:
        first = self.counted is None
        self.counted = message
        if first:
            self.facets.build(message.counts)
            self.table.cuts = self.facets.cuts  # the same cut names in the table
            self.post_message(self.Ready())
        self.facets.show(message)
        if self.table.total is None:
            self.table.set_total(message.filter, filter_total(message.counts, message.filter))

    @on(FacetToggled)
    def _facet_toggled(self, message: FacetToggled) -> None:
        self.filter = self.filter.toggled(message.kind, message.value)

    @on(Medinst32Toggled)
    def _medinst32_toggled(self, message: Medinst32Toggled) -> None:
        self.filter = self.filter.with_(medinst32=message.on)

    @on(ChipRemoved)
    def _chip_removed(self, message: ChipRemoved) -> None:
        self.filter = self.filter.without(message.kind, message.value)

    @on(SearchSubmitted)
    def _search_submitted(self, message: SearchSubmitted) -> None:
        self.filter = self.filter.with_(search=message.text)

    @on(SearchBar.Left)
    def _search_left(self) -> None:
        self.table.focus()

    def open_task(self, task: str) -> None:
        """Show one task's rows (the fuzzy picker and the palette's "open task")."""
        from medinst_tui.tui.browse.not_indexed import NotIndexedScreen, is_indexed

        if not is_indexed(task, self.facets.task_names()):
            self.app.push_screen(NotIndexedScreen(task))  # the command that indexes it, not an empty table
            return
        self.filter = self.filter.with_(tasks=(task,), categories=(), search="")
        self.facets.expand_to(task)
        self.table.focus()

    def filter_category(self, category: str) -> None:
        self.filter = self.filter.with_(categories=(category,), tasks=())

    # -- the selected row ------------------------------------------------------------------------------
    @on(RowHighlighted)
    def _row_highlighted(self, message: RowHighlighted) -> None:
        if message.row_id is None:
            if self.table.total == 0:
                self.detail.clear()  # an empty filter: nothing to read
            return
        if self.detail.row is not None and self.detail.row.id == message.row_id:
            return
        self.db.interrupt(DETAIL_GROUP)
        self._load_row(message.row_id)

    @work(exclusive=True, group=DETAIL_GROUP, exit_on_error=False)
    async def _load_row(self, row_id: int) -> None:
        try:
            row = await self.db.query(DETAIL_GROUP, lambda index: index.get(row_id))
        except duckdb.InterruptException:
            return
        except duckdb.Error as exc:
            self.post_message(QueryFailed("loading the row", str(exc)))
            return
        if row is not None:
            self.post_message(RowLoaded(row))

    def on_row_loaded(self, message: RowLoaded) -> None:
        preview = self.table.preview_at(self.table.cursor)
        if preview is not None and preview.id == message.row.id:
            self.detail.show_row(message.row)

    @on(SampleTable.RowOpened)
    def _row_opened(self) -> None:
        self.detail.focus()

    def on_query_failed(self, message: QueryFailed) -> None:
        self.notify(f"{message.what} failed: {message.error}", severity="error", title="Query error")

    # -- actions ---------------------------------------------------------------------------------------
    def action_search(self) -> None:
        self.query_one(SearchBar).focus()

    def action_focus_part(self, part: str) -> None:
        target = {"facets": "#facet-tree", "table": "#table", "detail": "#detail"}[part]
        if part == "facets":
            self.show_facets(True)
        self.query_one(target).focus()

    def action_toggle_medinst32(self) -> None:
        self.filter = self.filter.with_(medinst32=not self.filter.medinst32)

    def action_toggle_split(self, split: str) -> None:
        self.filter = self.filter.toggled("split", split)

    def action_clear_filter(self) -> None:
        self.filter = Filter()

    def action_toggle_raw(self) -> None:
        self.detail.raw = not self.detail.raw

    def action_maximize_detail(self) -> None:
        if self.maximized is not None:
            self.minimize()
        else:
            self.maximize(self.detail)

    def action_copy_sample(self) -> None:
        row = self.detail.row
        if row is None:
            self.notify("no row selected", severity="warning")
            return
        self.app.copy_to_clipboard(sample_json(row))
        self.notify(f"copied row {row.id} ({row.task}) as JSON")

    def action_copy_output(self) -> None:
        row = self.detail.row
        if row is None:
            self.notify("no row selected", severity="warning")
            return
        self.app.copy_to_clipboard(row.output)
        self.notify("copied the gold output")

    def current_task(self) -> str | None:
        """The task to describe: the selected row's, else the only task the filter names."""
        if self.detail.row is not None:
            return catalog.base_task(self.detail.row.task)
        if len(self.filter.tasks) == 1:
            return self.filter.tasks[0]
        return None

    def action_pick_task(self) -> None:
        from medinst_tui.tui.browse.task_picker import TaskPickerScreen

        names = sorted(self.facets.task_names(), key=str.lower) or sorted(catalog.tasks(), key=str.lower)

        def chosen(task: str | None) -> None:
            if task:
                self.open_task(task)

        self.app.push_screen(TaskPickerScreen(names), chosen)

    def action_task_info(self) -> None:
        from medinst_tui.tui.browse.task_info import TaskInfoScreen

        task = self.current_task()
        if task is None:
            self.notify("select a row (or filter one task) to see its task info", severity="warning")
            return
        self.app.push_screen(TaskInfoScreen(self.db, task))

    def action_export(self) -> None:
        from medinst_tui.tui.browse.export import ExportScreen

        self.app.push_screen(ExportScreen(self.db, self.filter, self.table.total))

    def action_stats(self) -> None:
        from medinst_tui.tui.browse.stats import StatsScreen

        self.app.push_screen(StatsScreen(self.db, self.filter, self.table.total))

    def action_jump(self) -> None:
        from medinst_tui.tui.browse.jump import JumpScreen

        def chosen(row: int | None) -> None:
            if row is not None:
                self.table.jump_to(row - 1)
                self.table.focus()

        self.app.push_screen(JumpScreen(self.table.total), chosen)

    def action_playground(self) -> None:
        """The few-shot playground on the selected sample (its batches run over the current filter)."""
        from medinst_tui.tui.playground.screen import PlaygroundScreen

        row = self.detail.row
        if row is None:
            self.notify("select a sample to open the playground on", severity="warning")
            return
        self.app.push_screen(PlaygroundScreen(self.db, row, self.filter))
