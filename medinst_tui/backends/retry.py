"""How often and how patiently a remote request is tried again (429, 5xx, dropped connections, cut streams).

medinst's default is 4 tries with 0.5 s waits doubling to 20 s. The paper's evaluation.py tried 10 times
with 30 s sleeps (``PAPER_RETRY``), then crashed; medinst keeps the patience as an option and the default
of the protocol mode, but a sample that still fails gets its own error line instead of ending the run.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

import httpx


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 3  # tries after the first one
    backoff_base_s: float = 0.5  # the first wait; each next one doubles, up to backoff_max_s
    backoff_max_s: float = 20.0
    # Each wait is drawn from +-jitter of its nominal value, so the retries of many requests in flight
    # (a batch against one overloaded server) do not arrive together. 0: exact waits.
    jitter: float = 0.0

    def __post_init__(self) -> None:
        if self.max_retries < 0 or self.backoff_base_s < 0 or not 0 <= self.jitter < 1:
            raise ValueError("retries and waits must not be negative; jitter is a fraction below 1")

    @classmethod
    def tries(cls, max_tries: int, wait_s: float | None = None, *, jitter: float = 0.0) -> RetryPolicy:
        """``max_tries`` attempts in all; ``wait_s`` given: that constant wait (the paper's style)."""
        if max_tries < 1:
            raise ValueError("at least one try")
        if wait_s is None:
            return cls(max_retries=max_tries - 1, jitter=jitter)
        return cls(max_retries=max_tries - 1, backoff_base_s=wait_s, backoff_max_s=wait_s, jitter=jitter)

    @property
    def max_tries(self) -> int:
        return self.max_retries + 1

    def delay(
        self, attempt: int, retry_after: float | None, *, rand: Callable[[], float] = random.random
    ) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based).

        A server's ``Retry-After`` is a floor (capped at the larger of our cap and our own wait); jitter
        never goes below it.
        """
        delay = min(self.backoff_max_s, self.backoff_base_s * 2.0 ** (attempt - 1))
        if self.jitter:
            delay *= 1.0 + self.jitter * (2.0 * rand() - 1.0)
        if retry_after is not None:
            delay = min(max(delay, retry_after), max(self.backoff_max_s, delay))
        return delay

    def describe(self) -> str:
        if self.max_retries == 0:
            return "1 try (no retries)"
        if self.backoff_base_s == self.backoff_max_s:
            waits = f"{self.backoff_base_s:g} s waits"
        else:
            waits = f"waits {self.backoff_base_s:g} s doubling to {self.backoff_max_s:g} s"
        return f"{self.max_tries} tries, {waits}" + (f" (+-{self.jitter:.0%})" if self.jitter else "")


DEFAULT_RETRY = RetryPolicy()
PAPER_RETRY = RetryPolicy.tries(10, 30.0)  # evaluation.py: 10 tries, time.sleep(30) between them


def retry_after(headers: httpx.Headers) -> float | None:
    """A ``Retry-After`` header in seconds (an HTTP date falls back to our own backoff)."""
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None
