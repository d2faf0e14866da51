"""The exact prompt: the messages (shots labelled), the text after the chat template, the token count
against the context with what fitting dropped, and an editor (an edited prompt is marked as such)."""

from __future__ import annotations

from dataclasses import dataclass

from rich.style import Style
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Button, Static, TabbedContent, TabPane, TextArea

from medinst_tui.fewshot.prompt import BuiltPrompt, FitReport
from medinst_tui.fewshot.prompt_edit import to_edit_text
from medinst_tui.tui.css import css_beside
from medinst_tui.tui.playground.calls import PromptPreview

ROLE_STYLES = {
    "system": Style(color="magenta", bold=True),
    "user": Style(color="cyan", bold=True),
    "assistant": Style(color="green", bold=True),
}
TABS = ("prompt-messages", "prompt-rendered", "prompt-edit")


def message_labels(built: BuiltPrompt) -> list[str]:
    """A heading per message: which shot a turn belongs to (and where the shot came from), or the query."""
    assert built.messages is not None
    offset = 1 if built.messages and built.messages[0]["role"] == "system" else 0
    labels = []
    for i, message in enumerate(built.messages):
        role = message["role"]
        shot = (i - offset) // 2
        if i < offset:
            labels.append("system")
        elif shot < len(built.shots) and i < len(built.messages) - 1:
            origin = f"  ({built.shots[shot].origin})" if role == "user" else ""
            labels.append(f"shot {shot + 1} · {role}{origin}")
        else:
            labels.append(f"query · {role}")
    return labels


def messages_text(built: BuiltPrompt) -> Text:
    if built.messages is None:
        return Text.assemble(("plain prompt (one text, no chat turns)\n", Style(dim=True)), built.text or "")
    parts: list[Text] = []
    for label, message in zip(message_labels(built), built.messages, strict=True):
        style = ROLE_STYLES.get(message["role"], Style(bold=True))
        parts.append(Text.assemble(("▌ " + label, style)))
        parts.append(Text(message["content"]))
    return Text("\n").join(parts)


def fit_text(fit: FitReport, edited: bool, auto: str = "") -> Text:
    """`1057 prompt tokens + 32 new / 4096 ctx (27%)` with what was dropped, the edited mark, and how an
    `auto` max tokens was derived (`auto`: RunConfig.max_tokens_auto)."""
    text = Text()
    if edited:
        text.append(" EDITED ", Style(bgcolor="dark_orange3", color="black", bold=True))
        text.append(" ")
    count = f"{fit.prompt_tokens:,}{'' if fit.exact else ' (estimate)'}"
    text.append(count, Style(bold=True))
    text.append(" prompt tokens")
    new = f" + {fit.max_tokens:,} new{' (auto)' if auto else ''}"
    if fit.n_ctx:
        used = (fit.prompt_tokens + fit.max_tokens) / fit.n_ctx
        text.append(f"{new} / {fit.n_ctx:,} ctx ")
        text.append(f"({used:.0%})", Style(color="red" if used > 1 else "green" if used < 0.8 else "yellow"))
    else:
        text.append(f"{new} (context size unknown)")
    if auto:
        text.append(f"\nmax tokens {auto}", Style(dim=True))
    if fit.dropped_shots:
        dropped = f"\nfitting dropped {len(fit.dropped_shots)} shot(s): {', '.join(fit.dropped_shots)}"
        text.append(dropped, Style(color="yellow"))
    if fit.input_chars_cut:
        cut = f"\nfitting cut {fit.input_chars_cut:,} chars from the end of the input"
        text.append(cut, Style(color="yellow"))
    return text


class PromptView(Vertical):
    DEFAULT_CSS = css_beside(__file__)

    @dataclass
    class Edited(Message):
        """The reader asked to send the edited prompt text instead of the built one."""

        text: str

    class EditReset(Message):
        """The reader threw the edit away: build the prompt from the settings again."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.preview: PromptPreview | None = None
        self.plain_messages = ""  # what the Messages tab shows, as plain text (tests, copy)

    def compose(self) -> ComposeResult:
        yield Static("building the prompt …", id="prompt-fit")
        with TabbedContent(id="prompt-tabs"):
            with (
                TabPane("Messages", id="prompt-messages"),
                VerticalScroll(id="prompt-messages-scroll", can_focus=True),
            ):
                yield Static(id="prompt-messages-body")
            with (
                TabPane("Rendered", id="prompt-rendered"),
                VerticalScroll(id="prompt-rendered-scroll", can_focus=True),
            ):
                yield Static(id="prompt-rendered-label")
                yield Static(id="prompt-rendered-body")
            with TabPane("Edit", id="prompt-edit"):
                yield TextArea(id="prompt-editor", soft_wrap=True, show_line_numbers=False)
                with Horizontal(id="prompt-edit-buttons"):
                    yield Button("Use edited prompt", variant="primary", compact=True, id="use-edit")
                    yield Button("Reset", compact=True, id="reset-edit")

    def show(self, preview: PromptPreview) -> None:
        self.preview = preview
        built = preview.built
        self.query_one("#prompt-fit", Static).update(
            fit_text(built.fit, built.edited, preview.config.max_tokens_auto)
        )
        self.set_class(built.edited, "-edited")
        body = messages_text(built)
        self.plain_messages = body.plain
        self.query_one("#prompt-messages-body", Static).update(body)
        self.query_one("#prompt-rendered-label", Static).update(Text(preview.rendered_label, Style(dim=True)))
        self.query_one("#prompt-rendered-body", Static).update(Text(preview.rendered))
        if not built.edited:
            self.query_one("#prompt-editor", TextArea).load_text(to_edit_text(built))
        kind = "chat messages" if built.messages is not None else "plain text"
        shots = f"{preview.config.shots.describe()} ({len(built.shots)})"
        self.query_one(
            "#prompt-tabs", TabbedContent
        ).border_subtitle = f"{preview.config.format} · {kind} · shots: {shots}"

    def show_status(self, text: str, *, error: bool = False) -> None:
        fit = self.query_one("#prompt-fit", Static)
        fit.update(Text(text, Style(color="red") if error else Style(dim=True)))

    def show_tab(self, tab: str) -> None:
        self.query_one("#prompt-tabs", TabbedContent).active = tab

    def next_tab(self) -> None:
        tabs = self.query_one("#prompt-tabs", TabbedContent)
        current = tabs.active if tabs.active in TABS else TABS[0]
        tabs.active = TABS[(TABS.index(current) + 1) % 2]  # messages <-> rendered

    def edit(self) -> None:
        self.show_tab("prompt-edit")
        self.query_one("#prompt-editor", TextArea).focus()

    @property
    def editor_text(self) -> str:
        return self.query_one("#prompt-editor", TextArea).text

    @on(Button.Pressed, "#use-edit")
    def _use_edit(self, event: Button.Pressed) -> None:
        event.stop()
        self.post_message(self.Edited(self.editor_text))

    @on(Button.Pressed, "#reset-edit")
    def _reset_edit(self, event: Button.Pressed) -> None:
        event.stop()
        self.post_message(self.EditReset())
