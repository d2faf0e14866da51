"""Table 3 (protocol/table3.py) as a terminal table, Markdown, CSV, LaTeX and a Document (the TUI): the same
rows, columns and notes in each."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from rich.markup import escape
from rich.table import Table

from medinst_tui.documents import Column, Document, Section
from medinst_tui.protocol.table3 import Average, PaperColumn, Table3, TaskLine

EMPTY = "—"


def _paper(v: float | None) -> str:
    return EMPTY if v is None else f"{v:.2f}"


def _avg_label(a: Average) -> str:
    """`avg 2/3` (over the 2 of 3 tasks scored), `avg (paper, 3)` when none was."""
    if a.n_tasks == 0:
        return f"avg (paper, {a.of})"
    return f"avg {a.n_tasks}/{a.of}"


def _header(t: Table3) -> list[str]:
    return [
        "Category",
        "Task",
        "Metric",
        *(c.label for c in t.columns),
        t.user_label,
        "95% interval",
        "n",
    ]


N_FIXED = 3  # Category, Task, Metric: left-aligned; the rest are numbers


def _user_cells(line: TaskLine) -> list[str]:
    u = line.user
    if u is None:
        return [EMPTY, "", line.note]
    return [f"{u.value:.2f}", u.interval_text(), u.n_text()]


def _rows(t: Table3) -> Iterator[tuple[str, list[str]]]:
    """("task" | "average" | "overall", cells): each group's tasks, then its average; the overall last."""
    cols: tuple[PaperColumn, ...] = t.columns
    for g in t.groups:
        for i, ln in enumerate(g.lines):
            yield (
                "task",
                [
                    g.category if i == 0 else "",
                    ln.task.name,
                    ln.task.paper_metric,
                    *(_paper(ln.paper.get(c.key)) for c in cols),
                    *_user_cells(ln),
                ],
            )
        a = g.average
        user = EMPTY if a.user is None else f"{a.user:.2f}"
        yield "average", ["", _avg_label(a), "", *(_paper(a.paper.get(c.key)) for c in cols), user, "", ""]
    o = t.overall
    user = EMPTY if o.user is None else f"{o.user:.2f}"
    cells = [
        "Overall",
        "macro avg",
        _avg_label(o).removeprefix("avg ") + " categories",
        *(_paper(o.paper.get(c.key)) for c in cols),
        user,
        "",
        "",
    ]
    yield "overall", cells


def interval_note(t: Table3) -> str | None:
    """How the intervals in the table were made (each cell's method is in the CSV)."""
    used = {
        ln.user.interval.label
        for g in t.groups
        for ln in g.lines
        if ln.user is not None and ln.user.interval is not None
    }
    if not used:
        return None
    return f"95% intervals, by method: {', '.join(sorted(used))} (scoring/intervals.py; README: Intervals)."


def notes(t: Table3) -> list[str]:
    cols = t.columns
    few = ", ".join(c.label for c in cols if c.setting == "few-shot")
    zero = ", ".join(c.label for c in cols if c.setting == "zero-shot")
    intervals = interval_note(t)
    return [
        f"{t.user_label}: compare with the paper's {t.setting} columns. The paper's few-shot models: {few}; "
        f"its zero-shot models (fine-tuned on MEDINST): {zero}.",
        "Scores ×100 except MSE (lower is better); the paper's figures are from its Table 3. "
        "Averages (BLURB-style macro): mean of the task scores per category, then of the category means, "
        "over the tasks your model scored (avg k/N), for every column alike; STS's MSE is left out of the "
        "overall average.",
        *([intervals] if intervals else []),
        *t.notes,
    ]


# -- terminal ------------------------------------------------------------------------------------------------
_TERMINAL_SHORT = {"MSE(lower=better)": "MSE ↓"}  # Table 3's label; the notes say lower is better


