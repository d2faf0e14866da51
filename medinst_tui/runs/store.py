"""Runs and per-sample results in DuckDB (runs.duckdb), for `medinst runs` and the TUI's runs screen.

Connections are short-lived (open, write, close) so a TUI reading runs and a `medinst run` writing one in
another terminal take turns instead of failing on DuckDB's single-writer file lock.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from medinst_tui.runs.records import SampleResult, Summary, summary_from_json, summary_to_json
from medinst_tui.store import sql

LOCK_RETRY_S = 10.0


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


class RunStore:
    def __init__(self, path: Path):
        self.path = Path(path).expanduser()

    @contextlib.contextmanager
    def _connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        if read_only and not self.path.exists():
            con = duckdb.connect(":memory:")
            self._schema(con)
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            deadline = time.monotonic() + LOCK_RETRY_S
            while True:
                try:
                    con = duckdb.connect(str(self.path), read_only=read_only)
                    break
                except duckdb.IOException as exc:  # another process holds the write lock: wait our turn
                    if "lock" not in str(exc).lower() or time.monotonic() > deadline:
                        raise
                    time.sleep(0.05)
            if not read_only:
                self._schema(con)
        try:
            yield con
        finally:
            con.close()

    @staticmethod
    def _schema(con: duckdb.DuckDBPyConnection) -> None:
        for stmt in sql.statements("runs_schema"):
            con.execute(stmt)

    # -- writing -----------------------------------------------------------------------------------------
    def start(self, run_id: str, fields: dict[str, Any]) -> None:
        row = {"id": run_id, "created": dt.datetime.now(), "status": "running", **fields}
        row["config"] = json.dumps(row.get("config") or {})
        cols = ", ".join(row)
        marks = ", ".join(f"${k}" for k in row)
        with self._connect() as con:
            con.execute(f"INSERT OR REPLACE INTO runs ({cols}) VALUES ({marks})", row)

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
                r.cached,
                r.fit,
                r.edited,
            )
            for r in results
        ]
        with self._connect() as con:
            con.executemany(f"INSERT INTO results VALUES ({', '.join(['?'] * 20)})", rows)

    def finish(self, run_id: str, fields: dict[str, Any], summary: Summary) -> None:
        values = {**fields, "finished": dt.datetime.now(), "summary": json.dumps(summary_to_json(summary))}
        sets = ", ".join(f"{k} = ${k}" for k in values)
        with self._connect() as con:
            con.execute(f"UPDATE runs SET {sets} WHERE id = $run_id", values | {"run_id": run_id})

    # -- reading -----------------------------------------------------------------------------------------
    def list_runs(self, limit: int = 100) -> list[RunRow]:
        with self._connect(read_only=True) as con:
            cur = con.execute("SELECT * FROM runs ORDER BY created DESC LIMIT $n", {"n": limit})
            names = [d[0] for d in cur.description]
            return [_run_row(dict(zip(names, r, strict=True))) for r in cur.fetchall()]

    def get(self, run_id: str) -> RunRow | None:
        with self._connect(read_only=True) as con:
            cur = con.execute(
                "SELECT * FROM runs WHERE id = $id OR id LIKE $prefix ORDER BY id",
                {"id": run_id, "prefix": run_id + "%"},
            )
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
            cur = con.execute("SELECT * FROM results WHERE run_id = $id ORDER BY seq", {"id": run_id})
            names = [d[0] for d in cur.description]
            out = []
            for raw in cur.fetchall():
                r = dict(zip(names, raw, strict=True))
                out.append(
                    SampleResult(
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
                        cached=bool(r["cached"]),
                        fit=r["fit"] or "",
                        edited=bool(r["edited"]),
                    )
                )
            return out


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
        n_cached=int(r["n_cached"] or 0),
        duration_s=r["duration_s"],
        config=json.loads(r["config"]) if r["config"] else {},
        summary=summary_from_json(json.loads(r["summary"])) if r["summary"] else {},
        results_file=r["results_file"],
    )
