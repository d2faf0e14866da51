"""The playground's words: the rate line, the model's name as typed, the sample header, error text, and
the settings remembered in the state file."""

from __future__ import annotations

from rich.style import Style
from rich.text import Text

from medinst_tui import catalog
from medinst_tui.backends.presets import PresetError
from medinst_tui.state import StateFile, restore, safe_model_fields
from medinst_tui.store.index import Row
from medinst_tui.tui.playground.calls import PlaygroundError
from medinst_tui.tui.playground.settings import PlaygroundSettings

IDLE_NOTE = "F5 sends"


def rate_note(n_tokens: int, tokens_per_s: float | None, ttft_s: float | None) -> str:
    parts = [f"{n_tokens} token{'s' if n_tokens != 1 else ''}"]
    if tokens_per_s is not None:
        parts.append(f"{tokens_per_s:.1f} tok/s")
    if ttft_s is not None:
        parts.append(f"TTFT {ttft_s:.2f} s")
    return " · ".join(parts)


def model_label(settings: PlaygroundSettings) -> str:
    """The model the settings name, as the reader typed it (a URL without its `user:key@`)."""
    return str(safe_model_fields({"model": settings.model.strip()})["model"]) or "the default preset"


def remembered_settings(state: StateFile) -> tuple[PlaygroundSettings | None, str | None]:
    """The playground settings the state file holds (None when it holds none), and a warning line naming
    the values it could not use."""
    raw = state.section("playground")
    if not raw:
        return None, None
    settings, ignored = restore(PlaygroundSettings, raw)
    warning = f"{state.path}: ignored playground {', '.join(ignored)} (wrong type)" if ignored else None
    return settings, warning


def error_text(exc: BaseException) -> str:
    text = str(exc)
    if isinstance(exc, PlaygroundError | PresetError | ValueError):
        return text
    return f"{type(exc).__name__}: {text}"


def sample_header(row: Row, family: str) -> Text:
    """`MedQA  test · #12 · QA · metric family em  MEDINST32`"""
    info = catalog.lookup(row.task)
    text = Text.assemble(
        (row.task, Style(bold=True)),
        f"  {row.split} · #{row.id} · {row.category} · metric family {family}",
    )
    if info is not None and info.in_medinst32:
        text.append("  MEDINST32", Style(color="cyan", bold=True))
    return text
