"""The output-path guard (medinst_tui/outputs.py) and the export core that uses it, on real files.

Every refused case checks the file it protects byte for byte afterwards: a refusal must come before
anything is written.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from medinst_tui.outputs import OutputError, OutputExistsError, check_output, clear_stale_parts
from medinst_tui.paths import default_db_path, response_cache_path, runs_db_path
from medinst_tui.store.export import export
from medinst_tui.store.filters import Filter
from medinst_tui.store.index import Index
from tests.helpers import count_rows


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def index_copy(demo_db: Path, tmp_path: Path) -> Path:
    """A private copy of the demo index (a test that fails must not damage the shared one)."""
    path = tmp_path / "idx" / "index.duckdb"
    path.parent.mkdir()
    shutil.copy(demo_db, path)
    return path


def dead_pid() -> int:
    """The pid of a process that has exited (and was reaped)."""
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    return int(done.stdout)


def test_export_refuses_the_open_index_by_every_name(index_copy: Path, tmp_path: Path) -> None:
    before = digest(index_copy)
    link = tmp_path / "link.duckdb"
    link.symlink_to(index_copy)
    hard = tmp_path / "hard.duckdb"
    os.link(index_copy, hard)
    relative = os.path.relpath(index_copy)
    with Index(index_copy) as index:
        for name in (str(index_copy), str(link), str(hard), relative):
            with pytest.raises(OutputError, match="medinst's own file"):
                export(index, Filter(), name, force=True)  # not even --force
    assert digest(index_copy) == before
    assert count_rows(index_copy) > 0
    assert not list(index_copy.parent.glob(".*.part-*"))


def test_the_siblings_of_the_tools_files_are_refused(index_copy: Path) -> None:
    # The runs DB and the response cache at their default places (the test's isolated data/cache dirs).
    for base in (index_copy, runs_db_path(), response_cache_path(), default_db_path()):
        for suffix in ("", ".wal", ".lock", ".errors.jsonl", "-wal", "-shm", "-journal"):
            target = base.with_name(base.name + suffix)
            with pytest.raises(OutputError, match="medinst's own file"):
                check_output(target, protect=[index_copy], force=True)
    with pytest.raises(OutputError):
        check_output(index_copy.with_name(f".{index_copy.name}.building-123"), protect=[index_copy])


def test_an_existing_file_is_replaced_only_with_force(index_copy: Path, tmp_path: Path) -> None:
    target = tmp_path / "mine.jsonl"
    target.write_text("precious\n")
    f = Filter(tasks=("BIOSSES",))
    with Index(index_copy) as index:
        with pytest.raises(OutputExistsError, match="--force"):
            export(index, f, str(target))
        assert target.read_text() == "precious\n"
        result = export(index, f, str(target), force=True)
        assert result.rows == index.count(f) > 0
    assert len(target.read_text().splitlines()) == result.rows


def test_a_directory_is_refused_and_no_temp_file_is_left(index_copy: Path, tmp_path: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    with Index(index_copy) as index:
        with pytest.raises(OutputError, match="is a directory"):
            export(index, Filter(), str(folder), force=True)
        with pytest.raises(OutputError, match="directory"):
            export(index, Filter(), str(tmp_path / "new") + os.sep)
    assert folder.is_dir() and not list(folder.iterdir())
    assert not [p for p in tmp_path.iterdir() if ".part-" in p.name]


def test_a_named_pipe_is_written_in_place(index_copy: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "rows.fifo"
    os.mkfifo(fifo)
    f = Filter(tasks=("BIOSSES",))  # a few KB: fits in the pipe's buffer, so no reader thread is needed
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        with Index(index_copy) as index:
            result = export(index, f, str(fifo))
            expected = index.count(f)
        data = os.read(reader, 1 << 20).decode()
    finally:
        os.close(reader)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)  # not renamed over with a regular file
    lines = data.splitlines()
    assert result.rows == expected == len(lines) and all(json.loads(x)["task"] == "BIOSSES" for x in lines)


def test_stdout_aliases_are_stdout() -> None:
    for name in ("-", "/dev/stdout", "/dev/fd/1"):
        out = check_output(name)
        assert out.stdout and out.in_place
    assert not check_output("/dev/null").stdout and check_output("/dev/null").in_place


def test_an_unwritable_parent_is_refused_before_writing(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(OutputError, match="not a directory"):
        check_output(blocker / "sub" / "out.jsonl")
    assert blocker.read_text() == "x"


def test_stale_parts_of_dead_exports_are_removed_on_the_next_export(index_copy: Path, tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    dead = folder / f".old.jsonl.part-{dead_pid()}"
    dead.write_text("half a file")
    live_proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        live = folder / f".busy.jsonl.part-{live_proc.pid}"
        live.write_text("still being written")
        unrelated = folder / ".notes.part-x"
        unrelated.write_text("not a part of ours")
        with Index(index_copy) as index:
            export(index, Filter(tasks=("BIOSSES",)), str(folder / "new.jsonl"))
        assert not dead.exists()
        assert live.read_text() == "still being written"
        assert unrelated.exists()
        assert sorted(p.name for p in folder.iterdir()) == sorted([live.name, unrelated.name, "new.jsonl"])
    finally:
        live_proc.kill()
        live_proc.wait()
    assert clear_stale_parts(folder) == [live]  # its process is gone now


def top(app: object) -> object:
    """The app's current screen, as a plain object (so that mypy keeps no narrowing between steps)."""
    return getattr(app, "screen", None)


async def test_the_tui_export_asks_before_replacing_a_file(tmp_path: Path) -> None:
    from medinst_tui.tui.browse.export import ExportScreen, OverwriteScreen
    from tests.tui_support import make_app, settle, small_index

    target = tmp_path / "mine.jsonl"
    target.write_text("precious\n")
    app = make_app(small_index(), tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+e")
        dialog = app.screen
        assert isinstance(dialog, ExportScreen)
        dialog.query_one("#export-path").value = str(target)  # type: ignore[attr-defined]
        await pilot.click("#export-run")
        await settle(pilot)
        assert isinstance(app.screen, OverwriteScreen)
        assert app.focused is not None and app.focused.id == "overwrite-no"  # Enter alone keeps the file
        await pilot.press("enter")
        await settle(pilot)
        assert top(app) is dialog and target.read_text() == "precious\n"
        await pilot.click("#export-run")
        await settle(pilot)
        await pilot.click("#overwrite-yes")
        await settle(pilot)
        with Index(small_index()) as index:
            expected = index.count(Filter())
        assert len(target.read_text().splitlines()) == expected
        # The index itself is refused in the dialog too, whatever the answer would be.
        dialog.result = None
        dialog.query_one("#export-path").value = str(small_index())  # type: ignore[attr-defined]
        before = digest(small_index())
        await pilot.click("#export-run")
        await settle(pilot)
        assert top(app) is dialog and "own file" in str(dialog.query_one("#export-status").render())
        assert digest(small_index()) == before
