"""Issue 8, "a run in which every sample failed exits 0 and is listed as `done`": a run's status and exit code
say what happened (README "Exit codes"): `done` 0, `partial` 1, `failed` 3, `cancelled` 130.

The endpoint is a real HTTP server on 127.0.0.1 of the test's own, because no real OpenAI-compatible
server refuses requests on demand: it answers 400 to the chat requests it is told to refuse and a normal
streamed answer to the others (and can hold one request open, for Ctrl-C). The client side is all real:
`medinst run` (in-process, and as a subprocess for the SIGINT), httpx over TCP, the runs DB.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from medinst_tui.cli.main import main
from medinst_tui.exit_codes import ExitCode
from medinst_tui.runs.store import RunStore


class _Quiet(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # the client that was interrupted closes its socket under a held request


class Endpoint:
    """`refuse(n)` says whether the n-th chat request (0-based) gets a 400; `hold` is the request number
    kept open until `release` is set (`held` is set when it arrives)."""

    def __init__(self, refuse: Callable[[int], bool], hold: int | None = None) -> None:
        self.requests = 0
        self.held = threading.Event()
        self.release = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:  # /v1/models, /props, /slots: an unknown server (1 request at a time)
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                n = outer.requests
                outer.requests += 1
                if n == hold:
                    outer.held.set()
                    outer.release.wait(60)
                if refuse(n):
                    payload = json.dumps({"error": {"message": "refused by the test server"}}).encode()
                    self.send_response(400)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                    return
                assert body.get("stream"), body  # the engine streams (it can be cancelled between tokens)
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                for event in (
                    {"choices": [{"index": 0, "delta": {"content": "Insulin"}, "finish_reason": None}]},
                    {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
                    "[DONE]",
                ):
                    data = event if isinstance(event, str) else json.dumps(event)
                    chunk = f"data: {data}\n\n".encode()
                    self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                self.wfile.write(b"0\r\n\r\n")

        self.httpd = _Quiet(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def close(self) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def endpoint() -> Iterator[Callable[..., Endpoint]]:
    started: list[Endpoint] = []

    def start(refuse: Callable[[int], bool], hold: int | None = None) -> Endpoint:
        started.append(Endpoint(refuse, hold))
        return started[-1]

    yield start
    for server in started:
        server.close()


def run_args(demo_db: Path, url: str, limit: int = 3) -> list[str]:
    return [
        "run", "--db", str(demo_db), "--task", "MedQA", "--limit", str(limit), "--shots", "0",
        "--endpoint", url, "--endpoint-model", "test-model", "--max-tokens", "4", "--no-cache",
    ]  # fmt: skip


@pytest.fixture
def runs_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> RunStore:
    monkeypatch.setenv("MEDINST_RUNS_DB", str(tmp_path / "runs.duckdb"))
    return RunStore(tmp_path / "runs.duckdb")


def test_every_sample_failing_exits_3_with_status_failed(
    demo_db: Path, endpoint: Callable[..., Endpoint], runs_db: RunStore, capsys: pytest.CaptureFixture[str]
) -> None:
    server = endpoint(refuse=lambda n: True)
    assert main(run_args(demo_db, server.url)) == 3 == int(ExitCode.ALL_FAILED)
    (run,) = runs_db.list_runs()
    assert run.status == "failed" and run.n_done == 0 and run.n_errors == 3 and server.requests == 3
    assert {r.error_kind for r in runs_db.results(run.id)} == {"bad_request"}
    captured = capsys.readouterr()
    assert "failed: 0 scored, 3 error(s)" in captured.out
    assert "no sample was scored" in captured.err


def test_some_samples_failing_exits_1_with_status_partial(
    demo_db: Path, endpoint: Callable[..., Endpoint], runs_db: RunStore
) -> None:
    server = endpoint(refuse=lambda n: n == 1)
    assert main(run_args(demo_db, server.url)) == 1 == int(ExitCode.SOME_FAILED)
    (run,) = runs_db.list_runs()
    assert run.status == "partial" and run.n_done == 2 and run.n_errors == 1
    results = runs_db.results(run.id)
    assert [r.error_kind for r in results] == [None, "bad_request", None]
    assert run.summary["MedQA"]["em"].n == 2  # only the scored samples count


def test_no_failure_exits_0_with_status_done(
    demo_db: Path, endpoint: Callable[..., Endpoint], runs_db: RunStore
) -> None:
    server = endpoint(refuse=lambda n: False)
    assert main(run_args(demo_db, server.url)) == ExitCode.OK
    (run,) = runs_db.list_runs()
    assert run.status == "done" and run.n_done == 3 and run.n_errors == 0


def test_ctrl_c_exits_130_with_status_cancelled(
    demo_db: Path, endpoint: Callable[..., Endpoint], runs_db: RunStore
) -> None:
    server = endpoint(refuse=lambda n: False, hold=1)  # the second request hangs until SIGINT
    proc = subprocess.Popen(
        [sys.executable, "-m", "medinst_tui", *run_args(demo_db, server.url)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=os.environ.copy(),
    )
    try:
        assert server.held.wait(120), "the run never sent its second request"
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130 == int(ExitCode.INTERRUPTED), stderr
    assert b"Traceback" not in stderr and b"interrupted" in stderr
    (run,) = runs_db.list_runs()
    assert run.status == "cancelled" and run.n_done == 1 and run.n_errors == 0
