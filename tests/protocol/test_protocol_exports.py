"""A stored run exported as Inspect AI eval logs and as lm-evaluation-harness output, and the
reproducibility record's diff.

Neither inspect-ai nor lm-eval is installed for the tests (inspect-ai must never be a medinst dependency;
a venv for it costs a download of ~35 MB and ~30 s, lm-eval pulls in torch), so the files are checked
against those formats' documented layout: Inspect's `EvalLog` fields (version 2) and the fields and file
names lm-eval's EvaluationTracker writes, with its own filename helpers transcribed below. With
MEDINST_INSPECT_PYTHON pointing at a Python that has inspect-ai, the logs are also read back with
`inspect_ai.log.read_eval_log` (what `inspect view` uses).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from medinst_tui.fewshot.shots import ShotSpec
from medinst_tui.protocol import exports, record
from medinst_tui.protocol.imports import import_file
from medinst_tui.runs.store import RunStore

PAIRS = {
    "QA": {"MedQA": [("Aspirin", "aspirin"), ("heparin", "warfarin")]},
    "STS": {"BIOSSES": [("4", "4"), ("1", "3"), ("2", "2")]},
}
STOP_REASONS = {"stop", "max_tokens", "model_length", "tool_calls", "content_filter", "unknown"}


@pytest.fixture
def stored(tmp_path: Path) -> tuple[RunStore, str]:
    data = {
        c: {t: {"generated": [{"prediction": p, "target": g} for p, g in pairs], "metrics": {}}}
        for c, tasks in PAIRS.items()
        for t, pairs in tasks.items()
    }
    path = tmp_path / "results.json"
    path.write_text(json.dumps(data))
    store = RunStore(tmp_path / "runs.duckdb")
    return store, import_file(path, store, name="org/model").run_id


def load(store: RunStore, run_id: str) -> tuple[Any, Any, dict[str, Any]]:
    run = store.get(run_id)
    assert run is not None
    return run, store.results(run_id), record.for_run(store.path, run)


def test_inspect_logs_follow_the_eval_log_layout(stored: tuple[RunStore, str], tmp_path: Path) -> None:
    store, run_id = stored
    run, results, rec = load(store, run_id)
    paths = exports.export_inspect(run, results, rec, tmp_path / "logs")
    assert len(paths) == 2
    for path in paths:
        # Inspect's file naming: <timestamp>_<task>_<id>.json, the id without "_" or "-"
        stamp, task_part, log_id = path.stem.split("_")
        assert task_part.startswith("medinst-") and "-" not in log_id
        dt.datetime.fromisoformat(stamp[:10])
        log = json.loads(path.read_text())
        assert log["version"] == 2 and log["status"] == "success"
        spec = log["eval"]
        for key in ("created", "task", "dataset", "model", "config"):  # EvalSpec's required fields
            assert key in spec
        dt.datetime.fromisoformat(spec["created"])
        task = spec["task"].removeprefix("medinst/")
        n = len(PAIRS["QA" if task == "MedQA" else "STS"][task])
        assert spec["dataset"]["samples"] == n and spec["dataset"]["sample_ids"] == list(range(n))
        assert all("solver" in step for step in log["plan"]["steps"])
        res = log["results"]
        assert res["total_samples"] == res["completed_samples"] == n
        headline = res["scores"][0]  # Inspect shows the first score as the headline
        assert headline["name"] == ("em" if task == "MedQA" else "mse") and headline["scorer"] == "medinst"
        assert headline["metadata"]["headline"] is True
        for score in res["scores"]:
            assert all(set(m) >= {"name", "value"} for m in score["metrics"].values())
        expected = run.summary[task][headline["name"]].value
        assert headline["metrics"]["value"]["value"] == expected
        for sample, result in zip(log["samples"], [r for r in results if r.task == task], strict=True):
            assert set(sample) >= {"id", "epoch", "input", "target"}  # EvalSample's required fields
            assert sample["target"] == result.gold and sample["output"]["completion"] == result.prediction
            choice = sample["output"]["choices"][0]
            assert choice["message"]["role"] == "assistant" and choice["stop_reason"] in STOP_REASONS
            assert sample["scores"]["medinst"]["value"] == result.metrics
    reader = os.environ.get("MEDINST_INSPECT_PYTHON")
    if reader:  # Inspect's own reader, where a Python with inspect-ai is given
        script = (
            "import sys\nfrom inspect_ai.log import read_eval_log\n"
            "for p in sys.argv[1:]:\n    log = read_eval_log(p)\n"
            "    print(log.eval.task, len(log.samples), log.results.scores[0].metrics['value'].value)\n"
        )
        done = subprocess.run(
            [reader, "-c", script, *map(str, paths)], capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stderr
        assert "medinst/MedQA 2 0.5" in done.stdout


# lm-eval's utils.get_file_task_name / get_file_datetime, transcribed
def lm_task_name(filename: str) -> str:
    return filename[filename.find("_") + 1 : filename.rfind("_")]


def lm_datetime(filename: str) -> str:
    return filename[filename.rfind("_") + 1 :].replace(".jsonl", "").replace(".json", "")


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_lm_eval_files_follow_the_harness_layout(stored: tuple[RunStore, str], tmp_path: Path) -> None:
    store, run_id = stored
    run, results, rec = load(store, run_id)
    paths = exports.export_lm_eval(run, results, rec, tmp_path / "lm")
    folder = paths[0].parent
    assert folder.parent == tmp_path / "lm" and folder.name == exports.sanitize_model_name(run.model_id)
    samples = sorted(p for p in paths if p.name.startswith("samples_"))
    (results_file,) = [p for p in paths if p.name.startswith("results_")]
    assert [lm_task_name(p.name) for p in samples] == ["BIOSSES", "MedQA"]
    assert {lm_datetime(p.name) for p in paths} == {lm_datetime(results_file.name)}  # one run, one date id
    out = json.loads(results_file.read_text())
    for key in (
        "results",
        "configs",
        "versions",
        "n-shot",
        "higher_is_better",
        "n-samples",
        "config",
        "date",
    ):
        assert key in out
    assert out["results"]["MedQA"]["em,none"] == 0.5 and out["results"]["MedQA"]["alias"] == "MedQA"
    assert out["higher_is_better"]["BIOSSES"]["mse"] is False
    assert out["n-samples"]["BIOSSES"] == {"original": 3, "effective": 3}
    assert isinstance(out["n-shot"]["MedQA"], int)
    hashes = []
    for path in samples:
        lines = [json.loads(line) for line in path.read_text().splitlines()]
        for line in lines:
            assert set(line) >= {
                "doc_id",
                "doc",
                "target",
                "arguments",
                "resps",
                "filtered_resps",
                "filter",
                "metrics",
            }
            context = line["arguments"]["gen_args_0"]["arg_0"]
            assert isinstance(line["arguments"]["gen_args_0"]["arg_1"], dict)
            assert line["resps"] == [[line["filtered_resps"][0]]] and line["filter"] == "none"
            assert line["doc_hash"] == sha256(json.dumps(line["doc"], indent=2, ensure_ascii=False))
            assert line["prompt_hash"] == sha256(context) and line["target_hash"] == sha256(line["target"])
            assert all(m in line for m in line["metrics"])  # each metric's value beside its name
        hashes.append(
            (
                lm_task_name(path.name),
                sha256("".join(ln["doc_hash"] + ln["prompt_hash"] + ln["target_hash"] for ln in lines)),
            )
        )
    assert out["task_hashes"] == dict(hashes)


def test_record_diff_says_what_differs_and_only_that() -> None:
    a = {
        "run_id": "a",
        "created": "t1",
        "command": ["medinst", "eval"],
        "prompt": {"format": "medinst-chat", "max_tokens": 1024, "stop": []},
        "model": {"model_id": "gguf:x#1"},
        "samples": {"MedQA": [1, 2, 3]},
        "protocol": {"setting": "few-shot", "deviations": []},
        "totals": {"duration_s": 1.0},
    }
    b = {
        "run_id": "b",
        "created": "t2",
        "command": ["medinst", "eval", "--per-task", "2"],
        "prompt": {"format": "medinst-chat", "max_tokens": 64, "stop": []},
        "model": {"model_id": "gguf:x#1"},
        "samples": {"MedQA": [2, 3]},
        "totals": {"duration_s": 9.0},
    }
    diff = {d.key: d for d in record.diff(a, b)}
    assert set(diff) == {"prompt.max_tokens", "samples.MedQA", "protocol"}
    assert (diff["prompt.max_tokens"].a, diff["prompt.max_tokens"].b) == (1024, 64)
    assert diff["samples.MedQA"].describe("a") == "3 ids (2 in common)"
    assert (diff["protocol"].describe("a"), diff["protocol"].describe("b")) == ("2 fields", record.MISSING)
    assert record.diff(a, a) == []


def test_settings_label_every_departure_from_the_papers_request() -> None:
    paper = record.Settings("medinst-chat", ShotSpec(), 1024, 0.0)
    assert paper.deviations() == []
    changed = record.Settings("medinst-plain", ShotSpec("task", 2, 0), 64, 0.7, ("\n\n",))
    what = [w for w, _ in changed.deviations()]
    assert what == ["prompt format", "shots", "max_tokens", "temperature", "stop"]
