"""Jump to a row (ctrl+g): a row number of the current filter, 1-based. Enter jumps; Escape in the field
leaves it (tui/forms.py), a second one closes."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from medinst_tui.tui.forms import leave_field


def parse_row(text: str, total: int | None) -> int | str:
    """The row asked for (1-based), or why it cannot be used. Accepts 5000000, 5,000,000 and 5_000_000."""
    cleaned = text.strip().replace(",", "").replace("_", "")
    if not cleaned.isdigit():
        return "type a row number"
    row = int(cleaned)
    if row < 1:
        return "rows start at 1"
    if total is not None and row > total:
        return f"the filter has {total:,} rows"
    return row


class JumpScreen(ModalScreen[int | None]):
    CSS_PATH = "jump.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "close", "Close", id="jump.close")]

    def __init__(self, total: int | None) -> None:
        super().__init__()
        self.total = total

    def compose(self) -> ComposeResult:
        span = f"1 – {self.total:,}" if self.total is not None else "1 – …"
        with Vertical(id="jump"):
            yield Static(f"Jump to row ({span})", id="jump-title")
            yield Input(placeholder="row number", id="jump-input")
            yield Static("", id="jump-error")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        result = parse_row(event.value, self.total)
        if isinstance(result, str):
            self.query_one("#jump-error", Static).update(result)
            return
        self.dismiss(result)

    def action_close(self) -> None:
        if not leave_field(self):
            self.dismiss(None)
