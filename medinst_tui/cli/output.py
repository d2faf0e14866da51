"""Listing output for people and for scripts: `--format table|tsv|json|markdown` (README: "CLI reference").

A command builds a `Document` (its JSON body and one or more `Section`s of rows) and hands it to `emit`:

- `table` (the default): a rich table. Key columns (task names, run ids, paths) are never cut or wrapped, at
  any width; on a terminal the other columns wrap to fit, and when even that does not fit, the least important
  ones drop out (the note under the table names them). Piped, the table takes its natural width, one line per
  row, so `medinst tasks | grep X` sees every row whole.
- `tsv`: a header of column keys, then one line per row with raw values (fractions, not x100); several
  sections are each preceded by a `# name` line.
- `json`: one object, `{"kind": ..., "format_version": 1, ...}`, documented in the README; NaN is `null`.
- `markdown`: GitHub pipe tables.

A heading (what the numbers are of) goes above a table or markdown, notes (counts, hints) under it; tsv and
json carry nothing but data.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
from collections.abc import Sequence
from typing import Any, Final

from rich.console import Console
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

# The document model lives in the core (the TUI renders the same documents); re-exported for the commands.
from medinst_tui.documents import FORMAT_VERSION as FORMAT_VERSION
from medinst_tui.documents import Column as Column
from medinst_tui.documents import Document as Document
from medinst_tui.documents import Section as Section
from medinst_tui.documents import shown_text as shown_text

FORMATS: Final = ("table", "tsv", "json", "markdown")


def add_format_option(p: argparse.ArgumentParser, *names: str) -> None:
    """`--format` (or the names given: `medinst run` has its own `--format`, the prompt format)."""
    p.add_argument(
        *(names or ("--format",)),
        dest="output_format",
        choices=FORMATS,
        default=None,
        help="table (default), tsv, json or markdown (README: 'CLI reference' documents the JSON)",
    )


def chosen_format(args: argparse.Namespace) -> str:
    return str(getattr(args, "output_format", None) or "table")


# -- values --------------------------------------------------------------------------------------------
def raw_text(value: Any) -> str:
    """A value as tsv writes it: `true`/`false`, empty for None/NaN, lists joined by `,`, no tabs or line
    breaks (written as `\\t`, `\\n`)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "" if not math.isfinite(value) else repr(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, list | tuple):
        return ",".join(raw_text(v) for v in value)
    text = str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


# -- table ---------------------------------------------------------------------------------------------
def _rich_table(section: Section, columns: Sequence[Column], texts: list[list[str]]) -> Table:
    title = Text(section.title) if section.title else None
    caption = Text(section.caption) if section.caption else None
    table = Table(title=title, caption=caption, header_style="bold")
    for i, column in enumerate(columns):
        if column.key_column:
            widest = max([len(column.title), *(len(row[i]) for row in texts)])
            table.add_column(
                column.title, justify=column.justify, style=column.style, no_wrap=True, min_width=widest
            )
        else:
            table.add_column(column.title, justify=column.justify, style=column.style, overflow="fold")
    for row in texts:
        table.add_row(*(Text(cell) for cell in row))  # Text: a task name like `[/bold]x` is not markup
    return table


def fit_columns(section: Section, console: Console) -> tuple[Table, list[Column], int]:
    """The table to print, the columns dropped for a narrow terminal and the width to print it at.

    On a terminal the table gets the terminal's width; a column that is not a key drops out (highest `drop`
    first, then the rightmost) while even wrapping cannot make the table fit. Key columns never shrink:
    when they alone are wider than the terminal, the table is printed wider (the terminal folds the lines,
    nothing is cut). Piped, the table gets its natural width.
    """
    columns = [c for c in section.columns if c.shown]
    texts_of = {c.key: [shown_text(c, row.get(c.key)) for row in section.rows] for c in columns}

    def build(cols: list[Column]) -> tuple[Table, Measurement]:
        texts = [[texts_of[c.key][r] for c in cols] for r in range(len(section.rows))]
        table = _rich_table(section, cols, texts)
        options = console.options.update(max_width=1_000_000)
        return table, Measurement.get(console, options, table)

    table, measure = build(columns)
    if not console.is_terminal:
        return table, [], measure.maximum
    width = console.width
    dropped: list[Column] = []
    while measure.minimum > width:
        candidates = [c for c in columns if not c.key_column]
        if not candidates:
            break
        victim = max(candidates, key=lambda c: (c.drop, columns.index(c)))
        columns.remove(victim)
        dropped.append(victim)
        table, measure = build(columns)
    return table, dropped, max(width, measure.minimum)


