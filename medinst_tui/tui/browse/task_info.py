"""The task info view: category, sizes per split against the paper's, metric family, MEDINST32 membership
and difficulty, the instruction(s), and the paper's Table 3 figures for MEDINST32 tasks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import duckdb
from rich.console import Group, RenderableType
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Static

from medinst_tui import catalog
from medinst_tui.catalog import SPLITS
from medinst_tui.scoring import METRICS, headline_for
from medinst_tui.scoring.headline import family_reason
from medinst_tui.store.index import Index, TaskRow
from medinst_tui.tui.database import Database
from medinst_tui.tui.messages import QueryFailed

GROUP = "task-info"


def render_task_info(task: str, row: TaskRow | None, instructions: list[tuple[str, int]]) -> RenderableType:
    """Everything the view shows, as one Rich renderable (pure: tests render it without an app)."""
    info = catalog.lookup(task)
    category = row.category if row else (info.category if info else catalog.UNKNOWN_CATEGORY)
    head = Text.assemble((task, Style(bold=True)), "  ", (category, Style(bold=True, color="cyan")))
    parts: list[RenderableType] = [
        head,
        Text(catalog.categories().get(category, "not in the MEDINST catalog")),
    ]
    facts = Table.grid(padding=(0, 2))
    facts.add_column(style="dim")
    facts.add_column()
    in32 = info.in_medinst32 if info else False
    facts.add_row("MEDINST32", "yes (held-out benchmark task)" if in32 else "no")
    if info and info.difficulty is not None:
        facts.add_row("difficulty", f"{info.difficulty} (1 easy … 3 hard)")
    headline = headline_for(task, category)  # what a run of this task reports (scoring/headline.py)
    facts.add_row("metric family", Text(f"{headline.family} · {family_reason(task)}"))  # [B] is not markup
    facts.add_row("headline metric", METRICS[headline.metric].label)
    if info and info.paper_metric:
        facts.add_row("paper metric", info.paper_metric)
    parts += [Text(""), facts, Text("")]

    sizes = Table(title="Rows per split", title_justify="left", expand=False)
    sizes.add_column("split")
    sizes.add_column("indexed", justify="right")
    sizes.add_column("paper", justify="right")
    for split in SPLITS:
        indexed = row.indexed.get(split, 0) if row else 0
        paper = info.paper_size(split) if info else None
        sizes.add_row(split, f"{indexed:,}", "–" if paper is None else f"{paper:,}")
    parts.append(sizes)

    result = catalog.paper_results().get(task)
    if result is not None:
        figures = Table(title=f"Paper, Table 3 ({result.metric}, x100)", title_justify="left")
        figures.add_column("model")
        figures.add_column("score", justify="right")
        for model, score in result.scores.items():
            figures.add_row(model.replace("_", " "), f"{score:.2f}")
        parts += [Text(""), figures]

    if instructions:
        parts += [
            Text(""),
            Text(f"Instruction ({len(instructions)} distinct in the index)", Style(bold=True)),
        ]
        text, n = instructions[0]
        parts.append(Text(text))
        if len(instructions) > 1:
            parts.append(
                Text(f"… and {len(instructions) - 1} more (the one above is on {n:,} rows)", Style(dim=True))
            )
    return Group(*parts)


class TaskInfoScreen(ModalScreen[None]):
    CSS_PATH = "task_info.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,i,q", "close", "Close", id="task_info.close")]

    @dataclass
    class Loaded(Message):
        row: TaskRow | None
        instructions: list[tuple[str, int]]

    def __init__(self, db: Database, task: str) -> None:
        super().__init__()
        self.db = db
        self.task_name = task

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="task-info"):
            yield Static(f"{self.task_name}: loading…", id="task-info-body")

    def on_mount(self) -> None:
        self.query_one("#task-info").border_title = "Task info"
        self.query_one("#task-info").border_subtitle = "esc to close"
        self._load()

    @work(exclusive=True, group=GROUP, exit_on_error=False)
    async def _load(self) -> None:
        def load(index: Index) -> tuple[list[TaskRow], list[tuple[str, int]]]:
            rows = [r for r in index.task_rows() if r.name == self.task_name]
            return rows, index.instructions(self.task_name)

        try:
            rows, instructions = await self.db.query(GROUP, load)
        except duckdb.Error as exc:
            self.post_message(QueryFailed("loading task info", str(exc)))
            return
        self.post_message(self.Loaded(rows[0] if rows else None, instructions))

    def on_task_info_screen_loaded(self, message: Loaded) -> None:
        self.query_one("#task-info-body", Static).update(
            render_task_info(self.task_name, message.row, message.instructions)
        )

    def on_query_failed(self, message: QueryFailed) -> None:
        self.notify(f"{message.what} failed: {message.error}", severity="error")

    def action_close(self) -> None:
        self.dismiss(None)
