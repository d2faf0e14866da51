"""Parquet files (the Hub's conversion layout) read in one bulk statement per run of consecutive files,
with the same guarantees as JSON Lines: ids contiguous per file, the record number as the line, a bad row
costing only itself, a file of other types read (and reported) on its own."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from medinst_tui.sources.specs import local_source
from medinst_tui.store.ingest import build_index
from tests.helpers import make_rows, write_parquet


def _write(root: Path, task: str, split: str, shard: int, rows: list[dict[str, object]]) -> None:
    write_parquet(root / task / split / f"{shard:04d}.parquet", rows)


def _rows_of(db: Path) -> list[tuple[int, str, int, str, object]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute("SELECT id, file, line, input, history FROM samples ORDER BY id").fetchall()
        return [(int(i), str(f), int(n), str(t), h) for i, f, n, t, h in rows]
    finally:
        con.close()


def _steps(db: Path) -> dict[str, object]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        row = con.execute("SELECT value FROM meta WHERE key = 'build_steps'").fetchone()
        return dict(json.loads(str(row[0]))) if row else {}
    finally:
        con.close()


def test_parquet_shards_are_read_in_one_bulk_statement_in_order(tmp_path: Path) -> None:
    src = tmp_path / "src"
    fewshot = [r | {"history": [["q1", "a1"], ["q2", "a2"]]} for r in make_rows("MedQA", 3)]
    _write(src, "MedQA", "test", 0, fewshot)
    _write(src, "MedQA", "test", 1, make_rows("MedQA", 2, word="second"))  # no history column at all
    _write(src, "SciQ", "train", 0, make_rows("SciQ", 4))
    db = tmp_path / "i.duckdb"
    report = build_index(db, [local_source(src)], search_index=False)
    assert report.rows == 9 and not report.issues
    rows = _rows_of(db)
    assert [(r[1], r[2]) for r in rows] == [
        *(("MedQA/test/0000.parquet", n) for n in (1, 2, 3)),
        *(("MedQA/test/0001.parquet", n) for n in (1, 2)),
        *(("SciQ/train/0000.parquet", n) for n in (1, 2, 3, 4)),
    ]
    assert [r[0] for r in rows] == list(range(9))
    assert [r[3] for r in rows[:5]] == [str(x["input"]) for x in fewshot] + [
        str(x["input"]) for x in make_rows("MedQA", 2, word="second")
    ]
    assert rows[0][4] == [["q1", "a1"], ["q2", "a2"]] and rows[3][4] is None
    steps = _steps(db)
    assert "parse and append (bulk read_parquet)" in steps
    assert "parse and append (one file: arrays, parquet)" not in steps


def test_a_null_in_a_bulk_batch_costs_only_its_row(tmp_path: Path) -> None:
    src = tmp_path / "src"
    rows = make_rows("SciQ", 4)
    rows[1]["input"] = None
    _write(src, "MedQA", "test", 0, make_rows("MedQA", 2))
    _write(src, "SciQ", "test", 0, rows)
    db = tmp_path / "i.duckdb"
    report = build_index(db, [local_source(src)], search_index=False)
    assert [(i.file, i.line) for i in report.issues] == [("SciQ/test/0000.parquet", 2)]
    stored = _rows_of(db)
    assert [(r[1], r[2]) for r in stored] == [
        ("MedQA/test/0000.parquet", 1),
        ("MedQA/test/0000.parquet", 2),
        ("SciQ/test/0000.parquet", 1),
        ("SciQ/test/0000.parquet", 3),
        ("SciQ/test/0000.parquet", 4),
    ]
    assert [r[0] for r in stored] == list(range(5))


def test_a_file_of_other_types_is_read_on_its_own_between_bulk_batches(tmp_path: Path) -> None:
    src = tmp_path / "src"
    _write(src, "BIOSSES", "test", 0, [{"instruction": "Score.", "input": "a b", "output": 3.5}])
    _write(src, "BIOSSES", "train", 0, make_rows("BIOSSES", 2))
    _write(src, "MedQA", "test", 0, make_rows("MedQA", 2))
    db = tmp_path / "i.duckdb"
    report = build_index(db, [local_source(src)], search_index=False)
    assert [(i.file, i.line) for i in report.issues] == [("BIOSSES/test/0000.parquet", 1)]
    assert "string" in report.issues[0].reason
    assert [(r[0], r[1], r[2]) for r in _rows_of(db)] == [
        (0, "BIOSSES/train/0000.parquet", 1),
        (1, "BIOSSES/train/0000.parquet", 2),
        (2, "MedQA/test/0000.parquet", 1),
        (3, "MedQA/test/0000.parquet", 2),
    ]
