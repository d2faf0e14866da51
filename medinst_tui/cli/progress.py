"""Rich progress bars for long CLI work (drawn on stderr so stdout stays clean for data)."""

from __future__ import annotations

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from medinst_tui.sources.files import SourceFile

stderr = Console(stderr=True)


class IngestBar:
    """One bar over all bytes, with the current file and the last file's rows/s."""

    def __init__(self, console: Console = stderr):
        self.progress = Progress(
            TextColumn("[bold]{task.fields[file]}", justify="left"),
            BarColumn(),
            DownloadColumn(),
            TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=False,
        )
        self.task: TaskID | None = None
        self.done_files = 0
        self.total_files = 0
        self.finished_bytes = 0  # bytes of the files finished so far
        self.shown_bytes = 0

    def __enter__(self) -> IngestBar:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def start(self, total_files: int, total_bytes: int) -> None:
        self.total_files = total_files
        self.task = self.progress.add_task("index", total=max(total_bytes, 1), file="", rate="")

    def file_started(self, item: SourceFile) -> None:
        if self.task is not None:
            label = f"[{self.done_files + 1}/{self.total_files}] {item.label}"
            self.progress.update(self.task, file=label[-48:])

    def bytes_read(self, n: int) -> None:
        """Within one bulk statement over several files: `n` bytes of them read so far (another thread)."""
        self._show(self.finished_bytes + n)

    def file_finished(self, item: SourceFile, rows: int, skipped: int, seconds: float) -> None:
        self.done_files += 1
        self.finished_bytes += item.size
        if self.task is not None:
            rate = f"{rows / seconds:,.0f} rows/s" if seconds > 0 else ""
            self.progress.update(self.task, rate=rate)
        self._show(self.finished_bytes)

    def _show(self, done: int) -> None:
        self.shown_bytes = max(self.shown_bytes, done)  # never backwards
        if self.task is not None:
            self.progress.update(self.task, completed=self.shown_bytes)


class FractionBar:
    """A bar driven by a 0..1 fraction (DuckDB's query progress)."""

    def __init__(self, label: str, console: Console = stderr):
        self.progress = Progress(
            TextColumn(f"[bold]{label}"),
            BarColumn(),
            TextColumn("{task.percentage:>3.0f}%"),
            TimeElapsedColumn(),
            console=console,
        )
        self.task = self.progress.add_task(label, total=1.0)

    def __enter__(self) -> FractionBar:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def __call__(self, fraction: float) -> None:
        self.progress.update(self.task, completed=fraction)
