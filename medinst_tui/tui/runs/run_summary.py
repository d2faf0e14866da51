"""A run's scores per task and metric: value, 95% interval with n and how it was made, and the paper's
Table 3 figures for MEDINST32 tasks beside the headline metric (as the run's summary stored it, ★); the
batch screen's running aggregates, the runs screen."""

from __future__ import annotations

from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from medinst_tui.runs.compare import paper_reference
from medinst_tui.runs.records import Summary
from medinst_tui.scoring import METRICS, format_interval, format_value
from medinst_tui.tui.css import css_beside


def paper_label(column: str) -> str:
    return column.replace("_fewshot", " few-shot").replace("_zeroshot", " zero-shot")


def summary_table(summary: Summary, *, paper: bool = True) -> Table:
    table = Table(expand=True, box=None, padding=(0, 1), header_style=Style(bold=True))
    table.add_column("task", no_wrap=True, overflow="ellipsis")
    table.add_column("metric", no_wrap=True)
    table.add_column("score", justify="right")
    table.add_column("95% interval", style=Style(dim=True), no_wrap=True)
    if paper:
        table.add_column("paper Table 3", ratio=1)
    for task, metrics in summary.items():
        ref = paper_reference(task) if paper else None
        headline = metrics.headline.metric
        for i, (key, m) in enumerate(metrics.items()):
            row: list[str | Text] = [
                task if i == 0 else "",
                Text(METRICS[key].label + (" ★" if key == headline else ""), Style(bold=key == headline)),
                Text(format_value(key, m.value), Style(bold=key == headline)),
                format_interval(m),
            ]
            if paper:
                ref_text = ""
                if ref is not None and key == headline and ref.scores:
                    values = ", ".join(f"{paper_label(c)} {v:.2f}" for c, v in ref.scores)
                    ref_text = f"{ref.metric}: {values}"
                row.append(Text(ref_text, Style(color="cyan")))
            table.add_row(*row)
    return table


class SummaryView(Static):
    DEFAULT_CSS = css_beside(__file__)

    def __init__(self, *, paper: bool = True, id: str | None = None) -> None:
        super().__init__("", id=id)
        self.paper = paper
        self.summary: Summary = {}

    def show(self, summary: Summary) -> None:
        self.summary = summary
        if not summary:
            self.update(Text("no scored samples yet", Style(dim=True)))
            return
        self.update(summary_table(summary, paper=self.paper))
