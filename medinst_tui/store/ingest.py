"""Build the DuckDB index from source files, atomically: the orchestration (sources replaced or added,
tasks and instructions, the search index, the checkpoint, the swap). The readers are ingest_reader.py,
the build's files beside the index build_files.py, its report build_report.py.

The index is always built in a temporary file next to the target and renamed over it at the very end,
so Ctrl-C, a crash or a bad file midway leaves the previous index untouched and usable.

JSON Lines files (the MEDINST layout) are loaded in batches, each batch ONE `read_json` statement over
its files, the way DuckDB's own bulk load reads them (every file parsed in parallel, no staging copy);
the rows' rowids then give each row its id and line. Files whose rows look mangled go to the exact
line-by-line reader; JSON arrays and parquet files are read one file at a time.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import duckdb

from medinst_tui import catalog
from medinst_tui.paths import errors_path_for
from medinst_tui.sources.files import SourceSpec
from medinst_tui.store import sql
from medinst_tui.store.build_files import clear_stale_builds, remove_db_files, write_lock
from medinst_tui.store.build_report import IndexReport as IndexReport
from medinst_tui.store.build_report import IngestProgress as IngestProgress
from medinst_tui.store.build_report import NoProgress, Steps
from medinst_tui.store.ingest_reader import FileReader

SHOWN_ISSUES = 20
SCHEMA_VERSION = "2"
SEARCH_HEADROOM = 2**30  # bytes of the memory limit left to the search index's Arrow buffers


def _write_tasks(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Catalog tasks plus any unknown task names met while indexing (kept, category 'unknown')."""
    con.execute("DELETE FROM tasks")
    rows: list[tuple[Any, ...]] = []
    known = catalog.tasks()
    indexed = [str(r[0]) for r in con.execute("SELECT DISTINCT task FROM blocks ORDER BY 1").fetchall()]
    names = list(known) + [t for t in indexed if t not in known]
    unknown: list[str] = []
    for name in names:
        info = catalog.lookup(name)
        if info is None:
            unknown.append(name)
            rows.append((name, catalog.UNKNOWN_CATEGORY, False, *([None] * 8)))
            continue
        rows.append(
            (
                name,
                info.category,
                True,
                info.train,
                info.dev,
                info.test,
                info.in_medinst32,
                info.medinst32_test_rows,
                info.metric_type,
                info.difficulty,
                info.paper_metric,
            )
        )
    con.executemany("INSERT INTO tasks VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    return unknown


def _less(limit: str, by_bytes: int) -> str:
    """A DuckDB memory limit (like '3GB') less `by_bytes`, at least a quarter of it."""
    match = re.fullmatch(r"\s*([0-9.]+)\s*([KMGT]?)i?B\s*", limit, re.IGNORECASE)
    if match is None:
        return limit
    scale = {"": 1, "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}[match[2].upper()]
    total = float(match[1]) * scale
    return f"{int(max(total - by_bytes, total / 4)) // 2**20}MB"


def _schema_version(con: duckdb.DuckDBPyConnection) -> str | None:
    try:
        row = con.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
    except duckdb.CatalogException:
        return None
    return str(row[0]) if row else None


def _upgrade(con: duckdb.DuckDBPyConnection) -> None:
    """An index of schema 1 (kept by --add): its instructions table had no split column."""
    cols = [str(r[0]) for r in con.execute("DESCRIBE instructions").fetchall()]
    if "split" not in cols:
        con.execute("DROP TABLE instructions")


def build_index(
    db: Path,
    sources: list[SourceSpec],
    *,
    add: bool = False,
    progress: IngestProgress | None = None,
    memory_limit: str = "3GB",
    threads: int | None = None,
    search_index: bool = True,
) -> IndexReport:
    """Index `sources` into `db` atomically. With `add`, rows of other sources already there are kept.

    `search_index`: also build the word index that text search answers from (store/search_build.py).
    """
    from medinst_tui.store import search_build

    db = db.expanduser().resolve()
    progress = progress or NoProgress()
    report = IndexReport(db=db, errors_file=errors_path_for(db))
    started = time.perf_counter()
    steps = Steps()
    with write_lock(db):
        clear_stale_builds(db)
        tmp = db.with_name(f".{db.name}.building-{os.getpid()}")
        remove_db_files(tmp)
        try:
            if add and db.exists():
                with steps("copy the index (--add)"):
                    shutil.copy2(db, tmp)
            con = duckdb.connect(str(tmp))
            pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="count-lines")
            try:
                con.execute(f"SET memory_limit = '{memory_limit}'")
                # One checkpoint at the end: automatic ones ran after every file's commit, single-threaded,
                # and took a third of a full-scale build.
                con.execute("SET checkpoint_threshold = '1TB'")
                con.execute("SET enable_progress_bar = false")
                con.execute("SET preserve_insertion_order = true")  # rowids follow the files (see _bulk)
                # Keep freed memory for reuse instead of handing it back to the OS after every task: at
                # full scale the default spent a third of the bulk load's CPU in the kernel (page faults).
                con.execute("SET allocator_flush_threshold = '64GB'")
                if threads:
                    con.execute(f"SET threads = {int(threads)}")
                kept_version = _schema_version(con)
                if kept_version is not None and kept_version != SCHEMA_VERSION:
                    _upgrade(con)
                for stmt in [*sql.statements("schema"), *sql.statements("ingest_macros")]:
                    con.execute(stmt)
                old_search = kept_version == SCHEMA_VERSION and search_build.present(con)
                removed: list[tuple[int, int]] = []  # id ranges whose rows a re-indexed source drops
                for source in sources:
                    # Re-indexing a source replaces its rows: the same command twice gives the same index.
                    removed += [
                        (int(a), int(a) + int(n) - 1)
                        for a, n in con.execute(
                            "SELECT first_id, n FROM blocks WHERE source = $s", {"s": source.name}
                        ).fetchall()
                    ]
                    for table in ("samples", "blocks"):
                        con.execute(f"DELETE FROM {table} WHERE source = $s", {"s": source.name})
                    con.execute("DELETE FROM sources WHERE name = $s", {"s": source.name})
                    report.issues.extend(source.issues)
                    report.skipped += len(source.issues)
                builder = FileReader(con, report, progress, pool, steps)
                all_files = [(s, f) for s in sources for f in s.files]
                progress.start(len(all_files), sum(f.size for _, f in all_files))
                for source in sources:
                    before_rows, before_skipped = report.rows, report.skipped
                    builder.add_files(source)
                    con.execute(
                        "INSERT INTO sources VALUES ($name, $kind, $loc, $at, $files, $rows, $skipped)",
                        {
                            "name": source.name,
                            "kind": source.kind,
                            "loc": source.location,
                            "at": dt.datetime.now(),
                            "files": len(source.files),
                            "rows": report.rows - before_rows,
                            "skipped": report.skipped - before_skipped,
                        },
                    )
                with steps("tasks and instructions"):
                    report.unknown_tasks = _write_tasks(con)
                    for stmt in sql.statements("build_instructions"):
                        con.execute(stmt)
                if search_index:
                    # Only what changed: the rows appended now and the blocks that lost rows; all of it
                    # when the kept index had no search index.
                    changed = [(builder.first_new_id, builder.next_id - 1), *removed] if old_search else None
                    # Its Arrow buffers live outside DuckDB's memory limit: give DuckDB less, and hand the
                    # bulk load's memory back (peak RSS stays under the 4 GiB budget at full scale).
                    con.execute("SET allocator_flush_threshold = '128MB'")
                    con.execute(f"SET memory_limit = '{_less(memory_limit, SEARCH_HEADROOM)}'")
                    search_build.update(con, changed, steps)
                    report.search_index = True
                else:
                    search_build.drop(con)
                con.execute(
                    "INSERT OR REPLACE INTO meta VALUES ('schema', $v), ('built_at', $at)",
                    {"v": SCHEMA_VERSION, "at": dt.datetime.now().isoformat(timespec="seconds")},
                )
                with steps("checkpoint"):
                    con.execute("CHECKPOINT")
                report.steps = dict(steps.times)
                con.execute(
                    "INSERT OR REPLACE INTO meta VALUES ('build_steps', $s)",
                    {"s": json.dumps({k: [round(w, 3), round(c, 3)] for k, (w, c) in report.steps.items()})},
                )
            finally:
                pool.shutdown(wait=False, cancel_futures=True)
                con.close()
            _write_errors(report)
            os.replace(tmp, db)
        except BaseException as exc:
            remove_db_files(tmp)
            if _is_interrupt(exc):
                raise KeyboardInterrupt from None  # one kind of Ctrl-C for callers, wherever it landed
            raise
    report.seconds = time.perf_counter() - started
    return report


def _is_interrupt(exc: BaseException) -> bool:
    """Ctrl-C inside a DuckDB call surfaces as RuntimeError("Query interrupted") or InterruptException."""
    if isinstance(exc, (KeyboardInterrupt, duckdb.InterruptException)):
        return True
    return type(exc) is RuntimeError and "interrupted" in str(exc).lower()


def _write_errors(report: IndexReport) -> None:
    with open(report.errors_file, "w", encoding="utf-8") as fh:
        for issue in report.issues:
            fh.write(json.dumps({"file": issue.file, "line": issue.line, "reason": issue.reason}) + "\n")
