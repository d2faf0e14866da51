"""`medinst eval medinst32`: the paper's protocol in one command, with its progress (README: "MEDINST32
evaluation"). The paper's results file in and out (`score RESULTS.json`, `runs import|export|diff`) is in
cli/paper_files_cmds.py."""

from __future__ import annotations

import argparse
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.markup import escape

from medinst_tui import catalog
from medinst_tui.cli.common import (
    CliError,
    add_db_option,
    console,
    db_path,
    err,
    open_index,
    positive,
    resolve_task,
)
from medinst_tui.cli.model_args import (
    ModelChoice,
    add_model_options,
    add_prompt_options,
    choose_model,
    shot_spec,
)
from medinst_tui.cli.paper_files_cmds import extend_runs, extend_score
from medinst_tui.cli.results_cmds import runs_store
from medinst_tui.cli.run_cmds import pool_line, run_exit_code

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    from medinst_tui.backends.base import BackendInfo
    from medinst_tui.protocol.plan import Plan
    from medinst_tui.runs.engine import RunOutcome
    from medinst_tui.runs.records import SampleResult, Summary


# -- eval ----------------------------------------------------------------------------------------------------
def add_eval(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "eval",
        help="run a benchmark as the paper did (MEDINST32: Table 3's 32 test sets, each row's history)",
    )
    p.add_argument("benchmark", choices=["medinst32"], help="the benchmark (MEDINST32)")
    p.add_argument("--zero-shot", action="store_true", help="the <Task>-zs test sets (no demonstrations)")
    p.add_argument(
        "--tasks",
        action="append",
        default=[],
        metavar="T[,T...]",
        help="only these MEDINST32 tasks (repeatable or comma-separated, fuzzy-matched)",
    )
    p.add_argument(
        "--category", action="append", default=[], help="only this category's MEDINST32 tasks (repeatable)"
    )
    size = p.add_mutually_exclusive_group()
    size.add_argument("--per-task", type=positive, metavar="N", help="the first N rows of each task (by id)")
    size.add_argument(
        "--sample-per-task", type=positive, metavar="N", help="a seeded sample of N rows per task (--seed)"
    )
    p.add_argument("--concurrency", type=positive, help="requests in flight for a remote endpoint")
    p.add_argument("--no-cache", action="store_true", help="generate again even when the answer is cached")
    p.add_argument(
        "-o",
        "--output",
        type=Path,
        metavar="DIR",
        help="write results.jsonl, official.json, table3.md/.csv/.tex and record.json here",
    )
    p.add_argument(
        "--force", action="store_true", help="replace those files in DIR even if medinst did not write them"
    )
    p.add_argument("--yes", action="store_true", help="accept the best fuzzy match of a task name")
    add_prompt_options(p)
    add_model_options(p)
    add_db_option(p)
    p.set_defaults(func=cmd_eval)
    # The paper's files in and out live on the commands that read and list results.
    extend_score(sub.choices["score"])
    extend_runs(sub.choices["runs"])


def _task_names(args: argparse.Namespace) -> list[str]:
    from medinst_tui.protocol.plan import table3_tasks

    known = [t.name for t in table3_tasks()]
    out = []
    for item in args.tasks:
        for name in (s.strip() for s in item.split(",")):
            if not name:
                continue
            base = catalog.base_task(name)
            if base in catalog.tasks() and base not in known:
                out.append(base)  # a MEDINST task outside MEDINST32: narrow() says so
            else:
                out.append(resolve_task(base, known, assume_yes=args.yes))
    return out


def protocol_settings(args: argparse.Namespace, fmt: str) -> Any:
    """The paper's prompt and decoding unless an option overrides it; each override is labelled."""
    from medinst_tui.protocol.plan import PAPER_MAX_TOKENS, PAPER_TEMPERATURE
    from medinst_tui.protocol.record import Settings

    labels = []
    if args.max_tokens == "auto":
        raise CliError("--max-tokens auto is for ad-hoc trials (medinst run): medinst eval takes a number")
    max_tokens = args.max_tokens or PAPER_MAX_TOKENS
    if args.max_tokens:
        labels.append(f"--max-tokens {args.max_tokens}")
    temperature = PAPER_TEMPERATURE if args.temperature is None else args.temperature
    if args.temperature is not None:
        labels.append(f"--temperature {args.temperature:g}")
    if args.format:
        labels.append(f"--format {args.format}")
    shots = shot_spec(args)
    if shots.mode != "history":
        labels.append(f"shots: {shots.describe()}")
    if args.stop:
        labels.append("--stop " + " ".join(repr(s) for s in args.stop))
    return Settings(fmt, shots, max_tokens, temperature, tuple(args.stop), tuple(labels))


