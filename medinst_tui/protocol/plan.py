"""Which rows `medinst eval medinst32` runs: the 32 MEDINST32 test sets in Table 3's order, narrowed by
task or category, all rows or a stratified subset of each task (README: "MEDINST32 evaluation").

The rows are the ones `medinst run --medinst32 --split test` selects (the same Filter, built by RunConfig),
taken one task at a time: `<Task>` (rows with their own few-shot `history`) or, zero-shot, `<Task>-zs`.
When more than one indexed source holds a task's test rows (MedINST's own test split and MedINST32's
`unseen_tests/`), the source whose rows carry a `history` is used, so no row is run twice.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources
from typing import Literal

from medinst_tui import catalog
from medinst_tui.runs.engine import RunConfig
from medinst_tui.store.filters import Filter
from medinst_tui.store.index import Index, Row

# The protocol of the paper's evaluation.py: chat messages from the row's `history` pairs, then
# `instruction + "\n" + input`, no system message, max_tokens=1024, temperature=0.
PAPER_FORMAT = "medinst-chat"
PAPER_MAX_TOKENS = 1024
PAPER_TEMPERATURE = 0.0
MEDINST32_SOURCE = "hub:aialt/MedINST32"

# evaluation.py's `tests` dict: the order of categories (and tasks) in the official results file.
OFFICIAL_CATEGORY_ORDER = ("QA", "TE", "NER", "TXTCLASS", "NED", "RE", "COREF", "SUM", "EE", "STS", "TRANSL")

PAGE = 200


@dataclass(frozen=True)
class Medinst32Task:
    """One row of the paper's Table 3."""

    name: str
    category: str
    difficulty: int | None
    paper_metric: str  # the label Table 3 prints, e.g. "Entity-F1"
    paper_rows: int | None  # the size of its MEDINST32 test set (tasks.csv)

    def indexed_name(self, zero_shot: bool) -> str:
        return self.name + catalog.ZS_SUFFIX if zero_shot else self.name


@cache
def table3_tasks() -> tuple[Medinst32Task, ...]:
    """The 32 tasks in Table 3's order (medinst_tui/data/table3.csv)."""
    text = resources.files("medinst_tui.data").joinpath("table3.csv").read_text(encoding="utf-8")
    out = []
    for row in csv.DictReader(text.splitlines()):
        info = catalog.lookup(row["task"])
        out.append(
            Medinst32Task(
                name=row["task"],
                category=row["category"],
                difficulty=int(row["difficulty"]) if row["difficulty"].strip() else None,
                paper_metric=row["metric"],
                paper_rows=info.medinst32_test_rows if info else None,
            )
        )
    return tuple(out)


def table3_categories() -> tuple[str, ...]:
    """Categories in Table 3's order."""
    return tuple(dict.fromkeys(t.category for t in table3_tasks()))


def narrow(tasks: Sequence[str] = (), categories: Sequence[str] = ()) -> list[Medinst32Task]:
    """The MEDINST32 tasks named (exact names, `-zs` accepted) and/or in the categories; all when neither.
    ValueError names what is not a MEDINST32 task or category."""
    by_name = {t.name: t for t in table3_tasks()}
    wanted = {catalog.base_task(t) for t in tasks}
    unknown = sorted(wanted - set(by_name))
    if unknown:
        raise ValueError(
            f"not a MEDINST32 task: {', '.join(unknown)} (`medinst tasks --medinst32` lists them)"
        )
    cats = {c.upper() for c in categories}
    bad = sorted(cats - set(table3_categories()))
    if bad:
        raise ValueError(
            f"no MEDINST32 task in category {', '.join(bad)} (MEDINST32 has {', '.join(table3_categories())})"
        )
    return [
        t for t in table3_tasks() if (not wanted or t.name in wanted) and (not cats or t.category in cats)
    ]


