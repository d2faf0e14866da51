"""The answer as it streams in: text appended in batches (the screen flushes every ~50 ms, never once per
token), kept scrolled to the bottom while the reader does not scroll away (Textual's anchor)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from medinst_tui.tui.css import css_beside

STATES = ("idle", "streaming", "done", "cancelled", "error")


class AnswerStream(VerticalScroll, can_focus=True):
    DEFAULT_CSS = css_beside(__file__)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._parts: list[str] = []
        self._text = ""
        self.state = "idle"
        self._stick = False

    def compose(self) -> ComposeResult:
        yield Static("", id="answer-body")

    @property
    def text(self) -> str:
        return self._text

    def start(self) -> None:
        """A new answer: empty, streaming, stuck to the bottom."""
        self._parts.clear()
        self._text = ""
        self.anchor(False)
        self.scroll_home(animate=False)
        self._stick = True
        self._show()
        self.set_state("streaming")

    def append(self, delta: str) -> None:
        if not delta:
            return
        self._parts.append(delta)
        self._text = "".join(self._parts)
        self._parts = [self._text]
        self._show()

    def set_text(self, text: str) -> None:
        """The final answer (what the engine returned; it replaces what streamed)."""
        self._parts = [text]
        self._text = text
        self._show()

    def set_state(self, state: str, note: str = "") -> None:
        assert state in STATES, state
        self.state = state
        for s in STATES:
            self.set_class(s == state, f"-{s}")
        self.border_subtitle = note

    def _show(self) -> None:
        self.query_one("#answer-body", Static).update(Text(self._text))
        if self._stick and not self.is_anchored:
            self.call_after_refresh(self._anchor_when_full)

    def _anchor_when_full(self) -> None:
        # Anchored, Textual pins content to the bottom even while it is shorter than the view: anchor
        # only once the answer fills it, from then on it follows the newest tokens.
        if self._stick and not self.is_anchored and self.max_scroll_y > 0:
            self.anchor()
