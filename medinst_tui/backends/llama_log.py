"""Keep llama.cpp's log output off the terminal and available for diagnostics.

llama.cpp logs through a callback (which llama-cpp-python points at ``sys.stderr``) and a few code
paths write to file descriptor 2 directly. A terminal UI must never see either: we install our own
callback that appends to a bounded buffer, and while a model loads we also point fd 2 at a temporary
file and fold what it caught into the same buffer.
"""

from __future__ import annotations

import ctypes
import os
import tempfile
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_MAX_LINES = 2000
FULL_LOG_ENV = "MEDINST_LLAMA_LOG"  # "1": a load error carries llama.cpp's whole log of that load
_lines: deque[str] = deque(maxlen=_MAX_LINES)
_n_total = 0  # lines ever completed (the buffer keeps the last _MAX_LINES): marks index into it
_partial: list[str] = []
_buffer_lock = threading.Lock()
_fd_lock = threading.Lock()
_callback: Any = None  # the ctypes callback must stay referenced while llama.cpp may call it


def append_text(text: str) -> None:
    """Add text to the buffer (split into lines; a trailing partial line waits for the rest)."""
    global _n_total
    if not text:
        return
    with _buffer_lock:
        _partial.append(text)
        if "\n" in text:
            joined = "".join(_partial)
            *complete, rest = joined.split("\n")
            _lines.extend(complete)
            _n_total += len(complete)
            _partial[:] = [rest] if rest else []


def mark() -> int:
    """A position in the log: ``since(mark())`` later gives only what was logged after it."""
    with _buffer_lock:
        if _partial:  # a dangling partial line belongs to what came before
            _flush_partial()
        return _n_total


def since(position: int) -> list[str]:
    """The lines logged after ``position`` (a ``mark()``), partial last line included."""
    with _buffer_lock:
        kept = max(0, min(len(_lines), _n_total - position))
        lines = list(_lines)[len(_lines) - kept :]
        if _partial:
            lines.append("".join(_partial))
    return lines


def _flush_partial() -> None:
    global _n_total
    _lines.append("".join(_partial))
    _n_total += 1
    _partial.clear()


def full_log_wanted() -> bool:
    """Whether ``$MEDINST_LLAMA_LOG`` asks for llama.cpp's whole log in load errors."""
    return os.environ.get(FULL_LOG_ENV, "").strip().lower() in ("1", "true", "yes", "on")


def install() -> None:
    """Route llama.cpp's log callback into the buffer (idempotent; imports llama_cpp)."""
    global _callback
    if _callback is not None:
        return
    import llama_cpp

    @llama_cpp.llama_log_callback  # type: ignore[untyped-decorator]
    def _on_log(level: int, text: bytes, user_data: ctypes.c_void_p) -> None:
        append_text(text.decode("utf-8", errors="replace"))

    _callback = _on_log
    llama_cpp.llama_log_set(_callback, ctypes.c_void_p(0))


def recent(n: int = 200) -> str:
    """The last ``n`` lines llama.cpp logged (for an error report or a diagnostics panel)."""
    with _buffer_lock:
        lines = list(_lines)[-n:]
        if _partial:
            lines.append("".join(_partial))
    return "\n".join(lines)


def clear() -> None:
    with _buffer_lock:
        _lines.clear()
        _partial.clear()


@contextmanager
def capture_fd2() -> Iterator[None]:
    """Point fd 2 at a temp file for the duration (process-wide, so keep it short: model loads)."""
    with _fd_lock, tempfile.TemporaryFile(mode="w+b") as sink:
        saved = os.dup(2)
        try:
            os.dup2(sink.fileno(), 2)
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            sink.seek(0)
            caught = sink.read().decode("utf-8", errors="replace")
            if caught:
                append_text(caught if caught.endswith("\n") else caught + "\n")
