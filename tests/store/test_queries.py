"""Browsing queries on a real index file: facets, keyset pages, jumps, search, samples, export."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from medinst_tui.sources.specs import local_source
from medinst_tui.store.export import export
from medinst_tui.store.filters import Filter
from medinst_tui.store.index import Index
from medinst_tui.store.ingest import build_index
from tests.helpers import count_rows, make_rows, write_jsonl

SIZES = {
    ("NCBI-disease", "train"): 120,
    ("NCBI-disease", "test"): 30,
    ("BC5CDR", "dev"): 45,
    ("MedQA", "train"): 80,
    ("MedQA", "test"): 25,
    ("BIOSSES", "test"): 10,
}


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("idx")
    for (task, split), n in SIZES.items():
        rows = make_rows(task, n, word="ibuprofen" if task == "MedQA" and split == "test" else "aspirin")
        write_jsonl(root / "src" / f"{task}_{split}.json", rows)
    path = root / "index.duckdb"
    build_index(path, [local_source(root / "src")])
    return path


def test_facets_follow_the_filter(db: Path) -> None:
    with Index(db) as index:
        assert index.facets().by_category() == {"NER": 195, "QA": 105, "STS": 10}
        f = Filter(categories=("NER",), splits=("test",))
        assert index.facets(f).by_task() == {"NCBI-disease": 30}
        assert index.count(f) == count_rows(db, "category = 'NER' AND split = 'test'")
        assert index.count(Filter(medinst32=True)) == sum(SIZES.values())  # all six are MEDINST32 tasks
        searched = Filter(search="IBUPROFEN")  # case-insensitive
        assert index.facets(searched).by_task() == {"MedQA": 25}
        assert index.count(searched) == 25


def test_keyset_pages_walk_every_row_once_in_order(db: Path) -> None:
    f = Filter(categories=("NER", "QA"))
    seen: list[int] = []
    with Index(db) as index:
        after = -1
        while page := index.page(f, after_id=after, limit=37):
            seen += [r.id for r in page]
            after = page[-1].id
        assert len(seen) == len(set(seen)) == index.count(f) == 300
        assert seen == sorted(seen)


def test_jump_to_any_row_matches_offset(db: Path) -> None:
    f = Filter(tasks=("MedQA", "NCBI-disease"), splits=("train", "test"))
    con = duckdb.connect(str(db), read_only=True)
    ids = [
        int(r[0])
        for r in con.execute(
            "SELECT id FROM samples WHERE task IN ('MedQA', 'NCBI-disease') "
            "AND split IN ('train', 'test') ORDER BY id"
        ).fetchall()
    ]
    con.close()
    with Index(db) as index:
        for pos in (0, 1, 79, 80, 150, len(ids) - 1):
            assert index.id_at(f, pos) == ids[pos]
            assert [r.id for r in index.page_at(f, pos, limit=3)] == ids[pos : pos + 3]
        assert index.id_at(f, len(ids)) is None
        searched = f.with_(search="sample 1")
        assert index.page_at(searched, 2, limit=1)[0].id == index.page(searched, limit=3)[2].id


def test_seeded_sample_is_deterministic_and_uniform_enough(db: Path) -> None:
    f = Filter(tasks=("NCBI-disease",))
    with Index(db) as index:
        a = [r.id for r in index.sample(f, 20, seed=1)]
        b = [r.id for r in index.sample(f, 20, seed=1)]
        c = [r.id for r in index.sample(f, 20, seed=2)]
        assert a == b and a != c and len(set(a)) == 20
        splits = {r.split for r in index.sample(f, 40, seed=3)}
        assert splits == {"train", "test"}  # not just the first rows of the table


def test_export_writes_exactly_the_filter(db: Path, tmp_path: Path) -> None:
    f = Filter(categories=("NER",), splits=("test",))
    out = tmp_path / "ner.jsonl"
    with Index(db) as index:
        result = export(index, f, str(out))
        assert result.rows == index.count(f) == 30
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 30
    assert set(rows[0]) == {"id", "instruction", "input", "output", "history", "task", "category", "split"}
    assert {r["task"] for r in rows} == {"NCBI-disease"}
    with Index(db) as index:  # rows come out in index order, without a sort
        page = index.page(f, limit=100)
        assert [r["input"] for r in rows] == [r.input for r in page]
        assert [r["id"] for r in rows] == [r.id for r in page]
        # an exported id maps back to its row in the index (as --pin ID does)
        back = index.get(rows[7]["id"])
        assert back is not None and (back.input, back.output) == (rows[7]["input"], rows[7]["output"])
    assert not list(tmp_path.glob(".ner.jsonl.part-*"))
    # The exported file indexes again as it is: `id` is not a MEDINST field and is left out.
    (tmp_path / "again").mkdir()
    (tmp_path / "again" / "NCBI-disease_test.json").write_text(out.read_text())
    build_index(tmp_path / "again.duckdb", [local_source(tmp_path / "again")])
    with Index(tmp_path / "again.duckdb") as again:
        assert [r.input for r in again.page(Filter(), limit=100)] == [r["input"] for r in rows]


def test_export_sample_limit_and_parquet(db: Path, tmp_path: Path) -> None:
    with Index(db) as index:
        r = export(index, Filter(tasks=("MedQA",)), str(tmp_path / "s.jsonl"), sample=10, seed=7)
        again = export(index, Filter(tasks=("MedQA",)), str(tmp_path / "s2.jsonl"), sample=10, seed=7)
        assert r.rows == again.rows == 10
        assert (tmp_path / "s.jsonl").read_text() == (tmp_path / "s2.jsonl").read_text()
        sampled = [json.loads(line) for line in (tmp_path / "s.jsonl").read_text().splitlines()]
        ids = [r["id"] for r in sampled]
        assert ids == sorted(ids)  # written in id order
        assert all(index.get(r["id"]).input == r["input"] for r in sampled)  # type: ignore[union-attr]
        p = export(index, Filter(), str(tmp_path / "all.parquet"), limit=50)
        assert p.rows == 50 and p.fmt == "parquet"
    table = pq.read_table(tmp_path / "all.parquet")
    assert table.num_rows == 50 and table.column_names[0] == "id"


def test_export_to_stdout(db: Path) -> None:
    code = (
        "import sys; from pathlib import Path; from medinst_tui.store.index import Index;"
        "from medinst_tui.store.export import export; from medinst_tui.store.filters import Filter;"
        f"r = export(Index(Path({str(db)!r})), Filter(tasks=('BIOSSES',)), '-');"
        "print('ROWS', r.rows, file=sys.stderr)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    lines = done.stdout.splitlines()
    assert len(lines) == 10 and all(json.loads(x)["task"] == "BIOSSES" for x in lines)
    assert "ROWS 10" in done.stderr
