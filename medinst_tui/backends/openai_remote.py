"""Any OpenAI-compatible endpoint (vLLM, llama.cpp server, TGI, SGLang, Ollama, OpenAI) over httpx.

- Chat (``/chat/completions``) or completions (``/completions``) API, streaming SSE or not. The body is
  the paper's request (openai_wire.py): model, messages, max_tokens, temperature, plus only what was set
  and, for a stream, the streaming fields. ``describe().request_template`` records it.
- This sync API is thread-safe (one shared ``httpx.Client``): the playground and the thread-based batch
  engine use it. Many requests in flight over one or several replicas: pool.py (asyncio).
- Retries (retry.py) on 429, 5xx and connection failures. A stream cut short (no ``finish_reason``, or
  the connection dropped) is retried too: the retry's text is checked against what was already streamed
  and only the rest is passed on; if it differs, the error stands with the partial text.
- The server is asked once what it is (server_probe.py): how many requests it serves at once (unless the
  preset or ``--concurrency`` says), the model name to send when none was given and it serves exactly
  one (the paper's script always named one), and whether it counts tokens exactly.
- The API key is read from the environment variable the preset names, at request time; it is never
  stored in a repr, never logged, and redacted from every error message.
"""

from __future__ import annotations

import functools
import os
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

import httpx

from medinst_tui.backends import server_probe
from medinst_tui.backends.base import (
    BackendError,
    BackendInfo,
    ChatMessage,
    Chunk,
    Completion,
    ErrorKind,
    GenerationRequest,
    RateMeter,
    Usage,
    collect,
)
from medinst_tui.backends.openai_stream import StreamHandling
from medinst_tui.backends.openai_wire import (
    CONTEXT_WORDS,
    Api,
    Failure,
    body_template,
    build_body,
    compile_template,
    error_message,
    estimate_tokens,
    parse_answer,
    usage_from,
    without_stream_fields,
)
from medinst_tui.backends.retry import DEFAULT_RETRY, RetryPolicy, retry_after
from medinst_tui.backends.server_probe import ServerFacts

__all__ = ["OpenAIRemoteBackend", "RetryPolicy", "normalize_base_url"]

PROBE_TIMEOUT_S = 5.0


def _strip_userinfo(url: str) -> str:
    from medinst_tui.backends.presets import strip_userinfo

    return strip_userinfo(url)


def normalize_base_url(url: str) -> str:
    """Strip the trailing slash; a bare host (no path) gets the usual ``/v1``."""
    url = url.rstrip("/")
    return url + "/v1" if urlsplit(url).path in ("", "/") else url


