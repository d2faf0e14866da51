"""First run (no index yet): build the bundled demo index here, with progress, or learn how to index
the real data. Also reached from the palette to rebuild the demo index (it then says what it replaces)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from rich.markup import escape
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, ProgressBar, Static
from textual.worker import Worker

from medinst_tui.sources.files import SourceFile, SourceSpec
from medinst_tui.store.ingest import IndexReport, build_index
from medinst_tui.tui.footer import KeyFooter
from medinst_tui.tui.workers import WorkerFailures

SourcesFactory = Callable[[], list[SourceSpec]]


def intro_text(db: Path, *, replacing: bool) -> str:
    if replacing:
        lead = f"Build the demo index at [b]{escape(str(db))}[/b]?\n[b]This replaces the index there.[/b]"
    else:
        lead = f"Welcome to [b]medinst[/b]. There is no index yet at [b]{escape(str(db))}[/b]."
    return (
        f"{lead}\n\n"
        "The [b]demo index[/b] is a small set bundled with the app, written in MEDINST's format (all 12 "
        "categories, real task names and output formats, MEDINST32-style few-shot rows). It is not "
        "MEDINST: it builds in seconds so everything works offline.\n\n"
        "To index the real data instead, quit (ctrl+q) and run one of:\n"
        "  [b]medinst index --hub[/b]          MEDINST from the Hugging Face Hub (163 tasks, 9.94M rows)\n"
        "  [b]medinst index --hub medinst32 --add[/b]   the MEDINST32 benchmark files\n"
        "  [b]medinst index --from PATH[/b]    a local copy (<Task>_<split>.json files, or parquet)\n"
        "then start [b]medinst[/b] again."
    )


class FirstRunScreen(WorkerFailures, Screen[None]):
    CSS_PATH = "first_run.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("b", "build", "Build demo index", id="first_run.build"),
        Binding("escape", "back", "Back", show=False, id="first_run.back"),
    ]

    @dataclass
    class Started(Message):
        files: int

    @dataclass
    class FileDone(Message):
        label: str
        rows: int

    @dataclass
    class Built(Message):
        report: IndexReport

    def __init__(self, db: Path, sources: SourcesFactory, *, replacing: bool | None = None) -> None:
        super().__init__()
        self.db = db
        self.sources = sources
        # Whether a build replaces a file (None: whether one is there, e.g. an index that did not open).
        self.replacing = db.exists() if replacing is None else replacing
        self.building = False
        self.rows = 0

    def compose(self) -> ComposeResult:
        with Vertical(id="first-run"):
            yield Static(intro_text(self.db, replacing=self.replacing), id="first-run-text")
            yield ProgressBar(id="first-run-progress", show_eta=False)
            yield Static("", id="first-run-status")
            with Horizontal(id="first-run-buttons"):
                yield Button("Build the demo index", variant="primary", id="first-run-build")
                yield Button("Cancel" if self.replacing else "Quit", id="first-run-quit")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#first-run-progress").display = False
        # A build that replaces a file is never one Enter away: Cancel has the focus then.
        self.query_one("#first-run-quit" if self.replacing else "#first-run-build").focus()

    @on(Button.Pressed, "#first-run-build")
    def _build_pressed(self) -> None:
        self.action_build()

    @on(Button.Pressed, "#first-run-quit")
    def _quit_pressed(self) -> None:
        self.action_back()

    def action_back(self) -> None:
        if self.building:
            return
        if self.replacing and len(self.app.screen_stack) > 2:  # opened over the browse screen
            self.dismiss(None)
        else:
            self.app.exit(0)

    def action_build(self) -> None:
        if self.building:
            return
        self.building = True
        self.query_one("#first-run-build", Button).disabled = True
        self.query_one("#first-run-progress").display = True
        self._status("reading the demo files …")
        self._build()

    @work(thread=True, exclusive=True, group="build-index", exit_on_error=False, description="the build")
    def _build(self) -> None:
        screen = self

        class Progress:
            def start(self, total_files: int, total_bytes: int) -> None:
                screen.post_message(FirstRunScreen.Started(total_files))

            def file_started(self, item: SourceFile) -> None:
                pass

            def file_finished(self, item: SourceFile, rows: int, skipped: int, seconds: float) -> None:
                screen.post_message(FirstRunScreen.FileDone(item.label, rows))

        sources = self.sources()  # a failure is shown by worker_failed, never as a traceback
        if not any(s.files for s in sources):
            raise FileNotFoundError("the demo data is missing from this installation")
        self.post_message(self.Built(build_index(self.db, sources, progress=Progress())))

    def on_first_run_screen_started(self, message: Started) -> None:
        self.query_one("#first-run-progress", ProgressBar).update(total=max(message.files, 1), progress=0)

    def on_first_run_screen_file_done(self, message: FileDone) -> None:
        self.rows += message.rows
        self.query_one("#first-run-progress", ProgressBar).advance(1)
        self._status(f"{self.rows:,} rows · {message.label}")

    def on_first_run_screen_built(self, message: Built) -> None:
        self.building = False
        report = message.report
        self._status(f"indexed {report.rows:,} rows from {report.files} files")
        self.notify(f"demo index built: {report.rows:,} rows", title="Index ready")
        # the message goes on to the app, which opens the new index

    def worker_failed(self, worker: Worker[Any], text: str) -> None:
        self.building = False
        self.query_one("#first-run-build", Button).disabled = False
        self.query_one("#first-run-progress").display = False
        self._status(f"[red]{escape(text)}[/]")

    def _status(self, text: str) -> None:
        self.query_one("#first-run-status", Static).update(text)
