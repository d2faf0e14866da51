"""Two runs compared, as a `Document` (medinst_tui/documents.py): `medinst runs compare A B` prints it and
the TUI's comparison screen shows it (README: "Error analysis")."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from medinst_tui.analysis.documents import TOP, LoadedRun, format_ids, format_p, run_title, snippet
from medinst_tui.documents import Column, Document, Section

if TYPE_CHECKING:
    from medinst_tui.analysis.compare import TaskComparison

SEED = 20240806  # scoring/intervals.py's SEED: the runs' own intervals use it too
RESAMPLES = 2000


def common_tasks(a: LoadedRun, b: LoadedRun) -> list[str]:
    """The tasks both runs have, in A's order."""
    in_b = {r.task for r in b.results}
    return [t for t in dict.fromkeys(r.task for r in a.results) if t in in_b]


def compare_loaded(
    a: LoadedRun,
    b: LoadedRun,
    tasks: list[str] | None = None,
    *,
    seed: int = SEED,
    resamples: int = RESAMPLES,
    top: int = TOP,
) -> Document:
    """Two loaded runs compared on `tasks` (default: every task they share), as a document; each task
    scored as A scored it."""
    from medinst_tui.analysis.compare import compare_runs

    chosen = tasks or common_tasks(a, b)
    comparisons = compare_runs(
        a.results, b.results, a.family_of, tasks=chosen, seed=seed, resamples=resamples, top=top
    )
    return comparison_document(a, b, comparisons, seed=seed, resamples=resamples, top=top)


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
            Column("p_value", "p", justify="right", fmt=format_p),
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
                    Column("samples", f"ids (first {top})", fmt=format_ids),
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
                    Column("prediction_a", "A said", fmt=snippet, drop=3),
                    Column("prediction_b", "B said", fmt=snippet, drop=2),
                    Column("gold", fmt=snippet, drop=4),
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
    heading = [f"A = {run_title(a)}", f"B = {run_title(b)}"]
    return Document("comparison", data, sections, notes, heading=heading)
