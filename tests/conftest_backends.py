"""Fixtures for the backend tests: the tiny GGUF and a real loopback ``llama_cpp.server``.

tests/conftest.py imports them, so every test module sees them.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.tiny_gguf import write_tiny_gguf

SERVER_API_KEY = "sk-test-7f3a9c2e-not-a-real-key"
SERVER_N_CTX = 256


@dataclass
class LlamaServer:
    base_url: str  # ends in /v1
    api_key: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def running_llama_server(
    model: Path,
    log_dir: Path,
    *,
    api_key: str = SERVER_API_KEY,
    n_ctx: int = SERVER_N_CTX,
    interrupt_requests: bool = False,
) -> Iterator[LlamaServer]:
    """Start ``python -m llama_cpp.server`` on a free loopback port and wait until it answers.

    By default the server queues concurrent requests; its own default (``interrupt_requests``) ends a
    running stream early whenever another request arrives.
    """
    port = free_port()
    log_path = log_dir / f"llama_server_{port}.log"
    cmd = [
        sys.executable,
        "-m",
        "llama_cpp.server",
        "--model",
        str(model),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--api_key",
        api_key,
        "--n_ctx",
        str(n_ctx),
        "--n_threads",
        "1",
        "--n_threads_batch",
        "1",
        "--interrupt_requests",
        str(interrupt_requests),
    ]
    with log_path.open("wb") as log:
        process = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env={**os.environ})
    server = LlamaServer(f"http://127.0.0.1:{port}/v1", api_key, process, log_path)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"llama_cpp.server exited early:\n{server.log()}")
            try:
                response = httpx.get(
                    f"{server.base_url}/models", headers={"Authorization": f"Bearer {api_key}"}, timeout=2
                )
                if response.status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"llama_cpp.server did not start in 60 s:\n{server.log()}")
            time.sleep(0.1)
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def tiny_gguf_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny test model (written once per session)."""
    return write_tiny_gguf(tmp_path_factory.mktemp("tiny_gguf") / "tiny.gguf")


@pytest.fixture(scope="session")
def tiny_gguf_no_template_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same model without ``tokenizer.chat_template``."""
    return write_tiny_gguf(tmp_path_factory.mktemp("tiny_gguf") / "tiny_plain.gguf", chat_template=None)


@pytest.fixture(scope="session")
def llama_server(tiny_gguf_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """A real llama_cpp.server on 127.0.0.1 serving the tiny model: yields (base_url, api_key)."""
    with running_llama_server(tiny_gguf_path, tmp_path_factory.mktemp("llama_server")) as server:
        yield server.base_url, server.api_key
