"""What both front ends need to run a model, in one place: a model spec (preset name, `.gguf` path or URL)
plus overrides resolved into a preset, the run defaults a preset gives, the user's presets and prompt
templates, and the pool of open backends a long-lived front end keeps warm.

`medinst run` / `eval` / `prompt` (cli/model_args.py) and the TUI's playground and batch
(tui/playground/settings.py) both call `resolve_model` and `run_defaults`, so a setting means the same in
both (tests/test_session.py checks the two front ends against each other).
"""

from __future__ import annotations

import contextlib
import dataclasses
import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from medinst_tui.backends.base import Backend
from medinst_tui.backends.presets import ModelPreset, backend_from_preset, load_presets, resolve_preset
from medinst_tui.fewshot.formats import BUILTIN_FORMATS, PromptFormat, load_user_formats
from medinst_tui.paths import response_cache_path, user_models_dir, user_templates_dir

if TYPE_CHECKING:
    from medinst_tui.backends.pool import ReplicaPool
    from medinst_tui.runs.engine import RunEngine
    from medinst_tui.runs.store import RunStore
    from medinst_tui.store.index import Index


@dataclass(frozen=True)
class ModelOverrides:
    """What a user may change on a preset for one session or run (None / empty: the preset's)."""

    base_url: str | None = None  # a named remote preset served at this URL
    endpoint_model: str | None = None  # the model name the endpoint serves
    api_key_env: str | None = None
    api: str | None = None  # "chat" | "completions"
    n_ctx: int | None = None
    n_threads: int | None = None
    max_concurrency: int | None = None

    def changes(self) -> dict[str, Any]:
        """The preset fields these overrides set."""
        fields = {
            "base_url": self.base_url,
            "model": self.endpoint_model,
            "api_key_env": self.api_key_env,
            "api": self.api,
            "n_ctx": self.n_ctx,
            "n_threads": self.n_threads,
            "max_concurrency": self.max_concurrency,
        }
        return {k: v for k, v in fields.items() if v}


def resolve_model(
    spec: str | None,
    overrides: ModelOverrides = ModelOverrides(),
    *,
    presets: Mapping[str, ModelPreset] | None = None,
    problems: list[str] | None = None,
) -> ModelPreset:
    """The preset `spec` names (None: the default preset) with `overrides` applied. Presets come from
    `presets`, else from the built-in and user presets (broken files go to `problems` when given).
    Raises PresetError."""
    user_dir = None if presets is not None else user_models_dir()
    preset = resolve_preset(spec, user_dir=user_dir, presets=presets, problems=problems)
    return apply_overrides(preset, overrides)


def apply_overrides(preset: ModelPreset, overrides: ModelOverrides) -> ModelPreset:
    changes = overrides.changes()
    return dataclasses.replace(preset, **changes) if changes else preset


@dataclass(frozen=True)
class RunDefaults:
    format: str
    max_tokens: int
    temperature: float
    seed: int | None


def run_defaults(
    preset: ModelPreset,
    *,
    format: str | None = None,
    max_tokens: int | None = None,
    temperature: float | None = None,
    seed: int | None = None,
) -> RunDefaults:
    """What a run with `preset` uses where the user set nothing (a set value wins, 0 included)."""
    sampling = preset.sampling
    return RunDefaults(
        format=format or preset.prompt_format,
        max_tokens=max_tokens if max_tokens is not None else sampling.max_tokens,
        temperature=temperature if temperature is not None else sampling.temperature,
        seed=seed if seed is not None else sampling.seed,
    )


# -- the user's presets and prompt templates ------------------------------------------------------------
def user_formats() -> dict[str, PromptFormat]:
    """The prompt templates in the user's config folder (raises ValueError / OSError on a broken one)."""
    return load_user_formats(user_templates_dir())


@dataclass(frozen=True)
class Choices:
    """What a model picker offers: presets, prompt formats, and the problems found loading them."""

    presets: dict[str, ModelPreset]
    formats: dict[str, PromptFormat]
    problems: tuple[str, ...] = ()

    @property
    def format_names(self) -> list[str]:
        return [*BUILTIN_FORMATS, *self.formats]


def load_choices() -> Choices:
    """Built-in and user presets and user prompt templates; broken files are reported, not fatal."""
    problems: list[str] = []
    presets = load_presets(user_models_dir(), errors=problems)
    try:
        formats = user_formats()
    except (ValueError, OSError) as exc:
        problems.append(str(exc))
        formats = {}
    return Choices(presets, formats, tuple(problems))


# -- engines ----------------------------------------------------------------------------------------------
@contextlib.contextmanager
def open_engine(
    index: Index,
    backend: Backend,
    *,
    store: RunStore | None = None,
    formats: Mapping[str, PromptFormat] | None = None,
    pool: ReplicaPool | None = None,
    cache: bool = True,
    engine_class: type[RunEngine] | None = None,
) -> Iterator[RunEngine]:
    """A batch engine on `index` and `backend` with the response cache (closed on the way out, whatever
    happens), the runs DB `store` (None: results are not stored) and the user's prompt templates."""
    from medinst_tui.runs.cache import ResponseCache
    from medinst_tui.runs.engine import RunEngine

    response_cache = ResponseCache(response_cache_path()) if cache else None
    try:
        yield (engine_class or RunEngine)(
            index,
            backend,
            store=store,
            cache=response_cache,
            user_formats=dict(user_formats() if formats is None else formats),
            pool=pool,
        )
    finally:
        if response_cache is not None:
            response_cache.close()


# -- open backends ----------------------------------------------------------------------------------------
@dataclass
class _Entry:
    backend: Backend
    users: int = 0


class ModelPool:
    """Backends by preset, the `keep` most recently used kept open (idle ones beyond that are closed)."""

    def __init__(self, keep: int = 2) -> None:
        self.keep = keep
        self._lock = threading.Lock()
        self._entries: OrderedDict[ModelPreset, _Entry] = OrderedDict()

    @contextlib.contextmanager
    def lease(self, preset: ModelPreset) -> Iterator[Backend]:
        """The backend for `preset` (built on first use; it loads lazily). Call from a worker thread."""
        with self._lock:
            entry = self._entries.get(preset)
            if entry is None:
                entry = self._entries[preset] = _Entry(backend_from_preset(preset))
            entry.users += 1
            self._entries.move_to_end(preset)
        try:
            yield entry.backend
        finally:
            with self._lock:
                entry.users -= 1
                victims = self._evict()
            for backend in victims:
                with contextlib.suppress(Exception):
                    backend.close()

    def is_loaded(self, preset: ModelPreset) -> bool:
        """Whether a send with `preset` finds its model in memory (a remote endpoint has nothing to load).
        Cheap: a lock and an attribute, safe on the UI thread."""
        with self._lock:
            entry = self._entries.get(preset)
        if entry is None:
            return preset.kind == "remote"
        return bool(getattr(entry.backend, "loaded", True))

    def _evict(self) -> list[Backend]:
        victims: list[Backend] = []
        for preset in list(self._entries):
            if len(self._entries) <= self.keep:
                break
            if self._entries[preset].users == 0:
                victims.append(self._entries.pop(preset).backend)
        return victims

    def close_all(self) -> None:
        with self._lock:
            entries = list(self._entries.values())
            self._entries.clear()
        for entry in entries:
            with contextlib.suppress(Exception):
                entry.backend.close()
