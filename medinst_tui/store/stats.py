"""Statistics of a filter for the stats view: text lengths and, for label tasks, the label balance.

Computed on a seeded uniform sample (the same hash order as `Index.sample`), so a filter of ten million
rows costs one pass over the ids and the text of `k` rows; a smaller filter is counted exactly.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from medinst_tui.store import sql
from medinst_tui.store.filters import Filter
from medinst_tui.store.index import Index

DEFAULT_SAMPLE = 10_000
MAX_LABELS = 30
MULTI_LABEL_SEPARATOR = ", "


@dataclass(frozen=True)
class FilterStats:
    rows: int  # rows the figures are computed on
    total: int | None  # rows under the filter when known (None: a text search not counted yet)
    input_lengths: list[int]
    output_lengths: list[int]
    distinct_outputs: int
    labels: list[tuple[str, int]] | None  # label -> rows, most frequent first; None: not a label task
    multi_label: bool

    @property
    def sampled(self) -> bool:
        return self.total is None or self.rows < self.total


def label_balance(
    outputs: list[str], max_labels: int = MAX_LABELS
) -> tuple[list[tuple[str, int]] | None, bool]:
    """Counts per label when the outputs look like labels: few distinct values, or few distinct parts of
    comma-separated multi-label outputs. None for free text (answers, entity lists, translations)."""
    whole = Counter(o.strip() for o in outputs)
    if 0 < len(whole) <= max_labels:
        return whole.most_common(), False
    parts = Counter(p.strip() for o in outputs for p in o.split(MULTI_LABEL_SEPARATOR) if p.strip())
    if 0 < len(parts) <= max_labels:
        return parts.most_common(), True
    return None, False


def filter_stats(
    index: Index, f: Filter, *, k: int = DEFAULT_SAMPLE, seed: int = 0, total: int | None = None
) -> FilterStats:
    clause, params = index.where(f)
    rows = index.con.execute(sql.render("stats_sample", clause), params | {"k": k, "seed": seed}).fetchall()
    outputs = [str(r[2]) for r in rows]
    labels, multi = label_balance(outputs)
    return FilterStats(
        rows=len(rows),
        total=total,
        input_lengths=[int(r[0]) for r in rows],
        output_lengths=[int(r[1]) for r in rows],
        distinct_outputs=len(set(outputs)),
        labels=labels,
        multi_label=multi,
    )
