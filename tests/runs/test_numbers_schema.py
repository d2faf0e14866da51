"""runs.duckdb is versioned (issue 9, item 3): a runs DB written before versioning (schema 1, the tables
below exactly as medinst created them, with rows as it wrote them) is upgraded in place the first time it is
opened, and its runs read back with their status, counts, summary and headline; a DB newer than this medinst
is refused in one line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from medinst_tui.cli.main import main
from medinst_tui.runs.records import RunHeader, RunTotals, SampleResult
from medinst_tui.runs.store import SCHEMA_VERSION, RunsSchemaError, RunStore, schema_version
from medinst_tui.scoring import Headline

# queries/runs_schema.sql as it was before versioning: the fixture's schema is fixed here on purpose.
SCHEMA_1 = [
    """CREATE TABLE IF NOT EXISTS runs (
        id VARCHAR PRIMARY KEY, created TIMESTAMP, finished TIMESTAMP, status VARCHAR, origin VARCHAR,
        model VARCHAR, model_id VARCHAR, backend VARCHAR,
        format VARCHAR, shots VARCHAR, seed BIGINT, max_tokens BIGINT, temperature DOUBLE,
        tasks VARCHAR[], split VARCHAR,
        n_planned BIGINT, n_done BIGINT, n_errors BIGINT, n_cached BIGINT,
        duration_s DOUBLE, config JSON, summary JSON, results_file VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS results (
        run_id VARCHAR, seq BIGINT, task VARCHAR, sample_id BIGINT, split VARCHAR,
        messages JSON, prompt VARCHAR, prediction VARCHAR, gold VARCHAR, metrics JSON,
        prompt_tokens BIGINT, completion_tokens BIGINT, ttft_s DOUBLE, total_s DOUBLE, tokens_per_s DOUBLE,
        finish_reason VARCHAR, error VARCHAR, cached BOOLEAN, fit VARCHAR, edited BOOLEAN)""",
]
OLD_SUMMARY = {
    "BC2GM": {
        "rougeL": {"value": 0.5, "n": 4, "stderr": 0.1},
        "token_f1": {"value": 0.0, "n": 4, "stderr": 0.0},
        "bio_f1": {"value": 0.25, "n": 4, "stderr": None},
    },
    "MedQA": {"em": {"value": 0.0, "n": 4, "stderr": 0.0}},
}


def write_schema_1(path: Path) -> None:
    """Three runs as the old code stored them: one fine, one whose samples all failed (listed `done`), one
    cancelled with its in-flight sample counted among the errors."""
    con = duckdb.connect(str(path))
    for stmt in SCHEMA_1:
        con.execute(stmt)

    def run(run_id: str, status: str, n_done: int, n_errors: int, summary: object) -> None:
        con.execute(
            "INSERT INTO runs VALUES (?, TIMESTAMP '2026-01-01 10:00:00' + to_minutes(?), NULL, ?, 'cli', "
            "'tiny', 'gguf:tiny', 'local', 'medinst-chat', 'zero-shot', 0, 16, 0.0, ['MedQA'], 'test', "
            "?, ?, ?, 0, 1.5, '{}', ?, NULL)",
            [run_id, len(run_id), status, n_done + n_errors, n_done, n_errors, json.dumps(summary)],
        )

    def result(run_id: str, seq: int, error: str | None) -> None:
        con.execute(
            "INSERT INTO results VALUES (?, ?, 'MedQA', ?, 'test', NULL, 'p', 'x', 'y', '{}', "
            "3, 2, NULL, 0.1, NULL, 'stop', ?, false, '', false)",
            [run_id, seq, 100 + seq, error],
        )

    run("old-ok", "done", 4, 0, OLD_SUMMARY)
    for seq in range(4):
        result("old-ok", seq, None)
    run("old-all-failed", "done", 0, 2, {})
    result("old-all-failed", 0, "bad_request: HTTP 400: refused")
    result("old-all-failed", 1, "prompt: max_tokens 4096 leaves no room for the prompt")
    run("old-cancelled", "cancelled", 1, 1, {"MedQA": {"em": {"value": 1.0, "n": 1, "stderr": None}}})
    result("old-cancelled", 0, None)
    result("old-cancelled", 1, "cancelled: cancelled")
    con.close()


def test_a_schema_1_runs_db_is_upgraded_and_reads_back(tmp_path: Path) -> None:
    path = tmp_path / "runs.duckdb"
    write_schema_1(path)
    store = RunStore(path)
    runs = {r.id: r for r in store.list_runs()}  # a read: the file is upgraded first
    assert set(runs) == {"old-ok", "old-all-failed", "old-cancelled"}
    ok, failed, cancelled = runs["old-ok"], runs["old-all-failed"], runs["old-cancelled"]
    assert (ok.status, ok.n_done, ok.n_errors, ok.n_cancelled) == ("done", 4, 0, 0)
    assert (failed.status, failed.n_done, failed.n_errors) == ("failed", 0, 2)  # it was listed `done`
    assert (cancelled.status, cancelled.n_errors, cancelled.n_cancelled) == ("cancelled", 0, 1)
    # results: the error kinds their messages began with
    assert [r.error_kind for r in store.results("old-all-failed")] == ["bad_request", "prompt"]
    in_flight = store.results("old-cancelled")[1]
    assert in_flight.cancelled and not in_flight.failed
    # the summary: values as stored, the headline by today's definition marked as scorer version 1
    summary = ok.summary
    assert summary["BC2GM"].headline == Headline("bio_f1", "bio", "1")
    assert summary["BC2GM"]["bio_f1"].value == 0.25 and summary["BC2GM"]["bio_f1"].interval is None
    rouge = summary["BC2GM"]["rougeL"]
    assert rouge.interval is not None and rouge.interval.method == "normal"
    assert rouge.ci == pytest.approx((0.5 - 1.959963984540054 * 0.1, 0.5 + 1.959963984540054 * 0.1))
    assert summary["BC2GM"]["token_f1"].interval is None  # a collapsed (zero) normal interval is not shown
    em = summary["MedQA"]["em"]  # 0 of 4 exact matches: its Wilson interval follows from value and n
    assert em.interval is not None and em.interval.method == "wilson"
    assert em.ci == pytest.approx((0.0, 0.4899), abs=1e-4)
    con = duckdb.connect(str(path), read_only=True)
    try:
        assert schema_version(con) == SCHEMA_VERSION == 2
        assert [
            v for (v,) in con.execute("SELECT version FROM schema_version ORDER BY version").fetchall()
        ] == [
            1,
            2,
        ]
    finally:
        con.close()


def test_the_upgraded_db_takes_new_runs_and_is_upgraded_once(tmp_path: Path) -> None:
    path = tmp_path / "runs.duckdb"
    write_schema_1(path)
    RunStore(path).list_runs()
    store = RunStore(path)
    store.start(RunHeader("new", tasks=("MedQA",), n_planned=1))
    result = SampleResult(0, "MedQA", 1, "test", None, "p", "", "y", error="cancelled: by the user")
    result.error_kind = "cancelled"
    store.add_results("new", [result])
    store.finish("new", RunTotals("cancelled", 0, 0, 0, 0.2, n_cancelled=1), {})
    got = store.get("new")
    assert got is not None and got.status == "cancelled" and got.n_cancelled == 1 and got.tasks == ["MedQA"]
    assert store.results("new")[0].error_kind == "cancelled"
    assert len(store.list_runs()) == 4
    con = duckdb.connect(str(path), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM schema_version").fetchone() == (2,)
    finally:
        con.close()


def test_a_fresh_db_starts_at_the_latest_version(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "fresh.duckdb")
    assert store.list_runs() == []  # reading a missing file creates nothing
    assert not (tmp_path / "fresh.duckdb").exists()
    store.start(RunHeader("a"))
    con = duckdb.connect(str(store.path), read_only=True)
    try:
        assert schema_version(con) == SCHEMA_VERSION
    finally:
        con.close()


def test_a_newer_db_is_refused_in_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "runs.duckdb"
    write_schema_1(path)
    con = duckdb.connect(str(path))
    con.execute(
        "CREATE TABLE schema_version (version INTEGER NOT NULL, applied TIMESTAMP NOT NULL, note VARCHAR)"
    )
    con.execute("INSERT INTO schema_version VALUES (99, now()::TIMESTAMP, 'from the future')")
    con.close()
    with pytest.raises(RunsSchemaError, match="schema version 99"):
        RunStore(path).list_runs()
    monkeypatch.setenv("MEDINST_RUNS_DB", str(path))
    assert main(["runs"]) == 2
    done = subprocess.run(
        [sys.executable, "-m", "medinst_tui", "runs"],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        timeout=120,
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "schema version 99" in lines[0], done.stderr
