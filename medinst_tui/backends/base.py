"""The model backend protocol and the values that cross it (requests, stream chunks, errors).

Nothing here imports llama_cpp or httpx: the TUI, the CLI and the batch engine depend on this module
only, and pick a concrete backend through ``presets.load_backend``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal, Protocol, TypedDict, runtime_checkable


class ChatMessage(TypedDict):
    role: str  # "system" | "user" | "assistant"
    content: str


FinishReason = Literal["stop", "length"]
BackendKind = Literal["local", "remote"]

# What the paper's evaluation.py sent per row (chat.completions.create(model, messages, max_tokens=1024,
# temperature=0), non-streaming); a streamed request adds only STREAM_FIELDS. See the README's
# "Few-shot runs and scoring".
PAPER_REQUEST_FIELDS = ("model", "messages", "max_tokens", "temperature")
STREAM_FIELDS = ("stream", "stream_options")


class ErrorKind(StrEnum):
    AUTH = "auth"
    BAD_REQUEST = "bad_request"
    CONTEXT_OVERFLOW = "context_overflow"
    RATE_LIMITED = "rate_limited"
    SERVER = "server"
    CONNECTION = "connection"
    TIMEOUT = "timeout"
    CANCELLED = "cancelled"
    CONFIG = "config"  # the preset or the model cannot serve this request (no chat template, no file)


def redact(text: str, secrets: Iterable[str | None]) -> str:
    """Replace every non-empty secret in ``text`` with ``***``."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


class BackendError(Exception):
    """Every failure a backend reports. ``str(err)`` is safe to show: it never holds an API key."""

    def __init__(
        self,
        kind: ErrorKind,
        message: str,
        *,
        status: int | None = None,
        attempts: int = 1,
        partial: Completion | None = None,
        secrets: Iterable[str | None] = (),
    ) -> None:
        self.kind = kind
        self.message = redact(message, secrets)
        self.status = status
        self.attempts = attempts
        # What was generated before a cancel or a mid-stream failure (text, token counts, timings).
        self.partial = partial
        super().__init__(self.message)

    @property
    def retryable(self) -> bool:
        return self.kind in (ErrorKind.RATE_LIMITED, ErrorKind.SERVER, ErrorKind.CONNECTION)

    def __str__(self) -> str:
        return f"{self.kind.value}: {self.message}"

    def __repr__(self) -> str:
        return f"BackendError({self.kind.value!r}, {self.message!r}, status={self.status})"


@dataclass(frozen=True)
class GenerationRequest:
    """One generation. Give ``messages`` (chat formats) or ``prompt`` (plain text), not both.

    ``cancel`` is checked between tokens (and between retries): set it from any thread to stop early;
    the backend then raises ``BackendError(CANCELLED)`` with the partial result attached.
    """

    messages: Sequence[ChatMessage] | None = None
    prompt: str | None = None
    max_tokens: int = 1024
    temperature: float = 0.0
    top_p: float | None = None  # None: not sent (the paper sent none); a local model samples with 1.0
    seed: int | None = None
    stop: tuple[str, ...] = ()
    cancel: threading.Event | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if (self.messages is None) == (self.prompt is None):
            raise ValueError("GenerationRequest needs exactly one of messages or prompt")
        if self.max_tokens < 1:
            raise ValueError("max_tokens must be at least 1")

    @property
    def cancelled(self) -> bool:
        return self.cancel is not None and self.cancel.is_set()


@dataclass(frozen=True)
class Usage:
    prompt_tokens: int
    completion_tokens: int
    exact: bool  # False: estimated (a remote server that did not report usage)
    cached_prompt_tokens: int = 0  # prompt tokens reused from a KV / prefix cache
    cache_reported: bool = False  # the server said how many were cached (else 0 means "unknown")

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass(frozen=True)
class Timings:
    ttft_s: float | None  # request start to first generated token (None: no token came)
    total_s: float
    tokens_per_s: float | None  # decode rate after the first token (None: fewer than 2 tokens)


@dataclass(frozen=True)
class Chunk:
    """A stream item: a text delta, or (the last item, ``final`` true) the outcome."""

    text: str = ""
    finish_reason: FinishReason | None = None
    usage: Usage | None = None
    timings: Timings | None = None

    @property
    def final(self) -> bool:
        return self.finish_reason is not None


@dataclass(frozen=True)
class Completion:
    text: str
    finish_reason: FinishReason | None  # None only on a partial result (cancelled / failed)
    usage: Usage
    timings: Timings


