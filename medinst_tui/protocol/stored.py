"""Table 3 for a run in the runs DB (the TUI's runs screen, `3`): the run's stored summary beside the paper's
seven models, with what its reproducibility record says (or, for a `medinst run`, what the runs DB knows)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from medinst_tui import catalog
from medinst_tui.protocol import table3
from medinst_tui.protocol.plan import table3_tasks

if TYPE_CHECKING:
    from medinst_tui.runs.store import RunRow


def table_for_run(run: RunRow, record: Mapping[str, Any]) -> table3.Table3:
    """Table 3 of a stored run; LookupError when it scored no MEDINST32 task."""
    medinst32 = {t.name for t in table3_tasks()}
    tasks = [task for task in run.summary if catalog.base_task(task) in medinst32]
    if not tasks:
        raise LookupError(f"run {run.id} scored no MEDINST32 task: Table 3 has nothing of it to show")
    protocol = record.get("protocol") or {}
    setting: table3.Setting = "zero-shot" if all(t.endswith("-zs") for t in tasks) else "few-shot"
    if protocol.get("setting") in ("few-shot", "zero-shot"):  # no record: the -zs rows are the zero-shot ones
        setting = protocol["setting"]
    indexed = (record.get("index") or {}).get("tasks") or {}
    available = {
        name: int(t["indexed_rows"]) for name, t in indexed.items() if t.get("indexed_rows") is not None
    }
    notes = [f"Run {run.id} · {run.shots} · format {run.format} · {run.n_done}/{run.n_planned} scored."]
    deviations = protocol.get("deviations")
    if "record_version" in record and record.get("record_version") is not None and not deviations:
        notes.append(
            "The paper's protocol: chat messages, no system message, temperature 0, 1,024 new tokens."
        )
    elif deviations:
        notes.append(
            "Not the paper's protocol: " + "; ".join(f"{d['what']}: {d['how']}" for d in deviations) + "."
        )
    if record.get("record_version") is None:
        notes.append(
            "No reproducibility record (not a `medinst eval` run): its prompts are the run's own settings."
        )
    chosen = [t for t in table3_tasks() if t.name in {catalog.base_task(x) for x in tasks}]
    return table3.build(
        run.summary,
        model=run.model,
        setting=setting,
        tasks=chosen,  # the run's tasks, as `medinst eval --tasks` shows its own
        available=available or None,
        notes=notes,
    )
