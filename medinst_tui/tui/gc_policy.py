"""Garbage collection off the interactive path.

CPython's full collections stop the event loop for tens of milliseconds once an app holds some tens of
thousands of objects (measured here: 10-80 ms on a busy 2-core machine), which shows as stalled frames.
The app freezes what it built at startup (it lives as long as the app: `gc.freeze`), leaves the cheap
young-generation collections to CPython (a few milliseconds at most) but takes the full collection
out of its hands: it runs when the reader has been idle for a moment. Everything is restored on exit.

Even idle, one full collection over all the app holds after some browsing (130k objects: Textual's line
caches, pages of rows) stopped the loop for 85-145 ms at full scale, a frame the reader sees while a
count is on its way (bench/results/tui.md): ~1 us an object in the app (Textual's objects are large
containers), where the young generations cost 2-8 ms in all. So each idle collection frees the young
cycles, looks at the old objects made since the last one only if they are few (FULL_LOOK), and freezes
the survivors: no later collection looks at them again. The young pass, the count of the old objects and
the rest run on three timer ticks (a quarter second apart, all idle): together they stopped the loop for
up to 70 ms at full scale (listing 30-50k old objects alone took 6-12 ms, looking at them 1.3 us each);
the last part still takes 30-60 ms when it looks at FULL_LOOK objects. A cycle that dies old or frozen
is not freed until a sweep (all unfrozen, one full collection, a long pause): it runs, idle, only once
the frozen set has doubled and grown by SWEEP_MIN since the last sweep, so what such cycles hold stays
bounded by the live set.
"""

from __future__ import annotations

import gc
import time

IDLE_S = 1.0  # no key or mouse input for this long: the reader is reading, not typing
FULL_EVERY_S = 5.0  # at most one full collection per this many seconds: little garbage piles up each time
FULL_LOOK = 20_000  # old objects (not frozen) an idle collection looks at (~25 ms); more: frozen unlooked at
SWEEP_GROWTH = 2.0  # a sweep once the frozen objects are this many times those after the last sweep
SWEEP_MIN = 250_000  # ... and at least this many more (a small app's live set barely ever sweeps)
NEVER = 1_000_000_000  # a threshold CPython never reaches: no automatic full collection
# Fewer, larger young collections (default 700, 10): a frame's short-lived cycles (events, tasks, workers)
# die young instead of being promoted to the old generation, which only the full collection clears. A
# middle generation of at most 5,000 x 4 objects is collected in ~10 ms (x 20: up to 30 ms, measured).
YOUNG, MIDDLE = 5_000, 4


class IdleCollector:
    def __init__(self) -> None:
        self.last_input = time.monotonic()
        self.last_full = time.monotonic()
        self.collections = 0
        self.sweeps = 0
        self.swept_frozen = 0  # frozen objects right after the last sweep (or the startup freeze)
        self._thresholds = gc.get_threshold()
        self._active = False
        self._step = 0  # which part of an idle collection the next idle tick runs (0: the young pass)
        self._old = 0  # the old objects counted by the step before

    def start(self) -> None:
        self._thresholds = gc.get_threshold()
        gc.set_threshold(YOUNG, MIDDLE, NEVER)
        self._active = True

    def freeze_startup(self) -> None:
        """Move everything alive now out of the collector's view (call once startup is done)."""
        if self._active:
            gc.freeze()
            self.swept_frozen = gc.get_freeze_count()

    def note_input(self) -> None:
        self.last_input = time.monotonic()

    def tick(self, busy: bool = False) -> None:
        """Called on a timer: a full collection when the reader is idle and the last one is old enough.

        `busy`: background work is running (a count's scan: the reader waits for it, its database threads
        share the cores), which is no idle moment either; a pause then showed as a 58 ms frame."""
        if not self._active:
            return
        now = time.monotonic()
        if busy or now - self.last_input < IDLE_S or now - self.last_full < FULL_EVERY_S:
            self._step = 0  # input came between the parts: start again when idle
            return
        if self._step == 0:
            gc.collect(1)  # the young ones: short-lived cycles
            self._step = 1
            return
        if self._step == 1:
            self._old = len(gc.get_objects(generation=2))  # made since the last freeze, alive or not
            self._step = 2
            return
        self._step = 0
        frozen = gc.get_freeze_count() + self._old  # once these are frozen too
        if frozen > max(self.swept_frozen * SWEEP_GROWTH, self.swept_frozen + SWEEP_MIN):
            gc.unfreeze()  # a sweep: everything looked at once
            gc.collect()
            gc.freeze()
            self.swept_frozen = gc.get_freeze_count()
            self.sweeps += 1
        else:
            if self._old <= FULL_LOOK:
                gc.collect()  # few enough for a short pause (the frozen are not looked at)
            gc.freeze()
        # Counted from the end: a collection slowed by a busy machine still leaves FULL_EVERY_S of calm.
        self.last_full = time.monotonic()
        self.collections += 1

    def stop(self) -> None:
        if not self._active:
            return
        self._active = False
        gc.unfreeze()
        gc.set_threshold(*self._thresholds)
