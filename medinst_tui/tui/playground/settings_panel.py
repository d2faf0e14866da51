"""The playground's settings panel: model (preset, .gguf path or URL), prompt format, shots, sampling.

The panel edits a `PlaygroundSettings` and reports it (debounced while typing) with `Changed`; it never
loads anything itself. Empty number fields mean "the preset's value".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, cast

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

from medinst_tui.backends.presets import ModelPreset
from medinst_tui.fewshot.shots import SHOT_MODES, ShotMode
from medinst_tui.tui.css import css_beside
from medinst_tui.tui.playground.settings import SHOT_MODE_LABELS, PlaygroundSettings, format_stop, parse_stop

CUSTOM = "\x00custom"  # the model select's "a path or URL typed below" entry
MODEL_DEFAULT_FORMAT = ""
DEBOUNCE_S = 0.3


class SettingsError(ValueError):
    pass


def _int_field(value: str, name: str, *, minimum: int = 0) -> int | None:
    value = value.strip()
    if not value:
        return None
    try:
        number = int(value)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number") from None
    if number < minimum:
        raise SettingsError(f"{name} must be at least {minimum}")
    return number


def _field(label: str, widget: Input | Select[str], *, tooltip: str = "") -> Horizontal:
    row = Horizontal(Label(label), widget, classes="field")
    if tooltip:
        row.tooltip = tooltip
    return row


class SettingsPanel(VerticalScroll):
    DEFAULT_CSS = css_beside(__file__)

    @dataclass
    class Changed(Message):
        """The settings were edited (and are valid)."""

        settings: PlaygroundSettings

    @dataclass
    class ConnectionTestRequested(Message):
        settings: PlaygroundSettings

    def __init__(
        self,
        settings: PlaygroundSettings,
        presets: dict[str, ModelPreset],
        formats: list[str],
        default_preset: str,
        *,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.presets = presets
        self.formats = formats
        self.default_preset = default_preset
        self.initial = settings
        self.settings = settings  # the last valid settings reported
        self._debounce: Timer | None = None

    # -- layout ----------------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        s = self.initial
        model_options = [(f"{name} ({p.kind})", name) for name, p in sorted(self.presets.items())]
        model_options.append(("a .gguf path or URL …", CUSTOM))
        if s.model in self.presets:
            chosen = s.model
        elif s.model or self.default_preset not in self.presets:
            chosen = CUSTOM
        else:
            chosen = self.default_preset
        yield Static("Model", classes="group")
        yield Select(model_options, value=chosen, allow_blank=False, compact=True, id="model-preset")
        yield Input(
            "" if s.model in self.presets else s.model,
            placeholder=".gguf path or http(s)://host/v1",
            compact=True,
            id="model-custom",
        )
        yield _field("ctx", Input(_text(s.n_ctx), placeholder="preset", compact=True, id="n-ctx"))
        yield _field("threads", Input(_text(s.n_threads), placeholder="preset", compact=True, id="n-threads"))
        yield _field(
            "model",
            Input(s.endpoint_model, placeholder="server default", compact=True, id="endpoint-model"),
            tooltip="remote: the model name to ask the endpoint for",
        )
        yield _field(
            "key env",
            Input(s.api_key_env, placeholder="e.g. OPENAI_API_KEY", compact=True, id="api-key-env"),
            tooltip="remote: the environment variable holding the API key (the key itself is never stored)",
        )
        yield Button("Test connection", compact=True, id="test-connection")
        yield Static("", id="model-status")
        yield Static("Prompt", classes="group")
        format_options = [("model default", MODEL_DEFAULT_FORMAT)] + [(f, f) for f in self.formats]
        yield _field(
            "format",
            Select(
                format_options,
                value=s.format if s.format in self.formats else MODEL_DEFAULT_FORMAT,
                allow_blank=False,
                compact=True,
                id="format",
            ),
        )
        yield _field(
            "shots",
            Select(
                [(SHOT_MODE_LABELS[m], m) for m in SHOT_MODES],
                value=s.shot_mode,
                allow_blank=False,
                compact=True,
                id="shot-mode",
            ),
        )
        yield _field("k", Input(str(s.k), compact=True, id="shot-k", type="integer"))
        with Horizontal(classes="field"):
            yield Label("shot seed")
            yield Input(str(s.shot_seed), compact=True, id="shot-seed", type="integer")
            yield Button("↻", compact=True, id="reshuffle", tooltip="Reshuffle: the next seed (n)")
        yield _field(
            "pinned",
            Input(",".join(map(str, s.pinned)), placeholder="sample ids: 12,40", compact=True, id="pinned"),
        )
        yield Static("Sampling", classes="group")
        yield _field(
            "max tokens",
            Input(_text(s.max_tokens), placeholder="preset", compact=True, id="max-tokens"),
            tooltip="a number, or auto: a cap from the task's gold outputs (README: --max-tokens auto)",
        )
        yield _field(
            "temperature", Input(_text(s.temperature), placeholder="preset", compact=True, id="temperature")
        )
        yield _field("seed", Input(_text(s.seed), placeholder="none", compact=True, id="seed"))
        yield _field(
            "stop",
            Input(format_stop(s.stop), placeholder=r"e.g. \n\n, ###", compact=True, id="stop"),
            tooltip=r"comma-separated; \n is a newline, \, a comma",
        )
        yield Checkbox("use the response cache", s.use_cache, compact=True, id="use-cache")
        yield Static("", id="settings-error")

    def on_mount(self) -> None:
        self._show_model_fields()
        self._show_shot_fields()

    # -- reading the form ------------------------------------------------------------------------------
    def _value(self, selector: str) -> str:
        return self.query_one(selector, Input).value

    def read(self) -> PlaygroundSettings:
        """The settings the form shows (raises SettingsError for a value that cannot be used)."""
        preset = cast(str, self.query_one("#model-preset", Select).value)
        custom = self._value("#model-custom").strip()
        model = custom if preset == CUSTOM else preset
        if preset == CUSTOM and not custom:
            raise SettingsError("type a .gguf path or an http(s):// URL (or pick a preset)")
        temperature_text = self._value("#temperature").strip()
        try:
            temperature = float(temperature_text) if temperature_text else None
        except ValueError:
            raise SettingsError("temperature must be a number") from None
        if temperature is not None and temperature < 0:
            raise SettingsError("temperature must be 0 or more")
        pinned_text = self._value("#pinned").replace(" ", "")
        try:
            pinned = tuple(int(x) for x in pinned_text.split(",") if x)
        except ValueError:
            raise SettingsError("pinned ids are whole numbers separated by commas") from None
        mode = cast(ShotMode, self.query_one("#shot-mode", Select).value)
        if mode == "pinned" and not pinned:
            raise SettingsError("pinned shots: give the sample ids (as the browser shows them)")
        max_tokens_text = self._value("#max-tokens").strip()
        max_tokens: int | Literal["auto"] | None = (
            "auto"
            if max_tokens_text.lower() == "auto"
            else _int_field(max_tokens_text, "max tokens", minimum=1)
        )
        return PlaygroundSettings(
            model=model,
            endpoint_model=self._value("#endpoint-model").strip(),
            api_key_env=self._value("#api-key-env").strip(),
            n_ctx=_int_field(self._value("#n-ctx"), "ctx", minimum=16),
            n_threads=_int_field(self._value("#n-threads"), "threads", minimum=1),
            format=cast(str, self.query_one("#format", Select).value),
            shot_mode=mode,
            k=_int_field(self._value("#shot-k"), "k") or 0,
            shot_seed=_int_field(self._value("#shot-seed"), "shot seed") or 0,
            pinned=pinned,
            max_tokens=max_tokens,
            temperature=temperature,
            seed=_int_field(self._value("#seed"), "seed"),
            stop=parse_stop(self._value("#stop")),
            use_cache=self.query_one("#use-cache", Checkbox).value,
        )

    def commit(self) -> PlaygroundSettings | None:
        """Read the form now; report it when valid and changed. Returns the valid settings, if any."""
        if self._debounce is not None:
            self._debounce.stop()
            self._debounce = None
        error = self.query_one("#settings-error", Static)
        try:
            settings = self.read()
        except SettingsError as exc:
            error.update(str(exc))
            error.display = True
            return None
        error.display = False
        if settings != self.settings:
            self.settings = settings
            self.post_message(self.Changed(settings))
        return settings

    # -- events ----------------------------------------------------------------------------------------
    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        event.stop()
        if event.input.id == "model-custom":
            self._show_model_fields()
        if self._debounce is not None:
            self._debounce.stop()
        self._debounce = self.set_timer(DEBOUNCE_S, self.commit)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.commit()

    @on(Select.Changed)
    def _selected(self, event: Select.Changed) -> None:
        event.stop()
        self._show_model_fields()
        self._show_shot_fields()
        self.commit()

    @on(Checkbox.Changed)
    def _checked(self, event: Checkbox.Changed) -> None:
        event.stop()
        self.commit()

    @on(Button.Pressed, "#reshuffle")
    def _reshuffle_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.reshuffle()

    @on(Button.Pressed, "#test-connection")
    def _test_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.request_connection_test()

    def reshuffle(self) -> None:
        """The next shot seed: other seeded shots for task/category modes."""
        seed = self.query_one("#shot-seed", Input)
        try:
            seed.value = str(int(seed.value or "0") + 1)
        except ValueError:
            seed.value = "1"
        self.commit()

    def request_connection_test(self) -> None:
        settings = self.commit()
        if settings is not None:
            self.post_message(self.ConnectionTestRequested(settings))

    # -- showing what applies ----------------------------------------------------------------------------
    def _kind(self) -> str:
        preset = cast(str, self.query_one("#model-preset", Select).value)
        if preset == CUSTOM:
            url = self._value("#model-custom").strip().startswith(("http://", "https://"))
            return "remote" if url else "local"
        chosen = self.presets.get(preset)
        return chosen.kind if chosen else "local"

    def _show_model_fields(self) -> None:
        custom = self.query_one("#model-preset", Select).value == CUSTOM
        self.query_one("#model-custom").display = custom
        remote = self._kind() == "remote"
        for selector in ("#endpoint-model", "#api-key-env"):
            self._row(selector).display = remote
        self.query_one("#test-connection").display = remote
        for selector in ("#n-ctx", "#n-threads"):
            self._row(selector).display = not remote

    def _show_shot_fields(self) -> None:
        mode = self.query_one("#shot-mode", Select).value
        self._row("#shot-k").display = mode in ("task", "category")
        self._row("#shot-seed").display = mode in ("task", "category")
        self._row("#pinned").display = mode == "pinned"

    def _row(self, selector: str) -> Widget:
        """The labelled row holding the field `selector`."""
        parent = self.query_one(selector).parent
        assert isinstance(parent, Widget)
        return parent

    def show_model_status(self, text: str, *, error: bool = False) -> None:
        status = self.query_one("#model-status", Static)
        status.update(text)
        status.set_class(error, "-error")


def _text(value: object) -> str:
    return "" if value is None else str(value)
