"""The playground, batch, runs and compare screens driven by Pilot on the demo index, with the tiny test
GGUF as the user's default model preset (and a real loopback llama_cpp.server for the remote path)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from textual.widgets import DataTable, Input

from medinst_tui.paths import runs_db_path
from medinst_tui.runs.compare import compare_summaries
from medinst_tui.runs.store import RunStore
from medinst_tui.scoring import format_value, score_pair
from medinst_tui.scoring.live import row_family
from medinst_tui.tui.browse.screen import BrowseScreen
from medinst_tui.tui.playground.batch import BatchScreen
from medinst_tui.tui.playground.screen import PlaygroundScreen
from medinst_tui.tui.playground.settings import PlaygroundSettings
from medinst_tui.tui.playground.settings_panel import SettingsPanel
from medinst_tui.tui.runs.compare import CompareScreen
from medinst_tui.tui.runs.results_table import ResultsTable
from medinst_tui.tui.runs.screen import ExportRunScreen, RunsScreen
from tests.conftest_backends import running_llama_server
from tests.playground_support import (
    LONG,
    MEDQA_TEST,
    SIZE,
    first_row,
    open_playground,
    run_batch,
    send_and_watch,
    shown,
    tiny_preset,
)
from tests.tui_support import make_app, settle


async def test_p_opens_the_playground_and_an_answer_streams_and_is_scored(
    demo_db: Path, tiny: Path, tmp_path: Path
) -> None:
    tiny_preset(tiny, max_tokens=LONG)
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        browse = app.screen
        assert isinstance(browse, BrowseScreen)
        browse.filter = MEDQA_TEST
        await settle(pilot)
        row = browse.detail.row
        assert row is not None and row.history
        await pilot.press("p")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, PlaygroundScreen) and screen.row == row
        # the prompt preview: each shot's user turn and answer, then the instruction and the input, in order
        text = screen.prompt_view.plain_messages
        parts = [p for pair in row.history for p in pair] + [row.instruction, row.input]
        at = 0
        for part in parts:
            found = text.find(part, at)
            assert found >= at, part
            at = found + len(part)
        assert screen.preview is not None and screen.preview.built.fit.n_ctx == 4096
        assert f"{screen.preview.built.fit.prompt_tokens:,} prompt tokens" in shown(
            screen.query_one("#prompt-fit")
        )
        seen = await send_and_watch(pilot, screen)
        result = screen.last_result
        assert result is not None and result.error is None and result.completion_tokens == LONG
        # it streamed: the screen showed partial answers before the whole one
        assert any(0 < n < len(result.prediction) for n in seen), seen
        assert screen.answer.text == result.prediction and screen.answer.state == "done"
        assert "tok/s" in str(screen.answer.border_subtitle) and "TTFT" in str(screen.answer.border_subtitle)
        # the score panel holds the scoring core's numbers on the same text, and shows them
        family = row_family(row.task, row.category, row.output)
        expected = score_pair(family, result.prediction, row.output)
        assert screen.score_panel.score is not None and screen.score_panel.state == "final"
        assert screen.score_panel.score.scores == expected
        text = shown(screen.score_panel)
        assert all(format_value(k, v) in text for k, v in expected.items()), text
        # and the answer is a run of one sample in the runs DB
        assert screen.last_run_id is not None
        stored = RunStore(runs_db_path()).get(screen.last_run_id)
        assert stored is not None and stored.n_done == 1 and stored.origin == "tui"


async def test_escape_cancels_mid_stream_and_keeps_the_partial_answer(
    demo_db: Path, tiny: Path, tmp_path: Path
) -> None:
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        settings = PlaygroundSettings(max_tokens=LONG, use_cache=False)
        screen = await open_playground(app, pilot, first_row(demo_db), MEDQA_TEST, settings)
        app.simulate_key("f5")
        for _ in range(500):
            await asyncio.sleep(0.01)
            if screen.answer.text:
                break
        assert screen.generating and screen.answer.text
        app.simulate_key("escape")
        await settle(pilot)
        result = screen.last_result
        assert result is not None and result.error is not None and result.error.startswith("cancelled")
        assert 0 < len(result.prediction) < LONG  # cut short, and what came is kept
        assert screen.answer.text == result.prediction
        assert screen.answer.state == "cancelled" and "cancelled" in str(screen.answer.border_subtitle)
        assert screen.score_panel.state == "partial"
        assert isinstance(app.screen, PlaygroundScreen)  # escape cancelled; it did not leave
        assert screen.last_run_id is not None
        db = RunStore(runs_db_path())
        stored = db.get(screen.last_run_id)
        assert stored is not None and stored.status == "cancelled"
        assert db.results(stored.id)[0].prediction == result.prediction
        await pilot.press("escape")  # nothing streaming: back to the browser
        assert isinstance(app.screen, BrowseScreen)


async def test_an_edited_prompt_is_sent_and_marked(demo_db: Path, tiny: Path, tmp_path: Path) -> None:
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_playground(app, pilot, first_row(demo_db), MEDQA_TEST)
        before = screen.preview
        assert before is not None and before.built.messages is not None
        await pilot.press("e")
        editor = screen.prompt_view.editor_text
        assert editor.startswith("### user\n")
        from textual.widgets import TextArea

        screen.query_one("#prompt-editor", TextArea).load_text(
            "### user\nSay yes.\n### assistant\nyes\n### user\nSay no."
        )
        await pilot.click("#use-edit")
        await settle(pilot)
        after = screen.preview
        assert after is not None and after.built.edited
        assert [m["content"] for m in after.built.messages or []] == ["Say yes.", "yes", "Say no."]
        assert after.built.fit.prompt_tokens < before.built.fit.prompt_tokens
        assert "EDITED" in shown(screen.query_one("#prompt-fit"))
        await send_and_watch(pilot, screen)
        assert screen.last_result is not None and screen.last_result.edited
        assert "edited prompt" in str(screen.answer.border_subtitle)
        # a settings change that alters the prompt replaces the edit
        panel = screen.query_one(SettingsPanel)
        panel.query_one("#max-tokens", Input).value = "12"
        panel.commit()
        await settle(pilot)
        assert screen.preview is not None and not screen.preview.built.edited


async def test_reshuffle_draws_other_seeded_shots(demo_db: Path, tiny: Path, tmp_path: Path) -> None:
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        settings = PlaygroundSettings(shot_mode="task", k=2, shot_seed=0)
        screen = await open_playground(app, pilot, first_row(demo_db), MEDQA_TEST, settings)
        assert screen.preview is not None
        first = [s.origin for s in screen.preview.built.shots]
        assert len(first) == 2 and all(o.startswith("MedQA#") for o in first)
        await pilot.press("n")
        await settle(pilot)
        assert screen.preview.settings.shot_seed == 1
        second = [s.origin for s in screen.preview.built.shots]
        assert len(second) == 2 and second != first
        for origin in second:  # the preview labels each shot with where it came from
            assert origin in screen.prompt_view.plain_messages


async def test_batches_appear_in_the_runs_screen_and_compare(
    demo_db: Path, tiny: Path, tmp_path: Path
) -> None:
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_playground(app, pilot, first_row(demo_db), MEDQA_TEST)
        await pilot.press("b")
        await settle(pilot)
        batch = app.screen
        assert isinstance(batch, BatchScreen)
        await run_batch(pilot, batch, 5)
        first = batch.outcome
        assert first is not None and first.status == "done" and first.n_done == 5
        table = batch.query_one(ResultsTable)
        assert table.row_count == 5 and [r.seq for r in table.results] == list(range(5))
        # the running aggregates end equal to the stored summary
        db = RunStore(runs_db_path())
        stored = db.get(first.run_id)
        assert stored is not None and stored.origin == "tui" and stored.n_done == 5
        assert batch.query_one("#batch-summary").summary == stored.summary  # type: ignore[attr-defined]
        # a second batch with another shot setting
        await pilot.press("escape")
        panel = screen.query_one(SettingsPanel)
        from textual.widgets import Select

        panel.query_one("#shot-mode", Select).value = "none"
        await settle(pilot)
        await pilot.press("b")
        await settle(pilot)
        batch2 = app.screen
        assert isinstance(batch2, BatchScreen)
        await run_batch(pilot, batch2, 5)
        second = batch2.outcome
        assert second is not None and second.n_done == 5 and second.run_id != first.run_id
        await pilot.press("ctrl+r")
        await settle(pilot)
        runs = app.screen
        assert isinstance(runs, RunsScreen)
        assert {first.run_id, second.run_id} <= set(runs.runs)
        listed = runs.query_one("#runs-table", DataTable)
        row_of = {listed.get_row_at(i)[1]: listed.get_row_at(i) for i in range(listed.row_count)}
        assert row_of[first.run_id][9] == "5/5" and row_of[second.run_id][7] == "zero-shot"
        # mark both and compare
        for run_id in (first.run_id, second.run_id):
            listed.move_cursor(row=listed.get_row_index(run_id))
            await pilot.press("space")
        await pilot.press("c")
        await settle(pilot)
        compare = app.screen
        assert isinstance(compare, CompareScreen)
        a, b = db.get(first.run_id), db.get(second.run_id)
        assert a is not None and b is not None
        expected = compare_summaries(a.summary, b.summary)
        assert [(d.task, d.metric, d.delta) for d in compare.deltas] == [
            (d.task, d.metric, d.delta) for d in expected
        ]
        metrics = compare.query_one("#compare-metrics", DataTable)
        cells = [metrics.get_row_at(i) for i in range(metrics.row_count)]
        for d in expected:
            assert d.delta is not None
            sign = "+" if d.delta > 0 else "−" if d.delta < 0 else "±"
            assert any(str(c[4]) == sign + format_value(d.metric, abs(d.delta)) for c in cells)
        assert any("paper LLaMA3 few-shot" in str(c[1]) for c in cells)  # MedQA is a MEDINST32 task
        # the same five samples (same seed), side by side
        assert len(compare.pairs) == 5
        assert compare.query_one("#compare-samples", DataTable).row_count == 5


async def test_export_a_run_from_the_runs_screen(demo_db: Path, tiny: Path, tmp_path: Path) -> None:
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_playground(app, pilot, first_row(demo_db), MEDQA_TEST)
        await send_and_watch(pilot, screen)
        await pilot.press("ctrl+r")
        await settle(pilot)
        runs = app.screen
        assert isinstance(runs, RunsScreen) and screen.last_run_id in runs.runs
        await pilot.press("e")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ExportRunScreen)
        target = tmp_path / "out" / "run.jsonl"
        dialog.query_one("#export-run-path", Input).value = str(target)
        await pilot.press("enter")
        await settle(pilot)
        lines = [json.loads(x) for x in target.read_text().splitlines()]
        assert screen.last_result is not None
        assert [(x["id"], x["prediction"]) for x in lines] == [(screen.row.id, screen.last_result.prediction)]


async def test_remote_endpoint_lists_models_streams_and_scores(
    demo_db: Path, tiny_gguf_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with running_llama_server(tiny_gguf_path, tmp_path, n_ctx=4096) as server:
        monkeypatch.setenv("MEDINST_TEST_KEY", server.api_key)
        settings = PlaygroundSettings(model=server.base_url, api_key_env="MEDINST_TEST_KEY", max_tokens=24)
        app = make_app(demo_db, tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            row = first_row(demo_db)
            screen = await open_playground(app, pilot, row, MEDQA_TEST, settings)
            assert screen.preview is not None and screen.preview.info.kind == "remote"
            await pilot.press("t")
            await settle(pilot)
            status = shown(screen.query_one("#model-status"))
            assert status.startswith("connected: 1 model(s)"), status
            await send_and_watch(pilot, screen)
            result = screen.last_result
            assert result is not None and result.error is None, result
            assert result.completion_tokens == 24 and screen.answer.text == result.prediction
            family = row_family(row.task, row.category, row.output)
            assert screen.score_panel.score is not None
            assert screen.score_panel.score.scores == score_pair(family, result.prediction, row.output)
            # a wrong key is an error in place, not a crash
            monkeypatch.setenv("MEDINST_TEST_KEY", "sk-wrong")
            await pilot.press("t")
            await settle(pilot)
            assert "auth" in shown(screen.query_one("#model-status"))
            assert "sk-wrong" not in shown(screen.query_one("#model-status"))


async def test_a_cancelled_batch_keeps_its_results_and_resumes_from_the_cache(
    demo_db: Path, tiny: Path, tmp_path: Path
) -> None:
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.database is not None
        settings = PlaygroundSettings(max_tokens=1500, shot_mode="none")
        batch = BatchScreen(app.database, MEDQA_TEST, settings, sample=4, sample_seed=3)
        app.push_screen(batch)
        await settle(pilot)
        assert str(shown(batch.query_one("#batch-plan"))).startswith("4 rows, a seeded sample (seed 3)")
        app.simulate_key("f5")
        table = batch.query_one(ResultsTable)
        for _ in range(2000):  # until the first sample is in the table, then cancel
            await asyncio.sleep(0.01)
            if table.row_count >= 1:
                break
        app.simulate_key("escape")
        await settle(pilot)
        cancelled = batch.outcome
        assert cancelled is not None and cancelled.status == "cancelled"
        kept = [r for r in table.results if r.error is None]
        assert 1 <= len(kept) < 4 and cancelled.n_done == len(kept)
        db = RunStore(runs_db_path())
        assert [r.sample_id for r in db.results(cancelled.run_id) if r.error is None] == [
            r.sample_id for r in kept
        ]
        assert isinstance(app.screen, BatchScreen)  # escape cancelled the run, not the screen
        # resume: the same batch again; what finished comes from the response cache
        app.simulate_key("f5")
        await settle(pilot)
        resumed = batch.outcome
        assert resumed is not None and resumed.status == "done" and resumed.n_done == 4
        assert resumed.n_cached >= len(kept)
        # a sample opens with its prompt, answer, gold and scores
        table.focus()
        table.move_cursor(row=0)
        await pilot.press("enter")
        await settle(pilot)
        from medinst_tui.tui.runs.sample_result import SampleResultScreen

        opened = app.screen
        assert isinstance(opened, SampleResultScreen)
        first = table.results[0]
        assert opened.result == first
        scores = shown(opened.query_one("#sample-result-scores"))
        family = row_family(first.task, "QA", first.gold)
        assert all(
            format_value(k, v) in scores for k, v in score_pair(family, first.prediction, first.gold).items()
        )
