"""Write a full-scale synthetic MEDINST (163 tasks, real per-task split sizes) for the benchmarks.

    python bench/gen_synthetic.py --out bench/data/full [--scale 1.0] [--seed 0] [--workers 2]

Each task and non-empty split becomes ``<Task>_<split>.json``: JSON Lines (or a JSON array with
``--format array``, gzipped with ``--gzip``) of objects with string fields ``instruction``, ``input``
and ``output``, shaped like the task's category in the real data. The text pools, the per-task specs
and the row makers are scripts/medinst_synth/bench (vocabularies in scripts/medinst_synth/data/bench),
the row shapes scripts/medinst_synth/writers.py, which the bundled demo set shares; this file plans
the files and writes them.

Speed: every worker builds the same seeded pools once and rows are assembled from whole pool
entries; pool text is escape-safe, so a row's JSON is built by concatenation. Each file has its own
generator seeded from (seed, task, split): bytes do not depend on the number of workers, and a
smaller --scale yields a prefix of the rows of a larger one.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import random
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing import Pool
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The generator package lives in scripts/ (standard library only, no install needed).
if str(ROOT / "scripts") not in sys.path:
    sys.path.insert(0, str(ROOT / "scripts"))

from medinst_synth.bench.pools import init_worker  # noqa: E402  (after the path)
from medinst_synth.bench.rows import ROW_MAKERS  # noqa: E402
from medinst_synth.bench.specs import TaskSpec, build_spec  # noqa: E402

CATALOG = ROOT / "medinst_tui" / "data" / "tasks.csv"
SPLITS = ("train", "dev", "test")
BATCH_ROWS = 20_000


@dataclass(frozen=True)
class Job:
    spec: TaskSpec
    split: str
    rows: int
    path: Path
    array: bool
    gzip: bool
    seed: int


def scaled_rows(n: int, scale: float) -> int:
    """Rows of a split at --scale: 0 stays 0, any non-empty split keeps at least one row."""
    return 0 if n <= 0 else max(1, round(n * scale))


def read_catalog(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def plan_jobs(
    catalog: list[dict[str, str]],
    out: Path,
    scale: float,
    seed: int,
    tasks: set[str] | None = None,
    array: bool = False,
    gz: bool = False,
) -> list[Job]:
    """All files to write, largest first so a pool of workers finishes together."""
    jobs = []
    for row in catalog:
        if tasks is not None and row["name"] not in tasks:
            continue
        spec = build_spec(row["name"], row["category"], seed)
        for split in SPLITS:
            n = scaled_rows(int(row[split]), scale)
            if n:
                name = f"{spec.name}_{split}.json" + (".gz" if gz else "")
                jobs.append(Job(spec, split, n, out / name, array, gz, seed))
    jobs.sort(key=lambda j: -j.rows)
    return jobs


def write_file(job: Job) -> tuple[str, int, int]:
    """Write one file (through a .part name, so a killed run leaves no half file); returns
    (name, rows, bytes on disk)."""
    tmp = job.path.with_name(job.path.name + ".part")
    with tmp.open("wb") as raw:
        if job.gzip:  # no name, mtime 0: the same rows give the same bytes
            with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz:
                write_rows(job, gz.write)
        else:
            write_rows(job, raw.write)
    tmp.replace(job.path)
    return job.path.name, job.rows, job.path.stat().st_size


def write_rows(job: Job, write: Callable[[bytes], object]) -> None:
    rng = random.Random(f"{job.seed}:rows:{job.spec.name}:{job.split}")
    make = ROW_MAKERS[job.spec.flavor]
    head = '{"instruction": ' + json.dumps(job.spec.instruction, ensure_ascii=False) + ', "input": "'
    mid = '", "output": "'
    tail = '"}'
    sep = ",\n" if job.array else "\n"
    write(b"[\n" if job.array else b"")
    done = 0
    while done < job.rows:
        k = min(BATCH_ROWS, job.rows - done)
        batch = []
        for _ in range(k):
            inp, out = make(rng, job.spec)
            batch.append(head + inp + mid + out + tail)
        text = sep.join(batch)
        done += k
        text += ("\n]\n" if done == job.rows else sep) if job.array else "\n"
        write(text.encode("utf-8"))


def _human(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.1f} {unit}" if unit != "B" else f"{int(n)} B"
        n /= 1024
    raise AssertionError


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--out", type=Path, required=True, help="output folder (created)")
    ap.add_argument("--scale", type=float, default=1.0, help="fraction of each split's real size")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--workers", type=int, default=2, help="processes; 1 = no pool")
    ap.add_argument("--format", choices=("jsonl", "array"), default="jsonl")
    ap.add_argument("--gzip", action="store_true", help="write <Task>_<split>.json.gz")
    ap.add_argument("--tasks", default="", help="comma-separated task names (default: all)")
    ap.add_argument("--catalog", type=Path, default=CATALOG)
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args(argv)
    if args.scale <= 0:
        ap.error("--scale must be > 0")

    catalog = read_catalog(args.catalog)
    tasks: set[str] | None = None
    if args.tasks:
        tasks = {t.strip() for t in args.tasks.split(",") if t.strip()}
        unknown = tasks - {row["name"] for row in catalog}
        if unknown:
            ap.error("unknown task(s): " + ", ".join(sorted(unknown)))
    args.out.mkdir(parents=True, exist_ok=True)
    jobs = plan_jobs(catalog, args.out, args.scale, args.seed, tasks, args.format == "array", args.gzip)

    start = time.perf_counter()
    results: list[tuple[str, int, int]] = []
    if args.workers <= 1:
        init_worker(args.seed)
        results = [write_file(job) for job in jobs]
    else:
        with Pool(args.workers, initializer=init_worker, initargs=(args.seed,)) as pool:
            for res in pool.imap_unordered(write_file, jobs, chunksize=1):
                results.append(res)
                if not args.quiet and res[1] >= 500_000:
                    print(f"  {res[0]}: {res[1]:,} rows, {_human(res[2])}", file=sys.stderr)
    seconds = time.perf_counter() - start
    rows = sum(r[1] for r in results)
    size = sum(r[2] for r in results)
    if not args.quiet:
        print(
            f"wrote {len(results)} files, {rows:,} rows, {_human(size)} to {args.out} "
            f"in {seconds:.1f} s ({rows / max(seconds, 1e-9):,.0f} rows/s, {args.workers} workers)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
