"""Write (or check) the README's benchmark table from the committed results files in bench/results/.

    python bench/readme_table.py            # rewrite the table between the markers in README.md
    python bench/readme_table.py --check    # exit 1 (and name the rows) if README.md differs

Every figure in the table is read from a results file by the label of its row there (the first cell of a
results table row, or a fixed phrase of a results line), never typed in by hand: rerunning a benchmark
and then this script is how the README changes. Each row names its baseline exactly and the load the
machine was under while it ran (as the results file records it). A row whose label is no longer in its
results file is an error, not a blank.

Exit codes: 0 the table is up to date (or was written), 1 ``--check`` found a difference, 2 a figure
could not be found in the results files.
"""

from __future__ import annotations

import argparse
import difflib
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
README = REPO / "README.md"
RESULTS = REPO / "bench" / "results"
BEGIN = "<!-- bench-table:begin (written by `python bench/readme_table.py` from bench/results/*.md) -->"
END = "<!-- bench-table:end -->"
HEADER = ["what", "baseline", "figure", "budget", "load while measured"]


class MissingFigure(Exception):
    """A label or phrase the table needs is not in a results file."""


@dataclass(frozen=True)
class Results:
    folder: Path

    def text(self, name: str) -> str:
        path = self.folder / name
        if not path.is_file():
            raise MissingFigure(f"{path}: no such results file")
        return path.read_text(encoding="utf-8")

    def row(self, name: str, label: str) -> list[str]:
        """The cells of the table row in `name` whose first cell is `label` (or starts with it, uniquely)."""
        rows = [split_row(line) for line in self.text(name).splitlines() if line.startswith("|")]
        exact = [r for r in rows if r and r[0] == label]
        matches = exact or [r for r in rows if r and r[0].startswith(label)]
        if len(matches) != 1:
            found = "no row" if not matches else f"{len(matches)} rows"
            raise MissingFigure(f"{name}: {found} labelled {label!r}")
        return matches[0]

    def cell(self, name: str, label: str, column: int, pattern: str = r"(.+)") -> str:
        cells = self.row(name, label)
        if column >= len(cells):
            raise MissingFigure(f"{name}: row {label!r} has no column {column}")
        return grab(cells[column], pattern, f"{name}: row {label!r}")

    def line(self, name: str, pattern: str) -> str:
        return grab(self.text(name), pattern, name)

    def section_rows(self, name: str, heading: str) -> list[list[str]]:
        """The body rows of the first table under the `## heading...` of `name`."""
        text = self.text(name)
        at = text.find(f"## {heading}")
        if at < 0:
            raise MissingFigure(f"{name}: no section {heading!r}")
        rows = []
        for line in text[at:].splitlines()[1:]:
            if line.startswith("## "):
                break
            if line.startswith("|") and not re.fullmatch(r"\|[-:| ]+\|", line.strip()):
                rows.append(split_row(line))
        if len(rows) < 2:
            raise MissingFigure(f"{name}: no table under {heading!r}")
        return rows[1:]  # without the header


def split_row(line: str) -> list[str]:
    cells = re.split(r"(?<!\\)\|", line.strip().strip("|"))
    return [c.strip().replace("\\|", "|") for c in cells]


def grab(text: str, pattern: str, where: str) -> str:
    match = re.search(pattern, text, flags=re.MULTILINE)
    if not match:
        raise MissingFigure(f"{where}: no match for {pattern!r}")
    return match.group(1)


def span(values: list[str], unit: str = "") -> str:
    """`a-b unit` for the range of some figures (one figure when they agree)."""
    numbers = sorted(float(v.replace(",", "")) for v in values)
    lo, hi = (f"{n:g}" for n in (numbers[0], numbers[-1]))
    return (lo if lo == hi else f"{lo}-{hi}") + unit


def first(load: str) -> str:
    """The 1-minute figure of a `a / b / c` or `a, b, c` load average."""
    return re.split(r"[ ,/]+", load.strip())[0]


