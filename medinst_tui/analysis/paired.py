"""Paired statistics of two runs over the same samples: a bootstrap interval on the difference of a metric,
McNemar's exact test for 0/1 metrics and a paired permutation test for the rest (README: "Error analysis").

Every metric is a function of per-sample sums: a mean of per-sample scores (one column), the corpus macro-F1
of labels or tags (gold, predicted and true-positive counts per label) or corpus BLEU / chrF (sacrebleu's
sufficient statistics). `PairedStatistic` holds those columns for both runs, so one resampling scheme serves
every metric:

- the bootstrap draws n samples with replacement (the same draws for run A and run B: paired) and takes the
  2.5th and 97.5th percentiles of B - A over the resamples;
- the permutation test swaps A's and B's answers of each sample with probability 1/2 (the null: the two runs
  are exchangeable) and reports the two-sided p-value (1 + #|d*| >= |d|) / (1 + resamples);
- McNemar's exact test takes the samples only one run got right (b: A right, B wrong; c: the reverse) and
  gives p = min(1, 2 * P(X <= min(b, c))) for X ~ Binomial(b + c, 1/2).

Draws come from numpy's default generator seeded with (seed, the task's CRC-32, a purpose code), so a
comparison is reproducible and each task's metrics are judged on the same resamples.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    FloatArray = npt.NDArray[np.float64]

LEVEL: Final = 0.95
RESAMPLES: Final = 2000
_CELLS_PER_CHUNK: Final = 4_000_000  # resamples x samples x columns held at once
BOOTSTRAP: Final = 0
PERMUTATION: Final = 1


def mcnemar_exact(b: int, c: int) -> float:
    """Two-sided exact McNemar p-value from the discordant counts (b: A right and B wrong, c: the reverse)."""
    n = b + c
    if n == 0:
        return 1.0
    tail = sum(math.comb(n, k) for k in range(min(b, c) + 1))
    return float(min(Fraction(1), Fraction(2 * tail, 2**n)))


@dataclass(frozen=True)
class PairedStatistic:
    """Per-sample columns of a metric for runs A and B (n x k each) and the metric as a function of column
    sums (m x k sums of n samples -> m values)."""

    a: FloatArray
    b: FloatArray
    value: Callable[[FloatArray, int], FloatArray]

    @property
    def n(self) -> int:
        return int(self.a.shape[0])

    def observed(self) -> tuple[float, float]:
        a = self.value(self.a.sum(axis=0, keepdims=True), self.n)
        b = self.value(self.b.sum(axis=0, keepdims=True), self.n)
        return float(a[0]), float(b[0])


def rng_for(seed: int, task: str, purpose: int) -> Any:
    import numpy as np

    return np.random.default_rng([seed, zlib.crc32(task.encode("utf-8")), purpose])


def _chunk(n: int, k: int, resamples: int) -> int:
    return max(1, min(resamples, _CELLS_PER_CHUNK // max(1, n * k)))


def bootstrap_difference(
    stat: PairedStatistic, rng: Any, resamples: int = RESAMPLES
) -> tuple[float | None, float | None]:
    """The 95% percentile interval of B - A over paired resamples (None with fewer than 2 samples)."""
    import numpy as np

    n, k = stat.a.shape
    if n < 2:
        return None, None
    diffs: list[FloatArray] = []
    done = 0
    step = _chunk(n, k, resamples)
    while done < resamples:
        m = min(step, resamples - done)
        idx = rng.integers(0, n, size=(m, n))
        sums_a = stat.a[idx].sum(axis=1)
        sums_b = stat.b[idx].sum(axis=1)
        diffs.append(stat.value(sums_b, n) - stat.value(sums_a, n))
        done += m
    all_diffs = np.concatenate(diffs)
    finite = all_diffs[np.isfinite(all_diffs)]
    if finite.size == 0:
        return None, None
    lo, hi = np.quantile(finite, [(1 - LEVEL) / 2, (1 + LEVEL) / 2])
    return float(lo), float(hi)


def permutation_p_value(stat: PairedStatistic, rng: Any, resamples: int = RESAMPLES) -> float:
    """Two-sided p-value of the paired (swap) permutation test of B - A."""
    import numpy as np

    n, k = stat.a.shape
    if n == 0:
        return 1.0
    a_obs, b_obs = stat.observed()
    observed = abs(b_obs - a_obs)
    sum_a, sum_b = stat.a.sum(axis=0), stat.b.sum(axis=0)
    moved = stat.b - stat.a  # what swapping one sample moves from B's sums to A's
    extreme = 0
    done = 0
    step = _chunk(n, k, resamples)
    while done < resamples:
        m = min(step, resamples - done)
        swap = rng.integers(0, 2, size=(m, n)).astype(np.float64)
        shift = swap @ moved
        d = stat.value(sum_b - shift, n) - stat.value(sum_a + shift, n)
        extreme += int(np.count_nonzero(np.abs(d) >= observed - 1e-12))
        done += m
    return (1 + extreme) / (1 + resamples)


# -- the statistics of each kind of metric ---------------------------------------------------------------
def mean_statistic(a: list[float], b: list[float]) -> PairedStatistic:
    import numpy as np

    def value(sums: FloatArray, n: int) -> FloatArray:
        out: FloatArray = sums[:, 0] / n
        return out

    return PairedStatistic(np.asarray(a, float)[:, None], np.asarray(b, float)[:, None], value)


def label_statistic(
    a: list[tuple[list[str], list[str]]], b: list[tuple[list[str], list[str]]]
) -> PairedStatistic:
    """Macro-F1 over the gold labels present (MacroF1Accumulator's rule) from each sample's aligned
    (gold labels, predicted labels)."""
    import numpy as np

    labels = sorted({g for gold, _ in a + b for g in gold})
    index = {label: i for i, label in enumerate(labels)}
    width = len(labels)

    def columns(pairs: list[tuple[list[str], list[str]]]) -> FloatArray:
        out: FloatArray = np.zeros((len(pairs), 3 * width))
        for row, (gold, predicted) in enumerate(pairs):
            for g, p in zip(gold, predicted, strict=True):
                out[row, index[g]] += 1
                if p in index:
                    out[row, width + index[p]] += 1
                    if p == g:
                        out[row, 2 * width + index[g]] += 1
        return out

    def value(sums: FloatArray, n: int) -> FloatArray:
        gold, predicted, hits = sums[:, :width], sums[:, width : 2 * width], sums[:, 2 * width :]
        present = gold > 0
        with np.errstate(invalid="ignore", divide="ignore"):
            f1 = np.where(present, 2 * hits / (gold + predicted), 0.0)
            macro: FloatArray = f1.sum(axis=1) / present.sum(axis=1)
        return macro

    return PairedStatistic(columns(a), columns(b), value)


def translation_statistic(metric: str, a: list[tuple[str, str]], b: list[tuple[str, str]]) -> PairedStatistic:
    """Corpus BLEU or chrF (sacrebleu, as the scorer computes them) from per-sample sufficient statistics of
    (prediction, gold) pairs."""
    import numpy as np

    from medinst_tui.scoring.accumulators import _HAN, TranslationAccumulator

    acc = TranslationAccumulator()  # its sacrebleu objects, configured as the scorer's

    def stats(prediction: str, gold: str) -> list[float]:
        if metric == "bleu":
            scorer = acc._bleu["zh" if _HAN.search(gold) else "13a"]
            return [float(x) for x in scorer._extract_corpus_statistics([prediction], [[gold]])[0]]
        return [float(x) for x in acc._chrf._extract_corpus_statistics([prediction], [[gold]])[0]]

    def value(sums: FloatArray, n: int) -> FloatArray:
        score: Callable[[list[Any]], Any]
        if metric == "bleu":
            score = acc._bleu["13a"]._compute_score_from_stats
        else:
            score = acc._chrf._compute_score_from_stats
        return np.asarray([float(score(list(row)).score) / 100 for row in sums])

    return PairedStatistic(
        np.asarray([stats(p, g) for p, g in a], float), np.asarray([stats(p, g) for p, g in b], float), value
    )
