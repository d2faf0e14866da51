"""The OpenAI-compatible backend against a real llama_cpp.server on the loopback interface.

The server runs the tiny GGUF (see tests/tiny_gguf.py), so its greedy output must equal what our local
backend produces for the same prompt: the two code paths check each other.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from medinst_tui.backends.base import (
    Backend,
    BackendError,
    ChatMessage,
    ErrorKind,
    GenerationRequest,
)
from medinst_tui.backends.llama_local import LlamaLocalBackend
from medinst_tui.backends.openai_remote import OpenAIRemoteBackend, RetryPolicy
from medinst_tui.backends.pool import PoolRequest, ReplicaPool, complete_all
from tests.conftest_backends import SERVER_N_CTX, running_llama_server

MESSAGES: list[ChatMessage] = [
    {"role": "user", "content": "Classify: the drug lowered blood pressure."},
    {"role": "assistant", "content": "positive"},
    {"role": "user", "content": "Classify: no effect was observed."},
]
KEY_ENV = "MEDINST_TEST_LLAMA_KEY"
# llama_cpp.server applies repeat_penalty=1.1 unless told otherwise; plain greedy decoding needs 1.0.
NO_PENALTY = {"repeat_penalty": 1.0}


@pytest.fixture
def remote(llama_server: tuple[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[OpenAIRemoteBackend]:
    base_url, key = llama_server
    monkeypatch.setenv(KEY_ENV, key)
    backend = OpenAIRemoteBackend(
        base_url, api_key_env=KEY_ENV, retry=RetryPolicy(0, 0.01, 0.05), extra_body=NO_PENALTY
    )
    yield backend
    backend.close()


@pytest.fixture(scope="module")
def local(tiny_gguf_path: Path) -> Iterator[LlamaLocalBackend]:
    backend = LlamaLocalBackend(tiny_gguf_path, n_ctx=SERVER_N_CTX, n_threads=1)
    yield backend
    backend.close()


def test_is_a_backend(remote: OpenAIRemoteBackend) -> None:
    assert isinstance(remote, Backend)
    info = remote.describe()
    assert info.kind == "remote" and not info.exact_token_counts and not info.exact_render


def test_chat_non_streaming_matches_local_model(
    remote: OpenAIRemoteBackend, local: LlamaLocalBackend
) -> None:
    result = remote.complete(GenerationRequest(messages=MESSAGES, max_tokens=12))
    expected = local.complete(GenerationRequest(messages=MESSAGES, max_tokens=12))
    assert result.text == expected.text and len(result.text) == 12
    assert result.finish_reason == "length"
    assert result.usage.exact
    assert result.usage.completion_tokens == 12
    assert result.usage.prompt_tokens == local.count_tokens(MESSAGES)


def test_chat_streaming_equals_non_streaming(remote: OpenAIRemoteBackend) -> None:
    whole = remote.complete(GenerationRequest(messages=MESSAGES, max_tokens=12)).text
    chunks = list(remote.stream(GenerationRequest(messages=MESSAGES, max_tokens=12)))
    assert len(chunks) > 2 and chunks[-1].final
    assert "".join(c.text for c in chunks) == whole
    final = chunks[-1]
    assert final.finish_reason == "length" and final.usage is not None
    # This server sends no usage in streams: one event per token is counted, and labelled an estimate.
    assert final.usage.completion_tokens == 12 and not final.usage.exact
    assert final.timings is not None and final.timings.ttft_s is not None


def test_completions_api_streaming_and_not(llama_server: tuple[str, str], local: LlamaLocalBackend) -> None:
    base_url, key = llama_server
    backend = OpenAIRemoteBackend(base_url, api="completions", api_key=key, extra_body=NO_PENALTY)
    try:
        prompt = "Example 1: Input: aspirin Output: [aspirin]\nInput: caffeine Output:"
        expected = local.complete(GenerationRequest(prompt=prompt, max_tokens=10)).text
        whole = backend.complete(GenerationRequest(prompt=prompt, max_tokens=10))
        streamed = "".join(c.text for c in backend.stream(GenerationRequest(prompt=prompt, max_tokens=10)))
        assert whole.text == streamed == expected
        assert whole.usage.exact and whole.usage.prompt_tokens == local.count_tokens(prompt)
        with pytest.raises(BackendError) as caught:  # messages need a template on this API
            backend.complete(GenerationRequest(messages=MESSAGES))
        assert caught.value.kind is ErrorKind.CONFIG
    finally:
        backend.close()


def test_wrong_key_is_an_auth_error_without_the_key(
    llama_server: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    base_url, real_key = llama_server
    wrong = "sk-wrong-0123456789abcdef"
    monkeypatch.setenv(KEY_ENV, wrong)
    backend = OpenAIRemoteBackend(base_url, api_key_env=KEY_ENV, retry=RetryPolicy(2, 0.01, 0.05))
    try:
        for call in (
            lambda: backend.complete(GenerationRequest(messages=MESSAGES, max_tokens=2)),
            lambda: list(backend.stream(GenerationRequest(messages=MESSAGES, max_tokens=2))),
            backend.list_models,
        ):
            with pytest.raises(BackendError) as caught:
                call()
            err = caught.value
            assert err.kind is ErrorKind.AUTH and err.status == 401
            assert err.attempts == 1, "auth errors are not retried"
            assert KEY_ENV in err.message
            for text in (str(err), repr(err), repr(backend)):
                assert wrong not in text and real_key not in text
    finally:
        backend.close()


def test_over_long_prompt_is_a_context_overflow(remote: OpenAIRemoteBackend) -> None:
    with pytest.raises(BackendError) as caught:
        remote.complete(GenerationRequest(prompt="word " * SERVER_N_CTX, max_tokens=5))
    assert caught.value.kind is ErrorKind.CONTEXT_OVERFLOW and caught.value.status == 400


def test_list_models(remote: OpenAIRemoteBackend) -> None:
    models = remote.list_models()
    assert len(models) == 1 and models[0].endswith("tiny.gguf")


def test_cancel_a_remote_stream(remote: OpenAIRemoteBackend) -> None:
    cancel = threading.Event()
    got: list[str] = []
    with pytest.raises(BackendError) as caught:
        for chunk in remote.stream(GenerationRequest(messages=MESSAGES, max_tokens=100, cancel=cancel)):
            got.append(chunk.text)
            if len(got) == 2:
                cancel.set()
    assert caught.value.kind is ErrorKind.CANCELLED
    assert caught.value.partial is not None and caught.value.partial.text == "".join(got)


def test_the_pool_keeps_requests_in_flight_together(remote: OpenAIRemoteBackend) -> None:
    requests = [
        GenerationRequest(messages=[{"role": "user", "content": f"Case {i}: fever."}], max_tokens=6)
        for i in range(3)
    ]
    pool = ReplicaPool([remote], concurrency=3)
    results = {r.key: r for r in complete_all(pool, [PoolRequest(i, r) for i, r in enumerate(requests)])}
    answers = [results[i].completion for i in range(3)]
    assert [(a.finish_reason, len(a.text)) for a in answers if a] == [("length", 6)] * 3
    # not streamed: the server's own usage comes back, so the counts are exact
    assert all(a is not None and a.usage.exact for a in answers)
    again = OpenAIRemoteBackend(remote.base_url, api_key_env=KEY_ENV, extra_body=NO_PENALTY)
    try:
        assert [a.text for a in answers if a] == [again.complete(r).text for r in requests]
    finally:
        again.close()


def test_server_killed_mid_run_retries_then_fails(tiny_gguf_path: Path, tmp_path: Path) -> None:
    with running_llama_server(tiny_gguf_path, tmp_path) as server:
        backend = OpenAIRemoteBackend(
            server.base_url, api_key=server.api_key, retry=RetryPolicy(2, 0.01, 0.05), connect_timeout_s=2
        )
        try:
            ok = backend.complete(GenerationRequest(messages=MESSAGES, max_tokens=3))
            assert ok.usage.completion_tokens == 3
            server.stop()
            for call in (
                lambda: backend.complete(GenerationRequest(messages=MESSAGES, max_tokens=3)),
                lambda: list(backend.stream(GenerationRequest(messages=MESSAGES, max_tokens=3))),
            ):
                with pytest.raises(BackendError) as caught:
                    call()
                assert caught.value.kind is ErrorKind.CONNECTION
                assert caught.value.attempts == 3  # the first try and two retries
                assert server.api_key not in str(caught.value)
        finally:
            backend.close()
