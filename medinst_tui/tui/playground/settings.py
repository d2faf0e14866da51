"""What the playground's settings panel holds, and how it becomes a model preset and a RunConfig.

The same resolution as `medinst run` (cli/run_cmds.make_backend): a preset name, a `.gguf` path or a URL,
with the endpoint model, key env var, context, threads and concurrency laid over it; empty fields take
the preset's own values. No Textual here: the panel edits a `PlaygroundSettings`, the workers resolve it.
"""

from __future__ import annotations

import codecs
import dataclasses
from dataclasses import dataclass
from typing import Any, Literal

from medinst_tui import session
from medinst_tui.backends.base import BackendInfo
from medinst_tui.backends.presets import ModelPreset
from medinst_tui.fewshot.shots import ShotMode, ShotSpec
from medinst_tui.runs.auto_tokens import AUTO
from medinst_tui.runs.engine import RunConfig
from medinst_tui.session import ModelOverrides
from medinst_tui.store.filters import Filter

SHOT_MODE_LABELS: dict[ShotMode, str] = {
    "history": "row history (MEDINST32)",
    "task": "k from the task (seeded)",
    "category": "k from the category, other tasks",
    "pinned": "pinned sample ids",
    "none": "zero-shot",
}


@dataclass(frozen=True)
class PlaygroundSettings:
    model: str = ""  # a preset name, a .gguf path or an http(s) URL; "" is the default preset
    endpoint_model: str = ""  # remote: the model to ask the server for
    api_key_env: str = ""  # remote: the env var holding the key (never the key itself)
    n_ctx: int | None = None  # local: context size (None: the preset's)
    n_threads: int | None = None  # local: CPU threads (None: the preset's)
    format: str = ""  # "" is the preset's prompt format
    shot_mode: ShotMode = "history"
    k: int = 2
    shot_seed: int = 0
    pinned: tuple[int, ...] = ()
    max_tokens: int | Literal["auto"] | None = None  # None: the preset's (the paper's 1024); auto_tokens.py
    temperature: float | None = None
    seed: int | None = None
    stop: tuple[str, ...] = ()
    use_cache: bool = True

    def shot_spec(self) -> ShotSpec:
        if self.shot_mode == "pinned":
            return ShotSpec("pinned", len(self.pinned), self.shot_seed, self.pinned)
        if self.shot_mode in ("task", "category"):
            return ShotSpec(self.shot_mode, self.k, self.shot_seed)
        return ShotSpec(self.shot_mode, 0, self.shot_seed)

    def model_key(self) -> tuple[Any, ...]:
        """The fields that pick the backend (a change means another model or endpoint)."""
        return (self.model, self.endpoint_model, self.api_key_env, self.n_ctx, self.n_threads)

    def prompt_key(self) -> tuple[Any, ...]:
        """The fields the prompt depends on (max_tokens too: context fitting leaves room for it)."""
        return (*self.model_key(), self.format, self.shot_spec(), self.max_tokens)


def overrides_of(settings: PlaygroundSettings, *, concurrency: int | None = None) -> ModelOverrides:
    """The settings' changes to the preset, as the CLI's model options give them."""
    return ModelOverrides(
        endpoint_model=settings.endpoint_model.strip() or None,
        api_key_env=settings.api_key_env.strip() or None,
        n_ctx=settings.n_ctx or None,
        n_threads=settings.n_threads or None,
        max_concurrency=concurrency or None,
    )


def resolve_model(
    settings: PlaygroundSettings, presets: dict[str, ModelPreset], *, concurrency: int | None = None
) -> ModelPreset:
    """The preset the settings name, with their overrides applied (raises PresetError): the session
    layer's `resolve_model`, the one `medinst run` calls."""
    overrides = overrides_of(settings, concurrency=concurrency)
    return session.resolve_model(settings.model.strip() or None, overrides, presets=presets)


