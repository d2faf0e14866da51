"""Stats for the current filter: length distributions and, for label tasks, the label balance."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import duckdb
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Static
from textual_plotext import PlotextPlot

from medinst_tui.store.filters import Filter
from medinst_tui.store.stats import DEFAULT_SAMPLE, FilterStats, filter_stats
from medinst_tui.tui.database import Database
from medinst_tui.tui.messages import QueryFailed

GROUP = "stats"
MAX_BARS = 15
BINS = 30


def percentile(values: list[int], q: float) -> int:
    if not values:
        return 0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * (len(ordered) - 1) + 0.5))]


def summary(stats: FilterStats) -> str:
    if not stats.rows:
        return "no rows under this filter"
    of = f" of {stats.total:,}" if stats.total is not None else ""
    basis = f"a seeded sample of {stats.rows:,}{of} rows" if stats.sampled else f"all {stats.rows:,} rows"
    lengths = "  ".join(
        f"{name} length (chars): median {percentile(v, 0.5):,}, p95 {percentile(v, 0.95):,}, max {max(v):,}"
        for name, v in (("input", stats.input_lengths), ("output", stats.output_lengths))
    )
    labels = (
        f"{len(stats.labels)} {'labels (multi-label)' if stats.multi_label else 'labels'}"
        if stats.labels
        else f"not a label task ({stats.distinct_outputs:,} distinct outputs)"
    )
    return f"From {basis}.\n{lengths}\n{labels}"


class StatsScreen(ModalScreen[None]):
    CSS_PATH = "stats.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,s,q", "close", "Close", id="stats.close")]

    @dataclass
    class Computed(Message):
        stats: FilterStats

    def __init__(self, db: Database, f: Filter, total: int | None) -> None:
        super().__init__()
        self.db = db
        self.filter = f
        self.total = total

    def compose(self) -> ComposeResult:
        with Vertical(id="stats"):
            yield Static(f"Stats: {self.filter.describe()}", id="stats-title")
            yield Static("computing …", id="stats-summary")
            with Horizontal(id="stats-lengths"):
                yield PlotextPlot(id="plot-input")
                yield PlotextPlot(id="plot-output")
            yield PlotextPlot(id="plot-labels")

    def on_mount(self) -> None:
        self.query_one("#stats").border_subtitle = "esc to close"
        self.query_one("#plot-labels").display = False
        self._compute()

    @work(exclusive=True, group=GROUP, exit_on_error=False)
    async def _compute(self) -> None:
        try:
            stats = await self.db.query(
                GROUP, lambda index: filter_stats(index, self.filter, k=DEFAULT_SAMPLE, total=self.total)
            )
        except duckdb.Error as exc:
            self.post_message(QueryFailed("computing stats", str(exc)))
            return
        self.post_message(self.Computed(stats))

    def on_stats_screen_computed(self, message: Computed) -> None:
        stats = message.stats
        self.query_one("#stats-summary", Static).update(summary(stats))
        self._histogram("#plot-input", stats.input_lengths, "input length (chars)")
        self._histogram("#plot-output", stats.output_lengths, "output length (chars)")
        labels = self.query_one("#plot-labels", PlotextPlot)
        labels.display = bool(stats.labels)
        if stats.labels:
            plt = labels.plt
            plt.clear_data()
            top = stats.labels[:MAX_BARS]
            names = [name if len(name) <= 24 else name[:23] + "…" for name, _ in top]
            plt.bar(names, [n for _, n in top], orientation="horizontal", width=0.3)
            more = f" (top {MAX_BARS} of {len(stats.labels)})" if len(stats.labels) > MAX_BARS else ""
            plt.title("label balance (rows per label)" + more)
            labels.refresh()

    def _histogram(self, selector: str, values: list[int], title: str) -> None:
        widget = self.query_one(selector, PlotextPlot)
        plt = widget.plt
        plt.clear_data()
        if values:
            plt.hist(values, bins=BINS)
        plt.title(title)
        widget.refresh()

    def on_query_failed(self, message: QueryFailed) -> None:
        self.notify(f"{message.what} failed: {message.error}", severity="error")

    def action_close(self) -> None:
        self.dismiss(None)
