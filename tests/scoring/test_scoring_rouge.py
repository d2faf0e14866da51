"""Rouge-L must equal rouge-score's rougeL F-measure on every pair, to the last bit."""

from __future__ import annotations

import importlib
import random

import pytest

from medinst_tui.scoring.rouge import lcs_length, rouge_l, rouge_l_unicode, rouge_tokens, unicode_tokens

rouge_scorer = importlib.import_module("rouge_score.rouge_scorer")  # dev dependency: fail, never skip

_WORDS_TEXT = (
    "the of a an and in to with protein proteins gene genes binding bound cells cell activation "
    "activated activating receptor receptors expression expressed inhibits inhibition inhibited patients "
    "patient disease diseases studies studying studied happy happily relational conditional running ran "
    "IL-2 NF-kappaB p53 TNF-alpha CD4+ mg/kg 12 3.5 0 1990s [B] [I] [O] Chemical Disease tumour "
    "tumor-suppressor 'quoted' \"double\" e.g. i.e. vs. et al. ( ) [ ] { } ; : , . ! ? - / % +"
)
_WORDS = _WORDS_TEXT.split()
_ODD = [
    "",
    " ",
    "\n",
    "\t",
    "...",
    "é",
    "naïve",
    "Straße",
    "中文",
    "患者",
    "İstanbul",
    "K",
    "ﬁbrosis",
    "µg",
    "–",
]


def _text(rng: random.Random) -> str:
    n = rng.choice((0, 1, 2, 3, 5, 8, 13, 21, 40, 80))
    pool = _WORDS if rng.random() < 0.8 else _WORDS + _ODD
    if rng.random() < 0.2:  # heavy repetition
        pool = rng.sample(pool, 3)
    sep = rng.choice((" ", " ", "", ", ", "\n"))
    return sep.join(rng.choice(pool) for _ in range(n))


def _pairs(count: int, seed: int) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    pairs = []
    for _ in range(count):
        gold = _text(rng)
        # Half the predictions are edits of the gold, so LCS values spread over 0..1.
        if rng.random() < 0.5 and gold:
            words = gold.split(" ")
            cut = rng.randint(0, len(words))
            head = words[:cut]
            rng.shuffle(head)
            words[:cut] = head
            prediction = " ".join(w for w in words if rng.random() < 0.8) + " " + _text(rng)
        else:
            prediction = _text(rng)
        pairs.append((prediction, gold))
    return pairs


@pytest.fixture(scope="module")
def reference() -> object:
    return rouge_scorer.RougeScorer(["rougeL"], use_stemmer=True)


def _expected(reference: object, prediction: str, gold: str) -> float:
    return float(reference.score(gold, prediction)["rougeL"].fmeasure)  # type: ignore[attr-defined]


def test_generated_pairs_identical_to_rouge_score(reference: object) -> None:
    pairs = _pairs(3_000, seed=3)
    ours = [rouge_l(p, g) for p, g in pairs]
    theirs = [_expected(reference, p, g) for p, g in pairs]
    mismatches = [(pairs[i], ours[i], theirs[i]) for i in range(len(pairs)) if ours[i] != theirs[i]]
    assert mismatches == []
    # The generator must produce partial overlaps, not just 0s and 1s.
    assert len({round(v, 3) for v in ours}) > 50


@pytest.mark.parametrize(
    ("prediction", "gold"),
    [
        ("", ""),
        ("", "protein binding"),
        ("protein binding", ""),
        ("...", "!!!"),
        ("?!", "?!"),
        ("中文 患者", "中文 患者"),
        ("naïve café", "naive cafe"),
        ("İstanbul", "istanbul"),
        ("K", "k"),
        ("the the the the", "the"),
        ("a b a b a b", "b a b a"),
        ("Running runs RUN ran", "run running"),
        ("IL-2 induced NF-kappaB activation.", "il 2 induces nf kappab activated"),
        ("[B] [I] [O] [O]", "[B] [O] [O] [I]"),
        (" ".join(["cell"] * 300), " ".join(["cells", "bind"] * 200)),
    ],
)
def test_tricky_pairs_identical_to_rouge_score(reference: object, prediction: str, gold: str) -> None:
    assert rouge_l(prediction, gold) == _expected(reference, prediction, gold)


def test_non_ascii_only_scores_zero() -> None:
    assert rouge_l("患者服用阿司匹林", "患者服用阿司匹林") == 0.0
    assert rouge_tokens("患者 ﬁ é") == []


def test_tokens_match_rouge_score_tokenizer() -> None:
    tokenizers = importlib.import_module("rouge_score.tokenizers")  # dev dependency: fail, never skip
    tokenizer = tokenizers.DefaultTokenizer(use_stemmer=True)
    for prediction, gold in _pairs(500, seed=5):
        assert rouge_tokens(prediction) == tokenizer.tokenize(prediction)
        assert rouge_tokens(gold) == tokenizer.tokenize(gold)


def _lcs_table(a: list[str], b: list[str]) -> int:
    table = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            if a[i - 1] == b[j - 1]:
                table[i][j] = table[i - 1][j - 1] + 1
            else:
                table[i][j] = max(table[i - 1][j], table[i][j - 1])
    return table[-1][-1]


def test_bit_parallel_lcs_matches_dynamic_programming() -> None:
    rng = random.Random(9)
    for _ in range(1_500):
        a = [rng.choice("abcd") for _ in range(rng.randint(0, 70))]
        b = [rng.choice("abcde") for _ in range(rng.randint(0, 140))]
        assert lcs_length(a, b) == _lcs_table(a, b)
        assert lcs_length(b, a) == _lcs_table(a, b)


def test_unicode_variant_equals_rouge_on_ascii() -> None:
    for prediction, gold in _pairs(800, seed=13):
        if prediction.isascii() and gold.isascii():
            assert rouge_l_unicode(prediction, gold) == rouge_l(prediction, gold)


def test_unicode_variant_scores_chinese_and_accents() -> None:
    assert rouge_l_unicode("患者服用阿司匹林", "患者服用阿司匹林") == 1.0
    # All 5 gold characters appear in order among the 6 predicted: P = 5/6, R = 1.
    assert rouge_l_unicode("患者服用了药", "患者服用药") == pytest.approx(2 * (5 / 6) / (5 / 6 + 1))
    assert unicode_tokens("Naïve patients") == ["naïve", "patient"]
    assert unicode_tokens("ＣＤ４ 细胞") == ["cd4", "细", "胞"]
    assert rouge_l_unicode("", "中文") == 0.0
