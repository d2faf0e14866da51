"""The Hub path for real, without a network: a Hub-style cache, HF_HUB_OFFLINE=1, the same command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from medinst_tui.cli.main import main
from medinst_tui.store.filters import Filter
from medinst_tui.store.index import Index
from tests.helpers import make_rows, write_jsonl

REV = "0123456789abcdef0123456789abcdef01234567"


def _hub_cache(root: Path, repo: str, files: dict[str, list[dict[str, object]]]) -> Path:
    """The layout huggingface_hub documents: datasets--<org>--<name>/{refs/main, snapshots/<rev>/...}."""
    repo_dir = root / f"datasets--{repo.replace('/', '--')}"
    (repo_dir / "refs").mkdir(parents=True, exist_ok=True)
    (repo_dir / "refs" / "main").write_text(REV)
    snap = repo_dir / "snapshots" / REV
    for name, rows in files.items():
        write_jsonl(snap / name, rows)
    return snap


@pytest.fixture
def offline_hub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = tmp_path / "hf"
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    _hub_cache(
        cache,
        "aialt/MedINST",
        {
            "MedQA_train.json": make_rows("MedQA", 6),
            "MedQA_test.json": make_rows("MedQA", 3),
            "NCBI-disease_train.json": make_rows("NCBI-disease", 4),
            "BIOSSES_test.json": make_rows("BIOSSES", 2),
        },
    )
    shots = {"history": [["Instruction A\nInput A", "Output A"], ["Instruction B\nInput B", "Output B"]]}
    _hub_cache(
        cache,
        "aialt/MedINST32",
        {
            "unseen_tests/MedQA_test.json": [r | shots for r in make_rows("MedQA", 3)],
            "unseen_tests_zs/MedQA_test.json": make_rows("MedQA", 3),
            "merged_train_100k.json": make_rows("mix", 5),
        },
    )
    return cache


def test_index_hub_offline_from_the_cache(
    offline_hub: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "hub.duckdb"
    assert main(["index", "--hub", "--db", str(db)]) == 0
    assert "Indexed" in capsys.readouterr().out
    with Index(db) as index:
        assert index.facets().by_task() == {"MedQA": 9, "NCBI-disease": 4, "BIOSSES": 2}
        assert [s["name"] for s in index.sources()] == ["hub:aialt/MedINST"]


def test_hub_selection_by_task_category_and_split(offline_hub: Path, tmp_path: Path) -> None:
    db = tmp_path / "hub.duckdb"
    assert main(["index", "--hub", "--category", "QA", "--split", "train", "--db", str(db)]) == 0
    with Index(db) as index:
        assert index.facets().by_task() == {"MedQA": 6}


def test_hub_medinst32_layout_and_mixtures(offline_hub: Path, tmp_path: Path) -> None:
    db = tmp_path / "hub.duckdb"
    assert main(["index", "--hub", "medinst32", "--db", str(db)]) == 0
    with Index(db) as index:
        counts = index.facets().counts
        assert {(c.task, c.split, c.n) for c in counts} == {
            ("MedQA", "test", 3),
            ("MedQA-zs", "test", 3),
            ("merged_train_100k", "train", 5),
        }
        fewshot = index.page(Filter(tasks=("MedQA",)))
        assert all(r.history and len(r.history) == 2 for r in fewshot)
        assert all(r.history is None for r in index.page(Filter(tasks=("MedQA-zs",))))
        assert index.count(Filter(medinst32=True)) == 6
        names = {s["name"] for s in index.sources()}
        assert names == {"hub:aialt/MedINST32", "hub:aialt/MedINST32:merged_train_100k"}


def test_hub_offline_without_a_cache_says_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "empty"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert main(["index", "--hub", "--db", str(tmp_path / "x.duckdb")]) == 2
    message = capsys.readouterr().err
    assert "not in the Hugging Face cache" in message and "--from PATH" in message
    assert not (tmp_path / "x.duckdb").exists()


def test_add_medinst32_beside_medinst(offline_hub: Path, tmp_path: Path) -> None:
    db = tmp_path / "hub.duckdb"
    assert main(["index", "--hub", "--db", str(db)]) == 0
    assert main(["index", "--hub", "medinst32", "--add", "--db", str(db)]) == 0
    with Index(db) as index:
        by_source = {s["name"]: s["rows"] for s in index.sources()}
        assert by_source["hub:aialt/MedINST"] == 15 and by_source["hub:aialt/MedINST32"] == 6
        assert json.loads(json.dumps(index.facets(Filter(sources=("hub:aialt/MedINST32",))).by_task())) == {
            "MedQA": 3,
            "MedQA-zs": 3,
        }