def index_loads(r: Results, labels: list[str], name: str = "index.md") -> str:
    """1-minute load averages recorded beside index.md rows (`load a / b / c` or `load (1 min) a, b`)."""
    loads: list[str] = []
    for label in labels:
        figure = r.cell(name, label, 1)
        for m in re.finditer(r"load (?:\(1 min\) )?([0-9., /]+)", figure):
            parts = m.group(1).strip(" ,;")
            loads += [first(parts)] if "/" in parts else [p for p in re.split(r"[ ,]+", parts) if p]
    if not loads:
        raise MissingFigure(f"{name}: no load recorded in rows {labels!r}")
    others = [
        m.group(1)
        for label in labels
        for m in re.finditer(r"other processes ([0-9.]+) CPU-s meanwhile", r.cell(name, label, 1))
    ]
    busy = f"; other processes {span(others)} CPU-s per run" if others else ""
    return f"1-min load average {span(loads)} (the benchmark's own processes included){busy}"


def verdict(r: Results, name: str, label: str) -> str:
    return "" if r.cell(name, label, 3) == "PASS" else ": **miss**"


# ------------------------------------------------------------------------------------------------------
# The rows. Each returns its cells: what, baseline, figure, budget, load.
# ------------------------------------------------------------------------------------------------------
BUILD = "build {kind} time, ours / DuckDB read_json, {what} the search index (median of per-pair ratios)"
PLAIN = "DuckDB COPY (SELECT ...) TO (FORMAT JSON), no ORDER BY"
BASELINE = "DuckDB `CREATE TABLE AS SELECT * FROM read_json('*.json')`, one statement, into a bare table"
FILE_SIZE = "index file size with the search index / without"


def build_rows(r: Results) -> list[list[str]]:
    rows = []
    pairs = r.cell("index.md", BUILD.format(kind="wall", what="with"), 1, r"\(pairs: ([^)]*)\)")
    n = len(pairs.split(","))
    variants = [("without", "medinst index --from --no-search-index"), ("with", "medinst index --from (")]
    for what, run_label in variants:
        wall_label, cpu_label = (BUILD.format(kind=k, what=what) for k in ("wall", "CPU"))
        wall = r.cell("index.md", wall_label, 1, r"^([0-9.]+x)")
        cpu = r.cell("index.md", cpu_label, 1, r"^([0-9.]+x)")
        walls = r.cell("index.md", wall_label, 1, r"\(pairs: ([^)]*)\)")
        labels = [f"pair {i}: {w}" for i in range(1, n + 1) for w in ("DuckDB read_json", run_label)]
        budget = r.cell("index.md", wall_label, 2).replace("≤ ", "")
        missed = [
            k for k, label in (("wall", wall_label), ("CPU", cpu_label)) if verdict(r, "index.md", label)
        ]
        rows.append(
            [
                f"`{run_label.rstrip(' (')}` ({what} the search index; 9.94M rows, "
                "[index.md](bench/results/index.md))",
                BASELINE,
                f"**{wall} wall, {cpu} CPU** (median of {n} interleaved rounds; wall per round {walls})",
                f"{budget} wall and CPU" + (f": **miss** ({', '.join(missed)})" if missed else ""),
                index_loads(r, labels),
            ]
        )
    runs = [f"pair {i}: medinst index --from" for i in range(1, n + 1)]
    rows += [
        [
            "index file size with / without the search index",
            "the same index built with `--no-search-index`",
            r.cell("index.md", FILE_SIZE, 1),
            r.cell("index.md", FILE_SIZE, 2).replace("≤ ", "") + verdict(r, "index.md", FILE_SIZE),
            "—",
        ],
        [
            "index build peak RSS",
            "—",
            r.cell("index.md", "peak RSS of medinst index", 1),
            r.cell("index.md", "peak RSS of medinst index", 2).replace("≤ ", "")
            + verdict(r, "index.md", "peak RSS of medinst index"),
            index_loads(r, [f"{run} (" for run in runs] + [f"{run} --no-search-index" for run in runs]),
        ],
    ]
    return rows + parquet_rows(r)


