"""Buffers the generation thread fills and a UI timer drains, so a screen redraws in batches (every
~50 ms), never once per token or result."""

from __future__ import annotations

import threading
import time
from collections import deque

from medinst_tui.backends.base import BackendInfo, RateMeter
from medinst_tui.runs.records import SampleResult, Summary


class TokenBuffer:
    """Text deltas from the generation thread, drained by the UI timer; timed by the backends' RateMeter
    (one definition of time to first token and decode rate)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._parts: list[str] = []
        self._meter = RateMeter(time.perf_counter)

    def add(self, text: str) -> None:
        with self._lock:
            self._parts.append(text)
            self._meter.token()  # a chunk is one token for both backends

    def drain(self) -> str:
        with self._lock:
            text = "".join(self._parts)
            self._parts.clear()
        return text

    @property
    def n_chunks(self) -> int:
        return self._meter.n

    @property
    def ttft_s(self) -> float | None:
        return self._meter.timings().ttft_s

    @property
    def tokens_per_s(self) -> float | None:
        return self._meter.timings().tokens_per_s


class BatchInbox:
    """A RunListener that queues what the engine reports, for the batch screen's timer to drain."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._finished: deque[SampleResult] = deque()
        self.summary: Summary = {}
        self.run_id: str | None = None
        self.total: int | None = None
        self.info: BackendInfo | None = None
        self.started = time.perf_counter()
        self.live_tokens = 0  # tokens streamed (sequential runs), finished or not

    def run_started(self, run_id: str, total: int, info: BackendInfo) -> None:
        with self._lock:
            self.run_id, self.total, self.info = run_id, total, info
            self.started = time.perf_counter()

    def token(self, seq: int, text: str) -> None:
        self.live_tokens += 1  # one writer thread: the sequential engine loop

    def sample_finished(self, result: SampleResult, summary: Summary) -> None:
        with self._lock:
            self._finished.append(result)
            self.summary = summary

    def drain(self) -> tuple[list[SampleResult], Summary]:
        with self._lock:
            out = list(self._finished)
            self._finished.clear()
            return out, self.summary
