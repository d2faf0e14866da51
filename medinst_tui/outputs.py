"""The one guard for output paths (`medinst export -o`, `medinst run -o`, the TUI's export dialog).

Checked before anything is written (README: "Reliability"):

- the tool's own files are refused: the open index, the runs DB, the response cache, the config file
  and their siblings (WAL, lock, error list, SQLite journals, build temp files), compared by resolved
  path (symlinks, relative paths) and, when the file exists, by inode (hard links);
- ``-``, ``/dev/stdout`` and ``/dev/fd/1`` are standard output;
- something that is not a regular file (a device, a named pipe) is written in place, never renamed over;
- a directory is refused; an existing regular file is overwritten only with ``force``.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from medinst_tui.paths import config_file, default_db_path, response_cache_path, runs_db_path

STDOUT = "-"
STDOUT_ALIASES = ("/dev/stdout", "/dev/fd/1", "/proc/self/fd/1")
# Files that live beside a database and belong to it: DuckDB's WAL, the build lock, the index's list of
# skipped rows, SQLite's journals (the response cache), the config writer's temp file.
SIBLING_SUFFIXES = ("", ".wal", ".lock", ".errors.jsonl", "-wal", "-shm", "-journal")
PART_RE = re.compile(r"^\.(?P<name>.+)\.part-(?P<pid>\d+)$")


class OutputError(ValueError):
    """An output path that must not be written; the message is one line for the user."""


class OutputExistsError(OutputError):
    """The output is an existing regular file: overwrite only when asked (``--force``, a yes)."""


@dataclass(frozen=True)
class Output:
    """Where an output goes. ``path`` is None for standard output."""

    path: Path | None
    in_place: bool  # not a regular file (device, pipe, stdout): open and write it, never rename over it
    exists: bool

    @property
    def stdout(self) -> bool:
        return self.path is None

    def display(self) -> str:
        return "stdout" if self.path is None else str(self.path)


def own_files(*extra: Path | None) -> list[Path]:
    """The files medinst itself keeps (plus `extra`, e.g. the index that is open), without siblings."""
    bases = [default_db_path(), runs_db_path(), response_cache_path(), config_file()]
    return [Path(p).expanduser() for p in (*bases, *extra) if p is not None]


def _protected_by(target: Path, bases: Iterable[Path]) -> Path | None:
    """The own file that `target` is, or belongs to; None when it is none of them."""
    resolved = target.resolve()
    for base in bases:
        real = base.resolve()
        for suffix in SIBLING_SUFFIXES:
            sibling = real.with_name(real.name + suffix)
            if resolved == sibling:
                return base
            with contextlib.suppress(OSError):
                if os.path.samefile(target, sibling):  # a hard link (or bind mount) to it
                    return base
        # Temporary files of a build or a config write: `.index.duckdb.building-123`, `.config.yaml.tmp-9`.
        if resolved.parent == real.parent and resolved.name.startswith(f".{real.name}."):
            return base
    return None


def check_output(
    target: str | os.PathLike[str], *, protect: Iterable[Path | None] = (), force: bool = False
) -> Output:
    """What writing `target` means, or `OutputError` saying why it must not be written.

    `protect` adds files to the tool's own (the index actually open). Nothing is created or written.
    """
    raw = os.fspath(target)
    if raw == STDOUT or os.path.abspath(raw) in STDOUT_ALIASES:
        return Output(None, in_place=True, exists=True)
    if not raw.strip():
        raise OutputError("give an output file name (or - for stdout)")
    path = Path(raw).expanduser()
    if raw.endswith(os.sep) and not path.exists():
        raise OutputError(f"{raw} names a directory; give a file name")
    owner = _protected_by(path, own_files(*protect))
    if owner is not None:
        what = "is" if path.resolve() == owner.resolve() else "belongs to"
        raise OutputError(f"refusing to write {path}: it {what} medinst's own file {owner}")
    try:
        st = path.stat()
    except FileNotFoundError:
        if not _parent_ok(path):
            raise OutputError(f"cannot write {path}: a parent of it is not a directory") from None
        return Output(path.resolve(), in_place=False, exists=False)
    except NotADirectoryError:
        raise OutputError(f"cannot write {path}: a parent of it is not a directory") from None
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror}") from exc
    if stat.S_ISDIR(st.st_mode):
        raise OutputError(f"{path} is a directory; give a file name")
    if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode) or stat.S_ISFIFO(st.st_mode):
        return Output(path.resolve(), in_place=True, exists=True)
    if not stat.S_ISREG(st.st_mode):
        raise OutputError(f"{path} is not a file, a device or a pipe; give a file name")
    if not force:
        raise OutputExistsError(f"{path} exists; pass --force to overwrite it")
    return Output(path.resolve(), in_place=False, exists=True)


def _parent_ok(path: Path) -> bool:
    """The nearest existing ancestor is a directory (missing ones are created when writing)."""
    for parent in path.resolve().parents:
        if parent.exists():
            return parent.is_dir()
    return True


def clear_stale_parts(folder: Path) -> list[Path]:
    """Remove the `.NAME.part-PID` files of exports whose process is gone; a live process's part stays."""
    removed: list[Path] = []
    with contextlib.suppress(OSError):
        for part in folder.glob(".*.part-*"):
            match = PART_RE.match(part.name)
            if match is None or not part.is_file():
                continue
            pid = int(match["pid"])
            if pid == os.getpid() or pid_alive(pid):
                continue
            with contextlib.suppress(FileNotFoundError):
                part.unlink()
                removed.append(part)
    return removed


def pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True
