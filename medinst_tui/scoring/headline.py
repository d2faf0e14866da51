"""A task's metric family and headline metric: the one definition every front end reads.

A run decides each task's headline once, when its first sample is scored, and stores it with the summary
(`Headline`: metric, family, scorer version); whatever shows a stored run reads it from there, so a run keeps
the headline it was scored with. Where there is no run yet (task info, a live answer) `headline_for` gives
the same answer the run engine would.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from medinst_tui import catalog
from medinst_tui.scoring.families import FAMILIES, HEADLINE_METRIC, Family, family_for

# Bumped whenever a stored number would be computed differently. 1: runs stored before versioning (headline
# not stored, normal-approximation intervals); 2: the stored headline, Wilson and bootstrap intervals.
SCORER_VERSION: Final = "2"
LEGACY_SCORER_VERSION: Final = "1"

# NER tasks that MEDINST writes as `word [B]` / `[I]` / `[O]` tags (the BLURB / MTL-Bioinformatics-2016
# corpora). tasks.csv names a metric type for MEDINST32 tasks only (NCBI-disease and BC5CDR are `bio`
# there); the others are scored like them, with label-level F1 over the tags, not entity F1.
BIO_TAGGED_TASKS: Final = frozenset(
    {
        "NCBI-disease",
        "BC2GM",
        "CHEMDNER-BIO",
        "BC5CDR",
        "Linnaeus",
        "JNLPBA-DNA",
        "JNLPBA-RNA",
        "JNLPBA-CT",
        "JNLPBA-CL",
        "AnatEM",
    }
)


@dataclass(frozen=True)
class Headline:
    """The metric a task's score is reported by, its family and the scorer version that computed it."""

    metric: str
    family: Family
    scorer_version: str = SCORER_VERSION

    def to_json(self) -> dict[str, str]:
        return {"metric": self.metric, "family": self.family, "scorer_version": self.scorer_version}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Headline:
        family = str(data["family"])
        if family not in FAMILIES:
            raise ValueError(f"unknown metric family {family!r} in a stored headline")
        version = str(data.get("scorer_version") or LEGACY_SCORER_VERSION)
        return cls(str(data["metric"]), family, version)


def task_family(task: str, category: str | None = None, example_gold: str | None = None) -> Family:
    """The metric family of a task: tasks.csv's metric type (MEDINST32), then the BIO-tagged NER tasks,
    then the category (a task outside the catalog whose gold output carries `[B]/[I]/[O]` tags is `bio`)."""
    info = catalog.lookup(task)
    if category is None:
        category = info.category if info else catalog.UNKNOWN_CATEGORY
    if info is not None and not info.metric_type and info.name in BIO_TAGGED_TASKS:
        return "bio"
    return family_for(info.metric_type if info else None, category, example_gold=example_gold)


def family_reason(task: str) -> str:
    """Why `task_family` (without an example gold) picks the family it does, for task info."""
    info = catalog.lookup(task)
    if info is None:
        return "not in the catalog: by its category, or bio when its outputs are [B]/[I]/[O] tags"
    if info.metric_type:
        return "from MEDINST32's task-to-metric map"
    if info.name in BIO_TAGGED_TASKS:
        return "MEDINST writes this NER task as [B]/[I]/[O] tags"
    return f"by its category, {info.category} (not a MEDINST32 task)"


def headline_for(task: str, category: str | None = None, example_gold: str | None = None) -> Headline:
    """The headline a run scoring `task` now stores (see `task_family`)."""
    family = task_family(task, category, example_gold)
    return Headline(HEADLINE_METRIC[family], family)
