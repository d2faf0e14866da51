"""The index build's readers: consecutive JSON Lines files in ONE `read_json` statement, the way DuckDB's
own bulk load reads them (every file parsed in parallel, no staging copy; the rows' rowids give each row
its id and line); files whose rows look mangled go to the exact line-by-line reader; JSON arrays and
parquet files are read one file at a time."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import duckdb

from medinst_tui import catalog
from medinst_tui.sources.files import Issue, SourceFile, SourceSpec
from medinst_tui.store import sql
from medinst_tui.store.build_report import IndexReport, IngestProgress, Steps
from medinst_tui.store.lines import blank_lines_if_consistent, count_lines
from medinst_tui.store.records import FIELDS, check, records

# Rows go to DuckDB in Arrow batches of this size on the exact (Python) path.
BATCH_ROWS = 50_000
# Consecutive JSON Lines files are loaded in ONE statement: measured at full scale, batches of 512 MB took
# 55.6 s where one statement took 37.5 s (every batch ends on one busy core, and its last row groups wait
# for the checkpoint). The progress bar follows DuckDB's own progress of the statement instead.
PROGRESS_POLL_S = 0.25


def _batches(files: list[SourceFile]) -> Iterator[tuple[str, list[SourceFile]]]:
    """Consecutive JSON Lines files, and consecutive parquet files, in bulk batches ("bulk"), every other
    file on its own ("file")."""
    batch: list[SourceFile] = []
    for item in files:
        if item.fmt not in BULK_FORMATS or item.size == 0:
            if batch:
                yield "bulk", batch
                batch = []
            yield "file", [item]
            continue
        if batch and batch[-1].fmt != item.fmt:
            yield "bulk", batch
            batch = []
        batch.append(item)
    if batch:
        yield "bulk", batch


BULK_FORMATS = ("jsonl", "parquet")


def _text_columns(types: dict[str, str]) -> bool:
    """Whether a parquet file's fields are text (and its history, if any, lists of lists of text)."""
    return (
        all(types.get(f) == "VARCHAR" for f in FIELDS)
        and types.get("history", "VARCHAR[][]") == "VARCHAR[][]"
    )


