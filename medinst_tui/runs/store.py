"""Runs and per-sample results in DuckDB (runs.duckdb), for `medinst runs` and the TUI's runs screen.

Connections are short-lived (open, write, close) so a TUI reading runs and a `medinst run` writing one in
another terminal take turns instead of failing on DuckDB's single-writer file lock.

The file carries a schema version (table `schema_version`) and is brought up to date by the ordered
`UPGRADES` the first time a process opens it, so a runs DB written by an older medinst keeps its history.
Every statement is a named file in `queries/` (`runs_*.sql`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from medinst_tui.runs.records import (
    RunHeader,
    RunTotals,
    SampleResult,
    Summary,
    legacy_error_kind,
    summary_from_json,
    summary_to_json,
)
from medinst_tui.store import sql

LOCK_RETRY_S = 10.0


class RunsSchemaError(RuntimeError):
    """The runs DB was written by a newer medinst than this one."""


def _create_1(con: duckdb.DuckDBPyConnection) -> None:
    for stmt in sql.statements("runs_schema"):
        con.execute(stmt)


def _upgrade_to_2(con: duckdb.DuckDBPyConnection) -> None:
    for stmt in sql.statements("runs_upgrade_2"):
        con.execute(stmt)
    messages = [str(m) for (m,) in con.execute(sql.render("runs_legacy_errors")).fetchall()]
    if messages:
        kinds = [{"kind": legacy_error_kind(m), "error": m} for m in messages]
        con.executemany(sql.render("runs_set_error_kind"), kinds)
    for stmt in sql.statements("runs_upgrade_2_totals"):
        con.execute(stmt)


# (version, what it adds, how): applied in order, each in its own transaction, to any DB older than it.
# Version 1 is the schema of runs DBs written before versioning (they have no schema_version table).
UPGRADES: list[tuple[int, str, Callable[[duckdb.DuckDBPyConnection], None]]] = [
    (1, "runs and results", _create_1),
    (2, "results.error_kind, runs.n_cancelled", _upgrade_to_2),
]
SCHEMA_VERSION = UPGRADES[-1][0]

# Files brought up to date by this process (so a reader does not reopen them for writing every time).
_current: set[Path] = set()
_current_lock = threading.Lock()
_process_lock = threading.RLock()  # this process's connections to runs DBs take turns (see _connect)
CONNECTION_RETRY_S = 5.0


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    """The version of an open runs DB: 0 when empty, 1 for one written before versioning."""
    tables = {t for (t,) in con.execute(sql.render("runs_tables")).fetchall()}
    if "schema_version" in tables:
        (version,) = con.execute(sql.render("runs_version")).fetchone() or (0,)
        if version:
            return int(version)
    return 1 if "runs" in tables else 0


def upgrade(con: duckdb.DuckDBPyConnection) -> int:
    """Apply every upgrade newer than the DB's version, in order; returns the version it ends at."""
    version = schema_version(con)
    if version > SCHEMA_VERSION:
        raise RunsSchemaError(
            f"the runs DB has schema version {version}, newer than this medinst knows ({SCHEMA_VERSION}): "
            "upgrade medinst, or point MEDINST_RUNS_DB at another file"
        )
    if version == SCHEMA_VERSION:
        return version
    con.execute("BEGIN TRANSACTION")
    try:
        for stmt in sql.statements("runs_schema_version"):
            con.execute(stmt)
        if version == 1:  # written before versioning: its tables are version 1's
            con.execute(sql.render("runs_set_version"), {"version": 1, "note": "found without a version"})
        for target, note, step in UPGRADES:
            if target > version:
                step(con)
                con.execute(sql.render("runs_set_version"), {"version": target, "note": note})
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return SCHEMA_VERSION


@dataclass(frozen=True)
class RunRow:
    id: str
    created: dt.datetime
    finished: dt.datetime | None
    status: str
    origin: str
    model: str
    model_id: str
    backend: str
    format: str
    shots: str
    seed: int | None
    max_tokens: int | None
    temperature: float | None
    tasks: list[str]
    split: str | None
    n_planned: int
    n_done: int
    n_errors: int
    n_cached: int
    duration_s: float | None
    config: dict[str, Any]
    summary: Summary
    results_file: str | None
    n_cancelled: int = 0


