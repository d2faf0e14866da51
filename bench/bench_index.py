"""Full-scale index benchmark: build, facets, paging, sampling and export against their budgets.

    python bench/bench_index.py [--data bench/data/full] [--db bench/data/full.duckdb] [--work DIR]
                                [--skip-build] [--skip-queries] [--build-pairs 2] [--runs 7] [--export-runs 3]

Where files go: the full-scale data (``--data``, written by ``gen_synthetic.py``) and the product index
(``--db``, kept for the TUI and other benchmarks) default to ``bench/data/`` (git-ignored). Every scratch
file (the baseline's index, the export files, the build logs) goes under ``--work DIR``, or, without it,
under a fresh temporary folder that is removed at the end; nothing else is written inside the checkout
except the results file ``--out`` (``bench/results/index.md``).

One run measures, on this machine:

1. Build: DuckDB's own ``read_json`` bulk load of all the files in ONE statement into a bare table (the
   baseline), ``medinst index --from DATA --no-search-index`` and ``medinst index --from DATA --db DB``
   (the real CLI, with the search index), interleaved in ``--build-pairs`` rounds (baseline, without,
   with, baseline ...); each build in its own process (wall time, CPU time and that process's peak
   RSS), with the load average before each. The headline ratios (wall and CPU) are the medians of the
   per-round ratios; the file sizes with and without the search index, and the build's own per-step
   timings (meta ``build_steps``) of the last round.
2. On the resulting index, through ``medinst_tui.store.index.Index``: facet counts, keyset pages (first,
   and a million rows into the whole index and into big filters, beside a naive ``OFFSET`` query for
   the same rows), a seeded sample (text search: ``bench/bench_search.py``). Every query
   runs on a freshly opened index: the first call is reported as "cold" (DuckDB's buffers empty; the
   OS page cache is not dropped), then ``--runs`` warm calls give the median that meets the budget.
3. Export of all NER test rows, all TRANSL and all NED rows with ``medinst_tui.store.export.export``
   beside DuckDB's plain ``COPY (SELECT ...) TO ... (FORMAT JSON)`` of the same rows (no ORDER BY: the
   speed baseline; medinst guarantees id order, COPY's order is only incidental), interleaved, each in
   its own process (rows/s of the call or statement itself, and peak RSS; the files are compared byte
   for byte in every run). For NER test and TRANSL also the whole ``medinst export`` command (a
   subprocess: interpreter and CLI start-up included) against the whole plain-COPY process (interpreter
   start, ``import duckdb``, connect, COPY). ``COPY (... ORDER BY id)`` runs once per case, as info.

The figures go to ``bench/results/index.md`` (and stdout); ``bench/readme_table.py`` copies the README's
benchmark rows from there.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import filecmp
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import duckdb

from medinst_tui.store.export import export
from medinst_tui.store.filters import Filter, where
from medinst_tui.store.index import Index

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "bench" / "data" / "full"
DB = REPO / "bench" / "data" / "full.duckdb"
RESULTS = REPO / "bench" / "results" / "index.md"

JSON_COLUMNS = "{instruction: 'VARCHAR', input: 'VARCHAR', output: 'VARCHAR', history: 'VARCHAR[][]'}"
EXPORT_COLUMNS = "id, instruction, input, output, history, task, category, split"  # export_rows.sql
PAGE_COLUMNS = "id, task, split, category, instruction, input, output, history, source, file, line"
GIB = 1024**3
T = TypeVar("T")

# Budgets from DESIGN.md §6.
BUILD_RATIO = 1.25  # without the search index
BUILD_SEARCH_RATIO = 1.6  # with it
SIZE_RATIO = 1.5  # index file with the search index / without
BUILD_RSS = 4 * GIB
FACETS_MS = 50.0
PAGE_MS = 20.0
EXPORT_RATIO = 1.25
# "Flat" export memory: exporting 5.06M rows (all NED) may not peak more than 10% above 3.08M (all TRANSL).
EXPORT_FLAT_FACTOR = 1.1


# ------------------------------------------------------------------------------------------------------
# Results
# ------------------------------------------------------------------------------------------------------
@dataclass
class Line:
    section: str
    what: str
    figure: str
    budget: str = "—"
    verdict: str = "info"


@dataclass
class Report:
    lines: list[Line] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    machine: dict[str, str] = field(default_factory=dict)

    def add(self, section: str, what: str, figure: str, budget: str = "—", ok: bool | None = None) -> None:
        verdict = "info" if ok is None else ("PASS" if ok else "MISS")
        self.lines.append(Line(section, what, figure, budget, verdict))
        print(f"  [{verdict:4}] {what}: {figure}   (budget {budget})", flush=True)

    def note(self, text: str) -> None:
        self.notes.append(text)
        print(f"  note: {text}", flush=True)

    def markdown(self) -> str:
        out = [
            "# Index benchmark (full scale)",
            "",
            "Written by `python bench/bench_index.py`; do not edit by hand.",
            "",
        ]
        out += ["## Machine", ""]
        out += [f"- {k}: {v}" for k, v in self.machine.items()]
        sections: list[str] = []
        for line in self.lines:
            if line.section not in sections:
                sections.append(line.section)
        for section in sections:
            out += ["", f"## {section}", "", "| what | figure | budget | verdict |", "|---|---|---|---|"]
            for line in self.lines:
                if line.section == section:
                    cells = (line.what, line.figure, line.budget, line.verdict)
                    out.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
        if self.notes:
            out += ["", "## Notes", ""]
            out += [f"- {n}" for n in self.notes]
        misses = [line.what for line in self.lines if line.verdict == "MISS"]
        out += ["", "## Summary", ""]
        passes = sum(1 for line in self.lines if line.verdict == "PASS")
        out.append(f"{passes} PASS, {len(misses)} MISS" + (": " + "; ".join(misses) if misses else "."))
        return "\n".join(out) + "\n"


# ------------------------------------------------------------------------------------------------------
# Helpers
# ------------------------------------------------------------------------------------------------------
def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f}"


def gib(n_bytes: float) -> str:
    return f"{n_bytes / GIB:.2f} GiB"


def mib(n_bytes: float) -> str:
    return f"{n_bytes / 2**20:,.0f} MiB"


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms"


def file_size(path: Path) -> int:
    return sum(p.stat().st_size for p in (path, path.with_name(path.name + ".wal")) if p.exists())


def remove_db(path: Path) -> None:
    for p in (path, path.with_name(path.name + ".wal")):
        if p.exists():
            p.unlink()


def busy_cpu_seconds() -> float:
    """CPU time the whole machine has spent busy (all processes, all cores) since boot."""
    with open("/proc/stat") as fh:
        ticks = [int(x) for x in fh.readline().split()[1:]]
    idle = ticks[3] + ticks[4]  # idle + iowait
    return (sum(ticks[:8]) - idle) / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class ChildRun:
    seconds: float  # wall time of the whole process
    peak_rss: int  # bytes: the process's own VmHWM (high-water RSS), reported by the child itself
    cpu: float  # CPU seconds the process used (user + system)
    others_cpu: float  # CPU seconds the rest of the machine used meanwhile (interference)
    out: dict[str, Any]  # the last stdout line, parsed as JSON when it is JSON

    def cpu_note(self) -> str:
        return f"CPU {self.cpu:.1f} s, other processes {self.others_cpu:.1f} CPU-s meanwhile"


def run_child(argv: Sequence[str], log: Path | None = None) -> ChildRun:
    """Run a process and return its wall time and its own peak RSS (os.wait4, not all children so far)."""
    sink = open(log, "w") if log else subprocess.DEVNULL  # noqa: SIM115 - closed below
    try:
        busy = busy_cpu_seconds()
        started = time.perf_counter()
        proc = subprocess.Popen(list(argv), stdout=subprocess.PIPE, stderr=sink, text=True)
        assert proc.stdout is not None
        stdout = proc.stdout.read()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        busy = busy_cpu_seconds() - busy
        proc.returncode = os.waitstatus_to_exitcode(status)
    finally:
        if log:
            sink.close()  # type: ignore[union-attr]
    if log:
        with open(log, "a") as fh:
            fh.write(stdout)
    if proc.returncode != 0:
        raise RuntimeError(
            f"{' '.join(argv)} failed ({proc.returncode}); see {log or 'its output'}:\n{stdout}"
        )
    last = stdout.strip().splitlines()[-1] if stdout.strip() else ""
    try:
        out = json.loads(last) if last.startswith("{") else {}
    except json.JSONDecodeError:
        out = {}
    cpu = usage.ru_utime + usage.ru_stime
    # Not usage.ru_maxrss: a child started with vfork+exec inherits the parent's RSS high-water mark, so
    # it would report this (big, index-caching) process's peak instead of its own.
    if "vmhwm" not in out:
        raise RuntimeError(f"{' '.join(argv)} did not report its peak RSS")
    return ChildRun(seconds, int(out["vmhwm"]), cpu, max(0.0, busy - cpu), out)


def child(kind: str, **args: Any) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), "--child", json.dumps({"kind": kind, **args})]


@dataclass(frozen=True)
class Timing:
    cold: float
    warm: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.warm)

    def show(self) -> str:
        return (
            f"median {ms(self.median)} (min {ms(min(self.warm))}, max {ms(max(self.warm))}, "
            f"{len(self.warm)} warm runs); cold {ms(self.cold)}"
        )


def fetch_all(ix: Index, query: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    return ix.con.execute(query, params).fetchall()


def measure(db: Path, fn: Callable[[Index], T], runs: int) -> tuple[Timing, T]:
    """Cold call on a freshly opened index, then `runs` warm calls."""
    with Index(db) as ix:
        started = time.perf_counter()
        result = fn(ix)
        cold = time.perf_counter() - started
        warm = []
        for _ in range(runs):
            started = time.perf_counter()
            result = fn(ix)
            warm.append(time.perf_counter() - started)
    return Timing(cold, warm), result


# ------------------------------------------------------------------------------------------------------
# Child processes (builds and exports, so each has its own peak RSS)
# ------------------------------------------------------------------------------------------------------
def vm_kib(field_name: str) -> int:
    """A VmRSS/VmHWM line of /proc/self/status, in bytes."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field_name + ":"):
                return int(line.split()[1]) * 1024
    return 0


