"""Batch runs against a real OpenAI-compatible server: llama_cpp.server with the tiny model on 127.0.0.1."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from medinst_tui.backends.openai_remote import OpenAIRemoteBackend, RetryPolicy
from medinst_tui.fewshot.shots import ShotSpec
from medinst_tui.runs.cache import ResponseCache
from medinst_tui.runs.engine import RunConfig, RunEngine
from medinst_tui.store.index import Index
from tests import conftest_backends
from tests.conftest_backends import LlamaServer, running_llama_server

N_CTX = 4096

CONFIG = RunConfig(
    tasks=("BC5CDR",), split="test", limit=6, shots=ShotSpec("task", 1, seed=0), max_tokens=6, concurrency=3
)


@pytest.fixture(scope="module")
def server(tiny_gguf_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LlamaServer]:
    """The shared test server has a 256-token context; demo prompts with a shot need more."""
    with running_llama_server(tiny_gguf_path, tmp_path_factory.mktemp("srv"), n_ctx=N_CTX) as srv:
        yield srv


def test_remote_batch_keeps_requests_in_flight_and_never_logs_the_key(
    demo_db: Path, server: LlamaServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base_url, key = server.base_url, server.api_key
    monkeypatch.setenv("TEST_LLAMA_KEY", key)
    backend = OpenAIRemoteBackend(base_url, api_key_env="TEST_LLAMA_KEY", max_concurrency=3)
    out = tmp_path / "remote.jsonl"
    with Index(demo_db) as index:
        engine = RunEngine(index, backend, cache=ResponseCache(tmp_path / "c.sqlite"))
        outcome = engine.run(CONFIG, output=out)
        assert outcome.n_done == 6 and outcome.n_errors == 0
        assert sorted(r.seq for r in outcome.results) == list(range(6))
        assert all(r.completion_tokens == 6 for r in outcome.results)
        again = engine.run(CONFIG)
        assert again.n_cached == 6
    text = out.read_text()
    assert key not in text
    assert {json.loads(line)["task"] for line in text.splitlines()} == {"BC5CDR"}
    backend.close()


def test_a_wrong_key_is_a_per_sample_error(demo_db: Path, server: LlamaServer) -> None:
    base_url, key = server.base_url, server.api_key
    backend = OpenAIRemoteBackend(base_url, api_key="sk-wrong-" + key[::-1], max_concurrency=3)
    with Index(demo_db) as index:
        outcome = RunEngine(index, backend).run(CONFIG)
    assert outcome.status == "failed" and outcome.n_errors == 6 and outcome.n_done == 0
    assert all(r.error_kind == "auth" for r in outcome.results)
    assert all(key[::-1] not in (r.error or "") for r in outcome.results)
    backend.close()


def test_server_killed_mid_run_gives_per_sample_errors_and_the_run_resumes(
    demo_db: Path, tiny_gguf_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = ResponseCache(tmp_path / "c.sqlite")
    config = RunConfig(tasks=("BC5CDR",), split="test", limit=6, shots=ShotSpec("none"), max_tokens=4)
    with running_llama_server(tiny_gguf_path, tmp_path, n_ctx=N_CTX) as server:
        url = server.base_url
        backend = OpenAIRemoteBackend(
            server.base_url,
            api_key=server.api_key,
            retry=RetryPolicy(max_retries=1, backoff_base_s=0.05),
            max_concurrency=1,
            connect_timeout_s=1.0,
        )
        with Index(demo_db) as index:
            engine = RunEngine(index, backend, cache=cache)
            first = engine.run(RunConfig(**{**config.__dict__, "limit": 2}))
            assert first.n_done == 2
            server.stop()  # the server dies: the rest fails after its retries, one error per sample
            broken = engine.run(config)
    assert broken.n_cached == 2 and broken.n_errors == 4 and broken.status == "partial"
    assert all(r.error_kind == "connection" for r in broken.results[2:])
    # the same endpoint comes back (same port: the cache keys on the endpoint's identity)
    port = int(url.rsplit(":", 1)[1].split("/")[0])
    monkeypatch.setattr(conftest_backends, "free_port", lambda: port)
    with running_llama_server(tiny_gguf_path, tmp_path, n_ctx=N_CTX) as server:
        assert server.base_url == url
        backend = OpenAIRemoteBackend(server.base_url, api_key=server.api_key, max_concurrency=1)
        with Index(demo_db) as index:
            resumed = RunEngine(index, backend, cache=cache).run(config)
    assert resumed.n_done == 6 and resumed.n_cached == 2
