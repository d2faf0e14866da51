"""`medinst eval medinst32 --per-task 2` against two replicas of one model (repeatable `--endpoint`), one
killed midway: every planned row is in the results exactly once (README "Remote endpoints").

Real parts: two ``python -m llama_cpp.server`` processes on the tiny GGUF (``--interrupt_requests False``,
one slot each), the CLI as a subprocess, the demo index, the runs DB. Nothing is mocked. ``--max-tokens 8``
keeps it short (the run labels it as a deviation from the paper's 1,024).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from medinst_tui.protocol.plan import Selection, make_plan, narrow
from medinst_tui.runs.engine import RunConfig
from medinst_tui.runs.store import RunStore
from medinst_tui.store.index import Index
from tests.conftest_backends import running_llama_server

KILL_AFTER = 4  # rows in the results file when replica A is killed


def planned_ids(demo_db: Path) -> list[int]:
    with Index(demo_db) as index:
        plan = make_plan(
            index, narrow([], []), zero_shot=False, selection=Selection("first", 2), config=RunConfig()
        )
        return [row.id for row in plan.rows(index)]


def lines(path: Path) -> list[dict[str, object]]:
    if not path.is_file():
        return []
    text = path.read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip() and text.endswith("\n")]


def test_a_replica_killed_midway_leaves_every_row_in_the_results_once(
    demo_db: Path, tiny_gguf_path: Path, tmp_path: Path
) -> None:
    expected = planned_ids(demo_db)
    assert len(expected) == 42  # the demo index: 21 MEDINST32 test sets, 2 rows each
    out = tmp_path / "out"
    env = {**os.environ, "MEDINST_RUNS_DB": str(tmp_path / "runs.duckdb")}
    for var, sub in (
        ("MEDINST_CONFIG_DIR", "config"),
        ("MEDINST_DATA_DIR", "data"),
        ("MEDINST_CACHE_DIR", "c"),
    ):
        env[var] = str(tmp_path / sub)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with (
        running_llama_server(tiny_gguf_path, tmp_path / "a", n_ctx=4096) as a,
        running_llama_server(tiny_gguf_path, tmp_path / "b", n_ctx=4096) as b,
    ):
        env["TEST_REPLICA_KEY"] = a.api_key  # both servers take the same key
        cmd = [
            sys.executable,
            "-m",
            "medinst_tui",
            "eval",
            "medinst32",
            "--per-task",
            "2",
            "--db",
            str(demo_db),
        ]
        cmd += ["--endpoint", a.base_url, "--endpoint", b.base_url, "--api-key-env", "TEST_REPLICA_KEY"]
        cmd += ["--max-tokens", "8", "--no-cache", "-o", str(out)]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        try:
            deadline = time.monotonic() + 300
            while len(lines(out / "results.jsonl")) < KILL_AFTER and proc.poll() is None:
                assert time.monotonic() < deadline, "the run never got going"
                time.sleep(0.05)
            a.stop()  # replica A dies with the run under way (a request of its own in flight, most likely)
            _, stderr = proc.communicate(timeout=600)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert proc.returncode in (0, 1), stderr.decode(errors="replace")
    results = lines(out / "results.jsonl")
    ids = [int(str(r["id"])) for r in results]
    assert sorted(ids) == sorted(expected)  # every row, none twice
    # no row failed for the dead replica: what it held went to B
    assert [r for r in results if r["error_kind"] == "connection"] == []
    record = json.loads((out / "record.json").read_text(encoding="utf-8"))
    assert record["client"]["replicas"] == [a.base_url, b.base_url]
    pool = record["totals"]["pool"]
    assert pool["answered"][a.base_url] >= 1  # A served before it died ...
    assert pool["answered"][a.base_url] + pool["answered"][b.base_url] == len(expected)
    assert pool["retried"] >= 1  # ... and what it failed was sent again, to B
    # the runs DB holds the same rows, once each
    (run,) = RunStore(tmp_path / "runs.duckdb").list_runs()
    stored = [r.sample_id for r in RunStore(tmp_path / "runs.duckdb").results(run.id)]
    assert sorted(stored) == sorted(expected)
    assert run.n_planned == len(expected) and run.n_done + run.n_errors == len(expected)


def test_the_progress_line_shows_the_pool_and_the_servers_prefix_cache_hits(
    demo_db: Path, tmp_path: Path
) -> None:
    """`medinst run` over two replicas that report ``usage.prompt_tokens_details.cached_tokens`` (the tests'
    own stub: llama_cpp.server does not report them) shows the hit rate and the pool's limit."""
    from tests.stub_servers import SlowStub, answer

    usage = {"prompt_tokens": 100, "completion_tokens": 1, "prompt_tokens_details": {"cached_tokens": 75}}
    stubs = [SlowStub(delay_s=0.01, script=lambda n, body: (200, answer("B", usage), {})) for _ in range(2)]
    env = {**os.environ, "MEDINST_RUNS_DB": str(tmp_path / "runs.duckdb"), "MEDINST_CACHE_DIR": str(tmp_path)}
    env["COLUMNS"] = "250"  # the whole progress line
    env["MEDINST_CONFIG_DIR"] = str(tmp_path / "config")
    # a user preset served at the two --endpoints; what it adds to the paper's request it declares
    (tmp_path / "config" / "models").mkdir(parents=True)
    (tmp_path / "config" / "models" / "stubbed.yaml").write_text(
        "name: stubbed\nkind: remote\nbase_url: http://127.0.0.1:9/v1\nmodel: stub\n"
        "extra_body: {repeat_penalty: 1.0}\ndeviations: {repeat_penalty: greedy without a penalty}\n"
    )
    cmd = [sys.executable, "-m", "medinst_tui", "run", "--task", "MedQA", "--limit", "6", "--shots", "0"]
    cmd += ["--db", str(demo_db), "--model", "stubbed", "--concurrency", "4", "--no-cache"]
    for stub in stubs:
        cmd += ["--endpoint", stub.url]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env, check=False)
    finally:
        for stub in stubs:
            stub.close()
    assert proc.returncode == 0, proc.stderr
    assert "6 scored" in proc.stdout
    assert "(limit 4)" in proc.stderr and "2/2 replicas up" in proc.stderr
    assert "prefix cache 75%" in proc.stderr
    assert sum(s.served for s in stubs) == 6 and all(s.served for s in stubs)
    # the runs DB keeps how the requests were made: a `medinst run` has no record file, and still says
    from medinst_tui.protocol import record as records

    (run,) = RunStore(tmp_path / "runs.duckdb").list_runs()
    made = records.for_run(tmp_path / "runs.duckdb", run)
    assert run.model == "stubbed"
    assert made["protocol"]["deviations"] == [{"what": "repeat_penalty", "how": "greedy without a penalty"}]
    body = made["model"]["request_template"]["body"]
    assert body["model"] == "stub" and body["messages"] == "{messages}" and body["repeat_penalty"] == 1.0
