"""The export dialog (ctrl+e): the current filter to JSONL or Parquet, all rows or a seeded sample.

The same core as `medinst export` runs in a thread worker; its progress comes back as messages, cancel
interrupts DuckDB's COPY (nothing is left behind: the core writes a temporary file and renames it).

The default file is absolute: the filter's name in the export folder (the last folder exported to, else
`exports/` in the data dir; README, "The app"); a name without a folder goes there too, and the folder and
the format are remembered (state.py). Enter in a field exports; Escape in a field leaves it.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, replace
from pathlib import Path
from typing import ClassVar

import duckdb
from rich.markup import escape
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, ProgressBar, RadioButton, RadioSet, Static

from medinst_tui.outputs import OutputError, OutputExistsError, check_output
from medinst_tui.state import ExportState, StateFile, export_state, state_for
from medinst_tui.store.export import ExportCancelledError, ExportResult, export
from medinst_tui.store.filters import Filter
from medinst_tui.store.index import Index
from medinst_tui.tui.database import Database
from medinst_tui.tui.forms import leave_field

GROUP = "export"
SUFFIXES = {"jsonl": ".jsonl", "parquet": ".parquet"}
STDOUT_REFUSED = "the terminal shows the app: give a file name, not stdout"


def default_name(f: Filter, fmt: str = "jsonl") -> str:
    """A file name that says what is in it: medinst-NER-test.jsonl, medinst-all.jsonl."""
    parts = [*f.categories, *f.tasks, *f.splits] + (["medinst32"] if f.medinst32 else [])
    if f.search.strip():
        parts.append("search-" + f.search.strip())
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", "-".join(parts))[:80].strip("_-") or "all"
    return f"medinst-{slug}{SUFFIXES[fmt]}"


def resolve_target(text: str, folder: Path) -> str:
    """The file a typed name means: `~` expanded, a relative name inside the export folder."""
    path = Path(text).expanduser()
    return str(path if path.is_absolute() else folder / path)


@dataclass(frozen=True)
class ExportRequest:
    target: str
    fmt: str
    sample: int | None
    seed: int
    force: bool = False  # the user said yes to overwriting an existing file


class OverwriteScreen(ModalScreen[bool]):
    """`FILE exists: overwrite it?` Cancel has the focus: Enter alone never replaces a file."""

    DEFAULT_CSS = """
    OverwriteScreen { align: center middle; background: $background 60%; }
    #overwrite { width: 70; max-width: 95%; height: auto; border: round $warning; background: $surface;
                 padding: 0 1; }
    #overwrite-buttons { height: auto; align-horizontal: right; margin-top: 1; }
    #overwrite-buttons > Button { margin-left: 2; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "no", "Cancel", id="overwrite.cancel")]

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path

    def compose(self) -> ComposeResult:
        with Vertical(id="overwrite"):
            yield Static(f"[b]{escape(self.path)}[/b] exists.\nOverwrite it?", id="overwrite-text")
            with Horizontal(id="overwrite-buttons"):
                yield Button("Overwrite", variant="warning", id="overwrite-yes")
                yield Button("Cancel", variant="primary", id="overwrite-no")

    def on_mount(self) -> None:
        self.query_one("#overwrite-no", Button).focus()

    @on(Button.Pressed, "#overwrite-yes")
    def _yes(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#overwrite-no")
    def action_no(self) -> None:
        self.dismiss(False)


class ExportScreen(ModalScreen[ExportResult | None]):
    CSS_PATH = "export.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel / close", id="export.cancel")
    ]

    @dataclass
    class Progressed(Message):
        fraction: float

    @dataclass
    class Finished(Message):
        result: ExportResult

    @dataclass
    class Failed(Message):
        error: str
        cancelled: bool

    def __init__(self, db: Database, f: Filter, total: int | None, *, state: StateFile | None = None) -> None:
        super().__init__()
        self.db = db
        self.filter = f
        self.total = total
        self._state = state
        self.cancel_event = threading.Event()
        self.running = False
        self.result: ExportResult | None = None

    @property
    def state(self) -> StateFile:
        if self._state is None:
            self._state = state_for(self.app)
        return self._state

    def compose(self) -> ComposeResult:
        rows = f"{self.total:,} rows" if self.total is not None else "rows"
        remembered = export_state(self.state)
        self.folder = remembered.folder_path()
        fmt = remembered.fmt()
        with Vertical(id="export"):
            yield Static(f"Export {rows}: {self.filter.describe()}", id="export-title")
            yield Label("Format")
            with RadioSet(id="export-format"):
                yield RadioButton("JSON Lines", value=fmt == "jsonl", id="fmt-jsonl")
                yield RadioButton("Parquet", value=fmt == "parquet", id="fmt-parquet")
            yield Label("Rows")
            with RadioSet(id="export-rows"):
                yield RadioButton("all rows of the filter", value=True, id="rows-all")
                yield RadioButton("a seeded random sample", id="rows-sample")
            with Horizontal(id="export-sample"):
                yield Label("N")
                yield Input("1000", id="sample-n", type="integer")
                yield Label("seed")
                yield Input("0", id="sample-seed", type="integer")
            yield Label("File")
            yield Input(str(self.folder / default_name(self.filter, fmt)), id="export-path")
            yield Static(f"a name without a folder goes in {self.folder}", id="export-folder-hint")
            yield ProgressBar(total=1.0, show_eta=False, id="export-progress")
            yield Static("", id="export-status")
            with Horizontal(id="export-buttons"):
                yield Button("Export", variant="primary", id="export-run")
                yield Button("Cancel", id="export-cancel")

    def on_mount(self) -> None:
        self.query_one("#export-sample").display = False
        self.query_one("#export-progress").display = False
        self.query_one("#export-path", Input).focus()
        warning = self.state.take_warning()
        if warning:
            self.notify(warning, title="Remembered settings", severity="warning", timeout=10)

    # -- the form --------------------------------------------------------------------------------------
    @property
    def fmt(self) -> str:
        return "parquet" if self.query_one("#fmt-parquet", RadioButton).value else "jsonl"

    @on(RadioSet.Changed, "#export-format")
    def _format_changed(self) -> None:
        path = self.query_one("#export-path", Input)
        current = Path(path.value)
        if current.suffix in SUFFIXES.values():
            path.value = str(current.with_suffix(SUFFIXES[self.fmt]))

    @on(RadioSet.Changed, "#export-rows")
    def _rows_changed(self) -> None:
        self.query_one("#export-sample").display = self.query_one("#rows-sample", RadioButton).value

    def request(self) -> ExportRequest | str:
        """The export the form asks for, or what is wrong with the form."""
        typed = self.query_one("#export-path", Input).value.strip()
        if not typed:
            return "give a file name"
        if typed == "-":
            return STDOUT_REFUSED
        target = resolve_target(typed, self.folder)
        sample: int | None = None
        seed = 0
        if self.query_one("#rows-sample", RadioButton).value:
            try:
                sample = int(self.query_one("#sample-n", Input).value)
                seed = int(self.query_one("#sample-seed", Input).value or "0")
            except ValueError:
                return "the sample size and the seed are whole numbers"
            if sample <= 0:
                return "the sample size must be at least 1"
        return ExportRequest(target, self.fmt, sample, seed)

    # -- running ---------------------------------------------------------------------------------------
    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._run_pressed()

    @on(Button.Pressed, "#export-run")
    def _run_pressed(self) -> None:
        if self.result is not None:
            self.dismiss(self.result)
            return
        if self.running:
            return
        req = self.request()
        if isinstance(req, str):
            self._status(req, error=True)
            return
        # The same guard as `medinst export -o` (outputs.check_output), before anything is written.
        try:
            if check_output(req.target, protect=[self.db.path]).stdout:
                self._status(STDOUT_REFUSED, error=True)
                return
        except OutputExistsError:

            def answered(yes: bool | None) -> None:
                if yes:
                    self._start(replace(req, force=True))
                else:
                    self._status("not exported: the file exists (choose another name, or overwrite)")

            self.app.push_screen(OverwriteScreen(req.target), answered)
            return
        except OutputError as exc:
            self._status(str(exc), error=True)
            return
        self._start(req)

    def _start(self, req: ExportRequest) -> None:
        if self.running:
            return
        self.running = True
        self.cancel_event.clear()
        self.query_one("#export-run", Button).disabled = True
        bar = self.query_one("#export-progress", ProgressBar)
        bar.display = True
        bar.update(progress=0.0)
        self._status(f"exporting to {req.target} …")
        self._export(req)

    @on(Button.Pressed, "#export-cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    def action_cancel(self) -> None:
        if self.running:
            self.cancel_event.set()
            self._status("cancelling …")
        elif not leave_field(self, self.query_one("#export-run", Button)):
            self.dismiss(self.result)

    @work(exclusive=True, group=GROUP, exit_on_error=False)
    async def _export(self, req: ExportRequest) -> None:
        def progressed(fraction: float) -> None:  # called on the database thread: post_message is safe
            self.post_message(self.Progressed(fraction))

        def run(index: Index) -> ExportResult:
            return export(
                index, self.filter, req.target, fmt=req.fmt, sample=req.sample, seed=req.seed,
                on_progress=progressed, cancel=self.cancel_event, force=req.force,
            )  # fmt: skip

        try:
            result = await self.db.query(GROUP, run)
        except ExportCancelledError:
            self.post_message(self.Failed("cancelled: nothing was written", cancelled=True))
            return
        except (duckdb.Error, OSError, ValueError) as exc:
            self.post_message(self.Failed(str(exc), cancelled=False))
            return
        self.post_message(self.Finished(result))

    def on_export_screen_progressed(self, message: Progressed) -> None:
        self.query_one("#export-progress", ProgressBar).update(progress=message.fraction)

    def on_export_screen_finished(self, message: Finished) -> None:
        self.running = False
        self.result = message.result
        res = message.result
        self.query_one("#export-progress", ProgressBar).update(progress=1.0)
        text = f"wrote {res.rows:,} rows to {res.target} ({res.fmt})"
        self._status(text)
        self._remember(res)
        self.notify(text, title="Export finished")
        run = self.query_one("#export-run", Button)
        run.label = "Close"
        run.disabled = False
        run.focus()

    def on_export_screen_failed(self, message: Failed) -> None:
        self.running = False
        self.query_one("#export-run", Button).disabled = False
        self.query_one("#export-progress").display = False
        self._status(message.error, error=not message.cancelled)
        if not message.cancelled:
            self.notify(message.error, title="Export failed", severity="error")

    def _remember(self, res: ExportResult) -> None:
        """The folder and the format of an export that worked are the next dialog's defaults."""
        if not Path(res.target).is_file():
            return  # a device or a pipe (/dev/null): not a folder to export into next time
        remembered = ExportState(folder=str(Path(res.target).parent), format=res.fmt)
        problem = self.state.remember("export", {"folder": remembered.folder, "format": remembered.format})
        if problem:
            self.notify(problem, title="Remembered settings", severity="warning")

    def _status(self, text: str, *, error: bool = False) -> None:
        status = self.query_one("#export-status", Static)
        status.update(text)
        status.set_class(error, "-error")
