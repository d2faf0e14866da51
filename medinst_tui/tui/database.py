"""The app's access to the index: queries on database threads, one connection each, newer ones cancel older.

A DuckDB connection is not thread-safe, so every query opens its own `Index` (opening another connection
to a database already open in the process costs ~0.2 ms: the instance is shared). Each kind of query has
a group; starting a query in a group interrupts the one still running there (`con.interrupt()`), so typing
in the search box or holding page-down never queues stale work behind the query that matters.

`query()` runs on a small pool of database threads at a lower CPU priority than the UI thread: on a
small machine a text search keeps every core busy, and the UI must still get a core at once to draw the
next frame. (The pool is the app's own: Textual's thread workers share the event loop's default
executor, whose threads other work uses too.)
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from medinst_tui.store.index import ENV_MEMORY_LIMIT, Index

T = TypeVar("T")

# The TUI's memory budget (DESIGN §6: 400 MB RSS) leaves DuckDB's buffer cache this much. Every
# `Index` sets DuckDB's (process-wide) limit from $MEDINST_MEMORY_LIMIT; the app sets a default for it.
MEMORY_LIMIT = "128MB"
WORKER_NICE = 10
DB_THREADS = 4  # concurrent queries: table pages, facet counts, the detail row, one dialog


def lower_thread_priority() -> None:
    """Make the calling thread (and the threads it starts) yield the CPU to the UI thread (Linux)."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), WORKER_NICE)


class Database:
    def __init__(self, path: Path, *, memory_limit: str = MEMORY_LIMIT) -> None:
        self.path = Path(path)
        os.environ.setdefault(ENV_MEMORY_LIMIT, memory_limit)  # a limit the user set wins
        self._pool = ThreadPoolExecutor(
            max_workers=DB_THREADS, thread_name_prefix="medinst-db", initializer=lower_thread_priority
        )
        # Held open for the app's lifetime: keeps the shared database instance (and its cache) alive.
        # Made on a pool thread, so DuckDB's own threads (started with the instance) inherit its priority.
        self._keeper = self._pool.submit(Index, self.path).result()
        self._lock = threading.Lock()
        self._active: dict[str, tuple[int, Index]] = {}
        self._tokens = itertools.count()
        self._closed = False

    async def query(self, group: str, fn: Callable[[Index], T]) -> T:
        """`fn(index)` on a database thread with a connection of its own, registered under `group`.

        Call `interrupt(group)` before starting a newer query of the group. If the awaiting worker is
        cancelled (its screen closed, a newer request), the query is interrupted too.
        """
        token = next(self._tokens)
        future = asyncio.get_running_loop().run_in_executor(self._pool, self._run, group, token, fn)
        try:
            return await future
        except asyncio.CancelledError:
            self._interrupt(group, token)
            raise

    def _run(self, group: str, token: int, fn: Callable[[Index], T]) -> T:
        with self._registered(group, token) as index:
            return fn(index)

    @contextlib.contextmanager
    def _registered(self, group: str, token: int) -> Iterator[Index]:
        index = Index(self.path)
        with self._lock:
            self._active[group] = (token, index)
        try:
            yield index
        finally:
            with self._lock:
                if self._active.get(group, (None, None))[1] is index:
                    del self._active[group]
            index.close()

    @contextlib.contextmanager
    def open(self, group: str) -> Iterator[Index]:
        """A connection for blocking code already on a thread of its own (registered under `group`)."""
        with self._registered(group, next(self._tokens)) as index:
            yield index

    @property
    def busy(self) -> bool:
        """Whether a query runs now (the idle collector waits for it: a count's scan is no idle moment)."""
        with self._lock:
            return bool(self._active)

    def interrupt(self, group: str) -> None:
        """Cancel the query running in `group`, if any (its caller sees a duckdb.InterruptException)."""
        self._interrupt(group, None)

    def _interrupt(self, group: str, token: int | None) -> None:
        with self._lock:  # held while interrupting: the owner cannot close the connection under us
            entry = self._active.get(group)
            if entry is not None and (token is None or entry[0] == token):
                with contextlib.suppress(Exception):
                    entry[1].con.interrupt()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        with self._lock:
            for _, index in self._active.values():
                with contextlib.suppress(Exception):
                    index.con.interrupt()
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._keeper.close()
