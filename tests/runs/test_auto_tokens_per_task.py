"""`--max-tokens auto` over several tasks: each task's rows are fitted and sent with that task's own cap
(RunConfig.max_tokens_by_task), the run records and shows every cap, and the response cache keys on the cap
actually sent. Real index, real loopback server (tests/stub_servers.py), real llama.cpp for the streamed path.
"""

from __future__ import annotations

import dataclasses
import json
import math
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from medinst_tui.backends.openai_wire import CHARS_PER_TOKEN
from medinst_tui.fewshot.shots import ShotSpec
from medinst_tui.runs.auto_tokens import CEILING, EXTRA, FLOOR, HEADROOM, with_auto_cap
from medinst_tui.runs.cache import ResponseCache, cache_key
from medinst_tui.runs.engine import RunConfig, RunEngine
from medinst_tui.sources.specs import local_source
from medinst_tui.store.filters import Filter
from medinst_tui.store.index import Index
from medinst_tui.store.ingest import build_index
from tests.auto_tokens_reference import independent_cap
from tests.helpers import write_jsonl
from tests.stub_servers import SlowStub

SHORT, LONG = "MedQA", "MEDIQA-QA"
INSTRUCTION = {SHORT: "Pick the option.", LONG: "Answer at length."}
N_TRAIN, N_TEST = 50, 3


def golds(task: str) -> list[str]:
    if task == SHORT:  # one to three words
        return [" ".join(["w"] * (1 + i % 3)) for i in range(N_TRAIN)]
    return [" ".join(["y"] * (100 + i % 20)) for i in range(N_TRAIN)]  # 100 to 119 words


def rows(task: str, outputs: list[str]) -> list[dict[str, object]]:
    return [
        {"instruction": INSTRUCTION[task], "input": f"{task} question {i}", "output": o}
        for i, o in enumerate(outputs)
    ]


def estimated_cap(task: str) -> int:
    """The cap without medinst's code, for a server that cannot count (the remote estimate: characters /
    CHARS_PER_TOKEN), numpy's percentile."""
    counts = [math.ceil(len(g) / CHARS_PER_TOKEN) for g in golds(task)]
    p99 = int(np.percentile(counts, 99, method="inverted_cdf"))
    return max(FLOOR, min(CEILING, 8 * math.ceil((math.ceil(p99 * HEADROOM) + EXTRA) / 8)))


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("per-task")
    for task in (SHORT, LONG):
        write_jsonl(root / "src" / f"{task}_train.json", rows(task, golds(task)))
        write_jsonl(root / "src" / f"{task}_test.json", rows(task, ["gold"] * N_TEST))
    path = root / "index.duckdb"
    build_index(path, [local_source(root / "src")])
    return path


