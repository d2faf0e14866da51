"""The asyncio replica pool: many requests in flight, spread over replicas, a dead replica survived.

Real parts: two ``llama_cpp.server`` replicas on the tiny GGUF (one killed midway), and a loopback stub
of the tests' own that answers after a fixed delay and counts the requests it holds at once.
The stub also scripts what no real local server does on demand: 429s, ``cached_tokens`` in the usage, a
kept-alive connection closed under the client. MOCKED (``httpx.MockTransport``, the pool's httpx path): a
server that never answers.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from medinst_tui.backends.base import BackendError, ErrorKind, GenerationRequest
from medinst_tui.backends.openai_remote import OpenAIRemoteBackend
from medinst_tui.backends.pool import PoolRequest, PoolResult, ReplicaPool, complete_all, group_by
from medinst_tui.backends.pool_state import AdaptiveLimit
from medinst_tui.backends.retry import RetryPolicy
from tests.conftest_backends import running_llama_server
from tests.stub_servers import SlowStub, answer

FAST = RetryPolicy(max_retries=5, backoff_base_s=0.01, backoff_max_s=0.05)


def request(i: int, max_tokens: int = 6) -> GenerationRequest:
    return GenerationRequest(
        messages=[{"role": "user", "content": f"Case {i}: fever."}], max_tokens=max_tokens
    )


def items(n: int, max_tokens: int = 6) -> list[PoolRequest]:
    return [PoolRequest(i, request(i, max_tokens), group=f"task{i % 3}") for i in range(n)]


@pytest.fixture
def stubs() -> Iterator[list[SlowStub]]:
    servers = [SlowStub(), SlowStub()]
    yield servers
    for s in servers:
        s.close()


def by_key(results: list[PoolResult]) -> dict[Any, PoolResult]:
    keys = [r.key for r in results]
    assert len(keys) == len(set(keys)), "a request gave two results"
    return {r.key: r for r in results}


def test_requests_spread_over_replicas_by_least_outstanding(stubs: list[SlowStub]) -> None:
    pool = ReplicaPool([OpenAIRemoteBackend(s.url, retry=FAST) for s in stubs], concurrency=8)
    start = time.perf_counter()
    results = by_key(list(complete_all(pool, items(32))))
    elapsed = time.perf_counter() - start
    assert sorted(results) == list(range(32))
    assert all(
        r.completion is not None and r.completion.text == f"Case {k}: fever."[::-1]
        for k, r in results.items()
    )
    # least outstanding: a replica that answers sooner gets a little more, never the bulk
    assert sum(s.served for s in stubs) == 32 and min(s.served for s in stubs) >= 10
    # 8 in flight: never all on one replica. (Not "4 each": when one replica answers late under load, least
    # outstanding rightly sends the next requests to the other; 6 on one was seen on a busy machine.)
    assert max(s.most for s in stubs) < 8
    assert elapsed < 32 * 0.05 / 2  # well under half the sequential time: they really were in flight together
    # the ceiling without --concurrency: what each server says (vLLM: 64 each)
    assert ReplicaPool([OpenAIRemoteBackend(s.url) for s in stubs]).limit.ceiling == 128


def test_a_replica_killed_midway_loses_nothing_and_duplicates_nothing(
    tiny_gguf_path: Path, tmp_path: Path
) -> None:
    n = 12
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with (
        running_llama_server(tiny_gguf_path, tmp_path / "a", n_ctx=1024) as a,
        running_llama_server(tiny_gguf_path, tmp_path / "b", n_ctx=1024) as b,
    ):
        backends = [
            OpenAIRemoteBackend(
                s.base_url, api_key=s.api_key, retry=FAST, max_concurrency=1, connect_timeout_s=1
            )
            for s in (a, b)
        ]
        reference = OpenAIRemoteBackend(b.base_url, api_key=b.api_key)
        expected = {i: reference.complete(request(i, 8)).text for i in range(n)}
        pool = ReplicaPool(backends)
        results: list[PoolResult] = []
        for result in complete_all(pool, items(n, 8)):
            results.append(result)
            if len(results) == 3:
                a.stop()  # one replica dies with a request in flight
        reference.close()
    got = by_key(results)
    assert sorted(got) == list(range(n))
    assert {k: r.completion.text if r.completion else r.error for k, r in got.items()} == expected
    # the dead one failed at least one try, then was taken out: its requests went to the other
    assert pool.stats().retried >= 1
    assert sum(r.replica == backends[0].public_url for r in results[3:]) <= 2


def test_429s_cut_the_limit_then_it_grows_back_after_a_calm_period() -> None:
    def script(n: int, body: Any) -> Any:
        return (429, {"error": {"message": "slow down"}}, {"Retry-After": "0"}) if n <= 4 else None

    stub = SlowStub(delay_s=0.01, script=script)
    backend = OpenAIRemoteBackend(stub.url, "m", retry=FAST, max_concurrency=16)
    pool = ReplicaPool([backend], calm_s=60.0)
    limits: list[int] = []
    results = []
    try:
        for result in complete_all(pool, items(40)):
            results.append(result)
            limits.append(pool.limit.value)
    finally:
        stub.close()
    assert all(r.completion is not None for r in results) and len(by_key(results)) == 40
    # a burst of 429s from the requests in flight is one signal: one cut, x0.5, and no growth yet
    assert pool.limit.cuts == 1 and limits[-1] == 8
    assert pool.stats().retried == 4 and "(limit 8)" in pool.stats().line()


def test_a_kept_alive_connection_the_server_closed_is_replaced_without_a_retry() -> None:
    stub = SlowStub(delay_s=0.0, drop_idle=True)
    pool = ReplicaPool(
        [OpenAIRemoteBackend(stub.url, "m", retry=RetryPolicy(max_retries=0), max_concurrency=2)]
    )
    try:
        results = list(complete_all(pool, items(10)))
    finally:
        stub.close()
    assert all(r.completion is not None and r.attempts == 1 for r in results) and stub.served == 10


def test_the_limit_grows_back_by_one_per_answer_after_the_calm_period() -> None:
    now = [0.0]
    limit = AdaptiveLimit(16, calm_s=10.0, clock=lambda: now[0])
    limit.congested(now[0])
    limit.congested(now[0] + 0.5)  # within a second: the same burst
    assert limit.value == 8 and limit.cuts == 1
    now[0] = 5.0
    limit.success(now[0])
    assert limit.value == 8  # not calm yet (10 s after the last 429)
    now[0] = 10.6
    for _ in range(20):
        limit.success(now[0])
    assert limit.value == 16  # back to the ceiling, never above
    limit.congested(20.0)
    limit.congested(21.5)  # a second burst later: another cut
    assert limit.value == 4 and limit.cuts == 3


def test_a_request_that_never_gets_an_answer_times_out_is_retried_then_fails() -> None:
    async def never(req: httpx.Request) -> httpx.Response:
        import asyncio

        await asyncio.sleep(30)
        return httpx.Response(200, json=answer("late"))

    transport = httpx.MockTransport(never)
    backend = OpenAIRemoteBackend(
        "http://mock.test/v1",
        "m",
        retry=RetryPolicy(max_retries=1, backoff_base_s=0.01),
        max_concurrency=1,
        async_transport=transport,
    )
    pool = ReplicaPool([backend], timeout_s=0.2)
    start = time.perf_counter()
    [result] = complete_all(pool, items(1))
    assert time.perf_counter() - start < 5
    assert result.error is not None and result.error.kind is ErrorKind.TIMEOUT and result.attempts == 2
    assert "within 0.2 s" in str(result.error)


def test_cancel_gives_every_request_read_exactly_one_result(stubs: list[SlowStub]) -> None:
    pool = ReplicaPool([OpenAIRemoteBackend(stubs[0].url, retry=FAST)], concurrency=4)
    cancel = threading.Event()
    results = []
    for result in complete_all(pool, items(200), cancel=cancel):
        results.append(result)
        if len(results) == 6:
            cancel.set()
    got = by_key(results)
    done = [r for r in got.values() if r.completion is not None]
    cancelled = [r for r in got.values() if r.error is not None]
    assert len(done) >= 6 and all(r.error.kind is ErrorKind.CANCELLED for r in cancelled if r.error)
    assert len(results) < 200  # nothing new was read after the cancel beyond the window


def test_prompt_cache_hits_are_counted_where_the_server_reports_them() -> None:
    usage = {"prompt_tokens": 100, "completion_tokens": 1, "prompt_tokens_details": {"cached_tokens": 80}}
    reporting = SlowStub(delay_s=0.0, script=lambda n, body: (200, answer("ok", usage), {}))
    silent = SlowStub(delay_s=0.0)
    try:
        pool = ReplicaPool([OpenAIRemoteBackend(reporting.url, "m", max_concurrency=2)])
        list(complete_all(pool, items(5)))
        quiet = ReplicaPool([OpenAIRemoteBackend(silent.url, "m", max_concurrency=2)])
        list(complete_all(quiet, items(5)))
    finally:
        reporting.close()
        silent.close()
    assert pool.stats().cache_hit_rate == pytest.approx(0.8)
    assert "prefix cache 80% of prompt tokens" in pool.stats().line()
    assert quiet.stats().cache_hit_rate is None and "prefix cache" not in quiet.stats().line()


def test_replicas_of_different_models_are_refused() -> None:
    one = SlowStub(model="a")
    other = SlowStub(model="b")
    try:
        pool = ReplicaPool([OpenAIRemoteBackend(one.url), OpenAIRemoteBackend(other.url)])
        with pytest.raises(BackendError, match="different models"):
            pool.prepare()
    finally:
        one.close()
        other.close()


def test_group_by_keeps_each_tasks_requests_together_in_first_seen_order() -> None:
    grouped = group_by(items(7))
    assert [p.group for p in grouped] == ["task0"] * 3 + ["task1"] * 2 + ["task2"] * 2
    assert [p.key for p in grouped] == [0, 3, 6, 1, 4, 2, 5]


def test_a_pool_from_a_preset_has_one_replica_per_endpoint(stubs: list[SlowStub]) -> None:
    from medinst_tui.backends.pool import pool_from_preset
    from medinst_tui.backends.presets import parse_preset

    preset = parse_preset(
        {"name": "x", "kind": "remote", "base_url": "http://127.0.0.1:9/v1", "model": "stub"}
    )
    pool = pool_from_preset(preset, [s.url for s in stubs], concurrency=4)
    assert [r.backend.public_url for r in pool.replicas] == [s.url for s in stubs]
    results = list(complete_all(pool, items(8)))
    assert len(by_key(results)) == 8 and all(s.served for s in stubs)
    assert pool.cache_identity(request(0))["endpoint"] == f"{stubs[0].url}/chat/completions"
