"""How many requests a bare ``--endpoint`` keeps in flight, against a real ``llama_cpp.server``.

The server runs with its own defaults (``--interrupt_requests True``): it serves one request at a time
and ends a running stream early when a second request arrives. Before the backend asked the server,
a bare endpoint sent 4 requests at once and lost all but one answer of a 3-sample run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from medinst_tui.backends.openai_remote import OpenAIRemoteBackend
from tests.conftest_backends import LlamaServer, running_llama_server


@pytest.fixture(scope="module")
def default_server(tiny_gguf_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LlamaServer]:
    with running_llama_server(
        tiny_gguf_path, tmp_path_factory.mktemp("srv"), n_ctx=4096, interrupt_requests=True
    ) as server:
        yield server


def test_a_bare_endpoint_run_gets_every_answer_whole(
    demo_db: Path, default_server: LlamaServer, tmp_path: Path
) -> None:
    out = tmp_path / "answers.jsonl"
    args = ["--endpoint", default_server.base_url, "--api-key-env", "TEST_SERVER_KEY", "--task", "BC5CDR"]
    args += ["--limit", "3", "--shots", "0", "--max-tokens", "8", "--no-cache", "--db", str(demo_db)]
    proc = subprocess.run(
        [sys.executable, "-m", "medinst_tui", "run", *args, "-o", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, "TEST_SERVER_KEY": default_server.api_key},
    )
    assert proc.returncode == 0, proc.stderr
    results = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(results) == 3
    for result in results:
        assert result["error"] is None
        # the tiny model never ends by itself: a whole answer is exactly max_tokens long
        assert result["finish_reason"] == "length" and result["completion_tokens"] == 8
        assert len(result["prediction"]) == 8


def test_the_backend_says_what_it_chose_and_why(default_server: LlamaServer) -> None:
    asked = OpenAIRemoteBackend(default_server.base_url, api_key=default_server.api_key)
    told = OpenAIRemoteBackend(default_server.base_url, api_key=default_server.api_key, max_concurrency=3)
    try:
        info = asked.describe()
        assert info.max_concurrency == 1
        in_flight = dict(info.details)["in flight"]
        assert in_flight.startswith("1: llama_cpp.server") and "one request at a time" in in_flight
        assert told.describe().max_concurrency == 3  # a number from the preset or --concurrency wins
        assert dict(told.describe().details)["in flight"] == "3: set by the preset or --concurrency"
    finally:
        asked.close()
        told.close()
