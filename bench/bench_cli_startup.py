"""CLI start-up: what `medinst export` costs before it writes a row, and what it imports.

    python bench/bench_cli_startup.py [--before REV] [--runs 15]

Measures, interleaved round by round (so drift in the machine's load hits every contender alike), the
wall time of whole processes:

- `python -c pass` (the interpreter's own floor on this machine, site and .pth files included) and
  `python -c "import duckdb"` (the floor of any tool that uses DuckDB);
- `python -m medinst_tui export --help`, and a tiny export (`--category NER --limit 10` of the bundled
  demo index, to a JSONL file), for this checkout and, with `--before REV`, for the package as it was
  at commit REV (extracted with `git archive` into a temporary folder and put first on PYTHONPATH).

It also records `python -X importtime -c "import medinst_tui.cli.main"` (median of the cumulative
import time) and which of textual, llama_cpp and pyarrow a JSONL export has loaded. Scratch files go to a
temporary folder; the figures go to ``bench/results/cli_startup.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results" / "cli_startup.md"
HEAVY = ("textual", "llama_cpp", "pyarrow")

PROBE = """
import json, sys
from medinst_tui.cli.main import main
code = main(json.loads(sys.argv[1]))
print(json.dumps({"code": code, "heavy": sorted(
    h for h in json.loads(sys.argv[2]) if any(m == h or m.startswith(h + ".") for m in sys.modules))}))
"""


def load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def timed(argv: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - started


def import_ms(env: dict[str, str], runs: int) -> float:
    totals = []
    for _ in range(runs):
        done = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", "import medinst_tui.cli.main"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        last = [line for line in done.stderr.splitlines() if line.rstrip().endswith("| medinst_tui.cli.main")]
        totals.append(int(re.split(r"\s*\|\s*", last[-1])[1]) / 1000)
    return statistics.median(totals)


def heavy_loaded(env: dict[str, str], argv: list[str]) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(argv), json.dumps(HEAVY)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["code"] == 0, result
    return list(result["heavy"])


def extract(rev: str, into: Path) -> Path:
    archive = into / "src.tar"
    with open(archive, "wb") as fh:
        subprocess.run(["git", "-C", str(REPO), "archive", rev, "medinst_tui"], stdout=fh, check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(into / "src", filter="data")
    return into / "src"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--before", help="a git revision to compare with (its medinst_tui package)")
    p.add_argument("--runs", type=int, default=15, help="rounds (default 15)")
    p.add_argument("--out", type=Path, default=RESULTS)
    args = p.parse_args(argv)
    load_before = load()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="medinst-startup-") as tmp_name:
        tmp = Path(tmp_name)
        from medinst_tui.sources.specs import demo_sources
        from medinst_tui.store.ingest import build_index

        db = tmp / "demo.duckdb"
        build_index(db, demo_sources())
        base_env = {**os.environ, "MEDINST_CONFIG_DIR": str(tmp / "config"), "MEDINST_DATA_DIR": str(tmp)}
        trees: dict[str, dict[str, str]] = {"this checkout": {**base_env, "PYTHONPATH": str(REPO)}}
        if args.before:
            rev = subprocess.run(
                ["git", "-C", str(REPO), "rev-parse", "--short", args.before],
                capture_output=True,
                text=True,
                check=True,
            ).stdout.strip()
            trees = {f"before ({rev})": {**base_env, "PYTHONPATH": str(extract(args.before, tmp))}, **trees}
        py = sys.executable
        export = ["export", "--category", "NER", "--limit", "10", "-o", str(tmp / "x.jsonl"), "--force"]
        export += ["--db", str(db)]
        contenders: dict[str, tuple[list[str], dict[str, str]]] = {
            "`python -c pass`": ([py, "-c", "pass"], base_env),
            '`python -c "import duckdb"`': ([py, "-c", "import duckdb"], base_env),
        }
        for name, env in trees.items():
            contenders[f"{name}: `medinst export --help`"] = (
                [py, "-m", "medinst_tui", "export", "--help"],
                env,
            )
            contenders[f"{name}: `medinst export` of 10 NER rows"] = ([py, "-m", "medinst_tui", *export], env)
        times: dict[str, list[float]] = {name: [] for name in contenders}
        for _ in range(args.runs):
            for name, (cmd, env) in contenders.items():
                times[name].append(timed(cmd, env))
        imports = {name: import_ms(env, 5) for name, env in trees.items()}
        heavy = {name: heavy_loaded(env, export) for name, env in trees.items()}
    load_after = load()
    total = time.perf_counter() - started

    command = "python bench/bench_cli_startup.py " + " ".join(argv if argv is not None else sys.argv[1:])
    out = [
        "# CLI start-up benchmark",
        "",
        "Written by `python bench/bench_cli_startup.py`; do not edit by hand.",
        "",
        f"- date: {dt.datetime.now().isoformat(timespec='seconds')}",
        f"- machine: {platform.machine()}, nproc {os.cpu_count()}, {platform.platform()}",
        f"- python {platform.python_version()}",
        f"- command: `{command.strip()}`; total {total:.0f} s",
        f"- load average before / after: {load_before} / {load_after} (the machine is shared)",
        f"- {args.runs} rounds, each contender once per round, in the order below; whole processes, "
        "wall time",
        "",
        "| contender | median (ms) | min (ms) | max (ms) |",
        "|---|---:|---:|---:|",
    ]
    for name, values in times.items():
        out.append(
            f"| {name} | {statistics.median(values) * 1000:.1f} | {min(values) * 1000:.1f} | "
            f"{max(values) * 1000:.1f} |"
        )
    out += [
        "",
        "| tree | import medinst_tui.cli.main (ms, -X importtime, median of 5) | loaded by a JSONL export |",
    ]
    out += ["|---|---:|---|"]
    for name in trees:
        out.append(
            f"| {name} | {imports[name]:.1f} | {', '.join(heavy[name]) or 'none of ' + ', '.join(HEAVY)} |"
        )
    floor = statistics.median(times['`python -c "import duckdb"`'])
    out += ["", 'Over `python -c "import duckdb"` (median):', ""]
    for name in trees:
        for what in ("`medinst export --help`", "`medinst export` of 10 NER rows"):
            extra = statistics.median(times[f"{name}: {what}"]) - floor
            out.append(f"- {name}, {what}: +{extra * 1000:.1f} ms")
    text = "\n".join(out) + "\n"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
