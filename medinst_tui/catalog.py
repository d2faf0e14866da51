"""The MEDINST task catalog: 163 dataset-tasks, their categories, paper sizes and metric families.

The catalog is data shipped in the package (from the paper's Table 11 / Table 3); it never needs the index.
"""

from __future__ import annotations

import csv
import re
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


_TOKEN = re.compile(r"[^\W_]+")  # the words of a task name: `BioASQ-Task-B-yesno` -> bioasq, task, b, yesno


def name_tokens(name: str) -> list[str]:
    return _TOKEN.findall(name.lower())


def token_prefix_match(query: str, name: str) -> bool:
    """Every word of `query` starts a word of `name`, in order (`ncbi` -> NCBI-disease, `bc5 re` -> BC5CDR-RE,
    never BIOSSES)."""
    words = name_tokens(query)
    if not words:
        return False
    tokens = name_tokens(name)
    at = 0
    for word in words:
        while at < len(tokens) and not tokens[at].startswith(word):
            at += 1
        if at == len(tokens):
            return False
        at += 1
    return True


def _root(names: list[str]) -> str | None:
    """The one name that all the others extend (`NCBI-disease` for it, `NCBI-disease-NED` and `-zs`)."""
    if not names:
        return None
    shortest = min(names, key=len)
    low = shortest.lower()
    return shortest if all(n.lower().startswith(low) for n in names) else None


@dataclass(frozen=True)
class Resolution:
    """How a task query resolved: `name` (None: ask or refuse), `how` (exact, prefix, words, fuzzy), and the
    candidates, best first (what to offer when `name` is None)."""

    name: str | None
    how: str
    candidates: tuple[str, ...] = ()


def resolve_name(query: str, names: list[str]) -> Resolution:
    """A task query against the known names, without asking (README: "CLI reference").

    1. An exact name, case-insensitive.
    2. A prefix of names that are one task and names that extend it: `ncbi` -> NCBI-disease, also when
       NCBI-disease-NED and NCBI-disease-zs exist (typing more picks those); `bioasq` starts four tasks and
       resolves to none.
    3. The same by words: every word of the query starts a word of the name, in order (`bc5 re` -> BC5CDR-RE).
    Otherwise the candidates are the word-prefix matches (shortest first) or, when there are none, the fuzzy
    ones (`fuzzy_tasks`).
    """
    low = query.strip().lower()
    exact = [n for n in names if n.lower() == low]
    if exact:
        return Resolution(exact[0], "exact", tuple(exact))
    if not low:
        return Resolution(None, "none")
    prefixed = sorted((n for n in names if n.lower().startswith(low)), key=lambda n: (len(n), n))
    root = _root(prefixed)
    if root is not None:
        return Resolution(root, "prefix", tuple(prefixed))
    words = sorted((n for n in names if token_prefix_match(low, n)), key=lambda n: (len(n), n))
    root = _root(words)
    if root is not None:
        return Resolution(root, "words", tuple(words))
    if words:
        return Resolution(None, "words", tuple(words))
    fuzzy = fuzzy_tasks(query, names, limit=5)
    return Resolution(None, "fuzzy", tuple(n for n, score in fuzzy if score >= 60))


def fuzzy_tasks(query: str, names: list[str] | None = None, limit: int = 10) -> list[tuple[str, float]]:
    """Best task names for a loose query ("ncbi", "bc5 re"), best first, with rapidfuzz scores 0-100.

    Names whose words the query's words start (`token_prefix_match`) rank first, whatever their score: `ncbi`
    offers NCBI-disease and NCBI-disease-NED before BIOSSES."""
    from rapidfuzz import fuzz, process, utils  # imported lazily: startup time matters

    pool = names if names is not None else list(tasks())
    exact = [n for n in pool if n.lower() == query.lower()]
    if exact:
        return [(exact[0], 100.0)]
    hits = process.extract(query, pool, scorer=fuzz.WRatio, processor=utils.default_process, limit=None)
    scored = [(str(name), float(score)) for name, score, _ in hits]  # best score first
    ranked = sorted(scored, key=lambda h: not token_prefix_match(query, h[0]))  # stable: scores stay in order
    return ranked[:limit]
