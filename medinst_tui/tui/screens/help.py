"""The help screen (? or F1): every binding of the app, with the keys the keymap gives it and its id."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
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


def declaring_classes() -> list[tuple[str, type[DOMNode]]]:
    """Every class of the app that declares bindings, with its module's name, found by walking
    `medinst_tui.tui` (a new screen or widget is listed without being registered here)."""
    import medinst_tui.tui as package

    found: list[tuple[str, type[DOMNode]]] = []
    for info in pkgutil.walk_packages(package.__path__, prefix=f"{package.__name__}."):
        module = importlib.import_module(info.name)
        for obj in vars(module).values():
            ours = inspect.isclass(obj) and issubclass(obj, DOMNode) and obj.__module__ == module.__name__
            if ours and declared_bindings(obj):
                found.append((info.name, obj))
    return found


def binding_sources() -> list[tuple[str, type[DOMNode]]]:
    """declaring_classes() in the help screen's order: the app first, then feature by feature (its
    screen first), in module and source order.

    A section is named by the class's `HELP_SECTION` when it has one, else by its name ("RunResultsScreen"
    is "Run results")."""
    found: list[tuple[int, tuple[str, bool, str], int, type[DOMNode]]] = []
    for name, cls in declaring_classes():
        line = inspect.getsourcelines(cls)[1]  # reads the source: only the help screen needs the order
        feature, _, leaf = name.rpartition(".")
        # a feature's screen first, then its dialogs and widgets
        order = (feature, leaf != "screen", leaf)
        found.append((0 if issubclass(cls, App) else 1, order, line, cls))
    return [(section_name(cls), cls) for *_, cls in sorted(found, key=lambda f: f[:3])]


def section_name(cls: type[DOMNode]) -> str:
    named = cls.__dict__.get("HELP_SECTION")
    if isinstance(named, str):
        return named
    if issubclass(cls, App):
        return "Everywhere"
    words = re.findall(r"[A-Z][a-z0-9]*", cls.__name__.removesuffix("Screen"))
    return " ".join([words[0], *(w.lower() for w in words[1:])]) if words else cls.__name__


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
    return {b.id for _, cls in declaring_classes() for b in declared_bindings(cls) if b.id}


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
