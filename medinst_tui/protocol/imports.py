"""An evaluation.py results file scored by medinst, and stored as a run (`medinst score RESULTS.json`,
`medinst runs import RESULTS.json`; README: "MEDINST32 evaluation")."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from medinst_tui.protocol import official
from medinst_tui.protocol import record as records

if TYPE_CHECKING:
    from medinst_tui.runs.records import SampleResult, Summary
    from medinst_tui.runs.store import RunStore

IMPORT_ORIGIN = "import"
UNKNOWN_SETTING = "unknown (evaluation.py results file)"


def score(tasks: list[official.OfficialTask]) -> tuple[Summary, list[SampleResult]]:
    """The pairs scored by the run engine's scorer (LiveScores: one per task, the stored headline), as
    SampleResults in file order; a pair's id, and its bootstrap key, is its position in its task (the file
    keeps no sample ids)."""
    from medinst_tui.runs.engine import LiveScores
    from medinst_tui.runs.records import SampleResult

    scores = LiveScores()
    results: list[SampleResult] = []
    for t in tasks:
        for i, (prediction, target) in enumerate(t.pairs):
            r = SampleResult(len(results), t.task, i, "test", None, None, prediction, target)
            r.metrics = scores.add(t.task, t.category, prediction, target, i)
            results.append(r)
    return scores.summary(), results


@dataclass(frozen=True)
class Imported:
    run_id: str
    name: str
    n_pairs: int
    tasks: list[official.OfficialTask]
    checks: list[official.MetricCheck]

    @property
    def differing(self) -> list[official.MetricCheck]:
        return [c for c in self.checks if c.matches is False]


def import_file(path: Path, store: RunStore, *, name: str | None = None) -> Imported:
    """Store the file as a finished run (origin `import`); OfficialFormatError when it is not one. The run's
    model id is the file's name and content hash, so importing the same file twice is visibly the same."""
    from medinst_tui.runs.engine import new_run_id
    from medinst_tui.runs.records import RunHeader, RunTotals

    started = time.perf_counter()
    tasks = official.parse(path)
    summary, results = score(tasks)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    run_id = new_run_id()
    name = name or path.stem
    model_id = f"import:{path.name}#{digest[:16]}"
    store.start(
        RunHeader(
            id=run_id,
            origin=IMPORT_ORIGIN,
            model=name,
            model_id=model_id,
            backend=IMPORT_ORIGIN,
            format=UNKNOWN_SETTING,
            shots=UNKNOWN_SETTING,
            tasks=tuple(t.task for t in tasks),
            split="test",
            n_planned=len(results),
            config={"imported_from": str(path.resolve()), "sha256": digest},
            results_file=str(path.resolve()),
        )
    )
    store.add_results(run_id, results)
    store.finish(run_id, RunTotals("done", len(results), 0, 0, time.perf_counter() - started), summary)
    checks = official.check(tasks)
    records.save(
        store.path,
        {
            "record_version": records.RECORD_VERSION,
            "run_id": run_id,
            "imported": {"file": str(path.resolve()), "sha256": digest, "format": "evaluation.py results"},
            "prompt": {"format": UNKNOWN_SETTING, "shots": UNKNOWN_SETTING},
            "model": {"spec": name, "model_id": model_id, "kind": IMPORT_ORIGIN},
            "scorer": {"version": ", ".join(sorted({s.headline.scorer_version for s in summary.values()}))},
            "samples": {t.task: list(range(len(t.pairs))) for t in tasks},
            "file_metrics_equal_medinst": all(c.matches is not False for c in checks),
        },
    )
    return Imported(run_id, name, len(results), tasks, checks)
