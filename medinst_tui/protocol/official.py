"""The results file of the paper's `evaluation.py`, written and read (README: "MEDINST32 evaluation").

Layout: `{category: {task: {"generated": [{"prediction", "target"}], "metrics": {...}}}}`, categories in
evaluation.py's order, task names without `-zs` (the script names a zero-shot task by its base name). The
metric keys are the script's own: `rouge` and `f1` for every task, then `entity_level_f1` (entity and
multi-label tasks), `em`, `label_level_f1` (label tasks), `label_leval_f1` (its spelling, for the two BIO
tasks) or `mse`. The values are computed as its `evaluate()` computes them, over the pairs in the file and
in the file's order, with medinst's scorer (scoring/): a mean of per-sample scores summed in order then
divided by n, the macro-F1 of labels or tags over the whole task, the MSE of the extracted scores.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from medinst_tui import catalog
from medinst_tui.protocol.plan import OFFICIAL_CATEGORY_ORDER, table3_tasks
from medinst_tui.scoring import Family, MetricSummary, Scorer, task_family

# medinst metric key -> the official key, per family (what evaluation.py computes for that task type).
OFFICIAL_KEYS: Final[dict[Family, tuple[tuple[str, str], ...]]] = {
    "entity": (("rougeL", "rouge"), ("token_f1", "f1"), ("entity_f1", "entity_level_f1")),
    "multicls": (("rougeL", "rouge"), ("token_f1", "f1"), ("multicls_f1", "entity_level_f1")),
    "em": (("rougeL", "rouge"), ("token_f1", "f1"), ("em", "em")),
    "bio": (("rougeL", "rouge"), ("token_f1", "f1"), ("bio_f1", "label_leval_f1")),
    "cls": (("rougeL", "rouge"), ("token_f1", "f1"), ("cls_f1", "label_level_f1")),
    "mse": (("rougeL", "rouge"), ("token_f1", "f1"), ("mse", "mse")),
    "translation": (("rougeL", "rouge"), ("token_f1", "f1")),
    "none": (("rougeL", "rouge"), ("token_f1", "f1")),
}


class OfficialFormatError(ValueError):
    """A file that is not an evaluation.py results file; the message says where and why, in one line."""


@dataclass(frozen=True)
class OfficialTask:
    category: str
    task: str
    pairs: tuple[tuple[str, str], ...]  # (prediction, target), in the file's order
    metrics: dict[str, float]  # as stored in the file (empty when it has none)

    @property
    def family(self) -> Family:
        return task_family(self.task, self.category, self.pairs[0][1] if self.pairs else None)


def official_metrics(family: Family, summary: Mapping[str, MetricSummary]) -> dict[str, float]:
    """The official metrics of a task from medinst's summary of the same pairs (scored in file order)."""
    return {official: summary[key].value for key, official in OFFICIAL_KEYS[family] if key in summary}


def score_pairs(family: Family, pairs: Iterable[tuple[str, str]]) -> dict[str, MetricSummary]:
    """medinst's summary of (prediction, target) pairs, in order (no intervals: the file has none)."""
    scorer = Scorer(family, intervals=False)
    for prediction, target in pairs:
        scorer.add(prediction, target)
    return scorer.summary()


def compute_metrics(task: OfficialTask) -> dict[str, float]:
    """What evaluation.py's `evaluate()` gives for the task's pairs ({} for a task with none)."""
    if not task.pairs:
        return {}
    return official_metrics(task.family, score_pairs(task.family, task.pairs))


def _category_rank(category: str) -> int:
    try:
        return OFFICIAL_CATEGORY_ORDER.index(category)
    except ValueError:
        return len(OFFICIAL_CATEGORY_ORDER)


_TASK_RANK: Final = {t.name: i for i, t in enumerate(table3_tasks())}