class FileReader:
    """Reads source files into `samples` and `blocks`: JSON Lines in bulk statements, the rest (and dirty
    files) file by file, every bad line one issue with its file and line."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        report: IndexReport,
        progress: IngestProgress,
        pool: ThreadPoolExecutor,
        steps: Steps,
    ):
        self.con = con
        self.pool = pool
        self.report = report
        self.progress = progress
        self.steps = steps
        row = con.execute("SELECT coalesce(max(id) + 1, 0) FROM samples").fetchone()
        self.next_id = int(row[0]) if row else 0
        self.first_new_id = self.next_id

    def add_files(self, source: SourceSpec) -> None:
        for kind, items in _batches(source.files):
            if kind == "bulk" and items[0].fmt == "parquet":
                self._bulk_parquet(source, items)
            elif kind == "bulk":
                self._bulk(source, items)
            else:
                self.add_file(source, items[0])

    def _bulk_parquet(self, source: SourceSpec, items: list[SourceFile]) -> None:
        """Parquet files whose columns are text (and history a list of lists of text) in one bulk
        statement; any other file on its own, where its types are checked row by row."""
        typed: list[SourceFile] = []
        histories: list[bool] = []
        for item in items:
            try:
                types = self._parquet_types(str(item.path))
            except duckdb.InterruptException:
                raise
            except duckdb.Error:
                types = {}
            if _text_columns(types):
                typed.append(item)
                histories.append("history" in types)
            else:
                if typed:
                    self._bulk(source, typed, history=any(histories))
                    typed, histories = [], []
                self.add_file(source, item)
        if typed:
            self._bulk(source, typed, history=any(histories))

    def _params(self, source: SourceSpec, item: SourceFile, first: int) -> dict[str, Any]:
        return {
            "path": str(item.path),
            "first_id": first,
            "task": item.task,
            "split": item.split,
            "category": catalog.category_of(item.task),
            "source": source.name,
            "file": item.label,
        }

    def _finish_file(
        self, source: SourceSpec, item: SourceFile, first: int, rows: int, issues: list[Issue], seconds: float
    ) -> None:
        if rows:
            params = self._params(source, item, first)
            self.con.execute(
                "INSERT INTO blocks VALUES ($source, $file, $task, $split, $category, $first_id, $n)",
                {k: params[k] for k in ("source", "file", "task", "split", "category", "first_id")}
                | {"n": rows},
            )
            self.next_id = max(self.next_id, first + rows)
        self.report.files += 1
        self.report.rows += rows
        self.report.skipped += len(issues)
        self.report.issues.extend(issues)
        self.progress.file_finished(item, rows, len(issues), seconds)

    # -- a batch of JSON Lines files: one bulk statement ----------------------------------------------
    def _bulk(self, source: SourceSpec, items: list[SourceFile], *, history: bool = True) -> None:
        """A batch of JSON Lines files, or of parquet files with text columns (`history`: whether any of
        them has that column)."""
        started = time.perf_counter()
        for item in items:
            self.progress.file_started(item)
        jsonl = items[0].fmt == "jsonl"
        # Counted while DuckDB parses (it releases the GIL): the record numbers are lines only when the
        # counts agree (no blank lines). Parquet stores record numbers: nothing to count.
        lines = {i: self.pool.submit(count_lines, item.path) for i, item in enumerate(items)} if jsonl else {}
        bind = {
            "paths": [str(item.path) for item in items],
            "tasks": [item.task for item in items],
            "splits": [item.split for item in items],
            "categories": [catalog.category_of(item.task) for item in items],
            "labels": [item.label for item in items],
            "source": source.name,
        }
        if jsonl:
            query, step = sql.render("ingest_bulk_jsonl"), "parse and append (bulk read_json)"
        else:
            query = sql.render("ingest_bulk_parquet", history="history" if history else "NULL::VARCHAR[][]")
            step = "parse and append (bulk read_parquet)"
        try:
            with self.steps(step), self._follow(items):
                self.con.execute(query, bind)
        except duckdb.InterruptException:
            raise  # Ctrl-C: never mistaken for a file the bulk reader refused
        except duckdb.Error:
            # A file the bulk reader refuses fails the whole statement: read the batch file by file, so
            # the refused one alone goes to the exact reader.
            for future in lines.values():
                future.cancel()
            for item in items:
                self.add_file(source, item, announced=True)
            return
        with self.steps("validate (marks set while parsing)"):
            stats = {int(r[0]): r for r in self.con.execute(sql.render("validate_bulk")).fetchall()}
        exact: list[int] = []
        gaps: dict[int, list[int]] = {}
        with self.steps("validate (suspect files read again by JSON type)"):
            for i, item in enumerate(items):
                if i not in stats:
                    continue
                _, n, first_rowid, last_rowid, bad, suspect = (int(v) for v in stats[i])
                if bad or last_rowid - first_rowid + 1 != n or (suspect and self._wrongly_typed(item)):
                    exact.append(i)
        with self.steps("line numbers (count lines, blank lines)"):
            for i, item in enumerate(items):
                if i not in stats or i in exact or not jsonl:
                    continue
                try:
                    blanks = blank_lines_if_consistent(item.path, int(stats[i][1]), lines[i].result())
                except (OSError, EOFError):  # unreadable after all: the exact reader says how
                    blanks = None
                if blanks is None:
                    exact.append(i)
                elif blanks:
                    gaps[i] = blanks
        with self.steps("ids and lines (update)"):
            if exact:
                self.con.execute(
                    "DELETE FROM samples WHERE id < 0 AND line IN (SELECT unnest($files))", {"files": exact}
                )
            kept = [i for i in stats if i not in exact]
            first_rowid = min((int(stats[i][2]) for i in kept), default=0)
            file_rowids = [int(stats[i][2]) if i in stats else 0 for i in range(len(items))]
            if kept:
                self.con.execute(
                    sql.render("ingest_number_rows"),
                    {"first_rowid": first_rowid, "first_id": self.next_id, "file_rowids": file_rowids},
                )
            firsts = {i: self.next_id + int(stats[i][2]) - first_rowid for i in kept}
            for i, blanks in gaps.items():
                self._fix_lines(firsts[i], int(stats[i][1]), blanks)
        # Files the checks sent to the exact reader get their ids after the batch.
        base = self.next_id
        seconds = time.perf_counter() - started
        total = sum(items[i].size for i in kept) or 1
        for i, item in enumerate(items):
            if i in exact:
                continue
            rows = int(stats[i][1]) if i in stats else 0
            issues = [] if rows else [Issue(item.label, None, "no rows in file")]
            self._finish_file(source, item, firsts.get(i, base), rows, issues, seconds * item.size / total)
        for i in exact:
            item = items[i]
            file_started = time.perf_counter()
            first = self.next_id
            with self.steps("exact reader (dirty files)"):
                rows, issues = self._exact(item, self._params(source, item, first))
            self.report.exact_files.append(item.label)
            self._finish_file(source, item, first, rows, issues, time.perf_counter() - file_started)

    @contextlib.contextmanager
    def _follow(self, items: list[SourceFile]) -> Iterator[None]:
        """While one statement reads many files: report the bytes read so far from DuckDB's progress.

        `bytes_read(n)` is optional in IngestProgress; the statement's progress is the share of the
        files' bytes it has read.
        """
        report = getattr(self.progress, "bytes_read", None)
        if report is None:
            yield
            return
        total = sum(item.size for item in items)
        done = threading.Event()

        def poll() -> None:
            while not done.wait(PROGRESS_POLL_S):
                with contextlib.suppress(Exception):
                    pct = self.con.query_progress()
                    if pct > 0:
                        report(int(total * min(pct, 100.0) / 100.0))

        poller = threading.Thread(target=poll, name="ingest-progress", daemon=True)
        poller.start()
        try:
            yield
        finally:
            done.set()
            poller.join()

    def _parquet_types(self, path: str) -> dict[str, str]:
        """Column name -> DuckDB type of a parquet file (its footer only)."""
        described = self.con.execute("DESCRIBE SELECT * FROM read_parquet($path)", {"path": path})
        return {str(r[0]): str(r[1]) for r in described.fetchall()}

    def _wrongly_typed(self, item: SourceFile) -> bool:
        """Whether a file with suspect values really holds non-strings (read again by JSON types)."""
        params = {"path": str(item.path), "format": "newline_delimited"}
        (wrong,) = self._one(sql.render("validate_types"), params)
        return bool(wrong)

    def _fix_lines(self, first_id: int, n: int, blanks: list[int]) -> None:
        self._stage_line_gaps(blanks)
        try:
            bounds = {"first_id": first_id, "last_id": first_id + n - 1}
            self.con.execute(sql.render("ingest_line_gaps"), bounds)
        finally:
            self.con.execute("DROP TABLE IF EXISTS line_gaps")

    # -- one file (arrays, parquet, and the files of a batch the bulk reader refused) -----------------
    def add_file(self, source: SourceSpec, item: SourceFile, *, announced: bool = False) -> None:
        started = time.perf_counter()
        if not announced:
            self.progress.file_started(item)
        first = self.next_id
        params = self._params(source, item, first)
        issues: list[Issue] = []
        rows = 0
        if item.size == 0:
            issues.append(Issue(item.label, None, "empty file"))
        else:
            try:
                with self.steps("parse and append (one file: arrays, parquet)"):
                    rows = self._fast(item, params)
            except duckdb.InterruptException:
                raise  # Ctrl-C: never mistaken for a file the bulk reader refused
            except duckdb.Error:
                rows = -1  # the bulk reader refused the file: find out which lines are bad
            finally:
                self.con.execute("DROP TABLE IF EXISTS stage")
            if rows < 0:  # nothing of this file is in samples yet: check it line by line
                with self.steps("exact reader (dirty files)"):
                    rows, issues = self._exact(item, params)
                self.report.exact_files.append(item.label)
            elif rows == 0:
                issues.append(Issue(item.label, None, "no rows in file"))
        self._finish_file(source, item, first, rows, issues, time.perf_counter() - started)

    def _fast(self, item: SourceFile, params: dict[str, Any]) -> int:
        """Stage the file with DuckDB's bulk reader, validate it, append it. -1: needs the exact path."""
        path = params["path"]
        lines: Future[int] | None = None
        if item.fmt == "parquet":
            types = self._parquet_types(path)
            missing = [f for f in FIELDS if f not in types]
            if missing:
                raise duckdb.InvalidInputException(f"parquet file lacks {', '.join(missing)}")
            history = "history::VARCHAR[][]" if "history" in types else "NULL::VARCHAR[][]"
            self.con.execute(sql.render("stage_parquet", history=history), {"path": path})
            # Parquet values are typed: text columns hold text, whatever it reads like.
            typed = _text_columns(types)
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
