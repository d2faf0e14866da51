"""medinst sends the paper's request, and every deviation is declared: the line this test holds.

A recording proxy on 127.0.0.1 stands in front of the real ``python -m llama_cpp.server`` (tiny GGUF,
``--interrupt_requests False``) and keeps every request body. Each body must equal the request the
paper's evaluation.py built for the row, from its documented protocol (README "Few-shot runs and
scoring"): ``messages`` = each ``history`` pair as a user then an assistant turn, then
``instruction + "\\n" + input``; ``model``; ``max_tokens`` 1024; ``temperature`` 0 -- plus, on a stream,
only ``stream`` and ``stream_options``. Each shipped preset is checked the same way: what it adds must be
declared under ``deviations``, and the test reads that declaration.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from medinst_tui.backends.base import STREAM_FIELDS, ChatMessage, GenerationRequest
from medinst_tui.backends.presets import (
    ModelPreset,
    PresetError,
    backend_from_preset,
    check_available,
    load_presets,
    parse_preset,
)
from medinst_tui.store.filters import Filter
from medinst_tui.store.index import Index, Row
from tests.conftest_backends import LlamaServer, running_llama_server

STREAMED = {"stream": True, "stream_options": {"include_usage": True}}
PAPER_MAX_TOKENS = 1024
N_ROWS = 3


class RecordingProxy:
    """Forwards every request to ``upstream`` (adding its API key) and records the JSON bodies."""

    def __init__(self, upstream: str, api_key: str) -> None:
        self.bodies: list[tuple[str, dict[str, Any]]] = []  # (path, body) of each POST
        self._lock = threading.Lock()
        client = httpx.Client(timeout=300)
        outer = self
        root = upstream.removesuffix("/v1")

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _forward(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                if method == "POST":
                    with outer._lock:
                        outer.bodies.append((self.path, json.loads(raw)))
                headers = {"Authorization": f"Bearer {api_key}", "Content-Type": "application/json"}
                answer = client.request(method, root + self.path, content=raw or None, headers=headers)
                self.send_response(answer.status_code)
                self.send_header("Content-Type", answer.headers.get("content-type", "application/json"))
                self.send_header("Content-Length", str(len(answer.content)))
                self.end_headers()
                self.wfile.write(answer.content)

            def do_GET(self) -> None:
                self._forward("GET")

            def do_POST(self) -> None:
                self._forward("POST")

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/v1"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        self._client = client

    def generation_bodies(self) -> list[dict[str, Any]]:
        with self._lock:
            return [body for path, body in self.bodies if path.endswith("/completions")]

    def clear(self) -> None:
        with self._lock:
            self.bodies.clear()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._client.close()


@pytest.fixture(scope="module")
def server(tiny_gguf_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LlamaServer]:
    with running_llama_server(tiny_gguf_path, tmp_path_factory.mktemp("fidelity"), n_ctx=4096) as srv:
        yield srv


@pytest.fixture
def proxy(server: LlamaServer) -> Iterator[RecordingProxy]:
    recorder = RecordingProxy(server.base_url, server.api_key)
    yield recorder
    recorder.close()


def served_model(server: LlamaServer) -> str:
    """The server's one model id: what a bare --endpoint names (the paper's script always named one)."""
    answer = httpx.get(f"{server.base_url}/models", headers={"Authorization": f"Bearer {server.api_key}"})
    [model] = [m["id"] for m in answer.json()["data"]]
    return str(model)


def paper_messages(row: Row) -> list[ChatMessage]:
    """evaluation.py's messages: the history pairs as turns, then instruction + "\\n" + input."""
    messages: list[ChatMessage] = []
    for user, assistant in row.history or []:
        messages += [{"role": "user", "content": user}, {"role": "assistant", "content": assistant}]
    return [*messages, {"role": "user", "content": row.instruction + "\n" + row.input}]


def paper_request(row: Row, model: str) -> dict[str, Any]:
    return {
        "model": model,
        "messages": paper_messages(row),
        "max_tokens": PAPER_MAX_TOKENS,
        "temperature": 0,
    }


def history_rows(demo_db: Path) -> list[Row]:
    with Index(demo_db) as index:
        rows = index.page(Filter(tasks=("MedQA",), splits=("test",)), limit=N_ROWS)
    assert len(rows) == N_ROWS and all(r.history for r in rows)  # the demo's MEDINST32 rows carry shots
    return rows


