"""MEDINST's official scoring: Rouge-L, token F1 and the per-task metric families (DESIGN.md §4)."""

from __future__ import annotations

from medinst_tui.scoring.families import FAMILIES, HEADLINE_METRIC, Family, family_for
from medinst_tui.scoring.metrics import METRICS, MetricInfo, MetricSummary, format_summary, format_value
from medinst_tui.scoring.rouge import rouge_l, rouge_l_unicode
from medinst_tui.scoring.scorer import Scorer, score_corpus, score_pair
from medinst_tui.scoring.squad import exact_match, normalize_answer, token_f1

__all__ = [
    "FAMILIES",
    "HEADLINE_METRIC",
    "METRICS",
    "Family",
    "MetricInfo",
    "MetricSummary",
    "Scorer",
    "exact_match",
    "family_for",
    "format_summary",
    "format_value",
    "normalize_answer",
    "rouge_l",
    "rouge_l_unicode",
    "score_corpus",
    "score_pair",
    "token_f1",
]
