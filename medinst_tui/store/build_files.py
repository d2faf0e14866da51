"""The files of an index build beside the index: the writer's lock, the temporary database (with DuckDB's WAL
and spill folder), and what builds killed before their cleanup left behind."""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

from medinst_tui.store.index import IndexBusyError


@contextlib.contextmanager
def write_lock(db: Path) -> Iterator[None]:
    """One writer at a time per index; the lock dies with its process, so a killed build never wedges."""
    db.parent.mkdir(parents=True, exist_ok=True)
    lock_path = db.with_name(db.name + ".lock")
    with open(lock_path, "a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip() or "?"
            raise IndexBusyError(
                f"another process (pid {holder}) is writing the index {db}; wait for it to finish"
            ) from None
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        try:
            yield
        finally:
            fh.seek(0)
            fh.truncate()


def remove_db_files(path: Path) -> None:
    """A database file and what DuckDB keeps beside it: its WAL and its spill folder (`NAME.tmp/`)."""
    for p in (path, path.with_name(path.name + ".wal")):
        with contextlib.suppress(FileNotFoundError):
            p.unlink()
    shutil.rmtree(path.with_name(path.name + ".tmp"), ignore_errors=True)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by someone else
        return True
    return True


def clear_stale_builds(db: Path) -> None:
    """Remove what builds killed before their cleanup (SIGKILL, power loss) left beside the index.

    A build writes `.NAME.building-PID` (and DuckDB its `.wal` and `.tmp/` spill folder); those of a
    process that no longer exists can never be finished, those of a live one are left alone.
    """
    pattern = re.compile(rf"\.{re.escape(db.name)}\.building-(\d+)(\.wal|\.tmp)?")
    for stale in db.parent.glob(f".{db.name}.building-*"):
        match = pattern.fullmatch(stale.name)
        if match is None or pid_alive(int(match[1])):
            continue
        with contextlib.suppress(OSError):
            if stale.is_dir() and not stale.is_symlink():
                shutil.rmtree(stale)
            else:
                stale.unlink()
