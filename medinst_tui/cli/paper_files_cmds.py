"""The paper's results file in and out: `medinst score RESULTS.json` for an evaluation.py file, and
`medinst runs import|export|diff` (README: "MEDINST32 evaluation")."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, Final

from rich.markup import escape
from rich.table import Table

from medinst_tui.cli.common import CliError, console
from medinst_tui.cli.output import chosen_format
from medinst_tui.cli.results_cmds import print_summary, runs_store
from medinst_tui.exit_codes import ExitCode

RUNS_ACTIONS: Final = ("import", "export", "diff")


# -- score RESULTS.json --------------------------------------------------------------------------------------
def is_official_file(path: Path) -> bool:
    from medinst_tui.protocol.official import looks_official

    return path.suffix.lower() == ".json" and looks_official(path)


def cmd_score_official(args: argparse.Namespace) -> int:
    """`medinst score RESULTS.json` for an evaluation.py results file: medinst's summary of its pairs, and
    each metric the file states beside the value computed from its pairs."""
    from medinst_tui.protocol import official

    try:
        tasks = official.parse(args.results)
    except official.OfficialFormatError as exc:
        raise CliError(str(exc)) from exc
    from medinst_tui.protocol.imports import score

    summary, _ = score(tasks)
    checks = official.check(tasks)
    n = sum(len(t.pairs) for t in tasks)
    counts = {
        "pairs": n,
        "tasks": len(tasks),
        "stated_equal": sum(1 for c in checks if c.matches),
        "stated_differ": sum(1 for c in checks if c.matches is False),
        "not_stated": sum(1 for c in checks if c.matches is None),
    }
    fmt = chosen_format(args)
    data = {
        "file": str(args.results),
        "layout": "evaluation.py results",
        **counts,
        # each metric the file states beside the value medinst computes from its pairs
        "official_metrics": [
            {
                "category": c.category,
                "task": c.task,
                "key": c.key,
                "stated": c.stated,
                "computed": c.computed,
                "same": c.matches,
            }
            for c in checks
        ],
    }
    title = f"scores of {args.results.name} (evaluation.py results file)"
    print_summary(summary, title=title, fmt=fmt, kind="score", data=data)
    if fmt in ("json", "tsv"):  # data only: the JSON has the comparison, tsv the metrics
        return ExitCode.OK
    table = Table(title="the file's metrics vs medinst's, from the same pairs", header_style="bold")
    for col in ("category", "task", "official key", "in the file", "medinst", "same"):
        table.add_column(col, justify="right" if col in ("in the file", "medinst") else "left")
    for c in checks:
        same = {True: "[green]yes[/]", False: "[red]no[/]", None: "[dim]—[/]"}[c.matches]
        table.add_row(
            escape(c.category),
            escape(c.task),
            escape(c.key),
            "" if c.stated is None else f"{c.stated:.6f}",
            "" if c.computed is None else f"{c.computed:.6f}",
            same,
        )
    console.print(table)
    console.print(
        f"{n} pairs in {len(tasks)} tasks; {counts['stated_equal']} stated metric(s) equal medinst's, "
        f"{counts['stated_differ']} differ, {counts['not_stated']} not stated."
    )
    return ExitCode.OK


# -- runs import / export / diff -----------------------------------------------------------------------------
def extend_runs(p: argparse.ArgumentParser) -> None:
    """`medinst runs import|export|diff` on the `runs` parser of cli/run_cmds.py: its ACTION gains the three
    (added to whatever choices it has), their options are added, and its command runs them."""
    action = next(a for a in p._actions if a.dest == "action")
    action.choices = [*(action.choices or ()), *RUNS_ACTIONS]
    previous = p.get_default("func")

    def run(args: argparse.Namespace) -> int:
        if args.action in RUNS_ACTIONS:
            return cmd_runs_action(args)
        code: int = previous(args)
        return code

    add_runs_options(p)
    p.set_defaults(func=run)


def extend_score(p: argparse.ArgumentParser) -> None:
    """`medinst score RESULTS.json` reads an evaluation.py results file as well as a results JSONL."""
    previous = p.get_default("func")

    def run(args: argparse.Namespace) -> int:
        if is_official_file(args.results):
            return cmd_score_official(args)
        code: int = previous(args)
        return code

    p.set_defaults(func=run)


def add_runs_options(p: argparse.ArgumentParser) -> None:
    """The options of `medinst runs import|export|diff`."""
    g = p.add_argument_group("import / export / diff")
    g.add_argument("other", nargs="?", metavar="B", help="diff: the second run")
    g.add_argument("--to", choices=["inspect", "lm-eval"], help="export: the format")
    g.add_argument("-o", "--output", type=Path, metavar="DIR", help="export: the folder to write")
    g.add_argument("--name", help="import: the model name to store (default: the file name)")


def cmd_runs_action(args: argparse.Namespace) -> int:
    if args.action == "import":
        return _import(args)
    if args.action == "export":
        return _export(args)
    return _diff(args)


def _get_run(store: Any, run_id: str | None, usage: str) -> Any:
    if not run_id:
        raise CliError(usage)
    try:
        run = store.get(run_id)
    except ValueError as exc:
        raise CliError(str(exc)) from exc
    if run is None:
        raise CliError(f"no run {run_id!r}; `medinst runs` lists them")
    return run


def _import(args: argparse.Namespace) -> int:
    from medinst_tui.protocol import official
    from medinst_tui.protocol.imports import import_file

    if not args.run_id:
        raise CliError("medinst runs import RESULTS.json")
    path = Path(args.run_id).expanduser()
    if not path.is_file():
        raise CliError(f"no such file: {path}")
    with runs_store() as store:
        try:
            done = import_file(path, store, name=args.name)
        except official.OfficialFormatError as exc:
            raise CliError(str(exc)) from exc
    console.print(
        f"imported {done.n_pairs} pairs of {len(done.tasks)} tasks from {escape(path.name)} as run "
        f"{done.run_id} (model {escape(done.name)}); `medinst runs show {done.run_id}` shows it."
    )
    if done.differing:
        console.print(
            f"[yellow]{len(done.differing)} metric(s) stated in the file differ from medinst's on its "
            "pairs[/] "
            f"(`medinst score {escape(str(path))}` lists them)"
        )
    return ExitCode.OK


def _export(args: argparse.Namespace) -> int:
    from medinst_tui.protocol import exports
    from medinst_tui.protocol import record as records

    if not args.to or args.output is None:
        raise CliError("medinst runs export RUN --to inspect|lm-eval -o DIR")
    folder = args.output.expanduser()
    if folder.exists() and not folder.is_dir():
        raise CliError(f"-o takes a folder; {folder} is a file")
    with runs_store() as store:
        run = _get_run(store, args.run_id, "medinst runs export RUN --to inspect|lm-eval -o DIR")
        results = store.results(run.id)
        record = records.for_run(store.path, run)
    if not results:
        raise CliError(f"run {run.id} has no results to export")
    export = exports.export_inspect if args.to == "inspect" else exports.export_lm_eval
    paths = export(run, results, record, folder)
    for p in paths:
        console.print(escape(str(p)), highlight=False)
    what = "Inspect AI eval logs (`inspect view --log-dir DIR`)" if args.to == "inspect" else "lm-eval files"
    console.print(f"{len(paths)} {what} for run {run.id}")
    return ExitCode.OK


def _diff(args: argparse.Namespace) -> int:
    from medinst_tui.protocol import record as records

    usage = "medinst runs diff A B"
    if not (args.run_id and args.other):
        raise CliError(usage)
    with runs_store() as store:
        a = _get_run(store, args.run_id, usage)
        b = _get_run(store, args.other, usage)
        ra, rb = records.for_run(store.path, a), records.for_run(store.path, b)
    differences = records.diff(ra, rb)
    for run, rec in ((a, ra), (b, rb)):
        if rec.get("note"):
            console.print(f"[dim]{run.id}: {escape(rec['note'])}[/]")
    if not differences:
        console.print(f"{a.id} and {b.id}: the same reproducibility record (run id, time and command aside)")
        return ExitCode.OK
    table = Table(title=f"how {a.id} (A) and {b.id} (B) were made", header_style="bold")
    table.add_column("what")
    table.add_column("A", overflow="fold")
    table.add_column("B", overflow="fold")
    for d in differences:
        table.add_row(escape(d.key), escape(d.describe("a")), escape(d.describe("b")))
    console.print(table)
    console.print(f"{len(differences)} difference(s)")
    return ExitCode.OK