def cmd_eval(args: argparse.Namespace) -> int:
    from medinst_tui.protocol import outdir
    from medinst_tui.protocol import plan as planning
    from medinst_tui.protocol import record as records

    out_dir = None
    if args.output is not None:
        out_dir = outdir.check_out_dir(args.output, force=args.force, protect=[db_path(args)])
    try:
        chosen = planning.narrow(_task_names(args), args.category)
    except ValueError as exc:
        raise CliError(str(exc)) from exc
    selection = planning.Selection()
    if args.per_task:
        selection = planning.Selection("first", args.per_task)
    elif args.sample_per_task:
        selection = planning.Selection("sample", args.sample_per_task, args.seed)
    model = choose_model(args, protocol=True, pooled=True)
    backend, model_name = model.backend, model.name
    settings = protocol_settings(args, model.format)

    from medinst_tui.runs.engine import RunConfig, RunEngine, new_run_id

    with open_index(args) as index, runs_store() as store:
        base = RunConfig(
            shots=settings.shots,
            format=settings.format,
            model=model_name,
            max_tokens=settings.max_tokens,
            temperature=settings.temperature,
            stop=settings.stop,
            concurrency=args.concurrency or model.concurrency,
            use_cache=not args.no_cache,
            origin="eval",
        )
        plan = planning.make_plan(index, chosen, zero_shot=args.zero_shot, selection=selection, config=base)
        if plan.total == 0:
            model.close()
            raise CliError(
                "none of the chosen MEDINST32 test sets is in the index "
                f"({', '.join(plan.missing)}); `medinst index --hub medinst32 --add` adds them"
            )
        info = model.pool.describe() if model.pool is not None else backend.describe()
        run_id = new_run_id()
        record = records.build(
            run_id=run_id,
            command=["medinst", *sys.argv[1:]],
            plan=plan,
            settings=settings,
            model=model_name,
            info=info,
            backend=backend,
            index=index,
            concurrency=plan.config.concurrency,
        )
        if model.pool is not None:
            record["client"]["replicas"] = [r.backend.public_url for r in model.pool.replicas]
        records.save(store.path, record)  # at the start too: a crash leaves what the run was
        if out_dir is not None:
            out_dir.mkdir(parents=True, exist_ok=True)
        _print_plan(plan, record, info)

        class ProtocolEngine(RunEngine):
            """The engine of `medinst run`, fed the plan's rows (stratified by task, Table 3's order)."""

            def rows(self, config: RunConfig) -> tuple[int, Iterator[Any]]:
                return plan.total, plan.rows(self.index)

        from medinst_tui.session import open_engine

        progress = _progress()
        listener = ProtocolProgress(progress, plan, plan.config.concurrency, pool_line(model.pool))
        engine_parts = open_engine(index, backend, store=store, pool=model.pool, engine_class=ProtocolEngine)
        with engine_parts as engine, progress:
            outcome = engine.run(
                plan.config,
                output=out_dir / outdir.RESULTS if out_dir else None,
                listener=listener,
                cancel=threading.Event(),
                run_id=run_id,
            )
    model.close()
    records.finish(
        record,
        outcome.results,
        {
            "status": outcome.status,
            "n_done": outcome.n_done,
            "n_errors": outcome.n_errors,
            "n_cached": outcome.n_cached,
            "duration_s": round(outcome.duration_s, 3),
        }
        | ({"pool": pool_totals(model)} if model.pool is not None else {}),
    )
    records.save(store.path, record)
    table = outdir.table_for(plan, outcome.summary, model_name, record)
    from medinst_tui.protocol import report

    console.print(report.rich_table(table))
    for note in report.notes(table):
        console.print(f"[dim]{escape(note)}[/]")
    if out_dir is not None:
        outdir.write_files(out_dir, outcome.results, table, record)
    _print_outcome(outcome, out_dir)
    return run_exit_code(outcome.status)


