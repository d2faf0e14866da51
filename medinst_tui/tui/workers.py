"""One way a failed worker is reported: workers raise, and `WorkerFailures.on_worker_state_changed` turns
the error into one notification (and calls the screen's `worker_failed` for what it shows in place).

Textual posts `Worker.StateChanged` to the node that started the worker, without bubbling, so each screen
with workers takes the mixin; the text names what failed (the worker's `description`).
"""

from __future__ import annotations

from typing import Any, Protocol

from textual.notifications import SeverityLevel
from textual.worker import Worker, WorkerState

from medinst_tui.backends.base import BackendError
from medinst_tui.backends.presets import PresetError


class ReadableError(Exception):
    """Something the reader must fix (a missing model, a bad setting); the message says what."""


# Errors whose message is written for the reader (a missing run, a refused path, an endpoint's answer):
# shown without their type.
READABLE = (ReadableError, PresetError, BackendError, LookupError, OSError, ValueError)


def failure_text(worker: Worker[Any]) -> str:
    error = worker.error
    what = worker.description or worker.name or "a background task"
    detail = str(error) if isinstance(error, READABLE) else f"{type(error).__name__}: {error}"
    return f"{what} failed: {detail}"


class _Host(Protocol):
    def notify(
        self, message: str, *, severity: SeverityLevel = ..., timeout: float | None = ..., markup: bool = ...
    ) -> None: ...

    def worker_failed(self, worker: Worker[Any], text: str) -> None: ...


class WorkerFailures:
    """Mixin for a screen or widget whose workers raise on failure."""

    def on_worker_state_changed(self: _Host, event: Worker.StateChanged) -> None:
        if event.state is not WorkerState.ERROR:
            return
        text = failure_text(event.worker)
        self.worker_failed(event.worker, text)
        self.notify(text, severity="error", timeout=10, markup=False)  # an error may hold [brackets]

    def worker_failed(self, worker: Worker[Any], text: str) -> None:
        """What the screen shows in place of the result (default: only the notification)."""
