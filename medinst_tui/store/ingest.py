"""Build the DuckDB index from source files: bulk readers, exact checks for dirty files, atomic swap.

The index is always built in a temporary file next to the target and renamed over it at the very end,
so Ctrl-C, a crash or a bad file midway leaves the previous index untouched and usable.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import re
import shutil
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import duckdb

from medinst_tui import catalog
from medinst_tui.paths import errors_path_for
from medinst_tui.sources.files import Issue, SourceFile, SourceSpec
from medinst_tui.store import sql
from medinst_tui.store.index import IndexBusyError
from medinst_tui.store.lines import blank_lines_if_consistent, count_lines
from medinst_tui.store.records import FIELDS, check, records

# Rows go to DuckDB in Arrow batches of this size on the exact (Python) path.
BATCH_ROWS = 50_000
SHOWN_ISSUES = 20


@dataclass
class IndexReport:
    db: Path
    errors_file: Path
    files: int = 0
    rows: int = 0
    skipped: int = 0
    issues: list[Issue] = field(default_factory=list)
    unknown_tasks: list[str] = field(default_factory=list)
    seconds: float = 0.0
    exact_files: list[str] = field(default_factory=list)  # files that needed the line-by-line check


class IngestProgress(Protocol):
    def start(self, total_files: int, total_bytes: int) -> None: ...
    def file_started(self, item: SourceFile) -> None: ...
    def file_finished(self, item: SourceFile, rows: int, skipped: int, seconds: float) -> None: ...


class _NoProgress:
    def start(self, total_files: int, total_bytes: int) -> None:
        pass

    def file_started(self, item: SourceFile) -> None:
        pass

    def file_finished(self, item: SourceFile, rows: int, skipped: int, seconds: float) -> None:
        pass


@contextlib.contextmanager
def write_lock(db: Path) -> Iterator[None]:
    """One writer at a time per index; the lock dies with its process, so a killed build never wedges."""
    db.parent.mkdir(parents=True, exist_ok=True)
    lock_path = db.with_name(db.name + ".lock")
    with open(lock_path, "a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip() or "?"
            raise IndexBusyError(
                f"another process (pid {holder}) is writing the index {db}; wait for it to finish"
            ) from None
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        try:
            yield
        finally:
            fh.seek(0)
            fh.truncate()


def _remove_db_files(path: Path) -> None:
    """A database file and what DuckDB keeps beside it: its WAL and its spill folder (`NAME.tmp/`)."""
    for p in (path, path.with_name(path.name + ".wal")):
        with contextlib.suppress(FileNotFoundError):
            p.unlink()
    shutil.rmtree(path.with_name(path.name + ".tmp"), ignore_errors=True)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by someone else
        return True
    return True


def _clear_stale_builds(db: Path) -> None:
    """Remove what builds killed before their cleanup (SIGKILL, power loss) left beside the index.

    A build writes `.NAME.building-PID` (and DuckDB its `.wal` and `.tmp/` spill folder); those of a
    process that no longer exists can never be finished, those of a live one are left alone.
    """
    pattern = re.compile(rf"\.{re.escape(db.name)}\.building-(\d+)(\.wal|\.tmp)?")
    for stale in db.parent.glob(f".{db.name}.building-*"):
        match = pattern.fullmatch(stale.name)
        if match is None or _pid_alive(int(match[1])):
            continue
        with contextlib.suppress(OSError):
            if stale.is_dir() and not stale.is_symlink():
                shutil.rmtree(stale)
            else:
                stale.unlink()


class _Builder:
    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        report: IndexReport,
        progress: IngestProgress,
        pool: ThreadPoolExecutor,
    ):
        self.con = con
        self.pool = pool
        self.report = report
        self.progress = progress
        row = con.execute("SELECT coalesce(max(id) + 1, 0) FROM samples").fetchone()
        self.next_id = int(row[0]) if row else 0

    # -- one file -------------------------------------------------------------------------------------
    def add_file(self, source: SourceSpec, item: SourceFile) -> None:
        started = time.perf_counter()
        self.progress.file_started(item)
        category = catalog.category_of(item.task)
        first = self.next_id
        params = {
            "path": str(item.path),
            "first_id": first,
            "task": item.task,
            "split": item.split,
            "category": category,
            "source": source.name,
            "file": item.label,
        }
        issues: list[Issue] = []
        rows = 0
        if item.size == 0:
            issues.append(Issue(item.label, None, "empty file"))
        else:
            try:
                rows = self._fast(item, params)
            except duckdb.InterruptException:
                raise  # Ctrl-C: never mistaken for a file the bulk reader refused
            except duckdb.Error:
                rows = -1  # the bulk reader refused the file: find out which lines are bad
            finally:
                self.con.execute("DROP TABLE IF EXISTS stage")
            if rows < 0:  # nothing of this file is in samples yet: check it line by line
                rows, issues = self._exact(item, params)
                self.report.exact_files.append(item.label)
            elif rows == 0:
                issues.append(Issue(item.label, None, "no rows in file"))
        if rows:
            self.con.execute(
                "INSERT INTO blocks VALUES ($source, $file, $task, $split, $category, $first_id, $n)",
                {k: params[k] for k in ("source", "file", "task", "split", "category", "first_id")}
                | {"n": rows},
            )
            self.next_id = first + rows
        self.report.files += 1
        self.report.rows += rows
        self.report.skipped += len(issues)
        self.report.issues.extend(issues)
        self.progress.file_finished(item, rows, len(issues), time.perf_counter() - started)

    def _fast(self, item: SourceFile, params: dict[str, Any]) -> int:
        """Stage the file with DuckDB's bulk reader, validate it, append it. -1: needs the exact path."""
        path = params["path"]
        lines: Future[int] | None = None
        if item.fmt == "parquet":
            described = self.con.execute("DESCRIBE SELECT * FROM read_parquet($path)", {"path": path})
            types = {str(r[0]): str(r[1]) for r in described.fetchall()}
            missing = [f for f in FIELDS if f not in types]
            if missing:
                raise duckdb.InvalidInputException(f"parquet file lacks {', '.join(missing)}")
            history = "history::VARCHAR[][]" if "history" in types else "NULL::VARCHAR[][]"
            self.con.execute(sql.render("stage_parquet", history=history), {"path": path})
            # Parquet values are typed: text columns hold text, whatever it reads like.
            typed = all(types[f] == "VARCHAR" for f in FIELDS) and (
                types.get("history", "VARCHAR[][]") == "VARCHAR[][]"
            )
        else:
            fmt = "array" if item.fmt == "array" else "newline_delimited"
            if item.fmt == "jsonl":  # counted while DuckDB parses (it releases the GIL)
                lines = self.pool.submit(count_lines, item.path)
            self.con.execute(sql.render("stage_json"), {"path": path, "format": fmt})
        n, bad, suspect = self._one(sql.render("validate_stage"))
        if bad:
            return -1
        if suspect:
            if item.fmt == "parquet":
                if not typed:
                    return -1
            else:
                (wrong,) = self._one(sql.render("validate_types"), {"path": path, "format": fmt})
                if wrong:
                    return -1
        if not n:
            return 0
        block = {k: v for k, v in params.items() if k != "path"}
        # Arrays and parquet store the record number; JSON Lines the line, which the bulk reader's record
        # number is only while no blank line came before.
        blanks: list[int] | None = []
        if lines is not None:
            try:
                blanks = blank_lines_if_consistent(item.path, n, lines.result())
            except (OSError, EOFError):  # unreadable after all: the exact reader says how
                blanks = None
        if blanks is None:
            return -1
        if not blanks:
            return self._one(sql.render("insert_stage"), block)[0]
        self._stage_line_gaps(blanks)
        try:
            return self._one(sql.render("insert_stage_lines"), block)[0]
        finally:
            self.con.execute("DROP TABLE IF EXISTS line_gaps")

    def _one(self, query: str, params: dict[str, Any] | None = None) -> tuple[int, ...]:
        """The single row of an aggregate or INSERT, fully fetched (DuckDB keeps a half-read result open)."""
        rows = self.con.execute(query, params or {}).fetchall()
        return tuple(int(v) for v in rows[0])

    def _stage_line_gaps(self, blanks: list[int]) -> None:
        """line_gaps(after, shift): the i-th blank line (line b) precedes the records numbered above b - i."""
        import pyarrow as pa

        gaps = pa.table(
            {
                "after": pa.array([b - i for i, b in enumerate(blanks, 1)], pa.int64()),
                "shift": pa.array(range(1, len(blanks) + 1), pa.int64()),
            }
        )
        self.con.register("line_gaps_in", gaps)
        try:
            self.con.execute(
                "CREATE OR REPLACE TEMP TABLE line_gaps AS "
                "SELECT after, max(shift) AS shift FROM line_gaps_in GROUP BY after"
            )
        finally:
            self.con.unregister("line_gaps_in")

    # -- the exact path: every record checked in Python, good rows kept, bad ones reported ------------
    def _exact(self, item: SourceFile, params: dict[str, Any]) -> tuple[int, list[Issue]]:
        import pyarrow as pa  # lazily: only dirty files need it

        issues: list[Issue] = []
        batch: dict[str, list[Any]] = {k: [] for k in (*FIELDS, "history", "line")}
        rows = 0

        def flush() -> None:
            nonlocal rows
            if not batch["line"]:
                return
            n = len(batch["line"])
            table = pa.table(
                {
                    "id": pa.array(
                        range(params["first_id"] + rows, params["first_id"] + rows + n), pa.int64()
                    ),
                    **{k: pa.array(batch[k], pa.string()) for k in FIELDS},
                    "history": pa.array(batch["history"], pa.list_(pa.list_(pa.string()))),
                    "line": pa.array(batch["line"], pa.int64()),
                }
            )
            self.con.register("exact_batch", table)
            self.con.execute(
                "INSERT INTO samples SELECT id, $task, $split, $category, instruction, input, output, "
                "history, "
                "$source, $file, line FROM exact_batch ORDER BY id",
                {k: params[k] for k in ("task", "split", "category", "source", "file")},
            )
            self.con.unregister("exact_batch")
            rows += n
            for values in batch.values():
                values.clear()

        for rec in records(item):
            problem = rec.problem
            if problem is None and (problem := check(rec.value)) and item.fmt == "array":
                problem = f"element {rec.number}: {problem}"  # arrays cite the line it starts on, too
            if problem is not None:
                if problem:  # "" marks a blank line: skipped without a report
                    issues.append(Issue(item.label, rec.line, problem))
                continue
            record = rec.value
            for k in FIELDS:
                batch[k].append(record[k])
            batch["history"].append(record.get("history"))
            batch["line"].append(rec.number)
            if len(batch["line"]) >= BATCH_ROWS:
                flush()
        flush()
        if rows == 0 and not issues:
            issues.append(Issue(item.label, None, "no rows in file"))
        return rows, issues


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


