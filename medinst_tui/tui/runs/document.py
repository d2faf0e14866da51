"""A report shown as the CLI prints it: a `Document` (medinst_tui/documents.py) with its heading, one table
per section, captions and notes. The run analysis (runs screen, `a`), its Table 3 (runs screen, `3`) and the
paired comparison (compare screen, `a`) open here, built by the same core code as `medinst runs analyze`,
`medinst eval`'s report and `medinst runs compare`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static
from textual.worker import Worker

from medinst_tui.documents import Column, Document, Section, shown_text
from medinst_tui.tui.workers import WorkerFailures

if TYPE_CHECKING:
    from medinst_tui.analysis.documents import LoadedRun

ROWS_SHOWN = 500  # a section's rows drawn in its table (the CLI's --format json has them all)


def section_cells(section: Section) -> tuple[list[Column], list[list[Text]]]:
    """The columns a table shows and each row's cells as the CLI's table writes them."""
    columns = [c for c in section.columns if c.shown]
    rows = [
        [Text(shown_text(c, row.get(c.key)), justify=c.justify, style=c.style or "") for c in columns]
        for row in section.rows[:ROWS_SHOWN]
    ]
    return columns, rows


def _loaded(run_id: str) -> LoadedRun:
    from medinst_tui.analysis.documents import stored_run
    from medinst_tui.tui.runs.runs_db import runs_db

    db = runs_db()
    run = db.get(run_id)
    if run is None:
        raise LookupError(f"no run {run_id!r} in the runs DB")
    return stored_run(run, db.results(run.id), db.path)


def run_analysis(run_id: str) -> Document:
    """`medinst runs analyze RUN`'s document (blocking: call from a worker)."""
    from medinst_tui.analysis.documents import analyze_loaded

    return analyze_loaded(_loaded(run_id))


def run_table3(run_id: str) -> Document:
    """A run beside the paper's seven models in Table 3's layout (`medinst eval`'s report; blocking)."""
    from medinst_tui.protocol import record, report
    from medinst_tui.protocol.stored import table_for_run
    from medinst_tui.tui.runs.runs_db import runs_db

    db = runs_db()
    run = db.get(run_id)
    if run is None:
        raise LookupError(f"no run {run_id!r} in the runs DB")
    return report.to_document(table_for_run(run, record.for_run(db.path, run)))


def run_comparison(run_a: str, run_b: str) -> Document:
    """`medinst runs compare A B`'s document (blocking: call from a worker)."""
    from medinst_tui.analysis.comparison_document import common_tasks, compare_loaded

    a, b = _loaded(run_a), _loaded(run_b)
    if not common_tasks(a, b):
        raise LookupError(f"{a.label} and {b.label} share no task: nothing to compare")
    return compare_loaded(a, b)


class DocumentScreen(WorkerFailures, ModalScreen[None]):
    DEFAULT_CSS = """
    DocumentScreen { align: center middle; }
    #document { width: 96%; height: 94%; border: round $primary; background: $surface; padding: 0 1; }
    #document .document-heading { color: $text-muted; }
    #document .document-title { text-style: bold; margin-top: 1; }
    #document .document-caption, #document .document-notes { color: $text-muted; }
    #document DataTable { height: auto; max-height: 20; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q", "close", "Close", id="document.close")]

    @dataclass
    class Built(Message):
        document: Document

    def __init__(self, title: str, build: Callable[[], Document]) -> None:
        super().__init__()
        self.title_text = title
        self.build = build

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="document"):
            yield Static(f"computing {self.title_text} …", id="document-status")

    def on_mount(self) -> None:
        box = self.query_one("#document")
        box.border_title = self.title_text
        box.border_subtitle = "esc closes · the same numbers as the CLI's --format json"
        self._build()

    def _build(self) -> None:
        self.run_worker(
            lambda: self.post_message(self.Built(self.build())),
            thread=True,
            group="document",
            description=self.title_text,
            exit_on_error=False,
        )

    def worker_failed(self, worker: Worker[None], text: str) -> None:
        self.query_one("#document-status", Static).update(Text(text, style="red"))

    def on_document_screen_built(self, message: Built) -> None:
        doc = message.document
        box = self.query_one("#document", VerticalScroll)
        self.query_one("#document-status", Static).update(Text("\n".join(doc.heading)))
        self.query_one("#document-status").add_class("document-heading")
        widgets: list[Static | DataTable[Text]] = []
        for section in doc.sections:
            title = section.title or section.name
            widgets.append(Static(Text(title), classes="document-title"))
            table: DataTable[Text] = DataTable(zebra_stripes=True, cursor_type="row")
            columns, rows = section_cells(section)
            for c in columns:
                table.add_column(c.title, key=c.key)
            table.add_rows(rows)
            widgets.append(table)
            more = len(section.rows) - len(rows)
            caption = section.caption or ""
            if more > 0:
                caption += f"{' · ' if caption else ''}{more} more rows in `--format json`"
            if caption:
                widgets.append(Static(Text(caption), classes="document-caption"))
        if doc.notes:
            widgets.append(Static(Text("\n".join(doc.notes)), classes="document-notes"))
        box.mount_all(widgets)
        if any(isinstance(w, DataTable) for w in widgets):
            next(w for w in widgets if isinstance(w, DataTable)).focus()

    def action_close(self) -> None:
        self.dismiss(None)
