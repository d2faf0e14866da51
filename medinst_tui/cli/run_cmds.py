"""`medinst prompt` and `medinst run` (`score` and `runs` are in cli/results_cmds.py, the model options in
cli/model_args.py; both are importable from here as before)."""

from __future__ import annotations

import argparse
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from rich.markup import escape
from rich.panel import Panel

from medinst_tui import catalog
from medinst_tui.cli.common import (
    CliError,
    add_db_option,
    console,
    db_path,
    err,
    non_negative,
    open_index,
    positive,
    resolve_task,
)
from medinst_tui.cli.index_cmds import SPLIT_CHOICES
from medinst_tui.cli.model_args import (
    add_model_options,
    add_prompt_options,
    choose_model,
    shot_spec,
)
from medinst_tui.cli.model_args import make_backend as make_backend
from medinst_tui.cli.output import add_format_option, chosen_format
from medinst_tui.cli.results_cmds import (  # importable from here as before
    add_runs as add_runs,
)
from medinst_tui.cli.results_cmds import (
    add_score as add_score,
)
from medinst_tui.cli.results_cmds import (
    print_summary,
)
from medinst_tui.cli.results_cmds import (
    runs_store as runs_store,
)
from medinst_tui.exit_codes import ExitCode
from medinst_tui.fewshot.formats import load_user_formats
from medinst_tui.outputs import check_output
from medinst_tui.paths import runs_db_path, user_templates_dir

if TYPE_CHECKING:
    from rich.progress import Progress

    from medinst_tui.backends.base import BackendInfo
    from medinst_tui.backends.pool import ReplicaPool
    from medinst_tui.runs.records import SampleResult, Summary

# The run machinery (backends, runs, scoring, rich.progress) is imported inside the commands that use it:
# `medinst export`, `tasks`, `show` and `--help` do not pay for it at start-up.


