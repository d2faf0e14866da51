"""The playground's blocking work, called from thread workers: loading models, building prompts, sending
one sample, batches, the runs DB. No Textual here; the screens own the workers and the messages.

- The app's `PlaygroundSession` holds a `session.ModelPool`: a loaded model stays warm when the playground
  closes and reopens, a batch shares the playground's; every use is a lease, taken in a worker thread,
  because loading a model, `describe()`, `count_tokens()` and `render()` may block.
- `TokenBuffer` and `BatchInbox` are filled by the generation thread and drained by a UI timer: the
  screen redraws in batches (every ~50 ms), never once per token.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from medinst_tui.backends.base import Backend, BackendError, BackendInfo, RateMeter
from medinst_tui.backends.presets import ModelPreset, backend_from_preset, check_available
from medinst_tui.fewshot.prompt import BuiltPrompt, FitReport
from medinst_tui.fewshot.prompt_edit import apply_edit
from medinst_tui.paths import runs_db_path
from medinst_tui.runs.auto_tokens import AUTO, with_auto_cap
from medinst_tui.runs.engine import RunConfig, RunEngine, RunOutcome
from medinst_tui.runs.records import SampleResult, Summary
from medinst_tui.runs.single import record_single_run
from medinst_tui.runs.store import RunStore
from medinst_tui.session import Choices, ModelPool, open_engine
from medinst_tui.state import default_export_folder
from medinst_tui.store.filters import Filter
from medinst_tui.store.index import Index, Row
from medinst_tui.tui.playground.settings import PlaygroundSettings, resolve_model, run_config

T = TypeVar("T")
IndexOpener = Callable[[str], contextlib.AbstractContextManager[Index]]


# Model calls run on threads of their own, at the normal CPU priority, like `medinst run`'s. Textual's
# thread workers share the event loop's default executor, whose threads `Database.open` leaves at a lower
# priority (nice 10, and an unprivileged process cannot undo it): on a busy machine a batch on such a
# thread ran at half the CLI's speed. This pool's threads are started from the event loop's thread (the
# submit creates them), so they inherit its priority; llama.cpp leaves the UI a core by default anyway.
_generation_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


async def in_generation_thread(fn: Callable[[], T]) -> T:
    """Run `fn` on a generation thread (call from an async worker on the event loop)."""
    global _generation_pool
    with _pool_lock:
        if _generation_pool is None:
            _generation_pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="medinst-generate")
        pool = _generation_pool
    return await asyncio.get_running_loop().run_in_executor(pool, fn)


def direct_opener(path: Path) -> IndexOpener:
    """Index connections for generation threads, leaving the thread's CPU priority alone (`Database.open`
    lowers it)."""

    @contextlib.contextmanager
    def open_index(group: str) -> Iterator[Index]:
        index = Index(path)
        try:
            yield index
        finally:
            index.close()

    return open_index


# -- the runs database --------------------------------------------------------------------------------------
def runs_db() -> RunStore:
    return RunStore(runs_db_path())


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


# -- streaming buffers -------------------------------------------------------------------------------------
class TokenBuffer:
    """Text deltas from the generation thread, drained by the UI timer; timed by the backends' RateMeter
    (one definition of time to first token and decode rate)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._parts: list[str] = []
        self._meter = RateMeter(time.perf_counter)

    def add(self, text: str) -> None:
        with self._lock:
            self._parts.append(text)
            self._meter.token()  # a chunk is one token for both backends

    def drain(self) -> str:
        with self._lock:
            text = "".join(self._parts)
            self._parts.clear()
        return text

    @property
    def n_chunks(self) -> int:
        return self._meter.n

    @property
    def ttft_s(self) -> float | None:
        return self._meter.timings().ttft_s

    @property
    def tokens_per_s(self) -> float | None:
        return self._meter.timings().tokens_per_s


class BatchInbox:
    """A RunListener that queues what the engine reports, for the batch screen's timer to drain."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._finished: deque[SampleResult] = deque()
        self.summary: Summary = {}
        self.run_id: str | None = None
        self.total: int | None = None
        self.info: BackendInfo | None = None
        self.started = time.perf_counter()
        self.live_tokens = 0  # tokens streamed (sequential runs), finished or not

    def run_started(self, run_id: str, total: int, info: BackendInfo) -> None:
        with self._lock:
            self.run_id, self.total, self.info = run_id, total, info
            self.started = time.perf_counter()

    def token(self, seq: int, text: str) -> None:
        self.live_tokens += 1  # one writer thread: the sequential engine loop

    def sample_finished(self, result: SampleResult, summary: Summary) -> None:
        with self._lock:
            self._finished.append(result)
            self.summary = summary

    def drain(self) -> tuple[list[SampleResult], Summary]:
        with self._lock:
            out = list(self._finished)
            self._finished.clear()
            return out, self.summary


# -- prompts -----------------------------------------------------------------------------------------------
class PlaygroundError(Exception):
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


def default_export_path(run_id: str, folder: Path | None = None) -> Path:
    """Where a run's results go by default: the app's export folder (README, "The app")."""
    return (folder or default_export_folder()) / f"medinst-run-{run_id}.jsonl"
