"""Read-only access to the index: facets, keyset pages, search, seeded samples, task info.

Browsing never writes: the database is opened read-only so a build (which writes a temporary file and
swaps it in) and any number of readers can run side by side.
"""

from __future__ import annotations

import bisect
import os
import re
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from medinst_tui.store import sql
from medinst_tui.store.filters import Filter, where

if TYPE_CHECKING:
    from medinst_tui.store.search import Plan, Searcher

DEFAULT_PAGE = 100
ENV_MEMORY_LIMIT = "MEDINST_MEMORY_LIMIT"
BROWSE_MEMORY_LIMIT = "256MB"
NO_FILTER = Filter()
SEARCH_BACKEND_SCAN = "scan"  # an index built without the search index: a substring scan (ILIKE)
SEARCH_BACKEND_INDEX = "index"  # store/search.py over store/search_build.py's word postings


def memory_limit() -> str:
    value = os.environ.get(ENV_MEMORY_LIMIT, BROWSE_MEMORY_LIMIT).strip()
    if not re.fullmatch(r"[0-9.]+\s*[KMGT]i?B", value, re.IGNORECASE):
        raise ValueError(f"{ENV_MEMORY_LIMIT}={value!r}: give a size like 512MB or 2GB")
    return value


class IndexMissingError(FileNotFoundError):
    def __init__(self, path: Path):
        super().__init__(
            f"no index at {path}. Build one: `medinst index --demo` (bundled demo set), "
            "`medinst index --hub` (MEDINST from the Hugging Face Hub) or `medinst index --from PATH`"
        )
        self.path = path


class IndexBusyError(RuntimeError):
    pass


@dataclass(frozen=True)
class Row:
    id: int
    task: str
    split: str
    category: str
    instruction: str
    input: str
    output: str
    history: list[list[str]] | None
    source: str
    file: str
    line: int

    @classmethod
    def from_tuple(cls, t: tuple[Any, ...]) -> Row:
        return cls(int(t[0]), t[1], t[2], t[3], t[4], t[5], t[6], t[7], t[8], t[9], int(t[10]))


@dataclass(frozen=True)
class FacetCount:
    category: str
    task: str
    split: str
    n: int


@dataclass(frozen=True)
class Facets:
    counts: list[FacetCount]

    @property
    def total(self) -> int:
        return sum(c.n for c in self.counts)

    def _by(self, attr: str) -> dict[str, int]:
        out: dict[str, int] = {}
        for c in self.counts:
            key = getattr(c, attr)
            out[key] = out.get(key, 0) + c.n
        return out

    def by_category(self) -> dict[str, int]:
        return self._by("category")

    def by_task(self) -> dict[str, int]:
        return self._by("task")

    def by_split(self) -> dict[str, int]:
        return self._by("split")


@dataclass(frozen=True)
class TaskRow:
    name: str
    category: str
    known: bool
    in_medinst32: bool
    metric_type: str | None
    difficulty: int | None
    paper: dict[str, int | None]
    indexed: dict[str, int]

    @property
    def indexed_total(self) -> int:
        return sum(self.indexed.values())


