"""Small builders for test inputs."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import duckdb


def write_jsonl(path: Path, rows: Sequence[Mapping[str, object]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path


def write_parquet(path: Path, rows: Sequence[Mapping[str, object]]) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist([dict(r) for r in rows]), path)
    return path


def make_rows(
    task: str, n: int, *, instruction: str | None = None, word: str = "aspirin"
) -> list[dict[str, object]]:
    return [
        {
            "instruction": instruction or f"Instruction of {task}.",
            "input": f"{task} sample {i} mentions {word} and headache.",
            "output": f"[{word} <Chemical>]" if i % 2 else "[headache <Disease>]",
        }
        for i in range(n)
    ]


def count_rows(db: Path, where: str = "TRUE") -> int:
    """A direct count on the index file, independent of the code under test."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        row = con.execute(f"SELECT count(*) FROM samples WHERE {where}").fetchone()
        return int(row[0]) if row else -1
    finally:
        con.close()
