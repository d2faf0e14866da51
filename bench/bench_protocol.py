"""Benchmark: the MEDINST32 protocol end to end on the demo index against a real loopback llama_cpp.server.

    python bench/bench_protocol.py [--per-task 2] [--max-tokens 64] [--out bench/results/protocol.md]

`medinst eval medinst32 --per-task N --endpoint URL -o DIR` as a user runs it (a subprocess: start-up,
index, prompt building, requests, scoring, the official file, the Table 3 report and the record
included), against `python -m llama_cpp.server` serving the embedded SmolLM2-135M (one request at a
time, `--interrupt_requests False`, 1 thread each for the server and its batch). `--max-tokens` caps the
answers (the paper's 1,024 would make this a benchmark of a 135M model's rambling): the run labels it as a
deviation, and so does this file. Time per task = the sum of its rows' request times (`total_s` in the
results file: sent to last token), the wall time of the whole command beside it.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--per-task", type=int, default=2)
    ap.add_argument("--max-tokens", type=int, default=64)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "protocol.md")
    args = ap.parse_args()
    from bench_backend import pick_model

    from medinst_tui.sources.specs import demo_sources
    from medinst_tui.store.ingest import build_index
    from tests.conftest_backends import running_llama_server

    model, model_label = pick_model()
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        db = tmp / "demo.duckdb"
        build_index(db, demo_sources())
        out_dir = tmp / "eval"
        env = {
            **os.environ,
            "MEDINST_CONFIG_DIR": str(tmp / "config"),
            "MEDINST_DATA_DIR": str(tmp / "data"),
            "MEDINST_CACHE_DIR": str(tmp / "cache"),
        }
        with running_llama_server(model, tmp, n_ctx=4096) as server:
            env["BENCH_LLAMA_KEY"] = server.api_key
            command = [
                sys.executable, "-m", "medinst_tui", "eval", "medinst32", "--db", str(db),
                "--endpoint", server.base_url, "--api-key-env", "BENCH_LLAMA_KEY",
                "--per-task", str(args.per_task), "--max-tokens", str(args.max_tokens),
                "--no-cache", "-o", str(out_dir),
            ]  # fmt: skip
            cpu_before = os.times()
            started = time.perf_counter()
            done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
            wall = time.perf_counter() - started
            cpu_after = os.times()
        if done.returncode != 0:
            print(done.stdout[-3000:], done.stderr[-3000:], sep="\n")
            return done.returncode
        results = [json.loads(line) for line in (out_dir / "results.jsonl").read_text().splitlines() if line]
        record = json.loads((out_dir / "record.json").read_text())
        table3 = (out_dir / "table3.md").read_text()
    client_cpu = (cpu_after.children_user + cpu_after.children_system) - (
        cpu_before.children_user + cpu_before.children_system
    )
    text = report(args, model_label, results, record, table3, wall, client_cpu, load_before, done.stderr)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(text)
    return 0


def report(
    args: argparse.Namespace,
    model_label: str,
    results: list[dict[str, Any]],
    record: dict[str, Any],
    table3: str,
    wall: float,
    client_cpu: float,
    load_before: tuple[float, float, float],
    stderr: str,
) -> str:
    per_task: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in results:
        per_task[r["task"]].append(r)
    request_s = sum(float(r.get("total_s") or 0.0) for r in results)
    errors = sum(1 for r in results if r.get("error"))
    tokens = sum(int(r.get("completion_tokens") or 0) for r in results)
    listed = (record.get("protocol") or {}).get("deviations") or []
    deviations = "; ".join(f"{d['what']}: {d['how']}" for d in listed) or "none"
    lines = [
        "# Protocol benchmark: `medinst eval medinst32` on the demo index, loopback llama_cpp.server",
        "",
        f"- date: {datetime.datetime.now(datetime.UTC).isoformat(timespec='seconds')}",
        f"- machine: {platform.machine()}, nproc {os.cpu_count()}, {platform.platform()}",
        f"- python {platform.python_version()}",
        f"- command: `python bench/bench_protocol.py --per-task {args.per_task}"
        f" --max-tokens {args.max_tokens}`",
        f"- model: {model_label}, served by `python -m llama_cpp.server`"
        " (n_threads 1, one request at a time)",
        f"- load average before / after: {', '.join(f'{x:.2f}' for x in load_before)} / "
        f"{', '.join(f'{x:.2f}' for x in os.getloadavg())} (the server runs on the same 2 cores)",
        f"- max tokens {args.max_tokens} instead of the paper's 1,024: a labelled deviation of the run "
        f"(the record's deviations: {deviations})",
        "",
        f"Whole command: {wall:.1f} s wall for {len(results)} rows of {len(per_task)} tasks "
        f"({len(results) / wall:.2f} rows/s), {errors} errors, {tokens:,} tokens generated; the `medinst` "
        f"process used {client_cpu:.1f} CPU-s (start-up, index, prompts, scoring, files). Requests took "
        f"{request_s:.1f} s of it (the server answers one at a time); the rest, {wall - request_s:.1f} s, is "
        "start-up, the report and the files.",
        "",
        "## Time per task (Table 3's order)",
        "",
        "| task | rows | errors | request s | s per row | tokens |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for task, rows in per_task.items():
        seconds = sum(float(r.get("total_s") or 0.0) for r in rows)
        toks = sum(int(r.get("completion_tokens") or 0) for r in rows)
        errs = sum(1 for r in rows if r.get("error"))
        per_row = seconds / len(rows)
        lines.append(f"| {task} | {len(rows)} | {errs} | {seconds:.2f} | {per_row:.2f} | {toks} |")
    lines += [
        "",
        "## The report the command wrote (table3.md)",
        "",
        "The embedded 135M model proves the plumbing, not the science: its scores mean nothing.",
        "",
        table3.strip(),
        "",
        "## The command's last progress lines (stderr)",
        "",
        "```",
        *stderr.strip().splitlines()[-6:],
        "```",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