def print_table(section: Section, console: Console) -> list[Column]:
    """Print one section as a table; returns the columns that did not fit."""
    table, dropped, width = fit_columns(section, console)
    saved, auto = console.width, console._width  # None: rich reads the terminal's width each time
    console.width = width
    try:
        console.print(table, crop=False)
    finally:
        console._width = auto
    if dropped:
        names = ", ".join(c.title for c in dropped)
        console.print(
            Text(f"(not shown at {saved} columns: {names}; --format tsv or json has every column)", "dim"),
            soft_wrap=True,
        )
    return dropped


# -- tsv and markdown ----------------------------------------------------------------------------------
def tsv_lines(section: Section) -> list[str]:
    cols = [c for c in section.columns if c.tsv]
    lines = ["\t".join(c.key for c in cols)]
    lines += ["\t".join(raw_text(row.get(c.key)) for c in cols) for row in section.rows]
    return lines


def _md_cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\r\n", "<br>").replace("\n", "<br>")


def markdown_lines(section: Section) -> list[str]:
    lines: list[str] = []
    if section.title:
        lines += [f"**{_md_cell(section.title)}**", ""]
    cols = [c for c in section.columns if c.shown]
    lines.append("| " + " | ".join(_md_cell(c.title) for c in cols) + " |")
    rule = {"left": "---", "right": "---:", "center": ":---:"}
    lines.append("|" + "|".join(rule[c.justify] for c in cols) + "|")
    for row in section.rows:
        lines.append("| " + " | ".join(_md_cell(shown_text(c, row.get(c.key))) for c in cols) + " |")
    if section.caption:
        lines += ["", _md_cell(section.caption)]
    return lines


# -- emit ----------------------------------------------------------------------------------------------
def emit(doc: Document, fmt: str, console: Console) -> None:
    """Write `doc` to `console` (stdout) in `fmt`."""
    if fmt == "json":
        text = json.dumps(doc.to_json(), ensure_ascii=False, indent=2, allow_nan=False)
        _plain(console, [text])
        return
    if fmt == "tsv":
        lines: list[str] = []
        for i, section in enumerate(doc.sections):
            if len(doc.sections) > 1:
                lines += ([""] if i else []) + [f"# {section.name}"]
            lines += tsv_lines(section)
        _plain(console, lines)
        return
    if fmt == "markdown":
        lines = [f"**{_md_cell(line)}**  " for line in doc.heading] + ([""] if doc.heading else [])
        for i, section in enumerate(doc.sections):
            lines += ([""] if i else []) + markdown_lines(section)
        if doc.notes:
            lines += ["", *doc.notes]
        _plain(console, lines)
        return
    if fmt != "table":
        raise ValueError(f"unknown output format {fmt!r}")
    for line in doc.heading:
        console.print(Text(line, style="bold"), soft_wrap=True)
    for section in doc.sections:
        print_table(section, console)
    for note in doc.notes:
        console.print(Text(note), soft_wrap=True)


def _plain(console: Console, lines: list[str]) -> None:
    """Lines as they are: rich would expand a tsv's tabs. A closed reader raises BrokenPipeError, which
    cli/main.py turns into a quiet exit."""
    out = console.file
    for line in lines:
        out.write(line + "\n")
    out.flush()
