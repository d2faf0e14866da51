"""STS: gold score (rows, 0-5) by predicted score (columns, 0-5), and the answers with no valid integer.

Scores are read with the scorer's rule (`scoring.families.sts_pair`: exactly one distinct integer, in 0..5).
The scorer counts an answer without one as a prediction of 5 against a gold of 0 (the worst error); here it
has a column of its own, and the MSE is recomputed the scorer's way so it equals the run's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Final

from medinst_tui.scoring.families import sts_pair

SCORES: Final = tuple(range(6))
# sts_pair gives (0, 5) when either side is invalid; against a valid probe of 1 a valid side keeps its value.
_PROBE: Final = "1"


def predicted_score(prediction: str) -> int | None:
    """The score an answer gives, or None when it holds no single valid integer (the scorer's rule)."""
    gold, value = sts_pair(_PROBE, prediction)
    return value if gold == 1 else None


def gold_score(gold: str) -> int | None:
    value, probe = sts_pair(gold, _PROBE)
    return value if probe == 1 else None


@dataclass
class StsTable:
    counts: list[list[int]]  # [gold][predicted]
    invalid: list[int]  # per gold score: answers with no valid integer
    samples: dict[tuple[int, int | None], list[int]] = field(default_factory=dict)  # None: invalid answer
    invalid_gold: list[int] = field(default_factory=list)  # samples whose gold has no valid score
    mse: float = 0.0  # the scorer's MSE over every sample
    n: int = 0

    @property
    def n_invalid(self) -> int:
        return sum(self.invalid)

    @property
    def exact(self) -> int:
        return sum(self.counts[s][s] for s in SCORES)

    @property
    def within_one(self) -> int:
        return sum(self.counts[g][p] for g in SCORES for p in SCORES if abs(g - p) <= 1)

    def to_json(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "scores": list(SCORES),
            "matrix": self.counts,
            "no_valid_integer": self.invalid,
            "n_no_valid_integer": self.n_invalid,
            "invalid_gold": self.invalid_gold,
            "exact": self.exact,
            "within_one": self.within_one,
            "mse": self.mse,
            "cells": [
                {"gold": g, "predicted": p, "count": len(ids), "samples": ids}
                for (g, p), ids in sorted(self.samples.items(), key=lambda kv: (kv[0][0], _order(kv[0][1])))
            ],
        }


def _order(p: int | None) -> int:
    return 99 if p is None else p


def sts_table(samples: Iterable[tuple[int, str, str]]) -> StsTable:
    """The 6x6 table over `(sample_id, prediction, gold)`."""
    table = StsTable([[0] * len(SCORES) for _ in SCORES], [0] * len(SCORES))
    squared = 0.0
    for sample_id, prediction, gold in samples:
        table.n += 1
        g_value, p_value = sts_pair(gold, prediction)
        squared += (g_value - p_value) ** 2
        g = gold_score(gold)
        if g is None:
            table.invalid_gold.append(sample_id)
            continue
        p = predicted_score(prediction)
        if p is None:
            table.invalid[g] += 1
        else:
            table.counts[g][p] += 1
        table.samples.setdefault((g, p), []).append(sample_id)
    table.mse = squared / table.n if table.n else 0.0
    return table