@dataclass(frozen=True)
class BackendInfo:
    name: str
    kind: BackendKind
    model_id: str  # identity of the weights/endpoint, stable across runs: use it in cache keys
    model_label: str  # short, for display
    template: str  # which chat template renders messages, e.g. "gguf:tokenizer.chat_template"
    template_source: str  # where it came from: "gguf metadata", "preset", "server", "none"
    n_ctx: int | None
    exact_token_counts: bool
    exact_render: bool  # False: render() is an approximation (the server applies its own template)
    max_concurrency: int = 1
    details: tuple[tuple[str, str], ...] = ()  # extra facts for a model info panel
    # (what, why) for each way a request differs from the paper's protocol: declared by the preset
    # (``deviations``) or found (a chat template's default system prompt). Empty: the paper's request.
    deviations: tuple[tuple[str, str], ...] = ()
    # The exact request as sent, with "{placeholders}" for the per-request values (reproducibility record).
    request_template: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)
    # The system prompt the chat template inserts when the messages have none (None: it inserts none).
    default_system_prompt: str | None = None
    system_prompt_sent: bool = False  # that default is part of the prompt the model sees

    def deviation_summary(self) -> str:
        """One line for a model description: "" when the request is the paper's."""
        return "; ".join(f"{what}: {why}" for what, why in self.deviations)


@runtime_checkable
class Backend(Protocol):
    def describe(self) -> BackendInfo: ...

    def count_tokens(self, messages_or_text: Sequence[ChatMessage] | str) -> int: ...

    def render(self, messages: Sequence[ChatMessage]) -> str: ...

    def stream(self, request: GenerationRequest) -> Iterator[Chunk]: ...

    def cache_identity(self, request: GenerationRequest) -> dict[str, object]:
        """Everything the model sees for ``request``, as JSON-able values: the response cache's key.

        A local model: the weights' content fingerprint, the exact prompt tokens (after the chat template)
        and the sampling it runs with. A remote one: the endpoint and the request body as sent, less the
        streaming fields. Two requests with equal identities get the same answer at temperature 0.
        """
        ...

    def complete(self, request: GenerationRequest) -> Completion: ...

    def close(self) -> None: ...


class StopMatcher:
    """Cuts generated text at the first stop string, holding back a tail that may begin one."""

    def __init__(self, stops: Iterable[str]) -> None:
        self.stops = tuple(s for s in stops if s)
        self.text = ""
        self.emitted = 0
        self.stopped = False

    def feed(self, piece: str) -> str:
        """Add generated text; return what is now safe to emit (``stopped`` turns true on a match)."""
        if self.stopped:
            return ""
        start = len(self.text)
        self.text += piece
        if not self.stops:
            out = self.text[self.emitted :]
            self.emitted = len(self.text)
            return out
        longest = max(len(s) for s in self.stops)
        window = max(0, start - longest + 1)
        hits = [i for i in (self.text.find(s, window) for s in self.stops) if i >= 0]
        if hits:
            cut = min(hits)
            self.stopped = True
            out = self.text[self.emitted : cut]
            self.text = self.text[:cut]
            self.emitted = cut
            return out
        hold = 0
        for s in self.stops:
            for k in range(min(len(s) - 1, len(self.text)), hold, -1):
                if self.text.endswith(s[:k]):
                    hold = k
                    break
        end = len(self.text) - hold
        out = self.text[self.emitted : end] if end > self.emitted else ""
        self.emitted = max(self.emitted, end)
        return out

    def flush(self) -> str:
        """The held-back tail, at the end of generation."""
        out = self.text[self.emitted :]
        self.emitted = len(self.text)
        return out


def collect(chunks: Iterator[Chunk]) -> Completion:
    """Drain a stream into a Completion."""
    parts: list[str] = []
    for chunk in chunks:
        parts.append(chunk.text)
        if chunk.final:
            assert chunk.usage is not None and chunk.timings is not None
            return Completion("".join(parts), chunk.finish_reason, chunk.usage, chunk.timings)
    raise BackendError(ErrorKind.SERVER, "the stream ended without a final chunk")


class RateMeter:
    """Time to first token and decode rate for one generation."""

    def __init__(self, clock: Timer) -> None:
        self._clock = clock
        self.start = clock()
        self.first: float | None = None
        self.last: float | None = None
        self.n = 0

    def token(self, count: int = 1) -> None:
        now = self._clock()
        if self.first is None:
            self.first = now
        self.last = now
        self.n += count

    def timings(self) -> Timings:
        end = self._clock()
        ttft = None if self.first is None else self.first - self.start
        rate = None
        if self.first is not None and self.last is not None and self.n >= 2 and self.last > self.first:
            rate = (self.n - 1) / (self.last - self.first)
        return Timings(ttft_s=ttft, total_s=end - self.start, tokens_per_s=rate)


class Timer(Protocol):
    def __call__(self) -> float: ...
