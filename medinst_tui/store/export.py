"""Export a filtered subset to JSONL or Parquet with DuckDB's own COPY: streamed, constant memory.

A file is written under a temporary name (`.NAME.part-PID`) and renamed at the end, so a cancelled
export never leaves a half-written file that looks complete; parts left by dead processes are removed by
the next export into that folder. Devices and pipes are written in place (outputs.check_output).
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from medinst_tui.outputs import OutputError, check_output, clear_stale_parts
from medinst_tui.store import sql
from medinst_tui.store.filters import Filter, where
from medinst_tui.store.index import Index

STDOUT = "-"
EXPORT_MEMORY_LIMIT = "256MB"
EXPORT_THREAD = "medinst-export"
STOP_WAIT_S = 5.0


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
    f: Filter,
    *,
    sample: int | None = None,
    seed: int = 0,
    limit: int | None = None,
    condition: tuple[str, dict[str, Any]] | None = None,
) -> tuple[str, dict[str, object]]:
    """The export's SELECT. `condition`: the filter as SQL already (Index.where: a search through the
    search index); else the plain filter clause."""
    clause, params = condition if condition is not None else where(f)
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
    force: bool = False,
) -> ExportResult:
    """Write the rows of `f` to `target` (a path, or "-" for stdout). Returns how many rows went there.

    The target is checked first (`outputs.check_output`): the tool's own files are refused, an existing
    file is replaced only with `force`, a device or pipe is written in place. Nothing is written before.
    """
    out = check_output(target, protect=[index.path], force=force)
    fmt = format_for(target, fmt)
    if out.stdout and fmt == "parquet":
        raise OutputError("parquet cannot go to stdout: give a file name")
    query, params = export_query(f, sample=sample, seed=seed, limit=limit, condition=index.where(f))
    options = "FORMAT PARQUET" if fmt == "parquet" else "FORMAT JSON"
    final: Path | None = None
    if out.path is None:
        out_path = "/dev/stdout"
    elif out.in_place:
        out_path = str(out.path)
    else:
        final = out.path
        final.parent.mkdir(parents=True, exist_ok=True)
        clear_stale_parts(final.parent)
        out_path = str(final.with_name(f".{final.name}.part-{os.getpid()}"))
    copy = f"COPY ({query}) TO '{out_path.replace(chr(39), chr(39) * 2)}' ({options})"
    started = time.perf_counter()
    result: list[int] = []
    error: list[BaseException] = []
    done = threading.Event()

    def run() -> None:
        try:
            row = index.con.execute(copy, params).fetchone()
            result.append(int(row[0]) if row else 0)
        except BaseException as exc:  # re-raised in the caller's thread
            error.append(exc)
        finally:
            done.set()

    try:
        if final is not None:
            # Created here first, so a folder we cannot write fails with the system's own reason; inside
            # the try, so a Ctrl-C the moment it exists still removes it.
            try:
                open(out_path, "wb").close()
            except OSError as exc:
                raise OSError(exc.errno, exc.strerror, str(final)) from None
        # One thread keeps DuckDB's scan in insertion (= id) order without a sort, and a memory cap keeps
        # the buffer pool from growing with the subset: memory stays flat however many rows go out.
        saved = index.con.execute(
            "SELECT current_setting('threads'), current_setting('memory_limit')"
        ).fetchone()
        index.con.execute(f"SET threads = 1; SET memory_limit = '{EXPORT_MEMORY_LIMIT}'")
        worker = threading.Thread(target=run, name=EXPORT_THREAD, daemon=True)
        worker.start()
        try:
            # An Event, not Thread.join: a KeyboardInterrupt inside join() can leave the thread looking
            # finished while DuckDB still runs on the connection.
            while not done.wait(0.1):
                if cancel is not None and cancel.is_set():
                    index.con.interrupt()
                if on_progress is not None:
                    with contextlib.suppress(Exception):
                        pct = index.con.query_progress()
                        if pct >= 0:
                            on_progress(min(pct, 100.0) / 100.0)
        except BaseException:
            _stop(index, done)
            raise
        finally:
            if saved is not None and done.is_set():
                index.con.execute(f"SET threads = {int(saved[0])}; SET memory_limit = '{saved[1]}'")
    except BaseException:  # Ctrl-C (DuckDB may report it as "Query interrupted"), or anything else
        _discard(out_path, final)
        raise
    if error:
        _discard(out_path, final)
        if cancel is not None and cancel.is_set():
            raise ExportCancelledError("export cancelled; nothing was written") from error[0]
        if isinstance(error[0], duckdb.IOException):
            raise _os_error(error[0], out.display() if final is None else str(final)) from error[0]
        raise error[0]
    if final is not None:
        os.replace(out_path, final)
    if on_progress is not None:
        on_progress(1.0)
    return ExportResult(
        result[0] if result else 0,
        target if out.path is None else str(out.path),
        fmt,
        time.perf_counter() - started,
    )


def _stop(index: Index, done: threading.Event) -> None:
    """Interrupt the COPY and wait (a little) for it to end; further Ctrl-C only repeat the interrupt.

    A write blocked in the kernel (a pipe nobody reads) cannot be interrupted: after STOP_WAIT_S the caller
    goes on and the CLI exits without waiting for the thread (see cli/main.py).
    """
    deadline = time.monotonic() + STOP_WAIT_S
    while not done.is_set() and time.monotonic() < deadline:
        try:
            index.con.interrupt()
            done.wait(0.1)
        except KeyboardInterrupt:
            continue


def _os_error(exc: duckdb.IOException, where: str) -> OSError:
    """DuckDB's I/O error as the OSError it wraps (ENOSPC, EACCES, EPIPE ...), for a one-line message."""
    text = str(exc)
    match = re.search(r'"errno"\s*:\s*"?(\d+)', text)
    if match is None:
        known = {"Broken pipe": errno.EPIPE, "No space left": errno.ENOSPC, "Permission denied": errno.EACCES}
        code = next((c for needle, c in known.items() if needle in text), None)
    else:
        code = int(match[1])
    if code == errno.EPIPE:
        return BrokenPipeError(code, os.strerror(code), where)
    if code is not None:
        return OSError(code, os.strerror(code), where)
    return OSError(errno.EIO, text.removeprefix("IO Error: ").splitlines()[0], where)


class ExportCancelledError(RuntimeError):
    pass


def _discard(out_path: str, final: Path | None) -> None:
    if final is not None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(out_path)
