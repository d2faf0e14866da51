"""Reading an SSE answer of the OpenAI-compatible API: the sync stream loop with its retries, and the
line handling that pool.py shares (a mixin of ``OpenAIRemoteBackend``, which supplies the HTTP side)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Mapping
from typing import Any

import httpx

from medinst_tui.backends.base import (
    BackendError,
    Chunk,
    Completion,
    ErrorKind,
    GenerationRequest,
    RateMeter,
    Usage,
)
from medinst_tui.backends.openai_wire import Api, Failure, StreamState, sse_data
from medinst_tui.backends.retry import RetryPolicy


class StreamHandling:
    api: Api
    retry: RetryPolicy
    _client: httpx.Client

    # supplied by OpenAIRemoteBackend
    def error(self, kind: ErrorKind, message: str, **kw: Any) -> BackendError:
        raise NotImplementedError

    def headers(self) -> dict[str, str]:
        raise NotImplementedError

    def http_failure(self, status: int, body: bytes, headers: httpx.Headers, url: str) -> Failure:
        raise NotImplementedError

    def transport_failure(self, exc: httpx.HTTPError, url: str) -> Failure:
        raise NotImplementedError

    def _retryable(self, failure: Failure, attempt: int) -> bool:
        raise NotImplementedError

    def give_up(self, failure: Failure, attempt: int) -> BackendError:
        raise NotImplementedError

    def usage(self, raw: Mapping[str, Any] | None, request: GenerationRequest, n_events: int) -> Usage:
        raise NotImplementedError

    def _stream_sync(self, request: GenerationRequest, url: str, body: dict[str, Any]) -> Iterator[Chunk]:
        meter = RateMeter(time.perf_counter)
        state = StreamState(self.api)
        attempt = 0
        while True:
            attempt += 1
            self.check_cancel(request, state, meter)
            state.restart()
            failure: Failure | None = None
            try:
                with self._client.stream("POST", url, json=body, headers=self.headers()) as response:
                    if response.status_code != 200:
                        failure = self.http_failure(
                            response.status_code, response.read(), response.headers, url
                        )
                    else:
                        for line in response.iter_lines():
                            chunk = self.on_line(line, state, meter, request)
                            if chunk is None:
                                continue
                            yield chunk
                            if chunk.final:
                                return
                            self.check_cancel(request, state, meter)
                        yield self.final_chunk(state, meter, request)
                        return
            except httpx.HTTPError as exc:
                failure = self.transport_failure(exc, url)
            except BackendError as err:  # cut short (no finish_reason), an error event, a bad event
                if err.kind is ErrorKind.CANCELLED:
                    raise
                failure = Failure(err)
            assert failure is not None
            if state.diverged or not self._retryable(failure, attempt):
                raise self.with_partial(self.give_up(failure, attempt), state, meter, request)
            if request.cancel is not None:
                request.cancel.wait(self.retry.delay(attempt, failure.retry_after))
            else:
                time.sleep(self.retry.delay(attempt, failure.retry_after))

    def on_line(
        self, line: str, state: StreamState, meter: RateMeter, request: GenerationRequest
    ) -> Chunk | None:
        data = sse_data(line)
        if data is None or data == "":
            return None
        if data == "[DONE]":
            return self.final_chunk(state, meter, request)
        try:
            event = json.loads(data)
        except ValueError as exc:
            raise self.error(ErrorKind.SERVER, f"malformed stream event: {data[:200]!r}") from exc
        try:
            text = state.feed(event)
        except BackendError as err:
            raise self.with_partial(self.error(err.kind, err.message), state, meter, request) from None
        if not text:
            return None
        meter.token()
        return Chunk(text)

    def final_chunk(self, state: StreamState, meter: RateMeter, request: GenerationRequest) -> Chunk:
        if state.finish_reason is not None and state.short_of_replay:
            state.diverged = True
            raise self.with_partial(
                self.error(ErrorKind.SERVER, "the retried stream ended before the text already streamed"),
                state,
                meter,
                request,
            )
        if state.finish_reason is None:
            # Seen with llama_cpp.server, which ends a running stream with [DONE] when another request
            # arrives (unless started with --interrupt_requests False): the text is truncated. Retried.
            raise self.with_partial(
                self.error(
                    ErrorKind.SERVER,
                    "the server ended the stream without a finish_reason (interrupted? "
                    "llama_cpp.server needs --interrupt_requests False for concurrent requests)",
                ),
                state,
                meter,
                request,
            )
        usage = self.usage(state.usage, request, state.n_text_events)
        return Chunk("", finish_reason=state.finish_reason, usage=usage, timings=meter.timings())

    def partial(self, state: StreamState, meter: RateMeter, request: GenerationRequest) -> Completion:
        usage = self.usage(state.usage, request, state.n_text_events)
        return Completion("".join(state.parts), None, usage, meter.timings())

    def with_partial(
        self, err: BackendError, state: StreamState, meter: RateMeter, request: GenerationRequest
    ) -> BackendError:
        err.partial = self.partial(state, meter, request)
        return err

    def check_cancel(self, request: GenerationRequest, state: StreamState, meter: RateMeter) -> None:
        if request.cancelled:
            raise self.error(ErrorKind.CANCELLED, "cancelled", partial=self.partial(state, meter, request))
