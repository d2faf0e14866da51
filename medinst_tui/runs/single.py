"""One playground answer stored as a run of one sample, so it shows in `medinst runs` and the runs screen
like any batch (an edited prompt keeps its `edited` mark there)."""

from __future__ import annotations

import json
from pathlib import Path

from medinst_tui.backends.base import BackendInfo
from medinst_tui.runs.engine import LiveScores, RunConfig, new_run_id
from medinst_tui.runs.records import RunHeader, RunTotals, SampleResult, run_status
from medinst_tui.runs.store import RunStore


def record_single_run(
    store: RunStore, config: RunConfig, info: BackendInfo, result: SampleResult, category: str
) -> str:
    """Store `result` (already generated and scored) as a finished run; returns its id."""
    run_id = new_run_id()
    scores = LiveScores()
    if result.error is None:
        scores.add(result.task, category, result.prediction, result.gold, result.sample_id)
    store.start(
        RunHeader(
            id=run_id,
            origin=config.origin,
            model=config.model or info.name,
            model_id=info.model_id,
            backend=info.kind,
            format=config.format + (" (edited)" if result.edited else ""),
            shots=config.shots.describe(),
            seed=config.shots.seed,
            max_tokens=config.max_tokens,
            temperature=config.temperature,
            tasks=(result.task,),
            split=result.split,
            n_planned=1,
            config=config.to_json(),
        )
    )
    store.add_results(run_id, [result])
    n_done, n_errors = int(result.error is None), int(result.failed)
    store.finish(
        run_id,
        RunTotals(
            status=run_status(n_done, n_errors, cancelled=result.cancelled),
            n_done=n_done,
            n_errors=n_errors,
            n_cancelled=int(result.cancelled),
            n_cached=int(result.cached),
            duration_s=result.total_s,
        ),
        scores.summary(),
    )
    return run_id


def write_results_jsonl(results: list[SampleResult], path: Path) -> int:
    """A run's results as JSON Lines (the same lines `medinst run -o` writes); returns the line count.
    Written to a temporary file first, so a failed export never leaves half a file."""
    path = Path(path).expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.part")
    with open(partial, "w", encoding="utf-8") as fh:
        for result in results:
            fh.write(json.dumps(result.to_json(), ensure_ascii=False) + "\n")
    partial.replace(path)
    return len(results)
