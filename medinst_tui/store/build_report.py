"""What an index build reports (rows, skipped lines and why, where the time went) and how it shows
progress."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from medinst_tui.sources.files import Issue, SourceFile


@dataclass
class IndexReport:
    db: Path
    errors_file: Path
    files: int = 0
    rows: int = 0
    skipped: int = 0
    issues: list[Issue] = field(default_factory=list)
    unknown_tasks: list[str] = field(default_factory=list)
    seconds: float = 0.0
    exact_files: list[str] = field(default_factory=list)  # files that needed the line-by-line check
    # Where the time went: step -> (wall seconds, CPU seconds of the whole process, DuckDB's threads too).
    steps: dict[str, tuple[float, float]] = field(default_factory=dict)
    search_index: bool = False


class IngestProgress(Protocol):
    def start(self, total_files: int, total_bytes: int) -> None: ...
    def file_started(self, item: SourceFile) -> None: ...
    def file_finished(self, item: SourceFile, rows: int, skipped: int, seconds: float) -> None: ...

    # Optional: `bytes_read(n)`, called from another thread while one statement reads several files,
    # with the bytes of those files read so far (the files are finished together at the end).


class NoProgress:
    def start(self, total_files: int, total_bytes: int) -> None:
        pass

    def file_started(self, item: SourceFile) -> None:
        pass

    def file_finished(self, item: SourceFile, rows: int, skipped: int, seconds: float) -> None:
        pass


class Steps:
    """Wall and CPU time per named step of a build (accumulated), for the report and the benchmark."""

    def __init__(self) -> None:
        self.times: dict[str, tuple[float, float]] = {}

    @contextlib.contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            yield
        finally:
            w, c = self.times.get(name, (0.0, 0.0))
            self.times[name] = (w + time.perf_counter() - wall, c + time.process_time() - cpu)
