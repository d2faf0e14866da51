"""Benchmark: a whole remote batch through the batch engine and the replica pool, against a 50 ms stub.

    python bench/bench_engine.py [--rows 1000] [--concurrency 1,8,64,256] [--out bench/results/engine.md]

What `medinst run --endpoint ...` does, minus the terminal: the demo index's first ``--rows`` test rows (all
tasks, each row's own history), prompts built on the calling thread, the response cache off, every answer
scored and written to a results JSONL, the runs DB left out. The stub is bench_client.py's (raw ASGI on
uvicorn, answers after 50 ms): one replica (2 workers) and four (1 worker each). Ideal = concurrency / 50 ms.
CPU per row: this process's CPU time (all threads: prompt building, the pool, scoring, writing) / rows.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

DELAY_S = 0.05
# The figures for 1,000 MedQA requests through `medinst run` before the pool (a thread per request).
BEFORE_S = {1: 78.0, 8: 16.3, 64: 12.1, 256: 15.7}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1000)
    ap.add_argument("--concurrency", default="1,8,64,256")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "engine.md")
    args = ap.parse_args()
    from bench_client import stubs

    from medinst_tui.backends.openai_remote import OpenAIRemoteBackend
    from medinst_tui.backends.pool import ReplicaPool
    from medinst_tui.fewshot.shots import ShotSpec
    from medinst_tui.runs.engine import RunConfig, RunEngine
    from medinst_tui.sources.specs import demo_sources
    from medinst_tui.store.index import Index
    from medinst_tui.store.ingest import build_index

    levels = [int(c) for c in args.concurrency.split(",")]
    load_before = os.getloadavg()
    started = time.perf_counter()
    rows: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "demo.duckdb"
        build_index(db, demo_sources())
        for workers in ([2], [1, 1, 1, 1]):
            with stubs(workers, DELAY_S) as urls:
                for c in levels:
                    backends = [OpenAIRemoteBackend(u, "stub", max_concurrency=64) for u in urls]
                    pool = ReplicaPool(backends, concurrency=c)
                    config = RunConfig(
                        split="test", limit=args.rows, shots=ShotSpec("history"), max_tokens=16,
                        concurrency=c, use_cache=False,
                    )  # fmt: skip
                    with Index(db) as index:
                        engine = RunEngine(index, backends[0], pool=pool)
                        t0, cpu0 = time.perf_counter(), time.process_time()
                        out = engine.run(config, output=Path(tmp) / "results.jsonl", keep_results=False)
                        wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
                    for b in backends:
                        b.close()
                    n = out.n_done + out.n_errors
                    ideal = min(c, n) / DELAY_S
                    before = f"{BEFORE_S[c]:.1f} s" if c in BEFORE_S and len(urls) == 1 else ""
                    rows.append(
                        f"| {len(urls)} | {c} | {n} | {out.n_errors} | {wall:.2f} | {n / wall:,.0f} "
                        f"| {ideal:,.0f} | {n / wall / ideal:.2f} | {1000 * cpu / n:.2f} | {before} |"
                    )
                    print(rows[-1], flush=True)
    total = time.perf_counter() - started
    load_after = os.getloadavg()
    text = (
        f"""# Batch engine benchmark: `medinst run`'s path through the replica pool, against a 50 ms stub

- date: {datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")}
- machine: {platform.machine()}, nproc {os.cpu_count()}, {platform.platform()}
- python {platform.python_version()}
- command: `python bench/bench_engine.py --rows {args.rows} --concurrency {args.concurrency}`
- load average before / after: {", ".join(f"{x:.2f}" for x in load_before)} / \
{", ".join(f"{x:.2f}" for x in load_after)} (the machine is shared, and the stubs run on the same cores)
- total wall time: {total:.0f} s

The demo index's first {args.rows} test rows (all tasks, each row's own history), the response cache off:
prompts built, requests sent through the pool (not streamed), answers scored and written to a results
JSONL. CPU per row = this process's CPU time (all threads) / rows. "before": the issue's figures for 1,000
MedQA requests through `medinst run` when it sent one blocking request per thread (one replica).

| replicas | concurrency | rows | errors | wall s | rows/s | ideal rows/s | of ideal | CPU ms/row | before |
|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|
"""
        + "\n".join(rows)
        + "\n"
    )
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
