"""The runs DB as the TUI's screens reach it, and where a run's results are exported by default."""

from __future__ import annotations

from pathlib import Path

from medinst_tui.paths import runs_db_path
from medinst_tui.runs.store import RunStore
from medinst_tui.state import default_export_folder


def runs_db() -> RunStore:
    return RunStore(runs_db_path())


def default_export_path(run_id: str, folder: Path | None = None) -> Path:
    """Where a run's results go by default: the app's export folder (README, "The app")."""
    return (folder or default_export_folder()) / f"medinst-run-{run_id}.jsonl"
