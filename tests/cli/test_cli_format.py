"""`--format table|tsv|json|markdown` and tables at any width: key columns (task names, run ids, paths) are
never cut, on a terminal of 80 columns (a real pseudo-terminal) or piped; `--db` on every command."""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from medinst_tui import catalog
from medinst_tui.cli.main import build_parser
from medinst_tui.cli.output import Column, Document, Section, emit, print_table
from tests.pty_run import run_on_pty


def medinst(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "medinst_tui", *args],
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
        env={**os.environ, **(env or {})},
    )


def terminal(width: int) -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(file=out, width=width, force_terminal=True, color_system=None), out


NAMES = ["BioNLP-2011-REL-COREF-a-very-long-name", "BioASQ-Task-B-yesno-zs", "x"]


def wide_section() -> Section:
    rows = [
        {"name": n, "a": "alpha " * 6, "b": "beta " * 8, "c": i, "path": f"/data/{i}/file.json"}
        for i, n in enumerate(NAMES)
    ]
    columns = [
        Column("name", "task", key_column=True),
        Column("a", drop=2),
        Column("b", drop=3),
        Column("c", justify="right"),
        Column("path", key_column=True),
    ]
    return Section("s", columns, rows, title="t")


def test_key_columns_are_whole_at_80_columns_and_the_least_important_drop_first() -> None:
    console, out = terminal(80)
    dropped = print_table(wide_section(), console)
    text = out.getvalue()
    for name in NAMES:
        assert name in text and f"/data/{NAMES.index(name)}/file.json" in text
    assert all(len(line) <= 80 for line in text.splitlines()), text
    assert [c.key for c in dropped] == ["b"]  # the highest `drop` first; `a` fits once wrapped
    assert "alpha" in text and "beta" not in text
    assert "not shown at 80 columns: b;" in text


def test_columns_wrap_before_they_drop() -> None:
    console, out = terminal(120)
    assert print_table(wide_section(), console) == []
    text = out.getvalue()
    assert "beta" in text and "alpha" in text and all(name in text for name in NAMES)
    assert all(len(line) <= 120 for line in text.splitlines())


def test_key_columns_wider_than_the_terminal_are_printed_whole() -> None:
    console, out = terminal(30)
    print_table(wide_section(), console)
    assert all(f"/data/{i}/file.json" in out.getvalue() for i in range(len(NAMES)))


def test_piped_tables_take_their_natural_width() -> None:
    out = io.StringIO()
    console = Console(file=out, width=80)  # not a terminal
    print_table(wide_section(), console)
    lines = out.getvalue().splitlines()
    assert max(len(line) for line in lines) > 80
    row = next(line for line in lines if NAMES[0] in line)
    assert "alpha " * 6 in row + " " and "beta " * 8 in row + " "  # one line per row


def test_json_is_versioned_and_has_no_nan() -> None:
    console, out = terminal(80)
    doc = Document("x", {"value": math.nan, "when": Path("/a")}, [Section("s", [Column("k")], [{"k": 1}])])
    emit(doc, "json", console)
    assert json.loads(out.getvalue()) == {"kind": "x", "format_version": 1, "value": None, "when": "/a"}


def test_tsv_escapes_tabs_and_line_breaks() -> None:
    console, out = terminal(80)
    rows = [{"k": "a\tb\nc", "n": None, "f": True, "l": [1, 2]}]
    doc = Document("x", {}, [Section("s", [Column("k"), Column("n"), Column("f"), Column("l")], rows)])
    emit(doc, "tsv", console)
    assert out.getvalue() == "k\tn\tf\tl\na\\tb\\nc\t\ttrue\t1,2\n"


# -- medinst tasks / locate ------------------------------------------------------------------------------
def test_tasks_piped_keeps_every_name_on_its_row() -> None:
    done = medinst("tasks", env={"COLUMNS": "80"})
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    for name, info in catalog.tasks().items():
        row = [line for line in lines if f" {name} " in line]
        assert row and info.category in row[0], name  # `medinst tasks | grep NAME` finds the whole row


def test_tasks_on_an_80_column_terminal_keeps_every_name() -> None:
    code, text = run_on_pty(["tasks"], columns=80, rows=24)
    assert code == 0, text
    for name in catalog.tasks():
        assert f" {name} " in text, name
    assert max(len(line) for line in text.splitlines()) <= 80


def test_tasks_in_every_format() -> None:
    tsv = medinst("tasks", "--format", "tsv")
    lines = tsv.stdout.splitlines()
    header = lines[0].split("\t")
    assert header[:4] == ["name", "category", "medinst32", "metric_type"]
    rows = [dict(zip(header, line.split("\t"), strict=True)) for line in lines[1:]]
    assert [r["name"] for r in rows] == list(catalog.tasks())
    medqa = next(r for r in rows if r["name"] == "MedQA")
    assert (medqa["medinst32"], medqa["test_paper"], medqa["test_indexed"]) == ("true", "1272", "")
    data = json.loads(medinst("tasks", "--format", "json", "--medinst32").stdout)
    assert (data["kind"], data["format_version"], data["db"]) == ("tasks", 1, None)
    assert len(data["tasks"]) == 32
    first = data["tasks"][0]
    assert set(first) == {"name", "category", "medinst32", "metric_type", "known", "paper", "indexed"}
    assert first["paper"] == {"train": 15568, "dev": 0, "test": 813} and first["indexed"] is None
    markdown = medinst("tasks", "--format", "markdown").stdout.splitlines()
    table = [line for line in markdown if line.startswith("|")]
    assert len(table) == 2 + len(catalog.tasks()) and table[1].startswith("|---|")


