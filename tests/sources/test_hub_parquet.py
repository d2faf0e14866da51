"""`medinst index --hub` reads the Hub's parquet conversion where it is complete, JSON elsewhere.

A real Hub-style cache (HF_HUB_OFFLINE=1) with both revisions: the main branch's JSON files and the
`refs/convert/parquet` branch, whose ref huggingface_hub keeps at refs/refs/convert/parquet. The tasks are
the catalog's smallest (CellFinder: 5 train, 5 test; AnEM-COREF: 10 train, 2 dev, 14 test), so a split
holds exactly the catalog's rows or visibly does not.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from medinst_tui.cli.main import main
from medinst_tui.store.index import Index
from tests.helpers import make_rows, write_jsonl, write_parquet

MAIN_REV = "1111111111111111111111111111111111111111"
PARQUET_REV = "2222222222222222222222222222222222222222"
REPO_DIR = "datasets--aialt--MedINST"


def _rows(task: str, n: int, where: str) -> list[dict[str, object]]:
    return make_rows(task, n, word=where)  # the text says which files it came from


def _json_branch(cache: Path) -> None:
    repo = cache / REPO_DIR
    (repo / "refs").mkdir(parents=True, exist_ok=True)
    (repo / "refs" / "main").write_text(MAIN_REV)
    snap = repo / "snapshots" / MAIN_REV
    for task, split, n in [
        ("CellFinder", "train", 5),
        ("CellFinder", "test", 5),
        ("AnEM-COREF", "train", 10),
        ("AnEM-COREF", "dev", 2),
    ]:
        write_jsonl(snap / f"{task}_{split}.json", _rows(task, n, "jsonfile"))


def _parquet_branch(cache: Path) -> None:
    repo = cache / REPO_DIR
    (repo / "refs" / "refs" / "convert").mkdir(parents=True, exist_ok=True)
    (repo / "refs" / "refs" / "convert" / "parquet").write_text(PARQUET_REV)
    snap = repo / "snapshots" / PARQUET_REV
    write_parquet(snap / "CellFinder" / "train" / "0000.parquet", _rows("CellFinder", 5, "parquetfile"))
    # two shards that add up to the catalog's 5
    write_parquet(snap / "CellFinder" / "test" / "0000.parquet", _rows("CellFinder", 3, "parquetfile"))
    write_parquet(snap / "CellFinder" / "test" / "0001.parquet", _rows("CellFinder", 2, "parquetfile"))
    # the Hub's name for a dev split it inferred; 1 row where the catalog has 2: not complete
    write_parquet(snap / "AnEM-COREF" / "validation" / "0000.parquet", _rows("AnEM-COREF", 1, "parquetfile"))
    # a truncated conversion
    write_parquet(
        snap / "AnEM-COREF" / "partial-train" / "0000.parquet", _rows("AnEM-COREF", 4, "parquetfile")
    )


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "hf"
    monkeypatch.setenv("HF_HUB_CACHE", str(root))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    return root


def _origin(db: Path) -> dict[tuple[str, str], tuple[int, set[str], set[str]]]:
    """Per (task, split): rows, the file suffixes they were read from, the marker words in their text."""
    with Index(db) as index:
        rows = index.con.execute(
            "SELECT task, split, count(*), list(DISTINCT regexp_extract(file, '\\.(\\w+)$', 1)), "
            "list(DISTINCT regexp_extract(input, '(jsonfile|parquetfile)', 1)) FROM samples GROUP BY ALL"
        ).fetchall()
    return {(t, s): (int(n), set(suffixes), set(marks)) for t, s, n, suffixes, marks in rows}


def test_complete_parquet_splits_are_read_from_parquet_the_rest_from_json(
    cache: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _json_branch(cache)
    _parquet_branch(cache)
    db = tmp_path / "hub.duckdb"
    assert main(["index", "--hub", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert _origin(db) == {
        ("CellFinder", "train"): (5, {"parquet"}, {"parquetfile"}),
        ("CellFinder", "test"): (5, {"parquet"}, {"parquetfile"}),
        ("AnEM-COREF", "train"): (10, {"json"}, {"jsonfile"}),
        ("AnEM-COREF", "dev"): (2, {"json"}, {"jsonfile"}),
    }
    assert "2 split(s) from the Hub's parquet conversion, 2 from JSON" in out
    assert "AnEM-COREF/dev: parquet conversion 1 rows, catalog 2: read from JSON" in out
    assert "AnEM-COREF/train: parquet conversion is partial: read from JSON" in out


def test_no_parquet_reads_only_json(cache: Path, tmp_path: Path) -> None:
    _json_branch(cache)
    _parquet_branch(cache)
    db = tmp_path / "hub.duckdb"
    assert main(["index", "--hub", "--no-parquet", "--db", str(db)]) == 0
    assert {v[1].pop() for v in _origin(db).values()} == {"json"}


def test_a_pinned_revision_is_read_as_json(cache: Path, tmp_path: Path) -> None:
    _json_branch(cache)
    _parquet_branch(cache)
    db = tmp_path / "hub.duckdb"
    assert main(["index", "--hub", "--revision", MAIN_REV, "--db", str(db)]) == 0
    assert {v[1].pop() for v in _origin(db).values()} == {"json"}


def test_without_a_conversion_in_the_cache_json_is_read_and_said(
    cache: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _json_branch(cache)
    db = tmp_path / "hub.duckdb"
    assert main(["index", "--hub", "--db", str(db)]) == 0
    assert "parquet conversion is not in the cache" in capsys.readouterr().out
    assert sum(v[0] for v in _origin(db).values()) == 22


def test_a_selection_the_conversion_covers_needs_no_json(cache: Path, tmp_path: Path) -> None:
    _parquet_branch(cache)  # no JSON branch in the cache at all
    db = tmp_path / "hub.duckdb"
    assert main(["index", "--hub", "--task", "CellFinder", "--db", str(db)]) == 0
    assert _origin(db) == {
        ("CellFinder", "train"): (5, {"parquet"}, {"parquetfile"}),
        ("CellFinder", "test"): (5, {"parquet"}, {"parquetfile"}),
    }
