"""Benchmark the playground: streaming with the embedded model, and batch throughput TUI vs CLI.

    python bench/bench_playground.py [--out bench/results/playground.md] [--sends 3] [--batch 12]

Everything runs in a temporary home (MEDINST_* dirs) on the bundled demo index, built there first.

1. Streaming (the app headless under Pilot, 140x45): the playground on MEDINST32 Multi-XScience test
   rows (summaries: long answers) with their few-shot history, preset `smollm2-135m` (the embedded
   SmolLM2-135M GGUF, greedy, response cache off). Per send: time to first token *on screen* (F5
   until the answer widget shows text), the backend's own TTFT, decode tokens/s, and the longest the
   app's event loop went without running a 5 ms ticker while the answer streamed (a frame over 50 ms
   would be a visible stall). The first send of a row evaluates the whole prompt; a repeat of it
   reuses the KV cache (prefix). The same is measured with the tiny test GGUF (thousands of tokens/s)
   as a stress test of the 50 ms token batching, and the idle app as the machine's own baseline.
2. Batch throughput: the same batch (MedQA test, a seeded sample of N, zero-shot, 32 new tokens,
   cache off, smollm2-135m) through the TUI's batch screen and through `medinst run` in a subprocess,
   interleaved (CLI, TUI, CLI, TUI). Samples/s from each run's own duration (the engine's clock, model
   already loaded), plus the wall time; greedy outputs compared sample by sample.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SIZE = (140, 45)
FRAME_BUDGET_MS = 50.0
IDLE_S = 5.0
SETTLE_S = 0.5
PRESET = "smollm2-135m"
STREAM_TASK = "Multi-XScience"  # MEDINST32 summaries: long answers, so there is a stream to watch


class LagMonitor:
    """How long the app's event loop went without running a 5 ms ticker (the longest blocked frame)."""

    def __init__(self, interval: float = 0.005) -> None:
        self.interval = interval
        self.samples: list[float] = []
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            start = loop.time()
            await asyncio.sleep(self.interval)
            self.samples.append((loop.time() - start - self.interval) * 1000)

    def start(self) -> None:
        self.samples = []
        self._task = asyncio.get_running_loop().create_task(self._run())

    def stop(self) -> list[float]:
        if self._task is not None:
            self._task.cancel()
        return self.samples


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values) or [0.0]
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


@dataclass
class Send:
    label: str
    screen_ttft_ms: float
    backend_ttft_ms: float | None
    tokens: int
    tokens_per_s: float | None
    flushes: int
    lags: list[float] = field(default_factory=list)
    full_gcs: int = 0

    def row(self) -> str:
        backend = "—" if self.backend_ttft_ms is None else f"{self.backend_ttft_ms:.0f}"
        rate = "—" if self.tokens_per_s is None else f"{self.tokens_per_s:.1f}"
        worst = max(self.lags, default=0.0)
        over = sum(lag > FRAME_BUDGET_MS for lag in self.lags)
        lags = f"{pct(self.lags, 0.5):.1f} | {pct(self.lags, 0.99):.1f} | {worst:.1f} | {over}"
        head = f"| {self.label} | {self.screen_ttft_ms:.0f} | {backend} | {self.tokens} | {rate}"
        return f"{head} | {self.flushes} | {lags} | {self.full_gcs} |"


def tiny_preset(folder: Path, gguf: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "tiny-bench.yaml").write_text(
        f"name: tiny-bench\nkind: local\npath: {gguf}\nn_ctx: 4096\nn_threads: 1\n", encoding="utf-8"
    )


