"""Score predictions against gold outputs, one at a time (live) or as a corpus.

Every family gets Rouge-L and token F1 (means of per-sample values) plus its own
metric; ``rougeL_unicode`` is added once a non-ASCII pair has been seen (rouge-score
drops non-ASCII characters, so ``rougeL`` stays the paper-compatible headline).
"""

from __future__ import annotations

from collections.abc import Iterable

from medinst_tui.scoring.accumulators import MacroF1Accumulator, MeanAccumulator, TranslationAccumulator
from medinst_tui.scoring.families import (
    FAMILIES,
    HEADLINE_METRIC,
    Family,
    align_bio,
    bio_tags,
    entity_spans,
    multicls_labels,
    multiset_f1,
    sts_pair,
)
from medinst_tui.scoring.metrics import MetricSummary
from medinst_tui.scoring.rouge import rouge_l, rouge_l_unicode
from medinst_tui.scoring.squad import exact_match, normalize_answer, token_f1

# Order in which summaries list their metrics.
_ORDER = (
    "rougeL",
    "token_f1",
    "entity_f1",
    "multicls_f1",
    "bio_f1",
    "cls_f1",
    "em",
    "mse",
    "bleu",
    "chrf",
    "rougeL_unicode",
)


class Scorer:
    """Incremental scorer for one task's family.

    ``add`` scores one pair and returns its per-sample metrics; ``summary`` gives every
    metric over the pairs added so far (corpus metrics recomputed from running counts).
    For ``mse`` the per-sample value is that pair's squared error, so its mean is the MSE.
    Memory stays constant in the number of pairs, except ``cls``, which keeps a count per
    distinct (normalized) label.
    """

    def __init__(self, family: Family) -> None:
        if family not in FAMILIES:
            raise ValueError(f"unknown metric family {family!r}; expected one of {', '.join(FAMILIES)}")
        self.family: Family = family
        self._means: dict[str, MeanAccumulator] = {"rougeL": MeanAccumulator(), "token_f1": MeanAccumulator()}
        self._unicode = MeanAccumulator()
        self._saw_non_ascii = False
        self._labels: MacroF1Accumulator | None = None
        self._translation: TranslationAccumulator | None = None
        if family in ("entity", "multicls", "em", "mse"):
            self._means[HEADLINE_METRIC[family]] = MeanAccumulator()
        elif family in ("cls", "bio"):
            self._labels = MacroF1Accumulator()
        elif family == "translation":
            self._translation = TranslationAccumulator()

    @property
    def headline(self) -> str:
        """The metric key the paper reports for this family."""
        return HEADLINE_METRIC[self.family]

    @property
    def n(self) -> int:
        return self._unicode.n

    def add(self, prediction: str, gold: str) -> dict[str, float]:
        """Score one pair; returns its per-sample metrics (corpus metrics are in ``summary``)."""
        rouge = rouge_l(prediction, gold)
        sample = {"rougeL": rouge, "token_f1": token_f1(prediction, gold)}
        family = self.family
        if family == "entity":
            sample["entity_f1"] = multiset_f1(entity_spans(gold), entity_spans(prediction))
        elif family == "multicls":
            sample["multicls_f1"] = multiset_f1(multicls_labels(gold), multicls_labels(prediction))
        elif family == "em":
            sample["em"] = exact_match(prediction, gold)
        elif family == "mse":
            gold_value, predicted_value = sts_pair(gold, prediction)
            sample["mse"] = float((gold_value - predicted_value) ** 2)
        elif family == "cls":
            assert self._labels is not None
            self._labels.add(normalize_answer(gold), normalize_answer(prediction))
        elif family == "bio":
            assert self._labels is not None
            gold_tags = bio_tags(gold)
            self._labels.add_many(gold_tags, align_bio(gold_tags, bio_tags(prediction)))
        elif family == "translation":
            assert self._translation is not None
            self._translation.add(prediction, gold)

        for key, value in sample.items():
            self._means[key].add(value)
        if prediction.isascii() and gold.isascii():
            self._unicode.add(rouge)
        else:
            self._saw_non_ascii = True
            sample["rougeL_unicode"] = rouge_l_unicode(prediction, gold)
            self._unicode.add(sample["rougeL_unicode"])
        return sample

    def summary(self) -> dict[str, MetricSummary]:
        """Every metric over the pairs added so far, in a stable order; empty before any."""
        n = self.n
        if n == 0:
            return {}
        found: dict[str, MetricSummary] = {
            key: MetricSummary(key, acc.mean, acc.n, acc.stderr) for key, acc in self._means.items()
        }
        if self._labels is not None:
            key = HEADLINE_METRIC[self.family]
            found[key] = MetricSummary(key, self._labels.value, n)
        if self._translation is not None:
            found["bleu"] = MetricSummary("bleu", self._translation.bleu, n)
            found["chrf"] = MetricSummary("chrf", self._translation.chrf, n)
        if self._saw_non_ascii:
            found["rougeL_unicode"] = MetricSummary(
                "rougeL_unicode", self._unicode.mean, n, self._unicode.stderr
            )
        return {key: found[key] for key in _ORDER if key in found}


def score_corpus(
    family: Family, predictions: Iterable[str], golds: Iterable[str]
) -> dict[str, MetricSummary]:
    """All metrics of a corpus (predictions and golds in the same order, same length)."""
    scorer = Scorer(family)
    for prediction, gold in zip(predictions, golds, strict=True):
        scorer.add(prediction, gold)
    return scorer.summary()


def score_pair(family: Family, prediction: str, gold: str) -> dict[str, float]:
    """The metrics of one pair, corpus metrics included (as a corpus of one sample)."""
    return {key: summary.value for key, summary in score_corpus(family, [prediction], [gold]).items()}
