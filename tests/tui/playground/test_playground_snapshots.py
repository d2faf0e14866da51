"""SVG snapshots of the playground and the runs screen (pytest-textual-snapshot). Content is fixed: the demo
index, the tiny test model (greedy decoding), the answer shown from the response cache (no timings), and
runs with fixed ids and dates. Update after an intended change: pytest --snapshot-update."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
from textual.pilot import Pilot

from medinst_tui.paths import runs_db_path
from medinst_tui.runs.engine import LiveScores, RunConfig
from medinst_tui.runs.records import RunHeader, RunTotals, SampleResult
from medinst_tui.runs.store import RunStore
from medinst_tui.store.filters import Filter
from medinst_tui.store.index import Index
from medinst_tui.tui.playground.screen import PlaygroundScreen
from medinst_tui.tui.runs.screen import RunsScreen
from tests.playground_support import tiny_preset
from tests.tui_support import make_app, settle

SIZE = (140, 45)
SnapCompare = Callable[..., bool]


def _after_an_answer(demo_db: Path, tiny_gguf_path: Path) -> Callable[[Pilot[Any]], Any]:
    tiny_preset(tiny_gguf_path, max_tokens=40)
    with Index(demo_db) as index:
        row = index.page(Filter(tasks=("BC5CDR",), splits=("test",)), limit=1)[0]

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        app: Any = pilot.app
        screen = PlaygroundScreen(app.database, row, Filter(tasks=("BC5CDR",), splits=("test",)))
        app.push_screen(screen)
        await settle(pilot)
        for _ in range(2):  # the second answer comes from the response cache: no timings on screen
            screen.action_send()
            await settle(pilot)
        assert screen.last_result is not None and screen.last_result.cached

    return run_before


def test_playground_after_an_answer(
    snap_compare: SnapCompare, demo_db: Path, tiny_gguf_path: Path, tmp_path: Path
) -> None:
    run_before = _after_an_answer(demo_db, tiny_gguf_path)
    assert snap_compare(make_app(demo_db, tmp_path), terminal_size=SIZE, run_before=run_before)


def test_playground_after_an_answer_80x24(
    snap_compare: SnapCompare, demo_db: Path, tiny_gguf_path: Path, tmp_path: Path
) -> None:
    """Below 100 columns the prompt and the answer stack beside the settings."""
    run_before = _after_an_answer(demo_db, tiny_gguf_path)
    assert snap_compare(make_app(demo_db, tmp_path), terminal_size=(80, 24), run_before=run_before)


def _store_run(store: RunStore, run_id: str, when: dt.datetime, predictions: list[str], shots: str) -> None:
    golds = ["aspirin", "insulin", "warfarin", "aspirin"]
    scores = LiveScores()
    results = []
    for i, (prediction, gold) in enumerate(zip(predictions, golds, strict=True)):
        result = SampleResult(i, "MedQA", 100 + i, "test", None, "prompt", prediction, gold)
        result.metrics = scores.add("MedQA", "QA", prediction, gold)
        result.completion_tokens = 3
        results.append(result)
    config = RunConfig(tasks=("MedQA",), limit=4, model="tiny-test", origin="tui")
    store.start(
        RunHeader(
            id=run_id,
            origin="tui" if "zero" in shots else "cli",
            model="tiny-test",
            model_id="gguf:tiny",
            backend="local",
            format="medinst-chat",
            shots=shots,
            seed=0,
            max_tokens=16,
            temperature=0.0,
            tasks=("MedQA",),
            split="test",
            n_planned=4,
            config=config.to_json(),
        )
    )
    store.add_results(run_id, results)
    totals = RunTotals("done", n_done=4, n_errors=0, n_cached=0, duration_s=2.5)
    store.finish(run_id, totals, scores.summary())
    # fixed dates: the snapshot must not depend on the clock
    con = duckdb.connect(str(store.path))
    try:
        con.execute("UPDATE runs SET created = $t, finished = $t WHERE id = $id", {"t": when, "id": run_id})
    finally:
        con.close()


def test_runs_screen(snap_compare: SnapCompare, demo_db: Path, tmp_path: Path) -> None:
    store = RunStore(runs_db_path())
    _store_run(
        store,
        "20260101-090000-aaaa",
        dt.datetime(2026, 1, 1, 9),
        ["aspirin", "no", "no", "aspirin"],
        "row history",
    )
    _store_run(
        store,
        "20260102-100000-bbbb",
        dt.datetime(2026, 1, 2, 10),
        ["aspirin", "insulin", "no", "no"],
        "zero-shot",
    )

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        pilot.app.push_screen(RunsScreen())
        await settle(pilot)
        await pilot.press("space")  # marked for comparison

    assert snap_compare(make_app(demo_db, tmp_path), terminal_size=SIZE, run_before=run_before)
