"""Text search: answers from the search index (store/search_build.py) for the query language of
store/search_query.py.

Plan: every term the index can answer gives a sorted array of ids (numpy); they are intersected with each
other and with the filter's blocks. A term the index answers only approximately (a phrase: the words are
all there, but in that order?) or not at all adds a SQL check that the candidate rows must pass; with no
candidates at all the filter's rows are scanned with the checks. Exact counts and facet counts of an
index-only search are numpy over those ids (no row is read).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from medinst_tui.store import sql
from medinst_tui.store.filters import Filter, where
from medinst_tui.store.search_build import BLOCK_BITS, MAX_COMPOUND
from medinst_tui.store.search_query import Query, Term, parse, term_check

if TYPE_CHECKING:
    import duckdb

    from medinst_tui.store.index import Index

FIELD_OF = {"input": 0, "output": 1}
# A prefix that expands to more postings than this is checked on the rows instead (`a*`).
MAX_PREFIX_POSTINGS = 20_000_000
# Candidates are checked (and scans run) in growing chunks: the first page of a common match comes from
# the first small chunk; a rare one costs about one pass.
VERIFY_FIRST = 512
VERIFY_MAX = 65_536
SCAN_FIRST = 8_192
SCAN_MAX = 2_097_152
CACHE_BYTES = 96 * 2**20  # id arrays kept per process (the TUI pages a search many times)
PREVIEW_COLUMNS = (
    "id, task, split, left(input, $chars), left(output, $chars), "
    "length(input)::BIGINT, length(output)::BIGINT"
)
ROW_COLUMNS = "id, task, split, category, instruction, input, output, history, source, file, line"


# --------------------------------------------------------------------------------------------------
# Id sets
# --------------------------------------------------------------------------------------------------
def in_sorted(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Which of the sorted ids `a` are in the sorted unique ids `b` (a mask; len(a) binary searches)."""
    if not len(b):
        return np.zeros(len(a), bool)
    at = np.minimum(np.searchsorted(b, a), len(b) - 1)
    return np.asarray(b[at] == a)