def test_tasks_json_counts_an_index(demo_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "copy.duckdb"
    shutil.copy(demo_db, db)
    for argv in (["--db", str(db), "tasks"], ["tasks", "--db", str(db)]):  # before or after the command
        data = json.loads(medinst(*argv, "--format", "json").stdout)
        assert data["db"] == str(db)
        medqa = next(t for t in data["tasks"] if t["name"] == "MedQA")
        assert medqa["indexed"] and medqa["indexed"]["test"] > 0


def test_locate_in_every_format() -> None:
    runs = medinst("locate", "runs").stdout.strip()
    data = json.loads(medinst("locate", "--format", "json").stdout)
    assert data["kind"] == "locate" and data["locations"]["runs"] == runs
    assert json.loads(medinst("locate", "runs", "--format", "json").stdout)["locations"] == {"runs": runs}
    tsv = medinst("locate", "--format", "tsv").stdout.splitlines()
    assert tsv[0] == "name\tpath" and f"runs\t{runs}" in tsv
    code, text = run_on_pty(["locate"], columns=80)
    assert code == 0 and all(str(path) in text for path in data["locations"].values()), text


def test_a_closed_stdout_is_quiet_for_tsv() -> None:
    proc = subprocess.Popen([sys.executable, "-m", "medinst_tui", "tasks", "--format", "tsv"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    assert proc.wait(timeout=60) == 141 and proc.stderr.read() == b""


# -- --db ------------------------------------------------------------------------------------------------
def _commands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    choices: dict[str, Any] = sub.choices
    return choices


def test_every_command_takes_db() -> None:
    commands = _commands()
    assert {"index", "tasks", "show", "export", "locate", "prompt", "run", "score", "runs"} <= set(commands)
    for name, parser in commands.items():
        assert any("--db" in a.option_strings for a in parser._actions), name


def test_runs_and_score_accept_db(tmp_path: Path) -> None:
    done = medinst("runs", "--db", str(tmp_path / "x.duckdb"))
    assert done.returncode == 0, done.stderr
    missing = medinst("score", str(tmp_path / "none.jsonl"), "--db", str(tmp_path / "x.duckdb"))
    assert missing.returncode == 2 and "no such file" in missing.stderr  # parsed: the file is what is missing


@pytest.mark.parametrize("fmt", ["table", "tsv", "json", "markdown"])
def test_every_format_is_accepted_by_the_listing_commands(fmt: str) -> None:
    for argv in (["tasks", "--medinst32"], ["locate"]):
        done = medinst(*argv, "--format", fmt)
        assert done.returncode == 0 and done.stdout.strip(), (argv, done.stderr)


# -- run, score, runs, runs show -------------------------------------------------------------------------
def test_run_score_and_runs_in_json(
    demo_db: Path, isolated_dirs: Path, tiny_gguf_path: Path, tmp_path: Path
) -> None:
    index = isolated_dirs / "data" / "index.duckdb"
    index.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(demo_db, index)
    out = tmp_path / "r.jsonl"
    model = ["--model", str(tiny_gguf_path), "--threads", "1", "--n-ctx", "1024", "--max-tokens", "4"]
    done = medinst(
        "run", "--task", "biosses", "--limit", "2", *model, "-o", str(out), "--output-format", "json"
    )
    assert done.returncode == 0, done.stderr
    run = json.loads(done.stdout)  # stdout is the document alone
    assert (run["kind"], run["format_version"], run["run"]["status"], run["run"]["n_done"]) == (
        "run",
        1,
        "done",
        2,
    )
    mse = next(m for m in run["metrics"] if m["metric"] == "mse")
    assert mse["task"] == "BIOSSES" and mse["headline"] and mse["n"] == 2
    assert mse["interval"] and mse["lower"] <= mse["value"] <= mse["upper"]
    score = json.loads(medinst("score", str(out), "--format", "json").stdout)
    assert (score["kind"], score["scored"], score["errors"], score["unreadable"]) == ("score", 2, 0, 0)
    assert {(m["task"], m["metric"], m["value"], m["n"]) for m in score["metrics"]} == {
        (m["task"], m["metric"], m["value"], m["n"]) for m in run["metrics"]
    }
    listed = json.loads(medinst("runs", "--format", "json").stdout)
    (row,) = listed["runs"]
    assert row["id"] == run["run"]["id"] and row["tasks"] == ["BIOSSES"]
    assert row["headline"][0]["metric"] == "mse" and row["headline"][0]["n"] == 2
    shown = json.loads(medinst("runs", "show", row["id"][:12], "--format", "json").stdout)
    assert shown["kind"] == "run-summary" and shown["run"]["id"] == row["id"]
    assert shown["metrics"] == run["metrics"]
    tsv = medinst("runs", "--format", "tsv").stdout.splitlines()
    assert tsv[0].split("\t")[:3] == ["id", "created", "status"] and tsv[1].startswith(row["id"] + "\t")
    code, text = run_on_pty(["runs"], columns=80)
    assert code == 0 and row["id"] in text, text
