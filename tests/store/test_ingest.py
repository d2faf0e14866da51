"""Building the index: formats, bad input, unknown tasks, idempotence, --add, atomicity, locking."""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from medinst_tui.sources.files import SourceFile
from medinst_tui.sources.specs import local_source
from medinst_tui.store.build_files import write_lock
from medinst_tui.store.filters import Filter
from medinst_tui.store.index import Index, IndexBusyError
from medinst_tui.store.ingest import build_index
from tests.helpers import count_rows, make_rows, write_jsonl


def test_every_source_format_is_indexed(tmp_path: Path) -> None:
    src = tmp_path / "src"
    write_jsonl(src / "NCBI-disease_train.json", make_rows("NCBI-disease", 7))
    # a JSON array, and a gzipped JSON Lines file
    (src / "BC5CDR_dev.json").write_text(json.dumps(make_rows("BC5CDR", 4)))
    with gzip.open(src / "MedQA_test.json.gz", "wt", encoding="utf-8") as fh:
        for row in make_rows("MedQA", 5):
            fh.write(json.dumps(row | {"history": [["q1", "a1"], ["q2", "a2"]]}) + "\n")
    # the Hub's parquet conversion layout: <config>/<split>/0000.parquet
    (src / "SciQ" / "test").mkdir(parents=True)
    pq.write_table(pa.Table.from_pylist(make_rows("SciQ", 3)), src / "SciQ" / "test" / "0000.parquet")
    db = tmp_path / "index.duckdb"
    report = build_index(db, [local_source(src)])
    assert report.rows == 7 + 4 + 5 + 3 and not report.issues
    with Index(db) as index:
        by_task = index.facets().by_task()
        assert by_task == {"NCBI-disease": 7, "BC5CDR": 4, "MedQA": 5, "SciQ": 3}
        assert index.facets().by_category() == {"NER": 11, "QA": 8}
        medqa = index.page(Filter(tasks=("MedQA",)))
        assert [r.line for r in medqa] == [1, 2, 3, 4, 5]
        assert medqa[0].history == [["q1", "a1"], ["q2", "a2"]]
        assert medqa[0].split == "test" and medqa[0].file == "MedQA_test.json.gz"
        assert index.instructions("SciQ") == [("Instruction of SciQ.", 3)]


def test_a_single_alpaca_file_takes_task_and_split(tmp_path: Path) -> None:
    f = write_jsonl(tmp_path / "my_data.jsonl", make_rows("X", 3))
    db = tmp_path / "i.duckdb"
    report = build_index(db, [local_source(f, task="MyTask", split="validation")])
    assert report.rows == 3 and report.unknown_tasks == ["MyTask"]
    with Index(db) as index:
        assert index.facets().by_split() == {"dev": 3}
        assert index.facets().by_category() == {"unknown": 3}


def test_bad_rows_are_skipped_reported_and_the_rest_kept(tmp_path: Path) -> None:
    src = tmp_path / "src"
    good = make_rows("MedQA", 3)
    lines = [
        json.dumps(good[0]),
        '{"instruction": "i", "input": 5, "output": "x"}',  # non-string field
        '{"instruction": "i", "output": "x"}',  # missing field
        "{broken json",  # malformed
        json.dumps(good[1]),
        "",  # blank line: ignored, not an error
        json.dumps(good[2] | {"history": "not a list"}),
        json.dumps(good[2]),
    ]
    src.mkdir()
    (src / "MedQA_test.json").write_text("\n".join(lines) + "\n")
    (src / "MedQA_train.json").write_bytes(
        b'{"instruction": "i", "input": "\xff\xfe", "output": "o"}\n' + json.dumps(good[0]).encode() + b"\n"
    )
    (src / "BC5CDR_test.json").write_text("")
    write_jsonl(src / "NCBI-disease_test.json", make_rows("NCBI-disease", 4))
    db = tmp_path / "index.duckdb"
    report = build_index(db, [local_source(src)])
    where = {(i.file, i.line): i.reason for i in report.issues}
    assert where[("MedQA_test.json", 2)] == "field 'input' is int, not a string"
    assert where[("MedQA_test.json", 3)] == "missing field 'input'"
    assert where[("MedQA_test.json", 4)].startswith("malformed JSON")
    assert "history" in where[("MedQA_test.json", 7)]
    assert where[("MedQA_train.json", 1)] == "not UTF-8"
    assert where[("BC5CDR_test.json", None)] == "empty file"
    assert report.skipped == len(report.issues) == 6
    assert report.rows == 3 + 1 + 4
    with Index(db) as index:
        kept = index.page(Filter(tasks=("MedQA",), splits=("test",)))
        assert [r.line for r in kept] == [1, 5, 8]  # real line numbers of the good rows
        assert [r.input for r in kept] == [good[0]["input"], good[1]["input"], good[2]["input"]]
    logged = [json.loads(line) for line in report.errors_file.read_text().splitlines()]
    assert {"file": "MedQA_test.json", "line": 2, "reason": "field 'input' is int, not a string"} in logged
    assert len(logged) == 6


