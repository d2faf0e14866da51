"""MEDINST's official scoring: Rouge-L, token F1, the metric families and their headline, 95% intervals
(README: "Few-shot runs and scoring")."""

from __future__ import annotations

from medinst_tui.scoring.families import FAMILIES, HEADLINE_METRIC, Family, family_for
from medinst_tui.scoring.headline import SCORER_VERSION, Headline, headline_for, task_family
from medinst_tui.scoring.intervals import Interval
from medinst_tui.scoring.metrics import (
    METRICS,
    MetricInfo,
    MetricSummary,
    format_brief,
    format_interval,
    format_summary,
    format_value,
)
from medinst_tui.scoring.rouge import rouge_l, rouge_l_unicode
from medinst_tui.scoring.scorer import Scorer, score_corpus, score_pair
from medinst_tui.scoring.squad import exact_match, normalize_answer, token_f1

__all__ = [
    "FAMILIES",
    "HEADLINE_METRIC",
    "METRICS",
    "SCORER_VERSION",
    "Family",
    "Headline",
    "Interval",
    "MetricInfo",
    "MetricSummary",
    "Scorer",
    "exact_match",
    "family_for",
    "format_brief",
    "format_interval",
    "format_summary",
    "format_value",
    "headline_for",
    "normalize_answer",
    "rouge_l",
    "rouge_l_unicode",
    "score_corpus",
    "score_pair",
    "task_family",
    "token_f1",
]
