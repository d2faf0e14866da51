"""A stored run in formats other tools open (README: "MEDINST32 evaluation"):

- Inspect AI's JSON eval log (`inspect view` lists a folder of them): one log per task, as an Inspect eval
  set writes one per task. Log format version 2, the fields of inspect_ai's `EvalLog` (eval spec, plan,
  results with one score per medinst metric, stats, samples with messages, output and per-sample scores).
- lm-evaluation-harness's output: `results_<date>.json` and `samples_<task>_<date>.jsonl` in a folder named
  for the model, named and laid out as its EvaluationTracker writes them (`--log_samples`), so its own
  helpers (`get_results_filenames`, `get_file_task_name`) find them.

Neither package is imported: the formats are written from their documented layout (inspect-ai is never a
dependency of medinst).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from medinst_tui import catalog
from medinst_tui.protocol.files import write_text
from medinst_tui.scoring import METRICS

if TYPE_CHECKING:
    from medinst_tui.runs.records import SampleResult, TaskSummary
    from medinst_tui.runs.store import RunRow

INSPECT_LOG_VERSION: Final = 2
SCORER: Final = "medinst"
# medinst finish reasons -> Inspect's StopReason
STOP_REASONS: Final = {"stop": "stop", "length": "max_tokens"}


def _utc(value: dt.datetime | None) -> str:
    when = value or dt.datetime.now()
    if when.tzinfo is None:
        when = when.astimezone()
    return when.isoformat()


def _by_task(results: list[SampleResult]) -> dict[str, list[SampleResult]]:
    out: dict[str, list[SampleResult]] = {}
    for r in results:
        out.setdefault(r.task, []).append(r)
    return out


def _input_messages(r: SampleResult) -> list[dict[str, Any]] | str:
    if r.messages is not None:
        return [{"role": m["role"], "content": m["content"], "source": "input"} for m in r.messages]
    return r.prompt or ""


def _dataset(task: str) -> str:
    info = catalog.lookup(task)
    return "aialt/MedINST32" if info is not None and info.in_medinst32 else "aialt/MedINST"


def _shots(rows: list[SampleResult]) -> tuple[int, list[int]]:
    """lm-eval's `n-shot` (an int) for a task: the demonstrations each prompt held (chat formats: its
    assistant turns); the largest when they differ, all of them listed."""
    counts = sorted(
        {sum(1 for m in r.messages if m["role"] == "assistant") for r in rows if r.messages is not None}
    )
    return (counts[-1] if counts else 0), counts


def _metric_order(scores: TaskSummary | None) -> list[str]:
    if scores is None:
        return []
    head = scores.headline.metric
    return [head, *(k for k in scores if k != head)] if head in scores else list(scores)


# -- Inspect AI ----------------------------------------------------------------------------------------------
def inspect_log(
    run: RunRow, task: str, results: list[SampleResult], record: Mapping[str, Any]
) -> dict[str, Any]:
    """One task of a run as an Inspect AI eval log (JSON)."""
    scores = run.summary.get(task)
    keys = _metric_order(scores)
    model = str(run.model_id or run.model)
    scored = [r for r in results if r.error is None]
    eval_scores = []
    for key in keys:
        assert scores is not None
        m = scores[key]
        metrics: dict[str, Any] = {
            "value": {"name": "value", "value": m.value},
            "n": {"name": "n", "value": m.n},
        }
        if m.interval is not None:
            metrics["ci_lower"] = {"name": "ci_lower", "value": m.interval.lower}
            metrics["ci_upper"] = {"name": "ci_upper", "value": m.interval.upper}
        eval_scores.append(
            {
                "name": key,
                "scorer": SCORER,
                "scored_samples": m.n,
                "unscored_samples": len(results) - m.n,
                "params": {},
                "metrics": metrics,
                "metadata": {
                    "label": METRICS[key].label,
                    "headline": scores.headline.metric == key,
                    "family": scores.headline.family,
                    "scorer_version": scores.headline.scorer_version,
                    "interval": m.interval.to_json() if m.interval else None,
                },
            }
        )
    samples = [_inspect_sample(r, model) for r in results]
    created = _utc(run.created)
    status = (
        "success"
        if run.status in ("done", "partial")
        else ("cancelled" if run.status == "cancelled" else "error")
    )
    prompt = record.get("prompt", {})
    return {
        "version": INSPECT_LOG_VERSION,
        "status": status,
        "eval": {
            "eval_id": f"{run.id}-{task}",
            "run_id": run.id,
            "created": created,
            "task": f"medinst/{task}",
            "task_id": f"{run.id}/{task}",
            "task_version": 0,
            "task_attribs": {},
            "task_args": {},
            "dataset": {
                "name": task,
                "location": _dataset(task),
                "samples": len(results),
                "sample_ids": [r.sample_id for r in results],
                "shuffled": False,
            },
            "model": model,
            "model_generate_config": {
                "max_tokens": prompt.get("max_tokens", run.max_tokens),
                "temperature": prompt.get("temperature", run.temperature),
                "stop_seqs": prompt.get("stop") or None,
            },
            "model_args": {},
            "config": {},
            "packages": {"medinst-tui": str(record.get("software", {}).get("medinst-tui", ""))},
            "metadata": {"medinst_record": dict(record)},
        },
        "plan": {
            "name": "plan",
            "steps": [
                {
                    "solver": "medinst_prompt",
                    "params": {"format": run.format, "shots": run.shots},
                },
                {"solver": "generate", "params": {}},
            ],
            "config": {},
        },
        "results": {
            "total_samples": len(results),
            "completed_samples": len(scored),
            "scores": eval_scores,
        },
        "stats": {
            "started_at": created,
            "completed_at": _utc(run.finished) if run.finished else "",
            "model_usage": {
                model: {
                    "input_tokens": sum(r.prompt_tokens for r in results),
                    "output_tokens": sum(r.completion_tokens for r in results),
                    "total_tokens": sum(r.prompt_tokens + r.completion_tokens for r in results),
                }
            },
        },
        "samples": samples,
    }


def _inspect_sample(r: SampleResult, model: str) -> dict[str, Any]:
    messages = _input_messages(r)
    answer = {"role": "assistant", "content": r.prediction, "source": "generate", "model": model}
    sample: dict[str, Any] = {
        "id": r.sample_id,
        "epoch": 1,
        "input": messages,
        "target": r.gold,
        "messages": ([*messages] if isinstance(messages, list) else [{"role": "user", "content": messages}])
        + [answer],
        "output": {
            "model": model,
            "choices": [
                {"message": answer, "stop_reason": STOP_REASONS.get(r.finish_reason or "", "unknown")}
            ],
            "completion": r.prediction,
            "usage": {
                "input_tokens": r.prompt_tokens,
                "output_tokens": r.completion_tokens,
                "total_tokens": r.prompt_tokens + r.completion_tokens,
            },
            "time": r.total_s,
        },
        "scores": {}
        if r.error
        else {SCORER: {"value": dict(r.metrics), "answer": r.prediction, "explanation": "MEDINST's metrics"}},
        "metadata": {"split": r.split, "cached": r.cached, "fit": r.fit, "seq": r.seq},
        "store": {},
        "events": [],
        "model_usage": {},
        "total_time": r.total_s,
        "attachments": {},
    }
    if r.error:
        sample["error"] = {"message": r.error, "traceback": "", "traceback_ansi": ""}
    return sample


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name)


def export_inspect(
    run: RunRow, results: list[SampleResult], record: Mapping[str, Any], out_dir: Path
) -> list[Path]:
    """One `<created>_medinst-<task>_<run id>.json` log per task (Inspect's log file naming)."""
    stamp = _utc(run.created).replace(":", "-")
    paths = []
    for task, rows in _by_task(results).items():
        # Inspect splits a log's name on "_" and reads the id after the task: no "-" in it either.
        path = out_dir / f"{stamp}_medinst-{_safe(task)}_{_safe(run.id).replace('-', '')}.json"
        write_text(path, json.dumps(inspect_log(run, task, rows, record), ensure_ascii=False, indent=2))
        paths.append(path)
    return paths


# -- lm-evaluation-harness -----------------------------------------------------------------------------------
def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def sanitize_model_name(name: str) -> str:
    """lm-eval's `sanitize_model_name`: the folder its tracker writes a model's files to."""
    return re.sub(r"[\"<>:/\|\\?\*\[\]]+", "__", name)


def lm_eval_sample(r: SampleResult, gen_kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """One line of samples_<task>_<date>.jsonl, as lm-eval writes a `generate_until` sample."""
    context = json.dumps(r.messages, ensure_ascii=False) if r.messages is not None else (r.prompt or "")
    doc = {
        "id": r.sample_id,
        "task": r.task,
        "split": r.split,
        "messages": r.messages,
        "prompt": r.prompt,
        "output": r.gold,
    }
    doc_json = json.dumps(doc, indent=2, ensure_ascii=False)
    line: dict[str, Any] = {
        "doc_id": r.sample_id,
        "doc": doc,
        "target": r.gold,
        "arguments": {"gen_args_0": {"arg_0": context, "arg_1": dict(gen_kwargs)}},
        "resps": [[r.prediction]],
        "filtered_resps": [r.prediction],
        "filter": "none",
        "metrics": sorted(r.metrics),
        "doc_hash": _sha256(doc_json),
        "prompt_hash": _sha256(context),
        "target_hash": _sha256(r.gold),
    }
    if r.error:
        line["error"] = r.error
    line.update(r.metrics)
    return line


def export_lm_eval(
    run: RunRow, results: list[SampleResult], record: Mapping[str, Any], out_dir: Path
) -> list[Path]:
    """`<dir>/<model>/results_<date>.json` and one `samples_<task>_<date>.jsonl` per task."""
    model = str(run.model_id or run.model)
    folder = out_dir / sanitize_model_name(model)
    started = run.created or dt.datetime.now()
    date_id = started.isoformat().replace(":", "-")
    prompt = record.get("prompt", {})
    gen_kwargs = {
        "until": list(prompt.get("stop") or []),
        "max_gen_toks": prompt.get("max_tokens", run.max_tokens),
        "temperature": prompt.get("temperature", run.temperature),
        "do_sample": bool(prompt.get("temperature", run.temperature)),
    }
    paths: list[Path] = []
    out: dict[str, Any] = {
        "results": {},
        "group_subtasks": {},
        "configs": {},
        "versions": {},
        "n-shot": {},
        "higher_is_better": {},
        "n-samples": {},
    }
    task_hashes: dict[str, str] = {}
    for task, rows in _by_task(results).items():
        lines = [lm_eval_sample(r, gen_kwargs) for r in rows]
        path = folder / f"samples_{task}_{date_id}.jsonl"
        write_text(path, "".join(json.dumps(ln, ensure_ascii=False) + "\n" for ln in lines))
        paths.append(path)
        task_hashes[task] = _sha256(
            "".join(ln["doc_hash"] + ln["prompt_hash"] + ln["target_hash"] for ln in lines)
        )
        scores = run.summary.get(task)
        shots, shot_counts = _shots(rows)
        entry: dict[str, Any] = {"alias": task}
        hib: dict[str, bool] = {}
        for key in _metric_order(scores):
            assert scores is not None
            m = scores[key]
            entry[f"{key},none"] = m.value
            entry[f"{key}_stderr,none"] = m.stderr if m.stderr is not None else "N/A"
            hib[key] = METRICS[key].higher_is_better
        out["results"][task] = entry
        out["group_subtasks"][task] = []
        out["configs"][task] = {
            "task": task,
            "dataset_path": _dataset(task),
            "test_split": rows[0].split if rows else "test",
            "output_type": "generate_until",
            "generation_kwargs": gen_kwargs,
            "num_fewshot": shots,
            "metric_list": [
                {
                    "metric": k,
                    "aggregation": "mean" if METRICS[k].per_sample else "corpus",
                    "higher_is_better": v,
                }
                for k, v in hib.items()
            ],
            "metadata": {
                "medinst_format": run.format,
                "medinst_shots": run.shots,
                "shots_per_prompt": shot_counts,
            },
        }
        out["versions"][task] = 0
        out["n-shot"][task] = shots
        out["higher_is_better"][task] = hib
        scored = sum(1 for r in rows if r.error is None)
        out["n-samples"][task] = {"original": len(rows), "effective": scored}
    out |= {
        "config": {
            "model": "medinst",
            "model_args": model,
            "batch_size": 1,
            "limit": None,
            "gen_kwargs": gen_kwargs,
        },
        "git_hash": None,
        "date": started.timestamp(),
        "task_hashes": task_hashes,
        "model_source": "medinst",
        "model_name": model,
        "model_name_sanitized": sanitize_model_name(model),
        "start_time": started.timestamp(),
        "end_time": (run.finished or started).timestamp(),
        "total_evaluation_time_seconds": str(run.duration_s or 0),
        "medinst_record": dict(record),
    }
    path = folder / f"results_{date_id}.json"
    write_text(path, json.dumps(out, ensure_ascii=False, indent=2, default=str))
    paths.append(path)
    return paths
