"""Per-sample results of a run, one row each as they arrive: the headline metric, Rouge-L, tokens, and
errors in place (a cancelled or failed sample keeps its row). Enter or a click opens the sample."""

from __future__ import annotations

from dataclasses import dataclass

from rich.style import Style
from rich.text import Text
from textual.message import Message
from textual.widgets import DataTable

from medinst_tui.runs.compare import headline_metric
from medinst_tui.runs.records import SampleResult, Summary
from medinst_tui.scoring import METRICS, format_value


def status_text(result: SampleResult) -> Text:
    if result.error:
        if result.cancelled:
            return Text("cancelled", Style(color="yellow"))
        return Text(f"error: {result.error}", Style(color="red"))
    notes = [result.finish_reason or ""]
    if result.cached:
        notes.append("cached")
    if result.edited:
        notes.append("edited")
    return Text(" · ".join(n for n in notes if n), Style(dim=True))


def headline_cell(result: SampleResult, summary: Summary | None = None) -> str:
    """The sample's value of its task's headline (as the run's summary stored it, else as its run scores
    it; a corpus metric's per-sample value is the sample scored alone)."""
    key = headline_metric(result.task, summary or {}, example_gold=result.gold)
    if key in result.metrics:
        return f"{METRICS[key].label} {format_value(key, result.metrics[key])}"
    return ""


class ResultsTable(DataTable[str | Text]):
    @dataclass
    class ResultChosen(Message):
        result: SampleResult

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.results: list[SampleResult] = []

    def on_mount(self) -> None:
        for label, key in (
            ("#", "seq"),
            ("task", "task"),
            ("id", "id"),
            ("headline", "headline"),
            ("Rouge-L", "rouge"),
            ("tokens", "tokens"),
            ("status", "status"),
        ):
            self.add_column(label, key=key)

    def add_results(self, results: list[SampleResult], summary: Summary | None = None) -> None:
        for result in results:
            self.results.append(result)
            rouge = result.metrics.get("rougeL")
            self.add_row(
                str(result.seq + 1),
                result.task,
                str(result.sample_id),
                headline_cell(result, summary),
                "" if rouge is None else format_value("rougeL", rouge),
                str(result.completion_tokens),
                status_text(result),
                key=str(len(self.results) - 1),
            )

    def reset(self) -> None:
        self.clear()
        self.results.clear()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.post_message(self.ResultChosen(self.results[int(event.row_key.value)]))
