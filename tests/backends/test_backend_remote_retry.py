"""A stream cut short is retried, against a loopback HTTP server of the test's own.

MOCKED SERVER: a real llama_cpp.server cuts a stream (``[DONE]`` with no ``finish_reason``) only when
a second request races it, which a test cannot time; nor does any real server drop a connection on
demand. So this tiny ``http.server`` plays a server that cuts its first stream(s), then answers
whole. Everything on the client side is real: httpx over a TCP socket, SSE parsing, the retry loop.
"""

from __future__ import annotations

import dataclasses
import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from medinst_tui.backends.base import BackendError, ErrorKind, GenerationRequest
from medinst_tui.backends.openai_remote import OpenAIRemoteBackend, RetryPolicy
from medinst_tui.backends.pool import PoolRequest, ReplicaPool, complete_all

REQUEST = GenerationRequest(messages=[{"role": "user", "content": "hi"}], max_tokens=8)
FAST = RetryPolicy(max_retries=2, backoff_base_s=0.001, backoff_max_s=0.01)

# One scripted answer: the SSE events to send, and whether to drop the connection after them.
Answer = tuple[list[dict[str, Any] | str], bool]


def delta(text: str, finish: str | None = None) -> dict[str, Any]:
    return {"choices": [{"index": 0, "delta": {"content": text}, "finish_reason": finish}]}


WHOLE: Answer = ([delta("Hel"), delta("lo"), delta(" you", "length"), "[DONE]"], False)
CUT: Answer = ([delta("Hel"), "[DONE]"], False)  # what llama_cpp.server sends to an interrupted stream
DROPPED: Answer = ([delta("Hel"), delta("lo")], True)  # the connection closes mid-body


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that stops reading early (the divergence tests) is expected here


class ScriptedServer:
    """Serves the scripted answers in order (the last one repeats); counts the requests."""

    def __init__(self, *answers: Answer) -> None:
        self.answers = answers
        self.requests = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers["Content-Length"]))
                events, drop = outer.answers[min(outer.requests, len(outer.answers) - 1)]
                outer.requests += 1
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                for event in events:
                    data = event if isinstance(event, str) else json.dumps(event)
                    payload = f"data: {data}\n\n".encode()
                    self.wfile.write(f"{len(payload):x}\r\n".encode() + payload + b"\r\n")
                    self.wfile.flush()
                if drop:
                    self.close_connection = True  # no terminating chunk: the body is incomplete
                    return
                self.wfile.write(b"0\r\n\r\n")

        self.httpd = _QuietServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"


@pytest.fixture
def serve() -> Iterator[Callable[..., ScriptedServer]]:
    started: list[ScriptedServer] = []

    def start(*answers: Answer) -> ScriptedServer:
        server = ScriptedServer(*answers)
        server.thread.start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.httpd.shutdown()
        server.httpd.server_close()


def backend(server: ScriptedServer) -> OpenAIRemoteBackend:
    return OpenAIRemoteBackend(server.url, "m", retry=FAST, max_concurrency=1)


@pytest.mark.parametrize("first", [CUT, DROPPED], ids=["no-finish-reason", "connection-dropped"])
def test_a_cut_stream_is_retried_and_the_text_is_not_repeated(
    serve: Callable[..., ScriptedServer], first: Answer
) -> None:
    server = serve(first, WHOLE)
    chunks = list(backend(server).stream(REQUEST))
    assert "".join(c.text for c in chunks) == "Hello you"  # "Hel" once, though it came twice
    assert chunks[-1].final and chunks[-1].finish_reason == "length"
    assert [c.final for c in chunks].count(True) == 1
    assert server.requests == 2


def test_complete_gets_the_whole_answer_after_a_cut(serve: Callable[..., ScriptedServer]) -> None:
    server = serve(CUT, CUT, WHOLE)
    cancellable = dataclasses.replace(REQUEST, cancel=threading.Event())  # complete() streams it
    answer = backend(server).complete(cancellable)
    assert answer.text == "Hello you" and answer.finish_reason == "length"
    assert server.requests == 3


def test_the_pool_retries_a_cut_stream_too(serve: Callable[..., ScriptedServer]) -> None:
    server = serve(CUT, WHOLE)
    tokens: list[str] = []
    pool = ReplicaPool([backend(server)])
    [result] = complete_all(pool, [PoolRequest(0, REQUEST)], on_token=lambda key, text: tokens.append(text))
    assert result.completion is not None and result.completion.text == "Hello you"
    assert "".join(tokens) == "Hello you" and result.attempts == 2  # "Hel" passed on once
    assert server.requests == 2


def test_cuts_beyond_the_retry_budget_keep_the_partial_text(serve: Callable[..., ScriptedServer]) -> None:
    server = serve(CUT)
    with pytest.raises(BackendError) as caught:
        list(backend(server).stream(REQUEST))
    assert caught.value.kind is ErrorKind.SERVER and "finish_reason" in caught.value.message
    assert "after 3 attempts" in caught.value.message and caught.value.attempts == 3
    assert caught.value.partial is not None and caught.value.partial.text == "Hel"
    assert server.requests == 3  # one try plus max_retries


def test_a_retry_that_says_something_else_is_not_spliced_on(serve: Callable[..., ScriptedServer]) -> None:
    other: Answer = ([delta("Goodbye", "stop"), "[DONE]"], False)
    server = serve(CUT, other)
    got: list[str] = []
    with pytest.raises(BackendError) as caught:
        for chunk in backend(server).stream(REQUEST):
            got.append(chunk.text)
    assert got == ["Hel"]
    assert "other text" in caught.value.message
    assert caught.value.partial is not None and caught.value.partial.text == "Hel"
    assert server.requests == 2  # no third try: the shown text cannot be taken back


def test_a_retry_that_ends_before_the_shown_text_is_an_error(serve: Callable[..., ScriptedServer]) -> None:
    short: Answer = ([delta("He", "stop"), "[DONE]"], False)
    server = serve(CUT, short)
    with pytest.raises(BackendError) as caught:
        list(backend(server).stream(REQUEST))
    assert "ended before the text already streamed" in caught.value.message
    assert caught.value.partial is not None and caught.value.partial.text == "Hel"