def child_main(spec: dict[str, Any]) -> None:
    kind = spec["kind"]
    started = time.perf_counter()
    if kind == "cli":
        from medinst_tui.cli.main import main as cli_main

        code = cli_main(list(spec["argv"]))
        if code:
            raise SystemExit(code)
        sys.stdout.flush()
        rows = -1  # read from the index by the caller
    elif kind in ("baseline_load", "baseline_parquet"):  # DuckDB's own one-statement load (bench_parquet too)
        con = duckdb.connect(spec["db"])
        con.execute(f"SET memory_limit = '{spec['memory_limit']}'")
        con.execute("SET enable_progress_bar = false")
        if kind == "baseline_load":
            glob = str(Path(spec["data"]) / "*.json").replace("'", "''")
            reader = f"read_json('{glob}', format = 'newline_delimited', columns = {JSON_COLUMNS})"
        else:
            reader = "read_parquet('{}')".format(spec["glob"].replace("'", "''"))
        con.execute(f"CREATE TABLE raw AS SELECT * FROM {reader}")
        row = con.execute("SELECT count(*) FROM raw").fetchone()
        con.close()  # checkpoints: part of the load, as in our build
        rows = int(row[0]) if row else 0
    elif kind == "export_ours":
        with Index(Path(spec["db"])) as ix:
            f = Filter(categories=tuple(spec["categories"]), splits=tuple(spec["splits"]))
            rows = export(ix, f, spec["target"], force=True).rows  # runs repeat into one target
    elif kind == "export_copy":
        con = duckdb.connect(spec["db"], read_only=True)
        con.execute("SET enable_progress_bar = false")
        conds = [f"category = '{c}'" for c in spec["categories"]] + [f"split = '{s}'" for s in spec["splits"]]
        target = spec["target"].replace("'", "''")
        row = con.execute(
            f"COPY (SELECT {EXPORT_COLUMNS} FROM samples WHERE {' AND '.join(conds) or 'TRUE'}"
            f"{' ORDER BY id' if spec['order'] else ''}) TO '{target}' (FORMAT JSON)"
        ).fetchone()
        con.close()
        rows = int(row[0]) if row else 0
    else:
        raise SystemExit(f"unknown child kind {kind!r}")
    seconds = time.perf_counter() - started
    print(json.dumps({"rows": rows, "seconds": seconds, "vmhwm": vm_kib("VmHWM")}))