def split_of(f: Filter) -> str | None:
    """The one split a batch over `f` runs (None: every split); a RunConfig holds one split at most."""
    if f.sources:
        raise ValueError("a batch cannot filter by source: remove the source chip first")
    if len(f.splits) > 1:
        raise ValueError(f"a batch runs one split (or all): the filter has {', '.join(f.splits)}")
    return f.splits[0] if f.splits else None


def run_config(
    settings: PlaygroundSettings,
    preset: ModelPreset,
    f: Filter | None = None,
    *,
    sample: int | None = None,
    sample_seed: int = 0,
    concurrency: int | None = None,
) -> RunConfig:
    """The RunConfig for one playground answer (no filter) or a batch over `f` (origin "tui")."""
    f = f or Filter()
    fixed = settings.max_tokens if isinstance(settings.max_tokens, int) else None
    defaults = session.run_defaults(
        preset,
        format=settings.format or None,
        max_tokens=fixed,
        temperature=settings.temperature,
        seed=settings.seed,
    )
    return RunConfig(
        tasks=f.tasks,
        categories=f.categories,
        split=split_of(f),
        search=f.search,
        medinst32=f.medinst32,
        sample=sample,
        sample_seed=sample_seed,
        shots=settings.shot_spec(),
        format=defaults.format,
        model=settings.model.strip() or preset.name,
        max_tokens=defaults.max_tokens,
        # `auto`: derived by the worker that has the model and the index (with_auto_cap), "auto" until then
        max_tokens_auto=AUTO if settings.max_tokens == AUTO else "",
        temperature=defaults.temperature,
        seed=defaults.seed,
        stop=settings.stop,
        # an endpoint without a number: 1 here (the TUI does not ask the server before a batch)
        concurrency=concurrency or preset.max_concurrency or 1,
        use_cache=settings.use_cache,
        origin="tui",
    )


def keep_auto_cap(config: RunConfig, derived: RunConfig) -> RunConfig:
    """`config` (just made from the settings) with the auto cap `derived` holds (the previewed prompt's)."""
    if config.max_tokens_auto != AUTO or not derived.max_tokens_auto:
        return config
    return dataclasses.replace(config, max_tokens=derived.max_tokens, max_tokens_auto=derived.max_tokens_auto)


def parse_stop(text: str) -> tuple[str, ...]:
    r"""Stop sequences typed as one line: comma-separated, with backslash escapes (`\n`, `\t`, `\,`)."""
    parts: list[str] = []
    current = ""
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text) and text[i + 1] == ",":
            current += ","
            i += 2
            continue
        if ch == ",":
            parts.append(current)
            current = ""
        else:
            current += ch
        i += 1
    parts.append(current)
    out = []
    for part in parts:
        part = part.strip()
        if part:
            # backslashreplace keeps non-ASCII text intact through the unicode_escape codec
            out.append(codecs.decode(part.encode("latin-1", "backslashreplace"), "unicode_escape"))
    return tuple(out)


def format_stop(stop: tuple[str, ...]) -> str:
    """The inverse of `parse_stop`, for showing stored settings in the panel."""
    shown = []
    for s in stop:
        escaped = "".join(
            c if c.isprintable() and c != "\\" else c.encode("unicode_escape").decode("ascii") for c in s
        ).replace(",", "\\,")
        shown.append(escaped)
    return ", ".join(shown)


def model_status(info: BackendInfo) -> str:
    """The playground's one-line model description, with how the prompt differs from the paper's."""
    ctx = f" · ctx {info.n_ctx:,}" if info.n_ctx else ""
    text = f"{info.model_label} · {info.kind}{ctx} · template {info.template_source}"
    if info.default_system_prompt is not None and info.system_prompt_sent:
        shown = info.default_system_prompt
        shown = shown if len(shown) <= 40 else shown[:40] + "…"
        text += f" · adds the system prompt {shown!r} (the paper sent none)"
    others = [what for what, _ in info.deviations if what != "system_prompt"]
    if others:
        text += " · deviates from the paper: " + ", ".join(others)
    return text
