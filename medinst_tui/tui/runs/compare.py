"""Two runs compared: per task and metric (A, B and the delta B − A, coloured by better or worse), the
paper's Table 3 figures as reference rows for MEDINST32 tasks, and the samples both runs answered side by
side (the selected pair in full below)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from rich.style import Style
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Static
from textual.worker import Worker

from medinst_tui import catalog
from medinst_tui.runs.compare import (
    MetricDelta,
    PairedSample,
    compare_summaries,
    headline_metric,
    paired_samples,
    paper_reference,
)
from medinst_tui.runs.records import SampleResult, Summary
from medinst_tui.runs.store import RunRow
from medinst_tui.scoring import METRICS, MetricSummary, format_brief, format_value
from medinst_tui.tui.footer import KeyFooter
from medinst_tui.tui.formats import one_line, render_output
from medinst_tui.tui.runs.run_summary import paper_label
from medinst_tui.tui.runs.runs_db import runs_db
from medinst_tui.tui.workers import WorkerFailures

PREVIEW = 28
BETTER = Style(color="green", bold=True)
WORSE = Style(color="red", bold=True)


def delta_text(d: MetricDelta) -> Text:
    delta = d.delta
    if delta is None:
        return Text("—", Style(dim=True))
    sign = "+" if delta > 0 else "−" if delta < 0 else "±"
    style = Style() if d.improved is None else BETTER if d.improved else WORSE
    return Text(sign + format_value(d.metric, abs(delta)), style)


def value_text(key: str, value: float | None) -> str:
    return "—" if value is None else format_value(key, value)


def summary_text(m: MetricSummary | None) -> str:
    """A run's value with its 95% interval and n: `12.50 (0.00–49.01, n=4)`."""
    return "—" if m is None else format_brief(m)


def run_label(run: RunRow) -> str:
    return f"{run.id} · {run.model} · {run.format} · shots {run.shots} · {run.n_done}/{run.n_planned}"


