"""The replica pool for callers without an event loop (the batch engine): ``complete_all``, and
``pool_from_preset`` for repeatable ``--endpoint``s."""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

from medinst_tui.backends.pool_state import QueueFeed

if TYPE_CHECKING:
    from medinst_tui.backends.pool import OnToken, PoolRequest, PoolResult, ReplicaPool
    from medinst_tui.backends.presets import ModelPreset


def complete_all(
    pool: ReplicaPool,
    items: Iterable[PoolRequest],
    *,
    on_token: OnToken | None = None,
    cancel: threading.Event | None = None,
    window: int | None = None,
) -> Iterator[PoolResult]:
    """``pool.run`` for a caller without an event loop (the batch engine), results as they finish.

    ``items`` is read on the calling thread (prompts built from a DuckDB index stay on its thread), at
    most ``window`` (default: twice the pool's ceiling) ahead of the results handed back. The loop runs
    on a helper thread; ``on_token`` is called there. With ``cancel`` set (or the generator closed,
    Ctrl-C in the caller) no new request starts and those in flight are cancelled; every item read so
    far still gives its one result (CANCELLED, with any partial text). A Ctrl-C while waiting for one
    cancels the same way and is raised once every result is handed back.
    """
    pool.prepare()
    window = window or max(2, 2 * pool.limit.ceiling)
    cancel = cancel or threading.Event()
    outbox: queue.SimpleQueue[PoolResult | BaseException | None] = queue.SimpleQueue()
    feed = QueueFeed()
    started = threading.Event()
    loop_box: list[asyncio.AbstractEventLoop] = []

    async def main() -> None:
        loop_box.append(asyncio.get_running_loop())
        started.set()
        async for result in pool._serve(feed, on_token, cancel):
            outbox.put(result)

    def thread() -> None:
        try:
            asyncio.run(main())
        except BaseException as exc:  # handed to the caller, raised there
            outbox.put(exc)
        finally:
            started.set()
            outbox.put(None)

    worker = threading.Thread(target=thread, name="medinst-pool", daemon=True)
    worker.start()
    started.wait()

    def push(item: PoolRequest | None) -> None:
        if loop_box:
            with contextlib.suppress(RuntimeError):  # the loop has ended (an error): nothing to feed
                loop_box[0].call_soon_threadsafe(feed.push, item)

    source = iter(items)
    sent = received = 0
    more = True
    interrupted = False
    try:
        while True:
            while more and sent - received < window and not cancel.is_set():
                try:
                    item = next(source)
                except StopIteration:
                    more = False
                    break
                push(item)
                sent += 1
            if more and cancel.is_set():
                more = False
            if not more:
                push(None)
            try:
                got = outbox.get(timeout=0.5)  # a timeout: a blocked get() may not see Ctrl-C at once
            except queue.Empty:
                continue
            except KeyboardInterrupt:
                # Ctrl-C: cancel, and still hand back every result (those in flight come back CANCELLED,
                # the finished ones as they are) before raising it; a second Ctrl-C stops at once.
                if interrupted:
                    raise
                interrupted = True
                cancel.set()
                continue
            if got is None:
                if interrupted:
                    raise KeyboardInterrupt
                return
            if isinstance(got, BaseException):
                raise got
            received += 1
            yield got
    finally:
        if worker.is_alive():
            cancel.set()
            push(None)
            worker.join(timeout=60)


def pool_from_preset(
    preset: ModelPreset,
    endpoints: Sequence[str] = (),
    *,
    concurrency: int | None = None,
    timeout_s: float | None = None,
) -> ReplicaPool:
    """A pool over ``endpoints`` (repeatable ``--endpoint``; none: the preset's own base_url), each replica
    the preset with its URL replaced; ``concurrency`` None: the sum of what the servers say."""
    import dataclasses

    from medinst_tui.backends.openai_remote import OpenAIRemoteBackend
    from medinst_tui.backends.pool import ReplicaPool
    from medinst_tui.backends.presets import backend_from_preset

    urls = list(endpoints) or [preset.base_url or ""]
    backends = []
    for url in urls:
        backend = backend_from_preset(dataclasses.replace(preset, base_url=url))
        if not isinstance(backend, OpenAIRemoteBackend):
            raise TypeError("a replica pool serves remote endpoints only")
        backends.append(backend)
    return ReplicaPool(backends, concurrency=concurrency, timeout_s=timeout_s)
