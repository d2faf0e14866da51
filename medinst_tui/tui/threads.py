"""Threads for blocking work the TUI's workers hand off: model calls on generation threads of their own,
and index connections opened on them."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from medinst_tui.store.index import Index

T = TypeVar("T")
IndexOpener = Callable[[str], contextlib.AbstractContextManager[Index]]


# Model calls run on threads of their own, at the normal CPU priority, like `medinst run`'s. Textual's
# thread workers share the event loop's default executor, whose threads `Database.open` leaves at a lower
# priority (nice 10, and an unprivileged process cannot undo it): on a busy machine a batch on such a
# thread ran at half the CLI's speed. This pool's threads are started from the event loop's thread (the
# submit creates them), so they inherit its priority; llama.cpp leaves the UI a core by default anyway.
_generation_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


async def in_generation_thread(fn: Callable[[], T]) -> T:
    """Run `fn` on a generation thread (call from an async worker on the event loop)."""
    global _generation_pool
    with _pool_lock:
        if _generation_pool is None:
            _generation_pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="medinst-generate")
        pool = _generation_pool
    return await asyncio.get_running_loop().run_in_executor(pool, fn)


def direct_opener(path: Path) -> IndexOpener:
    """Index connections for generation threads, leaving the thread's CPU priority alone (`Database.open`
    lowers it)."""

    @contextlib.contextmanager
    def open_index(group: str) -> Iterator[Index]:
        index = Index(path)
        try:
            yield index
        finally:
            index.close()

    return open_index
