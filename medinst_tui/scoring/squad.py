"""SQuAD-style answer normalization, token F1 and exact match, as MEDINST's evaluation.

Normalization: lowercase, drop ASCII punctuation (``string.punctuation``), replace the
words a / an / the by a space, squeeze whitespace. Same steps, in the same order, as
the SQuAD v1.1 script the MEDINST evaluation copied.
"""

from __future__ import annotations

import re
import string
from collections import Counter

_DROP_PUNCTUATION = str.maketrans("", "", string.punctuation)
_ARTICLES = re.compile(r"\b(a|an|the)\b")
# Text made only of ASCII letters, digits and str.split() separators: word boundaries then
# fall only at token edges, so dropping article tokens equals the article regex.
_PLAIN = re.compile(r"[a-z0-9 \t\n\r\x0b\x0c\x1c-\x1f]*")


def normalized_tokens(text: str) -> list[str]:
    """Whitespace tokens of the normalized answer."""
    return _ARTICLES.sub(" ", text.lower().translate(_DROP_PUNCTUATION)).split()


def normalize_answer(text: str) -> str:
    """The normalized answer string (tokens joined by single spaces)."""
    return " ".join(normalized_tokens(text))


def _token_counts(text: str) -> Counter[str]:
    """Counts of the normalized tokens (the fast path skips the article regex)."""
    lowered = text.lower().translate(_DROP_PUNCTUATION)
    if lowered.isascii() and _PLAIN.fullmatch(lowered):
        counts = Counter(lowered.split())
        for article in ("a", "an", "the"):
            counts.pop(article, None)
        return counts
    return Counter(_ARTICLES.sub(" ", lowered).split())


def token_f1(prediction: str, gold: str) -> float:
    """Bag-of-tokens F1 over normalized tokens; 0 when nothing is shared (both empty too)."""
    predicted = _token_counts(prediction)
    reference = _token_counts(gold)
    if not predicted or not reference:
        return 0.0
    small, large = (predicted, reference) if len(predicted) <= len(reference) else (reference, predicted)
    shared = 0
    for token, count in small.items():
        other = large.get(token)
        if other:
            shared += count if count < other else other
    if shared == 0:
        return 0.0
    precision = 1.0 * shared / sum(predicted.values())
    recall = 1.0 * shared / sum(reference.values())
    return (2 * precision * recall) / (precision + recall)


def exact_match(prediction: str, gold: str) -> float:
    """1.0 when the normalized strings are equal, else 0.0."""
    return 1.0 if normalized_tokens(prediction) == normalized_tokens(gold) else 0.0