async def streaming(
    db: Path, sends: int, max_tokens: int, tiny_tokens: int, threads: int | None
) -> tuple[list[Send], list[tuple[str, float]]]:
    from medinst_tui.paths import resource_dir
    from medinst_tui.store.filters import Filter
    from medinst_tui.store.index import Index
    from medinst_tui.tui.app import MedinstApp
    from medinst_tui.tui.playground.answer_stream import AnswerStream
    from medinst_tui.tui.playground.screen import PlaygroundScreen
    from medinst_tui.tui.playground.settings import PlaygroundSettings

    flushes = [0]
    original = AnswerStream.append

    def counting_append(self: AnswerStream, delta: str) -> None:
        flushes[0] += 1
        original(self, delta)

    AnswerStream.append = counting_append  # type: ignore[method-assign]
    with Index(db) as index:
        rows = index.page(Filter(tasks=(STREAM_TASK,), splits=("test",)), limit=sends)
    app = MedinstApp(
        db, config_path=Path(tempfile.mkdtemp()) / "config.yaml", theme_dirs=[resource_dir("themes")]
    )
    out: list[Send] = []
    opens: list[tuple[str, float]] = []
    async with app.run_test(size=SIZE):
        await wait_idle(app)
        monitor = LagMonitor()
        monitor.start()  # a baseline: the idle app on this (shared) machine
        await asyncio.sleep(IDLE_S)
        out.append(Send("baseline: the app idle, nothing streaming", 0.0, None, 0, None, 0, monitor.stop()))

        async def one(screen: PlaygroundScreen, label: str) -> None:
            flushes[0] = 0
            collections = app.collector.collections
            monitor.start()
            generation = screen.generation
            began = time.perf_counter()
            app.simulate_key("f5")
            while screen.generation == generation:
                await asyncio.sleep(0.001)
            while not screen.answer.text and screen.generating:
                await asyncio.sleep(0.001)
            first = time.perf_counter()
            while screen.generating:
                await asyncio.sleep(0.005)
            lags = monitor.stop()
            await wait_idle(app)
            r = screen.last_result
            assert r is not None and r.error is None, r
            ttft = None if r.ttft_s is None else r.ttft_s * 1000
            gcs = app.collector.collections - collections
            ttft_screen = (first - began) * 1000
            out.append(
                Send(label, ttft_screen, ttft, r.completion_tokens, r.tokens_per_s, flushes[0], lags, gcs)
            )
            print(out[-1].row(), flush=True)

        for model, tokens, rows_used in ((PRESET, max_tokens, rows), ("tiny-bench", tiny_tokens, rows[:1])):
            for n, row in enumerate(rows_used, 1):
                settings = PlaygroundSettings(
                    model=model,
                    max_tokens=tokens,
                    use_cache=False,
                    n_threads=threads if model == PRESET else None,
                )
                assert app.database is not None
                screen = PlaygroundScreen(app.database, row, settings=settings)
                opened = time.perf_counter()
                app.push_screen(screen)
                while screen.preview is None:  # the first one loads the model
                    await asyncio.sleep(0.005)
                opens.append((model, (time.perf_counter() - opened) * 1000))
                await wait_idle(app)
                await asyncio.sleep(SETTLE_S)  # F5 once the screen has painted, as a reader would press it
                name = "SmolLM2-135M" if model == PRESET else "tiny test GGUF"
                await one(
                    screen,
                    f"{name}, row {n}: first send ({screen.preview.built.fit.prompt_tokens} prompt tok)",
                )
                await one(screen, f"{name}, row {n}: same prompt again (KV prefix reused)")
                app.pop_screen()
                await wait_idle(app)
    AnswerStream.append = original  # type: ignore[method-assign]
    return out, opens


async def wait_idle(app: Any) -> None:
    for _ in range(200):
        await app.workers.wait_for_complete()
        await asyncio.sleep(0.02)
        if not any(w.is_running for w in app.workers):
            return


@dataclass
class BatchRun:
    how: str
    run_id: str
    n: int
    duration_s: float
    wall_s: float

    @property
    def rate(self) -> float:
        return self.n / self.duration_s


async def tui_batch(db: Path, n: int, max_tokens: int, threads: int | None) -> BatchRun:
    from medinst_tui.paths import resource_dir
    from medinst_tui.store.filters import Filter
    from medinst_tui.tui.app import MedinstApp
    from medinst_tui.tui.playground.batch import BatchScreen
    from medinst_tui.tui.playground.settings import PlaygroundSettings

    app = MedinstApp(
        db, config_path=Path(tempfile.mkdtemp()) / "config.yaml", theme_dirs=[resource_dir("themes")]
    )
    async with app.run_test(size=SIZE) as pilot:
        await wait_idle(app)
        settings = PlaygroundSettings(
            model=PRESET, shot_mode="none", max_tokens=max_tokens, use_cache=False, n_threads=threads
        )
        assert app.database is not None
        screen = BatchScreen(
            app.database, Filter(tasks=("MedQA",), splits=("test",)), settings, sample=n, sample_seed=0
        )
        app.push_screen(screen)
        await wait_idle(app)
        began = time.perf_counter()
        app.simulate_key("f5")
        while not screen.running:
            await asyncio.sleep(0.01)
        while screen.running:
            await asyncio.sleep(0.05)
        wall = time.perf_counter() - began
        outcome = screen.outcome
        assert outcome is not None and outcome.status == "done", outcome
        del pilot
        return BatchRun("TUI batch screen", outcome.run_id, outcome.n_done, outcome.duration_s, wall)


