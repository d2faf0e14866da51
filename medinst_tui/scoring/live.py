"""The playground's score of one answer against its gold output: the scoring core's numbers plus what
makes them readable (which entities matched, were missed or were made up; right or wrong for labels).

Pure functions: the TUI's playground calls them in a worker, as tokens arrive and once at the end.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from medinst_tui.scoring import HEADLINE_METRIC, Family, normalize_answer, score_pair, task_family
from medinst_tui.scoring.families import (
    align_bio,
    bio_tags,
    bracket_contents,
    entity_spans,
    multicls_labels,
    sts_pair,
)


@dataclass(frozen=True)
class SpanDiff:
    """Multiset comparison of the spans (entity family) or labels (multi-label family) the metric counts."""

    matched: tuple[str, ...]
    missed: tuple[str, ...]  # in gold, not in the answer
    spurious: tuple[str, ...]  # in the answer, not in gold


@dataclass(frozen=True)
class LiveScore:
    family: Family
    scores: dict[str, float]  # exactly `score_pair(family, prediction, gold)`
    diff: SpanDiff | None = None
    correct: bool | None = None  # label and exact-match tasks: the normalized answer equals gold
    note: str = ""  # BIO tag agreement, STS values

    @property
    def headline(self) -> str:
        return HEADLINE_METRIC[self.family]


def row_family(task: str, category: str, gold: str) -> Family:
    """The task's metric family: the one definition the batch engine uses too (scoring/headline.py)."""
    return task_family(task, category, example_gold=gold)


def span_diff(gold: list[str], predicted: list[str]) -> SpanDiff:
    g, p = Counter(gold), Counter(predicted)
    return SpanDiff(
        matched=tuple((g & p).elements()),
        missed=tuple((g - p).elements()),
        spurious=tuple((p - g).elements()),
    )


def written_span_diff(gold: str, prediction: str) -> SpanDiff:
    """The entity metric's multiset comparison (on normalized spans, as it counts them), each span shown as
    written: matched and missed in the gold's spelling, spurious in the answer's (`Endothelial cells <Cell>`,
    not `endothelial cells cell`)."""
    g, p = _written(gold), _written(prediction)
    diff = span_diff(entity_spans(gold), entity_spans(prediction))
    gold_used: Counter[str] = Counter()  # matched then missed take the gold's forms in turn
    return SpanDiff(
        matched=_spell(diff.matched, g, gold_used),
        missed=_spell(diff.missed, g, gold_used),
        spurious=_spell(diff.spurious, p, Counter()),
    )


def _written(text: str) -> dict[str, list[str]]:
    """Normalized span -> its written forms in order (entity_spans's reading, before normalizing)."""
    out: dict[str, list[str]] = {}
    for written in bracket_contents(text):
        out.setdefault(normalize_answer(written), []).append(written.strip())
    return out


def _spell(norms: tuple[str, ...], written: dict[str, list[str]], used: Counter[str]) -> tuple[str, ...]:
    out = []
    for norm in norms:
        forms = written.get(norm, [norm])
        out.append(forms[min(used[norm], len(forms) - 1)])
        used[norm] += 1
    return tuple(out)


def live_score(family: Family, prediction: str, gold: str) -> LiveScore:
    scores = score_pair(family, prediction, gold)
    if family == "entity":
        return LiveScore(family, scores, diff=written_span_diff(gold, prediction))
    if family == "multicls":
        return LiveScore(family, scores, diff=span_diff(multicls_labels(gold), multicls_labels(prediction)))
    if family in ("cls", "em"):
        return LiveScore(family, scores, correct=normalize_answer(prediction) == normalize_answer(gold))
    if family == "bio":
        gold_tags = bio_tags(gold)
        aligned = align_bio(gold_tags, bio_tags(prediction))
        same = sum(a == b for a, b in zip(gold_tags, aligned, strict=True))
        return LiveScore(family, scores, note=f"{same} of {len(gold_tags)} BIO tags agree")
    if family == "mse":
        numbers = {int(n) for n in re.findall(r"\d+", prediction)}
        if len(numbers) == 1 and next(iter(numbers)) <= 5:
            gold_value, predicted_value = sts_pair(gold, prediction)
            note = f"gold score {gold_value}, answer {predicted_value}"
        else:
            note = "no single 0-5 score in the answer: counted as the worst error"
        return LiveScore(family, scores, note=note)
    return LiveScore(family, scores)
