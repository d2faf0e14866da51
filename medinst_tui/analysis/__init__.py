"""Error analysis of stored runs (README: "Error analysis"): where a run failed, whether run B beats run A.

Pure functions over stored `SampleResult`s (a run in the runs DB, an imported or re-scored run, a results
JSONL); headless, no front end. Spans, labels, tags and STS scores are read with the scorer's own parsers
(scoring/families.py), so every count adds up to the metric the run reports.
"""

from __future__ import annotations

from medinst_tui.analysis.compare import TaskComparison, compare_runs
from medinst_tui.analysis.labels import (
    ConfusionMatrix,
    MultiLabelStats,
    bio_confusion,
    cls_confusion,
    multilabel_stats,
)
from medinst_tui.analysis.paired import mcnemar_exact
from medinst_tui.analysis.report import TaskAnalysis, analyze_run, analyze_task, scored_results
from medinst_tui.analysis.spans import SpanAnalysis, span_analysis
from medinst_tui.analysis.sts import StsTable, sts_table

__all__ = [
    "ConfusionMatrix",
    "MultiLabelStats",
    "SpanAnalysis",
    "StsTable",
    "TaskAnalysis",
    "TaskComparison",
    "analyze_run",
    "analyze_task",
    "bio_confusion",
    "cls_confusion",
    "compare_runs",
    "mcnemar_exact",
    "multilabel_stats",
    "scored_results",
    "span_analysis",
    "sts_table",
]