# ------------------------------------------------------------------------------------------------------
# The benchmark
# ------------------------------------------------------------------------------------------------------
def machine_info(data: Path) -> dict[str, str]:
    mem_kib = 0
    with open("/proc/meminfo") as fh:
        for line in fh:
            if line.startswith("MemTotal:"):
                mem_kib = int(line.split()[1])
    cpu = ""
    with open("/proc/cpuinfo") as fh:
        for line in fh:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    files = sorted(data.glob("*.json"))
    return {
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "cpu": f"{os.cpu_count()} cores (nproc), {cpu}",
        "memory": gib(mem_kib * 1024),
        "os": platform.platform(),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "data": f"{data} — {len(files)} files, {gib(sum(p.stat().st_size for p in files))}",
        "load average (1/5/15 min) at start": load(),
    }


def warm_page_cache(data: Path) -> float:
    """Read every file once so that both builds find them in the page cache (fair to whichever runs first)."""
    started = time.perf_counter()
    for path in sorted(data.glob("*.json")):
        with open(path, "rb") as fh:
            while fh.read(16 * 2**20):
                pass
    return time.perf_counter() - started


def build_steps(db: Path) -> dict[str, tuple[float, float]]:
    """The build's own per-step (wall, CPU) seconds, as the index records them (meta `build_steps`)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        row = con.execute("SELECT value FROM meta WHERE key = 'build_steps'").fetchone()
    finally:
        con.close()
    raw = json.loads(str(row[0])) if row else {}
    return {k: (float(v[0]), float(v[1])) for k, v in raw.items()}


def bench_build(report: Report, data: Path, db: Path, work: Path, memory_limit: str, pairs: int) -> None:
    section = "Build (index from local JSON files)"
    print(f"\n== {section}", flush=True)
    warm = warm_page_cache(data)
    report.note(f"page cache warmed before the builds by reading all files once ({warm:.1f} s)")
    baseline_db = work / "baseline_read_json.duckdb"
    plain_db = work / "no_search_index.duckdb"
    # (label, extra flags, target): without the search index, then the product index with it
    variants = [
        ("medinst index --from --no-search-index", ["--no-search-index"], plain_db),
        ("medinst index --from", [], db),
    ]
    ratios: dict[str, tuple[list[float], list[float]]] = {v[0]: ([], []) for v in variants}
    runs: dict[str, list[ChildRun]] = {v[0]: [] for v in variants}
    sizes: dict[str, int] = {}
    steps: dict[str, dict[str, tuple[float, float]]] = {}
    # Interleaved: baseline, ours without, ours with, baseline ... so that drift in the machine's load
    # hits all alike; each triple gives one ratio per variant, the headline is the median of those.
    for n in range(1, pairs + 1):
        remove_db(baseline_db)
        base_load = load()
        print(f"  pair {n}: baseline read_json ... load {base_load}", flush=True)
        base = run_child(
            child("baseline_load", db=str(baseline_db), data=str(data), memory_limit=memory_limit),
            work / f"baseline_{n}.log",
        )
        base_rows = int(base.out["rows"])
        sizes["baseline"] = file_size(baseline_db)
        report.add(
            section,
            f"pair {n}: DuckDB read_json, one statement, into a bare table",
            f"{base.seconds:.1f} s, {base_rows:,} rows, {base_rows / base.seconds:,.0f} rows/s, "
            f"peak RSS {gib(base.peak_rss)}, file {gib(sizes['baseline'])}; {base.cpu_note()}; "
            f"load {base_load}",
        )
        remove_db(baseline_db)
        for label, flags, target in variants:
            remove_db(target)
            ours_load = load()
            print(f"  pair {n}: {label} ... load {ours_load}", flush=True)
            # The CLI's own main() (what `medinst index` and `python -m medinst_tui index` run), in a
            # child process of its own that also reports its peak RSS.
            argv = ["index", "--from", str(data), "--db", str(target), "--memory-limit", memory_limit, *flags]
            ours = run_child(child("cli", argv=argv), work / f"index_build_{n}_{len(flags)}.log")
            runs[label].append(ours)
            with Index(target) as ix:
                rows = ix.count()
                files = len(ix.con.execute("SELECT * FROM blocks").fetchall())
            sizes[label] = file_size(target)
            steps[label] = build_steps(target)
            report.add(
                section,
                f"pair {n}: {label} (memory_limit {memory_limit})",
                f"{ours.seconds:.1f} s, {rows:,} rows from {files} files, {rows / ours.seconds:,.0f} rows/s, "
                f"peak RSS {gib(ours.peak_rss)}, file {gib(sizes[label])}; {ours.cpu_note()}; "
                f"load {ours_load}",
            )
            ratios[label][0].append(ours.seconds / base.seconds)
            ratios[label][1].append(ours.cpu / base.cpu)
    remove_db(plain_db)
    for (label, _, _), budget, what in zip(
        variants,
        (BUILD_RATIO, BUILD_SEARCH_RATIO),
        ("without the search index", "with the search index"),
        strict=True,
    ):
        for kind, values in zip(("wall", "CPU"), ratios[label], strict=True):
            value = statistics.median(values)
            report.add(
                section,
                f"build {kind} time, ours / DuckDB read_json, {what} (median of per-pair ratios)",
                f"{value:.2f}x (pairs: {', '.join(f'{r:.2f}x' for r in values)})",
                f"≤ {budget}x",
                value <= budget,
            )
    plain, full = (v[0] for v in variants)
    extra = [w / p for w, p in zip(*(ratios[v][0] for v in (full, plain)), strict=True)]
    report.add(
        section,
        "the search index's share: build wall time with / without it (median of per-pair ratios)",
        f"{statistics.median(extra):.2f}x (pairs: {', '.join(f'{r:.2f}x' for r in extra)})",
        "≤ 1.3x",
        statistics.median(extra) <= 1.3,
    )
    size_ratio = sizes[full] / sizes[plain]
    report.add(
        section,
        "index file size with the search index / without",
        f"{size_ratio:.2f}x ({gib(sizes[full])} / {gib(sizes[plain])}; DuckDB's bare table "
        f"{gib(sizes['baseline'])})",
        f"≤ {SIZE_RATIO}x",
        size_ratio <= SIZE_RATIO,
    )
    peak = max(r.peak_rss for label in runs for r in runs[label])
    report.add(section, "peak RSS of medinst index", gib(peak), f"≤ {gib(BUILD_RSS)}", peak <= BUILD_RSS)
    step_section = "Where the build's time goes (last pair, per step, as the index records it)"
    for label in (plain, full):
        total = sum(w for w, _ in steps[label].values()) or 1.0
        for name, (wall, cpu) in steps[label].items():
            report.add(
                step_section,
                f"{label}: {name}",
                f"{wall:.1f} s wall ({wall / total:.0%}), CPU {cpu:.1f} s",
            )
    # The CLI's own summary line (rich may wrap it over several lines).
    log = " ".join((work / f"index_build_{pairs}_0.log").read_text(errors="replace").split())
    summary = re.search(r"Indexed .*? rows/s\)\.", log)
    if summary:
        report.note(f"CLI report (last build, with the search index): {summary.group(0)}")


def bench_queries(report: Report, db: Path, runs: int) -> None:
    section = "Queries on the index (warm median; first call on a fresh connection = cold)"
    print(f"\n== {section}", flush=True)
    section_start, busy_start = time.perf_counter(), busy_cpu_seconds()
    own = resource.getrusage(resource.RUSAGE_SELF)
    own_cpu_start = own.ru_utime + own.ru_stime
    started = time.perf_counter()
    with Index(db) as ix:
        opened = time.perf_counter() - started
        total = ix.count()
        by_cat = ix.facets().by_category()
        big_task = max(ix.facets().by_task().items(), key=lambda kv: kv[1])[0]
    report.add(section, "open the index read-only", ms(opened))
    report.note(
        f"index: {total:,} rows; categories " + ", ".join(f"{c} {n:,}" for c, n in sorted(by_cat.items()))
    )

    # Facets.
    facet_filters = [
        ("no filter", Filter()),
        ("category NER", Filter(categories=("NER",))),
        ("category NER + split test", Filter(categories=("NER",), splits=("test",))),
        (f"task {big_task}", Filter(tasks=(big_task,))),
    ]
    for label, f in facet_filters:
        timing, facets = measure(db, partial(Index.facets, f=f), runs)
        report.add(
            section, f"facet counts, {label} ({facets.total:,} rows)", timing.show(), f"≤ {FACETS_MS:.0f} ms",
            timing.median * 1000 <= FACETS_MS,
        )  # fmt: skip

    # Pages: keyset (page_at) here; the naive OFFSET query for the same rows runs at the very end, so
    # that its big sorts do not inflate the RSS figures of the product's own queries below.
    position = 1_000_000
    page_cases = [
        ("first page, no filter", Filter(), 0),
        (f"page at row {position:,}, no filter", Filter(), position),
        ("page at row 9,900,000, no filter", Filter(), 9_900_000),
        (f"page at row {position:,}, category NED", Filter(categories=("NED",)), position),
        (f"page at row {position:,}, category TRANSL", Filter(categories=("TRANSL",)), position),
    ]
    pages: list[tuple[str, Filter, int, Timing, list[int]]] = []
    for label, f, pos in page_cases:
        timing, result = measure(db, partial(Index.page_at, f=f, position=pos, limit=100), runs)
        pages.append((label, f, pos, timing, [r.id for r in result]))
        print(f"  page_at {label}: {timing.show()}", flush=True)
    page_slot = len(report.lines)
    report.add(
        section,
        "peak RSS of this (browsing) process after the facet and page queries",
        f"{mib(vm_kib('VmHWM'))} (now {mib(vm_kib('VmRSS'))})",
    )

    # Text search: bench/bench_search.py (first pages, counts and facets under a search, beside the bare
    # DuckDB scan, against the budgets; results/search.md).
    report.note("text search: see [search.md](search.md), written by `bench/bench_search.py`")

    # Seeded samples.
    for label, f in [("no filter", Filter()), ("category NER", Filter(categories=("NER",)))]:
        timing, result = measure(db, partial(Index.sample, f=f, k=10, seed=7), runs)
        _, result2 = measure(db, partial(Index.sample, f=f, k=10, seed=7), 0)
        same = [r.id for r in result] == [r.id for r in result2]
        report.add(
            section, f"seeded sample of 10 rows, {label}", f"{timing.show()}; same rows on reopen: {same}"
        )
    report.add(
        section,
        "peak RSS of this (browsing) process after all the queries above",
        f"{mib(vm_kib('VmHWM'))} (now {mib(vm_kib('VmRSS'))}); Index caps DuckDB's memory",
    )

    page_lines: list[Line] = []
    for label, f, pos, timing, ids in pages:
        clause, params = where(f)
        naive_sql = f"SELECT {PAGE_COLUMNS} FROM samples WHERE {clause} ORDER BY id LIMIT 100 OFFSET {pos}"
        naive, naive_rows = measure(db, partial(fetch_all, query=naive_sql, params=params), runs)
        same = ids == [int(r[0]) for r in naive_rows] and len(ids) == 100
        ok = timing.median * 1000 <= PAGE_MS and same
        page_lines.append(
            Line(
                section,
                f"{label} (page_at, 100 rows)",
                f"{timing.show()}; naive OFFSET: median {ms(naive.median)}, cold {ms(naive.cold)}; "
                f"same rows: {'yes' if same else 'NO'}",
                f"≤ {PAGE_MS:.0f} ms",
                "PASS" if ok else "MISS",
            )
        )
        print(f"  [{page_lines[-1].verdict:4}] {page_lines[-1].what}: {page_lines[-1].figure}", flush=True)
    report.lines[page_slot:page_slot] = page_lines
    own = resource.getrusage(resource.RUSAGE_SELF)
    own_cpu = own.ru_utime + own.ru_stime - own_cpu_start
    others = max(0.0, busy_cpu_seconds() - busy_start - own_cpu)
    wall = time.perf_counter() - section_start
    report.note(
        f"query section: {wall:.0f} s wall; other processes used {others:.0f} CPU-s meanwhile "
        f"({others / wall:.2f} cores on average, of {os.cpu_count()})"
    )


def run_command(argv: Sequence[str]) -> tuple[float, float]:
    """Wall time and CPU seconds (user + system) of one whole process, start-up included."""
    started = time.perf_counter()
    proc = subprocess.Popen(list(argv), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    assert proc.stderr is not None
    errors = proc.stderr.read().decode(errors="replace")
    proc.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(argv)} failed: {errors}")
    return seconds, usage.ru_utime + usage.ru_stime


def medinst_command() -> list[str]:
    """The `medinst` console script next to this interpreter (what a user runs), else `python -m`."""
    script = Path(sys.executable).with_name("medinst")
    found = str(script) if script.exists() else shutil.which("medinst")
    return [found] if found else [sys.executable, "-m", "medinst_tui"]


PLAIN_COPY = "DuckDB COPY (SELECT ...) TO (FORMAT JSON), no ORDER BY"


def bench_export(report: Report, db: Path, work: Path, runs: int) -> None:
    section = "Export to JSONL (each run in its own process, interleaved)"
    print(f"\n== {section}", flush=True)
    # (label, categories, splits, runs, also time the whole `medinst export` command)
    cases = [
        ("all NER test rows", ["NER"], ["test"], runs, True),
        ("all TRANSL rows", ["TRANSL"], [], 2, True),
        ("all NED rows", ["NED"], [], 2, False),
    ]
    peaks: dict[str, int] = {}
    counts: dict[str, int] = {}
    cli = medinst_command()
    report.note(
        f"export: medinst's export() writes rows in id order by construction (ORDER BY id). The speed "
        f"baseline is a plain `{PLAIN_COPY}`: each row says whether it wrote the same bytes, but its order "
        "is only incidental (DuckDB promises no order without ORDER BY), so it is not an equivalent. "
        "`COPY (... ORDER BY id)`, the equivalent, is an info row."
    )
    report.note(
        f"export: the whole command is `{' '.join(Path(c).name for c in cli)} export ... -o FILE --force`"
    )
    for label, cats, splits, n_runs, with_cli in cases:
        ours_target = work / "export_ours.jsonl"
        copy_target = work / "export_copy.jsonl"
        cli_target = work / "export_cli.jsonl"
        common = {"db": str(db), "categories": cats, "splits": splits}
        ours_runs: list[ChildRun] = []
        copy_runs: list[ChildRun] = []
        cli_runs: list[tuple[float, float]] = []
        same = same_cli = 0
        loads: list[str] = []
        for _ in range(n_runs):  # alternate, so drift hits both alike
            loads.append(load().split(" / ")[0])
            ours_runs.append(run_child(child("export_ours", target=str(ours_target), **common)))
            copy_runs.append(run_child(child("export_copy", target=str(copy_target), order=False, **common)))
            same += filecmp.cmp(ours_target, copy_target, shallow=False)
            if with_cli:
                flags = [a for c in cats for a in ("--category", c)] + [
                    a for sp in splits for a in ("--split", sp)
                ]
                cli_runs.append(
                    run_command([*cli, "export", *flags, "-o", str(cli_target), "--force", "--db", str(db)])
                )
                same_cli += filecmp.cmp(cli_target, copy_target, shallow=False)
                cli_target.unlink()
        rows = int(ours_runs[0].out["rows"])
        copy_rows = int(copy_runs[0].out["rows"])
        with open(ours_target, "rb") as fh:
            lines = sum(1 for _ in fh)
        size = ours_target.stat().st_size
        ordered = run_child(child("export_copy", target=str(copy_target), order=True, **common))
        same_ordered = filecmp.cmp(ours_target, copy_target, shallow=False)
        ours_target.unlink()
        copy_target.unlink()
        ours_s = statistics.median(float(r.out["seconds"]) for r in ours_runs)
        copy_s = statistics.median(float(r.out["seconds"]) for r in copy_runs)
        peak = max(r.peak_rss for r in ours_runs)
        peaks[label] = peak
        counts[label] = rows
        at = f"load (1 min) {', '.join(loads)}"
        report.add(
            section,
            f"export(), {label}",
            f"{rows:,} rows ({lines:,} lines, {mib(size)}) in {ours_s:.2f} s = {rows / ours_s:,.0f} rows/s "
            f"(median of {n_runs}); peak RSS {mib(peak)}; {ours_runs[0].cpu_note()} (first run); {at}",
        )
        report.add(
            section,
            f"{PLAIN_COPY}, {label}",
            f"{copy_rows:,} rows in {copy_s:.2f} s = {copy_rows / copy_s:,.0f} rows/s (median of {n_runs}); "
            f"peak RSS {mib(max(r.peak_rss for r in copy_runs))}; byte-identical to export(): "
            f"{same} of {n_runs} runs",
        )
        ratios = [
            float(o.out["seconds"]) / float(c.out["seconds"])
            for o, c in zip(ours_runs, copy_runs, strict=True)
        ]
        ratio = statistics.median(ratios)
        report.add(
            section,
            f"export() call / plain COPY statement, {label} (median of per-run ratios)",
            f"{ratio:.2f}x (runs: {', '.join(f'{r:.2f}x' for r in ratios)}); {at}",
            f"≤ {EXPORT_RATIO}x",
            ratio <= EXPORT_RATIO and rows == copy_rows == lines and same == n_runs,
        )
        if with_cli:
            copy_wall = statistics.median(c.seconds for c in copy_runs)
            cmd = [w / c.seconds for (w, _), c in zip(cli_runs, copy_runs, strict=True)]
            report.add(
                section,
                f"whole `medinst export` command / plain COPY process, {label} (median of per-run ratios)",
                f"{statistics.median(cmd):.2f}x (runs: {', '.join(f'{r:.2f}x' for r in cmd)}); command "
                f"{statistics.median(w for w, _ in cli_runs):.2f} s wall, CPU "
                f"{statistics.median(c for _, c in cli_runs):.2f} s; plain COPY process (python start, "
                f"import duckdb, connect, COPY) {copy_wall:.2f} s wall; "
                f"same bytes as COPY: {same_cli} of {n_runs} runs; {at}",
            )
        report.add(
            section,
            f"DuckDB COPY (SELECT ... ORDER BY id) TO (FORMAT JSON), {label} (one run, info)",
            f"{float(ordered.out['seconds']):.2f} s, peak RSS {mib(ordered.peak_rss)}; export() call / this: "
            f"{ours_s / float(ordered.out['seconds']):.2f}x; byte-identical to export(): "
            f"{'yes' if same_ordered else 'NO'}",
        )
    small, mid, big = ("all NER test rows", "all TRANSL rows", "all NED rows")
    report.add(
        section,
        "export memory flat in the number of rows",
        f"peak RSS {mib(peaks[big])} for all NED ({counts[big]:,} rows) vs {mib(peaks[mid])} for all TRANSL "
        f"({counts[mid]:,} rows) and {mib(peaks[small])} for NER test ({counts[small]:,} rows)",
        f"NED ≤ {EXPORT_FLAT_FACTOR:.1f}x TRANSL",
        peaks[big] <= EXPORT_FLAT_FACTOR * peaks[mid],
    )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", type=Path, default=DATA)
    p.add_argument("--db", type=Path, default=DB)
    p.add_argument("--skip-build", action="store_true", help="measure the existing --db, build nothing")
    p.add_argument("--runs", type=int, default=7, help="warm runs per query (median; default 7)")
    p.add_argument("--export-runs", type=int, default=3, help="runs per small export (default 3)")
    p.add_argument(
        "--build-pairs", type=int, default=2, help="interleaved (baseline, ours) build pairs (default 2)"
    )
    p.add_argument("--memory-limit", default="3GB", help="DuckDB memory_limit for both builds")
    p.add_argument(
        "--work",
        type=Path,
        help="folder for the scratch files (baseline index, export files, build logs); default: a new "
        "temporary folder, removed at the end",
    )
    p.add_argument(
        "--skip-queries", action="store_true", help="skip the query section (build and export only)"
    )
    p.add_argument("--out", type=Path, default=RESULTS)
    p.add_argument("--child", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        child_main(json.loads(args.child))
        return 0
    data, db = args.data.resolve(), args.db.resolve()
    if args.build_pairs < 1 or args.export_runs < 1:
        p.error("--build-pairs and --export-runs must be at least 1")
    with contextlib.ExitStack() as stack:
        if args.work is None:
            work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="medinst-bench-")))
        else:
            work = args.work.resolve()
            work.mkdir(parents=True, exist_ok=True)
        report = Report(machine=machine_info(data))
        report.machine["command"] = (
            "`python bench/bench_index.py "
            + " ".join(a for a in (argv if argv is not None else sys.argv[1:]))
            + "`"
        )
        for k, v in report.machine.items():
            print(f"{k}: {v}")
        print(f"scratch files under {work}")
        if args.skip_build:
            report.note("--skip-build: the build figures were not measured in this run")
        else:
            bench_build(report, data, db, work, args.memory_limit, args.build_pairs)
        report.machine["load average after the build"] = load()
        if args.skip_queries:
            report.note("--skip-queries: the query figures were not measured in this run")
        else:
            bench_queries(report, db, args.runs)
        bench_export(report, db, work, args.export_runs)
        report.machine["load average at the end"] = load()
    text = report.markdown()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print("\n" + text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
