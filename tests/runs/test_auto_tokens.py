"""`--max-tokens auto` (runs/auto_tokens.py): the cap from the gold outputs' token counts, on a real index."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from medinst_tui.runs.auto_tokens import (
    CEILING,
    EXTRA,
    FLOOR,
    HEADROOM,
    PER_TASK,
    auto_max_tokens,
    cap_for,
    gold_outputs,
    percentile,
)
from medinst_tui.sources.specs import local_source
from medinst_tui.store.filters import Filter
from medinst_tui.store.index import Index
from medinst_tui.store.ingest import build_index
from tests.auto_tokens_reference import independent_cap
from tests.helpers import write_jsonl


def words(text: str) -> int:
    """A tokenizer for the arithmetic: one token per word (the real one is tested through the CLI)."""
    return len(text.split())


def rows(outputs: list[str]) -> list[dict[str, object]]:
    return [{"instruction": "Answer.", "input": f"question {i}", "output": o} for i, o in enumerate(outputs)]


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("auto")
    # MedQA: short train golds (1-3 words), long test golds (the answers being scored are not measured).
    write_jsonl(root / "src" / "MedQA_train.json", rows([" ".join(["w"] * (1 + i % 3)) for i in range(300)]))
    write_jsonl(root / "src" / "MedQA_test.json", rows([" ".join(["x"] * 500) for _ in range(20)]))
    # BioASQ-Task-B-yesno-zs: test rows only; 99 golds of 40 words and one of 400.
    write_jsonl(
        root / "src" / "BioASQ-Task-B-yesno-zs_test.json",
        rows([" ".join(["y"] * 40)] * 99 + [" ".join(["y"] * 400)]),
    )
    path = root / "index.duckdb"
    build_index(path, [local_source(root / "src")])
    return path


def test_percentile_is_the_nearest_rank_as_numpy_computes_it() -> None:
    rng = np.random.default_rng(0)
    for n in (1, 2, 7, 100, 199, 200):
        values = [int(v) for v in rng.integers(1, 500, n)]
        assert percentile(values) == int(np.percentile(values, 99, method="inverted_cdf"))
    assert percentile([1] * 99 + [100]) == 1  # one outlier in 100 does not set the cap
    with pytest.raises(ValueError):
        percentile([])


def test_the_cap_has_headroom_a_floor_and_the_papers_ceiling() -> None:
    assert cap_for([3] * 50) == FLOOR  # 3 x 1.25 + 16 = 20 -> the floor
    assert cap_for(list(range(1, 201))) == 264  # p99 = 198; 198 x 1.25 = 247.5 -> 248; + 16 = 264
    assert cap_for([101]) == 8 * math.ceil((math.ceil(101 * HEADROOM) + EXTRA) / 8) == 144
    assert cap_for([5000]) == CEILING
    assert all(cap_for([n]) % 8 == 0 for n in range(1, 900))


def test_train_golds_set_the_cap_not_the_test_answers(db: Path) -> None:
    with Index(db) as index:
        auto = auto_max_tokens(index, Filter(tasks=("MedQA",), splits=("test",)), words, exact=True)
    (task,) = auto.tasks
    assert (task.task, task.source, task.golds) == ("MedQA", "train/dev", PER_TASK)
    assert task.percentile_tokens == 3 and auto.cap == FLOOR
    assert auto.describe() == ("auto 32: p99 of 200 train/dev gold outputs of MedQA is 3 tokens, x1.25 + 16")


def test_a_test_only_task_is_measured_on_its_test_rows_and_several_tasks_keep_their_own_caps(
    db: Path,
) -> None:
    with Index(db) as index:
        zs = auto_max_tokens(
            index, Filter(tasks=("BioASQ-Task-B-yesno-zs",), splits=("test",)), words, exact=False
        )
        both = auto_max_tokens(index, Filter(splits=("test",)), words, exact=True)
    (task,) = zs.tasks
    assert (task.source, task.golds, task.percentile_tokens) == ("test", 100, 40)  # the 400 is the 1%
    assert zs.cap == 72  # 40 x 1.25 + 16 = 66 -> 72
    assert "(estimated)" in zs.describe()
    assert [t.task for t in both.tasks] == ["BioASQ-Task-B-yesno-zs", "MedQA"]
    assert both.cap == 72 and both.by_task() == (("BioASQ-Task-B-yesno-zs", 72), ("MedQA", FLOOR))
    assert both.describe() == (
        "auto per task, up to 72 (tokens, x1.25 + 16): BioASQ-Task-B-yesno-zs 72 (p99 of 100 test gold "
        "outputs is 40); MedQA 32 (p99 of 200 train/dev gold outputs is 3)"
    )


def test_gold_outputs_are_a_seeded_sample_per_task(db: Path) -> None:
    with Index(db) as index:
        a = gold_outputs(index, Filter(tasks=("MedQA",), splits=("train",)), per_task=10)
        b = gold_outputs(index, Filter(tasks=("MedQA",), splits=("train",)), per_task=10)
        c = gold_outputs(index, Filter(tasks=("MedQA",), splits=("train",)), per_task=10, seed=1)
        every = gold_outputs(index, Filter(), per_task=1000)
    assert a == b and len(a["MedQA"]) == 10 and a != c
    assert {task: len(o) for task, o in every.items()} == {"BioASQ-Task-B-yesno-zs": 100, "MedQA": 320}


def test_run_max_tokens_auto_derives_shows_and_records_the_cap(
    demo_db: Path,
    tiny_gguf_path: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from medinst_tui.cli.main import main
    from medinst_tui.runs.store import RunStore

    monkeypatch.setenv("MEDINST_RUNS_DB", str(tmp_path / "runs.duckdb"))
    expected = independent_cap(demo_db, tiny_gguf_path, "MedQA")
    model = ["--model", str(tiny_gguf_path), "--threads", "1", "--n-ctx", "1024", "--max-tokens", "auto"]
    args = ["run", "--db", str(demo_db), "--task", "MedQA", "--limit", "2", "--shots", "0", *model]
    assert main([*args, "-o", str(tmp_path / "r.jsonl"), "--output-format", "json"]) == 0
    captured = capsys.readouterr()
    stderr = captured.err
    summary = json.loads(captured.out)["run"]
    assert summary["max_tokens"] == expected and summary["max_tokens_auto"].startswith(f"auto {expected}:")
    assert f"max tokens auto {expected}: p99 of " in stderr and "train/dev gold outputs of MedQA" in stderr
    (run,) = RunStore(tmp_path / "runs.duckdb").list_runs()
    assert run.max_tokens == expected  # recorded as the cap it ran with, and how it was derived
    assert run.config["max_tokens"] == expected
    assert run.config["max_tokens_auto"].startswith(f"auto {expected}: p99 of ")
    assert main(["runs", "show", run.id, "--format", "json"]) == 0
    shown = json.loads(capsys.readouterr().out)["run"]
    assert shown["max_tokens"] == expected and shown["max_tokens_auto"] == run.config["max_tokens_auto"]
    assert main(["runs", "show", run.id]) == 0
    assert f"max tokens {expected} (auto)" in capsys.readouterr().out
    prompt = ["prompt", "MedQA", "--db", str(demo_db), "--shots", "0", *model]
    assert main(prompt) == 0
    out = capsys.readouterr().out
    assert f"+ {expected} new / 1024 ctx" in out and f"Max tokens: auto {expected}: p99" in out


def test_eval_keeps_the_papers_cap_and_refuses_auto(
    demo_db: Path, tiny_gguf_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from medinst_tui.cli.main import main
    from medinst_tui.exit_codes import ExitCode

    args = ["eval", "medinst32", "--db", str(demo_db), "--model", str(tiny_gguf_path), "--max-tokens", "auto"]
    assert main(args) == ExitCode.USAGE
    err = capsys.readouterr().err
    assert "--max-tokens auto is for ad-hoc trials" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_a_filter_without_rows_keeps_the_ceiling(db: Path) -> None:
    with Index(db) as index:
        auto = auto_max_tokens(index, Filter(tasks=("MedQA",), splits=("dev",)), words, exact=True)
    assert auto.tasks == () and auto.cap == CEILING
    assert auto.describe() == f"auto {CEILING}: no gold outputs to measure (the ceiling)"
