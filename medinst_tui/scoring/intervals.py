"""95% intervals for every metric a run reports, and how each was made (README: "Few-shot runs and scoring").

- A per-sample 0/1 metric (exact match) gets the Wilson score interval of a proportion: at small n it stays
  honest (0 of 4 is 0.00-49.0, never 0.00-0.00), where the normal approximation collapses to a point.
- Everything else (means of bounded per-sample scores such as Rouge-L or entity F1, MSE, and the corpus
  macro-F1 of labels and BIO tags) gets a seeded percentile bootstrap over samples. It is a Poisson
  bootstrap: each sample carries ``RESAMPLES`` independent Poisson(1) weights drawn from a generator seeded
  by (``SEED``, the sample's id), so a running interval costs O(RESAMPLES) per sample, and the same samples
  give the same interval in any order (a concurrent run records them as they finish).
- When every resample gives the same value (all samples scored alike, e.g. four wrong answers) a bootstrap
  says nothing; the interval is then the Wilson interval of the value read as a proportion of the metric's
  range ("wilson-bound"): a score in that range varies at most as much as an all-or-nothing one does.

numpy is imported on first use, so commands that never score do not pay for it.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    FloatArray = npt.NDArray[np.float64]

LEVEL: Final = 0.95
Z_95: Final = 1.959963984540054
SEED: Final = 20240806  # fixed and recorded with every bootstrap interval
RESAMPLES: Final = 1000
_KEY_MASK: Final = (1 << 63) - 1

WILSON: Final = "wilson"
BOOTSTRAP: Final = "bootstrap"
WILSON_BOUND: Final = "wilson-bound"  # a degenerate bootstrap (every resample equal), see the module doc
NORMAL: Final = "normal"  # runs stored before scorer version 2: mean ± 1.96 standard errors

METHOD_LABELS: Final[dict[str, str]] = {
    WILSON: "Wilson",
    BOOTSTRAP: "bootstrap",
    WILSON_BOUND: "Wilson (all alike)",
    NORMAL: "normal approx.",
}


@dataclass(frozen=True, slots=True)
class Interval:
    """A 95% interval and how it was made (``seed`` and ``resamples`` for a bootstrap)."""

    lower: float
    upper: float
    method: str
    seed: int | None = None
    resamples: int | None = None

    @property
    def label(self) -> str:
        return METHOD_LABELS.get(self.method, self.method)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"lower": self.lower, "upper": self.upper, "interval": self.method}
        if self.seed is not None:
            out["seed"] = self.seed
        if self.resamples is not None:
            out["resamples"] = self.resamples
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Interval | None:
        if data.get("lower") is None or data.get("upper") is None:
            return None
        seed, resamples = data.get("seed"), data.get("resamples")
        return cls(
            float(data["lower"]),
            float(data["upper"]),
            str(data.get("interval") or ""),
            None if seed is None else int(seed),
            None if resamples is None else int(resamples),
        )


def wilson(successes: float, n: int, z: float = Z_95) -> tuple[float, float]:
    """The Wilson score interval of a proportion ``successes / n`` (``n`` >= 1)."""
    if n <= 0:
        raise ValueError("a Wilson interval needs at least one trial")
    p = min(max(successes / n, 0.0), 1.0)
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def wilson_interval(successes: float, n: int) -> Interval:
    lower, upper = wilson(successes, n)
    return Interval(lower, upper, WILSON)


def wilson_bound(value: float, n: int, lower: float, upper: float) -> Interval:
    """The Wilson interval of ``value`` read as a proportion of [lower, upper] (a degenerate bootstrap)."""
    span = upper - lower
    lo, hi = wilson((value - lower) / span * n, n)
    return Interval(lower + lo * span, lower + hi * span, WILSON_BOUND)


class Resampler:
    """The Poisson(1) bootstrap weights of each sample, reproducible from (seed, sample key)."""

    def __init__(self, seed: int = SEED, resamples: int = RESAMPLES) -> None:
        import numpy as np

        self.np = np
        self.seed = seed
        self.resamples = resamples

    def weights(self, key: int) -> FloatArray:
        rng = self.np.random.default_rng([self.seed, key & _KEY_MASK])
        return rng.poisson(1.0, self.resamples).astype(self.np.float64)

    def interval(self, replicates: FloatArray, value: float, n: int, lower: float, upper: float) -> Interval:
        """The percentile interval of the replicate values (NaN ones, of zero total weight, left out)."""
        np = self.np
        finite = replicates[np.isfinite(replicates)]
        if finite.size == 0 or float(finite.max() - finite.min()) <= 1e-12:
            return wilson_bound(value, n, lower, upper)
        lo, hi = np.quantile(finite, [(1 - LEVEL) / 2, (1 + LEVEL) / 2])
        return Interval(max(lower, float(lo)), min(upper, float(hi)), BOOTSTRAP, self.seed, self.resamples)


class BootstrapMean:
    """Replicate means of a per-sample score: weighted sums per resample."""

    __slots__ = ("_np", "_sum", "_weight")

    def __init__(self, resampler: Resampler) -> None:
        self._np = resampler.np
        self._sum = resampler.np.zeros(resampler.resamples)
        self._weight = resampler.np.zeros(resampler.resamples)

    def add(self, weights: FloatArray, value: float) -> None:
        self._sum += weights * value
        self._weight += weights

    def replicates(self) -> FloatArray:
        with self._np.errstate(invalid="ignore", divide="ignore"):
            means: FloatArray = self._sum / self._weight
        return means


class BootstrapMacroF1:
    """Replicate macro-F1 over the gold labels present in each resample (MacroF1Accumulator's rule)."""

    def __init__(self, resampler: Resampler) -> None:
        self._np = resampler.np
        self._resamples = resampler.resamples
        # label -> weighted (gold, predicted, true positive) counts per resample, shape (3, resamples)
        self._counts: dict[str, FloatArray] = {}

    def add(self, weights: FloatArray, gold: list[str], predicted: list[str]) -> None:
        """One sample's aligned label pairs (one pair for a label task, one per tag for BIO)."""
        per_label: Counter[tuple[int, str]] = Counter()
        for g, p in zip(gold, predicted, strict=True):
            per_label[0, g] += 1
            per_label[1, p] += 1
            if g == p:
                per_label[2, g] += 1
        for (row, label), count in per_label.items():
            counts = self._counts.get(label)
            if counts is None:
                counts = self._counts[label] = self._np.zeros((3, self._resamples))
            counts[row] += weights * count

    def replicates(self) -> FloatArray:
        np = self._np
        if not self._counts:
            empty: FloatArray = np.full(self._resamples, np.nan)
            return empty
        stacked = np.stack(list(self._counts.values()))  # (labels, 3, resamples)
        gold, predicted, hits = stacked[:, 0], stacked[:, 1], stacked[:, 2]
        present = gold > 0
        with np.errstate(invalid="ignore", divide="ignore"):
            f1 = np.where(present, 2 * hits / (gold + predicted), 0.0)
            macro: FloatArray = f1.sum(axis=0) / present.sum(axis=0)
        return macro
