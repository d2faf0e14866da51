"""`medinst score` and `medinst runs [list|show]`, and a run's summary as a table or data (shared with
`medinst run` and `medinst eval`)."""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.markup import escape

from medinst_tui import catalog
from medinst_tui.cli.common import CliError, console, err, positive
from medinst_tui.cli.output import Column, Document, Section, add_format_option, chosen_format, emit
from medinst_tui.paths import runs_db_path

if TYPE_CHECKING:
    from medinst_tui.runs.records import Summary, TaskSummary
    from medinst_tui.runs.store import RunRow, RunStore


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
    by_task = run.config.get("max_tokens_by_task") or []  # `auto`: each task's own cap
    if fmt in ("table", "markdown"):
        cancelled = f", {run.n_cancelled} cancelled" if run.n_cancelled else ""
        from medinst_tui.runs.auto_tokens import cap_label

        cap = escape(cap_label(run.max_tokens, run.config))
        console.print(
            f"[bold]{run.id}[/] · {run.status} · {escape(run.model)} · format {escape(run.format)} · "
            f"shots {escape(run.shots)} · split {run.split} · max tokens {cap} · "
            f"{run.n_done}/{run.n_planned} scored, "
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
    auto = {  # how an auto cap was derived, and each task's
        "max_tokens_auto": run.config.get("max_tokens_auto") or None,
        "max_tokens_by_task": {str(t): int(c) for t, c in by_task} or None,
    }
    data = {"run": header | auto | {"scorer_versions": versions}}
    print_summary(run.summary, title=f"run {run.id}", fmt=fmt, kind="run-summary", data=data)
    if versions and fmt in ("table", "markdown"):
        console.print(f"scored by scorer version {', '.join(versions)}", style="dim")
    return 0
