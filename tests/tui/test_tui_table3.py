"""The runs screen's Table 3 view (`3`): a stored run beside the paper's seven models, in Table 3's layout,
from the same core report as `medinst eval` (protocol/report.py)."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable, Static

from medinst_tui import catalog
from medinst_tui.paths import runs_db_path
from medinst_tui.runs.engine import LiveScores
from medinst_tui.runs.records import RunHeader, RunTotals, SampleResult
from medinst_tui.runs.store import RunStore
from medinst_tui.tui.runs.document import DocumentScreen
from medinst_tui.tui.runs.screen import RunsScreen
from tests.tui_support import make_app, settle, small_index


def store_run(run_id: str, task: str, category: str, pairs: list[tuple[str, str]]) -> None:
    """A run scored by the real scorer, stored as `medinst run` stores one (no reproducibility record)."""
    scores = LiveScores()
    results = []
    for i, (prediction, gold) in enumerate(pairs):
        r = SampleResult(i, task, 100 + i, "test", None, None, prediction, gold)
        r.metrics = scores.add(task, category, prediction, gold, r.sample_id)
        results.append(r)
    store = RunStore(runs_db_path())
    store.start(RunHeader(run_id, model="my-model", format="medinst-chat", shots="history", n_planned=4))
    store.add_results(run_id, results)
    store.finish(run_id, RunTotals("done", len(results), 0, 0, 1.0), scores.summary())


def rows_of(screen: DocumentScreen) -> list[list[str]]:
    table = screen.query_one(DataTable)
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


async def test_3_shows_the_run_beside_the_papers_models(tmp_path: Path) -> None:
    # MedQA's headline is exact match: 3 of 4 answers right is 75.00 on the paper's scale
    pairs = [("A", "A"), ("B", "B"), ("C", "C"), ("D", "A")]
    store_run("run-qa", "MedQA", "QA", pairs)
    paper = catalog.paper_results()["MedQA"].scores
    app = make_app(small_index(), tmp_path)
    async with app.run_test(size=(200, 50)) as pilot:
        await settle(pilot)
        app.push_screen(RunsScreen())
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot, rounds=200)
        screen = app.screen
        assert isinstance(screen, DocumentScreen)
        header = [str(c.label) for c in screen.query_one(DataTable).columns.values()]
        assert header[3:10] == [
            "LLaMA3", "BioMistral", "MMedL3-EnIns", "GPT-4o", "LLaMA3-MI32", "MMedL3-MI32", "LLaMA3-MI†",
        ]  # fmt: skip
        assert header[10] == "my-model (few-shot)"
        rows = rows_of(screen)
        (medqa,) = [r for r in rows if r[1] == "MedQA"]
        assert medqa[0] == "QA" and medqa[2] == "EM"
        assert medqa[3] == f"{paper['LLaMA3_fewshot']:.2f}" and medqa[6] == f"{paper['GPT-4o_fewshot']:.2f}"
        assert medqa[10] == "75.00" and medqa[12] == "4"
        overall = rows[-1]
        assert overall[0] == "Overall" and overall[10] == "75.00"  # one task, one category: its score
        notes = " ".join(str(s.render()) for s in screen.query(".document-notes").results(Static))
        assert "No reproducibility record" in notes
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, RunsScreen)


async def test_a_run_without_a_medinst32_task_says_so(tmp_path: Path) -> None:
    store_run("run-cls", "HealthVer", "TE", [("Supports", "Supports")])
    app = make_app(small_index(), tmp_path)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        app.push_screen(RunsScreen())
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot, rounds=200)
        status = str(app.screen.query_one("#document-status", Static).render())
        assert "scored no MEDINST32 task" in status
