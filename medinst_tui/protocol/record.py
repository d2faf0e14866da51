"""The reproducibility record of a run: everything that decides its numbers, and how two records differ
(`medinst runs diff A B`; README: "MEDINST32 evaluation").

A record holds the model's identity (the GGUF's content fingerprint, or the endpoint and the model name
sent), the chat template and a hash of what it renders, the prompt format, the shots and seeds, sampling
and stop strings, the request body template, every deviation from the paper's protocol, the scorer
version, medinst's and its dependencies' versions, and the index's sources with each task's row counts
and the sample ids run. `medinst eval` writes it beside the runs DB (`<runs DB>.records/<run id>.json`)
and into `-o DIR`; a run without one (a `medinst run`) gets the part the runs DB knows.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import platform
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from medinst_tui.protocol.files import write_text
from medinst_tui.protocol.plan import (
    PAPER_FORMAT,
    PAPER_MAX_TOKENS,
    PAPER_TEMPERATURE,
    Plan,
)

if TYPE_CHECKING:
    from medinst_tui.backends.base import Backend, BackendInfo
    from medinst_tui.fewshot.shots import ShotSpec
    from medinst_tui.runs.records import SampleResult
    from medinst_tui.runs.store import RunRow
    from medinst_tui.store.index import Index

RECORD_VERSION: Final = 1
PACKAGES: Final = (
    "medinst-tui",
    "llama-cpp-python",
    "duckdb",
    "httpx",
    "sacrebleu",
    "numpy",
    "jinja2",
    "rich",
)
# Rendered by the chat template to fingerprint it: the same template renders the same text.
TEMPLATE_PROBE: Final = (
    {"role": "user", "content": "{shot 1 user}"},
    {"role": "assistant", "content": "{shot 1 assistant}"},
    {"role": "user", "content": "{instruction}\n{input}"},
)
# Keys that differ between any two runs and say nothing about how their numbers were made.
VOLATILE: Final = frozenset({"run_id", "created", "command"})


@dataclass(frozen=True)
class Settings:
    """The prompt and decoding settings of a protocol run."""

    format: str
    shots: ShotSpec
    max_tokens: int
    temperature: float
    stop: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()  # why a setting is not the paper's, as the user asked for it

    def deviations(self, info: BackendInfo | None = None) -> list[tuple[str, str]]:
        """(what, how) for every way the run departs from evaluation.py's request: our own settings, then
        what the backend declares or found (a preset's extra fields, a template's default system prompt)."""
        out: list[tuple[str, str]] = []
        if self.format != PAPER_FORMAT:
            out.append(("prompt format", f"{self.format} instead of {PAPER_FORMAT} (chat messages)"))
        if self.shots.mode != "history":
            out.append(("shots", f"{self.shots.describe()} instead of the row's own history"))
        if self.max_tokens != PAPER_MAX_TOKENS:
            out.append(("max_tokens", f"{self.max_tokens} instead of {PAPER_MAX_TOKENS}"))
        if self.temperature != PAPER_TEMPERATURE:
            out.append(("temperature", f"{self.temperature:g} instead of 0"))
        if self.stop:
            out.append(("stop", f"stop strings {list(self.stop)} (the paper sent none)"))
        for what, why in getattr(info, "deviations", ()) or ():
            out.append((str(what), str(why)))
        return out


def template_hash(backend: Backend, info: BackendInfo) -> str | None:
    """sha256 of the chat template's rendering of a fixed probe conversation; None when medinst does not
    render it itself (a server applies its own template)."""
    if not info.exact_render:
        return None
    try:
        text = backend.render([dict(m) for m in TEMPLATE_PROBE])  # type: ignore[misc]
    except Exception:  # a template that cannot render the probe (e.g. no assistant turns): say so
        return None
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def software_versions() -> dict[str, str]:
    out = {"python": platform.python_version(), "platform": platform.platform(terse=True)}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def model_section(model: str, info: BackendInfo, backend: Backend | None) -> dict[str, Any]:
    details = dict(info.details)
    return {
        "spec": model,
        "model_id": info.model_id,
        "kind": info.kind,
        "name": info.name,
        "label": info.model_label,
        "served_model": details.get("model sent"),
        "template": info.template,
        "template_source": info.template_source,
        "template_render_sha256": template_hash(backend, info) if backend is not None else None,
        "default_system_prompt": getattr(info, "default_system_prompt", None),
        "system_prompt_sent": bool(getattr(info, "system_prompt_sent", False)),
        "n_ctx": info.n_ctx,
        "exact_token_counts": info.exact_token_counts,
        "request_template": dict(getattr(info, "request_template", {}) or {}),
        "details": details,
    }


def index_section(index: Index, plan: Plan) -> dict[str, Any]:
    sources = [
        {
            "name": s.get("name"),
            "kind": s.get("kind"),
            "location": s.get("location"),
            "rows": s.get("rows"),
            "indexed_at": str(s.get("indexed_at")) if s.get("indexed_at") is not None else None,
        }
        for s in index.sources()
    ]
    tasks = {
        t.indexed_name: {
            "source": t.source,
            "indexed_rows": t.available,
            "planned_rows": t.planned,
            "paper_rows": t.task.paper_rows,
        }
        for t in plan.tasks
    }
    return {"path": str(index.path), "sources": sources, "tasks": tasks}


def build(
    *,
    run_id: str,
    command: Sequence[str],
    plan: Plan,
    settings: Settings,
    model: str,
    info: BackendInfo,
    backend: Backend | None,
    index: Index,
    concurrency: int,
) -> dict[str, Any]:
    """The record at the start of a run (`finish` adds the sample ids and totals at its end)."""
    from medinst_tui.scoring import SCORER_VERSION
    from medinst_tui.scoring.intervals import RESAMPLES, SEED

    deviations = settings.deviations(info)
    return {
        "record_version": RECORD_VERSION,
        "run_id": run_id,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "command": list(command),
        "protocol": {
            "benchmark": "MEDINST32",
            "setting": "zero-shot" if plan.zero_shot else "few-shot",
            "paper_protocol": not deviations,
            "deviations": [{"what": w, "how": h} for w, h in deviations],
            "labels": list(settings.labels),
            "selection": plan.selection.to_json(),
            "split": "test",
        },
        "prompt": {
            "format": settings.format,
            "shots": settings.shots.describe(),
            "shot_seed": settings.shots.seed if settings.shots.mode in ("task", "category") else None,
            "system_message": "none sent by medinst" if settings.format == PAPER_FORMAT else "format's own",
            "max_tokens": settings.max_tokens,
            "temperature": settings.temperature,
            "stop": list(settings.stop),
        },
        "model": model_section(model, info, backend),
        "client": {"concurrency": concurrency},
        "scorer": {
            "version": SCORER_VERSION,
            "intervals": "95%: Wilson for EM, seeded Poisson bootstrap otherwise",
            "bootstrap_seed": SEED,
            "bootstrap_resamples": RESAMPLES,
        },
        "software": software_versions(),
        "index": index_section(index, plan),
    }


def finish(record: dict[str, Any], results: Iterable[SampleResult], totals: Mapping[str, Any]) -> None:
    """Add the ids of the samples run (per task, by id) and the run's totals."""
    ids: dict[str, list[int]] = {}
    for r in results:
        ids.setdefault(r.task, []).append(r.sample_id)
    record["samples"] = {task: sorted(v) for task, v in ids.items()}
    record["totals"] = dict(totals)


