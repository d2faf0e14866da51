"""TRANSL makers: two templated sentences rendered in two of English, Chinese, German, Spanish."""

from __future__ import annotations

import random

from medinst_synth.demo.text import Example, article, cap
from medinst_synth.vocab import Table

# Every row of data/demo/translation.json is (English, Chinese, German, Spanish).
ENGLISH, CHINESE, GERMAN, SPANISH = range(4)
_T = Table("demo/translation")
TR_DISEASES = _T.rows("diseases", 4)
TR_DRUGS = _T.rows("drugs", 4)
TR_EVENTS = _T.rows("events", 4)
TR_OUTCOMES = _T.rows("outcomes", 4)  # German and Spanish carry the article and preposition they need
TR_SENTENCES = _T.rows("sentences", 4)


def _parallel_text(rng: random.Random, source: int, target: int) -> Example:
    templates = rng.sample(TR_SENTENCES, 2)
    dis = rng.choice(TR_DISEASES)
    drug = rng.choice(TR_DRUGS)
    event = rng.choice(TR_EVENTS)
    outcome = rng.choice(TR_OUTCOMES)
    age = rng.randint(30, 90)
    numbers = {"n": str(rng.randint(2, 52)), "p": str(rng.randint(3, 30)), "age": str(age)}
    numbers["Article"] = cap(article(age))  # English only; the other languages ignore it

    def render(lang: int) -> str:
        # English "No significant difference in X"; the other languages carry their own preposition.
        out = f"in {outcome[ENGLISH]}" if lang == ENGLISH else outcome[lang]
        parts = [
            t[lang].format(
                dis=dis[lang], drug=drug[lang], Drug=cap(drug[lang]), ev=event[lang], out=out, **numbers
            )
            for t in templates
        ]
        return ("" if lang == CHINESE else " ").join(parts)

    return render(source), render(target)


def make_paramed(rng: random.Random) -> Example:
    return _parallel_text(rng, CHINESE, ENGLISH)


def make_muchmore(rng: random.Random) -> Example:
    return _parallel_text(rng, GERMAN, ENGLISH)


def make_scielo(rng: random.Random) -> Example:
    return _parallel_text(rng, ENGLISH, SPANISH)
