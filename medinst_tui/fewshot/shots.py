"""Few-shot demonstrations: the row's own history, seeded shots from its task or its category, pinned rows.

Same spec, same seed, same shots, always; and the same shots for every query of a batch (minus the query
itself), so consecutive prompts share a prefix that a local model keeps in its KV cache.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from medinst_tui import catalog
from medinst_tui.store.filters import Filter
from medinst_tui.store.index import Index, Row

ShotMode = Literal["history", "task", "category", "pinned", "none"]
SHOT_MODES: tuple[ShotMode, ...] = ("history", "task", "category", "pinned", "none")


@dataclass(frozen=True)
class Shot:
    """One demonstration. For MEDINST32 history pairs `instruction`/`input` are unknown: `user` holds both."""

    user: str
    assistant: str
    origin: str  # "history", or "<task>#<id>" for a row drawn from the index
    instruction: str | None = None
    input: str | None = None


@dataclass(frozen=True)
class ShotSpec:
    mode: ShotMode = "history"
    k: int = 0
    seed: int = 0
    pinned: tuple[int, ...] = ()

    def describe(self) -> str:
        if self.mode == "history":
            return "row history"
        if self.mode == "pinned":
            return "pinned " + ",".join(f"#{i}" for i in self.pinned)
        if self.mode == "none" or self.k == 0:
            return "zero-shot"
        return f"{self.k} from {self.mode} (seed {self.seed})"


def user_text(instruction: str, input_text: str) -> str:
    """The paper's user turn: the instruction, a newline, the input."""
    return f"{instruction}\n{input_text}"


def shot_from_row(row: Row) -> Shot:
    return Shot(
        user=user_text(row.instruction, row.input),
        assistant=row.output,
        origin=f"{row.task}#{row.id}",
        instruction=row.instruction,
        input=row.input,
    )


def _pool_split(index: Index, f: Filter) -> tuple[str, ...]:
    """Shots come from train; a task without train rows gives its dev rows."""
    splits = index.facets(f).by_split()
    for split in ("train", "dev"):
        if splits.get(split):
            return (split,)
    return ("train",)


def _draw(index: Index, f: Filter, k: int, seed: int, exclude: int) -> list[Row]:
    drawn = index.sample(f.with_(splits=_pool_split(index, f)), k + 1, seed)
    return [r for r in drawn if r.id != exclude][:k]


def select_shots(index: Index, row: Row, spec: ShotSpec) -> list[Shot]:
    if spec.mode == "none":
        return []
    if spec.mode == "history":
        return [
            Shot(user=pair[0], assistant=pair[1] if len(pair) > 1 else "", origin="history")
            for pair in (row.history or [])
            if pair
        ]
    if spec.mode == "pinned":
        rows = [index.get(i) for i in spec.pinned]
        missing = [i for i, r in zip(spec.pinned, rows, strict=True) if r is None]
        if missing:
            raise ValueError(f"pinned shot id(s) not in the index: {', '.join(map(str, missing))}")
        return [shot_from_row(r) for r in rows if r is not None and r.id != row.id]
    if spec.k <= 0:
        return []
    task = catalog.base_task(row.task)
    if spec.mode == "task":
        pool = Filter(tasks=(task,))
    else:
        # Same category, other tasks: what the paper's 2-shot figure shows (each shot keeps its instruction).
        others = tuple(
            t
            for t in index.indexed_tasks()
            if catalog.category_of(t) == row.category and catalog.base_task(t) != task
        )
        if not others:
            raise ValueError(f"no other {row.category} task in the index to draw cross-task shots from")
        pool = Filter(tasks=others)
    return [shot_from_row(r) for r in _draw(index, pool, spec.k, spec.seed, row.id)]
