"""Line numbers for the bulk reader: it skips blank lines, so its record number is not always the line.

Counting newlines runs at memory speed (bytes.count, no per-line Python); the blank lines themselves are
only looked for when the count says there are some.
"""

from __future__ import annotations

import re
from pathlib import Path

from medinst_tui.store.records import open_binary

CHUNK = 1 << 24
# A line DuckDB's newline-delimited reader skips: nothing but blanks before its newline.
_BLANK_LINE = re.compile(rb"(?m)^[ \t\r]*\n")
_BLANK = re.compile(rb"[ \t\r]*")


def count_lines(path: Path) -> int:
    """Lines in the file; a last line without a newline counts."""
    n = 0
    last = b"\n"
    with open_binary(path) as fh:
        while chunk := fh.read(CHUNK):
            n += chunk.count(b"\n")
            last = chunk[-1:]
    return n + (last != b"\n")


def blank_lines(path: Path) -> list[int]:
    """1-based numbers of the blank (empty or whitespace-only) lines, in order."""
    found: list[int] = []
    line = 1  # the line the buffer starts on
    carry = b""
    with open_binary(path) as fh:
        while chunk := fh.read(CHUNK):
            buf = carry + chunk
            cut = buf.rfind(b"\n") + 1
            buf, carry = buf[:cut], buf[cut:]
            pos = 0
            for m in _BLANK_LINE.finditer(buf):
                line += buf.count(b"\n", pos, m.start())
                pos = m.start()
                found.append(line)
            line += buf.count(b"\n", pos)
    if carry and _BLANK.fullmatch(carry):
        found.append(line)
    return found


def blank_lines_if_consistent(path: Path, records: int, total: int) -> list[int] | None:
    """The blank lines, when the `records` the bulk reader found are the other lines one for one.

    `total` is count_lines(path). None when they are not (the caller then reads the file line by line).
    """
    if total == records:
        return []
    blanks = blank_lines(path)
    return blanks if total - len(blanks) == records else None