# -- storage -------------------------------------------------------------------------------------------------
def records_dir(runs_db: Path) -> Path:
    return runs_db.with_name(runs_db.stem + ".records")


def save(runs_db: Path, record: Mapping[str, Any]) -> Path:
    path = records_dir(runs_db) / f"{record['run_id']}.json"
    write_text(path, json.dumps(record, ensure_ascii=False, indent=2, default=str))
    return path


def load(runs_db: Path, run_id: str) -> dict[str, Any] | None:
    path = records_dir(runs_db) / f"{run_id}.json"
    if not path.is_file():
        return None
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def from_run(run: RunRow) -> dict[str, Any]:
    """What the runs DB knows of a run that has no record (same keys as a record, where it has them)."""
    config = run.config or {}
    return {
        "record_version": None,
        "run_id": run.id,
        "created": run.created.isoformat(timespec="seconds") if run.created else None,
        "note": "no reproducibility record (not a `medinst eval` run): what the runs DB stores",
        # how its requests were made, as the engine stores them with the config (runs/generation.py)
        "protocol": {"deviations": list(config.get("deviations") or [])},
        "prompt": {
            "format": run.format,
            "shots": run.shots,
            "max_tokens": run.max_tokens,
            "temperature": run.temperature,
            "stop": list(config.get("stop") or []),
        },
        "model": {
            "spec": run.model,
            "model_id": run.model_id,
            "kind": run.backend,
            "request_template": dict(config.get("request_template") or {}),
        },
        "rows": {"split": run.split, "tasks": list(run.tasks), "n_planned": run.n_planned},
        "scorer": {"version": ", ".join(sorted({s.headline.scorer_version for s in run.summary.values()}))},
    }


def for_run(runs_db: Path, run: RunRow) -> dict[str, Any]:
    return load(runs_db, run.id) or from_run(run)


# -- diff ----------------------------------------------------------------------------------------------------
MISSING: Final = "(absent)"


def flatten(record: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """`a.b.c` -> value; lists stay whole (sample ids, stop strings, deviations)."""
    out: dict[str, Any] = {}
    for key, value in record.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            out |= flatten(value, path + ".")
        else:
            out[path] = value
    return out


@dataclass(frozen=True)
class Difference:
    key: str
    a: Any
    b: Any
    section: bool = False  # a whole section one record lacks: a and b say how many fields the other has

    def describe(self, side: str) -> str:
        value = self.a if side == "a" else self.b
        if value is MISSING or value == MISSING or self.section:
            return str(value)
        if isinstance(value, list) and value and all(isinstance(v, int) for v in value):
            other = self.b if side == "a" else self.a
            common = len(set(value) & set(other)) if isinstance(other, list) else 0
            return f"{len(value)} ids ({common} in common)"
        return json.dumps(value, ensure_ascii=False, default=str)


def diff(a: Mapping[str, Any], b: Mapping[str, Any]) -> list[Difference]:
    """Every key whose value differs, in A's order then B's. A section that only one record has is one
    difference (`protocol`: absent vs `12 fields`), not one per field. Volatile keys (run id, creation
    time, the command line) and the totals are left out."""
    fa, fb = flatten(a), flatten(b)
    keys = list(fa) + [k for k in fb if k not in fa]
    out = []
    collapsed: set[str] = set()
    for key in keys:
        section = key.split(".")[0]
        if section in VOLATILE or section == "totals" or section in collapsed:
            continue
        if "." in key and (section in a) != (section in b):
            n = sum(1 for k in (fa if section in a else fb) if k.startswith(section + "."))
            summary = f"{n} fields"
            out.append(
                Difference(
                    section,
                    summary if section in a else MISSING,
                    summary if section in b else MISSING,
                    section=True,
                )
            )
            collapsed.add(section)
            continue
        va, vb = fa.get(key, MISSING), fb.get(key, MISSING)
        if va != vb:
            out.append(Difference(key, va, vb))
    return out