def parquet_rows(r: Results) -> list[list[str]]:
    vs_json = "medinst index from parquet / from JSON (wall, median)"
    vs_bare = "medinst index from parquet / DuckDB read_parquet (wall, median)"
    same = "same rows per task and split from parquet and from JSON"
    rounds = len([row for row in _table_rows(r.text("parquet.md")) if row[0].startswith("round ")]) // 3
    labels = [
        f"round {i}: {w}"
        for i in range(1, rounds + 1)
        for w in ("DuckDB read_parquet", "medinst index --from PARQUET", "medinst index --from JSON")
    ]
    return [
        [
            "`medinst index --from` the Hub's parquet layout (no search index; 9.94M rows, "
            "[parquet.md](bench/results/parquet.md))",
            "DuckDB `CREATE TABLE AS SELECT * FROM read_parquet(...)`, one statement; ours from the same "
            "rows as JSON, same run",
            f"ours / bare read_parquet {r.cell('parquet.md', vs_bare, 1, r'^([0-9.]+x)')} wall; from "
            f"parquet / from JSON {r.cell('parquet.md', vs_json, 1, r'^([0-9.]+x)')} wall; same rows: "
            f"{r.cell('parquet.md', same, 1)}",
            "—",
            index_loads(r, labels, "parquet.md"),
        ]
    ]


def query_loads(r: Results) -> str:
    cores = r.line("index.md", r"^- query section: .*\(([0-9.]+) cores on average")
    return f"other processes used {cores} cores on average (of 2) during the query section"


SEARCHES = [
    ("common word", "search first page, common word", "common word"),
    ("rare word", "search first page, rare word", "rare word"),
    ("absent word", "search first page, absent word", "absent word"),
    ("two-word AND", "search first page, two-word AND", "two-word AND"),
    ("phrase", "search first page, phrase `", "phrase `"),
]


def search_loads(r: Results) -> str:
    cores = r.line("search.md", r"^- whole run: .*\(([0-9.]+) cores on average")
    start = first(r.line("search.md", r"^- load average \(1/5/15 min\) at start: ([0-9., /]+)$"))
    end = first(r.line("search.md", r"^- load average at the end: ([0-9., /]+)$"))
    busy = f"other processes used {cores} cores on average"
    return f"1-min load average {start} at start, {end} at the end; {busy}"


def query_rows(r: Results) -> list[list[str]]:
    median = r"^median ([0-9,.]+ ms)"
    facets = r.cell("index.md", "facet counts, no filter", 1, median)
    page = r.cell("index.md", "page at row 1,000,000, no filter", 1, median)
    naive = r.cell("index.md", "page at row 1,000,000, no filter", 1, r"naive OFFSET: median ([0-9,.]+ ms)")
    ours, bare, counts, bare_counts, missed, missed_counts = [], [], [], [], [], []
    for name, label, case in SEARCHES:
        ours.append(r.cell("search.md", label, 1, r"^median ([0-9,.]+) ms"))
        missed += [name] if verdict(r, "search.md", label) else []
        count_label = f"exact count and facet counts, {case}"
        count = r.cell("search.md", count_label, 1, r"^count median ([0-9,.]+) ms")
        facet = r.cell("search.md", count_label, 1, r"facets median ([0-9,.]+) ms")
        counts.append(f"{count}+{facet}")
        missed_counts += [name] if verdict(r, "search.md", count_label) else []
        bare_label = f"bare DuckDB scan beside it, {case}"
        bare.append(r.cell("search.md", bare_label, 1, r"^first page median ([0-9,.]+) ms"))
        bare_counts.append(r.cell("search.md", bare_label, 1, r"; count median ([0-9,.]+) ms"))
    kinds = " / ".join(name for name, _, _ in SEARCHES)
    return [
        [
            "facet counts / page of 100 at row 1M (`Index`)",
            "a naive `ORDER BY id LIMIT 100 OFFSET 1000000` for the page",
            f"{facets} / {page} (naive OFFSET {naive})",
            "50 / 20 ms",
            query_loads(r),
        ],
        [
            f"text search, first page of 100: {kinds} (`Index.page`, [search.md](bench/results/search.md))",
            "DuckDB's bare `input ILIKE '%w%' OR output ILIKE '%w%' ... LIMIT 100` scan, same run",
            f"{' / '.join(ours)} ms (bare scan {' / '.join(bare)} ms)",
            "50 ms each" + (f": **miss** for {', '.join(missed)}" if missed else ""),
            search_loads(r),
        ],
        [
            "exact count + facet counts under a search, same queries",
            "the bare scan's `count(*)`, same run",
            f"{' / '.join(counts)} ms (bare count {' / '.join(bare_counts)} ms)",
            "300 ms each" + (f": **miss** for {', '.join(missed_counts)}" if missed_counts else ""),
            search_loads(r),
        ],
    ]


