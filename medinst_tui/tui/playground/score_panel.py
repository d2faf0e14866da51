"""The live score: Rouge-L, token F1 and the task's family metric (the scoring core's numbers, shown as the
paper prints them), plus the entity diff (matched / missed / spurious) or right/wrong for label tasks."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from medinst_tui.scoring import METRICS, format_value
from medinst_tui.scoring.live import LiveScore, SpanDiff
from medinst_tui.tui.css import css_beside

MATCHED = Style(color="green", bold=True)
MISSED = Style(color="yellow", bold=True)
SPURIOUS = Style(color="red", bold=True)
MAX_SPANS = 12
STATE_NOTES = {"live": "live", "final": "final", "partial": "partial answer (cancelled)"}


def _spans(label: str, spans: tuple[str, ...], style: Style) -> Text:
    text = Text.assemble((f"{label} {len(spans)}: ", style))
    shown = spans[:MAX_SPANS]
    for i, span in enumerate(shown):
        if i:
            text.append(" · ", Style(dim=True))
        text.append(span or "∅", style)
    if len(spans) > MAX_SPANS:
        text.append(f" … +{len(spans) - MAX_SPANS}", Style(dim=True))
    return text


def diff_text(diff: SpanDiff) -> Text:
    return Text("\n").join(
        [
            _spans("matched", diff.matched, MATCHED),
            _spans("missed", diff.missed, MISSED),
            _spans("spurious", diff.spurious, SPURIOUS),
        ]
    )


def score_renderable(score: LiveScore, state: str) -> RenderableType:
    table = Table.grid(padding=(0, 2))
    table.add_column(style=Style(dim=True))
    table.add_column(justify="right")
    for key, value in score.scores.items():
        headline = key == score.headline
        table.add_row(
            METRICS[key].label + (" ★" if headline else ""),
            Text(format_value(key, value), Style(bold=headline)),
        )
    parts: list[RenderableType] = [table]
    if score.correct is not None:
        parts.append(
            Text("✓ right", MATCHED) if score.correct else Text("✗ wrong", SPURIOUS),
        )
    if score.diff is not None:
        parts.append(diff_text(score.diff))
    if score.note:
        parts.append(Text(score.note, Style(dim=True)))
    return Group(*parts)


class ScorePanel(Static):
    DEFAULT_CSS = css_beside(__file__)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id)
        self.score: LiveScore | None = None
        self.state = "empty"

    def show(self, score: LiveScore, state: str) -> None:
        """state: live (while streaming), final, partial (a cancelled answer)."""
        self.score = score
        self.state = state
        self.border_subtitle = STATE_NOTES[state]
        self.set_class(state == "live", "-live")
        self.update(score_renderable(score, state))

    def clear(self, note: str = "") -> None:
        self.score = None
        self.state = "empty"
        self.border_subtitle = ""
        self.update(Text(note, Style(dim=True)))
