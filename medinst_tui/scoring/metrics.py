"""Metric keys, their direction and display, and the summary record the scorer returns.

Scores are kept on a 0..1 scale (MSE on its own 0..25 scale); the paper prints F-like
scores ×100, which :func:`format_value` does for display.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from medinst_tui.scoring.intervals import Z_95, Interval

IntervalKind = Literal["wilson", "bootstrap", "none"]


@dataclass(frozen=True, slots=True)
class MetricInfo:
    key: str
    label: str
    higher_is_better: bool
    # Shown ×100 (a fraction) or as is.
    percent: bool
    lower: float
    upper: float
    # Mean of per-sample values, or a corpus statistic (its per-sample value is that sample scored alone).
    per_sample: bool
    # How its 95% interval is made (scoring/intervals.py): Wilson for a per-sample 0/1 metric, a seeded
    # bootstrap for means of bounded scores and corpus macro-F1; none for BLEU/chrF (sacrebleu's corpus
    # statistics are not resampled).
    interval: IntervalKind = "bootstrap"


METRICS: Final[dict[str, MetricInfo]] = {
    info.key: info
    for info in (
        MetricInfo("rougeL", "Rouge-L", True, True, 0.0, 1.0, True),
        MetricInfo("token_f1", "Token-F1", True, True, 0.0, 1.0, True),
        MetricInfo("entity_f1", "Entity-F1", True, True, 0.0, 1.0, True),
        MetricInfo("multicls_f1", "Multi-label F1", True, True, 0.0, 1.0, True),
        MetricInfo("bio_f1", "BIO Label-F1", True, True, 0.0, 1.0, False),
        MetricInfo("cls_f1", "Label-F1", True, True, 0.0, 1.0, False),
        MetricInfo("em", "EM", True, True, 0.0, 1.0, True, "wilson"),
        MetricInfo("mse", "MSE", False, False, 0.0, 25.0, True),
        MetricInfo("bleu", "BLEU", True, True, 0.0, 1.0, False, "none"),
        MetricInfo("chrf", "chrF", True, True, 0.0, 1.0, False, "none"),
        MetricInfo("rougeL_unicode", "Rouge-L (Unicode)", True, True, 0.0, 1.0, True),
    )
}


__all__ = ["METRICS", "Z_95", "Interval", "MetricInfo", "MetricSummary"]


@dataclass(frozen=True, slots=True)
class MetricSummary:
    """A metric over the samples scored so far: its value, n, and its 95% interval with how it was made.

    ``stderr`` is the standard error of the mean for per-sample metrics with at least two samples, else
    None (shown nowhere: the interval is what is reported).
    """

    key: str
    value: float
    n: int
    stderr: float | None = None
    interval: Interval | None = None

    @property
    def info(self) -> MetricInfo:
        return METRICS[self.key]

    @property
    def higher_is_better(self) -> bool:
        return METRICS[self.key].higher_is_better

    @property
    def label(self) -> str:
        return METRICS[self.key].label

    @property
    def ci(self) -> tuple[float, float] | None:
        """The 95% interval (lower, upper), within the metric's range."""
        if self.interval is None:
            return None
        return self.interval.lower, self.interval.upper


def format_value(key: str, value: float, digits: int = 2) -> str:
    """A score as the paper prints it: ×100 for fractions, MSE as is."""
    shown = value * 100 if METRICS[key].percent else value
    return f"{shown:.{digits}f}"


def format_interval(summary: MetricSummary, digits: int = 2) -> str:
    """``lo–hi, n=N, method`` (or ``n=N, no interval``): n is shown beside every interval."""
    interval = summary.interval
    if interval is None:
        return f"n={summary.n}, no interval"
    lo, hi = (format_value(summary.key, v, digits) for v in (interval.lower, interval.upper))
    return f"{lo}–{hi}, n={summary.n}, {interval.label}"


def format_summary(summary: MetricSummary, digits: int = 2) -> str:
    """``value [lo–hi, n=N, method]``: the score with its 95% interval."""
    return f"{format_value(summary.key, summary.value, digits)} [{format_interval(summary, digits)}]"


def format_brief(summary: MetricSummary, digits: int = 2) -> str:
    """``value (lo–hi, n=N)`` for narrow places (runs lists, compare); the method is in the full view."""
    text = format_value(summary.key, summary.value, digits)
    interval = summary.interval
    if interval is None:
        return f"{text} (n={summary.n})"
    lo, hi = (format_value(summary.key, v, digits) for v in (interval.lower, interval.upper))
    return f"{text} ({lo}–{hi}, n={summary.n})"


def better(key: str, a: float, b: float) -> bool:
    """True when score ``a`` is strictly better than ``b`` for this metric."""
    return a > b if METRICS[key].higher_is_better else a < b