def build(tasks: Iterable[tuple[str, Sequence[tuple[str, str]]]]) -> dict[str, dict[str, Any]]:
    """The official results object for (task, pairs) in any order: base task names, categories and tasks
    in evaluation.py's order, metrics recomputed from the pairs as written."""
    grouped: dict[str, dict[str, list[tuple[str, str]]]] = {}
    for task, pairs in tasks:
        base = catalog.base_task(task)
        grouped.setdefault(catalog.category_of(base), {}).setdefault(base, []).extend(pairs)
    out: dict[str, dict[str, Any]] = {}
    for category in sorted(grouped, key=lambda c: (_category_rank(c), c)):
        out[category] = {}
        for task in sorted(grouped[category], key=lambda t: (_TASK_RANK.get(t, len(_TASK_RANK)), t)):
            pairs = tuple(grouped[category][task])
            entry = OfficialTask(category, task, pairs, {})
            out[category][task] = {
                "generated": [{"prediction": p, "target": t} for p, t in pairs],
                "metrics": compute_metrics(entry),
            }
    return out


def write(path: Path, results: Mapping[str, Any]) -> None:
    """The file as evaluation.py writes it (`json.dump(results, out, ensure_ascii=False, indent=4)`)."""
    from medinst_tui.protocol.files import write_text

    write_text(path, json.dumps(results, ensure_ascii=False, indent=4))


def looks_official(path: Path) -> bool:
    """A single JSON object (not JSON Lines) whose values are categories of tasks with `generated`."""
    try:
        with open(path, encoding="utf-8") as fh:
            head = fh.read(1 << 16).lstrip()
    except (OSError, UnicodeDecodeError):
        return False
    if not head.startswith("{"):
        return False
    try:
        parse(path)
    except OfficialFormatError:
        return False
    return True


def parse(path: Path) -> list[OfficialTask]:
    """The tasks of an official results file, in the file's order; OfficialFormatError when it is not one."""
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except UnicodeDecodeError as exc:
        raise OfficialFormatError(f"{path}: not UTF-8 text ({exc.reason})") from exc
    except json.JSONDecodeError as exc:
        raise OfficialFormatError(f"{path}:{exc.lineno}: not one JSON object ({exc.msg})") from exc
    return from_object(data, str(path))


def from_object(data: Any, where: str = "results") -> list[OfficialTask]:
    if not isinstance(data, dict) or not data:
        raise OfficialFormatError(f"{where}: expected {{category: {{task: {{generated, metrics}}}}}}")
    out: list[OfficialTask] = []
    for category, tasks in data.items():
        if not isinstance(tasks, dict):
            raise OfficialFormatError(f"{where}: category {category!r} is not an object of tasks")
        for task, entry in tasks.items():
            here = f"{where}: {category}/{task}"
            if not isinstance(entry, dict) or not isinstance(entry.get("generated"), list):
                raise OfficialFormatError(f"{here} has no `generated` list")
            pairs: list[tuple[str, str]] = []
            for i, item in enumerate(entry["generated"]):
                if not (
                    isinstance(item, dict)
                    and isinstance(item.get("prediction"), str)
                    and isinstance(item.get("target"), str)
                ):
                    raise OfficialFormatError(f"{here}: generated[{i}] is not {{prediction, target}} strings")
                pairs.append((item["prediction"], item["target"]))
            raw = entry.get("metrics") or {}
            if not isinstance(raw, dict):
                raise OfficialFormatError(f"{here}: `metrics` is not an object")
            metrics = {
                str(k): float(v)
                for k, v in raw.items()
                if isinstance(v, int | float) and not isinstance(v, bool)
            }
            out.append(OfficialTask(str(category), str(task), tuple(pairs), metrics))
    return out


@dataclass(frozen=True)
class MetricCheck:
    """A metric as the file states it beside the value medinst computes from the file's pairs."""

    category: str
    task: str
    key: str  # official key
    stated: float | None
    computed: float | None

    @property
    def matches(self) -> bool | None:
        if self.stated is None or self.computed is None:
            return None
        return abs(self.stated - self.computed) <= 1e-9 * max(1.0, abs(self.stated))


def check(tasks: Iterable[OfficialTask]) -> list[MetricCheck]:
    """Every official metric of every task: the file's value and medinst's, side by side."""
    out: list[MetricCheck] = []
    for t in tasks:
        computed = compute_metrics(t)
        keys = list(computed) + [k for k in t.metrics if k not in computed]
        out += [MetricCheck(t.category, t.task, k, t.metrics.get(k), computed.get(k)) for k in keys]
    return out
