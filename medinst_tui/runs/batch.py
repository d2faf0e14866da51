"""A remote batch through the replica pool (backends/pool.py): many requests in flight on one event loop,
spread over the ``--endpoint`` replicas, in the order the rows come (a task's rows together, so their
shared instruction and shots hit the server's prefix cache).

Prompts are built and cache hits answered on the calling thread (the index connection is not
thread-safe); only requests the cache cannot answer go to the pool, not streamed, so each body is the
paper's request. The pool gives every request it was handed exactly one result, also when a replica dies
with requests in flight (they go to the others) or on a cancel (each then comes back CANCELLED), so a row
is never lost and never recorded twice.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from medinst_tui.fewshot.prompt import PromptTooLongError
from medinst_tui.runs.generation import describe_prompt, fail, fill
from medinst_tui.runs.records import PROMPT_ERROR, SampleResult

if TYPE_CHECKING:
    from medinst_tui.backends.pool import PoolRequest, ReplicaPool
    from medinst_tui.runs.engine import RunConfig, RunEngine
    from medinst_tui.store.index import Row


def run_pooled(
    engine: RunEngine,
    pool: ReplicaPool,
    config: RunConfig,
    rows: Iterator[Row],
    record: Callable[[SampleResult, str], None],
    cancel: threading.Event,
) -> None:
    """Every row's result through ``record`` (on the calling thread), exactly once."""
    from medinst_tui.backends.pool import PoolRequest, complete_all

    waiting: dict[int, tuple[SampleResult, str, str]] = {}  # seq -> (its result, category, cache key)

    def requests() -> Iterator[PoolRequest]:
        for seq, row in enumerate(rows):
            if cancel.is_set():
                return
            result = SampleResult(seq, row.task, row.id, row.split, None, None, "", row.output)
            row_config = config.for_task(row.task)  # the row's own cap (`auto` over several tasks)
            try:
                built = engine.prepare(row, row_config)
            except (PromptTooLongError, ValueError) as exc:
                result.error, result.error_kind = f"prompt: {exc}", PROMPT_ERROR
                record(result, row.category)
                continue
            describe_prompt(result, built)
            request, key, hit = engine.generate.lookup(built, row_config, cancel)
            if hit is not None:
                record(fill(result, hit, cached=True), row.category)
                continue
            waiting[seq] = (result, row.category, key)
            yield PoolRequest(seq, request, group=row.task)

    for got in complete_all(pool, requests(), cancel=cancel):
        assert isinstance(got.key, int)
        result, category, key = waiting.pop(got.key)
        if got.completion is not None:
            engine.generate.save(key, got.completion)
            fill(result, got.completion, cached=False)
        else:
            assert got.error is not None
            fail(result, got.error)
        record(result, category)