# -- prompt --------------------------------------------------------------------------------------------
def add_prompt(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("prompt", help="print the exact prompt a model will see for one sample")
    p.add_argument("task")
    p.add_argument("--id", type=int, help="sample id (default: the first row of the task/split)")
    p.add_argument("--split", choices=SPLIT_CHOICES, default="test")
    p.add_argument("--yes", action="store_true")
    add_prompt_options(p)
    add_model_options(p)
    add_db_option(p)
    p.set_defaults(func=cmd_prompt)


def cmd_prompt(args: argparse.Namespace) -> int:
    from medinst_tui.runs.engine import RunConfig, RunEngine

    backend, _, fmt, max_tokens, temperature, _ = make_backend(args)
    with open_index(args) as index:
        if args.id is not None:
            row = index.get(args.id)
            if row is None:
                raise CliError(f"no sample with id {args.id}")
        else:
            from medinst_tui.store.filters import Filter

            task = resolve_task(args.task, index.indexed_tasks(), assume_yes=args.yes)
            page = index.page(Filter(tasks=(task,), splits=(args.split,)), limit=1)
            if not page:
                raise CliError(f"{task} has no {args.split} rows in the index")
            row = page[0]
        config = RunConfig(shots=shot_spec(args), format=fmt, max_tokens=max_tokens, temperature=temperature)
        if args.max_tokens == "auto":
            from medinst_tui.runs.auto_tokens import with_auto_cap
            from medinst_tui.store.filters import Filter

            config = with_auto_cap(config, index, backend, Filter(tasks=(row.task,), splits=(row.split,)))
        engine = RunEngine(index, backend, user_formats=load_user_formats(user_templates_dir()))
        try:
            built = engine.prepare(row, config)
        except ValueError as exc:  # too long for the context, a malformed history, a pinned id not there
            raise CliError(f"{row.task} #{row.id}: {exc}") from exc
    info = backend.describe()
    console.print(
        f"[bold]{escape(row.task)}[/] #{row.id} · {row.split} · format {escape(built.format)} · "
        f"shots {config.shots.describe()}"
    )
    if built.messages is not None:
        for m in built.messages:
            console.print(Panel(escape(m["content"]), title=m["role"], title_align="left"))
        rendered = backend.render(built.messages)
        label = "rendered by " + info.template + ("" if info.exact_render else " (approximation)")
    else:
        rendered, label = built.text or "", "plain text"
    console.print(Panel(escape(rendered), title=label, title_align="left", border_style="cyan"))
    console.print(f"Tokens: {built.fit.describe()}  ·  model {escape(info.model_label)}")
    if config.max_tokens_auto:
        console.print(f"Max tokens: {escape(config.max_tokens_auto)}", highlight=False)
    console.print(Panel(escape(row.output), title="gold output", title_align="left", border_style="green"))
    backend.close()
    return 0


# -- run -----------------------------------------------------------------------------------------------
def add_run(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("run", help="run few-shot prompts over a filter and score them")
    p.add_argument("--task", action="append", default=[], help="task (repeatable, fuzzy-matched)")
    p.add_argument("--category", action="append", default=[], choices=list(catalog.categories()))
    p.add_argument("--medinst32", action="store_true", help="only MEDINST32 tasks")
    p.add_argument("--split", choices=SPLIT_CHOICES, default="test")
    p.add_argument("--search", default="")
    size = p.add_mutually_exclusive_group()
    size.add_argument("--limit", type=non_negative, metavar="N", help="the first N rows of the filter")
    size.add_argument(
        "--sample", type=positive, metavar="N", help="a seeded random sample of N rows (seed: --seed)"
    )
    p.add_argument("--concurrency", type=positive, help="requests in flight for a remote endpoint")
    p.add_argument("--no-cache", action="store_true", help="generate again even when the answer is cached")
    p.add_argument("-o", "--output", type=Path, help="results JSONL (one line per sample)")
    p.add_argument(
        "--force",
        action="store_true",
        help="overwrite the results file if it exists (not needed for one an earlier run wrote)",
    )
    p.add_argument("--yes", action="store_true")
    add_format_option(p, "--output-format")  # --format is the prompt format here
    add_prompt_options(p)
    add_model_options(p)
    add_db_option(p)
    p.set_defaults(func=cmd_run)


def pool_line(pool: ReplicaPool | None) -> Callable[[], str]:
    """The pool's part of a progress line (in flight, its adaptive limit, replicas up, retries, prefix-cache
    hits where the server reports them); "" without a pool."""
    if pool is None:
        return lambda: ""
    return lambda: " · " + pool.stats().brief()


class _RichListener:
    def __init__(self, progress: Progress, pool: Callable[[], str] = lambda: ""):
        self.progress = progress
        self.pool = pool
        self.task = progress.add_task("run", total=None, scores="", rate="")
        self.tokens = 0
        self.started = 0.0

    def run_started(self, run_id: str, total: int, info: BackendInfo) -> None:
        import time

        self.started = time.perf_counter()
        self.progress.update(self.task, total=total, description=f"{run_id} · {info.model_label}")

    def token(self, seq: int, text: str) -> None:
        pass

    def sample_finished(self, result: SampleResult, summary: Summary) -> None:
        import time

        from medinst_tui.scoring import METRICS, format_value

        self.tokens += result.completion_tokens
        elapsed = max(time.perf_counter() - self.started, 1e-9)
        done = self.progress.tasks[0].completed + 1
        means = []
        for metrics in summary.values():
            for key in ("rougeL", "token_f1"):
                if key in metrics:
                    means.append(f"{METRICS[key].label} {format_value(key, metrics[key].value)}")
            break
        self.progress.update(
            self.task,
            advance=1,
            rate=f"{done / elapsed:.2f} samples/s · {self.tokens / elapsed:.1f} tok/s{self.pool()}",
            scores=" · ".join(means),
        )


def _results_of_a_run(path: Path) -> bool:
    """`path` is the results file of a run in the runs DB (its rows are kept there: replacing it loses
    nothing)."""
    from medinst_tui.runs.store import RunStore

    if not path.is_file() or not runs_db_path().exists():
        return False
    target = path.resolve()
    try:
        runs = RunStore(runs_db_path()).list_runs(100_000)
    except Exception:  # an unreadable runs DB: then only --force replaces the file
        return False
    return any(r.results_file and Path(r.results_file).expanduser().resolve() == target for r in runs)


def cmd_run(args: argparse.Namespace) -> int:
    if args.output is not None:
        # Before anything is opened: `-o` the index, the runs DB or the cache is refused, an existing file
        # needs --force (unless an earlier run wrote it: running the same command again resumes), a device
        # or pipe is written in place, `-` is stdout.
        force = args.force or _results_of_a_run(args.output)
        out = check_output(args.output, protect=[db_path(args)], force=force)
        args.output = Path("/dev/stdout") if out.path is None else out.path
    model = choose_model(args, pooled=True)
    backend, model_name, fmt = model.backend, model.name, model.format
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from medinst_tui.runs.engine import RunConfig

    with open_index(args) as index, runs_store() as store:
        tasks = tuple(resolve_task(t, index.indexed_tasks(), assume_yes=args.yes) for t in args.task)
        config = RunConfig(
            tasks=tasks,
            categories=tuple(args.category),
            split=args.split,
            search=args.search,
            medinst32=args.medinst32,
            limit=args.limit,
            sample=args.sample,
            sample_seed=args.seed,
            shots=shot_spec(args),
            format=fmt,
            model=model_name,
            max_tokens=model.max_tokens,
            temperature=model.temperature,
            stop=tuple(args.stop),
            concurrency=args.concurrency or model.concurrency,
            use_cache=not args.no_cache,
        )
        if args.max_tokens == "auto":
            from medinst_tui.runs.auto_tokens import with_auto_cap

            config = with_auto_cap(config, index, backend)
            err.print(f"max tokens {escape(config.max_tokens_auto)}", highlight=False, soft_wrap=True)
        from medinst_tui.session import open_engine

        cancel = threading.Event()
        progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"),
            TextColumn("{task.fields[scores]}"),
            TimeElapsedColumn(),
            console=err,
        )
        with open_engine(index, backend, store=store, pool=model.pool) as engine, progress:
            listener = _RichListener(progress, pool_line(model.pool))
            outcome = engine.run(config, output=args.output, listener=listener, cancel=cancel)
    model.close()
    failed = [r for r in outcome.results if r.failed]
    data = {
        "run": {
            "id": outcome.run_id,
            "status": outcome.status,
            "model": model_name,
            "format": fmt,
            "shots": config.shots.describe(),
            "max_tokens": config.max_tokens,
            "max_tokens_auto": config.max_tokens_auto or None,
            "max_tokens_by_task": dict(config.max_tokens_by_task) or None,  # auto: each task's own cap
            "n_done": outcome.n_done,
            "n_errors": outcome.n_errors,
            "n_cancelled": outcome.n_cancelled,
            "n_cached": outcome.n_cached,
            "duration_s": outcome.duration_s,
            "results_file": str(args.output) if args.output else None,
        },
        "errors": [
            {"task": r.task, "id": r.sample_id, "error": r.error, "error_kind": r.error_kind} for r in failed
        ],
    }
    title = f"run {outcome.run_id} · {model_name} · {config.shots.describe()}"
    output_format = chosen_format(args)
    print_summary(outcome.summary, title=title, fmt=output_format, kind="run", data=data)
    cancelled = f", {outcome.n_cancelled} cancelled" if outcome.n_cancelled else ""
    # tsv and json carry data only: the outcome line then goes to stderr (json has it all)
    where = console if output_format in ("table", "markdown") else err
    if output_format != "json":
        where.print(
            f"{outcome.status}: {outcome.n_done} scored, {outcome.n_errors} error(s){cancelled}, "
            f"{outcome.n_cached} from cache, {outcome.duration_s:.1f} s."
            + (f" Results: {escape(str(args.output))}" if args.output else "")
        )
        for r in failed:
            where.print(f"  [red]error[/] {escape(r.task)} #{r.sample_id}: {escape(r.error or '')}")
    return run_exit_code(outcome.status)


def run_exit_code(status: str) -> int:
    """README "Exit codes": 130 interrupted, 3 nothing scored, 1 some samples failed, 0 done."""
    if status == "cancelled":
        err.print(
            "[yellow]interrupted[/]: every finished sample is saved; run the same command again to resume"
        )
        return ExitCode.INTERRUPTED
    if status == "failed":
        err.print("[red]failed[/]: no sample was scored (the errors are listed above)")
        return ExitCode.ALL_FAILED
    if status == "partial":
        return ExitCode.SOME_FAILED
    return ExitCode.OK
