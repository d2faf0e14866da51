"""Our Porter stemmer must stem every word exactly as nltk's (the one rouge-score uses)."""

from __future__ import annotations

import importlib
import random

from medinst_tui.scoring.porter import porter_stem

porter = importlib.import_module("nltk.stem.porter")  # dev dependency: fail, never skip

_SUFFIXES_TEXT = (
    "ational tional enci anci izer bli abli alli entli eli ousli ization ation ator alism iveness "
    "fulness ousness aliti iviti biliti fulli logi icate ative alize iciti ical ful ness al ance ence "
    "er ic able ible ant ement ment ent ion sion tion ou ism ate iti ous ive ize e ll ies ied eed ed "
    "ing s ss sses y yy ey ly"
)
_SUFFIXES = _SUFFIXES_TEXT.split()

# Classic examples from Porter's paper and words that hit the NLTK-specific rules.
_KNOWN_TEXT = (
    "caresses ponies ties caress cats feed agreed plastered bled motoring sing conflated troubled "
    "sized hopping tanned falling hissing fizzed failing filing happy sky relational conditional "
    "rational valenci hesitanci digitizer conformabli radicalli differentli vileli analogousli "
    "vietnamization predication operator feudalism decisiveness hopefulness callousness formaliti "
    "sensitiviti sensibiliti triplicate formative formalize electriciti electrical hopeful goodness "
    "revival allowance inference airliner gyroscopic adjustable defensible irritant replacement "
    "adjustment dependent adoption homologou communism activate angulariti homologous effective "
    "bowdlerize probate rate cease controll roll dying lying tying news innings outings cannings "
    "howe proceed exceed succeed skies spied tried flies enjoy enjoyment generously fully "
    "archaeology analogy yyyy syzygy toy by oats trees ivy troubles private oaten orrery ow "
    "mg kg il2 p53 tnf 1990s covid19 interleukin phosphorylation"
)
_KNOWN = _KNOWN_TEXT.split()


def _generated_words(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    words = []
    for _ in range(count):
        stem = "".join(rng.choice("aeiouybcdlstzrwxhmn") for _ in range(rng.randint(0, 6)))
        words.append(stem + "".join(rng.choice(_SUFFIXES) for _ in range(rng.randint(1, 2))))
        words.append("".join(rng.choice("yaeioubcslzw") for _ in range(rng.randint(1, 9))))
    return words


def test_known_words_match_nltk() -> None:
    stemmer = porter.PorterStemmer()
    assert [porter_stem(w) for w in _KNOWN] == [stemmer.stem(w) for w in _KNOWN]


def test_generated_words_match_nltk() -> None:
    stemmer = porter.PorterStemmer()
    words = _generated_words(12_000, seed=7)
    mismatches = [(w, porter_stem(w), stemmer.stem(w)) for w in words if porter_stem(w) != stemmer.stem(w)]
    assert mismatches == []


def test_long_words_never_stem_to_empty() -> None:
    # rouge-score drops invalid (empty) stems; ours relies on that never happening.
    for word in _generated_words(5_000, seed=11):
        if len(word) > 3:
            assert porter_stem(word)


def test_uppercase_is_lowered_like_nltk() -> None:
    stemmer = porter.PorterStemmer()
    for word in ("Running", "SKIES", "Relational", "AB"):
        assert porter_stem(word) == stemmer.stem(word)
