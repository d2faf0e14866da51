"""The current filter (category / task / split / MEDINST32 / text search) as a SQL clause."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any


@dataclass(frozen=True)
class Filter:
    categories: tuple[str, ...] = ()
    tasks: tuple[str, ...] = ()
    splits: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    medinst32: bool = False
    search: str = ""

    @property
    def structural(self) -> bool:
        """True when the filter can be answered from the blocks table alone (no text search)."""
        return not self.search.strip()

    def with_(self, **changes: Any) -> Filter:
        return replace(self, **changes)

    def chips(self) -> list[tuple[str, str]]:
        """(kind, value) pairs for the active parts, in display order."""
        out: list[tuple[str, str]] = [("category", c) for c in self.categories]
        out += [("task", t) for t in self.tasks]
        out += [("split", s) for s in self.splits]
        out += [("source", s) for s in self.sources]
        if self.medinst32:
            out.append(("medinst32", "MEDINST32"))
        if self.search.strip():
            out.append(("search", self.search.strip()))
        return out

    def describe(self) -> str:
        """The filter in words, for titles: `category NER, split test` (or `all rows`)."""
        chips = self.chips()
        return ", ".join(f"{k} {v}" if k != "medinst32" else v for k, v in chips) if chips else "all rows"

    def without(self, kind: str, value: str) -> Filter:
        """The filter with one chip removed (a category takes its tasks along, as `toggled` does)."""
        if kind == "category":
            return self.toggled(kind, value) if value in self.categories else self
        if kind == "task":
            return replace(self, tasks=tuple(t for t in self.tasks if t != value))
        if kind == "split":
            return replace(self, splits=tuple(s for s in self.splits if s != value))
        if kind == "source":
            return replace(self, sources=tuple(s for s in self.sources if s != value))
        if kind == "medinst32":
            return replace(self, medinst32=False)
        if kind == "search":
            return replace(self, search="")
        raise ValueError(f"unknown filter kind {kind!r}")

    def toggled(self, kind: str, value: str) -> Filter:
        """The filter after switching one category / task / split on or off.

        Kinds combine with AND, so choosing a task outside the chosen categories brings its category along
        (otherwise the filter would be empty), and dropping a category drops its tasks.
        """
        from medinst_tui import catalog

        if kind == "category":
            if value in self.categories:
                tasks = tuple(t for t in self.tasks if catalog.category_of(t) != value)
                return self.with_(categories=tuple(c for c in self.categories if c != value), tasks=tasks)
            return self.with_(categories=(*self.categories, value))
        if kind == "task":
            if value in self.tasks:
                return self.with_(tasks=tuple(t for t in self.tasks if t != value))
            categories = self.categories
            category = catalog.category_of(value)
            if categories and category not in categories:
                categories = (*categories, category)
            return self.with_(tasks=(*self.tasks, value), categories=categories)
        if kind == "split":
            if value in self.splits:
                return self.with_(splits=tuple(s for s in self.splits if s != value))
            return self.with_(splits=tuple(s for s in catalog.SPLITS if s in (*self.splits, value)))
        raise ValueError(f"unknown facet kind {kind!r}")


def like_pattern(text: str) -> str:
    """A case-insensitive substring pattern with LIKE's wildcards escaped."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def where(f: Filter, *, for_blocks: bool = False) -> tuple[str, dict[str, Any]]:
    """SQL condition + named parameters. `for_blocks` targets the blocks table (no text columns)."""
    parts: list[str] = []
    params: dict[str, Any] = {}
    if f.categories:
        parts.append("category IN (SELECT unnest($f_categories))")
        params["f_categories"] = list(f.categories)
    if f.tasks:
        parts.append("task IN (SELECT unnest($f_tasks))")
        params["f_tasks"] = list(f.tasks)
    if f.splits:
        parts.append("split IN (SELECT unnest($f_splits))")
        params["f_splits"] = list(f.splits)
    if f.sources:
        parts.append("source IN (SELECT unnest($f_sources))")
        params["f_sources"] = list(f.sources)
    if f.medinst32:
        parts.append("task IN (SELECT name FROM tasks WHERE in_medinst32)")
    if f.search.strip():
        if for_blocks:
            raise ValueError("a text search cannot be answered from blocks")
        parts.append("(input ILIKE $f_search ESCAPE '\\' OR output ILIKE $f_search ESCAPE '\\')")
        params["f_search"] = like_pattern(f.search.strip())
    return (" AND ".join(parts) or "TRUE"), params
