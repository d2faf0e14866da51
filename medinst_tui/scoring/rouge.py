"""Rouge-L F-measure with rouge-score semantics, and a labelled Unicode-aware variant.

``rouge_l`` gives, bit for bit, ``RougeScorer(['rougeL'], use_stemmer=True)
.score(gold, prediction)['rougeL'].fmeasure`` (rouge-score 0.1.2), without importing
rouge-score or nltk: the same tokenizer (lowercase, ``[a-z0-9]+`` runs, Porter stems
of tokens longer than three characters), a per-token stem cache, and a bit-parallel
LCS (Hyyrö 2004) on Python ints in place of the O(n·m) table.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from medinst_tui.scoring.porter import porter_stem

_ASCII_TOKEN = re.compile(r"[a-z0-9]+")
# ASCII bytes -> lowercase letters and digits kept, everything else a space: one C pass.
_ASCII_TO_TOKEN_TEXT = bytes(
    (c | 0x20) if (48 <= c <= 57 or 65 <= c <= 90 or 97 <= c <= 122) else 32 for c in range(256)
)
_STEM_CACHE_LIMIT = 1 << 18


class _StemCache(dict[str, str]):
    """token -> rouge-score's form of it; a dict lookup on a hit, the stemmer on a miss."""

    def __missing__(self, token: str) -> str:
        if len(self) >= _STEM_CACHE_LIMIT:
            self.clear()
        # rouge-score stems only tokens longer than 3 characters. A stem of an
        # [a-z0-9]{4,} token is never empty, so rouge-score's final validity filter
        # never drops one and is not repeated here.
        stem = porter_stem(token) if len(token) > 3 else token
        self[token] = stem
        return stem


_STEMS = _StemCache()
_stem = _STEMS.__getitem__


def clear_stem_cache() -> None:
    """Forget cached stems (benchmarks use it to time a cold start)."""
    _STEMS.clear()


def rouge_tokens(text: str) -> list[str]:
    """Tokens exactly as rouge-score's default tokenizer with ``use_stemmer=True``."""
    if text.isascii():
        words = text.encode("ascii").translate(_ASCII_TO_TOKEN_TEXT).decode("ascii").split()
    else:
        words = _ASCII_TOKEN.findall(text.lower())
    return list(map(_stem, words))


def lcs_length(a: Sequence[str], b: Sequence[str]) -> int:
    """Length of the longest common subsequence of two token sequences."""
    if len(a) > len(b):
        a, b = b, a
    if not a:
        return 0
    # One bit per position of the shorter sequence: masks[t] marks where t occurs.
    masks: dict[str, int] = {}
    bit = 1
    for token in a:
        masks[token] = masks.get(token, 0) | bit
        bit <<= 1
    full = bit - 1
    v = full
    get = masks.get
    for token in b:
        match = get(token)
        if match:
            u = v & match
            v = ((v + u) | (v - u)) & full
    # Zero bits of v count the LCS length.
    return len(a) - v.bit_count()


def f_measure_from_lcs(lcs: int, n_prediction: int, n_gold: int) -> float:
    """rouge-score's LCS precision / recall / F, same operations in the same order."""
    if n_prediction == 0 or n_gold == 0:
        return 0.0
    precision = lcs / n_prediction
    recall = lcs / n_gold
    if precision + recall > 0:
        return 2 * precision * recall / (precision + recall)
    return 0.0


def rouge_l(prediction: str, gold: str) -> float:
    """Rouge-L F-measure of one pair, identical to rouge-score's rougeL fmeasure."""
    predicted = rouge_tokens(prediction)
    reference = rouge_tokens(gold)
    return f_measure_from_lcs(lcs_length(reference, predicted), len(predicted), len(reference))


# Scripts written without spaces between words: each character is its own token.
_UNSPACED_CHAR = re.compile(
    "([\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f])"
)
_WORD = re.compile(r"[^\W_]+")


def unicode_tokens(text: str) -> list[str]:
    """Unicode-aware Rouge tokens: identical to :func:`rouge_tokens` on ASCII text.

    NFKC (full-width forms to ASCII), lowercase, runs of letters or digits in any
    script, Han / kana characters one token each, Porter stems only for ASCII words.
    """
    if text.isascii():
        return rouge_tokens(text)
    text = _UNSPACED_CHAR.sub(r" \1 ", unicodedata.normalize("NFKC", text).lower())
    return [_stem(token) if token.isascii() else token for token in _WORD.findall(text)]


def rouge_l_unicode(prediction: str, gold: str) -> float:
    """Rouge-L F over :func:`unicode_tokens`; equals :func:`rouge_l` when both are ASCII."""
    predicted = unicode_tokens(prediction)
    reference = unicode_tokens(gold)
    return f_measure_from_lcs(lcs_length(reference, predicted), len(predicted), len(reference))
