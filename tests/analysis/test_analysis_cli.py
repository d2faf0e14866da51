"""`medinst runs analyze` and `medinst runs compare` on stored runs: a real runs DB (tests/conftest.py's
isolated data dir) and a results JSONL, read back through the CLI's JSON, tsv and table output."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sklearn.metrics import confusion_matrix

from medinst_tui.analysis import mcnemar_exact
from medinst_tui.cli.main import main
from medinst_tui.paths import runs_db_path
from medinst_tui.runs.engine import LiveScores
from medinst_tui.runs.records import RunHeader, RunTotals, SampleResult
from medinst_tui.runs.store import RunStore
from medinst_tui.scoring.squad import normalize_answer

LABELS = ["Supports", "Refutes", "Neutral"]
ANSWERS = ["Right coronary artery", "Primary adrenal insufficiency", "Aspirin"]


def make_run(run_id: str, seed: int, *, fail: int | None = None) -> list[SampleResult]:
    """A run of HealthVer (cls) and MedQA (em) answers, scored by the real scorer and stored as `medinst run`
    stores one; sample `fail` (if given) is a failed request."""
    rng = random.Random(seed)
    scores = LiveScores()
    results: list[SampleResult] = []
    for task, category, golds in (("HealthVer", "TE", LABELS), ("MedQA", "QA", ANSWERS)):
        for i in range(24):
            gold = golds[i % 3]
            prediction = gold if rng.random() < 0.6 else rng.choice([*golds, "I am not sure"])
            r = SampleResult(len(results), task, 100 * len(task) + i, "test", None, None, prediction, gold)
            if r.sample_id == fail:
                r.error, r.error_kind, r.prediction = "timeout: no answer", "timeout", ""
            else:
                r.metrics = scores.add(task, category, prediction, gold, r.sample_id)
            results.append(r)
    store = RunStore(runs_db_path())
    store.start(RunHeader(run_id, model=f"model-{seed}", format="medinst-chat", shots="history"))
    store.add_results(run_id, results)
    n_errors = int(fail is not None)
    store.finish(run_id, RunTotals("done", len(results) - n_errors, n_errors, 0, 1.0), scores.summary())
    return results


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, Any]:
    assert main([*argv, "--format", "json"]) == 0
    data: dict[str, Any] = json.loads(capsys.readouterr().out)
    return data


def test_analyze_gives_the_confusion_matrix_of_a_stored_run(capsys: pytest.CaptureFixture[str]) -> None:
    results = make_run("run-a", 1, fail=905)  # HealthVer #905 fails
    data = run_json(capsys, "runs", "analyze", "run-a", "--task", "healthver")
    assert (data["kind"], data["format_version"], data["run"]["id"]) == ("analysis", 1, "run-a")
    assert data["run"]["model"] == "model-1" and data["run"]["scorer_versions"]
    (task,) = data["tasks"]
    assert (task["task"], task["family"], task["n"], task["n_not_scored"]) == ("HealthVer", "cls", 23, 1)
    scored = [r for r in results if r.task == "HealthVer" and r.error is None]
    keys = sorted({normalize_answer(r.gold) for r in scored})
    predicted = [normalize_answer(r.prediction) for r in scored]
    predicted = [p if p in keys else "(other)" for p in predicted]
    expected = confusion_matrix(
        [normalize_answer(r.gold) for r in scored], predicted, labels=[*keys, "(other)"]
    )
    cm = task["confusion"]
    assert cm["labels"] == ["Neutral", "Refutes", "Supports"]
    assert cm["matrix"] == expected[: len(keys)].tolist()
    stored = RunStore(runs_db_path()).get("run-a")
    assert stored is not None
    assert task["headline_value"] == pytest.approx(stored.summary["HealthVer"]["cls_f1"].value)
    # every cell names its samples; together they are the scored samples
    ids = sorted(i for cell in cm["cells"] for i in cell["samples"])
    assert ids == sorted(r.sample_id for r in scored)


def test_compare_gives_mcnemar_and_flips(capsys: pytest.CaptureFixture[str]) -> None:
    a = make_run("run-a", 1)
    b = make_run("run-b", 2)
    data = run_json(capsys, "runs", "compare", "run-a", "run-b", "--task", "MedQA", "--seed", "7")
    assert (data["kind"], data["seed"], data["resamples"], data["level"]) == ("comparison", 7, 2000, 0.95)
    (task,) = data["tasks"]
    em = next(m for m in task["metrics"] if m["metric"] == "em")
    right_a = {r.sample_id: r.metrics["em"] == 1.0 for r in a if r.task == "MedQA"}
    right_b = {r.sample_id: r.metrics["em"] == 1.0 for r in b if r.task == "MedQA"}
    only_a = sorted(i for i in right_a if right_a[i] and not right_b[i])
    only_b = sorted(i for i in right_a if right_b[i] and not right_a[i])
    assert (em["test"], em["a_right_only"], em["b_right_only"]) == ("mcnemar-exact", len(only_a), len(only_b))
    assert em["p_value"] == pytest.approx(mcnemar_exact(len(only_a), len(only_b)))
    assert em["lower"] <= em["delta"] <= em["upper"]
    assert [f["id"] for f in task["right_to_wrong"]] == only_a
    assert [f["id"] for f in task["wrong_to_right"]] == only_b
    assert {m["metric"] for m in task["metrics"]} == {"rougeL", "token_f1", "em"}
    again = run_json(capsys, "runs", "compare", "run-a", "run-b", "--task", "MedQA", "--seed", "7")
    assert again["tasks"] == data["tasks"]  # seeded


def test_compare_reads_a_results_file_too(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    a = make_run("run-a", 1)
    make_run("run-b", 3)
    results_file = tmp_path / "a.jsonl"
    results_file.write_text("".join(json.dumps(r.to_json()) + "\n" for r in a), encoding="utf-8")
    from_file = run_json(capsys, "runs", "compare", str(results_file), "run-b")
    from_db = run_json(capsys, "runs", "compare", "run-a", "run-b")
    assert from_file["a"]["source"] == "file" and from_db["a"]["source"] == "runs-db"
    assert from_file["tasks"] == from_db["tasks"]
    # tsv: one section per kind of row, each a header of keys and raw values
    assert main(["runs", "compare", "run-a", "run-b", "--format", "tsv"]) == 0
    out = capsys.readouterr().out.split("\n\n")
    assert out[0].splitlines()[0] == "# metrics"
    header = out[0].splitlines()[1].split("\t")
    assert header[:4] == ["task", "metric", "headline", "n"] and "p_value" in header
    rows = [dict(zip(header, line.split("\t"), strict=True)) for line in out[0].splitlines()[2:]]
    em = next(r for r in rows if (r["task"], r["metric"]) == ("MedQA", "em"))
    expected = next(
        m for t in from_db["tasks"] for m in t["metrics"] if (t["task"], m["metric"]) == ("MedQA", "em")
    )
    assert float(em["p_value"]) == pytest.approx(expected["p_value"])


def test_analyze_table_at_80_columns_keeps_every_task_and_id() -> None:
    make_run("run-a", 1)
    done = subprocess.run(
        [sys.executable, "-m", "medinst_tui", "runs", "analyze", "run-a"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**_env(), "COLUMNS": "80"},
    )
    assert done.returncode == 0, done.stderr
    assert "HealthVer" in done.stdout and "MedQA" in done.stdout and "Traceback" not in done.stderr
    assert "gold \\ predicted" in done.stdout


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["runs", "analyze"], "medinst runs analyze RUN"),
        (["runs", "analyze", "no-such-run"], "no run 'no-such-run'"),
        (["runs", "compare", "run-a"], "medinst runs compare A B"),
        (["runs", "compare", "run-a", "run-a", "--task", "nothing-like-it"], "no task matches"),
        (["runs", "show", "run-a", "run-a"], "unexpected argument"),
    ],
)
def test_analysis_user_errors_are_one_line(argv: list[str], needle: str) -> None:
    make_run("run-a", 1)
    done = subprocess.run(
        [sys.executable, "-m", "medinst_tui", *argv],
        capture_output=True,
        text=True,
        timeout=120,
        env=_env(),
        stdin=subprocess.DEVNULL,
    )
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode == 2 and len(lines) == 1 and needle in lines[0], done.stderr


def _env() -> dict[str, str]:
    import os

    return dict(os.environ)
