"""Run A vs run B, task by task, over the samples both scored (README: "Error analysis").

For every metric of a task: A's and B's values on the paired samples, B - A with its paired bootstrap 95%
interval, and a paired test with its p-value (McNemar's exact test for a 0/1 metric, a paired permutation
test for the rest); the samples that flipped between right and wrong, and the biggest per-sample drops of
the headline metric. A sample is "right" when its headline per-sample score is the best possible (EM 1,
the label or every tag right, every span right, squared error 0); translation and summaries have no right.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from medinst_tui.analysis import paired
from medinst_tui.analysis.report import per_sample_value, scored_results
from medinst_tui.runs.records import SampleResult
from medinst_tui.scoring import HEADLINE_METRIC, METRICS, Family
from medinst_tui.scoring.families import align_bio, bio_tags
from medinst_tui.scoring.squad import normalize_answer

TOP: Final = 10
_NO_RIGHT: Final = ("translation", "none")


def family_metrics(family: Family, non_ascii: bool) -> list[str]:
    """The metrics the scorer reports for a family, in its order."""
    keys = ["rougeL", "token_f1"]
    if family == "translation":
        keys += ["bleu", "chrf"]
    elif family != "none":
        keys.append(HEADLINE_METRIC[family])
    if non_ascii:
        keys.append("rougeL_unicode")
    return keys


@dataclass(frozen=True)
class MetricComparison:
    metric: str
    a: float
    b: float
    lower: float | None  # the 95% interval of B - A
    upper: float | None
    test: str  # "mcnemar-exact" | "permutation"
    p_value: float
    discordant: tuple[int, int] | None = None  # McNemar's (b, c): A right only, B right only

    @property
    def delta(self) -> float:
        return self.b - self.a

    @property
    def improved(self) -> bool | None:
        """B better than A (None when equal)."""
        if self.delta == 0:
            return None
        return (self.delta > 0) == METRICS[self.metric].higher_is_better

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "metric": self.metric,
            "label": METRICS[self.metric].label,
            "higher_is_better": METRICS[self.metric].higher_is_better,
            "a": self.a,
            "b": self.b,
            "delta": self.delta,
            "lower": self.lower,
            "upper": self.upper,
            "test": self.test,
            "p_value": self.p_value,
        }
        if self.discordant is not None:
            out["a_right_only"], out["b_right_only"] = self.discordant
        return out


@dataclass(frozen=True)
class Flip:
    sample_id: int
    a: float
    b: float
    prediction_a: str
    prediction_b: str
    gold: str

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.sample_id,
            "a": self.a,
            "b": self.b,
            "delta": self.b - self.a,
            "prediction_a": self.prediction_a,
            "prediction_b": self.prediction_b,
            "gold": self.gold,
        }


@dataclass
class TaskComparison:
    task: str
    family: Family
    headline: str
    n_paired: int
    only_a: int  # scored by A only
    only_b: int
    not_scored: int  # in both runs, but failed in one or both
    metrics: list[MetricComparison] = field(default_factory=list)
    right_to_wrong: list[Flip] = field(default_factory=list)
    wrong_to_right: list[Flip] = field(default_factory=list)
    drops: list[Flip] = field(
        default_factory=list
    )  # the biggest per-sample drops of the headline, worst first

    def to_json(self) -> dict[str, Any]:
        return {
            "task": self.task,
            "family": self.family,
            "headline": self.headline,
            "n_paired": self.n_paired,
            "only_a": self.only_a,
            "only_b": self.only_b,
            "not_scored": self.not_scored,
            "metrics": [m.to_json() for m in self.metrics],
            "n_right_to_wrong": len(self.right_to_wrong),
            "n_wrong_to_right": len(self.wrong_to_right),
            "right_to_wrong": [f.to_json() for f in self.right_to_wrong],
            "wrong_to_right": [f.to_json() for f in self.wrong_to_right],
            "drops": [f.to_json() for f in self.drops],
        }


def is_right(family: Family, headline: str, value: float) -> bool | None:
    if family in _NO_RIGHT:
        return None
    if METRICS[headline].higher_is_better:
        return value >= 1.0 - 1e-9
    return value <= 1e-9


def _labels(family: Family, r: SampleResult) -> tuple[list[str], list[str]]:
    if family == "cls":
        return [normalize_answer(r.gold)], [normalize_answer(r.prediction)]
    gold = bio_tags(r.gold)
    return gold, align_bio(gold, bio_tags(r.prediction))


def compare_task(
    task: str,
    family: Family,
    a: Sequence[SampleResult],
    b: Sequence[SampleResult],
    *,
    seed: int,
    resamples: int = paired.RESAMPLES,
    top: int = TOP,
) -> TaskComparison:
    """One task's comparison (`a` and `b`: that task's results of each run, any order, failures included)."""
    scored_a = {r.sample_id: r for r in scored_results(a)}
    scored_b = {r.sample_id: r for r in scored_results(b)}
    ids_a, ids_b = {r.sample_id for r in a}, {r.sample_id for r in b}
    keys = [i for i in scored_a if i in scored_b]
    pairs = [(scored_a[i], scored_b[i]) for i in keys]
    headline = HEADLINE_METRIC[family]
    out = TaskComparison(
        task,
        family,
        headline,
        len(pairs),
        only_a=len(ids_a - ids_b),
        only_b=len(ids_b - ids_a),
        not_scored=len(ids_a & ids_b) - len(pairs),
    )
    if not pairs:
        return out
    non_ascii = any(not (r.prediction + r.gold).isascii() for pair in pairs for r in pair)
    for metric in family_metrics(family, non_ascii):
        out.metrics.append(_compare_metric(task, family, metric, pairs, seed, resamples))

    flips: list[Flip] = []
    for ra, rb in pairs:
        va, vb = per_sample_value(ra, family, headline), per_sample_value(rb, family, headline)
        flips.append(Flip(ra.sample_id, va, vb, ra.prediction, rb.prediction, ra.gold))
    sign = 1.0 if METRICS[headline].higher_is_better else -1.0
    for f in flips:
        right_a, right_b = is_right(family, headline, f.a), is_right(family, headline, f.b)
        if right_a and right_b is False:
            out.right_to_wrong.append(f)
        elif right_a is False and right_b:
            out.wrong_to_right.append(f)
    worse = sorted(
        (f for f in flips if sign * (f.b - f.a) < 0), key=lambda f: (sign * (f.b - f.a), f.sample_id)
    )
    out.drops = worse[:top]
    return out


def _compare_metric(
    task: str,
    family: Family,
    metric: str,
    pairs: list[tuple[SampleResult, SampleResult]],
    seed: int,
    resamples: int,
) -> MetricComparison:
    info = METRICS[metric]
    stat: paired.PairedStatistic
    if metric in ("cls_f1", "bio_f1"):
        stat = paired.label_statistic(
            [_labels(family, a) for a, _ in pairs], [_labels(family, b) for _, b in pairs]
        )
    elif metric in ("bleu", "chrf"):
        stat = paired.translation_statistic(
            metric, [(a.prediction, a.gold) for a, _ in pairs], [(b.prediction, b.gold) for _, b in pairs]
        )
    else:
        stat = paired.mean_statistic(
            [per_sample_value(a, family, metric) for a, _ in pairs],
            [per_sample_value(b, family, metric) for _, b in pairs],
        )
    a_value, b_value = stat.observed()
    lower, upper = paired.bootstrap_difference(stat, paired.rng_for(seed, task, paired.BOOTSTRAP), resamples)
    if info.interval == "wilson":  # a 0/1 metric
        a_right = [per_sample_value(a, family, metric) >= 0.5 for a, _ in pairs]
        b_right = [per_sample_value(b, family, metric) >= 0.5 for _, b in pairs]
        only_a = sum(x and not y for x, y in zip(a_right, b_right, strict=True))
        only_b = sum(y and not x for x, y in zip(a_right, b_right, strict=True))
        p = paired.mcnemar_exact(only_a, only_b)
        return MetricComparison(metric, a_value, b_value, lower, upper, "mcnemar-exact", p, (only_a, only_b))
    p = paired.permutation_p_value(stat, paired.rng_for(seed, task, paired.PERMUTATION), resamples)
    return MetricComparison(metric, a_value, b_value, lower, upper, "permutation", p)


def compare_runs(
    a: Sequence[SampleResult],
    b: Sequence[SampleResult],
    family_of: Callable[[str], Family],
    *,
    tasks: Sequence[str] | None = None,
    seed: int,
    resamples: int = paired.RESAMPLES,
    top: int = TOP,
) -> list[TaskComparison]:
    """Every task both runs hold (A's order), or `tasks`."""
    in_b = {r.task for r in b}
    names = list(tasks) if tasks is not None else list(dict.fromkeys(r.task for r in a if r.task in in_b))
    out = []
    for task in names:
        ta = [r for r in a if r.task == task]
        tb = [r for r in b if r.task == task]
        out.append(compare_task(task, family_of(task), ta, tb, seed=seed, resamples=resamples, top=top))
    return out