class OpenAIRemoteBackend(StreamHandling):
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
        deviations: Mapping[str, str] | None = None,
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
        self.retry = retry or DEFAULT_RETRY
        self._max_concurrency = max_concurrency  # None: what the server says (facts())
        self._facts: ServerFacts | None = None
        self._facts_lock = threading.Lock()
        self._extra_headers = dict(extra_headers or {})
        self._extra_body = dict(extra_body or {})
        self._declared = dict(deviations or {})
        self._timeout = httpx.Timeout(read_timeout_s, connect=connect_timeout_s)
        # unset: room for what a batching server may say (server_probe.BATCHING_SERVER_CONCURRENCY)
        in_flight = max_concurrency or server_probe.BATCHING_SERVER_CONCURRENCY
        self._limits = httpx.Limits(max_connections=max(1, in_flight) * 2)
        self._client = httpx.Client(timeout=self._timeout, limits=self._limits, transport=transport)
        self.async_transport = async_transport  # for the pool's AsyncClient (tests inject a mock)
        self._template = compile_template(chat_template) if chat_template else None

    def __repr__(self) -> str:
        return f"OpenAIRemoteBackend({self.public_url!r}, model={self.model!r}, api={self.api!r})"

    @property
    def timeout(self) -> httpx.Timeout:
        return self._timeout

    @property
    def extra_body(self) -> dict[str, Any]:
        return dict(self._extra_body)

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

    def headers(self) -> dict[str, str]:
        headers = {"Accept": "application/json", **self._extra_headers}
        key = self._key()
        if key:
            headers["Authorization"] = f"Bearer {key}"
        return headers

    def url(self, endpoint: str) -> str:
        return f"{self.base_url}/{endpoint}"

    def error(self, kind: ErrorKind, message: str, **kw: Any) -> BackendError:
        return BackendError(kind, message, secrets=self._secrets(), **kw)

    def http_failure(self, status: int, body: bytes, headers: httpx.Headers, url: str) -> Failure:
        message = error_message(body)
        where = f"HTTP {status} from {url}"
        if status in (401, 403):
            if self.api_key_env:
                state = "set" if os.environ.get(self.api_key_env) else "not set"
                hint = f" (the API key comes from ${self.api_key_env}, which is {state})"
            else:
                hint = " (this preset names no api_key_env)"
            return Failure(self.error(ErrorKind.AUTH, f"{where}: {message}{hint}", status=status))
        if status == 429:
            return Failure(
                self.error(ErrorKind.RATE_LIMITED, f"{where}: {message}", status=status), retry_after(headers)
            )
        if status == 408:
            return Failure(self.error(ErrorKind.TIMEOUT, f"{where}: {message}", status=status))
        if status >= 500:
            return Failure(
                self.error(ErrorKind.SERVER, f"{where}: {message}", status=status), retry_after(headers)
            )
        if CONTEXT_WORDS.search(message):
            return Failure(self.error(ErrorKind.CONTEXT_OVERFLOW, f"{where}: {message}", status=status))
        if status == 404:
            message += " (check base_url and the model name)"
        return Failure(self.error(ErrorKind.BAD_REQUEST, f"{where}: {message}", status=status))

    def transport_failure(self, exc: httpx.HTTPError, url: str) -> Failure:
        if isinstance(exc, httpx.ConnectTimeout):
            return Failure(self.error(ErrorKind.CONNECTION, f"connecting to {url} timed out"))
        if isinstance(exc, httpx.TimeoutException):
            read = self._timeout.read
            return Failure(
                self.error(
                    ErrorKind.TIMEOUT, f"{url} did not answer within {read:g} s ({type(exc).__name__})"
                )
            )
        return Failure(self.error(ErrorKind.CONNECTION, f"cannot reach {url}: {type(exc).__name__}: {exc}"))

    def _retryable(self, failure: Failure, attempt: int) -> bool:
        return failure.error.retryable and attempt <= self.retry.max_retries

    def give_up(self, failure: Failure, attempt: int) -> BackendError:
        failure.error.attempts = attempt
        if attempt > 1:
            failure.error.message += f" (after {attempt} attempts)"
            failure.error.args = (failure.error.message,)
        return failure.error

    # -- what the server is (asked once) ---------------------------------------------------------

    def _probe_json(self, url: str) -> Any:
        """The JSON body of a 200 answer to GET ``url``, or None (any failure: it is only a probe)."""
        timeout = httpx.Timeout(PROBE_TIMEOUT_S, connect=min(PROBE_TIMEOUT_S, self._timeout.connect or 5.0))
        try:
            response = self._client.get(url, headers=self.headers(), timeout=timeout)
            return response.json() if response.status_code == 200 else None
        except (httpx.HTTPError, ValueError):
            return None

    def _post_json(self, url: str, body: dict[str, Any]) -> Any:
        try:
            response = self._client.post(url, json=body, headers=self.headers())
            return response.json() if response.status_code == 200 else None
        except (httpx.HTTPError, ValueError):
            return None

    def facts(self) -> ServerFacts:
        """What the server said about itself (kind, models, slots, tokenizer); asked once, never raises."""
        with self._facts_lock:
            if self._facts is None:
                self._facts = server_probe.probe(self.base_url, self._probe_json)
            return self._facts

    def concurrency(self) -> tuple[int, str]:
        """Requests in flight and why: the preset's number, else what the server says.

        A server that does not answer, or says nothing usable, gets 1, because one that serves a single
        request at a time (llama_cpp.server) cuts a running stream for a newer one.
        """
        if self._max_concurrency:
            return self._max_concurrency, "set by the preset or --concurrency"
        facts = self.facts()
        return facts.concurrency, facts.why

    @property
    def max_concurrency(self) -> int:
        return self.concurrency()[0]

    @property
    def sent_model(self) -> str | None:
        """The model name sent: the preset's, else the server's only model (None: the server lists
        several or none, and picks its default)."""
        if self.model:
            return self.model
        models = self.facts().models
        return models[0] if len(models) == 1 else None

    # -- request bodies --------------------------------------------------------------------------

    def request_body(self, request: GenerationRequest, *, stream: bool) -> tuple[str, dict[str, Any]]:
        """(path under the base URL, the JSON body exactly as it is sent)."""
        try:
            return build_body(
                self.api,
                self.sent_model,
                request,
                self._extra_body,
                stream=stream,
                render=self.render if self._template is not None else None,
            )
        except BackendError as err:
            raise self.error(err.kind, err.message) from None

    def cache_identity(self, request: GenerationRequest) -> dict[str, object]:
        """The endpoint and the body as sent, less the streaming fields."""
        path, body = self.request_body(request, stream=False)
        return {"endpoint": f"{self.public_url.rstrip('/')}/{path}", "body": without_stream_fields(body)}

    def deviations(self) -> tuple[tuple[str, str], ...]:
        """Where this backend's requests differ from the paper's: declared, or seen in the body."""
        out = dict(self._declared)
        for key in self._extra_body:
            out.setdefault(key, f"sent as {self._extra_body[key]!r} (extra_body; not declared by the preset)")
        if self.api == "completions":
            out.setdefault(
                "api", "completions API: the prompt is text rendered by the preset's chat_template"
            )
        if self.sent_model is None:
            n = len(self.facts().models)
            out.setdefault(
                "model",
                f"not sent (the server lists {n} models; name one with --endpoint-model)",
            )
        return tuple(out.items())

    # -- Backend protocol ------------------------------------------------------------------------

    def exact_counts(self) -> bool:
        """The server counts a prompt's tokens exactly as it will see it (see server_probe.py)."""
        tokenizer = self.facts().tokenizer
        return tokenizer == "llama.cpp" or (tokenizer == "llama_cpp.server" and self.api == "completions")

    def describe(self) -> BackendInfo:
        if self._template is not None:
            template, source, exact_render = "preset:chat_template", "preset", True
        elif self.api == "chat":
            template, source, exact_render = "server-side (preview approximated)", "server", False
        else:
            template, source, exact_render = "none (completions API)", "none", True
        facts = self.facts()
        n, why = self.concurrency()
        model = self.sent_model
        deviations = self.deviations()
        details = [
            ("endpoint", self.public_url),
            ("api", self.api),
            ("server", facts.kind),
            ("model sent", model if model == self.model or model is None else f"{model} (from /v1/models)"),
            ("api key", f"${self.api_key_env}" if self.api_key_env else "none"),
            ("retries", self.retry.describe()),
            ("in flight", f"{n}: {why}"),
            ("token counts", "exact (the server's tokenizer)" if self.exact_counts() else "estimated"),
        ]
        if deviations:
            details.append(("deviates from the paper", "; ".join(f"{k}: {v}" for k, v in deviations)))
        return BackendInfo(
            name=self.name,
            kind="remote",
            model_id=f"openai:{self.public_url}|{model or ''}|{self.api}",
            model_label=model or "(server default model)",
            template=template,
            template_source=source,
            n_ctx=self.n_ctx,
            exact_token_counts=self.exact_counts(),
            exact_render=exact_render,
            max_concurrency=n,
            details=tuple((k, str(v)) for k, v in details),
            deviations=deviations,
            request_template={
                "endpoint": self.public_url,
                **body_template(self.api, model, self._extra_body),
            },
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
                raise self.error(ErrorKind.BAD_REQUEST, f"the chat template failed: {exc}") from exc
        turns = [f"<|{m['role']}|>\n{m['content']}\n" for m in messages]
        return "".join(turns) + "<|assistant|>\n"

    def count_tokens(self, messages_or_text: Sequence[ChatMessage] | str) -> int:
        """Exact where the server can count (``describe().exact_token_counts``), else an estimate."""
        if self.exact_counts():
            key = messages_or_text if isinstance(messages_or_text, str) else _freeze(messages_or_text)
            exact = self._count_exactly(key)
            if exact is not None:
                return exact
        return estimate_tokens(messages_or_text)

    @functools.lru_cache(maxsize=512)  # noqa: B019 - one backend per run; fitting re-counts the same shots
    def _count_exactly(self, key: str | tuple[tuple[str, str], ...]) -> int | None:
        messages: Sequence[ChatMessage] | str = (
            key if isinstance(key, str) else [{"role": r, "content": c} for r, c in key]
        )
        rendered = None
        if self.api == "completions":
            rendered = messages if isinstance(messages, str) else self.render(messages)
        return server_probe.count_exactly(
            self.facts(), self.base_url, self._post_json, messages, model=self.sent_model, rendered=rendered
        )

    def estimate_prompt(self, request: GenerationRequest) -> int:
        return estimate_tokens(request.messages if request.messages is not None else request.prompt or "")

    def usage(self, raw: Mapping[str, Any] | None, request: GenerationRequest, n_events: int) -> Usage:
        return usage_from(raw, lambda: self.estimate_prompt(request), n_events)

    def stream(self, request: GenerationRequest) -> Iterator[Chunk]:
        endpoint, body = self.request_body(request, stream=True)
        return self._stream_sync(request, self.url(endpoint), body)

    def complete(self, request: GenerationRequest) -> Completion:
        """Non-streaming when nothing can cancel it (exact usage); streaming otherwise."""
        if request.cancel is not None:
            return collect(self.stream(request))
        endpoint, body = self.request_body(request, stream=False)
        url = self.url(endpoint)
        meter = RateMeter(time.perf_counter)
        attempt = 0
        while True:
            attempt += 1
            try:
                response = self._client.post(url, json=body, headers=self.headers())
                if response.status_code == 200:
                    return self.parse_answer(response.content, request, meter)
                failure = self.http_failure(response.status_code, response.content, response.headers, url)
            except httpx.HTTPError as exc:
                failure = self.transport_failure(exc, url)
            if not self._retryable(failure, attempt):
                raise self.give_up(failure, attempt)
            time.sleep(self.retry.delay(attempt, failure.retry_after))

    def parse_answer(self, content: bytes, request: GenerationRequest, meter: RateMeter) -> Completion:
        try:
            return parse_answer(
                self.api, content, lambda: self.estimate_prompt(request), meter.timings().total_s
            )
        except BackendError as err:
            raise self.error(err.kind, err.message) from None

    # -- connection test and cleanup -------------------------------------------------------------

    def list_models(self, *, retries: int = 0) -> list[str]:
        """The model ids the server offers (GET /models): the "test connection" action."""
        url = self.url("models")
        attempt = 0
        while True:
            attempt += 1
            try:
                response = self._client.get(url, headers=self.headers())
                if response.status_code == 200:
                    try:
                        return [str(m["id"]) for m in response.json().get("data", [])]
                    except (ValueError, KeyError, TypeError, AttributeError) as exc:
                        raise self.error(
                            ErrorKind.SERVER, f"unexpected /models body: {response.content[:300]!r}"
                        ) from exc
                failure = self.http_failure(response.status_code, response.content, response.headers, url)
            except httpx.HTTPError as exc:
                failure = self.transport_failure(exc, url)
            if not (failure.error.retryable and attempt <= retries):
                raise self.give_up(failure, attempt)
            time.sleep(self.retry.delay(attempt, failure.retry_after))

    def close(self) -> None:
        self._client.close()


def _freeze(messages: Sequence[ChatMessage]) -> tuple[tuple[str, str], ...]:
    return tuple((m["role"], m["content"]) for m in messages)
