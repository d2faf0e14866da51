"""RunStore used from several threads of one process (the TUI: a batch writing, the runs screen reading)."""

from __future__ import annotations

import threading
from pathlib import Path

import duckdb
import pytest

from medinst_tui.runs import store as store_module
from medinst_tui.runs.records import RunHeader, SampleResult
from medinst_tui.runs.store import RunStore


def _result(sample_id: int) -> SampleResult:
    return SampleResult(sample_id, "MedQA", sample_id, "test", None, "p", "a", "a")


def test_a_connection_held_elsewhere_in_the_process_is_waited_for_then_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "runs.duckdb"
    RunStore(path).start(RunHeader("seed", origin="cli"))
    # What the store's process lock works around: DuckDB refuses a read-only connection beside a
    # read-write one to the same file in the same process. Held for good, the store gives up.
    monkeypatch.setattr(store_module, "CONNECTION_RETRY_S", 0.2)
    writer = duckdb.connect(str(path))
    try:
        with pytest.raises(duckdb.ConnectionException):
            RunStore(path).list_runs()
    finally:
        writer.close()
    assert [r.id for r in RunStore(path).list_runs()] == ["seed"]


def test_writes_and_reads_from_two_threads_take_turns(tmp_path: Path) -> None:
    path = tmp_path / "runs.duckdb"
    RunStore(path).start(RunHeader("seed", origin="cli"))
    db = RunStore(path)
    errors: list[BaseException] = []

    def write() -> None:
        try:
            for i in range(30):
                db.start(RunHeader(f"run-{i}", origin="tui"))
                db.add_results(f"run-{i}", [_result(i)])
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=write)
    thread.start()
    seen = 0
    while thread.is_alive():
        seen = max(seen, len(RunStore(path).list_runs()))
    thread.join()
    assert not errors and len(db.list_runs()) == 31 and seen >= 1
    assert [r.prediction for r in db.results("run-7")] == ["a"]
