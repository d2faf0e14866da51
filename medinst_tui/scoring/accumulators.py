"""Running statistics that let corpus metrics be recomputed after every sample in O(1).

Each keeps only what its metric needs (sums, per-label counts, BLEU/chrF sufficient
statistics), so memory does not grow with the number of samples (per-label counts grow
with the number of distinct labels only).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sacrebleu.metrics.bleu import BLEU
    from sacrebleu.metrics.chrf import CHRF


class MeanAccumulator:
    """Mean of per-sample values plus the variance for a confidence interval.

    The mean is a plain running sum divided by n, as MEDINST's script computes it, so
    values agree to the last bit; Welford's update keeps the variance stable.
    """

    __slots__ = ("_m2", "_running_mean", "n", "total")

    def __init__(self) -> None:
        self.n = 0
        self.total = 0.0
        self._running_mean = 0.0
        self._m2 = 0.0

    def add(self, value: float) -> None:
        self.n += 1
        self.total += value
        delta = value - self._running_mean
        self._running_mean += delta / self.n
        self._m2 += delta * (value - self._running_mean)

    @property
    def mean(self) -> float:
        return self.total / self.n if self.n else 0.0

    @property
    def stderr(self) -> float | None:
        if self.n < 2:
            return None
        return math.sqrt(max(self._m2, 0.0) / (self.n - 1) / self.n)


class MacroF1Accumulator:
    """Macro-F1 over the sorted set of gold labels seen so far (scikit-learn semantics).

    Per label: F1 = 2·TP / (gold count + predicted count); predictions of labels that
    never occur in gold only count against recall, as ``f1_score(labels=gold set)``.
    """

    __slots__ = ("_gold", "_predicted", "_true_positive", "n")

    def __init__(self) -> None:
        self.n = 0
        self._gold: Counter[str] = Counter()
        self._predicted: Counter[str] = Counter()
        self._true_positive: Counter[str] = Counter()

    def add(self, gold: str, predicted: str) -> None:
        self.n += 1
        self._gold[gold] += 1
        self._predicted[predicted] += 1
        if gold == predicted:
            self._true_positive[gold] += 1

    def add_many(self, gold: list[str], predicted: list[str]) -> None:
        for gold_label, predicted_label in zip(gold, predicted, strict=True):
            self.add(gold_label, predicted_label)

    @property
    def labels(self) -> list[str]:
        return sorted(self._gold)

    @property
    def value(self) -> float:
        labels = self.labels
        if not labels:
            return 0.0
        scores = [
            2 * self._true_positive[label] / (self._gold[label] + self._predicted[label]) for label in labels
        ]
        return sum(scores) / len(scores)


# Han ideographs: a target holding any is tokenized for BLEU with sacrebleu's "zh".
_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f]")


class TranslationAccumulator:
    """Corpus BLEU and chrF (sacrebleu defaults) from summed sentence statistics.

    Summing sacrebleu's per-sentence sufficient statistics and scoring the sums is what
    ``corpus_score`` does, so the values equal a one-shot ``corpus_bleu``/``corpus_chrf``.
    A target containing Han characters is tokenized for BLEU with ``zh``, others with
    ``13a`` (a corpus in one language thus matches sacrebleu run with that tokenizer).
    """

    def __init__(self) -> None:
        # sacrebleu costs ~0.1 s to import: only translation tasks pay for it.
        from sacrebleu.metrics.bleu import BLEU
        from sacrebleu.metrics.chrf import CHRF

        self.n = 0
        self._bleu: dict[str, BLEU] = {"13a": BLEU(tokenize="13a"), "zh": BLEU(tokenize="zh")}
        self._chrf: CHRF = CHRF()
        self._bleu_stats: list[Any] | None = None
        self._chrf_stats: list[Any] | None = None

    def add(self, prediction: str, gold: str) -> None:
        self.n += 1
        bleu = self._bleu["zh" if _HAN.search(gold) else "13a"]
        bleu_stats = bleu._extract_corpus_statistics([prediction], [[gold]])[0]
        chrf_stats = self._chrf._extract_corpus_statistics([prediction], [[gold]])[0]
        self._bleu_stats = _add_lists(self._bleu_stats, bleu_stats)
        self._chrf_stats = _add_lists(self._chrf_stats, chrf_stats)

    @property
    def bleu(self) -> float:
        if self._bleu_stats is None:
            return 0.0
        return float(self._bleu["13a"]._compute_score_from_stats(self._bleu_stats).score) / 100

    @property
    def chrf(self) -> float:
        if self._chrf_stats is None:
            return 0.0
        return float(self._chrf._compute_score_from_stats(self._chrf_stats).score) / 100


def _add_lists(total: list[Any] | None, stats: list[Any]) -> list[Any]:
    if total is None:
        return list(stats)
    return [a + b for a, b in zip(total, stats, strict=True)]
