"""Metric keys, their direction and display, and the summary record the scorer returns.

Scores are kept on a 0..1 scale (MSE on its own 0..25 scale); the paper prints F-like
scores ×100, which :func:`format_value` does for display.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True, slots=True)
class MetricInfo:
    key: str
    label: str
    higher_is_better: bool
    # Shown ×100 (a fraction) or as is.
    percent: bool
    lower: float
    upper: float
    # Mean of per-sample values (with a confidence interval) or a corpus statistic.
    per_sample: bool


METRICS: Final[dict[str, MetricInfo]] = {
    info.key: info
    for info in (
        MetricInfo("rougeL", "Rouge-L", True, True, 0.0, 1.0, True),
        MetricInfo("token_f1", "Token-F1", True, True, 0.0, 1.0, True),
        MetricInfo("entity_f1", "Entity-F1", True, True, 0.0, 1.0, True),
        MetricInfo("multicls_f1", "Multi-label F1", True, True, 0.0, 1.0, True),
        MetricInfo("bio_f1", "BIO Label-F1", True, True, 0.0, 1.0, False),
        MetricInfo("cls_f1", "Label-F1", True, True, 0.0, 1.0, False),
        MetricInfo("em", "EM", True, True, 0.0, 1.0, True),
        MetricInfo("mse", "MSE", False, False, 0.0, 25.0, True),
        MetricInfo("bleu", "BLEU", True, True, 0.0, 1.0, False),
        MetricInfo("chrf", "chrF", True, True, 0.0, 1.0, False),
        MetricInfo("rougeL_unicode", "Rouge-L (Unicode)", True, True, 0.0, 1.0, True),
    )
}


Z_95: Final = 1.959963984540054


@dataclass(frozen=True, slots=True)
class MetricSummary:
    """A metric over the samples scored so far.

    ``stderr`` is the standard error of the mean for per-sample metrics with at least
    two samples, else None (corpus metrics, or too few samples).
    """

    key: str
    value: float
    n: int
    stderr: float | None = None

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
    def ci_half_width(self) -> float | None:
        """Half-width of the 95% normal-approximation interval of the mean."""
        return None if self.stderr is None else Z_95 * self.stderr

    @property
    def ci(self) -> tuple[float, float] | None:
        """The 95% interval, clipped to the metric's range."""
        half = self.ci_half_width
        if half is None:
            return None
        info = METRICS[self.key]
        return max(info.lower, self.value - half), min(info.upper, self.value + half)


def format_value(key: str, value: float, digits: int = 2) -> str:
    """A score as the paper prints it: ×100 for fractions, MSE as is."""
    shown = value * 100 if METRICS[key].percent else value
    return f"{shown:.{digits}f}"


def format_summary(summary: MetricSummary, digits: int = 2) -> str:
    """``value`` or ``value ±h`` where h is the half-width of the 95% interval."""
    text = format_value(summary.key, summary.value, digits)
    half = summary.ci_half_width
    if half is None:
        return text
    return f"{text} ±{format_value(summary.key, half, digits)}"


def better(key: str, a: float, b: float) -> bool:
    """True when score ``a`` is strictly better than ``b`` for this metric."""
    return a > b if METRICS[key].higher_is_better else a < b
