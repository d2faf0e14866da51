"""One run's error analysis, task by task: the family's breakdown (spans per type, a confusion matrix, the
STS table) and the worst samples by the headline metric.

Only scored samples count (a failed or cancelled sample has no score, as in the run's summary); a sample
recorded twice (a resumed run) counts once, by its last record, as `runs.compare.paired_samples` does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Final

from medinst_tui import catalog
from medinst_tui.analysis.labels import (
    ConfusionMatrix,
    MultiLabelStats,
    bio_confusion,
    cls_confusion,
    multilabel_stats,
)
from medinst_tui.analysis.spans import SpanAnalysis, span_analysis
from medinst_tui.analysis.sts import StsTable, sts_table
from medinst_tui.runs.records import SampleResult
from medinst_tui.scoring import HEADLINE_METRIC, METRICS, Family, Scorer

WORST: Final = 10


def scored_results(results: Iterable[SampleResult]) -> list[SampleResult]:
    """The scored samples, each once (its last record), in the order of those records."""
    last: dict[tuple[str, int], SampleResult] = {}
    for r in results:
        key = (r.task, r.sample_id)
        last.pop(key, None)  # keep the position of the last record
        last[key] = r
    return [r for r in last.values() if r.error is None]


@lru_cache(maxsize=4096)
def _rescored(family: Family, prediction: str, gold: str) -> dict[str, float]:
    return Scorer(family, intervals=False).add(prediction, gold)


def per_sample_value(r: SampleResult, family: Family, metric: str) -> float:
    """A sample's stored score for `metric`; a record without it (imported without scores) is scored now."""
    stored = r.metrics.get(metric)
    if stored is None and metric == "rougeL_unicode":
        stored = r.metrics.get("rougeL")  # stored only when it differs: for ASCII pairs it is Rouge-L
    if stored is not None:
        return float(stored)
    fresh = _rescored(family, r.prediction, r.gold)
    return float(fresh.get(metric, fresh.get("rougeL", 0.0) if metric == "rougeL_unicode" else 0.0))


@dataclass(frozen=True)
class SampleScore:
    sample_id: int
    value: float
    prediction: str
    gold: str

    def to_json(self) -> dict[str, Any]:
        return {"id": self.sample_id, "value": self.value, "prediction": self.prediction, "gold": self.gold}


@dataclass
class TaskAnalysis:
    task: str
    family: Family
    category: str
    headline: str
    n: int  # scored samples
    n_not_scored: int  # failed or cancelled
    mean: float  # the headline's mean per-sample score (for cls / bio: each sample scored alone)
    value: float = 0.0  # the headline as the run reports it (cls / bio: the corpus macro-F1)
    spans: SpanAnalysis | None = None
    confusion: ConfusionMatrix | None = None
    multilabel: MultiLabelStats | None = None
    sts: StsTable | None = None
    worst: list[SampleScore] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "task": self.task,
            "family": self.family,
            "category": self.category,
            "headline": self.headline,
            "n": self.n,
            "n_not_scored": self.n_not_scored,
            "headline_value": self.value,
            "headline_mean_per_sample": self.mean,
            "spans": self.spans.to_json() if self.spans else None,
            "confusion": self.confusion.to_json() if self.confusion else None,
            "multilabel": self.multilabel.to_json() if self.multilabel else None,
            "sts": self.sts.to_json() if self.sts else None,
            "worst": [w.to_json() for w in self.worst],
        }


def analyze_task(
    task: str,
    family: Family,
    results: Sequence[SampleResult],
    *,
    category: str | None = None,
    worst: int = WORST,
) -> TaskAnalysis:
    """The analysis of one task's results (failed ones included: they are counted, not analysed)."""
    category = category or catalog.category_of(task)
    scored = scored_results(results)
    distinct = {r.sample_id for r in results}
    headline = HEADLINE_METRIC[family]
    values = [per_sample_value(r, family, headline) for r in scored]
    out = TaskAnalysis(
        task,
        family,
        category,
        headline,
        len(scored),
        len(distinct) - len(scored),
        sum(values) / len(values) if values else 0.0,
    )
    triples = [(r.sample_id, r.prediction, r.gold) for r in scored]
    if family == "entity":
        out.spans = span_analysis(triples, category)
    elif family == "cls":
        out.confusion = cls_confusion(triples)
    elif family == "bio":
        out.confusion = bio_confusion(triples)
    elif family == "multicls":
        out.multilabel = multilabel_stats(triples)
    elif family == "mse":
        out.sts = sts_table(triples)
    out.value = out.confusion.macro_f1 if out.confusion is not None else out.mean
    sign = 1.0 if METRICS[headline].higher_is_better else -1.0
    ranked = sorted(zip(values, scored, strict=True), key=lambda vr: (sign * vr[0], vr[1].sample_id))
    out.worst = [SampleScore(r.sample_id, v, r.prediction, r.gold) for v, r in ranked[:worst]]
    return out


def analyze_run(
    results: Sequence[SampleResult],
    family_of: Callable[[str], Family],
    *,
    tasks: Sequence[str] | None = None,
    worst: int = WORST,
) -> list[TaskAnalysis]:
    """Every task of a run in the order it first appears (or `tasks`)."""
    names = list(tasks) if tasks is not None else list(dict.fromkeys(r.task for r in results))
    by_task: dict[str, list[SampleResult]] = {name: [] for name in names}
    for r in results:
        if r.task in by_task:
            by_task[r.task].append(r)
    return [analyze_task(name, family_of(name), by_task[name], worst=worst) for name in names]
