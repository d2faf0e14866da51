"""The Hub's parquet conversion vs the JSON files: what `medinst index --hub` gains by reading parquet.

    python bench/bench_parquet.py [--data bench/data/full] [--pairs 2]

Writes the JSON set once more in the conversion's layout (`<Task>/<split>/0000.parquet`, DuckDB's COPY,
zstd, row groups of 100,000 rows like the Hub's), then times in interleaved rounds, each in a process of
its own: DuckDB's one-statement read_parquet of those files into a bare table (the bare engine), `medinst
index --from PARQUET --no-search-index`, and `medinst index --from JSON --no-search-index`; both of ours
must give the same rows (per task and split: the count, and an order-free checksum of every row's record
number and text). Figures in bench/results/parquet.md. The parquet copy is kept beside the data
(`<data>-parquet`, git-ignored) and rewritten only when missing.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))

from bench_index import (  # noqa: E402
    JSON_COLUMNS,
    Report,
    child,
    file_size,
    gib,
    load,
    machine_info,
    remove_db,
    run_child,
    warm_page_cache,
)

from medinst_tui.sources.files import discover  # noqa: E402
from medinst_tui.store.index import Index  # noqa: E402

DATA = REPO / "bench" / "data" / "full"
RESULTS = REPO / "bench" / "results" / "parquet.md"
ROW_GROUP = 100_000


def write_parquet(data: Path, out: Path) -> float:
    """Every <Task>_<split>.json of `data` as out/<Task>/<split>/0000.parquet; seconds taken."""
    started = time.perf_counter()
    found, _ = discover(data)
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    for f in found:
        target = out / f.task / f.split / "0000.parquet"
        target.parent.mkdir(parents=True, exist_ok=True)
        src, dst = str(f.path).replace("'", "''"), str(target).replace("'", "''")
        con.execute(
            f"COPY (SELECT * FROM read_json('{src}', format = 'newline_delimited', "
            f"columns = {JSON_COLUMNS})) TO '{dst}' (FORMAT parquet, COMPRESSION zstd, "
            f"ROW_GROUP_SIZE {ROW_GROUP})"
        )
    con.close()
    return time.perf_counter() - started


def rows_by_split(db: Path) -> dict[tuple[str, str], tuple[int, int]]:
    """Per task and split: the rows, and an order-free checksum of their text and record numbers."""
    with Index(db) as ix:
        rows = ix.con.execute(
            "SELECT task, split, count(*), bit_xor(hash(line, instruction, input, output, history)) "
            "FROM samples GROUP BY ALL"
        ).fetchall()
    return {(str(t), str(s)): (int(n), int(h)) for t, s, n, h in rows}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", type=Path, default=DATA)
    p.add_argument("--pairs", type=int, default=2, help="interleaved rounds (default 2)")
    p.add_argument("--memory-limit", default="3GB")
    p.add_argument("--work", type=Path, default=Path("/tmp/medinst-bench-parquet"))
    p.add_argument("--out", type=Path, default=RESULTS)
    args = p.parse_args(argv)
    data = args.data.resolve()
    parquet = data.with_name(data.name + "-parquet")
    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    report = Report(machine=machine_info(data))
    report.machine["command"] = "`python bench/bench_parquet.py " + " ".join(argv or sys.argv[1:]) + "`"
    if not parquet.exists():
        seconds = write_parquet(data, parquet)
        report.note(f"parquet copy written in {seconds:.1f} s")
    size = sum(f.stat().st_size for f in parquet.rglob("*.parquet"))
    report.machine["parquet copy"] = (
        f"{parquet} — {gib(size)} (JSON {gib(sum(f.size for f in discover(data)[0]))})"
    )
    warm_page_cache(data)
    warm_page_cache(parquet)
    section = "Build from parquet vs JSON (no search index)"
    base_db, pq_db, json_db = work / "bare.duckdb", work / "parquet.duckdb", work / "json.duckdb"
    times: dict[str, list[float]] = {"bare": [], "parquet": [], "json": []}
    cpus: dict[str, list[float]] = {"bare": [], "parquet": [], "json": []}
    for n in range(1, args.pairs + 1):
        remove_db(base_db)
        glob = str(parquet / "*" / "*" / "*.parquet")
        bare = run_child(
            child("baseline_parquet", db=str(base_db), glob=glob, memory_limit=args.memory_limit),
            work / f"bare_{n}.log",
        )
        report.add(
            section,
            f"round {n}: DuckDB read_parquet, one statement, into a bare table",
            f"{bare.seconds:.1f} s, {int(bare.out['rows']):,} rows; {bare.cpu_note()}; load {load()}",
        )
        times["bare"].append(bare.seconds)
        cpus["bare"].append(bare.cpu)
        for kind, source, target in (("parquet", parquet, pq_db), ("json", data, json_db)):
            remove_db(target)
            argv_ = [
                "index",
                "--from",
                str(source),
                "--db",
                str(target),
                "--memory-limit",
                args.memory_limit,
                "--no-search-index",
            ]
            run = run_child(child("cli", argv=argv_), work / f"{kind}_{n}.log")
            times[kind].append(run.seconds)
            cpus[kind].append(run.cpu)
            report.add(
                section,
                f"round {n}: medinst index --from {kind.upper()} --no-search-index",
                f"{run.seconds:.1f} s, peak RSS {gib(run.peak_rss)}, file {gib(file_size(target))}; "
                f"{run.cpu_note()}; load {load()}",
            )
    same = rows_by_split(pq_db) == rows_by_split(json_db)
    report.add(
        section,
        "same rows per task and split from parquet and from JSON",
        "yes" if same else "NO",
        "equal",
        same,
    )
    med = {k: statistics.median(v) for k, v in times.items()}
    med_cpu = {k: statistics.median(v) for k, v in cpus.items()}
    report.add(
        section,
        "medinst index from parquet / from JSON (wall, median)",
        f"{med['parquet'] / med['json']:.2f}x ({med['parquet']:.1f} s / {med['json']:.1f} s; "
        f"CPU {med_cpu['parquet']:.1f} / {med_cpu['json']:.1f} s)",
    )
    report.add(
        section,
        "medinst index from parquet / DuckDB read_parquet (wall, median)",
        f"{med['parquet'] / med['bare']:.2f}x ({med['parquet']:.1f} s / {med['bare']:.1f} s; "
        f"CPU {med_cpu['parquet'] / med_cpu['bare']:.2f}x)",
    )
    for db in (base_db, pq_db, json_db):
        remove_db(db)
    text = report.markdown().replace("# Index benchmark (full scale)", "# Parquet vs JSON build (full scale)")
    text = text.replace(
        "python bench/bench_index.py`; do not edit", "python bench/bench_parquet.py`; do not edit"
    )
    args.out.write_text(text, encoding="utf-8")
    print("\n" + text)
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