def cli_batch(db: Path, n: int, max_tokens: int, threads: int | None) -> BatchRun:
    from medinst_tui.paths import runs_db_path
    from medinst_tui.runs.store import RunStore

    before = {r.id for r in RunStore(runs_db_path()).list_runs(1000)}
    cmd = [sys.executable, "-m", "medinst_tui", "run", "--db", str(db), "--task", "MedQA", "--split", "test",
           "--sample", str(n), "--seed", "0", "--shots", "0", "--max-tokens", str(max_tokens),
           "--model", PRESET, "--no-cache"]  # fmt: skip
    if threads:
        cmd += ["--threads", str(threads)]
    began = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, cwd=ROOT)
    wall = time.perf_counter() - began
    (run,) = [r for r in RunStore(runs_db_path()).list_runs(1000) if r.id not in before]
    return BatchRun("`medinst run` (subprocess)", run.id, run.n_done, run.duration_s or 0.0, wall)


def same_outputs(a: str, b: str) -> tuple[int, int]:
    from medinst_tui.paths import runs_db_path
    from medinst_tui.runs.store import RunStore

    store = RunStore(runs_db_path())
    ra = {(r.task, r.sample_id): r.prediction for r in store.results(a)}
    rb = {(r.task, r.sample_id): r.prediction for r in store.results(b)}
    common = ra.keys() & rb.keys()
    return sum(ra[k] == rb[k] for k in common), len(common)


