"""Every run, from the TUI and from `medinst run` alike (the same runs DB): its settings and scores, the
distribution of its per-sample scores (terminal plots, the whole run or one task), its samples, its Table 3
beside the paper's models (3), an export to JSONL, and a comparison of two runs (space marks, c compares)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from rich.style import Style
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, DataTable, Input, Static
from textual.worker import Worker
from textual_plotext import PlotextPlot

from medinst_tui.runs.auto_tokens import cap_label
from medinst_tui.runs.compare import format_headline, headline_metric
from medinst_tui.runs.records import SampleResult, Summary
from medinst_tui.runs.single import write_results_jsonl
from medinst_tui.runs.store import RunRow
from medinst_tui.scoring import METRICS
from medinst_tui.tui.footer import KeyFooter
from medinst_tui.tui.runs.results_table import ResultsTable
from medinst_tui.tui.runs.run_summary import SummaryView
from medinst_tui.tui.runs.runs_db import default_export_path, runs_db
from medinst_tui.tui.workers import WorkerFailures

RUNS_LIMIT = 500
BINS = 20
ALL_TASKS = "all tasks"
MARK = "●"


STATUS_COLORS = {"done": "green", "partial": "dark_orange", "cancelled": "yellow", "failed": "red"}


def headline_of(run: RunRow) -> str:
    """The first two tasks' headline scores as the run stored them, with interval and n, for the runs
    table (`MedQA EM 12.50 (0.00–49.01, n=4)`)."""
    parts = [format_headline(task, scores) for task, scores in run.summary.items()]
    shown = "; ".join(parts[:2])
    return shown + (f"; +{len(parts) - 2} tasks" if len(parts) > 2 else "")


def plot_values(
    results: list[SampleResult], scope: str, summary: Summary | None = None
) -> tuple[str, list[float]]:
    """The metric and the per-sample values to plot: Rouge-L over all tasks, a task's headline metric
    (as the run stored it) when it is a mean of per-sample values (else Rouge-L)."""
    chosen = [r for r in results if r.error is None and (scope == ALL_TASKS or r.task == scope)]
    key = "rougeL"
    if scope != ALL_TASKS:
        headline = headline_metric(scope, summary or {})
        if METRICS[headline].per_sample and any(headline in r.metrics for r in chosen):
            key = headline
    values = [r.metrics[key] for r in chosen if key in r.metrics]
    if METRICS[key].percent:
        values = [v * 100 for v in values]
    return key, values


class RunsScreen(WorkerFailures, Screen[None]):
    CSS_PATH = "runs.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Back", id="runs.close"),
        Binding("space", "mark", "Mark to compare", id="runs.mark"),
        Binding("c", "compare", "Compare", id="runs.compare"),
        Binding("o", "open_results", "Samples", id="runs.open_results"),
        Binding("a", "analyze", "Analysis", id="runs.analyze"),
        Binding("3", "table3", "Table 3", id="runs.table3"),
        Binding("e", "export", "Export JSONL", id="runs.export"),
        Binding("t", "next_scope", "Plot: next task", id="runs.next_scope"),
        Binding("r", "refresh", "Refresh", id="runs.refresh"),
    ]

    @dataclass
    class Listed(Message):
        runs: list[RunRow]

    @dataclass
    class ResultsLoaded(Message):
        run_id: str
        results: list[SampleResult]

    def __init__(self) -> None:
        super().__init__()
        self.runs: dict[str, RunRow] = {}
        self.marked: list[str] = []
        self.current: str | None = None
        self.results: dict[str, list[SampleResult]] = {}
        self.scope = ALL_TASKS

    def compose(self) -> ComposeResult:
        with Vertical(id="runs"):
            yield DataTable(id="runs-table", cursor_type="row", zebra_stripes=True)
            with Horizontal(id="runs-detail"):
                with VerticalScroll(id="runs-summary-box"):
                    yield Static("", id="runs-header")
                    yield SummaryView(id="runs-summary")
                yield PlotextPlot(id="runs-plot")
        yield KeyFooter()

    def on_mount(self) -> None:
        table = self.query_one("#runs-table", DataTable)
        table.border_title = "Runs (TUI and CLI)"
        table.border_subtitle = "space marks two runs · c compares · o samples · e exports"
        table.add_column("", key="mark", width=1)
        for label, key in (
            ("id", "id"),
            ("date", "date"),
            ("from", "origin"),
            ("status", "status"),
            ("model", "model"),
            ("format", "format"),
            ("shots", "shots"),
            ("tasks", "tasks"),
            ("n", "n"),
            ("time", "duration"),
            ("headline", "headline"),
        ):
            table.add_column(label, key=key)
        self.query_one("#runs-summary-box").border_title = "Scores"
        table.focus()
        self._list()

    # -- loading ---------------------------------------------------------------------------------------
    def action_refresh(self) -> None:
        self._list()

    @work(
        thread=True, exclusive=True, group="runs-list", exit_on_error=False, description="reading the runs DB"
    )
    def _list(self) -> None:
        self.post_message(self.Listed(runs_db().list_runs(RUNS_LIMIT)))

    def on_runs_screen_listed(self, message: Listed) -> None:
        table = self.query_one("#runs-table", DataTable)
        keep = self.current
        table.clear()
        self.runs = {run.id: run for run in message.runs}
        self.marked = [m for m in self.marked if m in self.runs]
        for run in message.runs:
            status_style = STATUS_COLORS.get(run.status, "")
            table.add_row(
                MARK if run.id in self.marked else "",
                run.id,
                f"{run.created:%Y-%m-%d %H:%M}",
                run.origin,
                Text(run.status, Style(color=status_style) if status_style else Style()),
                run.model,
                run.format,
                run.shots,
                ", ".join(run.tasks)[:30],
                f"{run.n_done}/{run.n_planned}",
                f"{(run.duration_s or 0):.1f}s",
                headline_of(run),
                key=run.id,
            )
        if not message.runs:
            hint = "no runs yet: send a sample in the playground, run a batch, or `medinst run`"
            self.query_one("#runs-header", Static).update(Text(hint, Style(dim=True)))
            return
        if keep in self.runs:
            table.move_cursor(row=table.get_row_index(keep))
        self._show_run(self._cursor_run() or message.runs[0].id)

    def _cursor_run(self) -> str | None:
        table = self.query_one("#runs-table", DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return key if key in self.runs else None

    @on(DataTable.RowHighlighted, "#runs-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key.value is not None and event.row_key.value in self.runs:
            self._show_run(event.row_key.value)

    @on(DataTable.RowSelected, "#runs-table")
    def _selected(self) -> None:
        self.action_open_results()

    def _show_run(self, run_id: str) -> None:
        if run_id == self.current and run_id in self.results:
            return
        self.current = run_id
        self.scope = ALL_TASKS
        run = self.runs[run_id]
        header = Text.assemble(
            (run.id, Style(bold=True)),
            f"  {run.status} · from {run.origin} · {run.model} ({run.backend}) · format {run.format}\n",
            f"shots {run.shots} · split {run.split or 'all'} · max tokens "
            f"{cap_label(run.max_tokens, run.config)} · "
            f"temperature {run.temperature} · {run.n_done}/{run.n_planned} scored, {run.n_errors} error(s), "
            + (f"{run.n_cancelled} cancelled, " if run.n_cancelled else "")
            + f"{run.n_cached} cached",
        )
        self.query_one("#runs-header", Static).update(header)
        self.query_one(SummaryView).show(run.summary)
        if run_id in self.results:
            self._plot()
        else:
            self._load_results(run_id)

    def _load_results(self, run_id: str) -> None:
        self.run_worker(
            lambda: self.post_message(self.ResultsLoaded(run_id, runs_db().results(run_id))),
            thread=True,
            exclusive=True,
            group="runs-results",
            exit_on_error=False,
            description=f"reading run {run_id}",
        )

    def on_runs_screen_results_loaded(self, message: ResultsLoaded) -> None:
        self.results[message.run_id] = message.results
        if message.run_id == self.current:
            self._plot()

    # -- the plot --------------------------------------------------------------------------------------
    def scopes(self) -> list[str]:
        if self.current is None:
            return [ALL_TASKS]
        tasks = list(dict.fromkeys(r.task for r in self.results.get(self.current, [])))
        return [ALL_TASKS] + (tasks if len(tasks) > 1 else [])

    def action_next_scope(self) -> None:
        scopes = self.scopes()
        at = scopes.index(self.scope) if self.scope in scopes else -1
        self.scope = scopes[(at + 1) % len(scopes)]
        self._plot()

    def _plot(self) -> None:
        if self.current is None:
            return
        run = self.runs.get(self.current)
        key, values = plot_values(
            self.results.get(self.current, []), self.scope, run.summary if run else None
        )
        widget = self.query_one("#runs-plot", PlotextPlot)
        plt = widget.plt
        plt.clear_data()
        plt.clear_figure()
        if values:
            plt.hist(values, bins=BINS)
        info = METRICS[key]
        plt.xlim(info.lower * (100 if info.percent else 1), info.upper * (100 if info.percent else 1))
        scale = " (x100)" if METRICS[key].percent else ""
        more = " · t: next task" if len(self.scopes()) > 1 else ""
        plt.title(f"{METRICS[key].label}{scale} per sample · {self.scope} · n={len(values)}{more}")
        widget.refresh()

    # -- marking, comparing, exporting -----------------------------------------------------------------
    def action_mark(self) -> None:
        run_id = self._cursor_run()
        if run_id is None:
            return
        if run_id in self.marked:
            self.marked.remove(run_id)
        else:
            self.marked.append(run_id)
            if len(self.marked) > 2:
                self.marked.pop(0)
        table = self.query_one("#runs-table", DataTable)
        for rid in self.runs:
            table.update_cell(rid, "mark", MARK if rid in self.marked else "")

    def compare_pair(self) -> tuple[str, str] | None:
        """Two marked runs, or one marked and the run under the cursor (A is the older)."""
        picked = list(self.marked)
        cursor = self._cursor_run()
        if len(picked) == 1 and cursor is not None and cursor not in picked:
            picked.append(cursor)
        if len(picked) != 2:
            return None
        a, b = sorted(picked, key=lambda rid: self.runs[rid].created)
        return a, b

    def action_compare(self) -> None:
        pair = self.compare_pair()
        if pair is None:
            hint = "mark two runs with space (or one, and put the cursor on the other)"
            self.notify(hint, severity="warning")
            return
        from medinst_tui.tui.runs.compare import CompareScreen

        self.app.push_screen(CompareScreen(*pair))

    def action_open_results(self) -> None:
        run_id = self._cursor_run()
        if run_id is None:
            return
        self.app.push_screen(RunResultsScreen(self.runs[run_id]))

    def action_export(self) -> None:
        run_id = self._cursor_run()
        if run_id is None:
            self.notify("no run selected", severity="warning")
            return
        self.app.push_screen(ExportRunScreen(run_id))

    def action_analyze(self) -> None:
        """Where the run failed: per-type P/R/F1, confusion matrices, STS tables (`medinst runs analyze`)."""
        run_id = self._cursor_run()
        if run_id is None:
            self.notify("no run selected", severity="warning")
            return
        from medinst_tui.tui.runs.document import DocumentScreen, run_analysis

        self.app.push_screen(DocumentScreen(f"analysis of run {run_id}", lambda: run_analysis(run_id)))

    def action_table3(self) -> None:
        """The run beside the paper's seven models in Table 3's layout (`medinst eval`'s report)."""
        run_id = self._cursor_run()
        if run_id is None:
            self.notify("no run selected", severity="warning")
            return
        from medinst_tui.tui.runs.document import DocumentScreen, run_table3

        self.app.push_screen(DocumentScreen(f"Table 3 · run {run_id}", lambda: run_table3(run_id)))

    def action_close(self) -> None:
        self.app.pop_screen()


class RunResultsScreen(WorkerFailures, ModalScreen[None]):
    """A stored run's samples: the results table; enter opens one."""

    CSS_PATH = "runs.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q", "close", "Close", id="run_results.close")]

    @dataclass
    class Loaded(Message):
        results: list[SampleResult]

    def __init__(self, run: RunRow) -> None:
        super().__init__()
        self.run = run

    def compose(self) -> ComposeResult:
        with Vertical(id="run-results"):
            yield ResultsTable(id="run-results-table")

    def on_mount(self) -> None:
        box = self.query_one("#run-results")
        box.border_title = f"run {self.run.id} · {self.run.model} · {self.run.shots}"
        box.border_subtitle = "enter opens a sample · esc closes"
        self.query_one(ResultsTable).focus()
        self._load()

    @work(
        thread=True, exclusive=True, group="run-results", exit_on_error=False, description="reading the run"
    )
    def _load(self) -> None:
        self.post_message(self.Loaded(runs_db().results(self.run.id)))

    def on_run_results_screen_loaded(self, message: Loaded) -> None:
        self.query_one(ResultsTable).add_results(message.results, self.run.summary)

    @on(ResultsTable.ResultChosen)
    def _chosen(self, message: ResultsTable.ResultChosen) -> None:
        from medinst_tui.tui.runs.sample_result import SampleResultScreen

        self.app.push_screen(SampleResultScreen(message.result))

    def action_close(self) -> None:
        self.dismiss(None)


