"""Batch runs end to end with real parts: the tiny GGUF through llama.cpp, the loopback server, DuckDB."""

from __future__ import annotations

import dataclasses
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from medinst_tui.backends.base import Backend, BackendInfo
from medinst_tui.backends.presets import load_backend
from medinst_tui.cli.main import main
from medinst_tui.fewshot.shots import ShotSpec
from medinst_tui.runs.cache import ResponseCache
from medinst_tui.runs.engine import RunConfig, RunEngine
from medinst_tui.runs.records import SampleResult, Summary
from medinst_tui.runs.store import RunStore
from medinst_tui.scoring import Scorer, family_for
from medinst_tui.store.index import Index

Parts = tuple[Index, Backend, ResponseCache, RunStore]
CONFIG = RunConfig(tasks=("MedQA",), split="test", limit=5, shots=ShotSpec("task", 2, seed=0), max_tokens=8)


@pytest.fixture
def engine_parts(tmp_path: Path, demo_db: Path, tiny_gguf_path: Path) -> Iterator[Parts]:
    backend = load_backend(str(tiny_gguf_path), n_threads=1, n_ctx=4096)
    index = Index(demo_db)
    cache = ResponseCache(tmp_path / "cache.sqlite")
    store = RunStore(tmp_path / "runs.duckdb")
    yield index, backend, cache, store
    cache.close()
    index.close()
    backend.close()


def test_a_batch_scores_caches_and_is_stored(engine_parts: Parts, tmp_path: Path) -> None:
    index, backend, cache, store = engine_parts
    engine = RunEngine(index, backend, store=store, cache=cache)
    out = tmp_path / "r.jsonl"
    first = engine.run(CONFIG, output=out)
    assert first.status == "done" and first.n_done == 5 and first.n_cached == 0
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    assert [x["seq"] for x in lines] == list(range(5))
    # the metrics in the file are the scoring core's on the same text
    scorer = Scorer(family_for("em", "QA"))
    for x in lines:
        assert x["metrics"] == scorer.add(x["prediction"], x["gold"])
        assert x["completion_tokens"] == 8 and x["finish_reason"] == "length"
        assert [m["role"] for m in x["messages"]] == ["user", "assistant", "user", "assistant", "user"]
    assert first.summary["MedQA"]["em"].value == scorer.summary()["em"].value
    again = engine.run(CONFIG, output=tmp_path / "r2.jsonl")
    assert again.n_cached == 5
    assert [r.prediction for r in again.results] == [r.prediction for r in first.results]
    runs = store.list_runs()
    assert [r.id for r in runs] == [again.run_id, first.run_id]
    stored = store.get(first.run_id)
    assert stored is not None and stored.status == "done" and stored.n_done == 5
    assert stored.summary["MedQA"]["em"].value == first.summary["MedQA"]["em"].value
    assert [r.prediction for r in store.results(first.run_id)] == [r.prediction for r in first.results]


def test_cancel_keeps_results_and_a_rerun_resumes(engine_parts: Parts, tmp_path: Path) -> None:
    index, backend, cache, store = engine_parts
    engine = RunEngine(index, backend, store=store, cache=cache)
    cancel = threading.Event()

    class StopAfterTwo:
        def run_started(self, run_id: str, total: int, info: BackendInfo) -> None:
            pass

        def token(self, seq: int, text: str) -> None:
            pass

        def sample_finished(self, result: SampleResult, summary: Summary) -> None:
            if result.seq == 1:
                cancel.set()

    out = tmp_path / "partial.jsonl"
    partial = engine.run(CONFIG, output=out, listener=StopAfterTwo(), cancel=cancel)
    assert partial.status == "cancelled" and partial.n_done == 2
    assert len(out.read_text().splitlines()) == 2
    stored = store.get(partial.run_id)
    assert stored is not None and stored.status == "cancelled" and len(store.results(partial.run_id)) == 2
    resumed = engine.run(CONFIG)
    assert resumed.n_done == 5 and resumed.n_cached == 2


def test_cancel_mid_stream_keeps_the_partial_answer(engine_parts: Parts) -> None:
    index, backend, cache, _ = engine_parts
    engine = RunEngine(index, backend, cache=cache)
    cancel = threading.Event()

    class CancelOnThirdToken:
        n = 0

        def run_started(self, run_id: str, total: int, info: BackendInfo) -> None:
            pass

        def token(self, seq: int, text: str) -> None:
            self.n += 1
            if self.n == 3:
                cancel.set()

        def sample_finished(self, result: SampleResult, summary: Summary) -> None:
            pass

    longer = dataclasses.replace(CONFIG, max_tokens=32)
    outcome = engine.run(longer, listener=CancelOnThirdToken(), cancel=cancel)
    # the cancelled in-flight sample is its own kind, not an error
    assert outcome.status == "cancelled" and outcome.n_errors == 0 and outcome.n_cancelled == 1
    assert outcome.n_done == 0
    result = outcome.results[0]
    assert result.error is not None and result.error_kind == "cancelled" and result.cancelled
    assert len(result.prediction) > 0 and result.prediction  # the partial answer is kept
    assert len(cache) == 0  # a cancelled answer is never cached


def test_prompt_errors_are_per_sample(engine_parts: Parts) -> None:
    index, backend, cache, _ = engine_parts
    engine = RunEngine(index, backend, cache=cache)
    # max_tokens as large as the context leaves no room for any prompt: every sample fails alone
    outcome = engine.run(
        RunConfig(tasks=("MedQA",), split="test", limit=3, max_tokens=4096, shots=ShotSpec("none"))
    )
    assert outcome.status == "failed" and outcome.n_errors == 3 and outcome.n_done == 0
    assert all(r.error_kind == "prompt" and "max_tokens 4096" in (r.error or "") for r in outcome.results)


def test_cli_run_then_score_reproduces_the_numbers(
    demo_db: Path,
    tiny_gguf_path: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MEDINST_RUNS_DB", str(tmp_path / "runs.duckdb"))
    out = tmp_path / "res.jsonl"
    args = [
        "run",
        "--db",
        str(demo_db),
        "--task",
        "NCBI-disease",
        "--limit",
        "4",
        "--shots",
        "1",
        "--model",
        str(tiny_gguf_path),
        "--threads",
        "1",
        "--n-ctx",
        "1024",
        "--max-tokens",
        "6",
        "-o",
        str(out),
    ]
    assert main(args) == 0
    run_text = capsys.readouterr().out
    assert "4 scored, 0 error(s), 0 from cache" in run_text
    assert main(args) == 0
    assert "4 from cache" in capsys.readouterr().out
    assert main(["score", str(out)]) == 0
    score_text = capsys.readouterr().out
    # the same summary rows (task, n, metric, value) come out of the run and of the re-score
    rows = [line for line in run_text.splitlines() if "NCBI" in line or "Token-F1" in line or "BIO" in line]
    assert rows and all(r in score_text for r in rows), (rows, score_text)
    assert main(["runs"]) == 0
    listed = capsys.readouterr().out
    runs = RunStore(tmp_path / "runs.duckdb").list_runs()
    assert len(runs) == 2 and all(r.tasks == ["NCBI-disease"] and r.n_done == 4 for r in runs)
    assert all(r.id in listed for r in runs)
    assert main(["runs", "show", runs[0].id]) == 0
    assert "NCBI-disease" in capsys.readouterr().out
