"""The wheel carries the resources the code loads at run time (queries/, themes/, models/, data, demo)."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_wheel_carries_queries_themes_models_and_data(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
    )
    wheel = next(tmp_path.glob("medinst_tui-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for sql in (ROOT / "queries").glob("*.sql"):
        assert f"medinst_tui/queries/{sql.name}" in names
    for folder in ("themes", "models"):
        for f in (ROOT / folder).iterdir():
            if f.is_file():
                assert f"medinst_tui/{folder}/{f.name}" in names
    assert "medinst_tui/data/tasks.csv" in names and "medinst_tui/data/categories.yaml" in names
    assert any(n.startswith("medinst_tui/demo_data/") and n.endswith(".json") for n in names)
    entry = [n for n in names if n.endswith("entry_points.txt")]
    assert entry and "medinst = medinst_tui.cli.main:main" in zipfile.ZipFile(wheel).read(entry[0]).decode()