class RunStore:
    def __init__(self, path: Path):
        self.path = Path(path).expanduser()

    def _open(self, read_only: bool) -> duckdb.DuckDBPyConnection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        deadline = time.monotonic() + LOCK_RETRY_S
        while True:
            try:
                return duckdb.connect(str(self.path), read_only=read_only)
            except duckdb.IOException as exc:  # another process holds the write lock: wait our turn
                if "lock" not in str(exc).lower() or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def _open_current(self) -> duckdb.DuckDBPyConnection:
        """A read-write connection to the file brought up to date (a cheap check once it is)."""
        con = self._open(read_only=False)
        try:
            upgrade(con)
        except BaseException:
            con.close()
            raise
        with _current_lock:
            _current.add(self.path.resolve())
        return con

    @contextlib.contextmanager
    def _connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """One connection at a time per process: DuckDB refuses a read-only connection while a read-write
        one to the same file is open in the same process (a TUI batch writing, its runs screen reading)."""
        deadline = time.monotonic() + CONNECTION_RETRY_S
        while True:
            with _process_lock:
                try:
                    con = self._connect_now(read_only)
                except duckdb.ConnectionException:
                    # another connection in this process holds the file with other settings: wait our turn
                    if time.monotonic() > deadline:
                        raise
                else:
                    try:
                        yield con
                    finally:
                        con.close()
                    return
            time.sleep(0.05)

    def _connect_now(self, read_only: bool) -> duckdb.DuckDBPyConnection:
        if read_only and not self.path.exists():
            con = duckdb.connect(":memory:")
            upgrade(con)
        elif read_only:
            with _current_lock:
                current = self.path.resolve() in _current
            if not current:  # a read-only connection cannot upgrade: once per process, open for writing
                self._open_current().close()
            con = self._open(read_only=True)
        else:
            con = self._open_current()
        return con

    # -- writing -----------------------------------------------------------------------------------------
    def start(self, header: RunHeader) -> None:
        params = {
            "id": header.id,
            "created": dt.datetime.now(),
            "origin": header.origin,
            "model": header.model,
            "model_id": header.model_id,
            "backend": header.backend,
            "format": header.format,
            "shots": header.shots,
            "seed": header.seed,
            "max_tokens": header.max_tokens,
            "temperature": header.temperature,
            "tasks": list(header.tasks) or None,
            "split": header.split,
            "n_planned": header.n_planned,
            "config": json.dumps(header.config),
            "results_file": header.results_file,
        }
        with self._connect() as con:
            con.execute(sql.render("runs_insert"), params)

    def add_results(self, run_id: str, results: list[SampleResult]) -> None:
        if not results:
            return
        rows = [
            (
                run_id,
                r.seq,
                r.task,
                r.sample_id,
                r.split,
                json.dumps(r.messages) if r.messages is not None else None,
                r.prompt,
                r.prediction,
                r.gold,
                json.dumps(r.metrics),
                r.prompt_tokens,
                r.completion_tokens,
                r.ttft_s,
                r.total_s,
                r.tokens_per_s,
                r.finish_reason,
                r.error,
                r.error_kind,
                r.cached,
                r.fit,
                r.edited,
            )
            for r in results
        ]
        with self._connect() as con:
            con.executemany(sql.render("runs_insert_results"), rows)

    def finish(self, run_id: str, totals: RunTotals, summary: Summary) -> None:
        params = {
            "id": run_id,
            "status": totals.status,
            "n_done": totals.n_done,
            "n_errors": totals.n_errors,
            "n_cancelled": totals.n_cancelled,
            "n_cached": totals.n_cached,
            "duration_s": totals.duration_s,
            "finished": dt.datetime.now(),
            "summary": json.dumps(summary_to_json(summary)),
        }
        with self._connect() as con:
            con.execute(sql.render("runs_finish"), params)

    # -- reading -----------------------------------------------------------------------------------------
    def list_runs(self, limit: int = 100) -> list[RunRow]:
        with self._connect(read_only=True) as con:
            cur = con.execute(sql.render("runs_list"), {"n": limit})
            names = [d[0] for d in cur.description]
            return [_run_row(dict(zip(names, r, strict=True))) for r in cur.fetchall()]

    def get(self, run_id: str) -> RunRow | None:
        with self._connect(read_only=True) as con:
            cur = con.execute(sql.render("runs_get"), {"id": run_id})
            names = [d[0] for d in cur.description]
            rows = cur.fetchall()
        if not rows:
            return None
        exact = [r for r in rows if r[0] == run_id]
        if not exact and len(rows) > 1:
            raise ValueError(f"run id prefix {run_id!r} is ambiguous: {', '.join(str(r[0]) for r in rows)}")
        return _run_row(dict(zip(names, (exact or rows)[0], strict=True)))

    def results(self, run_id: str) -> list[SampleResult]:
        with self._connect(read_only=True) as con:
            cur = con.execute(sql.render("runs_results"), {"id": run_id})
            names = [d[0] for d in cur.description]
            return [_result(dict(zip(names, raw, strict=True))) for raw in cur.fetchall()]


def _result(r: dict[str, Any]) -> SampleResult:
    return SampleResult(
        seq=int(r["seq"]),
        task=r["task"],
        sample_id=int(r["sample_id"]),
        split=r["split"],
        messages=json.loads(r["messages"]) if r["messages"] else None,
        prompt=r["prompt"],
        prediction=r["prediction"],
        gold=r["gold"],
        metrics=json.loads(r["metrics"] or "{}"),
        prompt_tokens=int(r["prompt_tokens"] or 0),
        completion_tokens=int(r["completion_tokens"] or 0),
        ttft_s=r["ttft_s"],
        total_s=float(r["total_s"] or 0),
        tokens_per_s=r["tokens_per_s"],
        finish_reason=r["finish_reason"],
        error=r["error"],
        error_kind=r["error_kind"],
        cached=bool(r["cached"]),
        fit=r["fit"] or "",
        edited=bool(r["edited"]),
    )


def _run_row(r: dict[str, Any]) -> RunRow:
    return RunRow(
        id=r["id"],
        created=r["created"],
        finished=r["finished"],
        status=r["status"] or "",
        origin=r["origin"] or "",
        model=r["model"] or "",
        model_id=r["model_id"] or "",
        backend=r["backend"] or "",
        format=r["format"] or "",
        shots=r["shots"] or "",
        seed=r["seed"],
        max_tokens=r["max_tokens"],
        temperature=r["temperature"],
        tasks=list(r["tasks"] or []),
        split=r["split"],
        n_planned=int(r["n_planned"] or 0),
        n_done=int(r["n_done"] or 0),
        n_errors=int(r["n_errors"] or 0),
        n_cancelled=int(r["n_cancelled"] or 0),
        n_cached=int(r["n_cached"] or 0),
        duration_s=r["duration_s"],
        config=json.loads(r["config"]) if r["config"] else {},
        summary=summary_from_json(json.loads(r["summary"])) if r["summary"] else {},
        results_file=r["results_file"],
    )
