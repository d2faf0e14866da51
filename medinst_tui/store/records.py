"""The exact reader: every record of a dirty source file parsed and checked in Python.

Only files the bulk reader refuses (or whose values it may have coerced) come here. A bad record costs
itself and nothing else: a JSON Lines file is read line by line, and a JSON array element by element,
resuming at the next element after a broken one, so a truncated file or a trailing comma keeps every
element that parses.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, cast

from medinst_tui.sources.files import SourceFile

FIELDS = ("instruction", "input", "output")
BOM = "\ufeff"
# A lone surrogate cannot be stored (DuckDB and Arrow hold UTF-8): it comes from a "\ud800" escape, or
# from invalid UTF-8 bytes decoded with surrogateescape (arrays).
_SURROGATE = re.compile("[\ud800-\udfff]")
_WS = re.compile(r"[ \t\r\n]*")
HISTORY_RULE = "field 'history' is not a list of [user, assistant] string pairs"


@dataclass(frozen=True)
class Record:
    """One record: `line` is where it starts in the file (what issues cite), `number` what the index
    stores as its line (the line for JSON Lines, the element or row number for arrays and parquet)."""

    line: int | None
    number: int | None
    value: Any
    problem: str | None  # None: parsed (still to check); "": a blank line, skipped silently


def open_binary(path: Path) -> BinaryIO:
    if path.name.endswith(".gz"):
        return cast(BinaryIO, gzip.GzipFile(path, "rb"))
    return open(path, "rb")


def records(item: SourceFile) -> Iterator[Record]:
    if item.fmt == "parquet":
        yield from _parquet_records(item.path)
        return
    try:
        with open_binary(item.path) as fh:
            if item.fmt == "array":
                text = fh.read().decode("utf-8", errors="surrogateescape")
                yield from array_records(text)
                return
            for i, raw in enumerate(fh, 1):
                if i == 1 and raw.startswith(b"\xef\xbb\xbf"):
                    raw = raw[3:]  # a BOM is no part of the first record
                if not raw.strip():
                    yield Record(i, i, None, "")
                    continue
                try:
                    text = raw.decode("utf-8")
                except UnicodeDecodeError:
                    yield Record(i, i, None, "not UTF-8")
                    continue
                try:
                    yield Record(i, i, json.loads(text), None)
                except json.JSONDecodeError as exc:
                    yield Record(i, i, None, f"malformed JSON ({exc.msg} at column {exc.colno})")
    except (OSError, EOFError) as exc:  # truncated gzip, unreadable file
        yield Record(None, None, None, f"cannot read file: {exc}")


class _Lines:
    """Line numbers of increasing offsets into one text, counted incrementally."""

    def __init__(self, text: str):
        self.text, self.pos, self.line = text, 0, 1

    def at(self, pos: int) -> int:
        if pos < self.pos:
            return self.text.count("\n", 0, pos) + 1
        self.line += self.text.count("\n", self.pos, pos)
        self.pos = pos
        return self.line


def array_records(text: str) -> Iterator[Record]:
    """The elements of a JSON array, each with the line it starts on and its element number."""
    text = text.removeprefix(BOM)
    lines = _Lines(text)
    decoder = json.JSONDecoder()
    pos = _WS.match(text, 0).end()  # type: ignore[union-attr]
    if not text.startswith("[", pos):
        yield Record(None, None, None, "top-level JSON value is not an array")
        return
    pos += 1
    n = 0
    while True:
        pos = _WS.match(text, pos).end()  # type: ignore[union-attr]
        if pos >= len(text):
            if n:  # every element before the cut was kept; say the file is cut short
                yield Record(lines.at(pos), None, None, "array not closed (truncated file?)")
            return
        if text[pos] == "]":
            return  # the end, also after a trailing comma (nothing is lost by one)
        if text[pos] == ",":  # an empty slot ("[a,,b]"): no element to lose
            pos += 1
            continue
        n += 1
        start = pos
        try:
            value, pos = decoder.raw_decode(text, start)
        except json.JSONDecodeError as exc:
            where = lines.at(start)
            at = "" if exc.lineno == where else f" on line {exc.lineno}"
            yield Record(where, n, None, f"element {n}: malformed JSON ({exc.msg}{at})")
            resumed = _next_element(decoder, text, start + 1)
            if resumed is None:
                return
            pos = resumed
            continue
        yield Record(lines.at(start), n, value, None)
        pos = _WS.match(text, pos).end()  # type: ignore[union-attr]
        if text.startswith(",", pos):
            pos += 1
        # anything else (a missing comma): the next round parses what follows as the next element


def _next_element(decoder: json.JSONDecoder, text: str, pos: int) -> int | None:
    """Where the next whole object after a broken element starts, or None when none is left."""
    while (pos := text.find("{", pos)) >= 0:
        try:
            value, end = decoder.raw_decode(text, pos)
        except json.JSONDecodeError:
            pos += 1
            continue
        follow = _WS.match(text, end).end()  # type: ignore[union-attr]
        if isinstance(value, dict) and (follow >= len(text) or text[follow] in ",]{"):
            return pos
        pos += 1
    return None


def _parquet_records(path: Path) -> Iterator[Record]:
    import pyarrow.parquet as pq  # lazily: only dirty parquet files need it

    try:
        reader = pq.ParquetFile(path)
        missing = [f for f in FIELDS if f not in reader.schema_arrow.names]
        if missing:
            yield Record(None, None, None, f"parquet file lacks the column(s) {', '.join(missing)}")
            return
        n = 0
        for batch in reader.iter_batches(batch_size=10_000):
            for value in batch.to_pylist():
                n += 1
                yield Record(n, n, value, None)
    except Exception as exc:  # pyarrow raises many kinds for a damaged file
        yield Record(None, None, None, f"unreadable parquet file: {exc}")


def _bad_text(value: str) -> bool:
    return _SURROGATE.search(value) is not None


def check(record: Any) -> str | None:
    """Why a parsed record cannot be indexed, or None. The bulk path applies the same rules in SQL."""
    if not isinstance(record, dict):
        return "not a JSON object"
    for k in FIELDS:
        if k not in record or record[k] is None:
            return f"missing field {k!r}"
        if not isinstance(record[k], str):
            return f"field {k!r} is {type(record[k]).__name__}, not a string"
        if _bad_text(record[k]):
            return f"field {k!r} is not valid Unicode (a lone surrogate escape or invalid UTF-8)"
    history = record.get("history")
    if history is None:  # absent or null: zero-shot, like an empty list
        return None
    if not isinstance(history, list):
        return HISTORY_RULE
    for pair in history:
        if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(t, str) for t in pair)):
            return HISTORY_RULE
        if any(_bad_text(t) for t in pair):
            return "field 'history' is not valid Unicode (a lone surrogate escape or invalid UTF-8)"
    return None