def export_rows(r: Results) -> list[list[str]]:
    transl, ner = "all TRANSL rows", "all NER test rows"
    call = "export() call / plain COPY statement, "
    whole = "whole `medinst export` command / plain COPY process, "
    ratio = r"^([0-9.]+x)"
    rss = r"peak RSS ([0-9,]+ MiB)"
    same = r"byte-identical to export\(\): (\d+ of \d+) runs"
    rows = r.cell("index.md", f"export(), {transl}", 1, r"^([0-9,]+) rows")
    ner_rows = r.cell("index.md", f"export(), {ner}", 1, r"^([0-9,]+) rows")
    cmd_s = r.cell("index.md", whole + ner, 1, r"command ([0-9.]+ s) wall")
    copy_s = r.cell("index.md", whole + ner, 1, r"COPY\) ([0-9.]+ s) wall")
    return [
        [
            f"`export()` call, {rows} TRANSL rows / {ner_rows} NER test rows to JSONL",
            f"{PLAIN} of the same rows (same bytes in {r.cell('index.md', f'{PLAIN}, {transl}', 1, same)} "
            "runs; the order is guaranteed by medinst, only incidental in COPY)",
            f"{r.cell('index.md', call + transl, 1, ratio)} / {r.cell('index.md', call + ner, 1, ratio)} "
            f"the time; peak RSS {r.cell('index.md', f'export(), {transl}', 1, rss)} "
            f"(COPY: {r.cell('index.md', f'{PLAIN}, {transl}', 1, rss)})",
            f"1.25x{verdict(r, 'index.md', call + transl)}, flat memory"
            f"{verdict(r, 'index.md', 'export memory flat in the number of rows')}",
            index_loads(r, [call + transl, call + ner]),
        ],
        [
            f"the whole `medinst export` command, {ner_rows} NER test rows",
            "the same plain COPY in a fresh `python` process "
            "(interpreter start, `import duckdb`, connect, COPY)",
            f"{r.cell('index.md', whole + ner, 1, ratio)} ({cmd_s} vs {copy_s}: CLI start-up, see "
            "[cli_startup.md](bench/results/cli_startup.md))",
            "—",
            index_loads(r, [whole + ner]),
        ],
        [
            "`export()` call vs the order-preserving equivalent, TRANSL",
            "DuckDB `COPY (SELECT ... ORDER BY id) TO (FORMAT JSON)` (one run)",
            r.cell(
                "index.md",
                f"DuckDB COPY (SELECT ... ORDER BY id) TO (FORMAT JSON), {transl}",
                1,
                r"export\(\) call / this: ([0-9.]+x)",
            )
            + " the time",
            "—",
            "as above",
        ],
    ]


def tui_load(r: Results) -> str:
    return "load " + r.line("tui.md", r"^- load average at the end: ([0-9., ]+?)\s*(?:\(|$)") + " at the end"


