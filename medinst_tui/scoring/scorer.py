"""Score predictions against gold outputs, one at a time (live) or as a corpus.

Every family gets Rouge-L and token F1 (means of per-sample values) plus its own
metric; ``rougeL_unicode`` is added once a non-ASCII pair has been seen (rouge-score
drops non-ASCII characters, so ``rougeL`` stays the paper-compatible headline).
Every metric comes with its 95% interval (scoring/intervals.py says how each is made).
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
from medinst_tui.scoring.intervals import (
    RESAMPLES,
    SEED,
    BootstrapMacroF1,
    BootstrapMean,
    Interval,
    Resampler,
    wilson_interval,
)
from medinst_tui.scoring.metrics import METRICS, MetricSummary
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
    metric over the pairs added so far (corpus metrics recomputed from running counts),
    each with its 95% interval. For ``mse`` the per-sample value is that pair's squared
    error, so its mean is the MSE; for the corpus macro-F1 of ``cls`` and ``bio`` the
    per-sample value is that pair scored alone (what the playground shows).
    Memory stays constant in the number of pairs, except ``cls`` and ``bio``, which keep
    a count per distinct label (and, with intervals, per label and resample).

    ``intervals=False`` skips the intervals (a single pair scored live). The bootstrap
    weights of a pair come from (``seed``, ``key``): give each pair a stable key (its
    sample id) and the intervals do not depend on the order pairs arrive in.
    """

    def __init__(
        self, family: Family, *, intervals: bool = True, seed: int = SEED, resamples: int = RESAMPLES
    ) -> None:
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
        self._resampler = Resampler(seed, resamples) if intervals else None
        self._boot: dict[str, BootstrapMean] = {}
        self._boot_labels: BootstrapMacroF1 | None = None
        if self._resampler is not None:
            for key in [*self._means, "rougeL_unicode"]:
                if METRICS[key].interval == "bootstrap":
                    self._boot[key] = BootstrapMean(self._resampler)
            if self._labels is not None:
                self._boot_labels = BootstrapMacroF1(self._resampler)
        self._summary: dict[str, MetricSummary] | None = None

    @property
    def headline(self) -> str:
        """The metric key the paper reports for this family."""
        return HEADLINE_METRIC[self.family]

    @property
    def n(self) -> int:
        return self._unicode.n

    def add(self, prediction: str, gold: str, key: int | None = None) -> dict[str, float]:
        """Score one pair; returns its per-sample metrics. ``key``: the pair's bootstrap key (default:
        its position)."""
        self._summary = None
        weights = None
        if self._resampler is not None:
            weights = self._resampler.weights(self.n if key is None else key)
        rouge = rouge_l(prediction, gold)
        sample = {"rougeL": rouge, "token_f1": token_f1(prediction, gold)}
        family = self.family
        pairs: tuple[list[str], list[str]] | None = None
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
            pairs = [normalize_answer(gold)], [normalize_answer(prediction)]
        elif family == "bio":
            gold_tags = bio_tags(gold)
            pairs = gold_tags, align_bio(gold_tags, bio_tags(prediction))
        elif family == "translation":
            assert self._translation is not None
            self._translation.add(prediction, gold)

        for key_, value in sample.items():
            self._means[key_].add(value)
            if weights is not None and key_ in self._boot:
                self._boot[key_].add(weights, value)
        if pairs is not None:
            assert self._labels is not None
            self._labels.add_many(*pairs)
            alone = MacroF1Accumulator()
            alone.add_many(*pairs)
            sample[HEADLINE_METRIC[family]] = alone.value
            if weights is not None and self._boot_labels is not None:
                self._boot_labels.add(weights, *pairs)
        if prediction.isascii() and gold.isascii():
            unicode_rouge = rouge
        else:
            self._saw_non_ascii = True
            unicode_rouge = sample["rougeL_unicode"] = rouge_l_unicode(prediction, gold)
        self._unicode.add(unicode_rouge)
        if weights is not None and "rougeL_unicode" in self._boot:
            self._boot["rougeL_unicode"].add(weights, unicode_rouge)
        return sample

    def summary(self) -> dict[str, MetricSummary]:
        """Every metric over the pairs added so far, in a stable order, each with its 95% interval; empty
        before any."""
        if self._summary is not None:
            return self._summary
        n = self.n
        if n == 0:
            return {}
        found: dict[str, MetricSummary] = {
            key: MetricSummary(key, acc.mean, acc.n, acc.stderr, self._interval(key, acc))
            for key, acc in self._means.items()
        }
        if self._labels is not None:
            key = HEADLINE_METRIC[self.family]
            value = self._labels.value
            interval = None
            if self._resampler is not None and self._boot_labels is not None:
                info = METRICS[key]
                replicates = self._boot_labels.replicates()
                interval = self._resampler.interval(replicates, value, n, info.lower, info.upper)
            found[key] = MetricSummary(key, value, n, None, interval)
        if self._translation is not None:
            found["bleu"] = MetricSummary("bleu", self._translation.bleu, n)
            found["chrf"] = MetricSummary("chrf", self._translation.chrf, n)
        if self._saw_non_ascii:
            key = "rougeL_unicode"
            found[key] = MetricSummary(
                key, self._unicode.mean, n, self._unicode.stderr, self._interval(key, self._unicode)
            )
        self._summary = {key: found[key] for key in _ORDER if key in found}
        return self._summary

    def _interval(self, key: str, acc: MeanAccumulator) -> Interval | None:
        if self._resampler is None or acc.n == 0:
            return None
        info = METRICS[key]
        if info.interval == "wilson":  # a 0/1 metric: its total is the number of successes
            return wilson_interval(acc.total, acc.n)
        boot = self._boot.get(key)
        if boot is None:
            return None
        return self._resampler.interval(boot.replicates(), acc.mean, acc.n, info.lower, info.upper)


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
    scorer = Scorer(family, intervals=False)  # scored as tokens arrive: no interval for one pair
    scorer.add(prediction, gold)
    return {key: summary.value for key, summary in scorer.summary().items()}
