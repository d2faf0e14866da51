"""Exact token counts where the server can give them; an estimate is labelled as one.

llama_cpp.server (real, tiny GGUF): its ``/extras/tokenize/count`` counts a completions prompt exactly,
and a non-streamed answer carries its usage. llama.cpp's own ``llama-server`` is not installable from
PyPI here, so its ``/apply-template`` + ``/tokenize`` path is MOCKED with ``httpx.MockTransport``.
"""

from __future__ import annotations

import json

import httpx

from medinst_tui.backends.base import GenerationRequest
from medinst_tui.backends.openai_remote import OpenAIRemoteBackend

PROMPT = "Question: is aspirin a drug?\nAnswer:"


def test_llama_cpp_server_counts_a_completions_prompt_exactly(llama_server: tuple[str, str]) -> None:
    base_url, key = llama_server
    backend = OpenAIRemoteBackend(base_url, api="completions", api_key=key, max_concurrency=1)
    try:
        info = backend.describe()
        assert info.exact_token_counts and dict(info.details)["token counts"].startswith("exact")
        answer = backend.complete(GenerationRequest(prompt=PROMPT, max_tokens=3))  # not streamed
        assert answer.usage.exact
        assert backend.count_tokens(PROMPT) == answer.usage.prompt_tokens == len(PROMPT.encode()) + 1  # BOS
    finally:
        backend.close()


def test_a_chat_prompt_it_renders_itself_is_an_estimate_and_says_so(llama_server: tuple[str, str]) -> None:
    base_url, key = llama_server
    backend = OpenAIRemoteBackend(base_url, api_key=key, max_concurrency=1)
    messages = [{"role": "user", "content": PROMPT}]
    try:
        info = backend.describe()
        assert not info.exact_token_counts and dict(info.details)["token counts"] == "estimated"
        streamed = list(backend.stream(GenerationRequest(messages=messages, max_tokens=3)))  # type: ignore[arg-type]
        final = streamed[-1].usage
        assert final is not None and not final.exact  # its stream reports no usage: estimated, and marked
        answer = backend.complete(GenerationRequest(messages=messages, max_tokens=3))  # type: ignore[arg-type]
        assert answer.usage.exact  # a final, non-streamed usage is the server's own count
    finally:
        backend.close()


def test_llama_server_counts_a_chat_prompt_with_its_own_template() -> None:
    seen: list[tuple[str, object]] = []

    def server(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        body = json.loads(request.content) if request.content else None
        seen.append((path, body))
        if path == "/v1/models":
            return httpx.Response(200, json={"data": [{"id": "m", "owned_by": "llamacpp"}]})
        if path == "/props":
            return httpx.Response(200, json={"total_slots": 2})
        if path == "/apply-template":
            assert isinstance(body, dict)
            return httpx.Response(200, json={"prompt": "<s>[user] " + body["messages"][0]["content"]})
        if path == "/tokenize":
            assert isinstance(body, dict)
            return httpx.Response(200, json={"tokens": list(range(len(body["content"].split())))})
        return httpx.Response(404)

    transport = httpx.MockTransport(server)
    backend = OpenAIRemoteBackend("http://llama.test/v1", transport=transport)
    try:
        assert backend.describe().exact_token_counts and backend.max_concurrency == 2
        assert backend.count_tokens([{"role": "user", "content": "one two three"}]) == 4
        tokenize = [b for p, b in seen if p == "/tokenize"]
        assert tokenize == [
            {"content": "<s>[user] one two three", "add_special": True, "parse_special": True}
        ]
        assert backend.count_tokens([{"role": "user", "content": "one two three"}]) == 4
        assert len([p for p, _ in seen if p == "/tokenize"]) == 1  # the same prompt is counted once
    finally:
        backend.close()