def rich_table(t: Table3) -> Table:
    """The terminal's layout: your score with its interval under it, task names never cut."""
    from rich import box

    table = Table(
        title=f"MEDINST32 · Table 3 · {escape(t.user_label)}",
        header_style="bold",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    header = _header(t)
    user_col = N_FIXED + len(t.columns)
    longest = max((len(ln.task.name) for g in t.groups for ln in g.lines), default=4)
    for i, name in enumerate(header[: user_col + 1]):
        table.add_column(
            escape(name),
            justify="left" if i < N_FIXED else "right",
            style="bold green" if i == user_col else None,
            no_wrap=i in (0, 1),
            min_width=longest if i == 1 else None,
        )
    table.add_column("n", justify="left")
    for kind, cells in _rows(t):
        if kind == "task" and cells[0] and table.rows:
            table.add_section()
        if kind == "overall":
            table.add_section()
        shown = [escape(_TERMINAL_SHORT.get(c, c)) for c in cells]
        shown[2] = shown[2].replace(" categories", " cat.")
        score = shown[user_col] + (f"\n[dim]{shown[user_col + 1]}[/]" if cells[user_col + 1] else "")
        row = [*shown[:user_col], score, shown[user_col + 2]]
        table.add_row(*(f"[italic]{c}[/]" if kind != "task" and c else c for c in row))
    return table


# -- Markdown ------------------------------------------------------------------------------------------------
def _md(text: str) -> str:
    return text.replace("|", "\\|")


def to_markdown(t: Table3) -> str:
    header = _header(t)
    out = [f"# MEDINST32 · Table 3 · {_md(t.user_label)}", ""]
    out.append("| " + " | ".join(_md(h) for h in header) + " |")
    out.append("|" + "|".join(":--" if i < N_FIXED else "--:" for i in range(len(header))) + "|")
    for kind, cells in _rows(t):
        if kind == "task":
            shown = [f"**{_md(cells[0])}**" if cells[0] else "", *(_md(c) for c in cells[1:])]
        else:
            shown = [f"*{_md(c)}*" if c else "" for c in cells]
        out.append("| " + " | ".join(shown) + " |")
    out.append("")
    out += [f"- {_md(n)}" for n in notes(t)]
    return "\n".join(out) + "\n"


# -- CSV -----------------------------------------------------------------------------------------------------
CSV_FIELDS = (
    "category",
    "task",
    "row",
    "paper_metric",
    "metric",
    "model",
    "setting",
    "value",
    "lower",
    "upper",
    "interval",
    "n",
    "available",
    "subset",
    "note",
)


def to_csv(t: Table3) -> str:
    """One line per task and per average; the paper's columns by their table3.csv names."""
    buf = io.StringIO()
    cols = [c.key for c in t.columns]
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([*CSV_FIELDS[:5], *cols, *CSV_FIELDS[5:]])
    for g in t.groups:
        for ln in g.lines:
            u = ln.user
            b = u.bounds if u else None
            writer.writerow(
                [
                    g.category,
                    ln.task.name,
                    "task",
                    ln.task.paper_metric,
                    u.metric if u else "",
                    *(_csv_num(ln.paper.get(c)) for c in cols),
                    t.model,
                    t.setting,
                    _csv_num(u.value if u else None),
                    _csv_num(b[0] if b else None),
                    _csv_num(b[1] if b else None),
                    u.interval.method if u and u.interval else "",
                    u.n if u else "",
                    "" if u is None or u.available is None else u.available,
                    "" if u is None else str(u.subset).lower(),
                    ln.note,
                ]
            )
        writer.writerow(_csv_average(g.category, "category average", g.average, cols, t))
    writer.writerow(_csv_average("", "overall macro average (STS left out)", t.overall, cols, t))
    return buf.getvalue()


def _csv_num(v: float | None) -> str:
    return "" if v is None else f"{v:.4f}"


def _csv_average(category: str, row: str, a: Average, cols: list[str], t: Table3) -> list[object]:
    note = f"over {a.n_tasks} of {a.of}" if a.n_tasks else f"paper only, over all {a.of}"
    return [
        category,
        "",
        row,
        "",
        "",
        *(_csv_num(a.paper.get(c)) for c in cols),
        t.model,
        t.setting,
        _csv_num(a.user),
        "",
        "",
        "",
        "",
        "",
        "",
        note,
    ]


# -- LaTeX ---------------------------------------------------------------------------------------------------
_TEX = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "†": r"$^\dagger$",
    "—": "--",
    "–": "--",
    "×": r"$\times$",
}


def tex(text: str) -> str:
    return "".join(_TEX.get(ch, ch) for ch in text)


def to_latex(t: Table3) -> str:
    """A booktabs table (needs `\\usepackage{booktabs}`), Table 3's column groups over the paper's models."""
    cols = t.columns
    few = sum(1 for c in cols if c.setting == "few-shot")
    zero = len(cols) - few
    header = _header(t)
    out = [
        "% MEDINST32 Table 3 with " + tex(t.user_label) + ", written by medinst eval",
        r"\begin{tabular}{lll" + "r" * (len(cols) + 1) + "ll}",
        r"\toprule",
        rf" & & & \multicolumn{{{few}}}{{c}}{{Few-shot}} & \multicolumn{{{zero}}}{{c}}{{Zero-shot}} & & & \\",
        " & ".join(tex(h) for h in header) + r" \\",
    ]
    for kind, cells in _rows(t):
        if kind == "overall" or (kind == "task" and cells[0]):
            out.append(r"\midrule")
        if kind == "task":
            out.append(" & ".join(tex(c) for c in cells) + r" \\")
        else:
            out.append(" & ".join(rf"\textit{{{tex(c)}}}" if c else "" for c in cells) + r" \\")
    out += [r"\bottomrule", r"\end{tabular}", ""]
    out += ["% " + tex(n) for n in notes(t)]
    return "\n".join(out) + "\n"


# -- a Document (the TUI's runs screen) ----------------------------------------------------------------------
def to_document(t: Table3) -> Document:
    """The same rows, columns and notes as a `Document` (medinst_tui/documents.py): what the TUI shows."""
    header = _header(t)
    keys = [f"c{i}" for i in range(len(header))]
    user_col = N_FIXED + len(t.columns)
    columns = [
        Column(
            key,
            _TERMINAL_SHORT.get(name, name),
            key_column=i == 1,
            justify="left" if i < N_FIXED or i > user_col + 1 else "right",
            style="bold green" if i == user_col else None,
        )
        for i, (key, name) in enumerate(zip(keys, header, strict=True))
    ]
    rows = []
    for kind, cells in _rows(t):
        shown = [_TERMINAL_SHORT.get(c, c) for c in cells]
        rows.append({"kind": kind, **dict(zip(keys, shown, strict=True))})
    section = Section("table3", columns, rows, title=f"MEDINST32 · Table 3 · {t.user_label}")
    heading = [f"{t.user_label} beside the paper's seven models, in Table 3's layout"]
    return Document("table3", {"model": t.model, "setting": t.setting}, [section], notes(t), heading)
