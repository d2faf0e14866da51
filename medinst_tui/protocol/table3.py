"""The paper's Table 3 with the user's model beside its seven: rows by category in Table 3's order, each
task's headline metric, BLURB-style macro averages (README: "MEDINST32 evaluation").

Scores are on the paper's scale (F1, EM, Rouge-L ×100; MSE as is). The user's value carries its 95% interval
(scoring/intervals.py) and n; a cell of a subset says it is one. Averages are macro: the mean of the task
scores within a category, then the mean of the category means (so NER's 13 tasks count once, as in BLURB).
Each average is over the tasks the user's model scored, for every column alike; STS (MSE, lower is
better, another scale) has its own row and is left out of the overall average.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final, Literal

from medinst_tui import catalog
from medinst_tui.protocol.plan import Medinst32Task, table3_categories, table3_tasks
from medinst_tui.scoring import METRICS, Interval, MetricSummary, headline_for

Setting = Literal["few-shot", "zero-shot"]


@dataclass(frozen=True)
class PaperColumn:
    key: str  # the column of medinst_tui/data/table3.csv
    label: str
    setting: Setting


# Table 3's models: four baselines prompted few-shot, three models fine-tuned on MEDINST run zero-shot.
PAPER_COLUMNS: Final = (
    PaperColumn("LLaMA3_fewshot", "LLaMA3", "few-shot"),
    PaperColumn("BioMistral_fewshot", "BioMistral", "few-shot"),
    PaperColumn("MMedL3-EnIns_fewshot", "MMedL3-EnIns", "few-shot"),
    PaperColumn("GPT-4o_fewshot", "GPT-4o", "few-shot"),
    PaperColumn("LLaMA3-MI32_zeroshot", "LLaMA3-MI32", "zero-shot"),
    PaperColumn("MMedL3-MI32_zeroshot", "MMedL3-MI32", "zero-shot"),
    PaperColumn("LLaMA3-MI_dagger_zeroshot", "LLaMA3-MI†", "zero-shot"),
)


def shown(key: str, value: float) -> float:
    """A value on the paper's scale."""
    return value * 100 if METRICS[key].percent else value


@dataclass(frozen=True)
class UserCell:
    metric: str  # medinst's metric key (the task's stored headline)
    value: float  # the paper's scale
    n: int
    available: int | None  # rows of the test set in the index (None: not known)
    interval: Interval | None  # on medinst's scale (see `bounds`)

    @property
    def subset(self) -> bool:
        return self.available is not None and self.n < self.available

    @property
    def bounds(self) -> tuple[float, float] | None:
        if self.interval is None:
            return None
        return shown(self.metric, self.interval.lower), shown(self.metric, self.interval.upper)

    def n_text(self) -> str:
        """`22`, or `2 of 22 (subset)`."""
        if self.subset:
            return f"{self.n} of {self.available} (subset)"
        return str(self.n)

    def interval_text(self) -> str:
        b = self.bounds
        return "" if b is None else f"{b[0]:.2f}–{b[1]:.2f}"

    def text(self) -> str:
        """`45.20 [38.10–52.00] n=22`, or `... n=2 of 22 (subset)`."""
        ci = self.interval_text()
        return f"{self.value:.2f}" + (f" [{ci}]" if ci else "") + f" n={self.n_text()}"


@dataclass(frozen=True)
class TaskLine:
    task: Medinst32Task
    user: UserCell | None
    paper: dict[str, float]  # column key -> value
    note: str = ""  # why the user's cell is empty

    @property
    def lower_is_better(self) -> bool:
        return self.task.paper_metric.upper().startswith("MSE")


@dataclass(frozen=True)
class Average:
    label: str
    user: float | None
    paper: dict[str, float]
    n_tasks: int  # tasks (or categories) the average is over
    of: int  # of how many there are


@dataclass(frozen=True)
class Group:
    category: str
    lines: tuple[TaskLine, ...]
    average: Average


@dataclass(frozen=True)
class Table3:
    model: str
    setting: Setting
    groups: tuple[Group, ...]
    overall: Average
    notes: tuple[str, ...] = ()

    @property
    def columns(self) -> tuple[PaperColumn, ...]:
        return PAPER_COLUMNS

    @property
    def user_label(self) -> str:
        return f"{self.model} ({self.setting})"


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def build(
    summary: Mapping[str, Mapping[str, MetricSummary]],
    *,
    model: str,
    setting: Setting,
    tasks: Sequence[Medinst32Task] | None = None,
    available: Mapping[str, int] | None = None,
    notes: Sequence[str] = (),
) -> Table3:
    """Table 3 for `tasks` (default all 32) from a run's summary (keyed by the indexed task name, `MedQA`
    or `MedQA-zs`; the task's stored headline, `summary[task].headline`, picks the metric)."""
    chosen = {t.name for t in (tasks or table3_tasks())}
    paper = catalog.paper_results()
    groups: list[Group] = []
    for category in table3_categories():
        lines: list[TaskLine] = []
        for t in table3_tasks():
            if t.category != category or t.name not in chosen:
                continue
            name = t.indexed_name(setting == "zero-shot")
            scores = summary.get(name)
            ref = paper.get(t.name)
            row_paper = {c.key: ref.scores[c.key] for c in PAPER_COLUMNS if ref and c.key in ref.scores}
            n_avail = None if available is None else available.get(name)
            if scores is None:
                note = "not indexed" if n_avail == 0 else "no sample scored"
                lines.append(TaskLine(t, None, row_paper, note))
                continue
            head = getattr(scores, "headline", None)
            key = head.metric if head is not None else headline_for(name).metric
            m = scores.get(key)
            if m is None:
                lines.append(TaskLine(t, None, row_paper, f"no {METRICS[key].label} value"))
                continue
            cell = UserCell(key, shown(key, m.value), m.n, n_avail, m.interval)
            lines.append(TaskLine(t, cell, row_paper))
        if lines:
            groups.append(Group(category, tuple(lines), _average(category, lines)))
    return Table3(model, setting, tuple(groups), _overall(groups), tuple(notes))


def _average(category: str, lines: list[TaskLine]) -> Average:
    scored = [ln for ln in lines if ln.user is not None]
    basis = scored or lines  # no user value: the paper's columns over all of the category's tasks
    paper = {
        c.key: v
        for c in PAPER_COLUMNS
        if (v := _mean([ln.paper[c.key] for ln in basis if c.key in ln.paper])) is not None
    }
    user = _mean([ln.user.value for ln in scored if ln.user is not None])
    return Average(category, user, paper, len(basis) if scored else 0, len(lines))


def _overall(groups: list[Group]) -> Average:
    """The mean of the category means, over the categories the user's model has a value for (all when it
    has none), MSE categories left out."""
    usable = [g for g in groups if not all(ln.lower_is_better for ln in g.lines)]
    with_user = [g for g in usable if g.average.user is not None]
    basis = with_user or usable
    paper = {
        c.key: v
        for c in PAPER_COLUMNS
        if (v := _mean([g.average.paper[c.key] for g in basis if c.key in g.average.paper])) is not None
    }
    user = _mean([g.average.user for g in with_user if g.average.user is not None])
    return Average("Overall", user, paper, len(with_user), len(usable))
