"""`medinst index`, `medinst tasks`, `medinst show`, `medinst export`, `medinst locate`."""

from __future__ import annotations

import argparse
import contextlib
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.markup import escape
from rich.panel import Panel
from rich.text import Text

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
from medinst_tui.cli.output import Column, Document, Section, add_format_option, chosen_format, emit
from medinst_tui.outputs import check_output
from medinst_tui.paths import locate
from medinst_tui.store.export import export
from medinst_tui.store.filters import Filter
from medinst_tui.store.index import Index

if TYPE_CHECKING:
    from medinst_tui.cli.progress import FractionBar
    from medinst_tui.sources.files import SourceSpec
    from medinst_tui.store.ingest import IndexReport

# The ingest and the progress bars (rich.progress) are imported by the commands that use them, so that
# `medinst export`, `tasks`, `show` and `--help` start without them.

SPLIT_CHOICES = ["train", "dev", "test"]


# -- index ---------------------------------------------------------------------------------------------
def add_index(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("index", help="build the DuckDB index (demo set, local files or the Hub)")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--demo", action="store_true", help="the bundled demo set (the default)")
    src.add_argument(
        "--from",
        dest="from_path",
        type=Path,
        metavar="PATH",
        help="a folder of <Task>_<split>.json files / Hub parquet layout, or one file",
    )
    src.add_argument(
        "--hub",
        nargs="?",
        const="medinst",
        choices=["medinst", "medinst32"],
        help="download aialt/MedINST (or aialt/MedINST32) through huggingface_hub",
    )
    p.add_argument(
        "--task", action="append", default=[], help="only this task (repeatable); with one file: its task"
    )
    p.add_argument("--category", action="append", default=[], choices=list(catalog.categories()))
    p.add_argument("--split", action="append", default=[], choices=SPLIT_CHOICES)
    p.add_argument("--add", action="store_true", help="keep the other sources already in the index")
    p.add_argument("--revision", help="Hub revision (branch, tag or commit) of the JSON files")
    p.add_argument(
        "--no-parquet",
        dest="parquet",
        action="store_false",
        help="--hub: read the JSON files only, not the Hub's parquet conversion",
    )
    p.add_argument("--memory-limit", default="3GB", help="DuckDB memory limit while building (default 3GB)")
    p.add_argument(
        "--no-search-index",
        action="store_true",
        help="skip the word index that text search answers from (search then scans every row)",
    )
    add_db_option(p)
    p.set_defaults(func=cmd_index)


def sources_for(args: argparse.Namespace) -> list[SourceSpec]:
    from medinst_tui.sources.specs import demo_sources, local_source

    if args.from_path is not None:
        single = args.from_path.is_file() and len(args.task) == 1 and len(args.split) == 1
        if single:
            return [local_source(args.from_path, task=args.task[0], split=args.split[0])]
        return [local_source(args.from_path, tasks=args.task, categories=args.category, splits=args.split)]
    if args.hub:
        from medinst_tui.sources.hub import HubError, hub_sources

        try:
            return hub_sources(
                args.hub,
                tasks=args.task,
                categories=args.category,
                splits=args.split,
                revision=args.revision,
                parquet=args.parquet,
            )
        except HubError as exc:
            raise CliError(str(exc)) from exc
    return demo_sources()


def cmd_index(args: argparse.Namespace) -> int:
    try:
        sources = sources_for(args)
    except (FileNotFoundError, ValueError) as exc:
        raise CliError(str(exc)) from exc
    if not any(s.files for s in sources):
        raise CliError("nothing to index: no <Task>_<split>.json / parquet files matched")
    for source in sources:
        for note in source.notes:
            console.print(f"{escape(source.name)}: {escape(note)}", highlight=False, soft_wrap=True)
    from medinst_tui.cli.progress import IngestBar
    from medinst_tui.exit_codes import ExitCode
    from medinst_tui.store.ingest import build_index

    db = db_path(args)
    try:
        with IngestBar() as bar:
            report = build_index(
                db,
                sources,
                add=args.add,
                progress=bar,
                memory_limit=args.memory_limit,
                search_index=not args.no_search_index,
            )
    except KeyboardInterrupt:
        # build_index turns a Ctrl-C inside a DuckDB query into KeyboardInterrupt too; either way its
        # temporary file is gone and the index was never replaced.
        state = "the previous index is intact" if db.exists() else "no index was written"
        err.print(f"[yellow]interrupted[/]: {state} ({escape(str(db))})", highlight=False, soft_wrap=True)
        return ExitCode.INTERRUPTED
    print_report(report)
    return ExitCode.OK


def print_report(report: IndexReport) -> None:
    from medinst_tui.store.ingest import SHOWN_ISSUES

    rate = report.rows / report.seconds if report.seconds else 0.0
    console.print(
        f"Indexed [bold]{report.rows:,}[/] rows from {report.files} files into {escape(str(report.db))} "
        f"in {report.seconds:.1f} s ({rate:,.0f} rows/s)."
    )
    if report.unknown_tasks:
        console.print(
            f"[yellow]{len(report.unknown_tasks)} task name(s) not in the catalog, kept with category "
            f"'unknown':[/] {escape(', '.join(report.unknown_tasks))}"
        )
    if report.issues:
        console.print(f"[yellow]Skipped {report.skipped:,} row(s)/file(s):[/]")
        for issue in report.issues[:SHOWN_ISSUES]:
            console.print(f"  {escape(issue.where())}: {escape(issue.reason)}")
        if len(report.issues) > SHOWN_ISSUES:
            console.print(f"  ... and {len(report.issues) - SHOWN_ISSUES:,} more")
        console.print(f"Full list: {escape(str(report.errors_file))}")


# -- tasks ---------------------------------------------------------------------------------------------
def add_tasks(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("tasks", help="the MEDINST task catalog, with indexed row counts")
    p.add_argument("--category", action="append", default=[], choices=list(catalog.categories()))
    p.add_argument("--medinst32", action="store_true", help="only the 32 MEDINST32 benchmark tasks")
    add_format_option(p)
    add_db_option(p)
    p.set_defaults(func=cmd_tasks)


def _num(value: int | None) -> str:
    return "" if value is None else f"{value:,}"


def task_rows(
    db: Path, categories: list[str], medinst32: bool
) -> tuple[list[dict[str, Any]], bool, list[str]]:
    """`medinst tasks` as data: one row per task (the catalog's, then indexed names it does not know), whether
    an index was found, and the indexed names outside the catalog."""
    indexed: dict[str, dict[str, int]] = {}
    unknown: list[str] = []
    has_index = db.exists()
    if has_index:
        with Index(db) as index:
            for task_row in index.task_rows():
                if task_row.indexed_total:
                    indexed[task_row.name] = task_row.indexed
                if not task_row.known:
                    unknown.append(task_row.name)
    rows: list[dict[str, Any]] = []
    # The MEDINST32 -zs twins are indexed under their own names: listed after the catalog.
    extra = sorted({t for t in indexed if t not in catalog.tasks()})
    for name in list(catalog.tasks()) + extra:
        info = catalog.lookup(name)
        category = info.category if info else catalog.UNKNOWN_CATEGORY
        if categories and category not in categories:
            continue
        if medinst32 and not (info and info.in_medinst32):
            continue
        is_twin = name != catalog.base_task(name)
        paper = None if is_twin or not info else {s: info.paper_size(s) for s in SPLIT_CHOICES}
        have = {s: indexed[name].get(s, 0) for s in SPLIT_CHOICES} if name in indexed else None
        row: dict[str, Any] = {
            "name": name,
            "category": category,
            "medinst32": bool(info and info.in_medinst32),
            "metric_type": info.metric_type if info else None,
            "known": name in catalog.tasks(),
            "paper": paper,
            "indexed": have,
        }
        for split in SPLIT_CHOICES:
            row[f"{split}_paper"] = paper[split] if paper else None
            row[f"{split}_indexed"] = have[split] if have else None
            # The table reads "indexed / paper" once data is indexed.
            shown = _num(row[f"{split}_paper"])
            if has_index and indexed:
                count = "-" if have is None else _num(have[split])
                shown = f"{count} / {shown}" if shown else count
            row[f"{split}_shown"] = shown
        rows.append(row)
    return rows, has_index and bool(indexed), unknown


def cmd_tasks(args: argparse.Namespace) -> int:
    db = db_path(args)
    rows, indexed, unknown = task_rows(db, args.category, args.medinst32)
    columns = [
        Column("name", "task", key_column=True),
        Column("category", drop=2),
        Column("medinst32", "M32", justify="center", drop=3),
        Column("metric_type", "metric", drop=4),
    ]
    for split in SPLIT_CHOICES:
        head = f"{split} (indexed / paper)" if indexed else f"{split} (paper)"
        columns.append(Column(f"{split}_shown", head, justify="right", tsv=False))
    for split in SPLIT_CHOICES:
        columns.append(Column(f"{split}_paper", shown=False))
        columns.append(Column(f"{split}_indexed", shown=False))
    notes = [f"{len(rows)} task(s)." + ("" if indexed else " No index yet: `medinst index --demo`.")]
    if unknown:
        notes.append(f"Not in the catalog (category 'unknown'): {', '.join(unknown)}")
    title = "MEDINST tasks" + (" (MEDINST32)" if args.medinst32 else "")
    data = {
        "db": str(db) if db.exists() else None,
        "tasks": [{k: r[k] for k in TASK_JSON_KEYS} for r in rows],
    }
    section = Section("tasks", columns, rows, title=title)
    emit(Document("tasks", data, [section], notes), chosen_format(args), console)
    return 0


TASK_JSON_KEYS = ("name", "category", "medinst32", "metric_type", "known", "paper", "indexed")


# -- show ----------------------------------------------------------------------------------------------
def add_show(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("show", help="a task's instruction and samples")
    p.add_argument("task")
    p.add_argument("--split", choices=SPLIT_CHOICES)
    p.add_argument("-n", type=non_negative, default=3, help="how many samples (default 3)")
    p.add_argument("--search", default="", help="only samples whose input or output contains this text")
    p.add_argument("--yes", action="store_true", help="accept the best fuzzy task match without asking")
    add_db_option(p)
    p.set_defaults(func=cmd_show)


def cmd_show(args: argparse.Namespace) -> int:
    with open_index(args) as index:
        task = resolve_task(args.task, index.indexed_tasks(), assume_yes=args.yes)
        info = catalog.lookup(task)
        f = Filter(tasks=(task,), splits=(args.split,) if args.split else (), search=args.search)
        head = Text.assemble((task, "bold"), f"  {info.category if info else catalog.UNKNOWN_CATEGORY}")
        if info and info.in_medinst32:
            head.append(
                f"  MEDINST32 · metric {info.metric_type} · difficulty {info.difficulty}", style="cyan"
            )
        console.print(head)
        for text, n in index.instructions(task):
            console.print(Panel(escape(text), title=f"instruction ({n:,} rows)", title_align="left"))
        total = index.count(f)
        for row in index.page(f, limit=args.n):
            body = Text()
            for i, pair in enumerate(row.history or [], 1):
                body.append(f"shot {i} · user\n", style="dim")
                body.append((pair[0] if pair else "") + "\n")
                body.append(f"shot {i} · assistant\n", style="dim")
                body.append((pair[1] if len(pair) > 1 else "") + "\n\n")
            body.append("input\n", style="bold")
            body.append(row.input + "\n\n")
            body.append("gold output\n", style="bold green")
            body.append(row.output)
            console.print(
                Panel(
                    body, title=escape(f"#{row.id} · {row.split} · {row.file}:{row.line}"), title_align="left"
                )
            )
        console.print(f"{min(args.n, total)} of {total:,} matching row(s).")
    return 0


# -- export --------------------------------------------------------------------------------------------
def add_export(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("export", help="write a filtered subset to JSONL or Parquet")
    p.add_argument("--category", action="append", default=[], choices=list(catalog.categories()))
    p.add_argument("--task", action="append", default=[], help="task name, fuzzy-matched (repeatable)")
    p.add_argument("--split", action="append", default=[], choices=SPLIT_CHOICES)
    p.add_argument("--medinst32", action="store_true")
    p.add_argument("--search", default="")
    p.add_argument("--sample", type=positive, metavar="N", help="a seeded random sample of N rows")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--limit", type=non_negative, metavar="N", help="at most N rows")
    p.add_argument("-o", "--output", required=True, help="FILE.jsonl, FILE.parquet, or - for stdout")
    p.add_argument("--force", action="store_true", help="overwrite the output file if it exists")
    p.add_argument("--format", choices=["jsonl", "parquet"])
    p.add_argument("--yes", action="store_true", help="accept fuzzy task matches without asking")
    add_db_option(p)
    p.set_defaults(func=cmd_export)


def cmd_export(args: argparse.Namespace) -> int:
    # Refused before anything is opened or built (the index itself, an existing file without --force ...);
    # export() checks again with the index that is actually open.
    check_output(args.output, protect=[db_path(args)], force=args.force)
    if args.format == "parquet" and check_output(args.output, force=True).stdout:
        raise CliError("parquet cannot go to stdout: give a file name")
    with open_index(args) as index:
        known = index.indexed_tasks()
        tasks = tuple(resolve_task(t, known, assume_yes=args.yes) for t in args.task)
        f = Filter(
            categories=tuple(args.category),
            tasks=tasks,
            splits=tuple(args.split),
            medinst32=args.medinst32,
            search=args.search,
        )
        # The bar only on a terminal: piped, it would print its last frame as a line of its own.
        bar_context: contextlib.AbstractContextManager[FractionBar | None] = contextlib.nullcontext()
        if err.is_terminal:
            from medinst_tui.cli.progress import FractionBar

            bar_context = FractionBar("export")
        with bar_context as bar:
            result = export(
                index,
                f,
                args.output,
                fmt=args.format,
                sample=args.sample,
                seed=args.seed,
                limit=args.limit,
                on_progress=bar,
                force=args.force,
            )
    where = "stdout" if result.target == "-" else result.target
    err.print(f"Wrote {result.rows:,} rows to {escape(where)} ({result.fmt}, {result.seconds:.1f} s).")
    return 0


# -- locate ------------------------------------------------------------------------------------------
def add_locate(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("locate", help="where config, data, cache, index and resources live")
    p.add_argument("what", nargs="?", help="print just this path (e.g. index, config, cache)")
    add_format_option(p)
    add_db_option(p)
    p.set_defaults(func=cmd_locate)


def cmd_locate(args: argparse.Namespace) -> int:
    places = {key.replace("_", "-"): str(value) for key, value in asdict(locate(db_path(args))).items()}
    if args.what:
        key = args.what.replace("_", "-")
        if key not in places:
            raise CliError(f"unknown location {args.what!r}: one of {', '.join(places)}")
        if args.output_format is None:  # the bare path, for $(medinst locate runs)
            console.print(places[key], markup=False, highlight=False, soft_wrap=True)
            return 0
        places = {key: places[key]}
    rows = [{"name": key, "path": value} for key, value in places.items()]
    columns = [Column("name", key_column=True), Column("path", key_column=True)]
    doc = Document("locate", {"locations": places}, [Section("locate", columns, rows)])
    emit(doc, chosen_format(args), console)
    return 0