def write_report(
    out: Path,
    args: argparse.Namespace,
    sends: list[Send],
    opens: list[tuple[str, float]],
    batches: list[BatchRun],
    outputs: tuple[int, int],
    seconds: float,
    load: tuple[tuple[float, ...], ...],
) -> str:
    import llama_cpp
    import textual

    baseline = [s for s in sends if s.label.startswith("baseline")]
    streamed = [s for s in sends if not s.label.startswith("baseline")]
    smol = [s for s in streamed if s.label.startswith("SmolLM2")]
    tiny = [s for s in streamed if s.label.startswith("tiny")]
    worst = max((max(s.lags, default=0.0) for s in smol), default=0.0)
    over = sum(lag > FRAME_BUDGET_MS for s in smol for lag in s.lags)
    ticks = sum(len(s.lags) for s in smol)
    tui = [b for b in batches if b.how.startswith("TUI")]
    cli = [b for b in batches if not b.how.startswith("TUI")]
    ratio = statistics.median(t.rate for t in tui) / statistics.median(c.rate for c in cli)
    versions = f"python {platform.python_version()}, textual {textual.__version__}"
    command = f"python bench/bench_playground.py --sends {args.sends} --max-tokens {args.max_tokens} "
    command += (
        f"--batch {args.batch} --batch-tokens {args.batch_tokens} --reps {args.reps} --threads {args.threads}"
    )
    loads = " / ".join(", ".join(f"{x:.2f}" for x in avg) for avg in load)
    lines = [
        "# Playground benchmark: streaming in the TUI, batch throughput TUI vs CLI",
        "",
        f"- date: {datetime.now(UTC).isoformat(timespec='seconds')}",
        f"- machine: {platform.machine()}, nproc {os.cpu_count()}, {platform.platform()}",
        f"- {versions}, llama-cpp-python {llama_cpp.__version__}",
        f"- command: `{command}`; total {seconds:.0f} s",
        f"- model: preset `{PRESET}` (SmolLM2-135M-Instruct Q4_1, embedded), greedy, "
        + (
            f"n_threads={args.threads} (TUI setting / CLI --threads)"
            if args.threads
            else "the preset's threads"
        )
        + "; demo index; terminal 140x45 (headless Pilot)",
        f"- load average before / after: {loads} (the machine is shared with other jobs)",
        "",
        "## 1. Streaming an answer in the playground",
        "",
        f"MEDINST32 {STREAM_TASK} test rows with their few-shot history, {args.max_tokens} new tokens (tiny: "
        f"{args.tiny_tokens}). TTFT on screen: F5 until the answer widget shows text (prompt evaluation "
        "included). Lag: how late a 5 ms ticker on the app's event loop ran while the answer streamed; the "
        f"longest is the longest blocked frame (budget {FRAME_BUDGET_MS:.0f} ms). Redraws: how often the "
        "answer widget was updated (tokens are batched every 50 ms).",
        "",
        "| send | TTFT on screen (ms) | backend TTFT (ms) | tokens | decode tok/s | redraws "
        "| lag median (ms) | lag p99 (ms) | longest frame (ms) | frames > 50 ms | full GCs |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        *[s.row() for s in baseline + streamed],
        "",
        f"Longest blocked frame while SmolLM2 streamed: **{worst:.1f} ms** (budget "
        f"{FRAME_BUDGET_MS:.0f} ms), {over} of {ticks:,} ticks over the budget: "
        f"**{'PASS' if worst <= FRAME_BUDGET_MS else 'FAIL'}**.",
    ]
    if baseline:
        idle = baseline[0].lags
        lines.append(
            "For scale, the idle app on this machine at the same time: longest "
            f"{max(idle, default=0):.1f} ms, p99 {pct(idle, 0.99):.1f} ms."
        )
    smol_opens = [ms for model, ms in opens if model == PRESET]
    if smol_opens:
        later = f", then {statistics.median(smol_opens[1:]):.0f} ms median" if len(smol_opens) > 1 else ""
        lines.append(
            f"Opening the playground until the exact prompt (messages, rendered text, token count) is on "
            f"screen: {smol_opens[0]:.0f} ms the first time (SmolLM2 loads){later} (model warm)."
        )
    if smol:
        first = statistics.median(s.screen_ttft_ms for s in smol[::2])
        repeat = statistics.median(s.screen_ttft_ms for s in smol[1::2])
        ui = statistics.median(s.screen_ttft_ms - (s.backend_ttft_ms or 0) for s in smol)
        lines.append(
            f"SmolLM2 TTFT on screen, median: first send {first:.0f} ms, same prompt again (prefix "
            f"reused) {repeat:.0f} ms; on screen minus the backend's own TTFT: {ui:.0f} ms median."
        )
    if tiny:
        rate = max(s.tokens_per_s or 0 for s in tiny)
        longest = max(max(s.lags, default=0) for s in tiny)
        lines.append(
            f"Stress test, the tiny model: up to {rate:.0f} tok/s into the screen, drawn in "
            f"{max(s.flushes for s in tiny)} redraws at most; longest frame {longest:.1f} ms (its token loop "
            "is pure Python at that rate, so the UI thread waits on the GIL more; not the budget's case)."
        )
    rows = [
        f"| {b.how} | {b.run_id} | {b.n} | {b.duration_s:.2f} | {b.rate:.3f} | {b.wall_s:.1f} |"
        for b in batches
    ]
    lines += [
        "",
        "## 2. Batch throughput: the TUI's batch screen vs `medinst run`",
        "",
        f"MedQA test, a seeded sample of {args.batch} (seed 0), zero-shot, {args.batch_tokens} new tokens, "
        "response cache off, interleaved. Samples/s from each run's own duration (the engine's clock: model "
        "loaded, rows planned); wall time from the key press / process spawn (model load and, for the "
        "CLI, process start included).",
        "",
        "| contender | run | samples | duration (s) | samples/s | wall (s) |",
        "|---|---|---:|---:|---:|---:|",
        *rows,
        "",
        f"Ratio TUI / CLI (median samples/s): **{ratio:.3f}** (close to 1 expected). Greedy outputs "
        f"identical in {outputs[0]}/{outputs[1]} samples of the last TUI and CLI runs.",
        "",
    ]
    text = "\n".join(lines)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    return text


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "playground.md")
    parser.add_argument("--sends", type=int, default=3, help="MedQA rows streamed (each sent twice)")
    parser.add_argument("--max-tokens", type=int, default=128)
    parser.add_argument("--tiny-tokens", type=int, default=2500)
    parser.add_argument("--batch", type=int, default=12, help="samples per batch")
    parser.add_argument("--batch-tokens", type=int, default=32)
    parser.add_argument("--reps", type=int, default=2, help="batches per contender")
    parser.add_argument(
        "--threads", type=int, default=1, help="CPU threads for the model (0: the preset's default)"
    )
    args = parser.parse_args()
    began = time.perf_counter()
    load_before = os.getloadavg()
    home = Path(tempfile.mkdtemp(prefix="medinst-bench-playground-"))
    for env, sub in (
        ("MEDINST_CONFIG_DIR", "config"),
        ("MEDINST_DATA_DIR", "data"),
        ("MEDINST_CACHE_DIR", "cache"),
    ):
        os.environ[env] = str(home / sub)
    os.environ.pop("MEDINST_DB", None)
    os.environ.pop("MEDINST_RUNS_DB", None)
    from medinst_tui.sources.specs import demo_sources
    from medinst_tui.store.ingest import build_index
    from tests.tiny_gguf import write_tiny_gguf

    db = home / "demo.duckdb"
    build_index(db, demo_sources())
    tiny_preset(home / "config" / "models", write_tiny_gguf(home / "tiny.gguf"))
    sends, opens = asyncio.run(
        streaming(db, args.sends, args.max_tokens, args.tiny_tokens, args.threads or None)
    )
    batches: list[BatchRun] = []
    for _ in range(args.reps):
        batches.append(cli_batch(db, args.batch, args.batch_tokens, args.threads or None))
        print(batches[-1], flush=True)
        batches.append(asyncio.run(tui_batch(db, args.batch, args.batch_tokens, args.threads or None)))
        print(batches[-1], flush=True)
    outputs = same_outputs(batches[-1].run_id, batches[-2].run_id)
    load = (load_before, os.getloadavg())
    seconds = time.perf_counter() - began
    text = write_report(args.out, args, sends, opens, batches, outputs, seconds, load)
    print(text)


if __name__ == "__main__":
    main()