def pool_totals(model: ModelChoice) -> dict[str, Any]:
    """What came of a pooled run's client (the record's `totals.pool`, which `runs diff` leaves out)."""
    assert model.pool is not None
    stats = model.pool.stats()
    return {
        "answered": {r.backend.public_url: r.answered for r in model.pool.replicas},
        "ceiling": model.pool.limit.ceiling,
        "limit_cuts": model.pool.limit.cuts,
        "retried": stats.retried,
        "prefix_cache_hit_rate": stats.cache_hit_rate,
    }


def _print_plan(plan: Plan, record: dict[str, Any], info: BackendInfo) -> None:
    setting = record["protocol"]["setting"]
    have = sum(1 for t in plan.tasks if t.indexed)
    err.print(
        f"[bold]MEDINST32 {setting}[/] · {have}/{len(plan.tasks)} test sets in the index · "
        f"{plan.total} rows ({plan.selection.describe()}) · model {escape(info.model_label)} · run "
        f"{record['run_id']}",
        highlight=False,
    )
    for d in record["protocol"]["deviations"]:
        err.print(
            f"[yellow]deviates from the paper[/]: {escape(d['what'])}: {escape(d['how'])}", highlight=False
        )
    if plan.missing:
        err.print(f"[dim]not in the index: {escape(', '.join(plan.missing))}[/]", highlight=False)


def _print_outcome(outcome: RunOutcome, out_dir: Path | None) -> None:
    console.print(
        f"{outcome.status}: {outcome.n_done} scored, {outcome.n_errors} error(s), "
        f"{outcome.n_cached} from cache, "
        f"{outcome.duration_s:.1f} s · run {outcome.run_id}"
        + (f" · files in {escape(str(out_dir))}" if out_dir else "")
    )
    for r in outcome.results:
        if r.failed:
            console.print(f"  [red]error[/] {escape(r.task)} #{r.sample_id}: {escape(r.error or '')}")


# -- progress ------------------------------------------------------------------------------------------------
def _progress() -> Progress:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    return Progress(
        TextColumn("{task.description}"),
        BarColumn(bar_width=24),
        MofNCompleteColumn(),
        TextColumn("{task.fields[info]}"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=err,
    )


class ProtocolProgress:
    """One bar for the whole run (rows/s, tokens/s, concurrency, ETA), one per task (its headline so far)."""

    def __init__(
        self, progress: Progress, plan: Plan, concurrency: int, pool: Callable[[], str] = lambda: ""
    ):
        self.progress = progress
        self.concurrency = concurrency
        self.pool = pool  # with a replica pool: in flight, its adaptive limit, replicas up, cache hits
        self.overall = progress.add_task("[bold]all tasks[/]", total=plan.total, info="")
        self.bars: dict[str, TaskID] = {}
        for t in plan.tasks:
            if t.planned:
                self.bars[t.indexed_name] = progress.add_task(
                    f"  {escape(t.indexed_name)}", total=t.planned, info="", start=False
                )
        self.started = time.perf_counter()
        self.tokens = 0
        self.done = 0
        self.cached = 0

    def run_started(self, run_id: str, total: int, info: BackendInfo) -> None:
        self.started = time.perf_counter()
        self.concurrency = min(self.concurrency, info.max_concurrency) if info.max_concurrency else 1

    def token(self, seq: int, text: str) -> None:
        pass

    def sample_finished(self, result: SampleResult, summary: Summary) -> None:
        from medinst_tui.scoring import format_brief

        self.done += 1
        if result.cached:  # answered from the response cache: no tokens generated now
            self.cached += 1
        else:
            self.tokens += result.completion_tokens
        elapsed = max(time.perf_counter() - self.started, 1e-9)
        cached = f" · {self.cached} from cache" if self.cached else ""
        self.progress.update(
            self.overall,
            advance=1,
            info=f"{self.done / elapsed:.2f} rows/s · {self.tokens / elapsed:.1f} tok/s generated{cached}"
            + (self.pool() or f" · ≤{self.concurrency} in flight"),
        )
        bar = self.bars.get(result.task)
        if bar is None:
            return
        self.progress.start_task(bar)
        scores = summary.get(result.task)
        main = scores.main if scores is not None else None
        text = f"{main.label} {format_brief(main)}" if main is not None else ""
        self.progress.update(bar, advance=1, info=escape(text))
