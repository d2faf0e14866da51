"""The palette's "open task" on a task the index does not hold: say so, and give the exact command that
indexes it, instead of an empty table. `c` copies the command."""

from __future__ import annotations

import shlex
from typing import ClassVar

from rich.markup import escape
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from medinst_tui import catalog


def index_command(task: str) -> str:
    """The command that adds `task` to the index from the Hub (README, "Getting the real data"): the
    MEDINST repo for its train/dev/test, aialt/MedINST32 for a `-zs` zero-shot twin."""
    if task.endswith(catalog.ZS_SUFFIX):
        return f"medinst index --hub medinst32 --task {shlex.quote(catalog.base_task(task))} --add"
    return f"medinst index --hub --task {shlex.quote(task)} --add"


def is_indexed(task: str, indexed: list[str]) -> bool:
    """Whether the index holds `task`. An empty list means the index's tasks are not known yet (the first
    facet counts are still on their way): then the task is opened as asked."""
    return not indexed or task in indexed


class NotIndexedScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    NotIndexedScreen { align: center middle; background: $background 60%; }
    #not-indexed { width: 76; max-width: 95%; height: auto; border: round $warning; background: $surface;
                   padding: 0 1; }
    #not-indexed-command { margin: 1 0; padding: 0 1; background: $panel; }
    #not-indexed-buttons { height: auto; align-horizontal: right; }
    #not-indexed-buttons > Button { margin-left: 2; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Close", id="not_indexed.close"),
        Binding("c", "copy", "Copy the command", id="not_indexed.copy"),
    ]

    def __init__(self, task: str) -> None:
        super().__init__()
        self.task_name = task
        self.command = index_command(task)

    def compose(self) -> ComposeResult:
        info = catalog.lookup(catalog.base_task(self.task_name))
        size = f" ({info.total:,} rows in the paper)" if info is not None else ""
        with Vertical(id="not-indexed"):
            yield Static(
                f"[b]{escape(self.task_name)}[/b]{size} is not in the index. This command adds it "
                "(the other tasks stay):",
                id="not-indexed-text",
            )
            yield Static(escape(self.command), id="not-indexed-command")
            with Horizontal(id="not-indexed-buttons"):
                yield Button("Copy c", id="not-indexed-copy")
                yield Button("Close", variant="primary", id="not-indexed-close")

    def on_mount(self) -> None:
        self.query_one("#not-indexed-close", Button).focus()

    @on(Button.Pressed, "#not-indexed-copy")
    def action_copy(self) -> None:
        self.app.copy_to_clipboard(self.command)
        self.notify(f"copied: {self.command}")

    @on(Button.Pressed, "#not-indexed-close")
    def action_close(self) -> None:
        self.dismiss(None)
