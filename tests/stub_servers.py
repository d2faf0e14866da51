"""A loopback OpenAI-compatible stub that answers after a delay (the pool and replica tests' server)."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def answer(text: str, usage: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "choices": [{"message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": usage or {"prompt_tokens": 10, "completion_tokens": 1},
    }


Script = Any  # (request number, body) -> (status, JSON answer, headers) or None for the usual answer


class SlowStub:
    """Answers every chat request after ``delay_s``; records the most requests it held at once.

    ``script`` may answer otherwise (a 429, cached_tokens); ``drop_idle`` closes each connection after its
    answer without saying so, as a server whose keep-alive timed out does.
    """

    def __init__(
        self, delay_s: float = 0.05, model: str = "stub", script: Script = None, drop_idle: bool = False
    ) -> None:
        self.in_flight = self.most = self.served = self.posts = 0
        lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _send(
                self, body: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None
            ) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)
                self.close_connection = drop_idle

            def do_GET(self) -> None:
                self._send({"data": [{"id": model, "owned_by": "vllm"}]})

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with lock:
                    outer.posts += 1
                    number = outer.posts
                    outer.in_flight += 1
                    outer.most = max(outer.most, outer.in_flight)
                time.sleep(delay_s)
                with lock:
                    outer.in_flight -= 1
                    outer.served += 1
                scripted = script(number, body) if script is not None else None
                if scripted is not None:
                    self._send(scripted[1], scripted[0], scripted[2])
                    return
                self._send(answer(body["messages"][-1]["content"][::-1]))

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/v1"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
