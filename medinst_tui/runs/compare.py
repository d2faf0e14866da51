"""Two runs side by side: per task and metric deltas, the samples both scored, the paper's reference rows.

Headless (the TUI's compare screen and any CLI use it): pure functions over stored summaries and results.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from medinst_tui import catalog
from medinst_tui.runs.records import SampleResult, Summary, TaskSummary
from medinst_tui.scoring import METRICS, MetricSummary, format_brief, headline_for

# The paper's Table 3 columns shown as reference rows (few-shot baselines, like `medinst run`'s summary).
PAPER_COLUMNS = ("LLaMA3_fewshot", "GPT-4o_fewshot")


def headline_metric(task: str, *summaries: Summary, example_gold: str | None = None) -> str:
    """A task's headline metric as the first of `summaries` that holds the task stored it (what its run
    was scored with), else as a run would score it now (scoring/headline.py)."""
    for summary in summaries:
        if task in summary:
            return summary[task].headline.metric
    return headline_for(task, example_gold=example_gold).metric


def format_headline(task: str, scores: TaskSummary) -> str:
    """A task's stored headline score with its interval and n: `BC2GM BIO Label-F1 12.50 (0.00–49.01, n=4)`
    (the runs lists of the CLI and the TUI)."""
    m = scores.main
    label = f"{task} {METRICS[scores.headline.metric].label}"
    return f"{label} –" if m is None else f"{label} {format_brief(m)}"


@dataclass(frozen=True)
class MetricDelta:
    task: str
    metric: str
    a: MetricSummary | None
    b: MetricSummary | None

    @property
    def delta(self) -> float | None:
        """B minus A (None when one run lacks the metric)."""
        if self.a is None or self.b is None:
            return None
        return self.b.value - self.a.value

    @property
    def improved(self) -> bool | None:
        """Whether B is better than A for this metric (None: equal or not comparable)."""
        d = self.delta
        if d is None or d == 0:
            return None
        return (d > 0) == METRICS[self.metric].higher_is_better


def compare_summaries(a: Summary, b: Summary) -> list[MetricDelta]:
    """Every (task, metric) of either run: A's task order first, then B's extra tasks; metrics in the
    scorer's order."""
    tasks = list(a) + [t for t in b if t not in a]
    out: list[MetricDelta] = []
    for task in tasks:
        ma: Mapping[str, MetricSummary] = a.get(task, {})
        mb: Mapping[str, MetricSummary] = b.get(task, {})
        keys = list(ma) + [k for k in mb if k not in ma]
        out += [MetricDelta(task, key, ma.get(key), mb.get(key)) for key in keys]
    return out


@dataclass(frozen=True)
class PairedSample:
    """One sample both runs answered (same task and sample id)."""

    task: str
    sample_id: int
    a: SampleResult
    b: SampleResult

    @property
    def gold(self) -> str:
        return self.a.gold

    def metric(self, key: str) -> tuple[float | None, float | None]:
        return self.a.metrics.get(key), self.b.metrics.get(key)


def paired_samples(a: list[SampleResult], b: list[SampleResult]) -> list[PairedSample]:
    """The samples present in both runs, in A's order (a sample repeated in a run counts once: its last)."""
    by_key = {(r.task, r.sample_id): r for r in b}
    seen: set[tuple[str, int]] = set()
    out: list[PairedSample] = []
    for r in reversed(a):
        key = (r.task, r.sample_id)
        if key in seen or key not in by_key:
            continue
        seen.add(key)
        out.append(PairedSample(r.task, r.sample_id, r, by_key[key]))
    out.reverse()
    return out


@dataclass(frozen=True)
class PaperReference:
    task: str
    metric: str  # the paper's label, e.g. "Entity-F1"
    scores: tuple[tuple[str, float], ...]  # (column, value x100)


def paper_reference(task: str, columns: tuple[str, ...] = PAPER_COLUMNS) -> PaperReference | None:
    """The paper's Table 3 figures for a MEDINST32 task (None for other tasks)."""
    ref = catalog.paper_results().get(catalog.base_task(task))
    if ref is None:
        return None
    return PaperReference(task, ref.metric, tuple((c, ref.scores[c]) for c in columns if c in ref.scores))
