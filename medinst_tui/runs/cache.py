"""The response cache: what the model saw (weights or endpoint, exact prompt, sampling) -> its answer.

A rerun is free and an interrupted run resumes where it stopped. SQLite in WAL mode, because the TUI and
a `medinst run` in another terminal may use it at the same time.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from medinst_tui.backends.base import Backend, GenerationRequest


@dataclass(frozen=True)
class CachedResponse:
    text: str
    finish_reason: str | None
    prompt_tokens: int
    completion_tokens: int


# Bump when what goes into a key changes: old entries then miss instead of answering for another prompt.
KEY_VERSION = 2


def cache_key(backend: Backend, request: GenerationRequest) -> str:
    """A key for exactly what the model sees: the backend's ``cache_identity`` of the request.

    For a local model that is the prompt after its chat template (as tokens), so two presets that differ
    only in the template never share answers; for a remote one, the endpoint and the request body as sent.
    """
    payload = {"v": KEY_VERSION, **backend.cache_identity(request)}
    blob = json.dumps(payload, sort_keys=True, ensure_ascii=False).encode("utf-8")
    return hashlib.sha256(blob).hexdigest()


class ResponseCache:
    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._con = sqlite3.connect(str(path), check_same_thread=False, timeout=30)
        self._con.execute("PRAGMA journal_mode=WAL")
        self._con.execute(
            "CREATE TABLE IF NOT EXISTS responses (key TEXT PRIMARY KEY, text TEXT NOT NULL, "
            "finish_reason TEXT, prompt_tokens INTEGER, completion_tokens INTEGER, created REAL)"
        )
        self._con.commit()

    def get(self, key: str) -> CachedResponse | None:
        with self._lock:
            row = self._con.execute(
                "SELECT text, finish_reason, prompt_tokens, completion_tokens FROM responses WHERE key = ?",
                (key,),
            ).fetchone()
        return CachedResponse(row[0], row[1], int(row[2] or 0), int(row[3] or 0)) if row else None

    def put(self, key: str, response: CachedResponse) -> None:
        with self._lock:
            self._con.execute(
                "INSERT OR REPLACE INTO responses VALUES (?, ?, ?, ?, ?, ?)",
                (
                    key,
                    response.text,
                    response.finish_reason,
                    response.prompt_tokens,
                    response.completion_tokens,
                    time.time(),
                ),
            )
            self._con.commit()

    def __len__(self) -> int:
        with self._lock:
            row = self._con.execute("SELECT count(*) FROM responses").fetchone()
        return int(row[0])

    def close(self) -> None:
        with self._lock:
            self._con.close()
