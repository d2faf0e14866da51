"""`medinst runs analyze RUN` and `medinst runs compare A B` (README: "Error analysis").

Both read stored results only: RUN is a run id (or a unique prefix) of the runs DB, imported and TUI runs
included, or a results JSONL (`medinst run -o`). The analysis and its `Document`s are medinst_tui/analysis/
(headless; the TUI shows the same documents); this module prints them (cli/output.py) and is imported with
the CLI, so it imports the run machinery inside the commands only.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING

from medinst_tui.cli.common import CliError, console, positive, resolve_task, warning_line
from medinst_tui.cli.output import add_format_option, chosen_format, emit

if TYPE_CHECKING:
    from medinst_tui.analysis.documents import LoadedRun
    from medinst_tui.runs.records import SampleResult

ACTIONS = ("analyze", "compare")
# The defaults live with the documents (the TUI uses them too); importing them costs nothing heavy.
DEFAULT_SEED = 20240806  # = analysis.comparison_document.SEED (checked by a test)
DEFAULT_RESAMPLES = 2000  # = analysis.comparison_document.RESAMPLES
DEFAULT_TOP = 10  # = analysis.documents.TOP


def extend_runs(p: argparse.ArgumentParser) -> None:
    """Add `analyze` and `compare` to the `runs` parser (cli/run_cmds.py's): its `action` choices, a second
    run id, their options, and a dispatch in front of its command."""
    action = next(a for a in p._actions if a.dest == "action")
    action.choices = [*(action.choices or []), *ACTIONS]
    other = next((a for a in p._actions if a.dest == "other"), None)
    if other is None:
        p.add_argument("other", nargs="?", metavar="B", help="compare: the second run (id or results JSONL)")
    else:  # `runs diff A B` has one already
        other.help = f"{other.help}; compare: the second run (id or results JSONL)"
    g = p.add_argument_group("analyze / compare")
    g.add_argument(
        "--task",
        dest="analysis_tasks",
        action="append",
        default=[],
        metavar="T",
        help="only this task (repeatable)",
    )
    g.add_argument(
        "--seed",
        dest="analysis_seed",
        type=int,
        default=DEFAULT_SEED,
        metavar="S",
        help=f"compare: the seed of the resamples (default {DEFAULT_SEED})",
    )
    g.add_argument(
        "--resamples",
        type=positive,
        default=DEFAULT_RESAMPLES,
        help=f"compare: bootstrap resamples and permutations (default {DEFAULT_RESAMPLES})",
    )
    g.add_argument(
        "--top", type=positive, default=DEFAULT_TOP, help=f"samples listed per list (default {DEFAULT_TOP})"
    )
    if not any("--yes" in a.option_strings for a in p._actions):
        g.add_argument("--yes", action="store_true", help="take the best match of a loose --task name")
    if not any("--format" in a.option_strings for a in p._actions):
        add_format_option(p)
    listing = p.get_default("func")

    def dispatch(args: argparse.Namespace) -> int:
        if args.action == "analyze":
            return cmd_analyze(args)
        if args.action == "compare":
            return cmd_compare(args)
        if args.action in ("list", "show") and getattr(args, "other", None) is not None:
            raise CliError(f"medinst runs {args.action}: unexpected argument {args.other!r}")
        code: int = listing(args)
        return code

    p.set_defaults(func=dispatch)


def load_run(spec: str | None, usage: str) -> LoadedRun:
    """A stored run by id (prefix) or a results JSONL."""
    from medinst_tui.analysis.documents import file_run, stored_run

    if not spec:
        raise CliError(usage)
    path = Path(spec).expanduser()
    if path.is_file():
        return file_run(path, _read_results(path))
    from medinst_tui.cli.run_cmds import runs_store

    with runs_store() as store:
        try:
            run = store.get(spec)
        except ValueError as exc:  # an ambiguous prefix
            raise CliError(str(exc)) from exc
        if run is None:
            raise CliError(f"no run {spec!r} and no such results file; `medinst runs` lists the runs")
        results = store.results(run.id)
        return stored_run(run, results, store.path)


def _read_results(path: Path) -> list[SampleResult]:
    from medinst_tui.runs.records import SampleResult

    out: list[SampleResult] = []
    bad = 0
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            try:
                data = json.loads(line)
                out.append(SampleResult.from_json(data))
            except (json.JSONDecodeError, TypeError, ValueError, KeyError):
                bad += 1
    if bad:
        warning_line(f"{path}: {bad} line(s) are not results and were skipped")
    if not out:
        raise CliError(f"{path}: no results (one JSON object per line, as `medinst run -o` writes)")
    return out


def _tasks(args: argparse.Namespace, names: list[str]) -> list[str]:
    if not args.analysis_tasks:
        return names
    return [resolve_task(t, names, assume_yes=getattr(args, "yes", False)) for t in args.analysis_tasks]


# -- analyze ---------------------------------------------------------------------------------------------
def cmd_analyze(args: argparse.Namespace) -> int:
    from medinst_tui.analysis.documents import analyze_loaded

    run = load_run(args.run_id, "medinst runs analyze RUN [--task T] (RUN: a run id or a results JSONL)")
    tasks = _tasks(args, list(dict.fromkeys(r.task for r in run.results)))
    emit(analyze_loaded(run, tasks, top=args.top), chosen_format(args), console)
    return 0


# -- compare ---------------------------------------------------------------------------------------------
def cmd_compare(args: argparse.Namespace) -> int:
    from medinst_tui.analysis.comparison_document import common_tasks, compare_loaded

    usage = "medinst runs compare A B (each a run id or a results JSONL)"
    a = load_run(args.run_id, usage)
    b = load_run(getattr(args, "other", None), usage)
    common = common_tasks(a, b)
    if not common:
        raise CliError(f"{a.label} and {b.label} share no task: nothing to compare")
    doc = compare_loaded(
        a, b, _tasks(args, common), seed=args.analysis_seed, resamples=args.resamples, top=args.top
    )
    emit(doc, chosen_format(args), console)
    return 0
