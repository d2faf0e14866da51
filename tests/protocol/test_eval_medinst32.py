"""`medinst eval medinst32`: the plan (Table 3's tasks, few-shot or `-zs` rows, stratified subsets, the
source with history), one real run with the embedded model (SmolLM2 on the demo index, 3 tasks x 1 row,
1 thread, `--max-tokens 8`: an override the run labels as one), its files, resuming, the official file
round trip, and the paper's file in (`score`, `runs import`) and the runs out (`runs export`, `runs diff`).
"""

from __future__ import annotations

import io
import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from medinst_tui.cli import common
from medinst_tui.cli.main import main
from medinst_tui.exit_codes import ExitCode
from medinst_tui.protocol import official
from medinst_tui.protocol.plan import Selection, make_plan, narrow, table3_tasks
from medinst_tui.runs.store import RunStore
from medinst_tui.sources.specs import local_source
from medinst_tui.store.index import Index
from medinst_tui.store.ingest import build_index
from tests.helpers import write_jsonl

TASKS = "MedQA,BIOSSES,NCBI-disease"
DEMO_MEDINST32 = 21  # of the 32 tasks, the demo set holds 21


# -- the plan ------------------------------------------------------------------------------------------------
def test_the_plan_is_table3_on_the_demo_index(demo_db: Path) -> None:
    with Index(demo_db) as index:
        plan = make_plan(index, table3_tasks())
        zs = make_plan(index, table3_tasks(), zero_shot=True)
        assert len(plan.tasks) == 32 and len(plan.missing) == 32 - DEMO_MEDINST32
        assert "BioNLP-2009" in plan.missing and "BioNLP-2009-zs" in zs.missing
        assert [t.indexed_name for t in zs.tasks][:2] == ["NCBI-disease-zs", "BC5CDR-zs"]
        # all test rows of the indexed ones, and the same count as `medinst run --medinst32 --split test`
        # would give per task (without its -zs twins)
        rows = list(plan.rows(index))
        assert len(rows) == plan.total == sum(t.available for t in plan.tasks) == 20 * 22 + 30
        assert all(r.split == "test" and not r.task.endswith("-zs") and r.history for r in rows)
        zs_rows = list(zs.rows(index))
        assert len(zs_rows) == len(rows) and all(r.task.endswith("-zs") and not r.history for r in zs_rows)
        # grouped by task in Table 3's order, by id inside a task
        order = [t.name for t in table3_tasks()]
        seen = list(dict.fromkeys(r.task for r in rows))
        assert seen == sorted(seen, key=order.index)
        assert all(a.id < b.id for a, b in itertools.pairwise(rows) if a.task == b.task)
        assert plan.config.medinst32 and plan.config.split == "test"


def test_stratified_subsets_are_per_task_and_seeded(demo_db: Path) -> None:
    chosen = narrow(["MedQA", "AnEM"], [])
    with Index(demo_db) as index:
        first = make_plan(index, chosen, selection=Selection("first", 2))
        ids = {t.indexed_name: [r.id for r in t.rows or ()] for t in first.tasks}
        everything = {
            t: [r.id for r in index.page(first.tasks[i].filter, limit=100)] for i, t in enumerate(ids)
        }
        assert all(ids[t] == everything[t][:2] for t in ids)  # the first 2 by id, in each task
        a = make_plan(index, chosen, selection=Selection("sample", 3, 7))
        b = make_plan(index, chosen, selection=Selection("sample", 3, 7))
        c = make_plan(index, chosen, selection=Selection("sample", 3, 8))

        def sampled(p: object) -> list[int]:
            return [r.id for t in p.tasks for r in t.rows or ()]  # type: ignore[attr-defined]

        assert sampled(a) == sampled(b) and sampled(a) != sampled(c)
        assert [t.planned for t in a.tasks] == [3, 3] and all(t.subset for t in a.tasks)
        assert all(r.task == t.indexed_name for t in a.tasks for r in t.rows or ())


