"""`medinst runs analyze RUN` and `medinst runs compare A B` (README: "Error analysis").

Both read stored results only: RUN is a run id (or a unique prefix) of the runs DB, imported and TUI runs
included, or a results JSONL (`medinst run -o`). The analysis itself is medinst_tui/analysis/ (headless);
this module turns it into `Document`s (cli/output.py) and is imported with the CLI, so it imports the run
machinery inside the commands only.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from medinst_tui.cli.common import CliError, console, positive, resolve_task, warning_line
from medinst_tui.cli.output import Column, Document, Section, add_format_option, chosen_format, emit

if TYPE_CHECKING:
    from medinst_tui.analysis import TaskAnalysis, TaskComparison
    from medinst_tui.runs.records import SampleResult
    from medinst_tui.scoring import Family

ACTIONS = ("analyze", "compare")
DEFAULT_SEED = 20240806  # scoring/intervals.py's SEED: the run's own intervals use it too
DEFAULT_RESAMPLES = 2000
SNIPPET = 100  # characters of a prediction or gold shown in a table (json has them whole)


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
    g.add_argument("--top", type=positive, default=10, help="samples listed per list (default 10)")
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


# -- loading a run ---------------------------------------------------------------------------------------
@dataclass
class LoadedRun:
    label: str  # the run id, or the file name
    info: dict[str, Any]  # how the run was made (JSON)
    results: list[SampleResult]
    family_of: Callable[[str], Family]


def load_run(spec: str | None, usage: str) -> LoadedRun:
    """A stored run by id (prefix) or a results JSONL."""
    from medinst_tui.scoring.headline import task_family

    if not spec:
        raise CliError(usage)
    path = Path(spec).expanduser()
    if path.is_file():
        results = _read_results(path)
        golds: dict[str, str] = {}
        for r in results:
            golds.setdefault(r.task, r.gold)
        about: dict[str, Any] = {"source": "file", "path": str(path.resolve()), "id": None}
        return LoadedRun(path.name, about, results, lambda t: task_family(t, example_gold=golds.get(t)))
    from medinst_tui.cli.run_cmds import runs_store

    with runs_store() as store:
        try:
            run = store.get(spec)
        except ValueError as exc:  # an ambiguous prefix
            raise CliError(str(exc)) from exc
        if run is None:
            raise CliError(f"no run {spec!r} and no such results file; `medinst runs` lists the runs")
        results = store.results(run.id)
    first_gold: dict[str, str] = {}
    for r in results:
        first_gold.setdefault(r.task, r.gold)
    stored = {task: scores.headline.family for task, scores in run.summary.items()}

    def family_of(task: str) -> Family:  # what the run was scored with, else what a run scores it with now
        return stored.get(task) or task_family(task, example_gold=first_gold.get(task))

    info: dict[str, Any] = {
        "source": "runs-db",
        "path": str(store.path),
        "id": run.id,
        "model": run.model,
        "model_id": run.model_id,
        "backend": run.backend,
        "format": run.format,
        "shots": run.shots,
        "seed": run.seed,
        "max_tokens": run.max_tokens,
        "temperature": run.temperature,
        "split": run.split,
        "status": run.status,
        "created": run.created,
        "scorer_versions": sorted({s.headline.scorer_version for s in run.summary.values()}),
    }
    return LoadedRun(run.id, info, results, family_of)


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


def _run_title(run: LoadedRun) -> str:
    info = run.info
    if info["source"] == "file":
        return f"{run.label} (results file)"
    versions = ", ".join(info["scorer_versions"]) or "?"
    return (
        f"run {run.label} · {info['model']} · format {info['format']} · shots {info['shots']}"
        f" · scorer {versions}"
    )


# -- value formatting ------------------------------------------------------------------------------------
def _score(metric: str) -> Callable[[Any], str]:
    from medinst_tui.scoring import format_value

    return lambda v: "" if v is None else format_value(metric, float(v))


def _fraction(v: Any) -> str:
    return "–" if v is None else f"{100 * float(v):.2f}"


def _ids(v: Any) -> str:
    return " ".join(str(i) for i in v) if v else ""


def _snippet(v: Any) -> str:
    text = " ".join(str(v or "").split())
    return text if len(text) <= SNIPPET else text[: SNIPPET - 1] + "…"


def _p(v: Any) -> str:
    return "" if v is None else f"{float(v):.3g}"


# -- analyze ---------------------------------------------------------------------------------------------
def cmd_analyze(args: argparse.Namespace) -> int:
    from medinst_tui.analysis import analyze_run

    run = load_run(args.run_id, "medinst runs analyze RUN [--task T] (RUN: a run id or a results JSONL)")
    names = list(dict.fromkeys(r.task for r in run.results))
    tasks = _tasks(args, names)
    analyses = analyze_run(run.results, run.family_of, tasks=tasks, worst=args.top)
    doc = analysis_document(run, analyses, top=args.top)
    emit(doc, chosen_format(args), console)
    return 0


def analysis_document(run: LoadedRun, analyses: list[TaskAnalysis], *, top: int) -> Document:
    from medinst_tui.scoring import METRICS, format_value

    data = {"run": run.info, "tasks": [a.to_json() for a in analyses]}
    overview = Section(
        "tasks",
        [
            Column("task", key_column=True),
            Column("family", drop=3),
            Column("headline", shown=False),
            Column("label", "metric", drop=2, tsv=False),
            Column("n", justify="right"),
            Column("n_not_scored", "not scored", justify="right", drop=2),
            Column("value", shown=False),
            Column("value_shown", "headline", justify="right", tsv=False),
        ],
        [
            {
                "task": a.task,
                "family": a.family,
                "headline": a.headline,
                "label": METRICS[a.headline].label,
                "n": a.n,
                "n_not_scored": a.n_not_scored,
                "value": a.value,
                "value_shown": format_value(a.headline, a.value),
            }
            for a in analyses
        ],
    )
    sections = [overview]
    notes = [
        "Scored samples only (failed or cancelled ones are counted as not scored). Spans match as the scorer "
        "matches them (normalized text with its type; a right text with a wrong type is a miss and a "
        "spurious span); P/R/F1 per type are micro over spans; labels are read as the scorer reads them.",
    ]
    for a in analyses:
        sections += _task_sections(a, top)
    return Document("analysis", data, sections, notes, heading=[_run_title(run)])


def _task_sections(a: TaskAnalysis, top: int) -> list[Section]:
    from medinst_tui.scoring import METRICS

    sections: list[Section] = []
    if a.spans is not None:
        rows = []
        for t in [*a.spans.types, a.spans.total]:
            rows.append(
                {
                    "type": t.type,
                    "gold": t.gold,
                    "predicted": t.predicted,
                    "tp": t.tp,
                    "fp": t.fp,
                    "fn": t.fn,
                    "precision": t.precision,
                    "recall": t.recall,
                    "f1": t.f1,
                    "missed": sorted({s.sample_id for s in t.missed})[:top] if t is not a.spans.total else [],
                    "spurious": (
                        sorted({s.sample_id for s in t.spurious})[:top] if t is not a.spans.total else []
                    ),
                }
            )
        sections.append(
            Section(
                f"{a.task}/types",
                [
                    Column("type", key_column=True),
                    Column("gold", justify="right"),
                    Column("predicted", "pred", justify="right"),
                    Column("tp", justify="right", drop=2),
                    Column("fp", justify="right", drop=2),
                    Column("fn", justify="right", drop=2),
                    Column("precision", "P", justify="right", fmt=_fraction),
                    Column("recall", "R", justify="right", fmt=_fraction),
                    Column("f1", "F1", justify="right", fmt=_fraction),
                    Column("missed", "missed in (ids)", fmt=_ids, drop=3),
                    Column("spurious", "spurious in (ids)", fmt=_ids, drop=4),
                ],
                rows,
                title=f"{a.task}: spans per type (n={a.spans.n}; mean per-sample F1 "
                f"{100 * a.spans.mean_sample_f1:.2f} = the run's Entity-F1)",
            )
        )
        if a.spans.confusions:
            confusion_rows = [
                {"gold": g, "predicted": p, "count": len(ids), "samples": ids[:top]}
                for (g, p), ids in sorted(a.spans.confusions.items(), key=lambda kv: -len(kv[1]))
            ]
            sections.append(
                Section(
                    f"{a.task}/type-confusions",
                    [
                        Column("gold", "gold type", key_column=True),
                        Column("predicted", "predicted type", key_column=True),
                        Column("count", justify="right"),
                        Column("samples", "ids", fmt=_ids),
                    ],
                    confusion_rows,
                    title=f"{a.task}: right text, wrong type",
                )
            )
    if a.confusion is not None:
        cm = a.confusion
        columns = [Column("gold", "gold \\ predicted", key_column=True)]
        keys = [f"c{i}" for i in range(len(cm.columns))]
        for key, label in zip(keys, cm.columns, strict=True):
            columns.append(Column(key, cm.shown.get(label, label), justify="right"))
        columns.append(Column("recall", "R", justify="right", fmt=_fraction))
        rows = []
        for r in cm.rows:
            row: dict[str, Any] = {"gold": cm.shown.get(r, r), "recall": cm.label_stats(r)["recall"]}
            for key, c in zip(keys, cm.columns, strict=True):
                row[key] = cm.counts[r, c]
            rows.append(row)
        what = "tags (each word's)" if cm.kind == "bio" else "labels"
        sections.append(
            Section(
                f"{a.task}/confusion",
                columns,
                rows,
                title=f"{a.task}: confusion of {what} (n={cm.n} samples; macro-F1 {100 * cm.macro_f1:.2f})",
            )
        )
        cells: list[dict[str, Any]] = [
            {
                "gold": cm.shown.get(r, r),
                "predicted": cm.shown.get(c, c),
                "count": cm.counts[r, c],
                "samples": cm.samples.get((r, c), [])[:top],
            }
            for r in cm.rows
            for c in cm.columns
            if r != c and cm.counts[r, c]
        ]
        cells.sort(key=lambda cell: -cell["count"])
        if cells:
            sections.append(
                Section(
                    f"{a.task}/errors",
                    [
                        Column("gold", key_column=True),
                        Column("predicted", key_column=True),
                        Column("count", justify="right"),
                        Column("samples", "ids", fmt=_ids),
                    ],
                    cells,
                    title=f"{a.task}: the samples behind each wrong cell",
                )
            )
    if a.multilabel is not None:
        rows = []
        for lab in a.multilabel.labels:
            j = lab.to_json()
            rows.append(j | {"fp_ids": lab.fp[:top], "fn_ids": lab.fn[:top]})
        sections.append(
            Section(
                f"{a.task}/labels",
                [
                    Column("label", key_column=True),
                    Column("in_gold", "gold label", justify="center", drop=3),
                    Column("tp", justify="right"),
                    Column("fp", justify="right"),
                    Column("fn", justify="right"),
                    Column("tn", justify="right", drop=2),
                    Column("precision", "P", justify="right", fmt=_fraction),
                    Column("recall", "R", justify="right", fmt=_fraction),
                    Column("f1", "F1", justify="right", fmt=_fraction),
                    Column("fn_ids", "missed in (ids)", fmt=_ids, drop=3),
                    Column("fp_ids", "wrongly in (ids)", fmt=_ids, drop=4),
                ],
                rows,
                title=f"{a.task}: one-vs-rest per label (n={a.multilabel.n}; "
                f"{a.multilabel.exact} with exactly the gold set)",
            )
        )
    if a.sts is not None:
        sts = a.sts
        columns = [Column("gold", "gold \\ predicted", key_column=True, justify="right")]
        columns += [Column(f"p{s}", str(s), justify="right") for s in range(6)]
        columns.append(Column("invalid", "no valid integer", justify="right"))
        rows = [
            {"gold": g, **{f"p{s}": sts.counts[g][s] for s in range(6)}, "invalid": sts.invalid[g]}
            for g in range(6)
        ]
        sections.append(
            Section(
                f"{a.task}/sts",
                columns,
                rows,
                title=f"{a.task}: gold vs predicted score (n={sts.n}; {sts.n_invalid} answer(s) with no "
                f"valid integer, scored as 5 against 0; exact {sts.exact}, within 1: {sts.within_one}; "
                f"MSE {sts.mse:.3f})",
            )
        )
    if a.worst:
        sections.append(
            Section(
                f"{a.task}/worst",
                [
                    Column("id", key_column=True, justify="right"),
                    Column("value", "score", justify="right", fmt=_score(a.headline)),
                    Column("prediction", fmt=_snippet, drop=2),
                    Column("gold", fmt=_snippet, drop=3),
                ],
                [w.to_json() for w in a.worst],
                title=f"{a.task}: the {len(a.worst)} worst samples by {METRICS[a.headline].label}",
            )
        )
    return sections


# -- compare ---------------------------------------------------------------------------------------------
def cmd_compare(args: argparse.Namespace) -> int:
    from medinst_tui.analysis import compare_runs

    usage = "medinst runs compare A B (each a run id or a results JSONL)"
    a = load_run(args.run_id, usage)
    b = load_run(getattr(args, "other", None), usage)
    in_b = {r.task for r in b.results}
    common = [t for t in dict.fromkeys(r.task for r in a.results) if t in in_b]
    if not common:
        raise CliError(f"{a.label} and {b.label} share no task: nothing to compare")
    tasks = _tasks(args, common)

    def family_of(task: str) -> Family:
        return a.family_of(task)

    comparisons = compare_runs(
        a.results,
        b.results,
        family_of,
        tasks=tasks,
        seed=args.analysis_seed,
        resamples=args.resamples,
        top=args.top,
    )
    doc = comparison_document(
        a, b, comparisons, seed=args.analysis_seed, resamples=args.resamples, top=args.top
    )
    emit(doc, chosen_format(args), console)
    return 0


def _signed(metric: str) -> Callable[[Any], str]:
    from medinst_tui.scoring import METRICS

    def fmt(v: Any) -> str:
        if v is None:
            return ""
        shown = float(v) * (100 if METRICS[metric].percent else 1)
        return f"{shown:+.2f}"

    return fmt


def comparison_document(
    a: LoadedRun, b: LoadedRun, comparisons: list[TaskComparison], *, seed: int, resamples: int, top: int
) -> Document:
    from medinst_tui.scoring import METRICS, format_value

    data = {
        "a": a.info,
        "b": b.info,
        "level": 0.95,
        "seed": seed,
        "resamples": resamples,
        "tasks": [c.to_json() for c in comparisons],
    }
    metric_rows = []
    for c in comparisons:
        for m in c.metrics:
            interval = ""
            if m.lower is not None and m.upper is not None:
                interval = f"{_signed(m.metric)(m.lower)} – {_signed(m.metric)(m.upper)}"
            test = "McNemar" if m.test == "mcnemar-exact" else "permutation"
            if m.discordant is not None:
                test += f" (A only {m.discordant[0]}, B only {m.discordant[1]})"
            metric_rows.append(
                {
                    "task": c.task,
                    "metric": m.metric,
                    "label": METRICS[m.metric].label + (" ★" if m.metric == c.headline else ""),
                    "headline": m.metric == c.headline,
                    "n": c.n_paired,
                    "a": m.a,
                    "b": m.b,
                    "delta": m.delta,
                    "lower": m.lower,
                    "upper": m.upper,
                    "test": m.test,
                    "p_value": m.p_value,
                    "a_shown": format_value(m.metric, m.a),
                    "b_shown": format_value(m.metric, m.b),
                    "delta_shown": _signed(m.metric)(m.delta),
                    "interval": interval,
                    "test_shown": test,
                }
            )
    metrics = Section(
        "metrics",
        [
            Column("task", key_column=True),
            Column("label", "metric", tsv=False),
            Column("metric", shown=False),
            Column("headline", shown=False),
            Column("n", justify="right", drop=2),
            Column("a", shown=False),
            Column("b", shown=False),
            Column("delta", shown=False),
            Column("lower", shown=False),
            Column("upper", shown=False),
            Column("test", shown=False),
            Column("a_shown", "A", justify="right", tsv=False),
            Column("b_shown", "B", justify="right", tsv=False),
            Column("delta_shown", "B - A", justify="right", tsv=False),
            Column("interval", "95% interval of B - A", tsv=False, drop=2),
            Column("test_shown", "test", drop=3, tsv=False),
            Column("p_value", "p", justify="right", fmt=_p),
        ],
        metric_rows,
        caption=f"★ headline · paired samples only · 95% paired bootstrap interval ({resamples} resamples, "
        f"seed {seed}) · p: McNemar's exact test for 0/1 metrics, a paired permutation test "
        f"({resamples} permutations, seed {seed}) for the others",
    )
    flip_rows = []
    for c in comparisons:
        for direction, flips in (("right → wrong", c.right_to_wrong), ("wrong → right", c.wrong_to_right)):
            if flips or c.family not in ("translation", "none"):
                flip_rows.append(
                    {
                        "task": c.task,
                        "direction": direction,
                        "count": len(flips),
                        "samples": [f.sample_id for f in flips][:top],
                    }
                )
    sections = [metrics]
    if flip_rows:
        sections.append(
            Section(
                "flips",
                [
                    Column("task", key_column=True),
                    Column("direction", key_column=True),
                    Column("count", justify="right"),
                    Column("samples", f"ids (first {top})", fmt=_ids),
                ],
                flip_rows,
                title="samples that flipped (right: the best headline score, e.g. EM 1, every span right)",
            )
        )
    drop_rows = [
        {
            "task": c.task,
            "id": f.sample_id,
            "metric": c.headline,
            "a": f.a,
            "b": f.b,
            "a_shown": format_value(c.headline, f.a),
            "b_shown": format_value(c.headline, f.b),
            "prediction_a": f.prediction_a,
            "prediction_b": f.prediction_b,
            "gold": f.gold,
        }
        for c in comparisons
        for f in c.drops
    ]
    if drop_rows:
        sections.append(
            Section(
                "drops",
                [
                    Column("task", key_column=True),
                    Column("id", key_column=True, justify="right"),
                    Column("metric", shown=False),
                    Column("a", shown=False),
                    Column("b", shown=False),
                    Column("a_shown", "A", justify="right", tsv=False),
                    Column("b_shown", "B", justify="right", tsv=False),
                    Column("prediction_a", "A said", fmt=_snippet, drop=3),
                    Column("prediction_b", "B said", fmt=_snippet, drop=2),
                    Column("gold", fmt=_snippet, drop=4),
                ],
                drop_rows,
                title=f"the biggest per-sample drops of the headline (B worse than A), up to {top} per task",
            )
        )
    notes = []
    for c in comparisons:
        if c.only_a or c.only_b or c.not_scored:
            notes.append(
                f"{c.task}: {c.n_paired} paired; {c.only_a} only in A, {c.only_b} only in B, "
                f"{c.not_scored} failed in one run (left out)"
            )
    heading = [f"A = {_run_title(a)}", f"B = {_run_title(b)}"]
    return Document("comparison", data, sections, notes, heading=heading)
