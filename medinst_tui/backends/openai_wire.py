"""The OpenAI-compatible wire format, without any I/O: request bodies, SSE events, answers, error bodies.

Shared by the thread-safe backend (openai_remote.py) and the asyncio replica pool (pool.py), so both send
byte-identical bodies and read answers the same way.

The body holds the paper's fields (``model``, ``messages``, ``max_tokens``, ``temperature``; see base.py
``PAPER_REQUEST_FIELDS``), then only what was set: ``top_p``, ``seed``, ``stop``, the preset's
``extra_body`` (a declared deviation), and for a stream ``stream`` / ``stream_options``.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from medinst_tui.backends.base import (
    STREAM_FIELDS,
    BackendError,
    ChatMessage,
    Completion,
    ErrorKind,
    FinishReason,
    GenerationRequest,
    Timings,
    Usage,
)

Api = Literal["chat", "completions"]
CHARS_PER_TOKEN = 3.5  # conservative for English/biomedical BPE text: over-estimating is the safe side
CONTEXT_WORDS = re.compile(
    r"context[ _](length|window)|maximum context|too many tokens|prompt is too long|"
    r"exceeds? (the )?(max|maximum|context)|longer than the model",
    re.IGNORECASE,
)
MESSAGES_PLACEHOLDER = "{messages}"


@dataclass
class Failure:
    """The outcome of one HTTP attempt that did not succeed."""

    error: BackendError
    retry_after: float | None = None


def build_body(
    api: Api,
    model: str | None,
    request: GenerationRequest,
    extra_body: Mapping[str, Any],
    *,
    stream: bool,
    render: Callable[[Sequence[ChatMessage]], str] | None,
) -> tuple[str, dict[str, Any]]:
    """(path under the base URL, JSON body). ``render`` turns messages into text for the completions API."""
    body: dict[str, Any] = {}
    if model:
        body["model"] = model
    if api == "chat":
        if request.messages is not None:
            body["messages"] = [{"role": m["role"], "content": m["content"]} for m in request.messages]
        else:  # plain prompt text on a chat endpoint: one user turn (the server applies its template)
            body["messages"] = [{"role": "user", "content": request.prompt}]
    elif request.messages is not None:
        if render is None:
            raise BackendError(
                ErrorKind.CONFIG,
                "chat messages on the completions API need a chat_template in the preset "
                "(or use api: chat, or the medinst-plain prompt format)",
            )
        body["prompt"] = render(request.messages)
    else:
        body["prompt"] = request.prompt
    body["max_tokens"] = request.max_tokens
    body["temperature"] = request.temperature
    if request.top_p is not None:
        body["top_p"] = request.top_p
    if request.seed is not None:
        body["seed"] = request.seed
    if request.stop:
        body["stop"] = list(request.stop)
    body.update(extra_body)  # server-specific knobs: a deviation the preset declares
    if stream:
        body["stream"] = True
        body["stream_options"] = {"include_usage": True}  # vLLM, llama-server, OpenAI: usage at the end
    return ("chat/completions" if api == "chat" else "completions"), body


def body_template(api: Api, model: str | None, extra_body: Mapping[str, Any]) -> dict[str, Any]:
    """The body with placeholders for the per-request values, streamed and not (the run's record)."""
    prompt_key = "messages" if api == "chat" else "prompt"
    body: dict[str, Any] = {}
    if model:
        body["model"] = model
    body[prompt_key] = MESSAGES_PLACEHOLDER if api == "chat" else "{messages rendered by the chat_template}"
    body.update({"max_tokens": "{max_tokens}", "temperature": "{temperature}", **extra_body})
    return {
        "path": "chat/completions" if api == "chat" else "completions",
        "body": body,
        "only_when_set": ["top_p", "seed", "stop"],
        "when_streamed": {"stream": True, "stream_options": {"include_usage": True}},
    }


def without_stream_fields(body: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k not in STREAM_FIELDS}


def estimate_tokens(messages_or_text: Sequence[ChatMessage] | str) -> int:
    """Characters / 3.5, plus 4 per turn: an estimate, and labelled as one wherever it is shown."""
    if isinstance(messages_or_text, str):
        return math.ceil(len(messages_or_text) / CHARS_PER_TOKEN)
    text = sum(len(m["content"]) for m in messages_or_text)
    return math.ceil(text / CHARS_PER_TOKEN) + 4 * len(messages_or_text) + 2


def usage_from(raw: Mapping[str, Any] | None, estimate: Callable[[], int], n_events: int) -> Usage:
    """The server's usage (exact), or an estimate when it reported none (about one event per token)."""
    if raw and "completion_tokens" in raw:
        details = raw.get("prompt_tokens_details")
        cached = details.get("cached_tokens") if isinstance(details, dict) else None
        return Usage(
            int(raw.get("prompt_tokens", 0)),
            int(raw["completion_tokens"]),
            exact=True,
            cached_prompt_tokens=int(cached or 0),
            cache_reported=cached is not None,
        )
    return Usage(estimate(), n_events, exact=False)


def parse_answer(api: Api, content: bytes, estimate: Callable[[], int], total_s: float) -> Completion:
    """A non-streamed answer. Raises a bare BackendError(SERVER) on a body that is not one."""
    try:
        data = json.loads(content)
        choice = data["choices"][0]
        text = (choice.get("message") or {}).get("content") if api == "chat" else choice.get("text")
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise BackendError(ErrorKind.SERVER, f"unexpected response body: {content[:300]!r}") from exc
    text = text or ""
    usage = usage_from(data.get("usage"), estimate, 1 if text else 0)
    reason: FinishReason = "length" if choice.get("finish_reason") == "length" else "stop"
    # Without a stream the first token's time is unknown: the rate spans the whole request.
    rate = usage.completion_tokens / total_s if total_s > 0 and usage.completion_tokens else None
    return Completion(text, reason, usage, Timings(ttft_s=None, total_s=total_s, tokens_per_s=rate))


@dataclass
class StreamState:
    """Parses SSE events of either API into text deltas, finish reason and usage."""

    api: Api
    finish_reason: FinishReason | None = None
    usage: dict[str, Any] | None = None
    n_text_events: int = 0
    parts: list[str] = field(default_factory=list)  # the text passed on to the caller, all attempts
    replay: str = ""  # a retry: the text an earlier attempt already passed on (not passed on again)
    received: int = 0  # characters of text this attempt received
    diverged: bool = False  # a retry's text differed from what was already passed on

    def restart(self) -> None:
        """Before a retry: what was passed on so far must come again first."""
        self.replay = "".join(self.parts)
        self.finish_reason, self.usage, self.n_text_events, self.received = None, None, 0, 0

    @property
    def short_of_replay(self) -> bool:
        """The attempt ended before repeating all the text already passed on."""
        return self.received < len(self.replay)

    def feed(self, data: dict[str, Any]) -> str:
        if "error" in data:
            err = data["error"]
            message = err.get("message", str(err)) if isinstance(err, dict) else str(err)
            kind = ErrorKind.CONTEXT_OVERFLOW if CONTEXT_WORDS.search(message) else ErrorKind.SERVER
            raise BackendError(kind, f"the server reported an error mid-stream: {message}")
        if data.get("usage"):
            self.usage = data["usage"]
        text = ""
        for choice in data.get("choices") or []:
            if self.api == "chat":
                text += (choice.get("delta") or {}).get("content") or ""
            else:
                text += choice.get("text") or ""
            reason = choice.get("finish_reason")
            if reason:
                self.finish_reason = "length" if reason == "length" else "stop"
        if text:
            self.n_text_events += 1
            seen = self.replay[self.received : self.received + len(text)]
            self.received += len(text)
            if text[: len(seen)] != seen:
                self.diverged = True
                raise BackendError(
                    ErrorKind.SERVER, "the retried stream gave other text than the one already streamed"
                )
            text = text[len(seen) :]
            if text:
                self.parts.append(text)
        return text


def sse_data(line: str) -> str | None:
    """The payload of an SSE ``data:`` line, or None for other lines (comments, event names, blanks)."""
    if not line.startswith("data:"):
        return None
    return line[5:].strip()


def error_message(body: bytes) -> str:
    """The human part of an error body: OpenAI ``{"error": {"message"}}``, FastAPI ``detail``, or text."""
    text = body.decode("utf-8", errors="replace").strip()
    try:
        data = json.loads(text)
    except ValueError:
        return text[:500] or "(empty body)"
    if isinstance(data, dict):
        err = data.get("error", data.get("detail", data.get("message")))
        if isinstance(err, dict):
            err = err.get("message", err)
        if err is not None:
            return str(err)[:500]
    return text[:500]


def compile_template(source: str) -> Any:
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
    return env.from_string(source)
