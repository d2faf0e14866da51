"""SQuAD-style normalization, token F1 and exact match."""

from __future__ import annotations

import random
import re
import string
from collections import Counter

import pytest

from medinst_tui.scoring.squad import exact_match, normalize_answer, token_f1


def _squad_normalize(s: str) -> str:
    # The SQuAD v1.1 script's steps, written out plainly as the reference.
    s = s.lower()
    s = "".join(ch for ch in s if ch not in set(string.punctuation))
    s = re.sub(r"\b(a|an|the)\b", " ", s)
    return " ".join(s.split())


def _squad_f1(prediction: str, gold: str) -> float:
    p = _squad_normalize(prediction).split()
    g = _squad_normalize(gold).split()
    same = sum((Counter(p) & Counter(g)).values())
    if same == 0:
        return 0
    precision = 1.0 * same / len(p)
    recall = 1.0 * same / len(g)
    return (2 * precision * recall) / (precision + recall)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The Answer.", "answer"),
        ("  A  cat,\tAN apple; the  end ", "cat apple end"),
        ("theory another", "theory another"),
        ("(B) Aspirin", "b aspirin"),
        ("naïve “quoted” text", "naïve “quoted” text"),
        ("", ""),
        ("...", ""),
    ],
)
def test_normalize_answer(text: str, expected: str) -> None:
    assert normalize_answer(text) == expected


def test_token_f1_values() -> None:
    assert token_f1("aspirin", "Aspirin.") == 1.0
    assert token_f1("", "") == 0.0
    assert token_f1("the", "a") == 0.0  # both normalize to nothing
    assert token_f1("", "aspirin") == 0.0
    # 2 shared of 3 predicted and 4 gold tokens.
    assert token_f1("low dose aspirin", "a low aspirin daily regimen") == pytest.approx(
        2 * (2 / 3) * (2 / 4) / (2 / 3 + 2 / 4)
    )
    # Repeated tokens count once per occurrence on both sides.
    assert token_f1("cell cell cell", "cell") == pytest.approx(2 * (1 / 3) * 1 / (1 / 3 + 1))


_PIECES = "the a an Protein protein, binding (IL-2) cells. cell é 中文 it's don't - ; 12 3.5"


def test_token_f1_identical_to_plain_squad_on_generated_pairs() -> None:
    rng = random.Random(21)
    # Control characters and non-ASCII punctuation take the article regex path.
    words = [*_PIECES.split(), "a’s", "the\x00end", "an\x1cthe", "x\x7fa", "THE", "An"]
    for _ in range(3_000):
        p = " ".join(rng.choice(words) for _ in range(rng.randint(0, 12)))
        g = " ".join(rng.choice(words) for _ in range(rng.randint(0, 12)))
        assert token_f1(p, g) == _squad_f1(p, g)
        assert exact_match(p, g) == float(_squad_normalize(p) == _squad_normalize(g))


def test_exact_match_ignores_case_punctuation_articles() -> None:
    assert exact_match("The answer is (C).", "answer is c") == 1.0
    assert exact_match("C", "D") == 0.0
    assert exact_match("", "") == 1.0
