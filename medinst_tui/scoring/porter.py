"""Porter stemmer, matching the variant rouge-score uses.

rouge-score 0.1.2 stems with ``nltk.stem.porter.PorterStemmer()`` in its default
``NLTK_EXTENSIONS`` mode. Importing nltk costs about two seconds, so this module
re-implements that exact variant (Porter 1980 plus the Martin Porter and NLTK
amendments: the irregular-form pool, ``-ies``/``-ied`` on four-letter words, the
``y -> i`` rule only after a consonant, ``bli``/``alli``/``fulli``/``logi`` in step 2,
the two-letter ``*o`` case). ``tests/scoring/test_scoring_porter.py`` checks it against nltk.
"""

from __future__ import annotations

_VOWELS = frozenset("aeiou")

# Whole words the NLTK variant maps directly.
_IRREGULAR = {
    "sky": "sky",
    "skies": "sky",
    "dying": "die",
    "lying": "lie",
    "tying": "tie",
    "news": "news",
    "innings": "inning",
    "inning": "inning",
    "outings": "outing",
    "outing": "outing",
    "cannings": "canning",
    "canning": "canning",
    "howe": "howe",
    "proceed": "proceed",
    "exceed": "exceed",
    "succeed": "succeed",
}

# Step 2, 3 and 4 rules in the order they are tried; the first suffix that matches
# decides, whether or not its condition then holds.
_STEP2 = (
    ("ational", "ate"),
    ("tional", "tion"),
    ("enci", "ence"),
    ("anci", "ance"),
    ("izer", "ize"),
    ("bli", "ble"),
    ("alli", "al"),
    ("entli", "ent"),
    ("eli", "e"),
    ("ousli", "ous"),
    ("ization", "ize"),
    ("ation", "ate"),
    ("ator", "ate"),
    ("alism", "al"),
    ("iveness", "ive"),
    ("fulness", "ful"),
    ("ousness", "ous"),
    ("aliti", "al"),
    ("iviti", "ive"),
    ("biliti", "ble"),
    ("fulli", "ful"),
    ("logi", "log"),
)
_STEP3 = (
    ("icate", "ic"),
    ("ative", ""),
    ("alize", "al"),
    ("iciti", "ic"),
    ("ical", "ic"),
    ("ful", ""),
    ("ness", ""),
)
_STEP4 = (
    "al",
    "ance",
    "ence",
    "er",
    "ic",
    "able",
    "ible",
    "ant",
    "ement",
    "ment",
    "ent",
    "ion",
    "ou",
    "ism",
    "ate",
    "iti",
    "ous",
    "ive",
    "ize",
)


def _consonant_flags(word: str) -> list[bool]:
    """True where ``word[i]`` is a consonant; ``y`` is one unless it follows a consonant."""
    flags: list[bool] = []
    previous = False
    for i, ch in enumerate(word):
        if ch in _VOWELS:
            current = False
        elif ch == "y":
            current = True if i == 0 else not previous
        else:
            current = True
        flags.append(current)
        previous = current
    return flags


def _measure(stem: str) -> int:
    """Porter's m: the number of vowel-run -> consonant-run transitions."""
    count = 0
    previous_vowel = False
    for is_consonant in _consonant_flags(stem):
        if is_consonant and previous_vowel:
            count += 1
        previous_vowel = not is_consonant
    return count


def _has_vowel(stem: str) -> bool:
    return not all(_consonant_flags(stem))


def _last_is_consonant(word: str) -> bool:
    return bool(word) and _consonant_flags(word)[-1]


def _ends_double_consonant(word: str) -> bool:
    return len(word) >= 2 and word[-1] == word[-2] and _last_is_consonant(word)


def _ends_cvc(word: str) -> bool:
    """Porter's *o, plus the NLTK case of a two-letter vowel-consonant word."""
    if len(word) >= 3:
        flags = _consonant_flags(word)
        if flags[-3] and not flags[-2] and flags[-1] and word[-1] not in "wxy":
            return True
    if len(word) == 2:
        flags = _consonant_flags(word)
        return not flags[0] and flags[1]
    return False


def _step1a(word: str) -> str:
    if word.endswith("ies") and len(word) == 4:
        return word[:-3] + "ie"
    if word.endswith("sses") or word.endswith("ies"):
        return word[:-2]
    if word.endswith("ss"):
        return word
    if word.endswith("s"):
        return word[:-1]
    return word


def _step1b(word: str) -> str:
    if word.endswith("ied"):
        return word[:-3] + ("ie" if len(word) == 4 else "i")
    if word.endswith("eed"):
        stem = word[:-3]
        return stem + "ee" if _measure(stem) > 0 else word
    for suffix in ("ed", "ing"):
        if word.endswith(suffix) and _has_vowel(word[: -len(suffix)]):
            stem = word[: -len(suffix)]
            break
    else:
        return word
    if stem.endswith(("at", "bl", "iz")):
        return stem + "e"
    if _ends_double_consonant(stem):
        return stem if stem[-1] in "lsz" else stem[:-1]
    if _measure(stem) == 1 and _ends_cvc(stem):
        return stem + "e"
    return stem


def _step1c(word: str) -> str:
    if word.endswith("y"):
        stem = word[:-1]
        if len(stem) > 1 and _last_is_consonant(stem):
            return stem + "i"
    return word


def _step2(word: str) -> str:
    if word.endswith("alli") and _measure(word[:-4]) > 0:
        return _step2(word[:-4] + "al")
    for suffix, replacement in _STEP2:
        if word.endswith(suffix):
            stem = word[: -len(suffix)]
            # NLTK measures "logi" words without the "l" (word[:-3]).
            probe = word[:-3] if suffix == "logi" else stem
            return stem + replacement if _measure(probe) > 0 else word
    return word


def _step3(word: str) -> str:
    for suffix, replacement in _STEP3:
        if word.endswith(suffix):
            stem = word[: -len(suffix)]
            return stem + replacement if _measure(stem) > 0 else word
    return word


def _step4(word: str) -> str:
    for suffix in _STEP4:
        if word.endswith(suffix):
            stem = word[: -len(suffix)]
            keep = _measure(stem) > 1 and (suffix != "ion" or stem[-1] in "st")
            return stem if keep else word
    return word


def _step5(word: str) -> str:
    if word.endswith("e"):
        stem = word[:-1]
        m = _measure(stem)
        if m > 1 or (m == 1 and not _ends_cvc(stem)):
            word = stem
    if word.endswith("ll") and _measure(word[:-1]) > 1:
        word = word[:-1]
    return word


def porter_stem(word: str) -> str:
    """Stem one word exactly as ``nltk.stem.porter.PorterStemmer().stem`` does."""
    lowered = word.lower()
    irregular = _IRREGULAR.get(lowered)
    if irregular is not None:
        return irregular
    if len(word) <= 2:
        return lowered
    stem = _step1a(lowered)
    stem = _step1b(stem)
    stem = _step1c(stem)
    stem = _step2(stem)
    stem = _step3(stem)
    stem = _step4(stem)
    return _step5(stem)
