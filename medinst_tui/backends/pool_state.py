"""The replica pool's bookkeeping, without I/O: replica health, the adaptive limit, the counters."""

from __future__ import annotations

import asyncio
import math
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from medinst_tui.backends.base import Completion
from medinst_tui.backends.openai_remote import OpenAIRemoteBackend

CUT_FACTOR = 0.5  # on a 429 / 503 / timeout
CUT_EVERY_S = 1.0  # a burst of refusals from the requests already in flight is one signal, not many
DOWN_MAX_S = 60.0


class Replica:
    """One endpoint: outstanding requests, and whether it is up (a failed one waits, then gets one try)."""

    def __init__(self, backend: OpenAIRemoteBackend, *, down_s: float = 2.0) -> None:
        self.backend = backend
        self.outstanding = 0
        self.slots = 1  # what the server says it serves at once (set by the pool's prepare())
        self.down_until = 0.0
        self.down = False
        self._down_s = down_s
        self._next_down_s = down_s
        self.failures = 0  # in a row
        self.answered = 0

    def available(self, now: float, capped: bool) -> bool:
        """Can take a request now: up (or its wait is over and no trial request is out yet)."""
        if capped and self.outstanding >= self.slots:
            return False
        if not self.down:
            return True
        return now >= self.down_until and self.outstanding == 0

    def failed(self, now: float) -> None:
        """A connection failure or a 5xx: out for a while, longer each time it fails again."""
        self.failures += 1
        self.down = True
        self.down_until = now + self._next_down_s
        self._next_down_s = min(DOWN_MAX_S, self._next_down_s * 2)

    def succeeded(self) -> None:
        self.failures = 0
        self.answered += 1
        self.down = False
        self._next_down_s = self._down_s

    def describe(self, now: float) -> str:
        state = f"down {max(0.0, self.down_until - now):.0f} s" if self.down else "up"
        return f"{self.backend.public_url} {state}, {self.outstanding} in flight, {self.answered} answered"


class AdaptiveLimit:
    """Requests in flight: the ceiling, cut by CUT_FACTOR on congestion, +1 per answer after a calm."""

    def __init__(self, ceiling: int, *, calm_s: float, clock: Callable[[], float]) -> None:
        self.ceiling = ceiling
        self.value = ceiling
        self.calm_s = calm_s
        self._clock = clock
        self._last_signal = -math.inf
        self.cuts = 0

    def congested(self, now: float) -> None:
        if now - self._last_signal >= CUT_EVERY_S:
            self.value = max(1, int(self.value * CUT_FACTOR))
            self.cuts += 1
        self._last_signal = now

    def success(self, now: float) -> None:
        if self.value < self.ceiling and now - self._last_signal >= self.calm_s:
            self.value += 1

    def describe(self) -> str:
        return (
            f"up to {self.ceiling} in flight (now {self.value}); x{CUT_FACTOR} on 429/503/timeouts, "
            f"+1 per answer after {self.calm_s:g} s calm"
        )


@dataclass
class PoolStats:
    clock: Callable[[], float]
    started: float = 0.0
    done: int = 0
    failed: int = 0
    retried: int = 0
    congested: int = 0
    completion_tokens: int = 0
    prompt_tokens: int = 0
    cached_tokens: int = 0
    cache_prompt_tokens: int = 0  # prompt tokens of the answers whose server reported its cache hits
    exact_usage: int = 0
    in_flight: int = 0
    limit: int = 0
    replicas: list[str] = field(default_factory=list)
    up: int = 0  # replicas not taken out

    def __post_init__(self) -> None:
        self.started = self.clock()

    def add(self, completion: Completion, attempts: int) -> None:
        usage = completion.usage
        self.done += 1
        self.completion_tokens += usage.completion_tokens
        self.prompt_tokens += usage.prompt_tokens
        self.exact_usage += int(usage.exact)
        if usage.cache_reported:
            self.cached_tokens += usage.cached_prompt_tokens
            self.cache_prompt_tokens += usage.prompt_tokens

    @property
    def cache_hit_rate(self) -> float | None:
        """Share of prompt tokens served from the server's prefix cache (None: never reported)."""
        return self.cached_tokens / self.cache_prompt_tokens if self.cache_prompt_tokens else None

    def brief(self) -> str:
        """The pool's part of a batch's progress line (its rates are the batch's): requests in flight
        and the adaptive limit, replicas up (several), retries, the prefix-cache hit rate where reported."""
        parts = [f"{self.in_flight} in flight (limit {self.limit})"]
        if self.up < len(self.replicas) or len(self.replicas) > 1:
            parts.append(f"{self.up}/{len(self.replicas)} replicas up")
        if self.retried:
            parts.append(f"{self.retried} retried")
        if self.cache_hit_rate is not None:
            parts.append(f"prefix cache {self.cache_hit_rate:.0%}")
        return " · ".join(parts)

    def line(self) -> str:
        """The progress line: in flight / limit, rates, cache hits (only where the server reports them)."""
        elapsed = max(self.clock() - self.started, 1e-9)
        parts = [
            f"{self.in_flight} in flight (limit {self.limit})",
            f"{self.done / elapsed:.1f} req/s",
            f"{self.completion_tokens / elapsed:.0f} tok/s",
        ]
        if self.retried:
            parts.append(f"{self.retried} retried")
        if self.cache_hit_rate is not None:
            parts.append(f"prefix cache {self.cache_hit_rate:.0%} of prompt tokens")
        return " · ".join(parts)


class Feed:
    """Where the pool takes its next request from, without blocking the loop."""

    wake: asyncio.Event | None = None
    exhausted = False

    def take(self) -> Any | None:
        raise NotImplementedError


class IterFeed(Feed):
    def __init__(self, source: Iterator[Any]) -> None:
        self._source = source

    def take(self) -> Any | None:
        if self.exhausted:
            return None
        try:
            return next(self._source)
        except StopIteration:
            self.exhausted = True
            return None


class QueueFeed(Feed):
    """Fed from another thread through ``loop.call_soon_threadsafe(feed.push, item)``; None ends it."""

    def __init__(self) -> None:
        self._items: deque[Any] = deque()
        self._ended = False

    def push(self, item: Any | None) -> None:
        if item is None:
            self._ended = True
        else:
            self._items.append(item)
        if self.wake is not None:
            self.wake.set()

    def take(self) -> Any | None:
        if self._items:
            return self._items.popleft()
        self.exhausted = self._ended
        return None
