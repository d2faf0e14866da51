"""The search box: `/` focuses it; typing searches after a pause, enter at once, escape leaves it.

The syntax (store/search.py): words (all must match), `hepat*` prefixes, `"a phrase"`, `input:` /
`output:` / `instruction:` scopes, `*fragment*` for text inside words (a scan, cancellable).
"""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Input

from medinst_tui.tui.css import css_beside
from medinst_tui.tui.messages import SearchSubmitted

DEBOUNCE_S = 0.35
PLACEHOLDER = '/ search: words  hepat*  "a phrase"  input:/output:/instruction:  *inside* (scans)'


class SearchBar(Input):
    DEFAULT_CSS = css_beside(__file__)
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "leave", "Back to the table", id="search.leave")
    ]

    class Left(Message):
        """Escape: the reader is done typing (the screen moves focus back to the table)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(placeholder=PLACEHOLDER, id=id)
        self._timer: Timer | None = None
        self._sent = ""

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(DEBOUNCE_S, self._submit)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._submit()
        self.post_message(self.Left())  # enter: search now and go read the results

    def _submit(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        text = self.value.strip()
        if text != self._sent:
            self._sent = text
            self.post_message(SearchSubmitted(text))

    def show(self, text: str) -> None:
        """Reflect the filter's search (a chip removed, a command run) without searching again."""
        self._sent = text
        if self.value.strip() != text:
            with self.prevent(Input.Changed):
                self.value = text

    def action_leave(self) -> None:
        self._submit()
        self.post_message(self.Left())