def tui_rows(r: Results) -> list[list[str]]:
    labels = {
        "start → first rows painted": "first rows",
        "facet click (category on) → table + counts": "facet click",
        "page down (rows 1…)": "page down",
        "search → first page of matches painted": "search",
    }
    med = [r.cell("tui.md", label, 2) for label in labels]
    budget = [r.cell("tui.md", label, 7) for label in labels]
    over = [short for label, short in labels.items() if r.cell("tui.md", label, 8) != "PASS"]
    paging = r.line("tui.md", r"while paging through [0-9,]+ more rows: ([0-9, ]+) MB")
    blocked = r.line("tui.md", r"^Longest blocked frame over all interactions: \*\*([0-9.]+ ms)\*\*")
    ticks = r.line("tui.md", r"([0-9,]+ of [0-9,]+ ticks over 50 ms)")
    return [
        [
            "TUI: start to first rows / facet click / page down / search, median ms "
            "([tui.md](bench/results/tui.md))",
            "—",
            " / ".join(med) + f"; RSS {span(paging.split(','), ' MB')} while paging",
            " / ".join(budget) + " ms, 400 MB" + (f": **miss** ({', '.join(over)})" if over else ""),
            tui_load(r),
        ],
        [
            "TUI: longest blocked frame",
            "—",
            f"{blocked} ({ticks})",
            "50 ms" + ("" if float(blocked.split()[0]) <= 50 else ": **miss**"),
            tui_load(r),
        ],
    ]


def other_rows(r: Results) -> list[list[str]]:
    speedup = r.cell("scoring.md", "Rouge-L + token F1", 4)
    reference = r.cell("scoring.md", "Rouge-L", 3)
    pairs = r.line("scoring.md", r"^- data: ([0-9,]+) generated")
    ratio = r.line("backend.md", r"^Ratio ours / bare loop: \*\*([0-9.]+)\*\*")
    cold = float(r.cell("backend.md", "cold", 2)) / 1000
    warm = float(r.cell("backend.md", "warm", 2)) / 1000
    frame = r.line("playground.md", r"^Longest blocked frame while SmolLM2 streamed: \*\*([0-9.]+ ms)\*\*")
    batch = r.line("playground.md", r"^Ratio TUI / CLI \(median samples/s\): \*\*([0-9.]+)\*\*")
    return [
        [
            f"Rouge-L + token F1 on {pairs} pairs ([scoring.md](bench/results/scoring.md))",
            f"{reference}; plain SQuAD v1.1 F1",
            f"identical values, {speedup} faster",
            "10x",
            "load " + r.line("scoring.md", r"^- load average before the run: ([0-9., ]+)$") + " before",
        ],
        [
            "local backend, 50 prompts ([backend.md](bench/results/backend.md))",
            "a bare llama-cpp-python loop (`Llama.generate` + detokenize once)",
            f"tokens/s ratio {ratio}; shared 5-shot prefix: TTFT {cold:.1f} s -> {warm:.1f} s",
            "0.95",
            "load "
            + r.line("backend.md", r"^- load average before / after: ([0-9., /]+?) \(")
            + " before / after",
        ],
        [
            "playground streaming with SmolLM2 ([playground.md](bench/results/playground.md))",
            "`medinst run` (subprocess) for the batch ratio",
            f"longest frame {frame}; TUI batch / `medinst run` {batch}",
            "50 ms, ~1",
            "load "
            + r.line("playground.md", r"^- load average before / after: ([0-9., /]+?) \(")
            + " before / after",
        ],
    ]


def before_after(r: Results, name: str) -> str:
    return "load " + r.line(name, r"^- load average before / after: ([0-9., /]+?) \(") + " before / after"


