"""The MEDINST task catalog: 163 dataset-tasks, their categories, paper sizes and metric families.

The catalog is data shipped in the package (from the paper's Table 11 / Table 3); it never needs the index.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml

UNKNOWN_CATEGORY = "unknown"
ZS_SUFFIX = "-zs"
SPLITS = ("train", "dev", "test")


@dataclass(frozen=True)
class PaperResult:
    metric: str
    scores: dict[str, float]  # model column -> score (x100, as printed in the paper)


@dataclass(frozen=True)
class TaskInfo:
    name: str
    category: str
    train: int
    dev: int
    test: int
    in_medinst32: bool
    medinst32_test_rows: int | None
    metric_type: str | None  # tasks.csv `medinst32_metric_type`; None outside MEDINST32
    difficulty: int | None
    paper_metric: str | None

    @property
    def total(self) -> int:
        return self.train + self.dev + self.test

    def paper_size(self, split: str) -> int:
        return {"train": self.train, "dev": self.dev, "test": self.test}.get(split, 0)


def _data_text(name: str) -> str:
    return resources.files("medinst_tui.data").joinpath(name).read_text(encoding="utf-8")


def _int(value: str) -> int | None:
    return int(value) if value.strip() else None


@cache
def tasks() -> dict[str, TaskInfo]:
    out: dict[str, TaskInfo] = {}
    for row in csv.DictReader(_data_text("tasks.csv").splitlines()):
        out[row["name"]] = TaskInfo(
            name=row["name"],
            category=row["category"],
            train=int(row["train"]),
            dev=int(row["dev"]),
            test=int(row["test"]),
            in_medinst32=row["in_medinst32_test"].strip().lower() == "true",
            medinst32_test_rows=_int(row["medinst32_test_rows"]),
            metric_type=row["medinst32_metric_type"] or None,
            difficulty=_int(row["medinst32_difficulty"]),
            paper_metric=row["paper_table3_metric"] or None,
        )
    return out


@cache
def categories() -> dict[str, str]:
    """Category code -> one-line description, in the paper's order."""
    loaded = yaml.safe_load(_data_text("categories.yaml"))
    return {str(k): str(v) for k, v in loaded.items()}


@cache
def paper_results() -> dict[str, PaperResult]:
    """MEDINST32 per-task figures from the paper's Table 3 (reference rows beside a user's own runs)."""
    out: dict[str, PaperResult] = {}
    for row in csv.DictReader(_data_text("table3.csv").splitlines()):
        fixed = {"category", "task", "difficulty", "metric"}
        scores = {k: float(v) for k, v in row.items() if k not in fixed and v}
        out[row["task"]] = PaperResult(metric=row["metric"], scores=scores)
    return out


def base_task(name: str) -> str:
    """`MedQA-zs` (MEDINST32 zero-shot config) belongs to task `MedQA`."""
    return name[: -len(ZS_SUFFIX)] if name.endswith(ZS_SUFFIX) else name


def lookup(name: str) -> TaskInfo | None:
    return tasks().get(base_task(name))


def category_of(name: str) -> str:
    info = lookup(name)
    return info.category if info else UNKNOWN_CATEGORY


def fuzzy_tasks(query: str, names: list[str] | None = None, limit: int = 10) -> list[tuple[str, float]]:
    """Best task names for a loose query ("ncbi", "bc5 re"), best first, with rapidfuzz scores 0-100."""
    from rapidfuzz import fuzz, process, utils  # imported lazily: startup time matters

    pool = names if names is not None else list(tasks())
    exact = [n for n in pool if n.lower() == query.lower()]
    if exact:
        return [(exact[0], 100.0)]
    hits = process.extract(query, pool, scorer=fuzz.WRatio, processor=utils.default_process, limit=limit)
    return [(str(name), float(score)) for name, score, _ in hits]
