"""`--max-tokens auto`: a cap on new tokens derived from the tasks' own gold outputs (ad-hoc trials).

MEDINST's golds are often a few words (a MedQA answer is one option), yet the paper's 1,024-token cap lets
one rambling sample take most of a batch's time on a laptop. `auto` caps each task at the 99th percentile
of its gold outputs' token counts (the model's tokenizer) x 1.25 + 16, rounded up to a multiple of 8,
between 32 and 1,024; in a run over several tasks each task's rows are fitted and sent with that task's own
cap (RunConfig.max_tokens_by_task; max_tokens is the largest). The golds are a seeded
sample of the task's train/dev rows when the index has them (not the answers being scored), else of the
rows the run itself reads. Protocol runs (`medinst eval`) keep the paper's 1,024 (README: "Few-shot runs
and scoring").
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from medinst_tui.store import sql
from medinst_tui.store.filters import Filter, where
from medinst_tui.store.index import Index

if TYPE_CHECKING:
    from medinst_tui.backends.base import Backend
    from medinst_tui.runs.engine import RunConfig

AUTO = "auto"
PERCENTILE = 99
HEADROOM = 1.25
EXTRA = 16
FLOOR = 32
CEILING = 1024  # the paper's cap: auto never allows more
PER_TASK = 200  # gold outputs measured per task
SEED = 0
NON_TEST = ("train", "dev")


@dataclass(frozen=True)
class TaskCap:
    task: str
    golds: int  # gold outputs measured
    source: str  # "train/dev" or the run's own split(s)
    percentile_tokens: int  # the PERCENTILE-th percentile of their token counts
    cap: int


@dataclass(frozen=True)
class AutoMaxTokens:
    cap: int
    tasks: tuple[TaskCap, ...]
    exact: bool  # counted by the model's tokenizer (False: an estimate)

    def by_task(self) -> tuple[tuple[str, int], ...]:
        """Each task's cap (RunConfig.max_tokens_by_task)."""
        return tuple((t.task, t.cap) for t in self.tasks)

    def describe(self) -> str:
        """One line for the prompt header, the run summary and the run's record."""
        counted = "tokens" if self.exact else "tokens (estimated)"
        if not self.tasks:
            return f"auto {self.cap}: no gold outputs to measure (the ceiling)"
        if len(self.tasks) == 1:
            (t,) = self.tasks
            return (
                f"auto {t.cap}: p{PERCENTILE} of {t.golds} {t.source} gold outputs of {t.task} is "
                f"{t.percentile_tokens} {counted}, x{HEADROOM} + {EXTRA}"
            )
        each = "; ".join(
            f"{t.task} {t.cap} (p{PERCENTILE} of {t.golds} {t.source} gold outputs is {t.percentile_tokens})"
            for t in self.tasks
        )
        return f"auto per task, up to {self.cap} ({counted}, x{HEADROOM} + {EXTRA}): {each}"


def caps_text(by_task: Sequence[Sequence[object]]) -> str:
    """`BioASQ-Task-B-yesno-zs 72, MedQA 32`: the caps of a run's record (its config's max_tokens_by_task)."""
    return ", ".join(f"{task} {cap}" for task, cap in by_task)


def cap_label(max_tokens: int | None, config: Mapping[str, object]) -> str:
    """A stored run's cap on new tokens as shown: `1024`, `72 (auto)`, `auto per task: A 72, B 32`."""
    by_task = config.get("max_tokens_by_task")
    if isinstance(by_task, list | tuple) and len(by_task) > 1:
        return f"auto per task: {caps_text(by_task)}"
    return f"{max_tokens}{' (auto)' if config.get('max_tokens_auto') else ''}"


def percentile(values: Sequence[int], pct: int = PERCENTILE) -> int:
    """The nearest-rank percentile (a value that occurs): the smallest v with pct% of values <= v."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    rank = max(math.ceil(pct / 100 * len(ordered)), 1)
    return ordered[rank - 1]


def cap_for(tokens: Sequence[int]) -> int:
    """The cap for gold outputs of these token counts."""
    raw = math.ceil(percentile(tokens) * HEADROOM) + EXTRA
    return max(FLOOR, min(CEILING, math.ceil(raw / 8) * 8))


def gold_outputs(
    index: Index, f: Filter, *, per_task: int = PER_TASK, seed: int = SEED
) -> dict[str, list[str]]:
    """Up to `per_task` gold outputs of each task under `f` (a seeded sample)."""
    clause, params = where(f)
    rows = index.con.execute(
        sql.render("gold_outputs", clause), params | {"k": per_task, "seed": seed}
    ).fetchall()
    out: dict[str, list[str]] = {}
    for task, _split, output in rows:
        out.setdefault(str(task), []).append(str(output))
    return out


def auto_max_tokens(
    index: Index, run_filter: Filter, count: Callable[[str], int], *, exact: bool, per_task: int = PER_TASK
) -> AutoMaxTokens:
    """The auto cap for a run over `run_filter`, each gold output counted with `count` (a backend's
    count_tokens). A text search does not narrow the golds: the cap is the task's."""
    base = Filter(categories=run_filter.categories, tasks=run_filter.tasks, medinst32=run_filter.medinst32)
    training = gold_outputs(index, base.with_(splits=NON_TEST), per_task=per_task)
    own = gold_outputs(index, base.with_(splits=run_filter.splits), per_task=per_task)  # the run's tasks
    own_source = "/".join(run_filter.splits) if run_filter.splits else "all-split"
    caps = []
    for task in sorted(own):
        # Train/dev golds where the task has them; a task with only test rows (MEDINST32 and its -zs
        # twins) is measured on the rows the run reads.
        outputs, source = (
            (training[task], "/".join(NON_TEST)) if task in training else (own[task], own_source)
        )
        tokens = [count(o) for o in outputs]
        caps.append(TaskCap(task, len(tokens), source, percentile(tokens), cap_for(tokens)))
    cap = max((c.cap for c in caps), default=CEILING)
    return AutoMaxTokens(cap, tuple(caps), exact)


def with_auto_cap(
    config: RunConfig, index: Index, backend: Backend, run_filter: Filter | None = None
) -> RunConfig:
    """`config` with the auto caps for its filter (or `run_filter`: one playground row's task and split),
    the golds counted by `backend`: each task's own (the engine sends a row with its task's), max_tokens
    the largest; the derivation is kept in the config, so the run records it."""
    exact = backend.describe().exact_token_counts
    auto = auto_max_tokens(index, run_filter or config.filter(), backend.count_tokens, exact=exact)
    return dataclasses.replace(
        config, max_tokens=auto.cap, max_tokens_auto=auto.describe(), max_tokens_by_task=auto.by_task()
    )