def test_the_source_with_history_is_used_when_two_hold_a_task(tmp_path: Path) -> None:
    plain: list[dict[str, object]] = [
        {"instruction": "Answer.", "input": f"q{i}", "output": "a"} for i in range(5)
    ]
    with_history: list[dict[str, object]] = [{**r, "history": [["Answer.\nq", "a"]]} for r in plain[:3]]
    write_jsonl(tmp_path / "medinst" / "MedQA_test.json", plain)
    write_jsonl(tmp_path / "medinst32" / "unseen_tests" / "MedQA_test.json", with_history)
    db = tmp_path / "two.duckdb"
    build_index(
        db,
        [
            local_source(tmp_path / "medinst", name="hub:aialt/MedINST"),
            local_source(tmp_path / "medinst32", name="hub:aialt/MedINST32"),
        ],
    )
    with Index(db) as index:
        plan = make_plan(index, narrow(["MedQA"], []))
        (task,) = plan.tasks
        assert task.source == "hub:aialt/MedINST32" and task.available == 3
        assert [r.history for r in plan.rows(index)] == [[["Answer.\nq", "a"]]] * 3


# -- one real run --------------------------------------------------------------------------------------------
@dataclass
class Evaluated:
    home: Path
    out: Path
    db: Path
    run_id: str
    stdout: str
    stderr: str
    code: int


def _env(monkeypatch: pytest.MonkeyPatch, home: Path) -> None:
    for env, sub in (
        ("MEDINST_CONFIG_DIR", "config"),
        ("MEDINST_DATA_DIR", "data"),
        ("MEDINST_CACHE_DIR", "cache"),
    ):
        monkeypatch.setenv(env, str(home / sub))
    monkeypatch.delenv("MEDINST_DB", raising=False)
    monkeypatch.delenv("MEDINST_RUNS_DB", raising=False)


def _eval_args(db: Path, out: Path) -> list[str]:
    # --max-tokens 8 keeps the test short; the run labels it as a deviation from the paper's 1,024
    args = ["eval", "medinst32", "--db", str(db), "--per-task", "1", "--tasks", TASKS]
    return [*args, "--max-tokens", "8", "--threads", "1", "-o", str(out)]


@pytest.fixture(scope="module")
def evaluated(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Evaluated]:
    """`medinst eval medinst32` once for the module, in dirs of its own (a test's own are not set yet)."""
    home = tmp_path_factory.mktemp("eval-home")
    out = home / "out"
    stdout, stderr = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as mp:
        _env(mp, home)
        # what the command prints, wide enough that no cell wraps
        for console, file in ((common.console, stdout), (common.err, stderr)):
            mp.setattr(console, "_file", file)
            mp.setattr(console, "_width", 250)
        code = main(_eval_args(demo_db, out))
        runs = RunStore(home / "data" / "runs.duckdb").list_runs()
    yield Evaluated(home, out, demo_db, runs[0].id, stdout.getvalue(), stderr.getvalue(), code)


def test_eval_prints_table3_and_writes_its_files(evaluated: Evaluated) -> None:
    assert evaluated.code == ExitCode.OK, evaluated.stderr
    text = evaluated.stdout
    assert "MEDINST32 · Table 3 · smollm2-135m (few-shot)" in text
    for label in (
        "LLaMA3",
        "BioMistral",
        "MMedL3-EnIns",
        "GPT-4o",
        "LLaMA3-MI32",
        "MMedL3-MI32",
        "LLaMA3-MI†",
    ):
        assert label in text
    for expected in (
        "NER",
        "NCBI-disease",
        "QA",
        "MedQA",
        "STS",
        "BIOSSES",
        "1 of 30 (subset)",
        "1 of 22 (subset)",
    ):
        assert expected in text
    assert "macro avg" in text and "Rows: first 1 row(s) per task" in text
    assert "max_tokens: 8 instead of 1024" in text  # the override, labelled on the table
    assert "all tasks" in evaluated.stderr and "rows/s" in evaluated.stderr  # the overall progress line
    names = sorted(p.name for p in evaluated.out.iterdir())
    assert names == ["official.json", "record.json", "results.jsonl", "table3.csv", "table3.md", "table3.tex"]
    results = [json.loads(line) for line in (evaluated.out / "results.jsonl").read_text().splitlines()]
    assert sorted(r["task"] for r in results) == ["BIOSSES", "MedQA", "NCBI-disease"]
    with Index(evaluated.db) as index:
        for r in results:
            row = index.get(r["id"])
            assert row is not None and row.history
            # the paper's messages: each history pair as a user then an assistant turn, the query; no system
            turns = [
                m
                for u, a in row.history
                for m in ({"role": "user", "content": u}, {"role": "assistant", "content": a})
            ]
            assert r["messages"] == [
                *turns,
                {"role": "user", "content": f"{row.instruction}\n{row.input}"},
            ]
            assert r["error"] is None