@dataclass(frozen=True)
class Selection:
    """All rows of each task, its first N by id, or a seeded sample of N (stratified by task)."""

    mode: Literal["all", "first", "sample"] = "all"
    per_task: int | None = None
    seed: int | None = None

    def describe(self) -> str:
        if self.mode == "first":
            return f"first {self.per_task} row(s) per task (by id)"
        if self.mode == "sample":
            return f"seeded sample of {self.per_task} row(s) per task (seed {self.seed})"
        return "all rows"

    def to_json(self) -> dict[str, object]:
        return {"mode": self.mode, "per_task": self.per_task, "seed": self.seed}


@dataclass(frozen=True)
class PlannedTask:
    task: Medinst32Task
    indexed_name: str  # `MedQA`, or `MedQA-zs` zero-shot
    filter: Filter
    source: str | None  # the source the rows come from (None: the only one that holds them)
    available: int  # rows of this test set in the index
    rows: tuple[Row, ...] | None = field(default=None, repr=False)  # a subset, drawn when planned

    @property
    def planned(self) -> int:
        return self.available if self.rows is None else len(self.rows)

    @property
    def subset(self) -> bool:
        return self.planned < self.available

    @property
    def indexed(self) -> bool:
        return self.available > 0


@dataclass(frozen=True)
class Plan:
    zero_shot: bool
    selection: Selection
    tasks: tuple[PlannedTask, ...]
    config: RunConfig  # what `medinst run --medinst32` would be given for the same rows

    @property
    def total(self) -> int:
        return sum(t.planned for t in self.tasks)

    @property
    def missing(self) -> list[str]:
        """The tasks asked for that the index does not hold."""
        return [t.indexed_name for t in self.tasks if not t.indexed]

    def rows(self, index: Index) -> Iterator[Row]:
        """The rows, task by task in Table 3's order (one task's requests share instruction and shots
        formats, which keeps a server's prefix cache warm); within a task by id."""
        for planned in self.tasks:
            if planned.rows is not None:
                yield from planned.rows
                continue
            after, left = -1, planned.available
            while left > 0:
                page = index.page(planned.filter, after_id=after, limit=min(left, PAGE))
                if not page:
                    break
                yield from page
                left -= len(page)
                after = page[-1].id


def _source_for(index: Index, f: Filter, sources: list[str]) -> str | None:
    """The one source to read a task's test rows from when several hold them (see the module doc)."""
    holding = [s for s in sources if index.count(f.with_(sources=(s,)))]
    if len(holding) <= 1:
        return None
    for s in holding:
        first = index.page(f.with_(sources=(s,)), limit=1)
        if first and first[0].history:
            return s
    return MEDINST32_SOURCE if MEDINST32_SOURCE in holding else holding[0]


def make_plan(
    index: Index,
    tasks: Sequence[Medinst32Task],
    *,
    zero_shot: bool = False,
    selection: Selection | None = None,
    config: RunConfig | None = None,
) -> Plan:
    """Count (and, for a subset, draw) each task's rows. `config` carries the prompt and model settings;
    its row filter is set here: MEDINST32 tasks, test split."""
    selection = selection or Selection()
    names = tuple(t.indexed_name(zero_shot) for t in tasks)
    base = RunConfig() if config is None else config
    config = replace(
        base,
        tasks=names,
        categories=(),
        split="test",
        search="",
        medinst32=True,
        limit=None,
        sample=None,
    )
    sources = [str(s["name"]) for s in index.sources()]
    planned: list[PlannedTask] = []
    for task, name in zip(tasks, names, strict=True):
        f = config.filter().with_(tasks=(name,))
        source = _source_for(index, f, sources) if len(sources) > 1 else None
        if source is not None:
            f = f.with_(sources=(source,))
        available = index.count(f)
        rows: tuple[Row, ...] | None = None
        if selection.mode == "first" and selection.per_task is not None:
            rows = tuple(index.page(f, limit=selection.per_task)) if available else ()
        elif selection.mode == "sample" and selection.per_task is not None:
            drawn = index.sample(f, selection.per_task, selection.seed or 0) if available else []
            rows = tuple(sorted(drawn, key=lambda r: r.id))
        planned.append(PlannedTask(task, name, f, source, available, rows))
    return Plan(zero_shot, selection, tuple(planned), config)
