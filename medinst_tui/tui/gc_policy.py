"""Garbage collection off the interactive path.

CPython's full collections stop the event loop for tens of milliseconds once an app holds some tens of
thousands of objects (measured here: 10-80 ms on a busy 2-core machine), which shows as stalled frames.
The app freezes what it built at startup (it lives as long as the app: `gc.freeze`), leaves the cheap
young-generation collections to CPython (well under a millisecond each) but takes the full collection
out of its hands: it runs when the reader has been idle for a moment. Everything is restored on exit.
"""

from __future__ import annotations

import gc
import time

IDLE_S = 1.0  # no key or mouse input for this long: the reader is reading, not typing
FULL_EVERY_S = 5.0  # at most one full collection per this many seconds: little garbage piles up each time
NEVER = 1_000_000_000  # a threshold CPython never reaches: no automatic full collection
# Fewer, larger young collections (default 700, 10): a frame's short-lived cycles (events, tasks, workers)
# die young instead of being promoted to the old generation, which only the full collection clears.
YOUNG, MIDDLE = 5_000, 20


class IdleCollector:
    def __init__(self) -> None:
        self.last_input = time.monotonic()
        self.last_full = time.monotonic()
        self.collections = 0
        self._thresholds = gc.get_threshold()
        self._active = False

    def start(self) -> None:
        self._thresholds = gc.get_threshold()
        gc.set_threshold(YOUNG, MIDDLE, NEVER)
        self._active = True

    def freeze_startup(self) -> None:
        """Move everything alive now out of the collector's view (call once startup is done)."""
        if self._active:
            gc.freeze()

    def note_input(self) -> None:
        self.last_input = time.monotonic()

    def tick(self) -> None:
        """Called on a timer: a full collection when the reader is idle and the last one is old enough."""
        if not self._active:
            return
        now = time.monotonic()
        if now - self.last_input >= IDLE_S and now - self.last_full >= FULL_EVERY_S:
            gc.collect()
            # Counted from the end: a collection slowed by a busy machine still leaves FULL_EVERY_S of calm.
            self.last_full = time.monotonic()
            self.collections += 1

    def stop(self) -> None:
        if not self._active:
            return
        self._active = False
        gc.unfreeze()
        gc.set_threshold(*self._thresholds)
