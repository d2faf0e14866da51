"""Full-scale search benchmark: the search index beside DuckDB's bare scan of the same rows, same run.

    python bench/bench_search.py [--db bench/data/full.duckdb] [--runs 7] [--out bench/results/search.md]

The index is the product index that ``bench/bench_index.py`` builds (``medinst index --from`` of the
9.94M-row synthetic set, with its search index). For every query kind of the issue's budget table
(common word, rare word of < 20 hits, absent word, two-word AND, phrase) and a few more (prefix, field
scope, a phrase whose words mostly occur apart, a fragment that needs the scan), on a freshly opened
``Index`` (``MEDINST_MEMORY_LIMIT``'s cap, 256MB by default):

- first page: ``Index.page(Filter(search=q), limit=100)`` (the TUI's table goes through the same plan);
- exact count: ``Index.count``; facet counts: ``Index.facets`` (category x task x split);
- the bare DuckDB scan beside it: ``SELECT ... WHERE input ILIKE '%w%' OR output ILIKE '%w%' LIMIT 100``
  (it stops once 100 rows are found) and ``SELECT count(*)`` with the same condition (a full scan). Its
  semantics are a substring, not a word, so its count is printed beside ours.

Cold = the first call on a fresh connection (DuckDB's buffers empty; the OS page cache is not dropped);
the budget is on the median of ``--runs`` warm calls (term postings are cached per process: the TUI
pages a search many times). The load of the machine and the CPU other processes used are recorded.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import resource
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import duckdb

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))

from bench_index import busy_cpu_seconds, load, measure  # noqa: E402

from medinst_tui.store.filters import Filter  # noqa: E402
from medinst_tui.store.index import SEARCH_BACKEND_INDEX, Index  # noqa: E402
from medinst_tui.store.search_query import like_pattern  # noqa: E402

DB = REPO / "bench" / "data" / "full.duckdb"
RESULTS = REPO / "bench" / "results" / "search.md"
FIRST_PAGE_MS = 50.0
COUNT_MS = 300.0
T = TypeVar("T")

# (kind, query, the bare scan's substrings (each must occur: `output:` before one limits it to that
# field), budgeted). The words were chosen by grepping the synthetic files (gen_synthetic.py, seed 0);
# how many rows hold them is measured by the run itself.
CASES: list[tuple[str, str, tuple[str, ...], bool]] = [
    ("common word", "protein", ("protein",), True),
    ("rare word (< 20 hits)", "mucoferinose", ("mucoferinose",), True),
    ("absent word", "qzxvbkwj", ("qzxvbkwj",), True),
    ("two-word AND", "protein cells", ("protein", "cells"), True),
    ("phrase", '"mg/kg"', ("mg/kg",), True),
    ("uncommon word", "splenotoxitis", ("splenotoxitis",), False),
    ("very common word", "patients", ("patients",), False),
    ("prefix", "hepat*", ("hepat",), False),
    ("field scope", "output:aspirin", ("output:aspirin",), False),
    ("phrase whose words mostly occur apart", '"oxidative stress"', ("oxidative stress",), False),
    ("phrase with a stopword", '"expression of"', ("expression of",), False),
    ("fragment inside words (scan)", "*ferino*", ("ferino",), False),
]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms"


def timed(db: Path, fn: Callable[[Index], T], runs: int) -> tuple[float, list[float], T]:
    """bench_index's measure (a cold call on a freshly opened index, then `runs` warm ones), unpacked."""
    timing, result = measure(db, fn, runs)
    return timing.cold, timing.warm, result


def show(cold: float, warm: list[float]) -> str:
    return (
        f"median {ms(statistics.median(warm))} (min {ms(min(warm))}, max {ms(max(warm))}, "
        f"{len(warm)} warm runs); cold {ms(cold)}"
    )


def bare_condition(substrings: tuple[str, ...]) -> tuple[str, dict[str, str]]:
    """`(input ILIKE '%w%' OR output ILIKE '%w%') AND ...`: the plain DuckDB scan for the same words."""
    parts, params = [], {}
    for n, text in enumerate(substrings):
        field, _, word = text.rpartition(":") if text.startswith("output:") else ("", "", text)
        columns = [field] if field else ["input", "output"]
        parts.append("(" + " OR ".join(f"{c} ILIKE $p{n} ESCAPE '\\'" for c in columns) + ")")
        params[f"p{n}"] = like_pattern(word)
    return " AND ".join(parts), params


