"""Many requests in flight over one or several replicas of an OpenAI-compatible server (asyncio + httpx).

    pool = ReplicaPool([backend_a, backend_b], concurrency=None)   # None: what the servers say
    for result in complete_all(pool, [PoolRequest(seq, request, group=task), ...]):
        ...   # PoolResult: key, completion or error, replica, attempts, as each one finishes

- Up to ``pool.limit`` requests in flight on one event loop (no thread per request), each sent to the
  healthy replica with the fewest outstanding requests. Without ``concurrency`` the ceiling is the sum
  of what each replica says it serves at once (server_probe.py: vLLM/SGLang 64, llama.cpp its slots).
- A replica that fails (connection refused or dropped, 5xx) is taken out for a while (2 s, doubling to
  60 s) and then tried again with one request; its requests go to the others at once. Every request
  gives exactly one result: a request is sent again only after its attempt has ended, and a stream
  retried elsewhere passes on only the text not already passed on (openai_wire.StreamState).
- Adaptive concurrency: a 429, a 503 or a timeout cuts the limit (x0.5, at most once per second);
  after ``calm_s`` without one it grows back by one per answer up to the ceiling. ``stats().line()``
  shows the current limit.
- Retries with the backend's RetryPolicy (backoff with jitter, the paper's 10 tries as an upper
  bound when asked); a per-request timeout (``timeout_s``, the whole answer).
- No ``on_token``: requests are not streamed, so the body is exactly the paper's and the server's
  usage (exact token counts, cached prompt tokens) comes back; with ``on_token`` they are streamed.
- Prefix-friendly order: ``complete_all`` keeps the order it is given (rows of one task together, so
  their shared instruction and shots hit vLLM's prefix cache and llama.cpp's ``cache_prompt``);
  ``group_by`` groups a list whose groups are interleaved.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field

import httpx

from medinst_tui.backends.base import (
    BackendError,
    BackendInfo,
    Completion,
    ErrorKind,
    GenerationRequest,
    RateMeter,
)
from medinst_tui.backends.http11 import HttpClient, make_client
from medinst_tui.backends.openai_remote import OpenAIRemoteBackend
from medinst_tui.backends.openai_wire import Failure, StreamState, build_body
from medinst_tui.backends.pool_state import AdaptiveLimit, Feed, IterFeed, PoolStats, Replica
from medinst_tui.backends.pool_sync import complete_all, pool_from_preset

__all__ = [
    "OnToken",
    "PoolRequest",
    "PoolResult",
    "ReplicaPool",
    "complete_all",
    "group_by",
    "pool_from_preset",
]

OnToken = Callable[[Hashable, str], None]  # (the request's key, a text delta), on the pool's thread


@dataclass(frozen=True)
class PoolRequest:
    key: Hashable  # the caller's id (a sequence number): the result carries it back
    request: GenerationRequest
    group: str = ""  # the task: requests of one group share their prompt prefix


@dataclass
class PoolResult:
    key: Hashable
    completion: Completion | None
    error: BackendError | None
    replica: str | None  # the endpoint that answered (or failed last)
    attempts: int


@dataclass
class _Job:
    item: PoolRequest
    seq: int
    attempts: int = 0
    state: StreamState | None = None
    meter: RateMeter | None = None
    last: Failure | None = None
    replica: Replica | None = None
    avoid: Replica | None = None  # the replica that just failed it (when another one is up)
    body: bytes | None = field(default=None, repr=False)
    stream_body: bytes | None = field(default=None, repr=False)


def group_by(items: Iterable[PoolRequest]) -> list[PoolRequest]:
    """The items with each group's requests together, groups in order of first appearance (stable)."""
    order: dict[str, list[PoolRequest]] = {}
    for item in items:
        order.setdefault(item.group, []).append(item)
    return [item for group in order.values() for item in group]


