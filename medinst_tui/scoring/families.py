"""MEDINST metric families: what each extracts from an output and which family a task uses.

The extraction rules follow MEDINST's own evaluation script (README: "Few-shot runs and scoring"):
entity spans with a bracket stack, ``", "``-separated multi-labels, ``[B]/[I]/[O]`` tag
sequences and the integers of an STS score.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Final, Literal

from medinst_tui.scoring.squad import normalize_answer

Family = Literal["entity", "multicls", "bio", "cls", "em", "mse", "translation", "none"]

FAMILIES: Final[tuple[Family, ...]] = (
    "entity",
    "multicls",
    "bio",
    "cls",
    "em",
    "mse",
    "translation",
    "none",
)

# The metric the paper's Table 3 reports for each family (Rouge-L where there is none).
HEADLINE_METRIC: Final[dict[Family, str]] = {
    "entity": "entity_f1",
    "multicls": "multicls_f1",
    "bio": "bio_f1",
    "cls": "cls_f1",
    "em": "em",
    "mse": "mse",
    "translation": "rougeL",
    "none": "rougeL",
}

_CATEGORY_FAMILY: Final[dict[str, Family]] = {
    "NER": "entity",
    "NED": "entity",
    "RE": "entity",
    "COREF": "entity",
    "EE": "entity",
    "TE": "cls",
    "TXTCLASS": "cls",
    "TEXTPAIRCLASS": "cls",
    "STS": "mse",
    "QA": "em",
    "TRANSL": "translation",
    "SUM": "none",
}

# tasks.csv medinst32_metric_type values that name a family directly.
_METRIC_TYPE_FAMILY: Final[dict[str, Family]] = {
    "entity": "entity",
    "multicls": "multicls",
    "bio": "bio",
    "cls": "cls",
    "em": "em",
    "mse": "mse",
}

_BIO_TAG = re.compile(r"\[B\]|\[I\]|\[O\]")
_INTEGER = re.compile(r"\d+")


def family_for(metric_type: str | None, category: str, example_gold: str | None = None) -> Family:
    """The metric family of a task.

    ``metric_type`` is tasks.csv's ``medinst32_metric_type`` (empty outside MEDINST32);
    ``rouge_only`` means Rouge-L alone, except that translation tasks also get BLEU and
    chrF (Rouge-L stays their headline). Other tasks go by category; a tagging task
    whose ``example_gold`` carries ``[B]/[I]/[O]`` tags is scored as ``bio``.
    """
    kind = (metric_type or "").strip().lower()
    category = category.strip().upper()
    listed = _METRIC_TYPE_FAMILY.get(kind)
    if listed is not None:
        return listed
    if category == "TRANSL":
        return "translation"
    if kind in ("rouge_only", "none", "rouge"):
        return "none"
    family = _CATEGORY_FAMILY.get(category, "none")
    if family == "entity" and example_gold is not None and _BIO_TAG.search(example_gold):
        return "bio"
    return family


def bracket_contents(text: str) -> list[str]:
    """Contents of the top-level ``[...]`` spans, in order, as written.

    Nested brackets stay inside their top-level span; a ``]`` with nothing open is
    ignored; a span still open at the end is dropped. The TUI reads outputs the same way.
    """
    spans: list[str] = []
    depth = 0
    start = 0
    for match in re.finditer(r"[\[\]]", text):
        if match.group() == "[":
            if depth == 0:
                start = match.end()
            depth += 1
        elif depth:
            depth -= 1
            if depth == 0:
                spans.append(text[start : match.start()])
    return spans


def entity_spans(text: str) -> list[str]:
    """Normalized contents of the top-level ``[...]`` spans, in order (see `bracket_contents`)."""
    return [normalize_answer(span) for span in bracket_contents(text)]


def multicls_labels(text: str) -> list[str]:
    """Labels separated by ``", "``, lowercased and stripped (``""`` yields ``[""]``)."""
    return [label.lower().strip() for label in text.split(", ")]


def multiset_f1(gold: list[str], predicted: list[str]) -> float:
    """Per-sample multiset F1 (Counter intersection); 0 when either side is empty."""
    true_positive = sum((Counter(gold) & Counter(predicted)).values())
    if true_positive == 0:
        return 0.0
    precision = true_positive / len(predicted)
    recall = true_positive / len(gold)
    return 2 * (precision * recall) / (precision + recall)


def bio_tags(text: str) -> list[str]:
    """The ``[B]``, ``[I]`` and ``[O]`` tags of a string, in order."""
    return _BIO_TAG.findall(text)


def align_bio(gold: list[str], predicted: list[str]) -> list[str]:
    """The prediction padded with ``N`` or cut to the gold length."""
    if len(predicted) < len(gold):
        return predicted + ["N"] * (len(gold) - len(predicted))
    return predicted[: len(gold)]


def sts_pair(gold: str, prediction: str) -> tuple[int, int]:
    """The (gold, predicted) scores MEDINST's MSE compares.

    Each side must hold exactly one distinct integer, in 0..5; otherwise the pair
    counts as (0, 5), the worst error.
    """
    gold_numbers = {int(n) for n in _INTEGER.findall(gold)}
    predicted_numbers = {int(n) for n in _INTEGER.findall(prediction)}
    if len(gold_numbers) == 1 and len(predicted_numbers) == 1:
        (gold_value,) = gold_numbers
        (predicted_value,) = predicted_numbers
        if 0 <= gold_value <= 5 and 0 <= predicted_value <= 5:
            return gold_value, predicted_value
    return 0, 5
