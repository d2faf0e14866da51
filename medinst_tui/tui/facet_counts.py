"""Facet counts for every panel from one query (no Textual here).

One GROUP BY at the finest grain (category x task x split) under the filter's other parts (MEDINST32,
sources, search) answers all three questions: the category tree (counted as if no category/task were
chosen, restricted to the chosen splits), the split toggles (as if no split were chosen) and the exact
total of the filter itself.
"""

from __future__ import annotations

from medinst_tui import catalog
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


def toggle(f: Filter, kind: str, value: str) -> Filter:
    """The filter after switching one category / task / split on or off.

    Kinds combine with AND (core semantics), so choosing a task outside the chosen categories brings its
    category along (otherwise the filter would be empty), and dropping a category drops its tasks.
    """
    if kind == "category":
        if value in f.categories:
            tasks = tuple(t for t in f.tasks if catalog.category_of(t) != value)
            return f.with_(categories=tuple(c for c in f.categories if c != value), tasks=tasks)
        return f.with_(categories=(*f.categories, value))
    if kind == "task":
        if value in f.tasks:
            return f.with_(tasks=tuple(t for t in f.tasks if t != value))
        categories = f.categories
        category = catalog.category_of(value)
        if categories and category not in categories:
            categories = (*categories, category)
        return f.with_(tasks=(*f.tasks, value), categories=categories)
    if kind == "split":
        if value in f.splits:
            return f.with_(splits=tuple(s for s in f.splits if s != value))
        return f.with_(splits=tuple(s for s in catalog.SPLITS if s in (*f.splits, value)))
    raise ValueError(f"unknown facet kind {kind!r}")
