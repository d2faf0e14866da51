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

    def without(self, kind: str, value: str) -> Filter:
        if kind == "category":
            return replace(self, categories=tuple(c for c in self.categories if c != value))
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