def test_the_record_says_how_the_numbers_were_made(evaluated: Evaluated) -> None:
    record = json.loads((evaluated.out / "record.json").read_text())
    assert record["run_id"] == evaluated.run_id
    p = record["protocol"]
    assert p["setting"] == "few-shot" and p["paper_protocol"] is False
    assert {"what": "max_tokens", "how": "8 instead of 1024"} in p["deviations"]
    assert p["labels"] == ["--max-tokens 8"] and p["selection"] == {
        "mode": "first",
        "per_task": 1,
        "seed": None,
    }
    assert record["prompt"]["format"] == "medinst-chat" and record["prompt"]["temperature"] == 0.0
    assert record["model"]["model_id"].startswith("gguf:SmolLM2-135M-Instruct")
    assert len(record["model"]["template_render_sha256"]) == 64
    assert record["software"]["medinst-tui"] and record["scorer"]["version"]
    assert record["index"]["tasks"]["MedQA"] == {
        "source": None,
        "indexed_rows": 30,
        "planned_rows": 1,
        "paper_rows": 1272,
    }
    assert (
        sorted(record["samples"]) == ["BIOSSES", "MedQA", "NCBI-disease"] and record["totals"]["n_done"] == 3
    )
    # the same record is kept beside the runs DB, for `medinst runs diff`
    beside = evaluated.home / "data" / "runs.records" / f"{evaluated.run_id}.json"
    assert json.loads(beside.read_text()) == record


