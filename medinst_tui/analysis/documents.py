"""A run's error analysis as a `Document` (medinst_tui/documents.py): the
CLI prints them (`medinst runs analyze`, README: "Error analysis") and the TUI shows the same
document on its analysis screen. comparison_document.py does the same for two runs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from medinst_tui.documents import Column, Document, Section

if TYPE_CHECKING:
    from medinst_tui.analysis.report import TaskAnalysis
    from medinst_tui.runs.records import SampleResult
    from medinst_tui.runs.store import RunRow
    from medinst_tui.scoring import Family

SNIPPET = 100  # characters of a prediction or gold shown in a table (json has them whole)
TOP = 10  # samples listed per list by default (`--top`)


@dataclass
class LoadedRun:
    label: str  # the run id, or the file name
    info: dict[str, Any]  # how the run was made (JSON)
    results: list[SampleResult]
    family_of: Callable[[str], Family]


def file_run(path: Path, results: list[SampleResult]) -> LoadedRun:
    """Results read from a results JSONL: each task scored as a run scores it now."""
    from medinst_tui.scoring.headline import task_family

    golds: dict[str, str] = {}
    for r in results:
        golds.setdefault(r.task, r.gold)
    about: dict[str, Any] = {"source": "file", "path": str(path.resolve()), "id": None}
    return LoadedRun(path.name, about, results, lambda t: task_family(t, example_gold=golds.get(t)))


def stored_run(run: RunRow, results: list[SampleResult], db_path: Path) -> LoadedRun:
    """A run of the runs DB with its results: each task scored as the run scored it."""
    from medinst_tui.scoring.headline import task_family

    first_gold: dict[str, str] = {}
    for r in results:
        first_gold.setdefault(r.task, r.gold)
    stored = {task: scores.headline.family for task, scores in run.summary.items()}

    def family_of(task: str) -> Family:  # what the run was scored with, else what a run scores it with now
        return stored.get(task) or task_family(task, example_gold=first_gold.get(task))

    info: dict[str, Any] = {
        "source": "runs-db",
        "path": str(db_path),
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


def run_title(run: LoadedRun) -> str:
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


def format_ids(v: Any) -> str:
    return " ".join(str(i) for i in v) if v else ""


def snippet(v: Any) -> str:
    text = " ".join(str(v or "").split())
    return text if len(text) <= SNIPPET else text[: SNIPPET - 1] + "…"


def format_p(v: Any) -> str:
    return "" if v is None else f"{float(v):.3g}"


# -- a run's analysis ----------------------------------------------------------------------------------
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
    return Document("analysis", data, sections, notes, heading=[run_title(run)])


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
                    Column("missed", "missed in (ids)", fmt=format_ids, drop=3),
                    Column("spurious", "spurious in (ids)", fmt=format_ids, drop=4),
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
                        Column("samples", "ids", fmt=format_ids),
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
                        Column("samples", "ids", fmt=format_ids),
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
                    Column("fn_ids", "missed in (ids)", fmt=format_ids, drop=3),
                    Column("fp_ids", "wrongly in (ids)", fmt=format_ids, drop=4),
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
                    Column("prediction", fmt=snippet, drop=2),
                    Column("gold", fmt=snippet, drop=3),
                ],
                [w.to_json() for w in a.worst],
                title=f"{a.task}: the {len(a.worst)} worst samples by {METRICS[a.headline].label}",
            )
        )
    return sections


def analyze_loaded(run: LoadedRun, tasks: list[str] | None = None, *, top: int = TOP) -> Document:
    """The analysis of a loaded run (its tasks in order of appearance, or `tasks`), as a document."""
    from medinst_tui.analysis.report import analyze_run

    names = tasks or list(dict.fromkeys(r.task for r in run.results))
    return analysis_document(run, analyze_run(run.results, run.family_of, tasks=names, worst=top), top=top)