def intersect_sorted(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """np.intersect1d(a, b, assume_unique=True) of two sorted unique id arrays, without its default sort:
    a quicksort of the two concatenated runs took 25 ms for two common words (205k + 256k ids); a stable
    sort merges the runs in 2 ms, and a much smaller side is looked up in the larger one instead."""
    if len(a) > len(b):
        a, b = b, a
    if len(a) * 8 < len(b):
        return np.asarray(a[in_sorted(a, b)])
    both = np.concatenate([a, b])
    both.sort(kind="stable")
    return np.asarray(both[:-1][both[1:] == both[:-1]])


def intersect_ranges(ids: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """The ids inside any of the sorted disjoint inclusive ranges lo[i]..hi[i]."""
    if not len(lo):
        return ids[:0]
    i = np.searchsorted(lo, ids, side="right") - 1
    ok = (i >= 0) & (ids <= hi[np.maximum(i, 0)])
    return ids[ok]


Ranges = tuple[np.ndarray, np.ndarray]  # inclusive id ranges (lo, hi), sorted and disjoint


def _ranges_and(a: Ranges, b: Ranges) -> Ranges:
    lo_out: list[int] = []
    hi_out: list[int] = []
    i = j = 0
    (alo, ahi), (blo, bhi) = a, b
    while i < len(alo) and j < len(blo):
        lo, hi = max(alo[i], blo[j]), min(ahi[i], bhi[j])
        if lo <= hi:
            lo_out.append(int(lo))
            hi_out.append(int(hi))
        if ahi[i] < bhi[j]:
            i += 1
        else:
            j += 1
    return np.array(lo_out, np.int64), np.array(hi_out, np.int64)


def _decode(table: Any) -> np.ndarray:
    """Sorted unique ids from (b, p) rows of search_postings (Arrow), zero-copy over the BLOBs."""
    if table.num_rows == 0:
        return np.zeros(0, np.int64)
    blocks = table.column("b").to_numpy().astype(np.int64)
    blobs = table.column("p").combine_chunks()
    offsets = np.frombuffer(blobs.buffers()[1], np.int32, len(blobs) + 1, blobs.offset * 4)
    data = blobs.buffers()[2]
    values = np.frombuffer(data, "<u2", (int(offsets[-1]) - int(offsets[0])) // 2, int(offsets[0]))
    lengths = np.diff(offsets) // 2
    ids = np.repeat(blocks << BLOCK_BITS, lengths) + values
    return sorted_unique(ids)


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """np.unique(values), by a sort and a neighbour compare: numpy 2.4's np.unique hashes first and took
    10x longer (140 ms for a common word's 264k ids, the bulk of a new search's first page). The sort is
    stable: a word's ids come as a few sorted runs (one per field), which it merges."""
    out = np.sort(values, kind="stable")
    if len(out) < 2:
        return out
    keep = np.empty(len(out), bool)
    keep[0] = True
    np.not_equal(out[1:], out[:-1], out=keep[1:])
    return out[keep]


def run_counts(ordered: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct values of a sorted array and how often each occurs (np.unique(..., return_counts=True)
    without its hashing: see sorted_unique)."""
    if len(ordered) == 0:
        return ordered, np.zeros(0, np.int64)
    starts = np.concatenate(([0], np.flatnonzero(ordered[1:] != ordered[:-1]) + 1))
    return ordered[starts], np.diff(np.append(starts, len(ordered)))


@dataclass
class Plan:
    """How a filter with a text search is answered."""

    query: Query
    ids: np.ndarray | None  # candidate ids from the index (sorted, unique); None: no term gave any
    ranges: Ranges  # the rows allowed by the filter's other parts (and scopes)
    check: str  # SQL condition the candidates must still pass ("TRUE": none)
    params: dict[str, Any] = field(default_factory=dict)
    sure: np.ndarray | None = None  # candidates that pass `check` for certain (phrases inside one token)

    @property
    def exact(self) -> bool:
        return self.ids is not None and self.check == "TRUE"

    @property
    def scanning(self) -> bool:
        """True when the rows themselves are read (no candidates from the index): slow, cancellable."""
        return self.ids is None and self.check != "TRUE"

    @property
    def mode(self) -> str:
        if self.exact:
            return "index"
        if self.ids is not None:
            return "index + check"
        return "scan" if self.scanning else "filter"

    def candidates(self) -> np.ndarray | None:
        if self.ids is None:
            return None
        return intersect_ranges(self.ids, *self.ranges)


class _Cache:
    """Id arrays per (index file, build, term): paging a search re-plans it without re-reading postings."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.items: OrderedDict[tuple[Any, ...], np.ndarray] = OrderedDict()

    def get(self, key: tuple[Any, ...]) -> np.ndarray | None:
        with self.lock:
            value = self.items.get(key)
            if value is not None:
                self.items.move_to_end(key)
            return value

    def put(self, key: tuple[Any, ...], value: np.ndarray) -> None:
        with self.lock:
            self.items[key] = value
            total = sum(v.nbytes for v in self.items.values())
            while total > CACHE_BYTES and len(self.items) > 1:
                _, old = self.items.popitem(last=False)
                total -= old.nbytes


_CACHE = _Cache()
# A term's candidates (the intersection of its words' postings) per (index file, build, term): paging
# a phrase of two common words re-plans it in microseconds. Arrays are shared with _CACHE's.
_TERMS: dict[tuple[Any, ...], tuple[np.ndarray | None, bool, np.ndarray | None]] = {}


@dataclass(frozen=True)
class BlockMap:
    first: np.ndarray
    last: np.ndarray  # inclusive
    keys: list[tuple[str, str, str]]  # category, task, split per block
    sources: list[str]


class Searcher:
    """Search answers on one Index connection (not thread-safe, like the connection)."""

    def __init__(self, index: Index) -> None:
        self.index = index
        self.con: duckdb.DuckDBPyConnection = index.con
        self._macros = False
        self._blocks: BlockMap | None = None
        self.build = index.meta("built_at") or ""

    # -- plumbing ------------------------------------------------------------------------------------
    def _ensure_macros(self) -> None:
        if not self._macros:
            for stmt in sql.statements("ingest_macros"):
                if "search_" in stmt:
                    self.con.execute(stmt)
            self._macros = True

    def _normalize(self, texts: list[str]) -> list[list[str]]:
        self._ensure_macros()
        rows = self.con.execute(sql.render("search_normalize"), {"texts": texts}).fetchall()
        row = rows[0] if rows else None
        return [list(ws or []) for ws in (row[0] if row else [])]

    def parse(self, text: str) -> Query:
        return parse(text, self._normalize)

    def blocks(self) -> BlockMap:
        if self._blocks is None:
            rows = self.con.execute(sql.render("search_blocks")).fetchall()
            first = np.array([int(r[0]) for r in rows], np.int64)
            n = np.array([int(r[1]) for r in rows], np.int64)
            keys = [(str(r[2]), str(r[3]), str(r[4])) for r in rows]
            self._blocks = BlockMap(first, first + n - 1, keys, [str(r[5]) for r in rows])
        return self._blocks

    @staticmethod
    def _fields(scope: str | None) -> str:
        if scope in FIELD_OF:
            return f"field = {FIELD_OF[scope]}"
        return "TRUE"

    def _postings(self, kind: str, scope: str | None, **params: Any) -> np.ndarray:
        key = (str(self.index.path), self.build, kind, scope, tuple(sorted(params.items())))
        cached = _CACHE.get(key)
        if cached is not None:
            return cached
        query = sql.render(f"search_postings_{kind}", fields=self._fields(scope))
        ids = _decode(self.con.sql(query, params=params).to_arrow_table())
        _CACHE.put(key, ids)
        return ids

    def _term_ids(self, term: Term) -> tuple[np.ndarray | None, bool, np.ndarray | None]:
        """Candidate ids for a term from the index, whether they are exactly its matches, and the
        candidates known to match without a check (a phrase inside one token: "IL-6", "mg/kg").

        None: the index cannot narrow it down (stopwords only, a fragment, a huge prefix).
        """
        if term.kind == "fragment" or term.scope == "instruction":
            return None, False, None
        key = (str(self.index.path), self.build, "term", term.scope, term.words, term.prefix)
        cached = _TERMS.get(key)
        if cached is None:
            cached = _TERMS[key] = self._term_ids_uncached(term)
            while len(_TERMS) > 64:
                _TERMS.pop(next(iter(_TERMS)))
        return cached

    def _term_ids_uncached(self, term: Term) -> tuple[np.ndarray | None, bool, np.ndarray | None]:
        sets: list[np.ndarray] = [self._postings("word", term.scope, word=w) for w in term.indexed_words]
        exact = term.kind == "word" and bool(sets)
        if term.prefix:
            last = term.words[-1]
            lo, hi = last, last[:-1] + chr(ord(last[-1]) + 1)
            rows = self.con.execute(
                sql.render("search_prefix_size", fields=self._fields(term.scope)), {"lo": lo, "hi": hi}
            ).fetchall()
            row = rows[0] if rows else None
            postings = int(row[1]) if row else 0
            if term.prefix_answerable() and postings <= MAX_PREFIX_POSTINGS:
                sets.append(self._postings("prefix", term.scope, lo=lo, hi=hi))
                exact = len(term.words) == 1
            else:
                exact = False
        if not sets:
            return None, False, None
        sets.sort(key=len)
        ids = sets[0]
        for other in sets[1:]:
            ids = intersect_sorted(ids, other)
        sure = None
        if term.kind == "phrase" and not term.prefix and len(term.words) <= MAX_COMPOUND:
            sure = self._postings("word", term.scope, word=" ".join(term.words))
            if len(sure) == len(ids):  # every row holding the words holds the phrase in one token
                return ids, True, None
        return ids, exact, sure

    def _instruction_scope(self, term: Term, n: int) -> tuple[Ranges, str, dict[str, Any]]:
        """Rows whose instruction matches: the blocks of (task, split)s where every instruction does,
        and those where some do (their rows checked by instruction)."""
        params: dict[str, Any] = {}
        check = term_check(Term(term.text, "instruction", term.words, term.prefix, term.fragment), n, params)
        self._ensure_macros()
        rows = self.con.execute(sql.render("search_instructions", check), params).fetchall()
        state: dict[tuple[str, str], list[bool]] = {}
        hits: set[str] = set()
        for task, split, instruction, _n, hit in rows:
            state.setdefault((str(task), str(split)), []).append(bool(hit))
            if hit:
                hits.add(str(instruction))
        full = {k for k, v in state.items() if all(v)}
        partial = {k for k, v in state.items() if any(v) and not all(v)}
        bm = self.blocks()
        keep = [i for i, (_, task, split) in enumerate(bm.keys) if (task, split) in full | partial]
        ranges = (bm.first[keep], bm.last[keep])
        if not partial:
            return ranges, "TRUE", {}
        key = f"s_instr{n}"
        return ranges, f"instruction IN (SELECT unnest(${key}))", {key: sorted(hits)}

    def _structural(self, f: Filter) -> Ranges:
        clause, params = where(f.with_(search=""), for_blocks=True)
        rows = self.con.execute(sql.render("blocks_in_order", clause), params).fetchall()
        first = np.array([int(r[0]) for r in rows], np.int64)
        return first, first + np.array([int(r[1]) for r in rows], np.int64) - 1

    def plan(self, f: Filter) -> Plan:
        query = self.parse(f.search)
        ranges = self._structural(f)
        narrowed = f.with_(search="") != Filter()  # else every block: nothing to cut
        ids: np.ndarray | None = None
        checks: list[str] = []
        params: dict[str, Any] = {}
        sure: np.ndarray | None = None  # rows that pass every check: the intersection of the terms'
        sure_terms = id_terms = 0
        for n, term in enumerate(query.terms):
            if term.scope == "instruction":
                scope_ranges, check, extra = self._instruction_scope(term, n)
                ranges = _ranges_and(ranges, scope_ranges)
                narrowed = True
                if check != "TRUE":
                    checks.append(check)
                    params |= extra
                continue
            term_ids, exact, term_sure = self._term_ids(term)
            if term_ids is not None:
                ids = term_ids if ids is None else intersect_sorted(ids, term_ids)
                id_terms += 1
            if not exact:
                self._ensure_macros()
                checks.append(term_check(term, n, params))
                if term_sure is not None:
                    sure = term_sure if sure is None else intersect_sorted(sure, term_sure)
                    sure_terms += 1
        if sure_terms != len(checks) or ids is None:
            sure = None  # some check has no sure rows (or there are no candidates to speak of)
        elif sure is not None and id_terms > 1:  # one term: its sure rows are among its candidates
            sure = sure[in_sorted(sure, ids)]
        if ids is not None and narrowed:  # keep the candidates inside the filter's (and scopes') blocks
            ids = intersect_ranges(ids, *ranges)
            if sure is not None:
                sure = intersect_ranges(sure, *ranges)
        return Plan(query, ids, ranges, " AND ".join(checks) or "TRUE", params, sure)

    # -- answers -------------------------------------------------------------------------------------
    def counts(self, plan: Plan) -> dict[tuple[str, str, str], int]:
        """Matching rows per (category, task, split)."""
        bm = self.blocks()
        out: dict[tuple[str, str, str], int] = {}

        def place(ids: np.ndarray) -> None:
            if len(ids):
                where_block = np.searchsorted(bm.first, ids, side="right") - 1
                for b, n in zip(*run_counts(where_block), strict=True):  # ids are sorted: so are blocks
                    key = bm.keys[int(b)]
                    out[key] = out.get(key, 0) + int(n)

        if plan.exact:
            assert plan.ids is not None
            place(plan.ids)
            return out
        if plan.ids is None and plan.check == "TRUE":  # only scopes: whole blocks
            lo, hi = plan.ranges
            for a, z in zip(lo, hi, strict=True):
                i = int(np.searchsorted(bm.first, a, side="right") - 1)
                key = bm.keys[i]
                out[key] = out.get(key, 0) + int(z - a + 1)
            return out
        if plan.ids is not None:
            rest = plan.ids
            if plan.sure is not None:
                place(plan.sure)
                rest = plan.ids[~in_sorted(plan.ids, plan.sure)]
            for chunk in _chunks(rest, VERIFY_MAX):
                rows = self.con.execute(
                    sql.render("search_verify_count", plan.check), plan.params | {"ids": chunk.tolist()}
                ).fetchall()
                _add(out, rows)
            return out
        for clause, params in self._scan_pieces(plan, -1, SCAN_MAX, fixed=True):
            rows = self.con.execute(sql.render("search_scan_count", clause), params).fetchall()
            _add(out, rows)
        return out

    def rows(
        self, plan: Plan, after_id: int, limit: int, *, columns: str = ROW_COLUMNS, chars: int = 0
    ) -> list[tuple[Any, ...]]:
        """The next `limit` matching rows after `after_id`, in id order (`columns` of samples)."""
        extra = {"chars": chars} if "$chars" in columns else {}
        if plan.ids is not None:
            ids = plan.ids[plan.ids > after_id]
            if plan.exact:
                return self._fetch(ids[:limit], columns, extra)
            out: list[tuple[Any, ...]] = []
            size, start = VERIFY_FIRST, 0
            while len(out) < limit and start < len(ids):
                chunk = ids[start : start + size]
                check, params = plan.check, plan.params | extra | {"ids": chunk.tolist()}
                known = in_sorted(chunk, plan.sure) if plan.sure is not None else None
                if known is not None and known.all():  # no row to check (a phrase inside one token)
                    check, params = "TRUE", extra | {"ids": chunk.tolist()}
                elif known is not None and known.any():
                    check = f"(id IN (SELECT unnest($s_sure)) OR {check})"
                    params["s_sure"] = chunk[known].tolist()
                query = sql.render("search_verify_ids", check, columns=columns)
                out += self.con.execute(query, params).fetchall()
                start += size
                size = min(size * 4, VERIFY_MAX)
            return out[:limit]
        out = []
        for clause, params in self._scan_pieces(plan, after_id, SCAN_FIRST):
            query = sql.render("search_scan", clause, columns=columns)
            out += self.con.execute(query, params | extra | {"limit": limit - len(out)}).fetchall()
            if len(out) >= limit:
                break
        return out

    def _fetch(self, ids: np.ndarray, columns: str, extra: dict[str, Any]) -> list[tuple[Any, ...]]:
        if not len(ids):
            return []
        query = sql.render("search_verify_ids", "TRUE", columns=columns)
        return self.con.execute(query, extra | {"ids": ids.tolist()}).fetchall()

    def _scan_pieces(
        self, plan: Plan, after_id: int, first: int, *, fixed: bool = False
    ) -> Iterator[tuple[str, dict[str, Any]]]:
        """Id ranges of the filter after `after_id`, in growing pieces, each with the plan's checks."""
        lo, hi = plan.ranges
        keep = hi > after_id
        lo, hi = np.maximum(lo[keep], after_id + 1), hi[keep]
        i, size = 0, first
        while i < len(lo):
            spans: list[tuple[int, int]] = []
            budget = size
            while i < len(lo) and budget > 0:
                take = min(int(hi[i] - lo[i] + 1), budget)
                spans.append((int(lo[i]), int(lo[i]) + take - 1))
                budget -= take
                if lo[i] + take > hi[i]:
                    i += 1
                else:
                    lo[i] += take
            params = dict(plan.params)
            parts = []
            for k, (a, z) in enumerate(spans):
                parts.append(f"id BETWEEN $lo{k} AND $hi{k}")
                params[f"lo{k}"], params[f"hi{k}"] = a, z
            yield f"({' OR '.join(parts)}) AND {plan.check}", params
            if not fixed:
                size = min(size * 4, SCAN_MAX)

    def id_at(self, plan: Plan, position: int) -> int | None:
        if plan.exact and plan.ids is not None:
            return int(plan.ids[position]) if 0 <= position < len(plan.ids) else None
        after, left = -1, position
        while True:
            rows = self.rows(plan, after, min(left + 1, 10_000), columns="id")
            if not rows:
                return None
            if left < len(rows):
                return int(rows[left][0])
            left -= len(rows)
            after = int(rows[-1][0])

    def id_table(self, plan: Plan) -> tuple[str, dict[str, Any]]:
        """A SQL condition for the plan's rows, for queries that take a WHERE clause (export, sample,
        stats): the candidate ids registered on the connection as a table, plus the checks."""
        parts = []
        params = dict(plan.params)
        if plan.ids is not None:
            import pyarrow as pa

            self.con.register("search_ids", pa.table({"id": plan.ids}))
            parts.append("id IN (SELECT id FROM search_ids)")
        else:  # the filter's blocks (and an instruction scope's): a few hundred ranges at most
            spans = []
            for k, (a, z) in enumerate(zip(*plan.ranges, strict=True)):
                spans.append(f"id BETWEEN $r_lo{k} AND $r_hi{k}")
                params[f"r_lo{k}"], params[f"r_hi{k}"] = int(a), int(z)
            parts.append("(" + (" OR ".join(spans) or "FALSE") + ")")
        if plan.check != "TRUE":
            parts.append(plan.check)
        return " AND ".join(parts), params


def _chunks(ids: np.ndarray, size: int) -> list[np.ndarray]:
    return [ids[i : i + size] for i in range(0, len(ids), size)]


def _add(out: dict[tuple[str, str, str], int], rows: list[tuple[Any, ...]]) -> None:
    for category, task, split, n in rows:
        key = (str(category), str(task), str(split))
        out[key] = out.get(key, 0) + int(n)
