"""`medinst eval -o DIR`: the files a protocol run leaves, and when DIR may receive them (README: "MEDINST32
evaluation")."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from medinst_tui.outputs import OutputError, check_output
from medinst_tui.protocol import official, report, table3
from medinst_tui.protocol.files import write_text

if TYPE_CHECKING:
    from medinst_tui.protocol.plan import Plan
    from medinst_tui.runs.records import SampleResult, Summary

RESULTS: Final = "results.jsonl"  # one line per sample, written by the run engine as each one finishes
OFFICIAL: Final = "official.json"
RECORD: Final = "record.json"
TABLES: Final = ("table3.md", "table3.csv", "table3.tex")
OUT_FILES: Final = (RESULTS, OFFICIAL, *TABLES, RECORD)


def written_by_eval(folder: Path) -> bool:
    try:
        data = json.loads((folder / RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and data.get("protocol", {}).get("benchmark") == "MEDINST32"


def check_out_dir(folder: Path, *, force: bool, protect: Iterable[Path] = ()) -> Path:
    """A folder (made later if missing) whose medinst files may be replaced: none there yet, written by an
    earlier `medinst eval` (the same command resumes), or `force`. None of them may be one of medinst's own
    files (index, runs DB, response cache, config). OutputError says why not, in one line."""
    folder = folder.expanduser()
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"-o takes a folder for {', '.join(OUT_FILES)}; {folder} is a file")
    present = [n for n in OUT_FILES if (folder / n).exists()]
    for name in OUT_FILES:
        check_output(folder / name, protect=list(protect), force=True)
    if present and not (force or written_by_eval(folder)):
        raise OutputError(
            f"{folder} already holds {', '.join(present)} that `medinst eval` did not write; "
            "choose another folder or pass --force"
        )
    return folder.resolve()


def table_for(plan: Plan, summary: Summary, model: str, record: Mapping[str, Any]) -> table3.Table3:
    """Table 3 for a protocol run, its notes saying how the rows and the prompts were made."""
    notes = [f"Rows: {plan.selection.describe()}; test split; {record['prompt']['shots']}."]
    deviations = record["protocol"]["deviations"]
    if deviations:
        notes.append(
            "Not the paper's protocol: " + "; ".join(f"{d['what']}: {d['how']}" for d in deviations) + "."
        )
    else:
        notes.append(
            "The paper's protocol: chat messages, no system message, temperature 0, 1,024 new tokens."
        )
    if plan.missing:
        notes.append(f"Not in the index: {', '.join(plan.missing)}.")
    return table3.build(
        summary,
        model=model,
        setting="zero-shot" if plan.zero_shot else "few-shot",
        tasks=[t.task for t in plan.tasks],
        available={t.indexed_name: t.available for t in plan.tasks},
        notes=notes,
    )


def official_results(results: Iterable[SampleResult]) -> dict[str, Any]:
    """The official file of a run: its scored samples, each task's in id order (the data set's order, as
    evaluation.py walks it). Failed samples are left out (they have no prediction)."""
    scored = sorted((r for r in results if r.error is None), key=lambda r: (r.task, r.sample_id))
    by_task: dict[str, list[tuple[str, str]]] = {}
    for r in scored:
        by_task.setdefault(r.task, []).append((r.prediction, r.gold))
    return official.build(by_task.items())


def write_files(
    folder: Path, results: Iterable[SampleResult], table: table3.Table3, record: Mapping[str, Any]
) -> None:
    """Everything but results.jsonl (the engine writes it while the run goes)."""
    official.write(folder / OFFICIAL, official_results(results))
    write_text(folder / "table3.md", report.to_markdown(table))
    write_text(folder / "table3.csv", report.to_csv(table))
    write_text(folder / "table3.tex", report.to_latex(table))
    write_text(folder / RECORD, json.dumps(record, ensure_ascii=False, indent=2, default=str))
