"""The TUI's analysis and paired comparison (runs screen `a`, compare screen `a`): the same documents as
`medinst runs analyze` / `medinst runs compare --format json`, shown as tables."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Static

from medinst_tui.cli.main import main
from medinst_tui.paths import runs_db_path
from medinst_tui.runs.engine import LiveScores
from medinst_tui.runs.records import RunHeader, RunTotals, SampleResult
from medinst_tui.runs.store import RunStore
from medinst_tui.tui.runs.compare import CompareScreen
from medinst_tui.tui.runs.document import DocumentScreen
from medinst_tui.tui.runs.screen import RunsScreen
from tests.tui_support import make_app, settle, small_index

LABELS = ["Supports", "Refutes", "Neutral"]


def store_run(run_id: str, seed: int, created_offset: int) -> None:
    """A HealthVer (cls) run scored by the real scorer, stored as `medinst run` stores one."""
    rng = random.Random(seed)
    scores = LiveScores()
    results = []
    for i in range(30):
        gold = LABELS[i % 3]
        prediction = gold if rng.random() < 0.6 else rng.choice(LABELS)
        r = SampleResult(i, "HealthVer", 500 + i, "test", None, None, prediction, gold)
        r.metrics = scores.add("HealthVer", "TE", prediction, gold, r.sample_id)
        results.append(r)
    store = RunStore(runs_db_path())
    store.start(RunHeader(run_id, model=f"model-{seed}", format="medinst-chat", shots="history"))
    store.add_results(run_id, results)
    store.finish(run_id, RunTotals("done", len(results), 0, 0, 1.0 + created_offset), scores.summary())


def cli_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, Any]:
    assert main([*argv, "--format", "json"]) == 0
    data: dict[str, Any] = json.loads(capsys.readouterr().out)
    return data


def table_rows(screen: DocumentScreen) -> list[list[str]]:
    rows = []
    for table in screen.query(DataTable):
        rows += [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
    return rows


async def test_a_on_the_runs_screen_shows_the_runs_analysis(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store_run("run-a", 1, 0)
    expected = cli_json(capsys, "runs", "analyze", "run-a")
    (task,) = expected["tasks"]
    app = make_app(small_index(), tmp_path)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        app.push_screen(RunsScreen())
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot, rounds=200)
        screen = app.screen
        assert isinstance(screen, DocumentScreen)
        rows = table_rows(screen)
        # the confusion matrix as the CLI computed it: each gold label's row of counts
        matrix = task["confusion"]["matrix"]
        for label, counts in zip(task["confusion"]["labels"], matrix, strict=True):
            assert any(r[0] == label and [int(x) for x in r[1 : 1 + len(counts)]] == counts for r in rows), (
                label
            )
        heading = str(screen.query_one("#document-status", Static).render())
        assert "run run-a" in heading and "model-1" in heading
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, RunsScreen)


async def test_a_on_the_compare_screen_shows_the_paired_tests(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store_run("run-a", 1, 0)
    store_run("run-b", 2, 1)
    expected = cli_json(capsys, "runs", "compare", "run-a", "run-b")
    (task,) = expected["tasks"]
    app = make_app(small_index(), tmp_path)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        app.push_screen(CompareScreen("run-a", "run-b"))
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot, rounds=300)
        screen = app.screen
        assert isinstance(screen, DocumentScreen)
        rows = table_rows(screen)
        headline = next(m for m in task["metrics"] if m["metric"] == task["headline"])
        p_shown = f"{float(headline['p_value']):.3g}"
        assert any(r[0] == "HealthVer" and "★" in r[1] and r[-1] == p_shown for r in rows)
        flips = [r for r in rows if r[0] == "HealthVer" and r[1] in ("right → wrong", "wrong → right")]
        assert sorted(int(r[2]) for r in flips) == sorted(
            [len(task["right_to_wrong"]), len(task["wrong_to_right"])]
        )


async def test_a_run_that_is_gone_is_one_error_line(tmp_path: Path) -> None:
    app = make_app(small_index(), tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        from medinst_tui.tui.runs.document import run_analysis

        app.push_screen(DocumentScreen("analysis of run nope", lambda: run_analysis("nope")))
        await settle(pilot, rounds=100)
        status = str(app.screen.query_one("#document-status", Static).render())
        assert "failed" in status and "no run 'nope'" in status


@pytest.mark.parametrize("size", [(120, 40), (80, 24)], ids=["wide", "80x24"])
def test_analysis_screen_snapshot(
    snap_compare: Callable[..., bool], tmp_path: Path, size: tuple[int, int]
) -> None:
    store_run("run-a", 1, 0)

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        pilot.app.push_screen(RunsScreen())
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot, rounds=200)

    assert snap_compare(make_app(small_index(), tmp_path), terminal_size=size, run_before=run_before)
