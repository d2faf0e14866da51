"""The response cache answers only for exactly what the model saw (README: Reliability)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from medinst_tui.backends.base import ChatMessage, GenerationRequest
from medinst_tui.backends.llama_local import model_identity
from medinst_tui.backends.openai_remote import OpenAIRemoteBackend
from medinst_tui.backends.presets import load_backend
from medinst_tui.fewshot.shots import ShotSpec
from medinst_tui.runs.cache import ResponseCache, cache_key
from medinst_tui.runs.engine import RunConfig, RunEngine
from medinst_tui.store.index import Index

CONFIG = RunConfig(tasks=("MedQA",), split="test", limit=3, shots=ShotSpec("task", 1, seed=0), max_tokens=4)
# Two templates that render the same messages differently (a different turn marker).
TEMPLATE_A = "{% for m in messages %}<|{{ m.role }}|>{{ m.content }}\n{% endfor %}<|assistant|>"
TEMPLATE_B = "{% for m in messages %}[{{ m.role }}] {{ m.content }}\n{% endfor %}[assistant] "
MESSAGES: tuple[ChatMessage, ...] = ({"role": "user", "content": "Is aspirin an NSAID?"},)


def test_a_preset_that_differs_only_in_its_chat_template_misses_the_cache(
    tmp_path: Path, demo_db: Path, tiny_gguf_path: Path
) -> None:
    cache = ResponseCache(tmp_path / "cache.sqlite")
    index = Index(demo_db)
    try:
        first = load_backend(str(tiny_gguf_path), n_threads=1, chat_template=TEMPLATE_A)
        try:
            done = RunEngine(index, first, cache=cache).run(CONFIG)
            assert done.n_done == 3 and done.n_cached == 0
            again = RunEngine(index, first, cache=cache).run(CONFIG)
            assert again.n_cached == 3  # the same template: the cache answers
        finally:
            first.close()
        second = load_backend(str(tiny_gguf_path), n_threads=1, chat_template=TEMPLATE_B)
        try:
            other = RunEngine(index, second, cache=cache).run(CONFIG)
            # Same weights and messages, another rendering: none of the first template's answers.
            assert other.n_done == 3 and other.n_cached == 0
        finally:
            second.close()
    finally:
        index.close()
        cache.close()


def test_the_local_key_follows_the_rendered_tokens_and_the_sampling(tiny_gguf_path: Path) -> None:
    a = load_backend(str(tiny_gguf_path), n_threads=1, chat_template=TEMPLATE_A)
    b = load_backend(str(tiny_gguf_path), n_threads=1, chat_template=TEMPLATE_B)
    try:
        request = GenerationRequest(messages=MESSAGES, max_tokens=4)
        assert cache_key(a, request) == cache_key(a, GenerationRequest(messages=MESSAGES, max_tokens=4))
        assert cache_key(a, request) != cache_key(b, request)
        assert a.cache_identity(request)["tokens"] != b.cache_identity(request)["tokens"]
        assert cache_key(a, request) != cache_key(a, GenerationRequest(messages=MESSAGES, max_tokens=5))
        hot = GenerationRequest(messages=MESSAGES, max_tokens=4, temperature=0.7, seed=1)
        assert cache_key(a, request) != cache_key(a, hot)
    finally:
        a.close()
        b.close()


def test_the_weights_identity_follows_the_bytes_not_the_name_size_or_mtime(
    tmp_path: Path, tiny_gguf_path: Path
) -> None:
    copy = tmp_path / "copy.gguf"
    shutil.copy(tiny_gguf_path, copy)
    before = os.stat(copy)
    assert model_identity(copy).split("#")[1] == model_identity(tiny_gguf_path).split("#")[1]
    # One byte of the metadata changed, size and mtime restored: path+size+mtime cannot see it.
    data = bytearray(copy.read_bytes())
    spot = data.find(b"tokenizer.chat_template")
    assert spot > 0
    data[spot + len(b"tokenizer.chat_template") + 20] ^= 0x01
    copy.write_bytes(bytes(data))
    os.utime(copy, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert os.stat(copy).st_size == before.st_size and os.stat(copy).st_mtime_ns == before.st_mtime_ns
    assert model_identity(copy) != model_identity(tiny_gguf_path)


def test_the_remote_key_is_the_endpoint_and_the_body_as_sent() -> None:
    request = GenerationRequest(messages=MESSAGES, max_tokens=4)

    def key(url: str = "http://127.0.0.1:9/v1", **kw: object) -> str:
        backend = OpenAIRemoteBackend(url, "m", **kw)  # type: ignore[arg-type]
        try:
            return cache_key(backend, request)
        finally:
            backend.close()

    base = key()
    assert key() == base
    assert key(extra_body={"repeat_penalty": 1.1}) != base  # a server knob changes the answer
    assert key("http://127.0.0.1:10/v1") != base  # another server
    completions = {"api": "completions"}
    assert key(**completions, chat_template=TEMPLATE_A) != key(**completions, chat_template=TEMPLATE_B)
    # The key never holds the credentials of a URL.
    backend = OpenAIRemoteBackend("http://user:sekrit@127.0.0.1:9/v1", "m")
    try:
        assert "sekrit" not in repr(backend.cache_identity(request))
    finally:
        backend.close()