def test_the_official_file_round_trips(
    evaluated: Evaluated, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _env(monkeypatch, evaluated.home)
    path = evaluated.out / "official.json"
    data = json.loads(path.read_text())
    assert list(data) == ["QA", "NER", "STS"]  # evaluation.py's category order
    assert set(data["NER"]["NCBI-disease"]["metrics"]) == {"rouge", "f1", "label_leval_f1"}
    assert set(data["QA"]["MedQA"]["metrics"]) == {"rouge", "f1", "em"}
    # write -> score -> the same numbers: the file's metrics, recomputed from its pairs, and the run's own
    checks = official.check(official.parse(path))
    assert checks and all(c.matches for c in checks)
    run = RunStore(evaluated.home / "data" / "runs.duckdb").get(evaluated.run_id)
    assert run is not None
    assert data["QA"]["MedQA"]["metrics"]["em"] == run.summary["MedQA"]["em"].value
    assert data["STS"]["BIOSSES"]["metrics"]["mse"] == run.summary["BIOSSES"]["mse"].value
    assert (
        data["NER"]["NCBI-disease"]["metrics"]["label_leval_f1"]
        == run.summary["NCBI-disease"]["bio_f1"].value
    )
    assert main(["score", str(path)]) == ExitCode.OK
    out = capsys.readouterr().out
    assert "evaluation.py results file" in out and "0 differ" in out
    assert main(["score", str(path), "--format", "json"]) == ExitCode.OK
    doc = json.loads(capsys.readouterr().out)
    assert doc["layout"] == "evaluation.py results" and doc["stated_differ"] == 0
    assert {(m["task"], m["key"]) for m in doc["official_metrics"] if m["same"]} >= {("MedQA", "em")}
    assert {m["task"] for m in doc["metrics"]} == {"MedQA", "BIOSSES", "NCBI-disease"}


def test_the_same_command_resumes_from_the_cache(
    evaluated: Evaluated, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _env(monkeypatch, evaluated.home)
    before = (evaluated.out / "table3.csv").read_text()
    assert main(_eval_args(evaluated.db, evaluated.out)) == ExitCode.OK  # the folder it wrote is reused
    assert "3 from cache" in capsys.readouterr().out
    assert (evaluated.out / "table3.csv").read_text() == before


def test_runs_import_export_and_diff(
    evaluated: Evaluated, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _env(monkeypatch, evaluated.home)
    assert (
        main(["runs", "import", str(evaluated.out / "official.json"), "--name", "paper-file"]) == ExitCode.OK
    )
    store = RunStore(evaluated.home / "data" / "runs.duckdb")
    imported = next(r for r in store.list_runs() if r.origin == "import")
    assert imported.model == "paper-file" and imported.n_done == 3
    original = store.get(evaluated.run_id)
    assert original is not None
    for task, scores in original.summary.items():  # the same pairs, the same numbers
        assert imported.summary[task].main.value == scores.main.value  # type: ignore[union-attr]
    capsys.readouterr()
    assert main(["runs", "diff", evaluated.run_id, evaluated.run_id]) == ExitCode.OK
    assert "the same reproducibility record" in capsys.readouterr().out
    assert main(["runs", "diff", evaluated.run_id, imported.id]) == ExitCode.OK
    diff = capsys.readouterr().out
    assert "model.model_id" in diff and "protocol" in diff and "prompt.format" in diff
    assert main(["runs", "export", evaluated.run_id, "--to", "inspect", "-o", str(tmp_path / "inspect")]) == 0
    assert len(list((tmp_path / "inspect").glob("*_medinst-*.json"))) == 3
    assert main(["runs", "export", evaluated.run_id, "--to", "lm-eval", "-o", str(tmp_path / "lm")]) == 0
    assert len(list((tmp_path / "lm").glob("*/samples_*_*.jsonl"))) == 3
    assert len(list((tmp_path / "lm").glob("*/results_*.json"))) == 1


def test_zero_shot_sends_the_zs_rows_without_demonstrations(demo_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "zs"
    args = ["eval", "medinst32", "--zero-shot", "--db", str(demo_db), "--per-task", "1", "--tasks", "MedQA"]
    assert main([*args, "--max-tokens", "4", "--threads", "1", "-o", str(out)]) == ExitCode.OK
    (result,) = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    assert result["task"] == "MedQA-zs" and len(result["messages"]) == 1
    assert json.loads((out / "record.json").read_text())["protocol"]["setting"] == "zero-shot"
    assert "MedQA" in json.loads((out / "official.json").read_text())["QA"]  # the base name, as evaluation.py


# -- user errors: one line, exit code 2 ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--tasks", "BC2GM"], "not a MEDINST32 task: BC2GM"),
        (["--category", "TEXTPAIRCLASS"], "no MEDINST32 task in category TEXTPAIRCLASS"),
        (["-o", "FILE"], "-o takes a folder"),
        (["-o", "FOREIGN"], "that `medinst eval` did not write"),
    ],
)
def test_eval_user_errors(
    demo_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    (tmp_path / "FILE").write_text("x")
    (tmp_path / "FOREIGN").mkdir()
    (tmp_path / "FOREIGN" / "table3.md").write_text("someone else's")
    args = [str(tmp_path / a) if a in ("FILE", "FOREIGN") else a for a in args]
    code = main(["eval", "medinst32", "--db", str(demo_db), *args])
    err = capsys.readouterr().err
    assert code == ExitCode.USAGE and message in err and "Traceback" not in err
    assert len([ln for ln in err.splitlines() if ln.strip()]) == 1, err
    assert (tmp_path / "FOREIGN" / "table3.md").read_text() == "someone else's"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["runs", "import", "NOTOFFICIAL"], "NOTOFFICIAL"),
        (["runs", "export", "x"], "--to inspect|lm-eval -o DIR"),
        (["runs", "diff", "x"], "medinst runs diff A B"),
    ],
)
def test_runs_user_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    (tmp_path / "NOTOFFICIAL").write_text('{"task": "MedQA", "prediction": "a", "gold": "b"}\n')
    args = [str(tmp_path / a) if a == "NOTOFFICIAL" else a for a in args]
    code = main(args)
    err = capsys.readouterr().err
    assert code == ExitCode.USAGE and message in err and "Traceback" not in err