def run_cli(demo_db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "medinst_tui", "run", "--task", "MedQA", "--limit", str(N_ROWS)]
    cmd += ["--history", "--no-cache", "--db", str(demo_db), *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=False, env={**os.environ})


@pytest.mark.parametrize("named", [True, False], ids=["endpoint-model", "bare-endpoint"])
def test_medinst_run_history_sends_the_papers_request(
    demo_db: Path, server: LlamaServer, proxy: RecordingProxy, tmp_path: Path, named: bool
) -> None:
    model = "tiny-test-model" if named else served_model(server)
    extra = ["--endpoint-model", model] if named else []
    out = tmp_path / "run.jsonl"
    proc = run_cli(demo_db, "--endpoint", proxy.url, *extra, "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    results = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["error"] for r in results] == [None] * N_ROWS
    bodies = proxy.generation_bodies()
    expected = [paper_request(row, model) for row in history_rows(demo_db)]
    assert len(bodies) == N_ROWS
    for body, paper in zip(bodies, expected, strict=True):
        streamed = {k: body[k] for k in STREAM_FIELDS if k in body}
        assert streamed in ({}, STREAMED)  # nothing but what a stream needs
        assert {k: v for k, v in body.items() if k not in STREAM_FIELDS} == paper
        assert "top_p" not in body and "repeat_penalty" not in body


def preset_request(preset: ModelPreset, row: Row) -> GenerationRequest:
    s = preset.sampling
    return GenerationRequest(
        messages=paper_messages(row),
        max_tokens=s.max_tokens,
        temperature=s.temperature,
        top_p=s.top_p,
        seed=s.seed,
    )


SHIPPED = load_presets()


@pytest.mark.parametrize("name", sorted(n for n, p in SHIPPED.items() if p.kind == "remote"))
def test_each_shipped_remote_preset_sends_the_papers_request_or_declares_why_not(
    name: str, demo_db: Path, server: LlamaServer, proxy: RecordingProxy
) -> None:
    preset = SHIPPED[name]
    # the preset as shipped, pointed at the recording proxy (no key: the proxy adds the server's)
    backend = backend_from_preset(dataclasses.replace(preset, base_url=proxy.url, api_key_env=None))
    row = history_rows(demo_db)[0]
    try:
        backend.complete(preset_request(preset, row))  # not streamed: the paper's exact call
        list(backend.stream(preset_request(preset, row)))
        info = backend.describe()
    finally:
        backend.close()
    model = preset.model or served_model(server)
    paper = paper_request(row, model)
    declared = dict(info.deviations)
    plain, streamed = proxy.generation_bodies()
    assert {k: plain[k] for k in STREAM_FIELDS if k in plain} == {}
    assert {k: streamed[k] for k in STREAM_FIELDS} == STREAMED
    for body in (plain, streamed):
        sent = {k: v for k, v in body.items() if k not in STREAM_FIELDS}
        added = {k for k in sent if k not in paper or sent[k] != paper[k]}
        assert added <= set(declared), f"{name} sends {sorted(added - set(declared))} without declaring it"
        assert {k: sent[k] for k in paper if k not in declared} == {
            k: v for k, v in paper.items() if k not in declared
        }
    # the reproducibility record's template is the body as sent, placeholders filled in
    template = dict(info.request_template["body"])
    assert template.pop("messages") == "{messages}" and template.pop("max_tokens") == "{max_tokens}"
    assert template.pop("temperature") == "{temperature}"
    assert template == {k: v for k, v in plain.items() if k not in ("messages", "max_tokens", "temperature")}


@pytest.mark.parametrize("name", sorted(n for n, p in SHIPPED.items() if p.kind == "local"))
def test_each_shipped_local_preset_decodes_as_the_paper_did_or_declares_why_not(name: str) -> None:
    preset = SHIPPED[name]
    if check_available(preset):
        pytest.skip(f"{name}: {check_available(preset)}")
    backend = backend_from_preset(dataclasses.replace(preset, n_threads=1, n_ctx=1024))
    messages: list[ChatMessage] = [{"role": "user", "content": "Is aspirin a drug?"}]
    try:
        info = backend.describe()
        identity = backend.cache_identity(
            preset_request(preset, Row(0, "t", "test", "QA", "Q", "x", "", None, "", "", 0))
        )
        rendered = backend.render(messages) if preset.prompt_format == "medinst-chat" else ""
    finally:
        backend.close()
    declared = dict(info.deviations)
    assert identity["max_tokens"] == PAPER_MAX_TOKENS or "max_tokens" in declared
    sampling = identity["sampling"]
    assert isinstance(sampling, dict)
    # greedy: the paper's temperature 0; nothing else changes what greedy decoding picks
    assert sampling["temperature"] == 0 or "temperature" in declared
    assert preset.prompt_format == "medinst-chat" or "prompt_format" in declared
    if info.default_system_prompt is not None:  # the template adds a system turn the paper never sent
        assert info.default_system_prompt in rendered
        assert "system_prompt" in declared and info.default_system_prompt in declared["system_prompt"]


def test_a_preset_that_changes_the_request_must_say_why(tmp_path: Path) -> None:
    base = {"name": "x", "kind": "remote", "base_url": "http://127.0.0.1:9/v1"}
    with pytest.raises(PresetError, match=r"extra_body\.repeat_penalty .*deviations"):
        parse_preset({**base, "extra_body": {"repeat_penalty": 1.0}})
    with pytest.raises(PresetError, match=r"sampling\.temperature"):
        parse_preset({**base, "sampling": {"temperature": 0.7}})
    with pytest.raises(PresetError, match="prompt_format"):
        parse_preset({**base, "prompt_format": "medinst-plain"})
    why = "greedy without llama_cpp.server's default 1.1"
    preset = parse_preset(
        {**base, "extra_body": {"repeat_penalty": 1.0}, "deviations": {"repeat_penalty": why}}
    )
    backend = backend_from_preset(dataclasses.replace(preset, max_concurrency=1, model="m"))
    try:
        info = backend.describe()
        assert dict(info.deviations) == {"repeat_penalty": why}
        assert why in dict(info.details)["deviates from the paper"]
        assert info.request_template["body"]["repeat_penalty"] == 1.0
    finally:
        backend.close()


def test_the_pool_sends_exactly_the_papers_body(
    demo_db: Path, server: LlamaServer, proxy: RecordingProxy
) -> None:
    from medinst_tui.backends.openai_remote import OpenAIRemoteBackend
    from medinst_tui.backends.pool import PoolRequest, ReplicaPool, complete_all

    rows = history_rows(demo_db)
    backend = OpenAIRemoteBackend(proxy.url, max_concurrency=1)
    pool = ReplicaPool([backend])
    requests = [PoolRequest(i, GenerationRequest(messages=paper_messages(r))) for i, r in enumerate(rows)]
    results = list(complete_all(pool, requests))  # no on_token: not streamed, as evaluation.py did
    backend.close()
    assert all(r.completion is not None and r.completion.usage.exact for r in results)
    model = served_model(server)
    assert proxy.generation_bodies() == [paper_request(row, model) for row in rows]


def test_medinst_eval_medinst32_sends_the_papers_request(
    demo_db: Path, server: LlamaServer, proxy: RecordingProxy, tmp_path: Path
) -> None:
    out = tmp_path / "eval"
    cmd = [sys.executable, "-m", "medinst_tui", "eval", "medinst32", "--tasks", "MedQA", "--per-task", "2"]
    cmd += ["--endpoint", proxy.url, "--no-cache", "--db", str(demo_db), "-o", str(out)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=False, env={**os.environ})
    assert proc.returncode == 0, proc.stderr
    results = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    assert len(results) == 2 and [r["error"] for r in results] == [None, None]
    with Index(demo_db) as index:
        rows = [index.get(int(r["id"])) for r in results]
    model = served_model(server)
    assert all(row is not None and row.history for row in rows)
    expected = [paper_request(row, model) for row in rows if row is not None]
    sent = [{k: v for k, v in b.items() if k not in STREAM_FIELDS} for b in proxy.generation_bodies()]

    def by_messages(body: dict[str, Any]) -> str:
        return json.dumps(body["messages"])

    assert sorted(sent, key=by_messages) == sorted(expected, key=by_messages)  # 0.0 == 0: same JSON number
    for body in proxy.generation_bodies():
        assert {k: body[k] for k in STREAM_FIELDS if k in body} in ({}, STREAMED)
