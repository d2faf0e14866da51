"""Forms behave as forms: Enter in a field submits (each screen says what submitting means), and Escape in
a field leaves the field, not the screen; a second Escape then does what the screen's Escape does."""

from __future__ import annotations

from typing import Any

from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Input, Select, TextArea

FIELDS = (Input, TextArea, Select)


def in_field(screen: Screen[Any]) -> bool:
    """Whether the focus is in a field the reader types into or chooses from."""
    focused = screen.focused
    return focused is not None and (
        isinstance(focused, FIELDS) or any(isinstance(a, Select) for a in focused.ancestors)
    )


def leave_field(screen: Screen[Any], target: Widget | None = None) -> bool:
    """Move the focus out of the field that has it: to `target` when it can take it, else nowhere (the
    screen's own keys then apply). True when the focus was in a field."""
    if not in_field(screen):
        return False
    if target is not None and target.focusable:
        target.focus()
    else:
        screen.set_focus(None)
    return True
