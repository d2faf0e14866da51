"""`medinst prompt`, `medinst run`, `medinst score`, `medinst runs`."""

from __future__ import annotations

import argparse
import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

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
    warning_line,
)
from medinst_tui.cli.index_cmds import SPLIT_CHOICES
from medinst_tui.cli.model_args import add_retry_options, apply_retry_options
from medinst_tui.cli.output import Column, Document, Section, add_format_option, chosen_format, emit
from medinst_tui.exit_codes import ExitCode
from medinst_tui.fewshot.formats import BUILTIN_FORMATS, load_user_formats
from medinst_tui.fewshot.shots import ShotSpec
from medinst_tui.outputs import check_output
from medinst_tui.paths import config_dir, response_cache_path, runs_db_path

if TYPE_CHECKING:
    from rich.progress import Progress

    from medinst_tui.backends.base import Backend, BackendInfo
    from medinst_tui.runs.records import SampleResult, Summary, TaskSummary
    from medinst_tui.runs.store import RunRow, RunStore

# The run machinery (backends, runs, scoring, rich.progress) is imported inside the commands that use it:
# `medinst export`, `tasks`, `show` and `--help` do not pay for it at start-up.


# -- shared options ------------------------------------------------------------------------------------
def add_model_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("model")
    g.add_argument("--model", help="a preset name (models/*.yaml), a .gguf path, or an http(s) URL")
    g.add_argument("--endpoint", help="an OpenAI-compatible base URL (e.g. http://gpu:8000/v1)")
    g.add_argument("--endpoint-model", help="the model name to ask the endpoint for")
    g.add_argument(
        "--api-key-env", help="the env var holding the endpoint's API key (never pass the key itself)"
    )
    g.add_argument("--api", choices=["chat", "completions"], help="the endpoint API to call")
    g.add_argument("--threads", type=positive, help="CPU threads for a local model")
    g.add_argument("--n-ctx", type=positive, help="context size for a local model")
    add_retry_options(g)


def add_prompt_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("prompt")
    shots = g.add_mutually_exclusive_group()
    shots.add_argument(
        "--shots", type=non_negative, help="K seeded shots from the task's train split (dev if none)"
    )
    shots.add_argument("--history", action="store_true", help="the row's own few-shot history (MEDINST32)")
    shots.add_argument(
        "--cross-task", type=non_negative, metavar="K", help="K shots from other tasks of the same category"
    )
    shots.add_argument(
        "--pin", type=int, action="append", metavar="ID", help="pin a shot by sample id (repeatable)"
    )
    g.add_argument("--seed", type=int, default=0, help="seed for the shots (and --sample)")
    g.add_argument(
        "--format", help=f"{' | '.join(BUILTIN_FORMATS)} | a user template name (default: the model's)"
    )
    g.add_argument("--max-tokens", type=positive, help="new tokens at most (default: the preset's, 1024)")
    g.add_argument("--temperature", type=float, help="default: the preset's, 0")
    g.add_argument("--stop", action="append", default=[], help="a stop sequence (repeatable)")