class Recorder:
    """The chat bodies the stub was sent, by task (told apart by the instruction in the prompt)."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self.stub = SlowStub(delay_s=0.0, script=self.script)

    def script(self, number: int, body: dict[str, Any]) -> None:
        with self._lock:
            self.bodies.append(body)
        return None  # the stub's usual answer

    def caps(self) -> dict[str, list[int]]:
        out: dict[str, list[int]] = {}
        for body in self.bodies:
            text = json.dumps(body["messages"])
            (task,) = [t for t, instruction in INSTRUCTION.items() if instruction in text]
            out.setdefault(task, []).append(body["max_tokens"])
        return out


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    rec = Recorder()
    yield rec
    rec.stub.close()


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MEDINST_RUNS_DB", str(tmp_path / "runs.duckdb"))
    monkeypatch.setenv("MEDINST_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("MEDINST_CONFIG_DIR", str(tmp_path / "config"))
    return tmp_path / "runs.duckdb"


def test_caps_differ_between_the_tasks() -> None:
    assert (estimated_cap(SHORT), estimated_cap(LONG)) == (FLOOR, 48 + 8 * 7)  # 32 and 104


def test_a_run_over_two_tasks_sends_records_and_shows_each_tasks_own_cap(
    db: Path, recorder: Recorder, env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from medinst_tui.cli.main import main
    from medinst_tui.runs.store import RunStore

    short, long = estimated_cap(SHORT), estimated_cap(LONG)
    args = ["run", "--db", str(db), "--task", SHORT, "--task", LONG, "--shots", "0", "--max-tokens", "auto"]
    args += ["--model", recorder.stub.url, "--concurrency", "2", "--output-format", "json"]
    assert main(args) == 0
    captured = capsys.readouterr()
    # every request of a task carries that task's cap, not the largest
    assert recorder.caps() == {SHORT: [short] * N_TEST, LONG: [long] * N_TEST}
    summary = json.loads(captured.out)["run"]
    assert summary["max_tokens"] == long and summary["max_tokens_by_task"] == {LONG: long, SHORT: short}
    derivation = summary["max_tokens_auto"]
    assert derivation.startswith(f"auto per task, up to {long} (tokens (estimated), x1.25 + 16): ")
    assert f"{SHORT} {short} (p99 of {N_TRAIN} train/dev gold outputs is 2)" in derivation
    assert f"{LONG} {long} (p99 of {N_TRAIN} train/dev gold outputs is " in derivation
    assert f"max tokens {derivation}" in captured.err.replace("\n", "")
    # the record: the caps and how they were derived (fitting with each cap: the streamed test, below)
    (run,) = RunStore(env).list_runs()
    assert run.max_tokens == long and run.config["max_tokens_auto"] == derivation
    assert run.config["max_tokens_by_task"] == [[LONG, long], [SHORT, short]]
    assert RunConfig.from_json(run.config).max_tokens_by_task == ((LONG, long), (SHORT, short))
    assert main(["runs", "show", run.id]) == 0
    assert f"max tokens auto per task: {LONG} {long}, {SHORT} {short} · " in capsys.readouterr().out
    assert main(["runs", "show", run.id, "--format", "json"]) == 0
    shown = json.loads(capsys.readouterr().out)["run"]
    assert shown["max_tokens_by_task"] == {LONG: long, SHORT: short}
    assert shown["max_tokens_auto"] == derivation


def test_a_single_task_run_is_as_before(
    db: Path, recorder: Recorder, env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from medinst_tui.cli.main import main
    from medinst_tui.runs.store import RunStore

    long = estimated_cap(LONG)
    args = ["run", "--db", str(db), "--task", LONG, "--shots", "0", "--max-tokens", "auto"]
    args += ["--model", recorder.stub.url, "--concurrency", "2", "--output-format", "json"]
    assert main(args) == 0
    summary = json.loads(capsys.readouterr().out)["run"]
    assert recorder.caps() == {LONG: [long] * N_TEST}
    assert summary["max_tokens"] == long and summary["max_tokens_by_task"] == {LONG: long}
    assert summary["max_tokens_auto"].startswith(f"auto {long}: p99 of {N_TRAIN} train/dev gold outputs of")
    (run,) = RunStore(env).list_runs()
    assert main(["runs", "show", run.id]) == 0
    assert f"max tokens {long} (auto) · " in capsys.readouterr().out


def test_the_cache_misses_only_for_the_task_whose_cap_changed(
    db: Path, recorder: Recorder, tmp_path: Path
) -> None:
    from medinst_tui.backends.openai_remote import OpenAIRemoteBackend

    backend = OpenAIRemoteBackend(recorder.stub.url, max_concurrency=2)
    base = RunConfig(tasks=(SHORT, LONG), shots=ShotSpec("none"), concurrency=2)
    with Index(db) as index:
        config = with_auto_cap(base, index, backend)
        changed = dataclasses.replace(config, max_tokens_by_task=((LONG, 96), (SHORT, estimated_cap(SHORT))))
        engine = RunEngine(index, backend, cache=ResponseCache(tmp_path / "responses.sqlite"))
        first = engine.run(config)
        assert first.n_done == 2 * N_TEST and first.n_cached == 0
        again = engine.run(config)
        assert again.n_cached == 2 * N_TEST and len(recorder.bodies) == 2 * N_TEST  # nothing sent again
        recorder.bodies.clear()
        third = engine.run(changed)
    assert recorder.caps() == {LONG: [96] * N_TEST}  # only the changed task went to the server
    assert {(r.task, r.cached) for r in third.results} == {(SHORT, True), (LONG, False)}
    backend.close()


def test_the_streamed_path_sends_each_task_its_cap(db: Path, tiny_gguf_path: Path, tmp_path: Path) -> None:
    """A local model (one sample at a time, streamed): the cache holds each answer under the key of the
    request with its own task's cap (the key is the request's cache identity, max_tokens included)."""
    from medinst_tui.backends.llama_local import LlamaLocalBackend

    caps = {task: independent_cap(db, tiny_gguf_path, task) for task in (SHORT, LONG)}
    backend = LlamaLocalBackend(tiny_gguf_path, n_ctx=512, n_threads=1)
    cache = ResponseCache(tmp_path / "responses.sqlite")
    with Index(db) as index:
        config = with_auto_cap(RunConfig(tasks=(SHORT, LONG), shots=ShotSpec("none")), index, backend)
        assert dict(config.max_tokens_by_task) == caps and caps[SHORT] != caps[LONG]
        engine = RunEngine(index, backend, cache=cache)
        outcome = engine.run(config)
        assert outcome.n_done == 2 * N_TEST
        for row in index.page(Filter(tasks=(SHORT, LONG), splits=("test",)), limit=10):
            built = engine.prepare(row, config)
            assert built.fit.max_tokens == caps[row.task]
            own = cache_key(backend, built.request(max_tokens=caps[row.task]))
            other = cache_key(backend, built.request(max_tokens=caps[LONG if row.task == SHORT else SHORT]))
            assert cache.get(own) is not None and cache.get(other) is None
    assert all(r.completion_tokens <= caps[r.task] for r in outcome.results)
    backend.close()


def test_a_stored_runs_cap_reads_the_same_in_the_cli_and_the_tui() -> None:
    from medinst_tui.runs.auto_tokens import cap_label

    assert cap_label(1024, {}) == "1024"
    one = {"max_tokens_auto": "auto 72: ...", "max_tokens_by_task": [["MedQA", 72]]}
    assert cap_label(72, one) == "72 (auto)"
    by_task = {"max_tokens_auto": "auto per task", "max_tokens_by_task": [["A", 72], ["B", 32]]}
    assert cap_label(72, by_task) == "auto per task: A 72, B 32"