class Index:
    """One read-only connection to an index file. Not thread-safe: use one Index per worker thread."""

    def __init__(self, path: Path, *, read_only: bool = True):
        self.path = Path(path).expanduser()
        if not self.path.exists():
            raise IndexMissingError(self.path)
        try:
            self.con = duckdb.connect(str(self.path), read_only=read_only)
        except duckdb.IOException as exc:
            if "lock" in str(exc).lower():
                raise IndexBusyError(
                    f"the index {self.path} is locked by another process writing to it; retry when it ends"
                ) from exc
            raise
        self.con.execute("SET enable_progress_bar = false")
        # Browsing needs little memory; without a cap DuckDB's buffer pool keeps what every scan read
        # (a text search over 9.9M rows took the process past 2 GiB).
        self.con.execute(f"SET memory_limit = '{memory_limit()}'")
        # The FTS extension cannot be had offline for duckdb 2.x: the index carries its own word index
        # (store/search_build.py); an index built without it falls back to a substring scan.
        self.search_backend = SEARCH_BACKEND_INDEX if self._has_search_index() else SEARCH_BACKEND_SCAN
        self._searcher: Searcher | None = None
        self._block_cache: dict[tuple[object, ...], list[tuple[int, int]]] = {}

    def _has_search_index(self) -> bool:
        from medinst_tui.store.search_build import present

        return present(self.con)

    @property
    def searcher(self) -> Searcher:
        if self._searcher is None:
            from medinst_tui.store.search import Searcher

            self._searcher = Searcher(self)
        return self._searcher

    def indexed_search(self, f: Filter) -> bool:
        """Whether `f` has a text search that the search index answers (else: structural, or a scan)."""
        return not f.structural and self.search_backend == SEARCH_BACKEND_INDEX

    def search_plan(self, f: Filter) -> Plan:
        return self.searcher.plan(f)

    def where(self, f: Filter) -> tuple[str, dict[str, Any]]:
        """The filter as a SQL condition on samples (a text search through the search index if any)."""
        if not self.indexed_search(f):
            return where(f)
        clause, params = where(f.with_(search=""))
        search, extra = self.searcher.id_table(self.search_plan(f))
        return f"{clause} AND {search}", params | extra

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- counts ------------------------------------------------------------------------------------------
    def facets(self, f: Filter = NO_FILTER) -> Facets:
        if self.indexed_search(f):
            counts = self.searcher.counts(self.search_plan(f))
            return Facets([FacetCount(c, t, s, n) for (c, t, s), n in sorted(counts.items())])
        if f.structural:
            clause, params = where(f, for_blocks=True)
            query = sql.render("facet_counts_blocks", clause)
        else:
            clause, params = where(f)
            query = sql.render("facet_counts_samples", clause)
        rows = self.con.execute(query, params).fetchall()
        return Facets([FacetCount(str(c), str(t), str(s), int(n)) for c, t, s, n in rows])

    def count(self, f: Filter = NO_FILTER) -> int:
        if self.indexed_search(f):
            plan = self.search_plan(f)
            if plan.exact and plan.ids is not None:
                return len(plan.ids)
            return sum(self.searcher.counts(plan).values())
        if f.structural:
            return self.facets(f).total
        clause, params = where(f)
        row = self.con.execute(sql.render("count", clause), params).fetchone()
        return int(row[0]) if row else 0

    # -- rows --------------------------------------------------------------------------------------------
    def _blocks(self, f: Filter) -> list[tuple[int, int]]:
        """(first_id, n) of the blocks under a structural filter, in id order; cached per filter."""
        key = (f.categories, f.tasks, f.splits, f.sources, f.medinst32)
        cached = self._block_cache.get(key)
        if cached is None:
            clause, params = where(f, for_blocks=True)
            rows = self.con.execute(sql.render("blocks_in_order", clause), params).fetchall()
            cached = self._block_cache[key] = [(int(a), int(n)) for a, n in rows]
        return cached

    def _last_id(self, f: Filter, after_id: int, limit: int) -> int | None:
        """The id of the `limit`-th row of a structural filter after `after_id` (None: fewer remain).

        Bounding the scan by it lets DuckDB skip every row group outside the page: `ORDER BY id LIMIT`
        alone scans all rows after `after_id` to be sure of the order.
        """
        need = limit
        for first, n in self._blocks(f):
            start = max(first, after_id + 1)
            end = first + n  # exclusive
            if start >= end:
                continue
            if end - start >= need:
                return start + need - 1
            need -= end - start
        return None

    def page(self, f: Filter = NO_FILTER, *, after_id: int = -1, limit: int = DEFAULT_PAGE) -> list[Row]:
        """The next `limit` rows of the filter after `after_id` (keyset paging)."""
        if self.indexed_search(f):
            return [Row.from_tuple(t) for t in self.searcher.rows(self.search_plan(f), after_id, limit)]
        clause, params = where(f)
        if f.structural:
            last = self._last_id(f, after_id, limit)
            if last is not None:
                clause = f"id <= $last_id AND {clause}"
                params["last_id"] = last
        rows = self.con.execute(sql.render("page", clause), params | {"after_id": after_id, "limit": limit})
        return [Row.from_tuple(t) for t in rows.fetchall()]

    def id_at(self, f: Filter, position: int) -> int | None:
        """The id of row `position` (0-based) of the filter, or None past the end.

        Structural filters answer from the block table (ids are contiguous inside a block); a search has
        to count its way there.
        """
        if position < 0:
            return None
        if f.structural:
            blocks = self._blocks(f)
            ends = list(accumulate(n for _, n in blocks))
            i = bisect.bisect_right(ends, position)
            if i >= len(blocks):
                return None
            before = ends[i - 1] if i else 0
            return blocks[i][0] + (position - before)
        if self.indexed_search(f):
            return self.searcher.id_at(self.search_plan(f), position)
        clause, params = where(f)
        row = self.con.execute(
            f"SELECT id FROM samples WHERE {clause} ORDER BY id LIMIT 1 OFFSET $pos",
            params | {"pos": position},
        ).fetchone()
        return int(row[0]) if row else None

    def page_at(self, f: Filter, position: int, limit: int = DEFAULT_PAGE) -> list[Row]:
        """`limit` rows starting at row `position` of the filter (a jump anywhere in millions of rows)."""
        first = self.id_at(f, position)
        if first is None:
            return []
        return self.page(f, after_id=first - 1, limit=limit)

    def sample(self, f: Filter, k: int, seed: int = 0) -> list[Row]:
        clause, params = self.where(f)
        rows = self.con.execute(sql.render("sample_seeded", clause), params | {"k": k, "seed": seed})
        return [Row.from_tuple(t) for t in rows.fetchall()]

    def get(self, row_id: int) -> Row | None:
        t = self.con.execute(sql.render("sample_by_id"), {"id": row_id}).fetchone()
        return Row.from_tuple(t) if t else None

    # -- tasks -------------------------------------------------------------------------------------------
    def task_rows(self) -> list[TaskRow]:
        out = []
        for t in self.con.execute(sql.render("task_rows")).fetchall():
            out.append(
                TaskRow(
                    name=t[0],
                    category=t[1],
                    known=bool(t[2]),
                    in_medinst32=bool(t[3]),
                    metric_type=t[4],
                    difficulty=t[5],
                    paper={"train": t[6], "dev": t[7], "test": t[8]},
                    indexed={"train": int(t[9]), "dev": int(t[10]), "test": int(t[11])},
                )
            )
        return out

    def indexed_tasks(self) -> list[str]:
        return [str(r[0]) for r in self.con.execute("SELECT DISTINCT task FROM blocks ORDER BY 1").fetchall()]

    def instructions(self, task: str) -> list[tuple[str, int]]:
        rows = self.con.execute(sql.render("task_instructions"), {"task": task}).fetchall()
        return [(str(i), int(n)) for i, n in rows]

    def sources(self) -> list[dict[str, Any]]:
        cur = self.con.execute("SELECT * FROM sources ORDER BY name")
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]

    def meta(self, key: str) -> str | None:
        row = self.con.execute("SELECT value FROM meta WHERE key = $k", {"k": key}).fetchone()
        return str(row[0]) if row else None
