"""Export a filtered subset to JSONL or Parquet with DuckDB's own COPY: streamed, constant memory.

The file is written under a temporary name and renamed at the end, so a cancelled export never leaves
a half-written file that looks complete.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from medinst_tui.store import sql
from medinst_tui.store.filters import Filter, where
from medinst_tui.store.index import Index

STDOUT = "-"
EXPORT_MEMORY_LIMIT = "256MB"


@dataclass(frozen=True)
class ExportResult:
    rows: int
    target: str
    fmt: str
    seconds: float


def format_for(target: str, fmt: str | None = None) -> str:
    if fmt:
        if fmt not in {"jsonl", "parquet"}:
            raise ValueError(f"unknown export format {fmt!r}: use jsonl or parquet")
        return fmt
    return "parquet" if target.endswith(".parquet") else "jsonl"


def export_query(
    f: Filter, *, sample: int | None = None, seed: int = 0, limit: int | None = None
) -> tuple[str, dict[str, object]]:
    clause, params = where(f)
    if sample is not None:
        query = sql.render("export_sample", clause)
        params |= {"k": sample, "seed": seed}
    else:
        query = sql.render("export_rows", clause)
    if limit is not None:
        query = f"SELECT * FROM ({query}) LIMIT $limit"
        params["limit"] = limit
    return query, params


def export(
    index: Index,
    f: Filter,
    target: str,
    *,
    fmt: str | None = None,
    sample: int | None = None,
    seed: int = 0,
    limit: int | None = None,
    on_progress: Callable[[float], None] | None = None,
    cancel: threading.Event | None = None,
) -> ExportResult:
    """Write the rows of `f` to `target` (a path, or "-" for stdout). Returns how many rows went there."""
    fmt = format_for(target, fmt)
    if target == STDOUT and fmt == "parquet":
        raise ValueError("parquet cannot go to stdout: give a file name")
    query, params = export_query(f, sample=sample, seed=seed, limit=limit)
    options = "FORMAT PARQUET" if fmt == "parquet" else "FORMAT JSON"
    if target == STDOUT:
        out_path, final = "/dev/stdout", None
    else:
        final = Path(target).expanduser().resolve()
        final.parent.mkdir(parents=True, exist_ok=True)
        out_path = str(final.with_name(f".{final.name}.part-{os.getpid()}"))
    copy = f"COPY ({query}) TO '{out_path.replace(chr(39), chr(39) * 2)}' ({options})"
    started = time.perf_counter()
    result: list[int] = []
    error: list[BaseException] = []

    def run() -> None:
        try:
            row = index.con.execute(copy, params).fetchone()
            result.append(int(row[0]) if row else 0)
        except BaseException as exc:  # re-raised in the caller's thread
            error.append(exc)

    # One thread keeps DuckDB's scan in insertion (= id) order without a sort, and a memory cap keeps the
    # buffer pool from growing with the subset: memory stays flat however many rows go out.
    saved = index.con.execute("SELECT current_setting('threads'), current_setting('memory_limit')").fetchone()
    index.con.execute(f"SET threads = 1; SET memory_limit = '{EXPORT_MEMORY_LIMIT}'")
    worker = threading.Thread(target=run, name="medinst-export", daemon=True)
    worker.start()
    try:
        while worker.is_alive():
            worker.join(0.1)
            if cancel is not None and cancel.is_set():
                index.con.interrupt()
            if on_progress is not None:
                with contextlib.suppress(Exception):
                    pct = index.con.query_progress()
                    if pct >= 0:
                        on_progress(min(pct, 100.0) / 100.0)
    except BaseException:
        index.con.interrupt()
        worker.join()
        _discard(out_path, final)
        raise
    finally:
        if saved is not None:
            index.con.execute(f"SET threads = {int(saved[0])}; SET memory_limit = '{saved[1]}'")
    if error:
        _discard(out_path, final)
        if cancel is not None and cancel.is_set():
            raise ExportCancelledError("export cancelled; nothing was written") from error[0]
        raise error[0]
    if final is not None:
        os.replace(out_path, final)
    if on_progress is not None:
        on_progress(1.0)
    return ExportResult(
        result[0] if result else 0,
        target if final is None else str(final),
        fmt,
        time.perf_counter() - started,
    )


class ExportCancelledError(RuntimeError):
    pass


def _discard(out_path: str, final: Path | None) -> None:
    if final is not None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(out_path)
