"""The index build never loses good rows to a bad one, cites exact lines, cleans up after killed builds.

README: "Reliability". Every test builds real DuckDB files from real source files.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from medinst_tui.sources.specs import local_source
from medinst_tui.store.ingest import IndexReport, build_index
from tests.helpers import count_rows, make_rows, write_jsonl

SURROGATE = '"\\ud800"'  # the JSON text of a lone high surrogate escape


def _rows(n: int, task: str = "MedQA") -> list[dict[str, object]]:
    return make_rows(task, n)


def _stored(db: Path, file: str) -> list[tuple[int, str]]:
    """(line, input) of one file's rows in id order, read straight from the index file."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute("SELECT line, input FROM samples WHERE file = ? ORDER BY id", [file]).fetchall()
        return [(int(a), str(b)) for a, b in rows]
    finally:
        con.close()


def _issues(report: IndexReport) -> dict[tuple[str, int | None], str]:
    return {(i.file, i.line): i.reason for i in report.issues}


# -- 1. a lone surrogate is one skipped line -------------------------------------------------------------
def test_a_lone_surrogate_costs_only_its_line(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    good = _rows(5)
    lines = [json.dumps(r) for r in good]
    lines[2] = lines[2].replace(json.dumps(good[2]["input"]), SURROGATE)
    (src / "MedQA_test.json").write_text("\n".join(lines) + "\n")
    hist = [json.dumps(r | {"history": [["q", "a"]]}) for r in _rows(4, "SciQ")]
    hist[1] = hist[1].replace('"a"]]', SURROGATE + "]]")
    (src / "SciQ_test.json").write_text("\n".join(hist) + "\n")
    arr = [json.dumps(r) for r in _rows(3, "BC5CDR")]
    arr[0] = arr[0].replace('"Instruction of BC5CDR."', SURROGATE)
    (src / "BC5CDR_test.json").write_text("[\n" + ",\n".join(arr) + "\n]\n")
    db = tmp_path / "i.duckdb"
    report = build_index(db, [local_source(src)])
    issues = _issues(report)
    assert set(issues) == {("MedQA_test.json", 3), ("SciQ_test.json", 2), ("BC5CDR_test.json", 2)}
    assert all("Unicode" in reason for reason in issues.values())
    assert report.rows == 4 + 3 + 2
    assert _stored(db, "MedQA_test.json") == [(i + 1, str(good[i]["input"])) for i in (0, 1, 3, 4)]


def test_the_index_command_reports_a_lone_surrogate_as_file_and_line(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    lines = [json.dumps(r) for r in _rows(3)]
    lines[1] = '{"instruction": "i", "input": ' + SURROGATE + ', "output": "o"}'
    (src / "MedQA_test.json").write_text("\n".join(lines) + "\n")
    db = tmp_path / "i.duckdb"
    proc = subprocess.run(
        [sys.executable, "-m", "medinst_tui", "index", "--from", str(src), "--db", str(db)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert "Traceback" not in out
    assert "MedQA_test.json:2: field 'input' is not valid Unicode" in out
    assert count_rows(db) == 2


# -- 2. JSON arrays keep every element that parses; a BOM never costs a row --------------------------------
def _array_text(elements: list[str], *, bom: bool = False) -> str:
    """One element per line: element k starts on line k + 1."""
    return ("\ufeff" if bom else "") + "[\n" + ",\n".join(elements) + "\n]\n"


@pytest.mark.parametrize("case", ["broken element", "trailing comma", "truncated", "bom and broken"])
def test_json_arrays_keep_every_element_that_parses(tmp_path: Path, case: str) -> None:
    good = _rows(10)
    elements = [json.dumps(r) for r in good]
    broken: set[int] = set()  # 0-based indexes of elements that cannot be kept
    if case == "trailing comma":
        text = "[\n" + ",\n".join(elements) + ",\n]\n"
    elif case == "truncated":
        text = _array_text(elements)
        text = text[: text.index(elements[7]) + 20]  # cut inside element 8: elements 9, 10 never written
        broken = {7, 8, 9}
    else:
        elements[3] = elements[3][:-1]  # element 4 lost its closing brace
        elements[6] = elements[6].replace('"output":', '"output" ')  # element 7 lost a colon
        broken = {3, 6}
        text = _array_text(elements, bom=case == "bom and broken")
    src = tmp_path / "src"
    src.mkdir()
    (src / "MedQA_test.json").write_text(text, encoding="utf-8")
    db = tmp_path / "i.duckdb"
    report = build_index(db, [local_source(src)])
    kept = [i for i in range(10) if i not in broken]
    # arrays store the element number as the row's line
    assert _stored(db, "MedQA_test.json") == [(i + 1, str(good[i]["input"])) for i in kept]
    reported = sorted(line for (_, line) in _issues(report) if line is not None)
    if case == "truncated":
        assert reported == [9]  # the line element 8 starts on
    else:
        assert reported == sorted(i + 2 for i in broken)  # the lines the broken elements start on


def test_a_bom_never_costs_the_first_line(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    good = _rows(3)
    lines = [json.dumps(good[0]), "{broken json", json.dumps(good[1]), json.dumps(good[2])]
    (src / "MedQA_test.json").write_text("\ufeff" + "\n".join(lines) + "\n", encoding="utf-8")
    db = tmp_path / "i.duckdb"
    report = build_index(db, [local_source(src)])
    assert list(_issues(report)) == [("MedQA_test.json", 2)]
    assert _stored(db, "MedQA_test.json") == [
        (1, good[0]["input"]),
        (3, good[1]["input"]),
        (4, good[2]["input"]),
    ]


# -- 3. a history is a list of [user, assistant] string pairs, on both paths -------------------------------
BAD_HISTORIES: list[object] = [
    [["q", None]],
    [[None, "a"]],
    [["q", 3]],
    [[{"k": 1}, "a"]],
    [["q", ["a"]]],
    [["q"]],
    [["q", "a", "extra"]],
    [None],
]  # (a history that is no list of lists at all was already refused: DuckDB rejects the file)


@pytest.mark.parametrize("history", BAD_HISTORIES, ids=[json.dumps(h) for h in BAD_HISTORIES])
def test_malformed_history_is_skipped_on_both_paths_alike(tmp_path: Path, history: object) -> None:
    good = [r | {"history": [["q1", "a1"], ["q2", "3"]]} for r in _rows(4)]
    lines = [json.dumps(r) for r in good]
    lines[1] = json.dumps(good[1] | {"history": history})
    src = tmp_path / "src"
    src.mkdir()
    (src / "MedQA_test.json").write_text("\n".join(lines) + "\n")  # otherwise clean: the bulk path
    (src / "MedQA_train.json").write_text("\n".join([*lines, "{broken json"]) + "\n")  # the exact path
    db = tmp_path / "i.duckdb"
    report = build_index(db, [local_source(src)])
    issues = _issues(report)
    assert "history" in issues[("MedQA_test.json", 2)]
    assert issues[("MedQA_test.json", 2)] == issues[("MedQA_train.json", 2)]
    expected = [(i + 1, str(good[i]["input"])) for i in (0, 2, 3)]
    assert _stored(db, "MedQA_test.json") == expected
    assert _stored(db, "MedQA_train.json") == expected


def test_zero_shot_rows_and_numeric_strings_stay_on_the_bulk_path(tmp_path: Path) -> None:
    # STS scores and labels are strings that read like numbers; absent, null and [] history mean zero-shot.
    rows: list[dict[str, object]] = [
        {"instruction": "Rate.", "input": "a", "output": "3"},
        {"instruction": "Rate.", "input": "b", "output": "0", "history": None},
        {"instruction": "Rate.", "input": "c", "output": "true", "history": []},
        {
            "instruction": "Rate.",
            "input": "d",
            "output": "5",
            "history": [["Rate x", "4"], ["Rate y", "[1]"]],
        },
        {"instruction": "Rate.", "input": "e", "output": '{"a": 1}', "history": [["Rate z", "null"]]},
    ]
    src = tmp_path / "src"
    write_jsonl(src / "BIOSSES_test.json", rows)
    (src / "BIOSSES_train.json").write_text("".join(json.dumps(r) + "\n" for r in rows) + "{broken json\n")
    db = tmp_path / "i.duckdb"
    report = build_index(db, [local_source(src)])
    assert report.exact_files == ["BIOSSES_train.json"]  # only the file with a broken line
    assert [(i.file, i.line) for i in report.issues] == [("BIOSSES_train.json", 6)]
    con = duckdb.connect(str(db), read_only=True)
    try:
        stored = {
            file: con.execute(
                "SELECT input, output, history FROM samples WHERE file = ? ORDER BY id", [file]
            ).fetchall()
            for file in ("BIOSSES_test.json", "BIOSSES_train.json")
        }
    finally:
        con.close()
    assert stored["BIOSSES_test.json"] == stored["BIOSSES_train.json"]
    assert [(i, o, h or []) for i, o, h in stored["BIOSSES_test.json"]] == [
        (r["input"], r["output"], r.get("history") or []) for r in rows
    ]


# -- 4. the stored line is the line in the file ------------------------------------------------------------
@pytest.mark.parametrize("path", ["bulk", "exact"])
def test_the_stored_line_is_the_real_line(tmp_path: Path, path: str) -> None:
    good = _rows(6)
    parts = [
        json.dumps(good[0]) + "\r\n",
        "\r\n",
        json.dumps(good[1]) + "\r\n",
        "\n",
        "   \n",
        json.dumps(good[2]) + "\n",
        " \t \r\n",
        json.dumps(good[3]) + "\r\n",
        *(["{broken json\n"] if path == "exact" else []),
        "\n\n",
        json.dumps(good[4]) + "\n",
        json.dumps(good[5]),  # no newline at the end
    ]
    data = ("\ufeff" + "".join(parts)).encode()
    src = tmp_path / "src"
    src.mkdir()
    (src / "MedQA_test.json").write_bytes(data)
    db = tmp_path / "i.duckdb"
    report = build_index(db, [local_source(src)])
    assert report.exact_files == ([] if path == "bulk" else ["MedQA_test.json"])
    real = {}  # input -> the 1-based line of the file that holds it
    for number, raw in enumerate(data.split(b"\n"), 1):
        for row in good:
            if json.dumps(row["input"]).encode() in raw:
                real[row["input"]] = number
    stored = _stored(db, "MedQA_test.json")
    assert [text for _, text in stored] == [r["input"] for r in good]
    assert stored == [(real[r["input"]], r["input"]) for r in good]


# -- 5. stale temporary files of dead builds are removed, a live process's are kept -------------------------
def test_stale_build_files_of_dead_processes_are_removed(tmp_path: Path) -> None:
    src = tmp_path / "src"
    write_jsonl(src / "MedQA_train.json", make_rows("MedQA", 3))
    db = tmp_path / "i.duckdb"
    done = subprocess.Popen([sys.executable, "-c", "pass"])
    done.wait()
    dead = done.pid
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    try:
        planted_dead = [
            tmp_path / f".i.duckdb.building-{dead}",
            tmp_path / f".i.duckdb.building-{dead}.wal",
        ]
        for p in planted_dead:
            p.write_bytes(b"x" * 1000)
        spill = tmp_path / f".i.duckdb.building-{dead}.tmp"  # DuckDB's spill folder of that build
        spill.mkdir()
        (spill / "duckdb_temp_storage-0.tmp").write_bytes(b"x" * 1000)
        planted_live = [
            tmp_path / f".i.duckdb.building-{live.pid}",
            tmp_path / f".i.duckdb.building-{live.pid}.wal",
        ]
        for p in planted_live:
            p.write_bytes(b"y")
        build_index(db, [local_source(src)])
        assert not any(p.exists() for p in [*planted_dead, spill])
        assert all(p.exists() for p in planted_live)
        assert count_rows(db) == 3
    finally:
        live.kill()
        live.wait()


# -- 6. Ctrl-C: one line, exit 130, the old index untouched ------------------------------------------------
def test_ctrl_c_during_index_exits_130_and_keeps_the_old_index(tmp_path: Path) -> None:
    db = tmp_path / "i.duckdb"
    old = tmp_path / "old"
    write_jsonl(old / "MedQA_train.json", make_rows("MedQA", 10))
    build_index(db, [local_source(old)])
    before = db.read_bytes()
    big = tmp_path / "big"
    big.mkdir()
    line = json.dumps(make_rows("Big", 1, word="aspirin " * 20)[0]) + "\n"
    for i in range(4):  # ~130 MB: the build runs for a couple of seconds
        (big / f"Big{i}_train.json").write_text(line * 150_000)
    proc = subprocess.Popen(
        [sys.executable, "-m", "medinst_tui", "index", "--from", str(big), "--db", str(db)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob(".i.duckdb.building-*")) and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.2)
    assert proc.poll() is None, "the build finished before it could be interrupted"
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert stderr.strip().splitlines()[-1].startswith("interrupted: the previous index is intact")
    assert db.read_bytes() == before
    assert count_rows(db) == 10
    assert not list(tmp_path.glob(".i.duckdb.building-*"))
    assert os.path.exists(db)


def test_a_parquet_row_with_a_malformed_history_costs_only_itself(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = [r | {"history": [["q", "a"]]} for r in _rows(5, "SciQ")]
    rows[2]["history"] = [["q", "a", "extra"]]
    (tmp_path / "src" / "SciQ" / "test").mkdir(parents=True)
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "src" / "SciQ" / "test" / "0000.parquet")
    db = tmp_path / "i.duckdb"
    report = build_index(db, [local_source(tmp_path / "src")])
    assert [(i.line, "history" in i.reason) for i in report.issues] == [(3, True)]
    assert _stored(db, "SciQ/test/0000.parquet") == [(n + 1, str(rows[n]["input"])) for n in (0, 1, 3, 4)]
