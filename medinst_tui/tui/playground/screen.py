"""The few-shot playground on one sample: settings (left), the exact prompt (centre), the answer streaming
in with its gold output and live score (right).

Every model call runs in a thread worker (prompt building and token counting load the model on first
use). Tokens land in a TokenBuffer that a 50 ms timer drains into the answer, so the screen redraws in
batches; the live score is computed in its own worker every ~250 ms while tokens arrive, and once more on
the final text. Escape cancels: the partial answer stays, marked cancelled (with nothing running, Escape
in a field leaves the field, then the screen). Each answer is stored as a one-sample run (the runs screen
and `medinst runs` list it).

The settings are remembered across restarts (state.py: model, URL, the key's variable name, format, shots,
sampling); the answer on screen always belongs to the prompt on screen (a changed prompt clears it). Below
100 columns the prompt and the answer stack beside the settings (`-narrow`).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Button, Static

from medinst_tui.backends.presets import PresetError, default_preset
from medinst_tui.runs.records import SampleResult
from medinst_tui.scoring.live import row_family
from medinst_tui.session import Choices, load_choices
from medinst_tui.state import StateFile, safe_model_fields, state_for, to_json
from medinst_tui.store.filters import Filter
from medinst_tui.store.index import Row
from medinst_tui.tui.database import Database
from medinst_tui.tui.footer import KeyFooter
from medinst_tui.tui.formats import render_output
from medinst_tui.tui.forms import leave_field
from medinst_tui.tui.playground.answer_stream import AnswerStream
from medinst_tui.tui.playground.buffers import TokenBuffer
from medinst_tui.tui.playground.calls import (
    PromptPreview,
    build_preview,
    edit_preview,
    test_connection,
)
from medinst_tui.tui.playground.prompt_view import PromptView
from medinst_tui.tui.playground.score_panel import ScorePanel
from medinst_tui.tui.playground.settings import (
    PlaygroundSettings,
    keep_auto_cap,
    model_status,
    resolve_model,
    run_config,
)
from medinst_tui.tui.playground.settings_panel import SettingsPanel
from medinst_tui.tui.playground.streaming import FLUSH_S, Streaming
from medinst_tui.tui.playground.texts import (
    IDLE_NOTE,
    error_text,
    model_label,
    remembered_settings,
    sample_header,
)

NARROW_BELOW = 100  # columns: below, the prompt and the answer stack


class PlaygroundScreen(Streaming):
    CSS_PATH = "playground.tcss"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (NARROW_BELOW, "-wide")]  # noqa: RUF012 (Textual's own)
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f5,ctrl+j", "send", "Send", id="playground.send"),
        Binding("escape", "cancel_or_close", "Cancel / back", id="playground.cancel"),
        Binding("b", "batch", "Batch…", id="playground.batch"),
        Binding("n", "reshuffle", "Reshuffle shots", id="playground.reshuffle"),
        Binding("e", "edit_prompt", "Edit prompt", id="playground.edit"),
        Binding("v", "toggle_prompt_view", "Messages/rendered", id="playground.toggle_view"),
        Binding("ctrl+r", "runs", "Runs", id="playground.runs"),
        Binding("t", "test_connection", "Test connection", show=False, id="playground.test_connection"),
    ]

    @dataclass
    class PromptBuilt(Message):
        request: int
        preview: PromptPreview

    @dataclass
    class PromptFailed(Message):
        request: int
        error: str

    @dataclass
    class ConnectionTested(Message):
        text: str
        ok: bool

    def __init__(
        self,
        db: Database,
        row: Row,
        row_filter: Filter | None = None,
        *,
        settings: PlaygroundSettings | None = None,
        choices: Choices | None = None,
        state: StateFile | None = None,
    ) -> None:
        super().__init__()
        self._state = state
        self.db = db
        self.row = row
        self.row_filter = row_filter or Filter(tasks=(row.task,), splits=(row.split,))
        self.choices = choices or load_choices()
        self._given_settings = settings
        self.family = row_family(row.task, row.category, row.output)
        self.preview: PromptPreview | None = None
        self.last_result: SampleResult | None = None
        self.last_run_id: str | None = None
        # prompt requests: a newer one supersedes the older (its answer is dropped)
        self._prompt_request = 0
        self._prompt_settings: PlaygroundSettings | None = None
        # A send waiting for its prompt: the number of the one prompt request it waits for. Any other
        # request (changed settings, an edit) or a failed build drops it: nothing is sent without F5.
        self._send_pending: int | None = None
        self._prompt_failed = False  # the latest prompt request failed (a send must build it again)
        # the generation in flight
        self.generation = 0
        self.generating = False
        self._cancel = threading.Event()
        self._buffer = TokenBuffer()
        self._flush_timer: Timer | None = None
        self._last_score_at = 0.0
        self._final_shown = -1
        self._sent: PromptPreview | None = None  # the prompt of the answer on screen (None: no answer)
        self._state_warnings: list[str] = []

    @property
    def state(self) -> StateFile:
        if self._state is None:
            self._state = state_for(self.app)
        return self._state

    # -- layout ----------------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        self.initial_settings = self._given_settings or self.session.settings or self._remembered()
        try:
            default = default_preset(self.choices.presets).name
        except PresetError:
            default = ""
        with Horizontal(id="pg-body"):
            yield SettingsPanel(
                self.initial_settings,
                self.choices.presets,
                self.choices.format_names,
                default,
                id="pg-settings",
            )
            with Horizontal(id="pg-main"):  # stacked when narrow (playground.tcss)
                with Vertical(id="pg-centre"):
                    yield Static(sample_header(self.row, self.family), id="pg-sample")
                    yield PromptView(id="pg-prompt")
                with Vertical(id="pg-right"):
                    yield AnswerStream(id="pg-answer")
                    with Horizontal(id="pg-actions"):
                        yield Button("Send F5", variant="primary", compact=True, id="pg-send")
                        yield Button("Cancel esc", compact=True, id="pg-cancel")
                        yield Button("Batch b", compact=True, id="pg-batch")
                    with Vertical(id="pg-facts"):  # side by side when narrow
                        with VerticalScroll(id="pg-gold"):
                            yield Static(render_output(self.row.output, self.row.category), id="pg-gold-body")
                        yield ScorePanel(id="pg-score")
        yield KeyFooter()

    def _remembered(self) -> PlaygroundSettings:
        """What the reader set last time (state.py), else the defaults."""
        warning = self.state.take_warning()
        settings, ignored = remembered_settings(self.state)
        self._state_warnings = [w for w in (warning, ignored) if w]
        return settings or PlaygroundSettings()

    def on_mount(self) -> None:
        self.query_one("#pg-settings").border_title = "Settings"
        self.query_one("#pg-prompt").border_title = "Exact prompt"
        answer = self.query_one(AnswerStream)
        answer.border_title = "Answer"
        answer.border_subtitle = IDLE_NOTE
        self.query_one("#pg-gold").border_title = "Gold output"
        self.query_one(ScorePanel).border_title = "Score"
        self.query_one(ScorePanel).clear(f"{self.family} family: scores appear as the answer streams")
        for problem in self.choices.problems:
            self.notify(problem, title="Presets / templates", severity="warning", timeout=10)
        for problem in self._state_warnings:
            self.notify(problem, title="Remembered settings", severity="warning", timeout=10)
        self.query_one("#prompt-messages-scroll").focus()
        self._request_prompt(self.initial_settings)

    @property
    def settings_panel(self) -> SettingsPanel:
        return self.query_one(SettingsPanel)

    @property
    def prompt_view(self) -> PromptView:
        return self.query_one(PromptView)

    # -- the prompt ------------------------------------------------------------------------------------
    def _request_prompt(self, settings: PlaygroundSettings) -> None:
        self.session.settings = settings
        loading = self._prompt_settings is None or self._prompt_settings.model_key() != settings.model_key()
        self._prompt_settings = settings
        self._prompt_request += 1
        self._send_pending = None
        self._prompt_failed = False
        status = "loading the model and building the prompt …" if loading else "building …"
        self.prompt_view.show_status(status)
        if loading:
            self.settings_panel.show_model_status(f"loading {model_label(settings)} …")
        self._clear_answer("loading model …" if loading else IDLE_NOTE)
        self._build_prompt(self._prompt_request, settings)

    def _clear_answer(self, note: str = IDLE_NOTE) -> None:
        """The prompt changed: the answer and the score on screen belonged to the old one. (A streaming
        answer stays; it is marked when it ends.)"""
        if self.generating:
            return
        self._sent = None
        self.answer.set_text("")
        self.answer.set_state("idle", note)
        self.answer.border_title = "Answer"
        self.score_panel.clear(f"{self.family} family: scores appear as the answer streams")

    def _loading_done(self) -> None:
        """The model is loaded (or failed): the idle answer pane stops saying it is loading."""
        if not self.generating and self.answer.state == "idle" and self._send_pending is None:
            self.answer.set_state("idle", IDLE_NOTE)

    def _show_model(self, preview: PromptPreview) -> None:
        self.settings_panel.show_model_status(model_status(preview.info))

    @work(thread=True, exclusive=True, group="pg-prompt", exit_on_error=False)
    def _build_prompt(self, request: int, settings: PlaygroundSettings) -> None:
        try:
            preview = build_preview(self.session.models, self.db.open, self.row, settings, self.choices)
        except Exception as exc:  # every failure is the reader's to see, as a message: never a traceback
            self.post_message(self.PromptFailed(request, error_text(exc)))
            return
        self.post_message(self.PromptBuilt(request, preview))

    @work(thread=True, exclusive=True, group="pg-prompt", exit_on_error=False)
    def _edit_prompt(self, request: int, preview: PromptPreview, text: str) -> None:
        try:
            edited = edit_preview(self.session.models, preview, text)
        except Exception as exc:
            self.post_message(self.PromptFailed(request, error_text(exc)))
            return
        self.post_message(self.PromptBuilt(request, edited))

    def on_playground_screen_prompt_built(self, message: PromptBuilt) -> None:
        if message.request != self._prompt_request:
            return
        preview = message.preview
        self.preview = preview
        self.prompt_view.show(preview)
        self._show_model(preview)
        self._loading_done()
        if self._send_pending == message.request:
            self._send_pending = None
            self.action_send()

    def on_playground_screen_prompt_failed(self, message: PromptFailed) -> None:
        if message.request != self._prompt_request:
            return
        pending = self._send_pending is not None
        self._send_pending = None
        self._prompt_failed = True
        self.prompt_view.show_status(message.error, error=True)
        failed = self._prompt_settings
        shown = self.preview.settings if self.preview is not None else None
        if failed is not None and (shown is None or shown.model_key() != failed.model_key()):
            # the model itself failed (or one never loaded): its description says so, not the last one's
            self.settings_panel.show_model_status(f"{model_label(failed)}: {message.error}", error=True)
        if pending and not self.generating:
            self.answer.set_state("error", "not sent: the prompt could not be built")
        else:
            self._loading_done()
        self.notify(message.error, title="Prompt", severity="error", timeout=10)

    @on(SettingsPanel.Changed)
    def _settings_changed(self, message: SettingsPanel.Changed) -> None:
        settings = message.settings
        self.session.settings = settings
        self._remember(settings)
        latest = self._prompt_settings
        if latest is not None and latest.prompt_key() == settings.prompt_key() and not self._prompt_failed:
            return  # already asked for (a send did, and waits for it)
        preview = self.preview
        if preview is not None and preview.settings.prompt_key() == settings.prompt_key():
            # back to the prompt on screen after another was asked for (or failed): show it again, and
            # drop the other build's answer when it comes
            self._prompt_request += 1
            self._prompt_settings = preview.settings
            self._send_pending = None
            self._prompt_failed = False
            self.prompt_view.show(preview)
            self._show_model(preview)
            self._loading_done()
            return
        if preview is not None and preview.built.edited:
            self.notify("the settings changed: the edited prompt was replaced", severity="warning")
        self._request_prompt(settings)

    def _remember(self, settings: PlaygroundSettings) -> None:
        """The settings the reader set are the next playground's (state.py; never the key itself)."""
        problem = self.state.remember("playground", safe_model_fields(to_json(settings)))
        if problem:
            self.notify(problem, title="Remembered settings", severity="warning")

    @on(PromptView.Edited)
    def _prompt_edited(self, message: PromptView.Edited) -> None:
        if self.preview is None:
            self.notify("the prompt is not built yet", severity="warning")
            return
        self._prompt_request += 1
        self._send_pending = None
        self._prompt_failed = False
        self.prompt_view.show_status("counting the edited prompt's tokens …")
        self._clear_answer()
        self._edit_prompt(self._prompt_request, self.preview, message.text)

    @on(PromptView.EditReset)
    def _prompt_reset(self) -> None:
        self._request_prompt(self.settings_panel.settings)

    # -- sending ---------------------------------------------------------------------------------------
    def action_send(self) -> None:
        if self.generating:
            self.notify("an answer is still streaming (esc cancels it)", severity="warning")
            return
        settings = self.settings_panel.commit()
        if settings is None:
            self.notify("fix the settings first", severity="error")
            return
        preview = self.preview
        if preview is None or preview.settings.prompt_key() != settings.prompt_key():
            building = (
                self._prompt_settings is not None
                and self._prompt_settings.prompt_key() == settings.prompt_key()
                and not self._prompt_failed
            )
            if not building:  # other settings, or their build failed: build again (this send waits)
                self._request_prompt(settings)
            self._send_pending = self._prompt_request  # sent when exactly this prompt is built
            if not self.generating:
                loading = preview is None or preview.settings.model_key() != settings.model_key()
                waiting = "loading model …" if loading else "building the prompt …"
                self.answer.set_state("idle", waiting + " (then it is sent)")
            return
        try:
            config = keep_auto_cap(run_config(settings, preview.preset), preview.config)
        except ValueError as exc:
            self.notify(str(exc), severity="error")
            return
        loaded = self.session.models.is_loaded(preview.preset)
        self.generation += 1
        self.generating = True
        self._sent = preview
        self._cancel = threading.Event()
        self._buffer = TokenBuffer()
        self._last_score_at = time.perf_counter()
        self.answer.start()
        # until the first token: what the wait is (never "streaming · 0 tokens")
        if not loaded:
            self.answer.set_state("streaming", "loading model …")
        elif preview.preset.kind == "remote":
            self.answer.set_state("streaming", "waiting for the server's first token …")
        else:
            self.answer.set_state("streaming", "reading the prompt (first token next) …")
        self.answer.border_title = "Answer" + (" (edited prompt)" if preview.built.edited else "")
        self.score_panel.clear("scoring as tokens arrive …")
        self._flush_timer = self.set_interval(FLUSH_S, self._flush, name="playground-flush")
        self._send(self.generation, preview, config, self._buffer, self._cancel)

    def action_cancel_or_close(self) -> None:
        if self.generating:
            self._cancel.set()
            self.answer.set_state("streaming", "cancelling …")
            return
        if leave_field(self, self.query_one("#prompt-messages-scroll")):
            return
        self.app.pop_screen()

    def on_unmount(self) -> None:
        self._cancel.set()  # a generation still running stops at its next token

    # -- other actions ---------------------------------------------------------------------------------
    @on(Button.Pressed, "#pg-send")
    def _send_pressed(self) -> None:
        self.action_send()

    @on(Button.Pressed, "#pg-cancel")
    def _cancel_pressed(self) -> None:
        if self.generating:
            self.action_cancel_or_close()

    @on(Button.Pressed, "#pg-batch")
    def _batch_pressed(self) -> None:
        self.action_batch()

    def action_reshuffle(self) -> None:
        self.settings_panel.reshuffle()

    def action_edit_prompt(self) -> None:
        self.prompt_view.edit()

    def action_toggle_prompt_view(self) -> None:
        self.prompt_view.next_tab()

    def action_test_connection(self) -> None:
        self.settings_panel.request_connection_test()

    @on(SettingsPanel.ConnectionTestRequested)
    def _test_requested(self, message: SettingsPanel.ConnectionTestRequested) -> None:
        self.settings_panel.show_model_status("connecting …")
        self._test_connection(message.settings)

    @work(thread=True, exclusive=True, group="pg-connection", exit_on_error=False)
    def _test_connection(self, settings: PlaygroundSettings) -> None:
        try:
            models = test_connection(resolve_model(settings, self.choices.presets))
        except Exception as exc:
            self.post_message(self.ConnectionTested(error_text(exc), ok=False))
            return
        listed = ", ".join(models[:8]) + (f" … (+{len(models) - 8})" if len(models) > 8 else "")
        text = f"connected: {len(models)} model(s): {listed or 'none listed'}"
        self.post_message(self.ConnectionTested(text, ok=True))

    def on_playground_screen_connection_tested(self, message: ConnectionTested) -> None:
        self.settings_panel.show_model_status(message.text, error=not message.ok)
        self.notify(message.text, title="Connection", severity="information" if message.ok else "error")

    def action_batch(self) -> None:
        from medinst_tui.tui.playground.batch import BatchScreen

        settings = self.settings_panel.commit()
        if settings is None:
            self.notify("fix the settings first", severity="error")
            return
        self.app.push_screen(
            BatchScreen(self.db, self.row_filter, settings, choices=self.choices, state=self.state)
        )

    def action_runs(self) -> None:
        from medinst_tui.tui.runs.screen import RunsScreen

        self.app.push_screen(RunsScreen())
