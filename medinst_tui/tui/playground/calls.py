"""The playground's blocking calls, made from thread workers: building and editing a prompt, sending one
sample, a batch, a connection test. No Textual here; the screens own the workers and the messages.

The app's `PlaygroundSession` holds a `session.ModelPool`: a loaded model stays warm when the playground
closes and reopens, a batch shares the playground's; every use is a lease, taken in a worker thread,
because loading a model, `describe()`, `count_tokens()` and `render()` may block.
"""

from __future__ import annotations

import dataclasses
import threading
import weakref
from dataclasses import dataclass

from medinst_tui.backends.base import Backend, BackendError, BackendInfo
from medinst_tui.backends.presets import ModelPreset, backend_from_preset, check_available
from medinst_tui.fewshot.prompt import BuiltPrompt, FitReport
from medinst_tui.fewshot.prompt_edit import apply_edit
from medinst_tui.runs.auto_tokens import AUTO, with_auto_cap
from medinst_tui.runs.engine import RunConfig, RunEngine, RunOutcome
from medinst_tui.runs.records import SampleResult
from medinst_tui.runs.single import record_single_run
from medinst_tui.session import Choices, ModelPool, open_engine
from medinst_tui.store.filters import Filter
from medinst_tui.store.index import Row
from medinst_tui.tui.playground.buffers import BatchInbox, TokenBuffer
from medinst_tui.tui.playground.settings import PlaygroundSettings, resolve_model, run_config
from medinst_tui.tui.runs.runs_db import runs_db
from medinst_tui.tui.threads import IndexOpener
from medinst_tui.tui.workers import ReadableError


# -- models ------------------------------------------------------------------------------------------------
@dataclass
class PlaygroundSession:
    """What outlives one playground screen: the warm models and the last settings used."""

    models: ModelPool
    settings: PlaygroundSettings | None = None


_sessions: weakref.WeakKeyDictionary[object, PlaygroundSession] = weakref.WeakKeyDictionary()


def session_for(app: object) -> PlaygroundSession:
    """The app's session (its models are closed when the app object goes away)."""
    session = _sessions.get(app)
    if session is None:
        session = _sessions[app] = PlaygroundSession(ModelPool())
        weakref.finalize(app, session.models.close_all)
    return session


# -- prompts -----------------------------------------------------------------------------------------------
class PlaygroundError(ReadableError):
    """Something the user must fix (a missing model, a bad setting); the message says what."""


@dataclass(frozen=True)
class PromptPreview:
    row: Row
    settings: PlaygroundSettings
    preset: ModelPreset
    config: RunConfig
    info: BackendInfo
    built: BuiltPrompt
    rendered: str  # the text after the chat template (or the plain prompt)
    rendered_label: str


def _available(preset: ModelPreset) -> None:
    problem = check_available(preset)
    if problem:
        raise PlaygroundError(f"{preset.name}: {problem}")


def _render(backend: Backend, info: BackendInfo, built: BuiltPrompt) -> tuple[str, str]:
    if built.messages is None:
        return built.text or "", "plain text (no chat template)"
    try:
        rendered = backend.render(built.messages)
    except BackendError as exc:
        return f"(the chat template cannot render these messages: {exc})", info.template
    label = f"after the chat template: {info.template}"
    return rendered, label + ("" if info.exact_render else " (an approximation: the server applies its own)")


def build_preview(
    pool: ModelPool, open_index: IndexOpener, row: Row, settings: PlaygroundSettings, choices: Choices
) -> PromptPreview:
    """The exact prompt for `row` under `settings` (loads the model on first use: call from a worker)."""
    preset = resolve_model(settings, choices.presets)
    _available(preset)
    config = run_config(settings, preset)
    with pool.lease(preset) as backend:
        with open_index("playground-prompt") as index:
            if config.max_tokens_auto == AUTO:  # this row's task's cap (fitting leaves room for it)
                config = with_auto_cap(config, index, backend, Filter(tasks=(row.task,), splits=(row.split,)))
            engine = RunEngine(index, backend, user_formats=choices.formats)
            built = engine.prepare(row, config)
            info = engine.generate.info
        rendered, label = _render(backend, info, built)
    return PromptPreview(row, settings, preset, config, info, built, rendered, label)


def edit_preview(pool: ModelPool, preview: PromptPreview, text: str) -> PromptPreview:
    """`preview` with the user's edited prompt, its tokens counted again (raises ValueError)."""
    candidate = apply_edit(preview.built, text, preview.built.fit)
    with pool.lease(preview.preset) as backend:
        body = candidate.messages if candidate.messages is not None else candidate.text or ""
        count = backend.count_tokens(body)
        info = preview.info
        fit = FitReport(count, info.exact_token_counts, info.n_ctx, preview.config.max_tokens)
        built = dataclasses.replace(candidate, fit=fit)
        rendered, label = _render(backend, info, built)
    return dataclasses.replace(preview, built=built, rendered=rendered, rendered_label=label)


def send_one(
    pool: ModelPool,
    open_index: IndexOpener,
    preview: PromptPreview,
    config: RunConfig,
    buffer: TokenBuffer,
    cancel: threading.Event,
    choices: Choices,
) -> tuple[SampleResult, str]:
    """Generate, score and store one answer to the previewed prompt; returns the result and its run id."""
    with pool.lease(preview.preset) as backend, open_index("playground-send") as index:
        with open_engine(index, backend, formats=choices.formats) as engine:
            result = engine.run_one(
                preview.row, config, built=preview.built, on_token=buffer.add, cancel=cancel
            )
        info = engine.generate.info
    run_id = record_single_run(runs_db(), config, info, result, preview.row.category)
    return result, run_id


def run_batch(
    pool: ModelPool,
    open_index: IndexOpener,
    preset: ModelPreset,
    config: RunConfig,
    inbox: BatchInbox,
    cancel: threading.Event,
    choices: Choices,
) -> RunOutcome:
    """A batch through the same engine as `medinst run`, stored in the runs DB, results kept in it only."""
    _available(preset)
    with pool.lease(preset) as backend, open_index("playground-batch") as index:
        if config.max_tokens_auto == AUTO:
            config = with_auto_cap(config, index, backend)
        with open_engine(index, backend, store=runs_db(), formats=choices.formats) as engine:
            return engine.run(config, listener=inbox, cancel=cancel, keep_results=False)


def count_planned(open_index: IndexOpener, config: RunConfig) -> int:
    """How many rows a batch will run (the filter's count, or the sample size when smaller)."""
    with open_index("playground-plan") as index:
        total = index.count(config.filter())
    return min(total, config.sample) if config.sample is not None else total


def test_connection(preset: ModelPreset) -> list[str]:
    """The models a remote endpoint offers (GET /models); raises BackendError with a safe message."""
    if preset.kind != "remote":
        raise PlaygroundError(f"{preset.name} is a local model: there is no connection to test")
    from medinst_tui.backends.openai_remote import OpenAIRemoteBackend

    backend = backend_from_preset(preset)
    try:
        assert isinstance(backend, OpenAIRemoteBackend)
        return backend.list_models()
    finally:
        backend.close()