def test_unknown_task_names_are_kept_and_listed(tmp_path: Path) -> None:
    src = tmp_path / "src"
    write_jsonl(src / "BrandNewTask_train.json", make_rows("BrandNewTask", 2))
    write_jsonl(src / "MedQA_train.json", make_rows("MedQA", 2))
    report = build_index(tmp_path / "i.duckdb", [local_source(src)])
    assert report.unknown_tasks == ["BrandNewTask"]
    with Index(tmp_path / "i.duckdb") as index:
        rows = {t.name: t for t in index.task_rows()}
        assert rows["BrandNewTask"].category == "unknown" and not rows["BrandNewTask"].known
        assert rows["BrandNewTask"].indexed == {"train": 2, "dev": 0, "test": 0}
        assert len(rows) == 164  # the catalog's 163 plus the newcomer


def test_reindex_is_idempotent_and_add_keeps_other_sources(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    write_jsonl(a / "MedQA_train.json", make_rows("MedQA", 5))
    write_jsonl(b / "SciQ_test.json", make_rows("SciQ", 3))
    db = tmp_path / "i.duckdb"
    build_index(db, [local_source(a)])
    build_index(db, [local_source(a)])
    assert count_rows(db) == 5
    build_index(db, [local_source(b)], add=True)
    assert count_rows(db) == 8
    build_index(db, [local_source(b)], add=True)  # the same source again replaces its rows
    assert count_rows(db) == 8
    with Index(db) as index:
        assert index.facets().by_task() == {"MedQA": 5, "SciQ": 3}
        assert len({r.id for r in index.page(Filter(), limit=100)}) == 8
    build_index(db, [local_source(b)])  # without --add the index holds just this source
    assert count_rows(db) == 3


def test_an_interrupted_build_leaves_the_old_index_intact(tmp_path: Path) -> None:
    src = tmp_path / "src"
    for i in range(4):
        write_jsonl(src / f"Task{i}_train.json", make_rows(f"Task{i}", 10))
    db = tmp_path / "i.duckdb"
    build_index(db, [local_source(src)])
    before = db.read_bytes()

    class Interrupt:
        def start(self, total_files: int, total_bytes: int) -> None:
            pass

        def file_started(self, item: SourceFile) -> None:
            if item.task == "Task2":
                raise KeyboardInterrupt

        def file_finished(self, item: SourceFile, rows: int, skipped: int, seconds: float) -> None:
            pass

    write_jsonl(src / "Task9_train.json", make_rows("Task9", 10))
    with pytest.raises(KeyboardInterrupt):
        build_index(db, [local_source(src)], progress=Interrupt())
    assert db.read_bytes() == before
    assert count_rows(db) == 40
    assert not list(tmp_path.glob(".i.duckdb.building-*"))


def test_a_killed_index_process_leaves_the_old_index_usable(tmp_path: Path) -> None:
    src = tmp_path / "src"
    write_jsonl(src / "MedQA_train.json", make_rows("MedQA", 10))
    db = tmp_path / "i.duckdb"
    build_index(db, [local_source(src)])
    big = tmp_path / "big"
    # enough rows for the build to still be running when it is killed
    for i in range(6):
        write_jsonl(big / f"Big{i}_train.json", make_rows(f"Big{i}", 40_000))
    env = os.environ | {"MEDINST_DB": str(db)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "medinst_tui", "index", "--from", str(big)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob(".i.duckdb.building-*")) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert proc.poll() is None, "the build finished before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    with Index(db) as index:
        assert index.facets().by_task() == {"MedQA": 10}
    # the next build clears the dead build's temporary file and succeeds
    build_index(db, [local_source(src)])
    assert not list(tmp_path.glob(".i.duckdb.building-*"))


def test_a_second_writer_gets_a_clear_message(tmp_path: Path) -> None:
    src = tmp_path / "src"
    write_jsonl(src / "MedQA_train.json", make_rows("MedQA", 2))
    db = tmp_path / "i.duckdb"
    build_index(db, [local_source(src)])
    with write_lock(db), pytest.raises(IndexBusyError, match="is writing the index"):
        build_index(db, [local_source(src)])
    with Index(db) as index:  # readers are never blocked by a build
        assert index.count() == 2
