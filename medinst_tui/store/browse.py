"""Row previews for a scrolling view of millions of rows: row N of a filter, a screenful at a time.

A structural filter (no text search) is a list of blocks with contiguous ids, so "rows 5,000,000 to
5,000,099 of the filter" turns into one or two id ranges without scanning anything. A text search has no
such map: it pages by keyset (the last id seen) and only a jump far ahead has to count its way there.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from itertools import accumulate
from typing import Any, NamedTuple

from medinst_tui.store import sql
from medinst_tui.store.filters import Filter, where
from medinst_tui.store.index import Index

PREVIEW_CHARS = 240
# A text search walks the filter's rows in id order, a chunk at a time, growing: a common word fills a
# page from the first small chunk (ms); a rare one costs about one scan, never a sort of every match.
SEARCH_FIRST_CHUNK = 8_192
SEARCH_MAX_CHUNK = 2_097_152


class Preview(NamedTuple):
    """What a table row shows: the start of the texts and their full lengths (not the whole row).

    A tuple of plain values: the garbage collector stops tracking it, so a cache of thousands of
    previews costs nothing in collection pauses.
    """

    id: int
    task: str
    split: str
    input: str
    output: str
    input_len: int
    output_len: int

    @classmethod
    def from_tuple(cls, t: tuple[Any, ...]) -> Preview:
        return cls(int(t[0]), str(t[1]), str(t[2]), str(t[3]), str(t[4]), int(t[5]), int(t[6]))


@dataclass(frozen=True)
class Positions:
    """The blocks of a structural filter in id order: maps a position in the filter to ids."""

    first_ids: tuple[int, ...]
    ends: tuple[int, ...]  # cumulative row counts: block i holds positions ends[i-1] .. ends[i]-1

    @classmethod
    def load(cls, index: Index, f: Filter) -> Positions:
        if not f.structural:
            raise ValueError("a text search has no block map: page it by keyset")
        clause, params = where(f, for_blocks=True)
        blocks = index.con.execute(sql.render("blocks_in_order", clause), params).fetchall()
        return cls(tuple(int(b[0]) for b in blocks), tuple(accumulate(int(b[1]) for b in blocks)))

    @property
    def total(self) -> int:
        return self.ends[-1] if self.ends else 0

    def id_at(self, position: int) -> int | None:
        if not 0 <= position < self.total:
            return None
        i = bisect.bisect_right(self.ends, position)
        before = self.ends[i - 1] if i else 0
        return self.first_ids[i] + (position - before)

    def position_of(self, row_id: int) -> int:
        """The position of `row_id` in the filter, or of the first row after it when it is not in it."""
        i = bisect.bisect_right(self.first_ids, row_id) - 1
        if i < 0:
            return 0
        before = self.ends[i - 1] if i else 0
        size = self.ends[i] - before
        return before + min(row_id - self.first_ids[i], size)

    def ranges(self, position: int, limit: int) -> list[tuple[int, int]]:
        """Inclusive id ranges holding rows position .. position+limit-1 of the filter."""
        out: list[tuple[int, int]] = []
        position = max(position, 0)
        stop = min(position + limit, self.total)
        i = bisect.bisect_right(self.ends, position)
        while position < stop:
            before = self.ends[i - 1] if i else 0
            take = min(self.ends[i], stop) - position
            first = self.first_ids[i] + (position - before)
            out.append((first, first + take - 1))
            position += take
            i += 1
        return out


def previews_in_ranges(
    index: Index, ranges: list[tuple[int, int]], chars: int = PREVIEW_CHARS
) -> list[Preview]:
    if not ranges:
        return []
    parts: list[str] = []
    params: dict[str, Any] = {"chars": chars}
    for n, (lo, hi) in enumerate(ranges):
        parts.append(f"id BETWEEN $lo{n} AND $hi{n}")
        params[f"lo{n}"], params[f"hi{n}"] = lo, hi
    rows = index.con.execute(sql.render("preview_rows", " OR ".join(parts)), params).fetchall()
    return [Preview.from_tuple(t) for t in rows]


def previews_at(
    index: Index,
    f: Filter,
    position: int,
    limit: int,
    *,
    positions: Positions | None = None,
    after_id: int | None = None,
    chars: int = PREVIEW_CHARS,
) -> list[Preview]:
    """`limit` previews from row `position` of the filter.

    Structural filters go through `positions` (loaded here when not given). For a text search give
    `after_id` (the id of row position-1, when known) to page by keyset; without it the query counts its
    way to the position.
    """
    if f.structural:
        positions = positions or Positions.load(index, f)
        return previews_in_ranges(index, positions.ranges(position, limit), chars)
    if index.indexed_search(f):
        return indexed_previews(index, f, position, limit, after_id=after_id, chars=chars)
    if after_id is not None or position == 0:
        return search_previews(index, f, -1 if after_id is None else after_id, limit, chars=chars)
    clause, params = where(f)
    params |= {"limit": limit, "chars": chars, "position": position}
    query = sql.render("preview_offset", clause)
    return [Preview.from_tuple(t) for t in index.con.execute(query, params).fetchall()]


def indexed_previews(
    index: Index,
    f: Filter,
    position: int,
    limit: int,
    *,
    after_id: int | None = None,
    chars: int = PREVIEW_CHARS,
) -> list[Preview]:
    """Previews of a search the search index answers: an exact one is a slice of its ids (a jump to row
    5,000 of the matches costs what row 1 does); one with checks pages by keyset after `after_id`."""
    from medinst_tui.store.search import PREVIEW_COLUMNS

    searcher = index.searcher
    plan = index.search_plan(f)
    if after_id is None:
        if position == 0:
            after_id = -1
        elif plan.exact and plan.ids is not None:
            ids = plan.ids[position : position + limit]
            rows = (
                searcher.rows(plan, int(ids[0]) - 1, len(ids), columns=PREVIEW_COLUMNS, chars=chars)
                if len(ids)
                else []
            )
            return [Preview.from_tuple(t) for t in rows]
        else:
            before = searcher.id_at(plan, position - 1)
            if before is None:
                return []
            after_id = before
    rows = searcher.rows(plan, after_id, limit, columns=PREVIEW_COLUMNS, chars=chars)
    return [Preview.from_tuple(t) for t in rows]


def search_previews(
    index: Index,
    f: Filter,
    after_id: int,
    limit: int,
    *,
    scope: Positions | None = None,
    chars: int = PREVIEW_CHARS,
) -> list[Preview]:
    """The next `limit` matches of a text search after `after_id`, in id order.

    The rows the filter's other parts allow (`scope`: the block map of the filter without its search)
    are walked in growing chunks; each chunk is one query over a few id ranges.
    """
    if index.indexed_search(f):
        return indexed_previews(index, f, 0, limit, after_id=after_id, chars=chars)
    scope = scope or Positions.load(index, f.with_(search=""))
    clause, base = where(Filter(search=f.search))
    out: list[Preview] = []
    position = scope.position_of(after_id + 1)
    chunk = SEARCH_FIRST_CHUNK
    while len(out) < limit and position < scope.total:
        ranges = scope.ranges(position, chunk)
        spans = " OR ".join(f"id BETWEEN $lo{n} AND $hi{n}" for n in range(len(ranges)))
        params = base | {"chars": chars, "limit": limit - len(out), "after_id": after_id}
        for n, (lo, hi) in enumerate(ranges):
            params[f"lo{n}"], params[f"hi{n}"] = lo, hi
        query = sql.render("preview_keyset", f"({spans}) AND {clause}")
        rows = index.con.execute(query, params).fetchall()
        out += [Preview.from_tuple(t) for t in rows]
        position += chunk
        chunk = min(chunk * 4, SEARCH_MAX_CHUNK)
    return out