def bare(ix: Index, substrings: tuple[str, ...], query: str) -> list[tuple[Any, ...]]:
    cond, params = bare_condition(substrings)
    return ix.con.execute(query.replace("/*COND*/", cond), params).fetchall()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--db", type=Path, default=DB)
    p.add_argument("--runs", type=int, default=7)
    p.add_argument("--bare-runs", type=int, default=1, help="runs of each bare DuckDB scan (default 1)")
    p.add_argument("--out", type=Path, default=RESULTS)
    args = p.parse_args(argv)
    db = args.db.resolve()
    started, busy0 = time.perf_counter(), busy_cpu_seconds()
    own0 = resource.getrusage(resource.RUSAGE_SELF)
    with Index(db) as ix:
        if ix.search_backend != SEARCH_BACKEND_INDEX:
            raise SystemExit(f"{db} has no search index: build it with `medinst index --from ...`")
        rows = ix.count()
        memory = ix.con.execute("SELECT current_setting('memory_limit')").fetchone()
    lines: list[tuple[str, str, str, str]] = []  # what, figure, budget, verdict
    machine = {
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "cpu": f"{os.cpu_count()} cores (nproc)",
        "os": platform.platform(),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "index": f"{db} — {rows:,} rows, {db.stat().st_size / 2**30:.2f} GiB; browsing memory_limit "
        f"{memory[0] if memory else '?'}",
        "command": "`python bench/bench_search.py "
        + " ".join(argv if argv is not None else sys.argv[1:])
        + "`",
        "load average (1/5/15 min) at start": load(),
        "niceness": f"{os.nice(0)} (the machine is shared: 2 cores with other agents' processes)",
    }
    print("\n".join(f"{k}: {v}" for k, v in machine.items()), flush=True)

    def add(what: str, figure: str, budget: str = "—", ok: bool | None = None) -> None:
        verdict = "info" if ok is None else ("PASS" if ok else "MISS")
        lines.append((what, figure, budget, verdict))
        print(f"  [{verdict:4}] {what}: {figure} (budget {budget})", flush=True)

    for kind, query, substrings, budgeted in CASES:
        f = Filter(search=query)
        with Index(db) as ix:
            mode = ix.search_plan(f).mode
        # a scan (no budget) costs seconds per call: two warm runs of each are enough to show it
        runs, counts = (args.runs, max(2, args.runs // 2)) if mode != "scan" else (2, 2)
        cold, warm, page = timed(db, partial(Index.page, f=f, limit=100), runs)
        c_cold, c_warm, count = timed(db, partial(Index.count, f=f), counts)
        f_cold, f_warm, facets = timed(db, partial(Index.facets, f=f), counts)
        first = statistics.median(warm) * 1000
        counted = max(statistics.median(c_warm), statistics.median(f_warm)) * 1000
        label = f"{kind} `{query}`"
        add(
            f"search first page, {label} ({len(page)} shown of {count:,} rows; plan: {mode})",
            show(cold, warm),
            f"≤ {FIRST_PAGE_MS:.0f} ms" if budgeted else "—",
            first <= FIRST_PAGE_MS if budgeted else None,
        )
        add(
            f"exact count and facet counts, {label} "
            f"({count:,} rows in {len(facets.counts)} task x split cells)",
            f"count {show(c_cold, c_warm)}; facets {show(f_cold, f_warm)}",
            f"≤ {COUNT_MS:.0f} ms" if budgeted else "—",
            counted <= COUNT_MS if budgeted else None,
        )
        b_cold, b_warm, b_page = timed(
            db,
            partial(bare, substrings=substrings, query="SELECT id FROM samples WHERE /*COND*/ LIMIT 100"),
            args.bare_runs,
        )
        n_cold, n_warm, n = timed(
            db,
            partial(bare, substrings=substrings, query="SELECT count(*) FROM samples WHERE /*COND*/"),
            args.bare_runs,
        )
        bare_first, bare_count = statistics.median(b_warm), statistics.median(n_warm)
        shown = " AND ".join(
            f"output ILIKE '%{w[7:]}%'" if w.startswith("output:") else f"ILIKE '%{w}%'" for w in substrings
        )
        add(
            f"bare DuckDB scan beside it, {label}: {shown} ({len(b_page)} shown; count "
            f"{int(n[0][0]):,} rows: substrings, not words)",
            f"first page {show(b_cold, b_warm)}; count {show(n_cold, n_warm)}; "
            f"ours / bare: first page {first / 1000 / bare_first:.3f}x, count "
            f"{statistics.median(c_warm) / bare_count:.4f}x",
        )
    wall = time.perf_counter() - started
    own1 = resource.getrusage(resource.RUSAGE_SELF)
    own = own1.ru_utime + own1.ru_stime - own0.ru_utime - own0.ru_stime
    others = max(0.0, busy_cpu_seconds() - busy0 - own)
    machine["load average at the end"] = load()
    notes = [
        f"whole run: {wall:.0f} s wall; other processes used {others:.0f} CPU-s meanwhile "
        f"({others / wall:.2f} cores on average, of {os.cpu_count()})",
        "plan `index`: the answer is the search index's ids (no row read for counts and facets); "
        "`index + check`: the index gives the rows holding every word, and those rows are read to check "
        "what it cannot (a phrase's order, a stopword); `scan`: no candidates, the filter's rows are read",
        "a phrase costs a read of each row that holds all its words apart: the rows where it sits inside "
        "one token (`mg/kg`, `IL-6`) are indexed as the phrase and need no read (all of them: plan "
        "`index`); when its words mostly occur apart (the synthetic text is random words, so "
        "`oxidative stress` is rare as a phrase among the rows holding both words) every such row is read",
    ]
    out = [
        "# Search benchmark (full scale)",
        "",
        "Written by `python bench/bench_search.py`; do not edit by hand.",
    ]
    out += ["", "## Machine", ""] + [f"- {k}: {v}" for k, v in machine.items()]
    out += ["", "## Queries", "", "| what | figure | budget | verdict |", "|---|---|---|---|"]
    out += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in lines]
    out += ["", "## Notes", ""] + [f"- {n}" for n in notes]
    misses = [w for w, _, _, v in lines if v == "MISS"]
    passes = sum(1 for *_, v in lines if v == "PASS")
    out += [
        "",
        "## Summary",
        "",
        f"{passes} PASS, {len(misses)} MISS" + (": " + "; ".join(misses) if misses else "."),
    ]
    text = "\n".join(out) + "\n"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print("\n" + text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