class ReplicaPool:
    """Replicas of one model (same model name, same settings) behind one request queue."""

    def __init__(
        self,
        backends: Sequence[OpenAIRemoteBackend],
        *,
        concurrency: int | None = None,
        timeout_s: float | None = None,
        calm_s: float = 10.0,
        down_s: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not backends:
            raise ValueError("a pool needs at least one endpoint")
        self.primary = backends[0]
        self.replicas = [Replica(b, down_s=down_s) for b in backends]
        self.retry = self.primary.retry
        self.timeout_s = timeout_s if timeout_s is not None else self.primary.timeout.read
        self._concurrency = concurrency
        self._clock = clock
        self._calm_s = calm_s
        self._limit: AdaptiveLimit | None = None
        self._model: str | None = None
        self._prepared = False
        self.stats_ = PoolStats(clock)

    # -- set-up (blocking: asks each server once) ------------------------------------------------

    def prepare(self) -> None:
        """Ask every replica what it is; refuse replicas that serve different models."""
        if self._prepared:
            return
        models = {r.backend.sent_model for r in self.replicas} - {None}
        if len(models) > 1:
            raise BackendError(
                ErrorKind.CONFIG,
                f"the endpoints serve different models ({', '.join(sorted(m or '' for m in models))}): "
                "replicas must serve the same one",
            )
        self._model = next(iter(models), None)
        for replica in self.replicas:
            replica.slots = replica.backend.max_concurrency
        ceiling = self._concurrency or sum(r.slots for r in self.replicas)
        self._limit = AdaptiveLimit(max(1, ceiling), calm_s=self._calm_s, clock=self._clock)
        self._prepared = True

    @property
    def limit(self) -> AdaptiveLimit:
        self.prepare()
        assert self._limit is not None
        return self._limit

    def describe(self) -> BackendInfo:
        """The primary's description, with the pool's ceiling and its replicas."""
        import dataclasses

        info = self.primary.describe()
        replicas = ", ".join(r.backend.public_url for r in self.replicas)
        return dataclasses.replace(
            info,
            max_concurrency=self.limit.ceiling,
            details=(*info.details, ("replicas", replicas), ("pool", self.limit.describe())),
        )

    def cache_identity(self, request: GenerationRequest) -> dict[str, object]:
        """The primary's: replicas serve the same model, so an answer from any of them is the same."""
        return self.primary.cache_identity(request)

    def stats(self) -> PoolStats:
        self.stats_.in_flight = sum(r.outstanding for r in self.replicas)
        self.stats_.limit = self._limit.value if self._limit else 0
        self.stats_.replicas = [r.describe(self._clock()) for r in self.replicas]
        self.stats_.up = sum(not r.down for r in self.replicas)
        return self.stats_

    # -- running ---------------------------------------------------------------------------------

    def _encode(self, job: _Job, stream: bool) -> bytes:
        cached = job.stream_body if stream else job.body
        if cached is not None:
            return cached
        backend = self.primary
        render = backend.render if backend.api == "completions" else None
        _, body = build_body(
            backend.api, self._model, job.item.request, backend.extra_body, stream=stream, render=render
        )
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        if stream:
            job.stream_body = data
        else:
            job.body = data
        return data

    def _pick(self, now: float, avoid: Replica | None) -> Replica | None:
        """The up replica with the fewest outstanding requests (a down one only once its wait is over)."""
        best: Replica | None = None
        for replica in self.replicas:
            if not replica.available(now, capped=self._concurrency is None):
                continue
            if replica is avoid and any(r.available(now, False) for r in self.replicas if r is not avoid):
                continue
            if best is None or replica.outstanding < best.outstanding:
                best = replica
        return best

    async def run(
        self,
        items: Iterable[PoolRequest],
        *,
        on_token: OnToken | None = None,
        cancel: threading.Event | None = None,
    ) -> AsyncIterator[PoolResult]:
        """Each item's result, as it finishes. ``items`` is read lazily, one item per free slot."""
        async for result in self._serve(IterFeed(iter(items)), on_token, cancel):
            yield result

    async def _serve(
        self, feed: Feed, on_token: OnToken | None, cancel: threading.Event | None
    ) -> AsyncIterator[PoolResult]:
        await asyncio.to_thread(self.prepare)
        urls = [r.backend.base_url for r in self.replicas]
        client = make_client(urls, self.limit.ceiling, self.primary.timeout, self.primary.async_transport)
        try:
            async for result in self._run(client, feed, on_token, cancel):
                yield result
        finally:
            await client.aclose()

    async def _run(
        self,
        client: HttpClient,
        feed: Feed,
        on_token: OnToken | None,
        cancel: threading.Event | None,
    ) -> AsyncIterator[PoolResult]:
        ready: deque[_Job] = deque()
        waiting: list[tuple[float, _Job]] = []  # retries waiting out their backoff
        finished: deque[tuple[_Job, Completion | BaseException]] = deque()
        feed.wake = wake = asyncio.Event()
        active: set[asyncio.Task[Completion]] = set()
        seq = 0
        limit = self.limit
        cancelled = False
        loop = asyncio.get_running_loop()
        watch: asyncio.TimerHandle | None = None

        def watch_cancel() -> None:  # a threading.Event: looked at 20 times a second, off the hot path
            nonlocal watch
            if cancel is not None and cancel.is_set():
                wake.set()
            watch = loop.call_later(0.05, watch_cancel)

        if cancel is not None:
            watch_cancel()
        try:
            while True:
                wake.clear()  # before looking: whatever happens from here on wakes the wait below
                now = self._clock()
                if not cancelled and cancel is not None and cancel.is_set():
                    cancelled = True
                    for task in active:
                        task.cancel()
                    for job in [*ready, *(j for _, j in waiting)]:
                        err = BackendError(ErrorKind.CANCELLED, "cancelled", attempts=job.attempts)
                        finished.append((job, err))
                    ready.clear()
                    waiting.clear()
                for when, job in list(waiting):
                    if when <= now:
                        waiting.remove((when, job))
                        ready.append(job)
                while not cancelled and len(active) < limit.value:
                    if not ready:
                        item = feed.take()
                        if item is None:
                            break
                        ready.append(_Job(item, seq))
                        seq += 1
                    replica = self._pick(now, ready[0].avoid)
                    if replica is None:
                        break
                    job = ready.popleft()
                    job.attempts += 1
                    job.replica = replica
                    replica.outstanding += 1
                    task = asyncio.ensure_future(self._attempt(client, replica, job, on_token))

                    def done(t: asyncio.Task[Completion], job: _Job = job) -> None:
                        active.discard(t)
                        outcome: Completion | BaseException = (
                            asyncio.CancelledError() if t.cancelled() else (t.exception() or t.result())
                        )
                        finished.append((job, outcome))
                        wake.set()

                    active.add(task)
                    task.add_done_callback(done)
                while finished:
                    job, outcome = finished.popleft()
                    result = self._settle(job, outcome, ready, waiting)
                    if result is not None:
                        yield result
                if (feed.exhausted or cancelled) and not ready and not waiting and not active:
                    return
                if finished:
                    continue
                timeout = self._next_wake(waiting, ready)
                timer = None if timeout is None else loop.call_later(timeout, wake.set)
                await wake.wait()  # an answer, a new item, a retry due, a replica back, or a cancel
                if timer is not None:
                    timer.cancel()
        finally:
            if watch is not None:
                watch.cancel()
            for task in list(active):
                task.cancel()
            if active:
                await asyncio.gather(*active, return_exceptions=True)

    def _next_wake(self, waiting: list[tuple[float, _Job]], ready: deque[_Job]) -> float | None:
        now = self._clock()
        times = [when for when, _ in waiting]
        if ready:  # blocked on replicas that are down: wake when the first may be tried again
            times += [r.down_until for r in self.replicas if r.down_until > now]
        return max(0.0, min(times) - now) if times else None

    def _settle(
        self,
        job: _Job,
        outcome: Completion | BaseException,
        ready: deque[_Job],
        waiting: list[tuple[float, _Job]],
    ) -> PoolResult | None:
        replica = job.replica
        now = self._clock()
        if replica is None or (isinstance(outcome, BackendError) and outcome.kind is ErrorKind.CANCELLED):
            # cancelled while waiting to start or to retry (its last attempt already ended)
            assert isinstance(outcome, BackendError)
            return self._fail(job, outcome, replica.backend.public_url if replica else None)
        replica.outstanding -= 1
        url = replica.backend.public_url
        if isinstance(outcome, Completion):
            replica.succeeded()
            self.limit.success(now)
            self.stats_.add(outcome, job.attempts)
            return PoolResult(job.item.key, outcome, None, url, job.attempts)
        if isinstance(outcome, asyncio.CancelledError):
            err = BackendError(ErrorKind.CANCELLED, "cancelled", attempts=job.attempts)
            return self._fail(job, err, url)
        if isinstance(outcome, BackendError):
            failure = Failure(outcome)
        elif isinstance(outcome, _Failed):
            failure = outcome.failure
        else:
            raise outcome
        err = failure.error
        job.last = failure
        congestion = err.kind in (ErrorKind.RATE_LIMITED, ErrorKind.TIMEOUT) or err.status == 503
        if congestion:
            self.limit.congested(now)
            self.stats_.congested += 1
        # A replica that cannot be reached or answers 5xx is taken out (a single one: the backoff waits).
        broken = err.kind is ErrorKind.CONNECTION or (
            err.kind is ErrorKind.SERVER and err.status is not None and err.status != 503
        )
        if broken and len(self.replicas) > 1:
            replica.failed(now)
        retryable = err.retryable or err.kind is ErrorKind.TIMEOUT
        if not retryable or job.attempts >= self.retry.max_tries or (job.state and job.state.diverged):
            return self._fail(job, self.primary.give_up(failure, job.attempts), url)
        self.stats_.retried += 1
        others_up = any(r.available(now, False) for r in self.replicas if r is not replica)
        if broken and others_up:
            job.avoid = replica
            ready.appendleft(job)  # straight to another replica: no wait
        else:
            job.avoid = None
            waiting.append((now + self.retry.delay(job.attempts, failure.retry_after), job))
        return None

    def _fail(self, job: _Job, err: BackendError, url: str | None) -> PoolResult:
        if job.state is not None and job.meter is not None:
            err.partial = self.primary.partial(job.state, job.meter, job.item.request)
        self.stats_.failed += 1
        return PoolResult(job.item.key, None, err, url, job.attempts)

    async def _attempt(
        self, client: HttpClient, replica: Replica, job: _Job, on_token: OnToken | None
    ) -> Completion:
        backend = replica.backend
        request = job.item.request
        stream = on_token is not None
        path = "chat/completions" if self.primary.api == "chat" else "completions"
        url = backend.url(path)
        headers = {**backend.headers(), "Content-Type": "application/json"}
        content = self._encode(job, stream)
        try:
            async with asyncio.timeout(self.timeout_s if not stream else None):
                if not stream:
                    meter = RateMeter(time.perf_counter)
                    async with client.exchange(url, headers, content) as answer:
                        data = await answer.read()
                    if answer.status == 200:
                        return backend.parse_answer(data, request, meter)
                    raise _Failed(backend.http_failure(answer.status, data, answer.headers, url))
                return await self._stream(client, backend, job, url, content, headers, on_token)
        except httpx.HTTPError as exc:
            raise _Failed(backend.transport_failure(exc, url)) from None
        except TimeoutError:
            message = f"{url} gave no whole answer within {self.timeout_s:g} s"
            raise _Failed(Failure(backend.error(ErrorKind.TIMEOUT, message))) from None

    async def _stream(
        self,
        client: HttpClient,
        backend: OpenAIRemoteBackend,
        job: _Job,
        url: str,
        content: bytes,
        headers: dict[str, str],
        on_token: OnToken | None,
    ) -> Completion:
        request = job.item.request
        if job.state is None:
            job.state, job.meter = StreamState(backend.api), RateMeter(time.perf_counter)
        state, meter = job.state, job.meter
        assert meter is not None
        state.restart()
        try:
            async with client.exchange(url, headers, content) as answer:
                if answer.status != 200:
                    body = await answer.read()
                    raise _Failed(backend.http_failure(answer.status, body, answer.headers, url))
                async for line in answer.lines():
                    chunk = backend.on_line(line, state, meter, request)
                    if chunk is None:
                        continue
                    if chunk.text and on_token is not None:
                        on_token(job.item.key, chunk.text)
                    if chunk.final:
                        await answer.drain()
                        break
                    backend.check_cancel(request, state, meter)
                else:
                    chunk = backend.final_chunk(state, meter, request)
        except BackendError as err:
            if err.kind is ErrorKind.CANCELLED:
                raise
            raise _Failed(Failure(err)) from None
        assert chunk.usage is not None and chunk.timings is not None
        return Completion("".join(state.parts), chunk.finish_reason, chunk.usage, chunk.timings)


class _Failed(Exception):
    def __init__(self, failure: Failure) -> None:
        super().__init__(str(failure.error))
        self.failure = failure
