"""An index built before ingest checked `history` (issue 8, "Malformed history is kept") may hold a pair with
a `null` in it: `medinst prompt` says so in one line, and `medinst run` fails that sample alone instead of
aborting the batch (or sending `None` to the model). The old index is made here by writing such a history
into a copy of the demo index, as the old ingest stored it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from medinst_tui.cli.main import main
from medinst_tui.runs.store import RunStore


@pytest.fixture
def old_index(demo_db: Path, tmp_path: Path) -> tuple[Path, list[int]]:
    path = tmp_path / "old.duckdb"
    shutil.copy(demo_db, path)
    con = duckdb.connect(str(path))
    query = "SELECT id FROM samples WHERE task = 'MedQA' AND split = 'test' ORDER BY id"
    ids = [i for (i,) in con.execute(query).fetchall()]
    con.execute("UPDATE samples SET history = [[NULL, 'an answer'], ['q', 'a']] WHERE id = ?", [ids[0]])
    con.execute("UPDATE samples SET history = [['only a question']] WHERE id = ?", [ids[1]])
    con.close()
    return path, ids


def prompt(path: Path, model: Path, sample: int) -> subprocess.CompletedProcess[str]:
    args = ["prompt", "MedQA", "--id", str(sample), "--history", "--db", str(path), "--model", str(model)]
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "medinst_tui",
            *args,
            "--threads",
            "1",
            "--n-ctx",
            "1024",
            "--max-tokens",
            "16",
        ],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        timeout=120,
    )


def test_prompt_on_a_null_history_pair_is_one_line(
    old_index: tuple[Path, list[int]], tiny_gguf_path: Path
) -> None:
    path, ids = old_index
    for sample in ids[:2]:
        done = prompt(path, tiny_gguf_path, sample)
        assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and f"#{sample}" in lines[0] and "malformed history" in lines[0], done.stderr
    ok = prompt(path, tiny_gguf_path, ids[2])  # a row whose history is well formed still prints its prompt
    assert ok.returncode == 0, ok.stderr


def test_run_fails_only_the_rows_with_a_malformed_history(
    old_index: tuple[Path, list[int]], tiny_gguf_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, ids = old_index
    monkeypatch.setenv("MEDINST_RUNS_DB", str(tmp_path / "runs.duckdb"))
    args = [
        "run",
        "--db",
        str(path),
        "--task",
        "MedQA",
        "--limit",
        "4",
        "--history",
        "--model",
        str(tiny_gguf_path),
    ]
    args += ["--threads", "1", "--n-ctx", "2048", "--max-tokens", "4"]
    assert main(args) == 1  # some samples failed: partial
    store = RunStore(tmp_path / "runs.duckdb")
    (run,) = store.list_runs()
    assert run.status == "partial" and run.n_done == 2 and run.n_errors == 2
    by_id = {r.sample_id: r for r in store.results(run.id)}
    assert by_id[ids[0]].error_kind == by_id[ids[1]].error_kind == "prompt"
    assert "malformed history" in (by_id[ids[0]].error or "")
    assert by_id[ids[2]].error is None and by_id[ids[3]].error is None
