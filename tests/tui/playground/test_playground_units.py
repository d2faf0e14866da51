"""The playground's headless parts: settings resolution, prompt editing, live scores and diffs, run
comparison, the in-process runs DB, single-answer runs and the model pool (real parts throughout)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from medinst_tui.backends.presets import ModelPreset, Sampling
from medinst_tui.cli.main import main
from medinst_tui.fewshot.formats import resolve_format
from medinst_tui.fewshot.prompt import BuiltPrompt, build_prompt
from medinst_tui.fewshot.prompt_edit import apply_edit, parse_messages, to_edit_text
from medinst_tui.fewshot.shots import Shot
from medinst_tui.runs.compare import compare_summaries, headline_metric, paired_samples, paper_reference
from medinst_tui.runs.engine import LiveScores, RunConfig, RunEngine
from medinst_tui.runs.records import SampleResult
from medinst_tui.runs.single import record_single_run, write_results_jsonl
from medinst_tui.runs.store import RunStore
from medinst_tui.scoring import score_pair
from medinst_tui.scoring.families import entity_spans
from medinst_tui.scoring.live import live_score, row_family
from medinst_tui.session import ModelPool
from medinst_tui.store.filters import Filter
from medinst_tui.store.index import Index
from medinst_tui.tui.playground.buffers import TokenBuffer
from medinst_tui.tui.playground.settings import (
    PlaygroundSettings,
    format_stop,
    parse_stop,
    resolve_model,
    run_config,
)


def test_stop_sequences_typed_on_one_line_round_trip() -> None:
    assert parse_stop(r"\n\n, ###, a\,b,  ") == ("\n\n", "###", "a,b")
    for stops in [("\n\n", "###"), ("a,b", "é", "\t", "x\\y"), ()]:
        assert parse_stop(format_stop(stops)) == stops


def _built_chat() -> tuple[BuiltPrompt, list[Shot]]:
    shots = [Shot("Q1?\nOptions: a / b", "a", "history"), Shot("Q2?", "b", "MedQA#7", "Pick one.", "Q2?")]
    fmt = resolve_format("medinst-chat")
    return build_prompt(fmt, "Answer the question.", "Q3?\n\n### not a role line", shots), shots


def test_an_edited_chat_prompt_parses_back_to_its_messages() -> None:
    built, _ = _built_chat()
    assert built.messages is not None
    text = to_edit_text(built)
    assert parse_messages(text) == built.messages
    changed = text.replace("Answer the question.", "Answer briefly.")
    edited = apply_edit(built, changed, built.fit)
    assert edited.edited and edited.messages is not None
    assert edited.messages[-1]["content"].startswith("Answer briefly.\nQ3?")
    assert edited.messages[:-1] == built.messages[:-1]
    with pytest.raises(ValueError, match="last turn"):
        parse_messages("### user\nhi\n### assistant\nhello")
    with pytest.raises(ValueError, match="before the first"):
        parse_messages("stray\n### user\nhi")
    plain = build_prompt(resolve_format("medinst-plain"), "Do it.", "x", [])
    assert to_edit_text(plain) == plain.text
    edited_plain = apply_edit(plain, "Do it now.\nInput: x\nOutput:", plain.fit)
    assert edited_plain.text == "Do it now.\nInput: x\nOutput:" and edited_plain.messages is None
    with pytest.raises(ValueError, match="empty"):
        apply_edit(plain, "  \n", plain.fit)


def test_live_score_is_the_scoring_cores_with_an_entity_diff() -> None:
    gold = "[Aspirin <Chemical>] [Endothelial cells <Cell>] [aspirin <Chemical>]"
    answer = "[aspirin <chemical>] [fever <Disease>]"
    score = live_score("entity", answer, gold)
    assert score.scores == score_pair("entity", answer, gold)
    assert score.diff is not None
    # matched as the metric matches (normalized), shown as written: the gold's spelling, each form once
    assert score.diff.matched == ("Aspirin <Chemical>",)
    assert score.diff.missed == ("aspirin <Chemical>", "Endothelial cells <Cell>")
    assert score.diff.spurious == ("fever <Disease>",)
    # what the diff counts is what the metric counts
    assert len(score.diff.matched) + len(score.diff.missed) == len(entity_spans(gold))
    labels = live_score("cls", "Background.", "background")
    assert labels.correct is True and labels.scores == score_pair("cls", "Background.", "background")
    assert live_score("em", "insulin", "aspirin").correct is False
    sts = live_score("mse", "I would say 4", "3")
    assert sts.scores["mse"] == 1.0 and "gold score 3, answer 4" in sts.note
    bio = live_score("bio", "a [B] b [O]", "a [B] b [I] c [O]")
    assert bio.note == "1 of 3 BIO tags agree"
    assert row_family("MedQA", "QA", "x") == "em" and row_family("BC5CDR", "NER", "a [B]") == "bio"


PRESET = ModelPreset(
    "p", "local", path="/m.gguf", prompt_format="medinst-plain", sampling=Sampling(0.3, 1.0, 77, 5)
)


def test_settings_make_the_run_config_and_the_preset() -> None:  # vs the CLI: test_session.py
    base = run_config(PlaygroundSettings(), PRESET)
    assert (base.format, base.max_tokens, base.temperature, base.seed, base.origin) == (
        "medinst-plain",
        77,
        0.3,
        5,
        "tui",
    )
    settings = PlaygroundSettings(
        format="medinst-chat",
        max_tokens=12,
        temperature=0.0,
        seed=0,
        shot_mode="task",
        k=3,
        shot_seed=9,
        stop=("\n",),
    )
    f = Filter(tasks=("MedQA",), splits=("test",), search="fever")
    config = run_config(settings, PRESET, f, sample=5, sample_seed=2)
    assert config.filter() == Filter(tasks=("MedQA",), splits=("test",), search="fever")
    assert (config.max_tokens, config.temperature, config.seed, config.stop) == (12, 0.0, 0, ("\n",))
    assert (config.shots.mode, config.shots.k, config.shots.seed, config.sample) == ("task", 3, 9, 5)
    assert run_config(settings, PRESET, Filter()).split is None  # no split chip: every split
    with pytest.raises(ValueError, match="one split"):
        run_config(settings, PRESET, Filter(splits=("dev", "test")))
    remote = resolve_model(
        PlaygroundSettings(model="http://gpu:8000/v1", endpoint_model="m", api_key_env="K"),
        {},
        concurrency=6,
    )
    assert (remote.kind, remote.base_url, remote.model, remote.api_key_env, remote.max_concurrency) == (
        "remote",
        "http://gpu:8000/v1",
        "m",
        "K",
        6,
    )
    local = resolve_model(PlaygroundSettings(model="/x/tiny.gguf", n_ctx=512, n_threads=1), {})
    assert (local.kind, local.path, local.n_ctx, local.n_threads) == ("local", "/x/tiny.gguf", 512, 1)
    # only the prompt's own fields make a new prompt
    assert PlaygroundSettings(temperature=1.0).prompt_key() == PlaygroundSettings().prompt_key()
    assert (
        PlaygroundSettings(shot_seed=1, shot_mode="task").prompt_key()
        != PlaygroundSettings(shot_mode="task").prompt_key()
    )


def _result(task: str, sample_id: int, prediction: str, gold: str, seq: int = 0) -> SampleResult:
    return SampleResult(seq, task, sample_id, "test", None, "p", prediction, gold)


def test_compare_gives_deltas_per_task_and_metric_and_the_overlap() -> None:
    a_scores, b_scores = LiveScores(), LiveScores()
    a = [_result("MedQA", i, "insulin", "aspirin" if i % 2 else "insulin", i) for i in range(4)]
    b = [_result("MedQA", i, "aspirin", "aspirin" if i % 2 else "insulin", i) for i in range(1, 6)]
    b.append(_result("BIOSSES", 9, "2", "4", 6))
    for r in a:
        r.metrics = a_scores.add(r.task, "QA", r.prediction, r.gold)
    for r in b:
        r.metrics = b_scores.add(r.task, "QA" if r.task == "MedQA" else "STS", r.prediction, r.gold)
    deltas = compare_summaries(a_scores.summary(), b_scores.summary())
    em = next(d for d in deltas if d.task == "MedQA" and d.metric == "em")
    expected = b_scores.summary()["MedQA"]["em"].value - a_scores.summary()["MedQA"]["em"].value
    assert em.delta == pytest.approx(expected) and em.improved == (expected > 0)
    mse = next(d for d in deltas if d.metric == "mse")
    assert mse.a is None and mse.delta is None and mse.improved is None  # only B ran BIOSSES
    pairs = paired_samples(a, b)
    assert [(p.task, p.sample_id) for p in pairs] == [("MedQA", 1), ("MedQA", 2), ("MedQA", 3)]
    assert all(p.a.prediction == "insulin" and p.b.prediction == "aspirin" for p in pairs)
    assert headline_metric("MedQA") == "em" and headline_metric("BIOSSES") == "mse"
    ref = paper_reference("MedQA")
    assert ref is not None and dict(ref.scores).keys() == {"LLaMA3_fewshot", "GPT-4o_fewshot"}
    assert paper_reference("MQP") is None  # not a MEDINST32 task


def test_one_playground_answer_is_a_run_that_medinst_runs_lists(
    demo_db: Path,
    tiny_gguf_path: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from medinst_tui.backends.presets import load_backend

    monkeypatch.setenv("MEDINST_RUNS_DB", str(tmp_path / "runs.duckdb"))
    backend = load_backend(str(tiny_gguf_path), n_threads=1, n_ctx=4096)
    with Index(demo_db) as index:
        row = index.page(Filter(tasks=("MedQA",), splits=("test",)), limit=1)[0]
        engine = RunEngine(index, backend)
        config = RunConfig(max_tokens=6, model="tiny", origin="tui")
        built = engine.prepare(row, config)
        edited = apply_edit(built, to_edit_text(built).replace("Question:", "Q:"), built.fit)
        result = engine.run_one(row, config, built=edited)
    backend.close()
    store = RunStore(tmp_path / "runs.duckdb")
    run_id = record_single_run(store, config, engine.generate.info, result, row.category)
    stored = store.get(run_id)
    assert stored is not None and stored.origin == "tui" and stored.status == "done"
    assert stored.n_done == 1 and stored.format == "medinst-chat (edited)"
    assert stored.summary["MedQA"]["em"].value == score_pair("em", result.prediction, row.output)["em"]
    (back,) = store.results(run_id)
    assert back.edited and back.prediction == result.prediction and back.messages == edited.messages
    assert main(["runs"]) == 0
    assert run_id in capsys.readouterr().out
    out = tmp_path / "export" / "run.jsonl"
    assert write_results_jsonl(store.results(run_id), out) == 1
    line = json.loads(out.read_text())
    assert (line["id"], line["prediction"], line["edited"]) == (row.id, result.prediction, True)


def test_model_pool_shares_a_backend_and_closes_idle_ones(tiny_gguf_path: Path) -> None:
    from medinst_tui.backends.llama_local import loaded_models

    before = loaded_models()
    # Context sizes no other test uses: the process-wide model cache must not already hold them.
    one = ModelPreset("one", "local", path=str(tiny_gguf_path), n_ctx=608, n_threads=1)
    two = dataclasses.replace(one, name="two", n_ctx=1120)
    pool = ModelPool(keep=1)
    with pool.lease(one) as first:
        first.describe()  # loads
        with pool.lease(one) as again:
            assert again is first
    assert loaded_models() == before + 1
    with pool.lease(two) as second:
        second.describe()
        assert second is not first
    assert loaded_models() == before + 1  # `one` was idle and beyond `keep`: closed
    pool.close_all()
    assert loaded_models() == before


def test_token_buffer_measures_rate_and_first_token() -> None:
    buffer = TokenBuffer()
    assert buffer.drain() == "" and buffer.ttft_s is None and buffer.tokens_per_s is None
    for piece in ("a", "b", "c"):
        buffer.add(piece)
    assert buffer.drain() == "abc" and buffer.drain() == ""
    assert buffer.n_chunks == 3 and buffer.ttft_s is not None and buffer.ttft_s >= 0