def shot_spec(args: argparse.Namespace) -> ShotSpec:
    if args.pin:
        return ShotSpec("pinned", len(args.pin), args.seed, tuple(args.pin))
    if args.cross_task is not None:
        return ShotSpec("category", args.cross_task, args.seed)
    if args.shots is not None:
        return ShotSpec("task" if args.shots > 0 else "none", args.shots, args.seed)
    return ShotSpec("history", 0, args.seed)


ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def make_backend(
    args: argparse.Namespace, *, protocol: bool = False
) -> tuple[Backend, str, str, int, float, int]:
    """The backend, what the user called it, its prompt format, max tokens, temperature and concurrency.

    The name (it is stored as the run's model) never carries credentials: `http://user:key@host` is
    recorded as `http://host`. ``protocol`` (`medinst eval`): unset retry options take the paper's
    patience (cli/model_args.py).
    """
    from medinst_tui.backends.presets import (
        PresetError,
        backend_from_preset,
        check_available,
        check_endpoint_url,
        resolve_preset,
        strip_userinfo,
    )

    if args.api_key_env and not ENV_NAME.fullmatch(args.api_key_env):
        # Probably the key itself: refused, and never repeated in the message.
        raise CliError(
            "--api-key-env takes the NAME of an environment variable that holds the key "
            "(letters, digits and _, e.g. OPENAI_API_KEY), not the key itself"
        )
    try:
        if args.endpoint:
            check_endpoint_url(args.endpoint, option="--endpoint")
        spec = args.endpoint or args.model
        problems: list[str] = []
        preset = resolve_preset(spec, user_dir=config_dir() / "models", problems=problems)
    except PresetError as exc:
        raise CliError(str(exc)) from exc
    for problem in problems:
        warning_line(f"{problem} (skipped)")
    changes: dict[str, object] = {}
    if args.endpoint_model:
        changes["model"] = args.endpoint_model
    if args.api_key_env:
        changes["api_key_env"] = args.api_key_env
    if args.api:
        changes["api"] = args.api
    if args.threads:
        changes["n_threads"] = args.threads
    if args.n_ctx:
        changes["n_ctx"] = args.n_ctx
    if getattr(args, "concurrency", None):
        changes["max_concurrency"] = args.concurrency
    if changes:
        import dataclasses

        preset = dataclasses.replace(preset, **changes)  # type: ignore[arg-type]
    if preset.kind == "remote":  # a local model does not retry
        preset = apply_retry_options(preset, args, protocol=protocol)
    missing = check_available(preset)
    if missing:
        raise CliError(f"model preset {preset.name!r} cannot run: {missing}")
    fmt = args.format or preset.prompt_format
    max_tokens = args.max_tokens or preset.sampling.max_tokens
    temperature = args.temperature if args.temperature is not None else preset.sampling.temperature
    backend = backend_from_preset(preset)
    return (
        backend,
        strip_userinfo(spec) if spec else preset.name,
        fmt,
        max_tokens,
        temperature,
        # unset for an endpoint: what the server says it serves at once (1 for an unknown server)
        preset.max_concurrency or backend.describe().max_concurrency,
    )


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
        engine = RunEngine(index, backend, user_formats=load_user_formats(config_dir() / "templates"))
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


