"""Facet counts for every panel from one query (no Textual here).

One GROUP BY at the finest grain (category x task x split) under the filter's other parts (MEDINST32,
sources, search) answers all three questions: the category tree (counted as if no category/task were
chosen, restricted to the chosen splits), the split toggles (as if no split were chosen) and the exact
total of the filter itself.
"""

from __future__ import annotations

from medinst_tui.store.filters import Filter
from medinst_tui.store.index import FacetCount, Facets


def base_filter(f: Filter) -> Filter:
    """The filter whose counts the panels are derived from: `f` without category, task and split."""
    return f.with_(categories=(), tasks=(), splits=())


def _in_choice(c: FacetCount, f: Filter) -> bool:
    return (not f.categories or c.category in f.categories) and (not f.tasks or c.task in f.tasks)


def tree_counts(counts: Facets, f: Filter) -> Facets:
    return Facets([c for c in counts.counts if not f.splits or c.split in f.splits])


def split_counts(counts: Facets, f: Filter) -> Facets:
    return Facets([c for c in counts.counts if _in_choice(c, f)])


def filter_total(counts: Facets, f: Filter) -> int:
    return sum(c.n for c in counts.counts if _in_choice(c, f) and (not f.splits or c.split in f.splits))