def remote_rows(r: Results) -> list[list[str]]:
    """The replica pool against a 50 ms stub, the batch engine through it, and the protocol end to end."""
    by_c = {row[1]: row for row in r.section_rows("client.md", "Not streamed") if row[0] == "1"}
    of_bare = {c: float(row[6]) for c, row in by_c.items()}
    of_ideal = {c: float(row[7]) for c, row in by_c.items()}
    low = [f"{of_bare[c]:g}" for c in ("1", "8", "64") if c in of_bare]
    high = [f"{of_bare[c]:g}" for c in ("256", "512") if c in of_bare]
    ideal = [f"{of_ideal[c]:g}" for c in ("1", "8") if c in of_ideal]
    missed = [c for c, v in of_bare.items() if v < 0.8] + [c for c in ("1", "8") if of_ideal.get(c, 1) < 0.9]
    peers = r.section_rows("client.md", "Peers")
    inspect = [row[5].rstrip("x") for row in peers if row[0].startswith("Inspect")]
    paper = next((row[5] for row in peers if row[0].startswith("the paper's")), "?")
    engine = {row[1]: row for row in _table_rows(r.text("engine.md")) if row and row[0] == "1"}
    rows_s = ", ".join(f"{engine[c][5]} at {c}" for c in ("1", "8", "64", "256") if c in engine)
    cpu = {c: float(row[8]) for c, row in engine.items()}
    over = sorted((c for c, v in cpu.items() if v >= 1.0), key=int)
    whole = r.line("protocol.md", r"^Whole command: ([0-9.]+ s wall for [0-9]+ rows of [0-9]+ tasks)")
    per_row = r.line("protocol.md", r"\(([0-9.]+ rows/s)\)")
    return [
        [
            "replica pool vs a 50 ms stub ([client.md](bench/results/client.md))",
            "a bare asyncio loop posting the same bodies (same run); Inspect AI, the paper's loop",
            f"pool / bare {span(low)} at 1-64 in flight, {span(high)} at 256-512; of ideal {span(ideal)}"
            f" at 1-8; pool / Inspect {span(inspect)}x, pool / the paper's loop {paper}",
            "0.9 of ideal at 1, 8; 0.8 of bare" + (f": **miss** at {', '.join(missed)}" if missed else ""),
            before_after(r, "client.md"),
        ],
        [
            "`medinst run`'s path through the pool, 1,000 demo rows ([engine.md](bench/results/engine.md))",
            "the ideal (concurrency / 50 ms); the issue's figures before the pool",
            f"rows/s {rows_s} (one replica); CPU per row (prompts, scoring, files included) "
            + ", ".join(f"{cpu[c]:g} ms at {c}" for c in sorted(cpu, key=int)),
            "< 1 ms CPU per row" + (f": **miss** at {', '.join(over)} in flight" if over else ""),
            before_after(r, "engine.md"),
        ],
        [
            "`medinst eval medinst32` end to end ([protocol.md](bench/results/protocol.md))",
            "a loopback llama_cpp.server with SmolLM2 (one request at a time); time per task in the file",
            f"{whole} ({per_row}), max tokens capped (a labelled deviation)",
            "—",
            before_after(r, "protocol.md"),
        ],
    ]


def _table_rows(text: str) -> list[list[str]]:
    return [split_row(line) for line in text.splitlines() if line.startswith("|") and "---" not in line]


ROWS: list[Callable[[Results], list[list[str]]]] = [
    build_rows,
    query_rows,
    export_rows,
    tui_rows,
    remote_rows,
    other_rows,
]


def table(results: Path) -> str:
    r = Results(results)
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    for make in ROWS:
        for cells in make(r):
            assert len(cells) == len(HEADER), cells
            lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines)


def block(results: Path) -> str:
    return f"{BEGIN}\n{table(results)}\n{END}"


def current_block(readme_text: str) -> str:
    start, end = readme_text.find(BEGIN), readme_text.find(END)
    if start < 0 or end < start:
        raise MissingFigure(f"README has no {BEGIN!r} ... {END!r} markers")
    return readme_text[start : end + len(END)]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--check", action="store_true", help="compare only; exit 1 on a difference")
    p.add_argument("--readme", type=Path, default=README)
    p.add_argument("--results", type=Path, default=RESULTS)
    args = p.parse_args(argv)
    text = args.readme.read_text(encoding="utf-8")
    try:
        expected = block(args.results)
        current = current_block(text)
    except MissingFigure as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if current == expected:
        print(f"{args.readme}: benchmark table matches {args.results}")
        return 0
    if args.check:
        diff = difflib.unified_diff(
            current.splitlines(),
            expected.splitlines(),
            "README.md (now)",
            f"from {args.results}",
            lineterm="",
        )
        print(f"{args.readme}: benchmark table differs from {args.results}:", file=sys.stderr)
        print("\n".join(diff), file=sys.stderr)
        print("run `python bench/readme_table.py` to rewrite it", file=sys.stderr)
        return 1
    args.readme.write_text(text.replace(current, expected), encoding="utf-8")
    print(f"{args.readme}: benchmark table written from {args.results}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