class ExportRunScreen(WorkerFailures, ModalScreen[Path | None]):
    """A run's results to a JSON Lines file (the lines `medinst run -o` writes), in a worker."""

    CSS_PATH = "runs.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "close", "Close", id="export_run.close")]

    @dataclass
    class Exported(Message):
        path: Path
        lines: int

    def __init__(self, run_id: str) -> None:
        super().__init__()
        self.run_id = run_id
        self.written: Path | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="export-run"):
            yield Static(f"Export the results of run {self.run_id} to JSON Lines", id="export-run-title")
            yield Input(str(default_export_path(self.run_id)), id="export-run-path")
            yield Static("", id="export-run-status")
            with Horizontal(id="export-run-buttons"):
                yield Button("Export", variant="primary", compact=True, id="export-run-go")
                yield Button("Close", compact=True, id="export-run-close")

    def on_mount(self) -> None:
        self.query_one("#export-run-path", Input).focus()

    @on(Input.Submitted, "#export-run-path")
    @on(Button.Pressed, "#export-run-go")
    def _go(self) -> None:
        target = self.query_one("#export-run-path", Input).value.strip()
        if not target:
            self.query_one("#export-run-status", Static).update("give a file name")
            return
        self.query_one("#export-run-status", Static).update("exporting …")
        self._export(Path(target))

    @work(thread=True, exclusive=True, group="export-run", exit_on_error=False, description="the export")
    def _export(self, path: Path) -> None:
        lines = write_results_jsonl(runs_db().results(self.run_id), path)
        self.post_message(self.Exported(path, lines))

    def on_export_run_screen_exported(self, message: Exported) -> None:
        self.written = message.path
        text = f"wrote {message.lines:,} results to {message.path}"
        self.query_one("#export-run-status", Static).update(text)
        self.notify(text, title="Run exported")

    def worker_failed(self, worker: Worker[Any], text: str) -> None:
        self.query_one("#export-run-status", Static).update(Text(text, Style(color="red")))

    @on(Button.Pressed, "#export-run-close")
    def action_close(self) -> None:
        self.dismiss(self.written)