def build_index(
    db: Path,
    sources: list[SourceSpec],
    *,
    add: bool = False,
    progress: IngestProgress | None = None,
    memory_limit: str = "3GB",
    threads: int | None = None,
) -> IndexReport:
    """Index `sources` into `db` atomically. With `add`, rows of other sources already there are kept."""
    db = db.expanduser().resolve()
    progress = progress or _NoProgress()
    report = IndexReport(db=db, errors_file=errors_path_for(db))
    started = time.perf_counter()
    with write_lock(db):
        _clear_stale_builds(db)
        tmp = db.with_name(f".{db.name}.building-{os.getpid()}")
        _remove_db_files(tmp)
        try:
            if add and db.exists():
                shutil.copy2(db, tmp)
            con = duckdb.connect(str(tmp))
            pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="count-lines")
            try:
                con.execute(f"SET memory_limit = '{memory_limit}'")
                # One checkpoint at the end: automatic ones ran after every file's commit, single-threaded,
                # and took a third of a full-scale build.
                con.execute("SET checkpoint_threshold = '1TB'")
                con.execute("SET enable_progress_bar = false")
                if threads:
                    con.execute(f"SET threads = {int(threads)}")
                for stmt in [*sql.statements("schema"), *sql.statements("ingest_macros")]:
                    con.execute(stmt)
                for source in sources:
                    # Re-indexing a source replaces its rows: the same command twice gives the same index.
                    for table in ("samples", "blocks"):
                        con.execute(f"DELETE FROM {table} WHERE source = $s", {"s": source.name})
                    con.execute("DELETE FROM sources WHERE name = $s", {"s": source.name})
                    report.issues.extend(source.issues)
                    report.skipped += len(source.issues)
                builder = _Builder(con, report, progress, pool)
                all_files = [(s, f) for s in sources for f in s.files]
                progress.start(len(all_files), sum(f.size for _, f in all_files))
                for source in sources:
                    before_rows, before_skipped = report.rows, report.skipped
                    for item in source.files:
                        builder.add_file(source, item)
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
                report.unknown_tasks = _write_tasks(con)
                for stmt in sql.statements("build_instructions"):
                    con.execute(stmt)
                con.execute(
                    "INSERT OR REPLACE INTO meta VALUES ('schema', '1'), ('built_at', $at)",
                    {"at": dt.datetime.now().isoformat(timespec="seconds")},
                )
                con.execute("CHECKPOINT")
            finally:
                pool.shutdown(wait=False, cancel_futures=True)
                con.close()
            _write_errors(report)
            os.replace(tmp, db)
        except BaseException as exc:
            _remove_db_files(tmp)
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
