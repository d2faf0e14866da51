"""Documents: what a listing or a report holds, as rows under named columns, apart from how it is shown.

A command builds a `Document` (its JSON body and one or more `Section`s of rows); the CLI prints it as a
table, tsv, JSON or Markdown (cli/output.py, README: "CLI reference") and the TUI shows the same document
in its own tables (the run analysis and comparison screens), so both front ends say the same thing.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal

FORMAT_VERSION: Final = 1  # bumped when a field of a JSON document changes meaning or goes away

Justify = Literal["left", "right", "center"]


@dataclass(frozen=True)
class Column:
    """One column of a section: `key` names the row field (and the tsv header / JSON key)."""

    key: str
    header: str | None = None  # the table heading (default: the key)
    key_column: bool = False  # never cut, never wrapped
    # Which columns drop out first on a narrow terminal: the highest number first (key columns never do).
    drop: int = 1
    justify: Justify = "left"
    style: str | None = None
    fmt: Callable[[Any], str] | None = None  # table and markdown text of a value (tsv keeps it raw)
    shown: bool = True  # in the table and markdown
    tsv: bool = True  # in tsv (a column made for reading, such as "indexed / paper", is not)

    @property
    def title(self) -> str:
        return self.header if self.header is not None else self.key


@dataclass
class Section:
    name: str
    columns: list[Column]
    rows: list[dict[str, Any]]
    title: str | None = None
    caption: str | None = None


@dataclass
class Document:
    kind: str
    data: dict[str, Any]
    sections: list[Section] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    heading: list[str] = field(default_factory=list)  # lines above the tables (what the numbers are of)

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "format_version": FORMAT_VERSION, **jsonable(self.data)}


def jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def shown_text(column: Column, value: Any) -> str:
    if column.fmt is not None:
        return column.fmt(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "✓" if value else ""
    if isinstance(value, float):
        return "" if not math.isfinite(value) else f"{value:.4g}"
    if isinstance(value, dt.datetime):
        return f"{value:%Y-%m-%d %H:%M}"
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)
