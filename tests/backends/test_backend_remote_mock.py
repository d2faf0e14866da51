"""Remote backend failure handling that no local server produces on demand.

MOCKED: these tests use ``httpx.MockTransport`` because a real loopback server cannot be made to answer
429, 5xx, stall until a read timeout, drop a connection mid-stream, or echo the API key back. The real
server paths (auth, context overflow, streaming, a killed server) are in test_backend_remote.py.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from medinst_tui.backends.base import BackendError, ErrorKind, GenerationRequest
from medinst_tui.backends.openai_remote import OpenAIRemoteBackend, RetryPolicy
from medinst_tui.backends.pool import PoolRequest, ReplicaPool, complete_all

KEY = "sk-mock-5be1d2c3a4f5e6d7"
REQUEST = GenerationRequest(messages=[{"role": "user", "content": "hi"}], max_tokens=5)
FAST = RetryPolicy(max_retries=3, backoff_base_s=0.001, backoff_max_s=0.01)

Handler = Callable[[httpx.Request], httpx.Response]


def chat_body(text: str) -> dict[str, Any]:
    return {
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 7, "completion_tokens": 2, "total_tokens": 9},
    }


def sse(*events: dict[str, Any] | str) -> bytes:
    lines = [f"data: {e if isinstance(e, str) else json.dumps(e)}\n\n" for e in events]
    return "".join(lines).encode()


def delta(text: str, finish: str | None = None) -> dict[str, Any]:
    return {"choices": [{"index": 0, "delta": {"content": text}, "finish_reason": finish}]}


class Recorder:
    """Serves scripted responses in order (the last one repeats) and records the requests."""

    def __init__(self, *responses: Callable[[httpx.Request], httpx.Response]) -> None:
        self.responses = list(responses)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        index = min(len(self.requests), len(self.responses)) - 1
        return self.responses[index](request)


def status(code: int, body: Any = None, headers: dict[str, str] | None = None) -> Handler:
    return lambda request: httpx.Response(
        code, json=body or {"error": {"message": f"status {code}"}}, headers=headers
    )


def ok(text: str = "fine") -> Handler:
    return lambda request: httpx.Response(200, json=chat_body(text))


def make(recorder: Recorder, **kw: Any) -> OpenAIRemoteBackend:
    transport = httpx.MockTransport(recorder)
    return OpenAIRemoteBackend(
        "http://mock.test/v1",
        "m",
        api_key=KEY,
        retry=kw.pop("retry", FAST),
        transport=transport,
        async_transport=transport,
        **kw,
    )


def test_backoff_policy_doubles_caps_and_honours_retry_after() -> None:
    policy = RetryPolicy(max_retries=5, backoff_base_s=0.5, backoff_max_s=4.0)
    assert [policy.delay(n, None) for n in (1, 2, 3, 4, 5)] == [0.5, 1.0, 2.0, 4.0, 4.0]
    assert policy.delay(1, 3.0) == 3.0  # the server asked for longer
    assert policy.delay(3, 0.0) == 2.0  # never shorter than our own backoff
    assert policy.delay(1, 600.0) == 4.0  # but capped


def test_429_is_retried_until_success() -> None:
    recorder = Recorder(status(429, headers={"Retry-After": "0"}), status(429), ok("done"))
    backend = make(recorder)
    result = backend.complete(REQUEST)
    assert result.text == "done" and result.usage.exact and result.usage.completion_tokens == 2
    assert len(recorder.requests) == 3


@pytest.mark.parametrize(("code", "kind"), [(429, ErrorKind.RATE_LIMITED), (503, ErrorKind.SERVER)])
def test_persistent_failure_gives_up_after_max_retries(code: int, kind: ErrorKind) -> None:
    recorder = Recorder(status(code))
    backend = make(recorder)
    with pytest.raises(BackendError) as caught:
        list(backend.stream(REQUEST))
    assert caught.value.kind is kind and caught.value.status == code
    assert caught.value.attempts == 4 == len(recorder.requests)


def test_read_timeout_is_reported_not_retried() -> None:
    def stall(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    recorder = Recorder(stall)
    with pytest.raises(BackendError) as caught:
        make(recorder, read_timeout_s=7).complete(REQUEST)
    assert caught.value.kind is ErrorKind.TIMEOUT and "7 s" in caught.value.message
    assert len(recorder.requests) == 1


def test_connect_timeout_is_retried_as_a_connection_error() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectTimeout("connect timed out", request=request)

    recorder = Recorder(refuse, refuse, ok("back"))
    assert make(recorder).complete(REQUEST).text == "back"
    recorder = Recorder(refuse)
    with pytest.raises(BackendError) as caught:
        make(recorder).complete(REQUEST)
    assert caught.value.kind is ErrorKind.CONNECTION and len(recorder.requests) == 4


class DroppedStream(httpx.SyncByteStream):
    def __iter__(self) -> Iterator[bytes]:
        yield sse(delta("Hel"), delta("lo"))
        raise httpx.RemoteProtocolError("peer closed connection without sending complete message body")


def test_connection_dropped_mid_stream_is_retried_then_keeps_the_partial_text() -> None:
    recorder = Recorder(lambda request: httpx.Response(200, stream=DroppedStream()))
    got: list[str] = []
    with pytest.raises(BackendError) as caught:
        for chunk in make(recorder).stream(REQUEST):
            got.append(chunk.text)
    assert got == ["Hel", "lo"]  # each retry repeats the same text: it is passed on once
    assert caught.value.kind is ErrorKind.CONNECTION
    assert caught.value.partial is not None and caught.value.partial.text == "Hello"
    assert len(recorder.requests) == 1 + FAST.max_retries


def test_a_stream_without_finish_reason_is_flagged_as_truncated() -> None:
    # What llama_cpp.server sends to a stream it interrupts for a newer request.
    recorder = Recorder(lambda request: httpx.Response(200, content=sse(delta("par"), "[DONE]")))
    with pytest.raises(BackendError) as caught:
        list(make(recorder).stream(REQUEST))
    assert caught.value.kind is ErrorKind.SERVER and "interrupt" in caught.value.message
    assert caught.value.partial is not None and caught.value.partial.text == "par"


def test_stream_request_body_and_reported_usage() -> None:
    usage = {"prompt_tokens": 11, "completion_tokens": 2, "total_tokens": 13}
    events = sse(delta("a"), delta("b", "length"), {"choices": [], "usage": usage}, "[DONE]")
    recorder = Recorder(lambda request: httpx.Response(200, content=events))
    backend = make(recorder, extra_body={"repeat_penalty": 1.0})
    request = GenerationRequest(prompt="plain text", max_tokens=2, seed=7, stop=("###",))
    chunks = list(backend.stream(request))
    final = chunks[-1]
    assert "".join(c.text for c in chunks) == "ab" and final.finish_reason == "length"
    assert final.usage is not None and final.usage.exact and final.usage.prompt_tokens == 11
    sent = recorder.requests[0]
    body = json.loads(sent.content)
    assert sent.url.path == "/v1/chat/completions"
    assert sent.headers["authorization"] == f"Bearer {KEY}"
    assert body["messages"] == [{"role": "user", "content": "plain text"}]
    assert body["model"] == "m" and body["seed"] == 7 and body["stop"] == ["###"]
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}
    assert body["repeat_penalty"] == 1.0 and body["temperature"] == 0.0


def test_a_key_echoed_by_the_server_is_redacted() -> None:
    body = {"error": {"message": f"Incorrect API key provided: {KEY}."}}
    backend = make(Recorder(status(401, body)))
    with pytest.raises(BackendError) as caught:
        backend.complete(REQUEST)
    err = caught.value
    assert err.kind is ErrorKind.AUTH
    assert "Incorrect API key provided: ***" in err.message
    for text in (str(err), repr(err), repr(backend), repr(backend.describe())):
        assert KEY not in text


def test_cancel_interrupts_the_backoff_wait() -> None:
    recorder = Recorder(status(429, headers={"Retry-After": "30"}))
    backend = make(recorder, retry=RetryPolicy(max_retries=3, backoff_base_s=30, backoff_max_s=60))
    cancel = threading.Event()
    timer = threading.Timer(0.2, cancel.set)
    timer.start()
    start = time.monotonic()
    with pytest.raises(BackendError) as caught:
        list(backend.stream(GenerationRequest(prompt="x", cancel=cancel)))
    assert caught.value.kind is ErrorKind.CANCELLED
    assert time.monotonic() - start < 5
    assert len(recorder.requests) == 1


def test_the_pool_retries_a_502_too() -> None:
    events = sse(delta("x"), delta("y", "stop"), "[DONE]")
    recorder = Recorder(status(502), lambda request: httpx.Response(200, content=events))
    pool = ReplicaPool([make(recorder, max_concurrency=1)])
    [result] = complete_all(pool, [PoolRequest(0, REQUEST)], on_token=lambda key, text: None)
    assert result.completion is not None and result.completion.text == "xy"
    assert result.completion.finish_reason == "stop" and len(recorder.requests) == 2


# -- how many requests in flight: asked of the server ---------------------------------------------------
# MOCKED: vLLM, SGLang and llama.cpp's own llama-server (with /props and /slots) are not installed here;
# the real llama_cpp.server case is in test_backend_remote_concurrency.py.


def routes(table: dict[str, Any]) -> Handler:
    """GET answers by path (a missing path is a 404), recording nothing else."""

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path in table:
            return httpx.Response(200, json=table[request.url.path])
        return httpx.Response(404, json={"error": {"message": "not found"}})

    return handler


def models(owned_by: str) -> dict[str, Any]:
    return {"object": "list", "data": [{"id": "m", "object": "model", "owned_by": owned_by}]}


@pytest.mark.parametrize(
    ("table", "n", "why"),
    [
        ({"/v1/models": models("vllm")}, 64, "vllm"),
        ({"/v1/models": models("sglang")}, 64, "sglang"),
        ({"/v1/models": models("llamacpp"), "/props": {"total_slots": 4}}, 4, "/props total_slots"),
        ({"/v1/models": models("llamacpp"), "/slots": [{"id": 0}, {"id": 1}]}, 2, "/slots"),
        ({"/v1/models": models("me")}, 1, "llama_cpp.server"),
        ({"/v1/models": models("organization-owner")}, 1, "unknown server (owned_by 'organization-owner')"),
        ({}, 1, "unknown server (no answer from /v1/models)"),
    ],
)
def test_concurrency_is_asked_of_the_server(table: dict[str, Any], n: int, why: str) -> None:
    recorder = Recorder(routes(table))
    backend = make(recorder, max_concurrency=None)
    assert backend.describe().max_concurrency == n
    assert why in dict(backend.describe().details)["in flight"]
    asked = len(recorder.requests)
    backend.describe()
    assert len(recorder.requests) == asked  # asked once per backend


def test_a_number_from_the_preset_wins_over_the_server() -> None:
    recorder = Recorder(routes({"/v1/models": models("vllm")}))
    backend = make(recorder, max_concurrency=2)
    assert backend.describe().max_concurrency == 2
    assert dict(backend.describe().details)["server"] == "vllm"  # asked, but not for the number


def test_an_unreachable_server_gets_one_in_flight_without_an_error() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    backend = make(Recorder(refuse))
    assert backend.describe().max_concurrency == 1
