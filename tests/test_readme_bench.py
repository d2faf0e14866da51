"""The README's benchmark table is the one bench/readme_table.py derives from bench/results/*.md."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SCRIPT = REPO / "bench" / "readme_table.py"
RESULTS = REPO / "bench" / "results"
README = REPO / "README.md"


def table_script(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def copy_results(tmp_path: Path) -> Path:
    results = tmp_path / "results"
    shutil.copytree(RESULTS, results)
    return results


def test_the_committed_readme_matches_the_committed_results() -> None:
    done = table_script("--check")
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_changed_figure_in_a_results_file_is_reported(tmp_path: Path) -> None:
    results = copy_results(tmp_path)
    tui = results / "tui.md"
    text = tui.read_text(encoding="utf-8")
    # The median of "start → first rows painted", whatever it is now, made 100 ms slower.
    row = re.search(r"^\| start → first rows painted \| \d+ \| ([0-9.]+) \|", text, flags=re.MULTILINE)
    assert row, "tui.md has no 'start → first rows painted' row"
    old = row.group(1)
    new = f"{float(old) + 100:.1f}"
    tui.write_text(text.replace(row.group(0), row.group(0).replace(old, new)), encoding="utf-8")

    done = table_script("--check", "--results", results)
    assert done.returncode == 1, done.stdout + done.stderr
    removed = [line for line in done.stderr.splitlines() if line.startswith("-| TUI: start")]
    added = [line for line in done.stderr.splitlines() if line.startswith("+| TUI: start")]
    assert len(removed) == len(added) == 1, done.stderr
    assert old in removed[0] and new in added[0]
    # Only that row differs.
    changed = [line for line in done.stderr.splitlines() if line[:2] in ("-|", "+|")]
    assert len(changed) == 2, done.stderr


def test_writing_the_table_fixes_a_stale_readme(tmp_path: Path) -> None:
    results = copy_results(tmp_path)
    index = results / "index.md"
    text = index.read_text(encoding="utf-8")
    ratio = re.search(
        r"^\| build CPU time, ours / DuckDB read_json[^|]*\| ([0-9.]+)x", text, flags=re.MULTILINE
    )
    assert ratio, "index.md has no build CPU ratio row"
    index.write_text(text.replace(ratio.group(0), ratio.group(0)[: -len(ratio.group(1)) - 1] + "9.99x"))
    readme = tmp_path / "README.md"
    shutil.copy(README, readme)
    assert table_script("--check", "--readme", readme, "--results", results).returncode == 1

    written = table_script("--readme", readme, "--results", results)
    assert written.returncode == 0, written.stderr
    assert "9.99x CPU" in readme.read_text(encoding="utf-8")
    assert table_script("--check", "--readme", readme, "--results", results).returncode == 0
    # Outside the markers the README is untouched.
    before, after = README.read_text(encoding="utf-8"), readme.read_text(encoding="utf-8")
    assert before.split("<!-- bench-table:begin")[0] == after.split("<!-- bench-table:begin")[0]
    assert before.split("<!-- bench-table:end -->")[1] == after.split("<!-- bench-table:end -->")[1]


def test_a_row_missing_from_the_results_is_an_error_not_a_blank(tmp_path: Path) -> None:
    results = copy_results(tmp_path)
    backend = results / "backend.md"
    text = backend.read_text(encoding="utf-8")
    assert "Ratio ours / bare loop:" in text
    backend.write_text(text.replace("Ratio ours / bare loop:", "Ratio:"), encoding="utf-8")
    done = table_script("--check", "--results", results)
    assert done.returncode == 2
    assert "backend.md" in done.stderr and "Ratio ours / bare loop" in done.stderr