class CompareScreen(WorkerFailures, Screen[None]):
    CSS_PATH = "compare.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Back", id="compare.close"),
        Binding("tab", "focus_next", "Next table", show=False, id="compare.focus_next"),
        Binding("a", "paired", "Paired tests", id="compare.paired"),
    ]

    @dataclass
    class Loaded(Message):
        a: RunRow
        b: RunRow
        results_a: list[SampleResult]
        results_b: list[SampleResult]

    def __init__(self, run_a: str, run_b: str) -> None:
        super().__init__()
        self.run_a = run_a
        self.run_b = run_b
        self.deltas: list[MetricDelta] = []
        self.pairs: list[PairedSample] = []
        self.summaries: tuple[Summary, Summary] = ({}, {})

    def compose(self) -> ComposeResult:
        with Vertical(id="compare"):
            yield Static("loading the two runs …", id="compare-title")
            yield DataTable(id="compare-metrics", cursor_type="row", zebra_stripes=True)
            yield DataTable(id="compare-samples", cursor_type="row", zebra_stripes=True)
            with Horizontal(id="compare-pair"):
                with VerticalScroll(id="compare-gold"):
                    yield Static("", id="compare-gold-body")
                with VerticalScroll(id="compare-a"):
                    yield Static("", id="compare-a-body")
                with VerticalScroll(id="compare-b"):
                    yield Static("", id="compare-b-body")
        yield KeyFooter()

    def on_mount(self) -> None:
        metrics = self.query_one("#compare-metrics", DataTable)
        metrics.border_title = "Per task and metric (Δ = B − A; paper rows for reference)"
        for label, key in (("task", "task"), ("metric", "metric"), ("A", "a"), ("B", "b"), ("Δ", "delta")):
            metrics.add_column(label, key=key)
        samples = self.query_one("#compare-samples", DataTable)
        for label, key in (
            ("task", "task"),
            ("id", "id"),
            ("metric", "metric"),
            ("A", "a"),
            ("B", "b"),
            ("Δ", "delta"),
            ("gold", "gold"),
            ("answer A", "answer_a"),
            ("answer B", "answer_b"),
        ):
            samples.add_column(label, key=key)
        self.query_one("#compare-gold").border_title = "Gold"
        self.query_one("#compare-a").border_title = "A"
        self.query_one("#compare-b").border_title = "B"
        metrics.focus()
        self._load()

    @work(thread=True, exclusive=True, group="compare", exit_on_error=False, description="reading the runs")
    def _load(self) -> None:
        db = runs_db()
        a, b = db.get(self.run_a), db.get(self.run_b)
        if a is None or b is None:
            raise LookupError(f"no run {self.run_a if a is None else self.run_b!r} in the runs DB")
        self.post_message(self.Loaded(a, b, db.results(a.id), db.results(b.id)))

    def worker_failed(self, worker: Worker[Any], text: str) -> None:
        self.query_one("#compare-title", Static).update(Text(text, Style(color="red")))

    def on_compare_screen_loaded(self, message: Loaded) -> None:
        a, b = message.a, message.b
        self.summaries = (b.summary, a.summary)  # each task's headline as stored (B's, the newer, first)
        self.deltas = compare_summaries(a.summary, b.summary)
        self.pairs = paired_samples(message.results_a, message.results_b)
        title = Text.assemble(
            ("A ", Style(bold=True)), run_label(a), "\n", ("B ", Style(bold=True)), run_label(b)
        )
        self.query_one("#compare-title", Static).update(title)
        self._fill_metrics()
        self._fill_samples()

    def _fill_metrics(self) -> None:
        table = self.query_one("#compare-metrics", DataTable)
        table.clear()
        task = None
        for n, d in enumerate(self.deltas):
            headline = d.metric == headline_metric(d.task, *self.summaries)
            label = Text(METRICS[d.metric].label + (" ★" if headline else ""), Style(bold=headline))
            table.add_row(
                d.task if d.task != task else "",
                label,
                summary_text(d.a),
                summary_text(d.b),
                delta_text(d),
                key=f"m{n}",
            )
            task = d.task
            last_of_task = n == len(self.deltas) - 1 or self.deltas[n + 1].task != d.task
            ref = paper_reference(d.task) if last_of_task else None
            for column, value in ref.scores if ref is not None else ():
                table.add_row(
                    "",
                    Text(f"paper {paper_label(column)} ({ref.metric if ref else ''})", Style(color="cyan")),
                    Text(f"{value:.2f}", Style(color="cyan")),
                    Text(f"{value:.2f}", Style(color="cyan")),
                    "",
                    key=f"p{n}-{column}",
                )

    def _fill_samples(self) -> None:
        table = self.query_one("#compare-samples", DataTable)
        table.clear()
        table.border_title = (
            f"{len(self.pairs)} sample(s) answered by both runs (the highlighted one in full below)"
        )
        for n, pair in enumerate(self.pairs):
            key = headline_metric(pair.task, *self.summaries)
            va, vb = pair.metric(key)
            if va is None and vb is None:
                key = "rougeL"
                va, vb = pair.metric(key)
            both = va is not None and vb is not None
            delta = delta_text(
                MetricDelta(
                    pair.task,
                    key,
                    MetricSummary(key, va, 1) if both and va is not None else None,
                    MetricSummary(key, vb, 1) if both and vb is not None else None,
                )
            )
            table.add_row(
                pair.task,
                str(pair.sample_id),
                METRICS[key].label,
                value_text(key, va),
                value_text(key, vb),
                delta,
                one_line(pair.gold, PREVIEW),
                one_line(pair.a.error or pair.a.prediction, PREVIEW),
                one_line(pair.b.error or pair.b.prediction, PREVIEW),
                key=str(n),
            )
        if self.pairs:
            self._show_pair(self.pairs[0])

    @on(DataTable.RowHighlighted, "#compare-samples")
    def _pair_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key.value is not None:
            self._show_pair(self.pairs[int(event.row_key.value)])

    def _show_pair(self, pair: PairedSample) -> None:
        category = catalog.category_of(pair.task)
        self.query_one("#compare-gold", VerticalScroll).border_title = f"Gold · {pair.task} #{pair.sample_id}"
        self.query_one("#compare-gold-body", Static).update(render_output(pair.gold, category))
        for side, result in (("a", pair.a), ("b", pair.b)):
            body = Text(result.prediction)
            if result.error:
                body = Text.assemble((result.error + "\n", Style(color="red")), result.prediction)
            self.query_one(f"#compare-{side}-body", Static).update(body)

    def action_paired(self) -> None:
        """Flips, biggest drops, paired bootstrap intervals and tests (`medinst runs compare A B`)."""
        from medinst_tui.tui.runs.document import DocumentScreen, run_comparison

        a, b = self.run_a, self.run_b
        self.app.push_screen(DocumentScreen(f"run {a} vs run {b}", lambda: run_comparison(a, b)))

    def action_close(self) -> None:
        self.app.pop_screen()
