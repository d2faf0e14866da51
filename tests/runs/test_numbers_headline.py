"""Issue 8, "the headline metric is wrong outside MEDINST32": BC2GM is scored as `bio`, so everything that
shows it (`medinst runs`, `runs show`, the runs screen, the results table, compare, task info) headlines its
BIO Label-F1, read from the headline each run stores with its summary. Real parts: the tiny GGUF through
llama.cpp, the demo index, runs.duckdb, the CLI as a subprocess and the TUI under Pilot."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from rich.console import Console
from rich.style import Style
from rich.text import Text
from textual.widgets import DataTable

from medinst_tui.cli.main import main
from medinst_tui.runs.compare import headline_metric
from medinst_tui.runs.engine import LiveScores
from medinst_tui.runs.records import summary_from_json
from medinst_tui.runs.store import RunStore
from medinst_tui.scoring import Headline, headline_for
from medinst_tui.store.filters import Filter
from medinst_tui.store.index import Index
from medinst_tui.tui.browse.task_info import render_task_info
from medinst_tui.tui.runs.compare import CompareScreen
from medinst_tui.tui.runs.results_table import headline_cell
from medinst_tui.tui.runs.run_summary import summary_table
from medinst_tui.tui.runs.screen import headline_of
from tests.tui_support import make_app, settle

BIO = Headline("bio_f1", "bio", "2")


def rendered(renderable: object, width: int = 160) -> str:
    console = Console(width=width, record=True, file=open(os.devnull, "w"))  # noqa: SIM115
    console.print(renderable)
    return console.export_text()


@pytest.fixture(scope="module")
def bc2gm_runs(
    tmp_path_factory: pytest.TempPathFactory, demo_db: Path, tiny_gguf_path: Path
) -> Iterator[Path]:
    """Two `medinst run`s of BC2GM (the second from the response cache) in a runs DB of their own."""
    home = tmp_path_factory.mktemp("bc2gm")
    runs = home / "runs.duckdb"
    args = ["run", "--db", str(demo_db), "--task", "BC2GM", "--limit", "4", "--shots", "1"]
    args += ["--model", str(tiny_gguf_path), "--threads", "1", "--n-ctx", "1024", "--max-tokens", "6"]
    with pytest.MonkeyPatch.context() as mp:
        for env, sub in (("MEDINST_CONFIG_DIR", "c"), ("MEDINST_DATA_DIR", "d"), ("MEDINST_CACHE_DIR", "k")):
            mp.setenv(env, str(home / sub))
        mp.setenv("MEDINST_RUNS_DB", str(runs))
        assert main(args) == 0
        assert main(args) == 0
    yield runs


def test_a_bc2gm_run_stores_the_bio_headline_with_its_summary(bc2gm_runs: Path) -> None:
    stored = RunStore(bc2gm_runs).list_runs()
    assert len(stored) == 2
    for run in stored:
        assert run.summary["BC2GM"].headline == BIO
        assert run.summary["BC2GM"].main is not None and run.summary["BC2GM"].main.key == "bio_f1"
    con = duckdb.connect(str(bc2gm_runs), read_only=True)
    try:
        (raw,) = con.execute("SELECT summary FROM runs LIMIT 1").fetchone() or ("{}",)
    finally:
        con.close()
    assert json.loads(raw)["BC2GM"]["headline"] == {
        "metric": "bio_f1",
        "family": "bio",
        "scorer_version": "2",
    }


def test_medinst_runs_lists_the_bio_headline_not_the_first_metric(bc2gm_runs: Path) -> None:
    env = {**os.environ, "MEDINST_RUNS_DB": str(bc2gm_runs), "COLUMNS": "250"}
    listed = subprocess.run(
        [sys.executable, "-m", "medinst_tui", "runs"], capture_output=True, text=True, env=env, timeout=120
    )
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.count("BC2GM BIO Label-F1") == 2, listed.stdout
    assert "BC2GM Rouge-L" not in listed.stdout  # what it showed before: the first metric
    run_id = RunStore(bc2gm_runs).list_runs()[0].id
    shown = subprocess.run(
        [sys.executable, "-m", "medinst_tui", "runs", "show", run_id],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert shown.returncode == 0, shown.stderr
    assert "BIO Label-F1 ★" in shown.stdout and "Rouge-L ★" not in shown.stdout


def test_the_runs_screen_and_results_table_headline_bio(bc2gm_runs: Path) -> None:
    store = RunStore(bc2gm_runs)
    run = store.list_runs()[0]
    assert headline_of(run).startswith("BC2GM BIO Label-F1 ")
    # every result has a headline cell (a corpus metric's per-sample value: the sample scored alone)
    for result in store.results(run.id):
        cell = headline_cell(result, run.summary)
        assert cell.startswith("BIO Label-F1 "), cell
    # the summary table marks (and bolds) the stored headline
    text = rendered(summary_table(run.summary))
    assert "BIO Label-F1 ★" in text and "Rouge-L ★" not in text


async def test_compare_bolds_the_bio_headline(
    bc2gm_runs: Path, demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MEDINST_RUNS_DB", str(bc2gm_runs))
    older, newer = sorted(RunStore(bc2gm_runs).list_runs(), key=lambda r: r.created)
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=(140, 45)) as pilot:
        await settle(pilot)
        app.push_screen(CompareScreen(older.id, newer.id))
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CompareScreen)
        table = screen.query_one("#compare-metrics", DataTable)
        labels = [table.get_row_at(i)[1] for i in range(table.row_count)]
        bold = [str(c) for c in labels if isinstance(c, Text) and c.style == Style(bold=True)]
        assert bold == ["BIO Label-F1 ★"], labels
        # the samples table compares the headline per sample too
        samples = screen.query_one("#compare-samples", DataTable)
        assert samples.row_count == 4
        assert all(samples.get_row_at(i)[2] == "BIO Label-F1" for i in range(4))


def test_task_info_names_the_bio_family_and_its_headline() -> None:
    text = rendered(render_task_info("BC2GM", None, []))
    assert "metric family    bio · MEDINST writes this NER task as [B]/[I]/[O] tags" in text
    assert "headline metric  BIO Label-F1" in text
    assert "metric family    entity" not in text  # what it said before


def test_one_definition_agrees_with_what_runs_score_on_every_bundled_task(demo_db: Path) -> None:
    """The headline a run decides from the task and its first gold output equals the one task info and
    compare use without any gold, for every task of the bundled demo set."""
    with Index(demo_db) as index:
        tasks = sorted(index.indexed_tasks())
        assert "BC2GM" in tasks and len(tasks) > 30
        for task in tasks:
            row = index.page(Filter(tasks=(task,)), limit=1)[0]
            scores = LiveScores()
            scores.add(task, row.category, row.output, row.output)
            stored = scores.summary()[task].headline
            assert stored == headline_for(task), task
            assert headline_metric(task) == stored.metric
            assert headline_metric(task, scores.summary()) == stored.metric


def test_a_summary_stored_before_headlines_reads_as_scorer_version_1() -> None:
    old = {"BC2GM": {"rougeL": {"value": 0.5, "n": 4, "stderr": 0.1}, "bio_f1": {"value": 0.25, "n": 4}}}
    summary = summary_from_json(old)
    assert summary["BC2GM"].headline == Headline("bio_f1", "bio", "1")
    assert summary["BC2GM"].main is not None and summary["BC2GM"].main.value == 0.25
