"""Generation for the batch engine and the playground: the response cache in front of a backend, and how an
answer (or an error) fills a sample's result."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from medinst_tui.backends.base import (
    Backend,
    BackendError,
    BackendInfo,
    Completion,
    ErrorKind,
    GenerationRequest,
)
from medinst_tui.fewshot.prompt import BuiltPrompt
from medinst_tui.runs.cache import CachedResponse, ResponseCache, cache_key
from medinst_tui.runs.records import SampleResult

if TYPE_CHECKING:
    from medinst_tui.runs.engine import RunConfig


class Generator:
    """Generation with the response cache in front; safe to call from worker threads."""

    def __init__(self, backend: Backend, cache: ResponseCache | None):
        self.backend = backend
        self.cache = cache
        self.info = backend.describe()

    def lookup(
        self, built: BuiltPrompt, config: RunConfig, cancel: threading.Event
    ) -> tuple[GenerationRequest, str, CachedResponse | None]:
        """The request for ``built``, its cache key, and the cached answer if there is one."""
        request = built.request(
            max_tokens=config.max_tokens,
            temperature=config.temperature,
            seed=config.seed,
            stop=config.stop,
            cancel=cancel,
        )
        key = cache_key(self.backend, request)
        hit = self.cache.get(key) if self.cache is not None and config.use_cache else None
        return request, key, hit

    def save(self, key: str, completion: Completion) -> None:
        """Cache a whole answer (one cut short by an error or a cancel has no finish reason: not kept)."""
        if self.cache is not None and completion.finish_reason is not None:
            self.cache.put(
                key,
                CachedResponse(
                    completion.text,
                    completion.finish_reason,
                    completion.usage.prompt_tokens,
                    completion.usage.completion_tokens,
                ),
            )

    def __call__(
        self,
        built: BuiltPrompt,
        config: RunConfig,
        cancel: threading.Event,
        on_token: Callable[[str], None] | None = None,
    ) -> tuple[Completion | CachedResponse, bool]:
        request, key, hit = self.lookup(built, config, cancel)
        if hit is not None:
            return hit, True
        if on_token is None:
            completion = self.backend.complete(request)
        else:
            completion = _collect(self.backend, request, on_token)
        self.save(key, completion)
        return completion, False


def _collect(backend: Backend, request: GenerationRequest, on_token: Callable[[str], None]) -> Completion:
    from medinst_tui.backends.base import Timings, Usage

    parts: list[str] = []
    for chunk in backend.stream(request):
        if chunk.text:
            parts.append(chunk.text)
            on_token(chunk.text)
        if chunk.final:
            return Completion(
                "".join(parts),
                chunk.finish_reason,
                chunk.usage or Usage(0, len(parts), exact=False),
                chunk.timings or Timings(None, 0.0, None),
            )
    raise BackendError(ErrorKind.SERVER, "the stream ended without a final chunk")


def describe_prompt(result: SampleResult, built: BuiltPrompt) -> None:
    result.messages = list(built.messages) if built.messages is not None else None
    result.prompt = built.text
    result.fit = built.fit.describe()
    result.edited = built.edited


def fail(result: SampleResult, exc: BackendError) -> SampleResult:
    result.error, result.error_kind = str(exc), exc.kind.value
    if exc.partial is not None:
        result.prediction = exc.partial.text
    return result


def fill(result: SampleResult, answer: Completion | CachedResponse, cached: bool) -> SampleResult:
    result.prediction = answer.text
    result.finish_reason = answer.finish_reason
    result.cached = cached
    if isinstance(answer, CachedResponse):
        result.prompt_tokens, result.completion_tokens = answer.prompt_tokens, answer.completion_tokens
    else:
        result.prompt_tokens = answer.usage.prompt_tokens
        result.completion_tokens = answer.usage.completion_tokens
        result.ttft_s = answer.timings.ttft_s
        result.total_s = answer.timings.total_s
        result.tokens_per_s = answer.timings.tokens_per_s
    return result


def reproducibility(info: BackendInfo) -> dict[str, Any]:
    """What the runs DB keeps of how the requests were made, beside the config (protocol/record.py reads
    it for a run without a record): the request body template and every declared or found deviation."""
    return {
        "request_template": json.loads(json.dumps(dict(info.request_template or {}), default=str)),
        "deviations": [{"what": str(w), "how": str(h)} for w, h in info.deviations],
    }
