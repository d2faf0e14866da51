"""The help screen (? or F1): every binding of the app, with the keys the keymap gives it and its id."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.dom import DOMNode
from textual.screen import ModalScreen
from textual.widgets import Static


@dataclass(frozen=True)
class BindingRow:
    section: str
    keys: str
    description: str
    id: str


def binding_sources() -> list[tuple[str, type[DOMNode]]]:
    """Every class of the app that declares bindings, in the order the help lists them."""
    from medinst_tui.tui.app import MedinstApp
    from medinst_tui.tui.screens.batch import BatchScreen
    from medinst_tui.tui.screens.browse import BrowseScreen
    from medinst_tui.tui.screens.compare import CompareScreen
    from medinst_tui.tui.screens.export import ExportScreen, OverwriteScreen
    from medinst_tui.tui.screens.first_run import FirstRunScreen
    from medinst_tui.tui.screens.jump import JumpScreen
    from medinst_tui.tui.screens.not_indexed import NotIndexedScreen
    from medinst_tui.tui.screens.playground import PlaygroundScreen
    from medinst_tui.tui.screens.runs import ExportRunScreen, RunResultsScreen, RunsScreen
    from medinst_tui.tui.screens.sample_result import SampleResultScreen
    from medinst_tui.tui.screens.stats import StatsScreen
    from medinst_tui.tui.screens.task_info import TaskInfoScreen
    from medinst_tui.tui.screens.task_picker import TaskPickerScreen
    from medinst_tui.tui.widgets.chips import FilterChips
    from medinst_tui.tui.widgets.facets import FacetTree
    from medinst_tui.tui.widgets.sample_table import SampleTable
    from medinst_tui.tui.widgets.search_bar import SearchBar
    from medinst_tui.tui.widgets.toggles import Toggles

    return [
        ("Everywhere", MedinstApp),
        ("Browse", BrowseScreen),
        ("Sample table", SampleTable),
        ("Facets", FacetTree),
        ("Search box", SearchBar),
        ("Filter chips", FilterChips),
        ("Split / MEDINST32 toggles", Toggles),
        ("Task picker", TaskPickerScreen),
        ("Task info", TaskInfoScreen),
        ("Export dialog", ExportScreen),
        ("Overwrite question", OverwriteScreen),
        ("Stats", StatsScreen),
        ("Jump to row", JumpScreen),
        ("Playground", PlaygroundScreen),
        ("Batch", BatchScreen),
        ("Runs", RunsScreen),
        ("Run samples", RunResultsScreen),
        ("Export a run", ExportRunScreen),
        ("Compare runs", CompareScreen),
        ("Sample result", SampleResultScreen),
        ("Help", HelpScreen),
        ("First run", FirstRunScreen),
        ("Task not indexed", NotIndexedScreen),
    ]


def declared_bindings(cls: type[DOMNode]) -> list[Binding]:
    return [b for b in cls.__dict__.get("BINDINGS", []) if isinstance(b, Binding)]


def binding_rows(app: App[Any]) -> list[BindingRow]:
    keymap: dict[str, str] = dict(app._keymap)  # the keys in force (config overrides applied)
    rows: list[BindingRow] = []
    for section, cls in binding_sources():
        for binding in declared_bindings(cls):
            keys = keymap.get(binding.id or "", binding.key)
            shown = ", ".join(app.get_key_display(binding.with_key(k.strip())) for k in keys.split(","))
            rows.append(BindingRow(section, shown, binding.description or binding.action, binding.id or ""))
    return rows


def all_binding_ids() -> set[str]:
    return {b.id for _, cls in binding_sources() for b in declared_bindings(cls) if b.id}


class HelpScreen(ModalScreen[None]):
    CSS_PATH = "help.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,f1,question_mark", "close", "Close", id="help.close")
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            yield Static(id="help-body")

    def on_mount(self) -> None:
        box = self.query_one("#help")
        box.border_title = "Keys"
        box.border_subtitle = "esc to close · change keys in the config file (keymap: {id: key})"
        table = Table(expand=True, box=None, padding=(0, 2))
        table.add_column("where", style="dim", no_wrap=True)
        table.add_column("keys", style="bold", no_wrap=True)
        table.add_column("does")
        table.add_column("binding id", style="dim", no_wrap=True)
        section = ""
        for row in binding_rows(self.app):
            table.add_row(row.section if row.section != section else "", row.keys, row.description, row.id)
            section = row.section
        intro = Text(
            "Mouse works everywhere: click facets, chips, rows; scroll the table and the detail pane.\n"
            "ctrl+p opens the command palette (filters, tasks, export, themes, demo index).\n",
            Style(dim=True),
        )
        self.query_one("#help-body", Static).update(_group(intro, table))

    def action_close(self) -> None:
        self.dismiss(None)


def _group(intro: Text, table: Table) -> Table:
    outer = Table.grid()
    outer.add_row(intro)
    outer.add_row(table)
    return outer
