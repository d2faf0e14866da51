"""Any OpenAI-compatible endpoint (vLLM, llama.cpp server, TGI, SGLang, Ollama, OpenAI) over httpx.

- Chat (``/chat/completions``) or completions (``/completions``) API, streaming SSE or not.
- The sync API is thread-safe (one shared ``httpx.Client``), so a batch engine can keep N requests in
  flight from N threads; ``astream`` / ``acomplete`` do the same on an asyncio loop.
- Retries with exponential backoff (honouring ``Retry-After``) on 429, 5xx and connection failures,
  up to ``max_retries``. A stream cut short (no ``finish_reason``, or the connection dropped) is retried
  too: the retry's text is checked against what was already streamed and only the rest is passed on;
  if it differs, the error stands with the partial text.
- ``max_concurrency=None`` asks the server how many requests it can serve at once (see
  ``concurrency()``): llama.cpp's ``/props`` ``total_slots`` or ``/slots``, vLLM/SGLang by the
  ``owned_by`` of ``/v1/models``; any other server gets 1.
- The API key is read from the environment variable the preset names, at request time; it is never
  stored in a repr, never logged, and redacted from every error message.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import re
import threading
import time
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit

import httpx

from medinst_tui.backends.base import (
    BackendError,
    BackendInfo,
    ChatMessage,
    Chunk,
    Completion,
    ErrorKind,
    FinishReason,
    GenerationRequest,
    RateMeter,
    Timings,
    Usage,
    collect,
)

Api = Literal["chat", "completions"]
CHARS_PER_TOKEN = 3.5  # conservative for English/biomedical BPE text: over-estimating is the safe side
_CONTEXT_WORDS = re.compile(
    r"context[ _](length|window)|maximum context|too many tokens|prompt is too long|"
    r"exceeds? (the )?(max|maximum|context)|longer than the model",
    re.IGNORECASE,
)
_RETRY_STATUS = {429, 500, 502, 503, 504}
# Requests in flight when the server says it batches them itself (vLLM, SGLang queue the rest).
BATCHING_SERVER_CONCURRENCY = 8
BATCHING_SERVERS = ("vllm", "sglang")
PROBE_TIMEOUT_S = 5.0


@dataclass
class RetryPolicy:
    max_retries: int = 3
    backoff_base_s: float = 0.5
    backoff_max_s: float = 20.0

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        delay = min(self.backoff_max_s, self.backoff_base_s * 2.0 ** (attempt - 1))
        if retry_after is not None:
            delay = min(max(delay, retry_after), max(self.backoff_max_s, delay))
        return delay


@dataclass
class _Attempt:
    """The outcome of one HTTP attempt that did not succeed."""

    error: BackendError
    retry_after: float | None = None


@dataclass
class _StreamState:
    """Parses SSE events of either API into text deltas, finish reason and usage (sans-IO)."""

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
            kind = ErrorKind.CONTEXT_OVERFLOW if _CONTEXT_WORDS.search(message) else ErrorKind.SERVER
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


def _sse_data(line: str) -> str | None:
    """The payload of an SSE ``data:`` line, or None for other lines (comments, event names, blanks)."""
    if not line.startswith("data:"):
        return None
    return line[5:].strip()


def _strip_userinfo(url: str) -> str:
    from medinst_tui.backends.presets import strip_userinfo

    return strip_userinfo(url)


def normalize_base_url(url: str) -> str:
    """Strip the trailing slash; a bare host (no path) gets the usual ``/v1``."""
    url = url.rstrip("/")
    return url + "/v1" if urlsplit(url).path in ("", "/") else url


class OpenAIRemoteBackend:
    """A ``Backend`` over an OpenAI-compatible HTTP endpoint."""

    def __init__(
        self,
        base_url: str,
        model: str | None = None,
        *,
        name: str | None = None,
        api: Api = "chat",
        api_key_env: str | None = None,
        api_key: str | None = None,
        chat_template: str | None = None,
        n_ctx: int | None = None,
        connect_timeout_s: float = 5.0,
        read_timeout_s: float = 300.0,
        retry: RetryPolicy | None = None,
        max_concurrency: int | None = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
        transport: httpx.BaseTransport | None = None,
        async_transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        if api not in ("chat", "completions"):
            raise ValueError(f"api must be 'chat' or 'completions', not {api!r}")
        self.base_url = normalize_base_url(base_url)
        # What is shown or stored (runs, model ids): the URL without `user:key@` (the requests keep it).
        self.public_url = _strip_userinfo(self.base_url)
        self.model = model
        self.name = name or (model or urlsplit(self.public_url).netloc)
        self.api: Api = api
        self.api_key_env = api_key_env
        self.__api_key = api_key  # name-mangled and kept out of __repr__
        self.n_ctx = n_ctx
        self.retry = retry or RetryPolicy()
        # None: ask the server on first describe() (concurrency()); a number always wins.
        self._concurrency: tuple[int, str] | None = (
            (max_concurrency, "set by the preset or --concurrency") if max_concurrency else None
        )
        self._concurrency_lock = threading.Lock()
        self._extra_headers = dict(extra_headers or {})
        self._extra_body = dict(extra_body or {})
        self._timeout = httpx.Timeout(read_timeout_s, connect=connect_timeout_s)
        self._limits = httpx.Limits(max_connections=max(1, max_concurrency or 16) * 2)
        self._client = httpx.Client(timeout=self._timeout, limits=self._limits, transport=transport)
        self._async_transport = async_transport
        self._aclient: httpx.AsyncClient | None = None
        self._template = _compile_template(chat_template) if chat_template else None

    def __repr__(self) -> str:
        return f"OpenAIRemoteBackend({self.public_url!r}, model={self.model!r}, api={self.api!r})"

    # -- secrets and HTTP plumbing ---------------------------------------------------------------

    def _key(self) -> str | None:
        if self.__api_key:
            return self.__api_key
        if self.api_key_env:
            return os.environ.get(self.api_key_env) or None
        return None

    def _secrets(self) -> tuple[str | None, ...]:
        userinfo = urlsplit(self.base_url).netloc.rpartition("@")[0]  # `user:key` of http://user:key@host
        return (self._key(), userinfo or None)

    def _headers(self) -> dict[str, str]:
        headers = {"Accept": "application/json", **self._extra_headers}
        key = self._key()
        if key:
            headers["Authorization"] = f"Bearer {key}"
        return headers

    def _url(self, endpoint: str) -> str:
        return f"{self.base_url}/{endpoint}"

    def _error(self, kind: ErrorKind, message: str, **kw: Any) -> BackendError:
        return BackendError(kind, message, secrets=self._secrets(), **kw)

    def _http_failure(self, status: int, body: bytes, headers: httpx.Headers, url: str) -> _Attempt:
        message = _error_message(body)
        where = f"HTTP {status} from {url}"
        if status in (401, 403):
            if self.api_key_env:
                state = "set" if os.environ.get(self.api_key_env) else "not set"
                hint = f" (the API key comes from ${self.api_key_env}, which is {state})"
            else:
                hint = " (this preset names no api_key_env)"
            return _Attempt(self._error(ErrorKind.AUTH, f"{where}: {message}{hint}", status=status))
        if status == 429:
            return _Attempt(
                self._error(ErrorKind.RATE_LIMITED, f"{where}: {message}", status=status),
                _retry_after(headers),
            )
        if status == 408:
            return _Attempt(self._error(ErrorKind.TIMEOUT, f"{where}: {message}", status=status))
        if status >= 500:
            return _Attempt(
                self._error(ErrorKind.SERVER, f"{where}: {message}", status=status), _retry_after(headers)
            )
        if _CONTEXT_WORDS.search(message):
            return _Attempt(self._error(ErrorKind.CONTEXT_OVERFLOW, f"{where}: {message}", status=status))
        if status == 404:
            message += " (check base_url and the model name)"
        return _Attempt(self._error(ErrorKind.BAD_REQUEST, f"{where}: {message}", status=status))

    def _transport_failure(self, exc: httpx.HTTPError, url: str) -> _Attempt:
        if isinstance(exc, httpx.ConnectTimeout):
            return _Attempt(self._error(ErrorKind.CONNECTION, f"connecting to {url} timed out"))
        if isinstance(exc, httpx.TimeoutException):
            return _Attempt(
                self._error(
                    ErrorKind.TIMEOUT,
                    f"{url} did not answer within {self._timeout.read:g} s ({type(exc).__name__})",
                )
            )
        return _Attempt(self._error(ErrorKind.CONNECTION, f"cannot reach {url}: {type(exc).__name__}: {exc}"))

    def _retryable(self, failure: _Attempt, attempt: int) -> bool:
        return failure.error.retryable and attempt <= self.retry.max_retries

    def _give_up(self, failure: _Attempt, attempt: int) -> BackendError:
        failure.error.attempts = attempt
        if attempt > 1:
            failure.error.message += f" (after {attempt} attempts)"
            failure.error.args = (failure.error.message,)
        return failure.error

    # -- request bodies --------------------------------------------------------------------------

    def _payload(self, request: GenerationRequest, *, stream: bool) -> tuple[str, dict[str, Any]]:
        body: dict[str, Any] = {
            "max_tokens": request.max_tokens,
            "temperature": request.temperature,
            "top_p": request.top_p,
            "stream": stream,
            # Server-specific sampling knobs, e.g. llama_cpp.server's repeat_penalty (1.1 by default).
            **self._extra_body,
        }
        if self.model:
            body["model"] = self.model
        if request.seed is not None:
            body["seed"] = request.seed
        if request.stop:
            body["stop"] = list(request.stop)
        if stream:
            body["stream_options"] = {"include_usage": True}
        if self.api == "chat":
            if request.messages is not None:
                body["messages"] = [{"role": m["role"], "content": m["content"]} for m in request.messages]
            else:  # plain prompt text on a chat endpoint: one user turn (the server applies its template)
                body["messages"] = [{"role": "user", "content": request.prompt}]
            return "chat/completions", body
        if request.messages is not None:
            if self._template is None:
                raise self._error(
                    ErrorKind.CONFIG,
                    "chat messages on the completions API need a chat_template in the preset "
                    "(or use api: chat, or the medinst-plain prompt format)",
                )
            body["prompt"] = self.render(request.messages)
        else:
            body["prompt"] = request.prompt
        return "completions", body

    def cache_identity(self, request: GenerationRequest) -> dict[str, object]:
        """The endpoint and the body as sent (model, messages or rendered prompt, sampling, extra_body)."""
        path, body = self._payload(request, stream=False)
        body.pop("stream", None)
        body.pop("stream_options", None)
        return {"endpoint": f"{self.public_url.rstrip('/')}/{path}", "body": body}

    # -- how many requests in flight -------------------------------------------------------------

    @property
    def max_concurrency(self) -> int:
        return self.concurrency()[0]

    def concurrency(self) -> tuple[int, str]:
        """Requests in flight and why: the preset's number, else what the server says (asked once).

        Never raises: a server that does not answer, or says nothing usable, gets 1, because one that
        serves a single request at a time (llama_cpp.server) cuts a running stream for a newer one.
        """
        with self._concurrency_lock:
            if self._concurrency is None:
                self._concurrency = self._probe_concurrency()
            return self._concurrency

    def _probe_json(self, url: str) -> Any:
        """The JSON body of a 200 answer to GET ``url``, or None (any failure: it is only a probe)."""
        timeout = httpx.Timeout(PROBE_TIMEOUT_S, connect=min(PROBE_TIMEOUT_S, self._timeout.connect or 5.0))
        try:
            response = self._client.get(url, headers=self._headers(), timeout=timeout)
            return response.json() if response.status_code == 200 else None
        except (httpx.HTTPError, ValueError):
            return None

    def _probe_concurrency(self) -> tuple[int, str]:
        models = self._probe_json(self._url("models"))
        owners: list[str] = []
        if isinstance(models, dict) and isinstance(models.get("data"), list):
            owners = [str(m.get("owned_by", "")) for m in models["data"] if isinstance(m, dict)]
        batching = [o for o in owners if o.lower() in BATCHING_SERVERS]
        if batching:
            return (
                BATCHING_SERVER_CONCURRENCY,
                f"the server is {batching[0]} (/v1/models owned_by), which batches concurrent requests",
            )
        if "me" in owners:  # llama-cpp-python's server names itself so
            return 1, "llama_cpp.server (/v1/models owned_by 'me') serves one request at a time"
        root = self.base_url.removesuffix("/v1")
        props = self._probe_json(f"{root}/props")
        slots = props.get("total_slots") if isinstance(props, dict) else None
        if isinstance(slots, int) and not isinstance(slots, bool) and slots >= 1:
            return slots, f"llama.cpp server with {slots} slot{'s' if slots > 1 else ''} (/props total_slots)"
        listed = self._probe_json(f"{root}/slots")
        if isinstance(listed, list) and listed:
            return len(listed), f"llama.cpp server with {len(listed)} slot(s) (/slots)"
        who = f"owned_by {owners[0]!r}" if owners else "no answer from /v1/models"
        return 1, f"unknown server ({who}): one request at a time; set --concurrency or max_concurrency"

    # -- Backend protocol ------------------------------------------------------------------------

    def describe(self) -> BackendInfo:
        if self._template is not None:
            template, source, exact_render = "preset:chat_template", "preset", True
        elif self.api == "chat":
            template, source, exact_render = "server-side (preview approximated)", "server", False
        else:
            template, source, exact_render = "none (completions API)", "none", True
        return BackendInfo(
            name=self.name,
            kind="remote",
            model_id=f"openai:{self.public_url}|{self.model or ''}|{self.api}",
            model_label=self.model or "(server default model)",
            template=template,
            template_source=source,
            n_ctx=self.n_ctx,
            exact_token_counts=False,
            exact_render=exact_render,
            max_concurrency=self.max_concurrency,
            details=(
                ("endpoint", self.public_url),
                ("api", self.api),
                ("api key", f"${self.api_key_env}" if self.api_key_env else "none"),
                ("retries", str(self.retry.max_retries)),
                ("in flight", f"{self.concurrency()[0]}: {self.concurrency()[1]}"),
            ),
        )

    def render(self, messages: Sequence[ChatMessage]) -> str:
        """The prompt text. Without a preset template this is a preview, not what the server sees."""
        if self._template is not None:
            try:
                return str(
                    self._template.render(
                        messages=list(messages), add_generation_prompt=True, bos_token="", eos_token=""
                    )
                )
            except Exception as exc:
                raise self._error(ErrorKind.BAD_REQUEST, f"the chat template failed: {exc}") from exc
        turns = [f"<|{m['role']}|>\n{m['content']}\n" for m in messages]
        return "".join(turns) + "<|assistant|>\n"

    def count_tokens(self, messages_or_text: Sequence[ChatMessage] | str) -> int:
        """An estimate (``describe().exact_token_counts`` is False): characters / 3.5, plus 4 per turn."""
        if isinstance(messages_or_text, str):
            return math.ceil(len(messages_or_text) / CHARS_PER_TOKEN)
        text = sum(len(m["content"]) for m in messages_or_text)
        return math.ceil(text / CHARS_PER_TOKEN) + 4 * len(messages_or_text) + 2

    def _estimate_prompt(self, request: GenerationRequest) -> int:
        return self.count_tokens(request.messages if request.messages is not None else request.prompt or "")

    def _usage(self, raw: Mapping[str, Any] | None, request: GenerationRequest, n_events: int) -> Usage:
        if raw and "completion_tokens" in raw:
            details = raw.get("prompt_tokens_details") or {}
            return Usage(
                int(raw.get("prompt_tokens", 0)),
                int(raw["completion_tokens"]),
                exact=True,
                cached_prompt_tokens=int(details.get("cached_tokens") or 0),
            )
        # No usage reported: servers send about one event per token.
        return Usage(self._estimate_prompt(request), n_events, exact=False)

    def stream(self, request: GenerationRequest) -> Iterator[Chunk]:
        endpoint, body = self._payload(request, stream=True)
        return self._stream_sync(request, self._url(endpoint), body)

    def complete(self, request: GenerationRequest) -> Completion:
        """Non-streaming when nothing can cancel it (exact usage); streaming otherwise."""
        if request.cancel is not None:
            return collect(self.stream(request))
        endpoint, body = self._payload(request, stream=False)
        url = self._url(endpoint)
        meter = RateMeter(time.perf_counter)
        attempt = 0
        while True:
            attempt += 1
            try:
                response = self._client.post(url, json=body, headers=self._headers())
                if response.status_code == 200:
                    return self._parse_completion(response.content, request, meter)
                failure = self._http_failure(response.status_code, response.content, response.headers, url)
            except httpx.HTTPError as exc:
                failure = self._transport_failure(exc, url)
            if not self._retryable(failure, attempt):
                raise self._give_up(failure, attempt)
            time.sleep(self.retry.delay(attempt, failure.retry_after))

    def _parse_completion(self, content: bytes, request: GenerationRequest, meter: RateMeter) -> Completion:
        try:
            data = json.loads(content)
            choice = data["choices"][0]
            text = (choice.get("message") or {}).get("content") if self.api == "chat" else choice.get("text")
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise self._error(ErrorKind.SERVER, f"unexpected response body: {content[:300]!r}") from exc
        text = text or ""
        usage = self._usage(data.get("usage"), request, 1 if text else 0)
        reason: FinishReason = "length" if choice.get("finish_reason") == "length" else "stop"
        total = meter.timings().total_s
        # Without a stream the first token's time is unknown: the rate spans the whole request.
        rate = usage.completion_tokens / total if total > 0 and usage.completion_tokens else None
        return Completion(text, reason, usage, Timings(ttft_s=None, total_s=total, tokens_per_s=rate))

    def _stream_sync(self, request: GenerationRequest, url: str, body: dict[str, Any]) -> Iterator[Chunk]:
        meter = RateMeter(time.perf_counter)
        state = _StreamState(self.api)
        attempt = 0
        while True:
            attempt += 1
            self._check_cancel(request, state, meter)
            state.restart()
            failure: _Attempt | None = None
            try:
                with self._client.stream("POST", url, json=body, headers=self._headers()) as response:
                    if response.status_code != 200:
                        failure = self._http_failure(
                            response.status_code, response.read(), response.headers, url
                        )
                    else:
                        for line in response.iter_lines():
                            chunk = self._on_line(line, state, meter, request)
                            if chunk is None:
                                continue
                            yield chunk
                            if chunk.final:
                                return
                            self._check_cancel(request, state, meter)
                        yield self._final(state, meter, request)
                        return
            except httpx.HTTPError as exc:
                failure = self._transport_failure(exc, url)
            except BackendError as err:  # cut short (no finish_reason), an error event, a bad event
                if err.kind is ErrorKind.CANCELLED:
                    raise
                failure = _Attempt(err)
            assert failure is not None
            if state.diverged or not self._retryable(failure, attempt):
                raise self._mid_stream(self._give_up(failure, attempt), state, meter, request)
            if request.cancel is not None:
                request.cancel.wait(self.retry.delay(attempt, failure.retry_after))
            else:
                time.sleep(self.retry.delay(attempt, failure.retry_after))

    def _on_line(
        self, line: str, state: _StreamState, meter: RateMeter, request: GenerationRequest
    ) -> Chunk | None:
        data = _sse_data(line)
        if data is None or data == "":
            return None
        if data == "[DONE]":
            return self._final(state, meter, request)
        try:
            event = json.loads(data)
        except ValueError as exc:
            raise self._error(ErrorKind.SERVER, f"malformed stream event: {data[:200]!r}") from exc
        try:
            text = state.feed(event)
        except BackendError as err:
            raise self._mid_stream(self._error(err.kind, err.message), state, meter, request) from None
        if not text:
            return None
        meter.token()
        return Chunk(text)

    def _final(self, state: _StreamState, meter: RateMeter, request: GenerationRequest) -> Chunk:
        if state.finish_reason is not None and state.short_of_replay:
            state.diverged = True
            raise self._mid_stream(
                self._error(ErrorKind.SERVER, "the retried stream ended before the text already streamed"),
                state,
                meter,
                request,
            )
        if state.finish_reason is None:
            # Seen with llama_cpp.server, which ends a running stream with [DONE] when another request
            # arrives (unless started with --interrupt_requests False): the text is truncated. Retried.
            raise self._mid_stream(
                self._error(
                    ErrorKind.SERVER,
                    "the server ended the stream without a finish_reason (interrupted? "
                    "llama_cpp.server needs --interrupt_requests False for concurrent requests)",
                ),
                state,
                meter,
                request,
            )
        usage = self._usage(state.usage, request, state.n_text_events)
        return Chunk("", finish_reason=state.finish_reason, usage=usage, timings=meter.timings())

    def _partial(self, state: _StreamState, meter: RateMeter, request: GenerationRequest) -> Completion:
        usage = self._usage(state.usage, request, state.n_text_events)
        return Completion("".join(state.parts), None, usage, meter.timings())

    def _mid_stream(
        self, err: BackendError, state: _StreamState, meter: RateMeter, request: GenerationRequest
    ) -> BackendError:
        err.partial = self._partial(state, meter, request)
        return err

    def _check_cancel(self, request: GenerationRequest, state: _StreamState, meter: RateMeter) -> None:
        if request.cancelled:
            raise self._error(ErrorKind.CANCELLED, "cancelled", partial=self._partial(state, meter, request))

    # -- asyncio API -----------------------------------------------------------------------------

    def _async_client(self) -> httpx.AsyncClient:
        if self._aclient is None:
            self._aclient = httpx.AsyncClient(
                timeout=self._timeout, limits=self._limits, transport=self._async_transport
            )
        return self._aclient

    async def astream(self, request: GenerationRequest) -> AsyncIterator[Chunk]:
        """``stream`` for an asyncio loop (one loop per backend object: the client binds to it)."""
        endpoint, body = self._payload(request, stream=True)
        url = self._url(endpoint)
        client = self._async_client()
        meter = RateMeter(time.perf_counter)
        state = _StreamState(self.api)
        attempt = 0
        while True:
            attempt += 1
            self._check_cancel(request, state, meter)
            state.restart()
            failure: _Attempt | None = None
            try:
                async with client.stream("POST", url, json=body, headers=self._headers()) as response:
                    if response.status_code != 200:
                        failure = self._http_failure(
                            response.status_code, await response.aread(), response.headers, url
                        )
                    else:
                        async for line in response.aiter_lines():
                            chunk = self._on_line(line, state, meter, request)
                            if chunk is None:
                                continue
                            yield chunk
                            if chunk.final:
                                return
                            self._check_cancel(request, state, meter)
                        yield self._final(state, meter, request)
                        return
            except httpx.HTTPError as exc:
                failure = self._transport_failure(exc, url)
            except BackendError as err:  # cut short (no finish_reason), an error event, a bad event
                if err.kind is ErrorKind.CANCELLED:
                    raise
                failure = _Attempt(err)
            assert failure is not None
            if state.diverged or not self._retryable(failure, attempt):
                raise self._mid_stream(self._give_up(failure, attempt), state, meter, request)
            await _cancellable_sleep(self.retry.delay(attempt, failure.retry_after), request)

    async def acomplete(self, request: GenerationRequest) -> Completion:
        parts: list[str] = []
        async for chunk in self.astream(request):
            parts.append(chunk.text)
            if chunk.final:
                assert chunk.usage is not None and chunk.timings is not None
                return Completion("".join(parts), chunk.finish_reason, chunk.usage, chunk.timings)
        raise self._error(ErrorKind.SERVER, "the stream ended without a final chunk")

    # -- connection test and cleanup -------------------------------------------------------------

    def list_models(self, *, retries: int = 0) -> list[str]:
        """The model ids the server offers (GET /models): the "test connection" action."""
        url = self._url("models")
        attempt = 0
        while True:
            attempt += 1
            try:
                response = self._client.get(url, headers=self._headers())
                if response.status_code == 200:
                    try:
                        return [str(m["id"]) for m in response.json().get("data", [])]
                    except (ValueError, KeyError, TypeError, AttributeError) as exc:
                        raise self._error(
                            ErrorKind.SERVER, f"unexpected /models body: {response.content[:300]!r}"
                        ) from exc
                failure = self._http_failure(response.status_code, response.content, response.headers, url)
            except httpx.HTTPError as exc:
                failure = self._transport_failure(exc, url)
            if not (failure.error.retryable and attempt <= retries):
                raise self._give_up(failure, attempt)
            time.sleep(self.retry.delay(attempt, failure.retry_after))

    def close(self) -> None:
        self._client.close()

    async def aclose(self) -> None:
        self._client.close()
        if self._aclient is not None:
            await self._aclient.aclose()
            self._aclient = None


async def _cancellable_sleep(seconds: float, request: GenerationRequest) -> None:
    deadline = time.monotonic() + seconds
    while not request.cancelled:
        left = deadline - time.monotonic()
        if left <= 0:
            return
        await asyncio.sleep(min(left, 0.05))


def _retry_after(headers: httpx.Headers) -> float | None:
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None  # an HTTP date: fall back to our own backoff


def _error_message(body: bytes) -> str:
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


def _compile_template(source: str) -> Any:
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
    return env.from_string(source)
