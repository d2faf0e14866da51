"""Model backends: one protocol, a local llama-cpp-python backend and an OpenAI-compatible client.

Importing this package is cheap: llama_cpp and httpx load only when a backend is built.
"""

from __future__ import annotations

from medinst_tui.backends.base import (
    Backend,
    BackendError,
    BackendInfo,
    ChatMessage,
    Chunk,
    Completion,
    ErrorKind,
    FinishReason,
    GenerationRequest,
    Timings,
    Usage,
    collect,
)
from medinst_tui.backends.presets import (
    ModelPreset,
    PresetError,
    Sampling,
    backend_from_preset,
    check_available,
    default_preset,
    load_backend,
    load_presets,
    resolve_preset,
)

__all__ = [
    "Backend",
    "BackendError",
    "BackendInfo",
    "ChatMessage",
    "Chunk",
    "Completion",
    "ErrorKind",
    "FinishReason",
    "GenerationRequest",
    "ModelPreset",
    "PresetError",
    "Sampling",
    "Timings",
    "Usage",
    "backend_from_preset",
    "check_available",
    "collect",
    "default_preset",
    "load_backend",
    "load_presets",
    "resolve_preset",
]
