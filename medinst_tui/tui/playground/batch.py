"""A batch over the browser's filter (or a seeded sample of N from it) with the playground's settings.

The same engine as `medinst run`, in a thread worker: results are stored as they come (runs DB), the
response cache makes a rerun resume where a cancelled one stopped. The engine reports to a BatchInbox;
a 100 ms timer drains it into the progress bar, the running aggregates and the results table.

N, the seed and the requests in flight are remembered (state.py) each time the form is valid; Escape
cancels a running batch, else leaves a field, else the screen.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any, ClassVar, cast

from rich.style import Style
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Button, Input, Label, ProgressBar, Static
from textual.worker import Worker

from medinst_tui.backends.presets import ModelPreset, PresetError
from medinst_tui.runs.engine import RunConfig, RunOutcome
from medinst_tui.session import Choices, load_choices
from medinst_tui.state import BatchState, StateFile, batch_state, state_for, to_json
from medinst_tui.store.filters import Filter
from medinst_tui.tui.database import Database
from medinst_tui.tui.footer import KeyFooter
from medinst_tui.tui.forms import leave_field
from medinst_tui.tui.playground.buffers import BatchInbox
from medinst_tui.tui.playground.calls import PlaygroundSession, count_planned, run_batch, session_for
from medinst_tui.tui.playground.settings import PlaygroundSettings, resolve_model, run_config
from medinst_tui.tui.runs.results_table import ResultsTable
from medinst_tui.tui.runs.run_summary import SummaryView
from medinst_tui.tui.threads import direct_opener, in_generation_thread
from medinst_tui.tui.workers import WorkerFailures

DRAIN_S = 0.1
REMEMBERED = object()  # BatchScreen(sample=...): what the reader last set (20 the first time)


@dataclass(frozen=True)
class BatchPlan:
    preset: ModelPreset
    config: RunConfig


class BatchScreen(WorkerFailures, Screen[None]):
    CSS_PATH = "batch.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel_or_close", "Cancel / back", id="batch.cancel"),
        Binding("f5", "start", "Start / resume", id="batch.start"),
        Binding("ctrl+r", "runs", "Runs", id="batch.runs"),
    ]

    @dataclass
    class Planned(Message):
        rows: int
        config: RunConfig

    @dataclass
    class Finished(Message):
        outcome: RunOutcome

    def __init__(
        self,
        db: Database,
        row_filter: Filter,
        settings: PlaygroundSettings,
        *,
        choices: Choices | None = None,
        sample: int | object | None = REMEMBERED,
        sample_seed: int | None = None,
        state: StateFile | None = None,
    ) -> None:
        super().__init__()
        self.db = db
        self.row_filter = row_filter
        self.settings = settings
        self.choices = choices or load_choices()
        self._state = state
        self._sample_arg = sample
        self._seed_arg = sample_seed
        self._changed = False  # the reader changed the form since it opened
        self.running = False
        self.cancel = threading.Event()
        self.inbox = BatchInbox()
        self.outcome: RunOutcome | None = None
        self.done = 0
        self.errors = 0
        self.cached = 0
        self.generated_tokens = 0
        self._timer: Timer | None = None

    @property
    def session(self) -> PlaygroundSession:
        return session_for(self.app)

    @property
    def state(self) -> StateFile:
        if self._state is None:
            self._state = state_for(self.app)
        return self._state

    def compose(self) -> ComposeResult:
        remembered = batch_state(self.state)
        sample = self._sample_arg
        self.initial_sample: int | None = remembered.n if sample is REMEMBERED else cast(int | None, sample)
        self.initial_seed = remembered.seed if self._seed_arg is None else self._seed_arg
        self.initial_concurrency = remembered.concurrency if sample is REMEMBERED else None
        with Vertical(id="batch"):
            yield Static(self._title(), id="batch-title")
            with Horizontal(id="batch-form"):
                yield Label("sample N")
                yield Input(
                    "" if self.initial_sample is None else str(self.initial_sample),
                    placeholder="all rows",
                    type="integer",
                    compact=True,
                    id="batch-n",
                )
                yield Label("seed")
                yield Input(str(self.initial_seed), type="integer", compact=True, id="batch-seed")
                yield Label("in flight")
                yield Input(
                    "" if self.initial_concurrency is None else str(self.initial_concurrency),
                    placeholder="preset",
                    type="integer",
                    compact=True,
                    id="batch-concurrency",
                )
                yield Button("Start (F5)", variant="primary", compact=True, id="batch-start")
                yield Button("Cancel (esc)", compact=True, id="batch-cancel")
            yield Static("", id="batch-plan")
            with Horizontal(id="batch-progress-row"):
                yield ProgressBar(total=1, show_eta=False, id="batch-progress")
                yield Static("", id="batch-rate")
            with Horizontal(id="batch-main"):
                with VerticalScroll(id="batch-summary-box"):
                    yield SummaryView(id="batch-summary")
                yield ResultsTable(id="batch-results")
        yield KeyFooter()

    def _title(self) -> Text:
        s = self.settings
        return Text.assemble(
            ("Batch ", Style(bold=True)),
            f"over: {self.row_filter.describe()}  ·  model {s.model or 'default preset'}"
            f"  ·  shots {s.shot_spec().describe()}",
        )

    def on_mount(self) -> None:
        self.query_one("#batch-summary-box").border_title = "Running scores (mean, 95% CI)"
        self.query_one(ResultsTable).border_title = "Samples (enter opens one)"
        self.query_one(SummaryView).show({})
        self.query_one("#batch-n", Input).focus()
        warning = self.state.take_warning()
        if warning:
            self.notify(warning, title="Remembered settings", severity="warning", timeout=10)
        self._plan()

    # -- the plan --------------------------------------------------------------------------------------
    def read_plan(self) -> BatchPlan:
        """The preset and RunConfig the form asks for (raises ValueError / PresetError)."""

        def number(selector: str, name: str) -> int | None:
            text = self.query_one(selector, Input).value.strip()
            if not text:
                return None
            try:
                value = int(text)
            except ValueError:
                raise ValueError(f"{name} must be a whole number") from None
            if value < 0:
                raise ValueError(f"{name} cannot be negative")
            return value

        sample = number("#batch-n", "N")
        if sample == 0:
            raise ValueError("N must be at least 1 (or empty for every row of the filter)")
        seed = number("#batch-seed", "the seed") or 0
        concurrency = number("#batch-concurrency", "in flight")
        if concurrency == 0:
            raise ValueError("in flight must be at least 1 (or empty for the preset's)")
        self._remember(BatchState(n=sample, seed=seed, concurrency=concurrency))
        preset = resolve_model(self.settings, self.choices.presets, concurrency=concurrency)
        config = run_config(
            self.settings, preset, self.row_filter, sample=sample, sample_seed=seed, concurrency=concurrency
        )
        return BatchPlan(preset, config)

    def _remember(self, form: BatchState) -> None:
        """What the reader typed (not what the screen opened with) becomes the next batch's default."""
        opened = BatchState(self.initial_sample, self.initial_seed, self.initial_concurrency)
        if form == opened and not self._changed:
            return
        self._changed = True
        problem = self.state.remember("batch", to_json(form))
        if problem:
            self.notify(problem, title="Remembered settings", severity="warning")

    @on(Input.Changed)
    def _form_changed(self) -> None:
        if not self.running:
            self._plan()

    def _plan(self) -> None:
        try:
            plan = self.read_plan()
        except (ValueError, PresetError) as exc:
            self._status(str(exc), error=True)
            return
        self._count(plan.config)

    @work(
        thread=True, exclusive=True, group="batch-plan", exit_on_error=False, description="counting the rows"
    )
    def _count(self, config: RunConfig) -> None:
        self.post_message(self.Planned(count_planned(self.db.open, config), config))

    def on_batch_screen_planned(self, message: Planned) -> None:
        if self.running:
            return
        c = message.config
        kind = f"a seeded sample (seed {c.sample_seed}) of" if c.sample is not None else "every row:"
        # `auto`: derived once the model is loaded (runs/auto_tokens.py), each task's rows with its own cap
        cap = "auto tokens, each task its own cap" if c.max_tokens_auto else f"{c.max_tokens} tokens"
        self._status(
            f"{message.rows:,} rows, {kind} {c.filter().describe()}  ·  {c.format}"
            f"  ·  max {cap}"
            f"  ·  {c.concurrency} in flight (local models: 1)"
        )

    # -- running ---------------------------------------------------------------------------------------
    def action_start(self) -> None:
        if self.running:
            self.notify("the batch is running (esc cancels it)", severity="warning")
            return
        try:
            plan = self.read_plan()
        except (ValueError, PresetError) as exc:
            self._status(str(exc), error=True)
            self.notify(str(exc), severity="error")
            return
        self.running = True
        self.cancel = threading.Event()
        self.inbox = BatchInbox()
        self.outcome = None
        self.done = self.errors = self.cached = self.generated_tokens = 0
        self.query_one(ResultsTable).reset()
        self.query_one(SummaryView).show({})
        self.query_one(ProgressBar).update(total=1, progress=0)
        self.query_one("#batch-start", Button).disabled = True
        if self.focused is not None and self.focused.parent is self.query_one("#batch-form"):
            self.query_one(ResultsTable).focus()  # the form is submitted: Escape now leaves, or cancels
        self._status("starting (loading the model) …")
        self._timer = self.set_interval(DRAIN_S, self._drain, name="batch-drain")
        self._run(plan, self.inbox, self.cancel)

    @work(exclusive=True, group="batch-run", exit_on_error=False, description="the batch")
    async def _run(self, plan: BatchPlan, inbox: BatchInbox, cancel: threading.Event) -> None:
        models, opener = self.session.models, direct_opener(self.db.path)

        def run() -> RunOutcome:
            return run_batch(models, opener, plan.preset, plan.config, inbox, cancel, self.choices)

        # a failure (every result made so far is already stored) reaches worker_failed
        self.post_message(self.Finished(await in_generation_thread(run)))

    def _drain(self) -> None:
        inbox = self.inbox
        results, summary = inbox.drain()
        if results:
            self.query_one(ResultsTable).add_results(results)
            self.query_one(SummaryView).show(summary)
            for r in results:
                self.done += 1
                self.errors += int(r.error is not None)
                self.cached += int(r.cached)
                if not r.cached:
                    self.generated_tokens += r.completion_tokens
        if inbox.total is not None:
            self.query_one(ProgressBar).update(total=max(inbox.total, 1), progress=self.done)
        if inbox.run_id is not None and self.running:
            self._show_rate(inbox)

    def _show_rate(self, inbox: BatchInbox) -> None:
        elapsed = max(time.perf_counter() - inbox.started, 1e-9)
        tokens = max(inbox.live_tokens, self.generated_tokens)
        text = (
            f"{self.done}/{inbox.total} · {self.done / elapsed:.2f} samples/s · {tokens / elapsed:.1f} tok/s"
            f" · {self.errors} error(s) · {self.cached} cached"
        )
        self.query_one("#batch-rate", Static).update(text)
        self._status(f"run {inbox.run_id} · running …")

    def _stop(self) -> None:
        self.running = False
        self._drain()
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        start = self.query_one("#batch-start", Button)
        start.disabled = False

    def on_batch_screen_finished(self, message: Finished) -> None:
        self._stop()
        outcome = self.outcome = message.outcome
        self._show_rate(self.inbox)
        summary = (
            f"run {outcome.run_id} · {outcome.status} · {outcome.n_done} scored, "
            f"{outcome.n_errors} error(s), {outcome.n_cached} from cache, {outcome.duration_s:.1f} s"
        )
        start = self.query_one("#batch-start", Button)
        if outcome.status == "cancelled":
            summary += " · F5 resumes (finished samples come from the cache)"
            start.label = "Resume (F5)"
        else:
            start.label = "Run again (F5)"
        self._status(summary, error=outcome.status == "failed")
        self.notify(summary, title=f"Batch {outcome.status}")

    def worker_failed(self, worker: Worker[Any], text: str) -> None:
        if self.running and worker.group == "batch-run":
            self._stop()
            self.query_one("#batch-start", Button).label = "Resume (F5)"
        self._status(text, error=True)

    def action_cancel_or_close(self) -> None:
        if self.running:
            self.cancel.set()
            self._status("cancelling: the sample in progress stops at its next token …")
            return
        if leave_field(self, self.query_one("#batch-start", Button)):
            return
        self.app.pop_screen()

    def on_unmount(self) -> None:
        self.cancel.set()

    def _status(self, text: str, *, error: bool = False) -> None:
        plan = self.query_one("#batch-plan", Static)
        plan.update(text)
        plan.set_class(error, "-error")

    # -- other actions ---------------------------------------------------------------------------------
    @on(Button.Pressed, "#batch-start")
    def _start_pressed(self) -> None:
        self.action_start()

    @on(Button.Pressed, "#batch-cancel")
    def _cancel_pressed(self) -> None:
        if self.running:
            self.action_cancel_or_close()

    @on(ResultsTable.ResultChosen)
    def _result_chosen(self, message: ResultsTable.ResultChosen) -> None:
        from medinst_tui.tui.runs.sample_result import SampleResultScreen

        self.app.push_screen(SampleResultScreen(message.result))

    def action_runs(self) -> None:
        from medinst_tui.tui.runs.screen import RunsScreen

        self.app.push_screen(RunsScreen())