class _RichListener:
    def __init__(self, progress: Progress):
        self.progress = progress
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
            rate=f"{done / elapsed:.2f} samples/s · {self.tokens / elapsed:.1f} tok/s",
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
    backend, model_name, fmt, max_tokens, temperature, concurrency = make_backend(args)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from medinst_tui.runs.cache import ResponseCache
    from medinst_tui.runs.engine import RunConfig, RunEngine

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
            max_tokens=max_tokens,
            temperature=temperature,
            stop=tuple(args.stop),
            concurrency=args.concurrency or concurrency,
            use_cache=not args.no_cache,
        )
        cache = ResponseCache(response_cache_path())
        engine = RunEngine(
            index,
            backend,
            store=store,
            cache=cache,
            user_formats=load_user_formats(config_dir() / "templates"),
        )
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
        with progress:
            outcome = engine.run(config, output=args.output, listener=_RichListener(progress), cancel=cancel)
        cache.close()
    backend.close()
    failed = [r for r in outcome.results if r.failed]
    data = {
        "run": {
            "id": outcome.run_id,
            "status": outcome.status,
            "model": model_name,
            "format": fmt,
            "shots": config.shots.describe(),
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


@contextmanager
def runs_store() -> Iterator[RunStore]:
    """The runs DB; one written by a newer medinst is a user error (one line), not a traceback."""
    from medinst_tui.runs.store import RunsSchemaError, RunStore

    try:
        yield RunStore(runs_db_path())
    except RunsSchemaError as exc:
        raise CliError(f"{runs_db_path()}: {exc}") from exc


def summary_rows(summary: Summary) -> list[dict[str, Any]]:
    """One row per task and metric, as data (what `print_summary` shows): the value, its 95% interval with
    n and how it was made, whether it is the task's headline (stored with the run), and beside the headline
    the paper's Table 3 figures for MEDINST32 tasks."""
    from medinst_tui.runs.compare import PAPER_COLUMNS

    paper = catalog.paper_results()
    rows: list[dict[str, Any]] = []
    for task, scores in summary.items():
        ref = paper.get(catalog.base_task(task))
        for key, m in scores.items():
            headline = key == scores.headline.metric
            interval = m.interval
            rows.append(
                {
                    "task": task,
                    "metric": key,
                    "label": m.label,
                    "headline": headline,
                    "family": scores.headline.family,
                    "scorer_version": scores.headline.scorer_version,
                    "value": m.value,
                    "n": m.n,
                    "lower": interval.lower if interval else None,
                    "upper": interval.upper if interval else None,
                    "interval": interval.method if interval else None,
                    "seed": interval.seed if interval else None,
                    "resamples": interval.resamples if interval else None,
                    "paper_metric": ref.metric if ref is not None and headline else None,
                    "paper": (
                        {c: ref.scores[c] for c in PAPER_COLUMNS if c in ref.scores}
                        if ref is not None and headline
                        else {}
                    ),
                }
            )
    return rows


def print_summary(
    summary: Summary,
    *,
    title: str,
    fmt: str = "table",
    kind: str = "summary",
    data: dict[str, Any] | None = None,
) -> None:
    """A summary in `fmt` (cli/output.py): the table of `summary_rows`, or its JSON document `kind`
    (`data` first, then `metrics`: the rows)."""
    from medinst_tui.runs.compare import PAPER_COLUMNS
    from medinst_tui.scoring import MetricSummary, format_interval, format_value
    from medinst_tui.scoring.intervals import Interval

    rows = summary_rows(summary)
    for row in rows:
        key = row["metric"]
        interval = None
        if row["interval"] is not None:
            interval = Interval(row["lower"], row["upper"], row["interval"], row["seed"], row["resamples"])
        m = MetricSummary(key, row["value"], row["n"], None, interval)
        paper = ", ".join(f"{v:.2f}" for v in row["paper"].values())
        row["label_shown"] = row["label"] + (" ★" if row["headline"] else "")
        row["score"] = format_value(key, row["value"])
        row["interval_shown"] = format_interval(m)
        row["paper_shown"] = f"{row['paper_metric']}: {paper}" if paper else ""
    paper_head = "paper (" + ", ".join(c.replace("_fewshot", "") for c in PAPER_COLUMNS) + ")"
    columns = [
        Column("task", key_column=True),
        Column("metric", shown=False),
        Column("label_shown", "metric", tsv=False),
        Column("score", justify="right", tsv=False),
        Column("interval_shown", "95% interval", style="dim", tsv=False, drop=2),
        Column("paper_shown", paper_head, style="cyan", tsv=False, drop=3),
    ]
    hidden = ("headline", "family", "scorer_version", "value", "n", "lower", "upper", "interval", "seed")
    columns += [Column(key, shown=False) for key in (*hidden, "resamples", "paper_metric")]
    caption = "★ the task's headline metric (stored with the run)"
    section = Section("metrics", columns, rows, title=title, caption=caption)
    json_rows = [{k: v for k, v in row.items() if not k.endswith("_shown") and k != "score"} for row in rows]
    emit(Document(kind, {"title": title, **(data or {}), "metrics": json_rows}, [section]), fmt, console)


# -- score ---------------------------------------------------------------------------------------------
def add_score(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("score", help="re-score a results JSONL without any model")
    p.add_argument("results", type=Path)
    add_format_option(p)
    p.set_defaults(func=cmd_score)


def cmd_score(args: argparse.Namespace) -> int:
    if not args.results.exists():
        raise CliError(f"no such file: {args.results}")
    from medinst_tui.runs.engine import LiveScores

    scores = LiveScores()
    skipped = errors = 0
    with open(args.results, encoding="utf-8") as fh:
        for line_no, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
                task, prediction, gold = str(data["task"]), data["prediction"], data["gold"]
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                err.print(f"[yellow]{args.results}:{line_no}: skipped ({exc})[/]")
                skipped += 1
                continue
            if data.get("error"):
                errors += 1
                continue
            sample_id = data.get("id")
            key = sample_id if isinstance(sample_id, int) else None  # the run's bootstrap key, if there
            scores.add(task, catalog.category_of(task), str(prediction), str(gold), key)
    scored = sum(s.n for s in scores.scorers.values())
    fmt = chosen_format(args)
    data = {"file": str(args.results), "scored": scored, "errors": errors, "unreadable": skipped}
    print_summary(scores.summary(), title=f"scores of {args.results.name}", fmt=fmt, kind="score", data=data)
    if fmt != "json":  # json has the counts; tsv carries data only, so they go to stderr
        (console if fmt in ("table", "markdown") else err).print(
            f"{scored} scored, {errors} with errors, {skipped} unreadable."
        )
    return 0


# -- runs ----------------------------------------------------------------------------------------------
def add_runs(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("runs", help="list runs, or `runs show ID` for one run's summary")
    p.add_argument("action", nargs="?", choices=["list", "show"], default="list")
    p.add_argument("run_id", nargs="?")
    p.add_argument("--limit", type=positive, default=50)
    add_format_option(p)
    p.set_defaults(func=cmd_runs)


def run_rows(runs: list[RunRow]) -> list[dict[str, Any]]:
    """`medinst runs` as data: one row per run, each task's headline as the run stored it."""
    rows = []
    for run in runs:
        rows.append(
            {
                "id": run.id,
                "created": run.created,
                "status": run.status,
                "origin": run.origin,
                "model": run.model,
                "format": run.format,
                "shots": run.shots,
                "tasks": run.tasks,
                "n_planned": run.n_planned,
                "n_done": run.n_done,
                "n_errors": run.n_errors,
                "n_cancelled": run.n_cancelled,
                "duration_s": run.duration_s,
                "headline": [headline_row(task, scores) for task, scores in run.summary.items()],
            }
        )
    return rows


def headline_row(task: str, scores: TaskSummary) -> dict[str, Any]:
    from medinst_tui.runs.compare import format_headline

    m = scores.main
    interval = m.interval if m is not None else None
    return {
        "task": task,
        "metric": scores.headline.metric,
        "family": scores.headline.family,
        "scorer_version": scores.headline.scorer_version,
        "value": m.value if m is not None else None,
        "n": m.n if m is not None else None,
        "lower": interval.lower if interval else None,
        "upper": interval.upper if interval else None,
        "interval": interval.method if interval else None,
        "text": format_headline(task, scores),
    }


def cmd_runs(args: argparse.Namespace) -> int:
    fmt = chosen_format(args)
    with runs_store() as store:
        if args.action == "show":
            return _show_run(store, args.run_id, fmt)
        rows = run_rows(store.list_runs(args.limit))
    for row in rows:
        parts = [h["text"] for h in row["headline"]]
        row["headline_text"] = "; ".join(parts)
        row["headline_shown"] = "; ".join(parts[:2]) + (
            f"; +{len(parts) - 2} tasks" if len(parts) > 2 else ""
        )
        row["n_shown"] = f"{row['n_done']}/{row['n_planned']}"
        row["duration_shown"] = f"{(row['duration_s'] or 0):.1f}s"
    columns = [
        Column("id", key_column=True),  # ids are what `runs show` takes: never cut them
        Column("created", "date", drop=3),
        Column("status"),
        Column("origin", shown=False),
        Column("model", drop=2),
        Column("format", drop=4),
        Column("shots", drop=3),
        Column("tasks", drop=2),
        Column("n_shown", "n", justify="right", tsv=False),
        Column("duration_shown", "duration", justify="right", tsv=False, drop=4),
        Column("headline_shown", "headline", tsv=False),
    ]
    columns += [
        Column(k, shown=False) for k in ("n_planned", "n_done", "n_errors", "n_cancelled", "duration_s")
    ]
    columns.append(Column("headline_text", "headline", shown=False))
    title = f"runs ({store.path})"
    json_rows = [{k: v for k, v in row.items() if not k.endswith(("_shown", "_text"))} for row in rows]
    doc = Document(
        "runs", {"db": str(store.path), "runs": json_rows}, [Section("runs", columns, rows, title)]
    )
    emit(doc, fmt, console)
    return 0


def _show_run(store: RunStore, run_id: str | None, fmt: str = "table") -> int:
    if not run_id:
        raise CliError("medinst runs show RUN_ID")
    try:
        run = store.get(run_id)
    except ValueError as exc:
        raise CliError(str(exc)) from exc
    if run is None:
        raise CliError(f"no run {run_id!r}; `medinst runs` lists them")
    versions = sorted({scores.headline.scorer_version for scores in run.summary.values()})
    if fmt in ("table", "markdown"):
        cancelled = f", {run.n_cancelled} cancelled" if run.n_cancelled else ""
        console.print(
            f"[bold]{run.id}[/] · {run.status} · {escape(run.model)} · format {escape(run.format)} · "
            f"shots {escape(run.shots)} · split {run.split} · {run.n_done}/{run.n_planned} scored, "
            f"{run.n_errors} errors{cancelled}, {run.n_cached} cached, {(run.duration_s or 0):.1f} s",
            soft_wrap=True,
        )
    header = {
        key: getattr(run, key)
        for key in (
            "id", "created", "finished", "status", "origin", "model", "model_id", "backend", "format",
            "shots", "seed", "max_tokens", "temperature", "tasks", "split", "n_planned", "n_done",
            "n_errors", "n_cancelled", "n_cached", "duration_s", "results_file",
        )
    }  # fmt: skip
    data = {"run": header | {"scorer_versions": versions}}
    print_summary(run.summary, title=f"run {run.id}", fmt=fmt, kind="run-summary", data=data)
    if versions and fmt in ("table", "markdown"):
        console.print(f"scored by scorer version {', '.join(versions)}", style="dim")
    return 0
