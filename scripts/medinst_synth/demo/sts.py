"""STS makers: sentence pairs with a 0-5 similarity score, question pairs with a 0/1 one."""

from __future__ import annotations

import random

from medinst_synth import writers
from medinst_synth.demo.terms import CANCERS, ONCOGENES
from medinst_synth.demo.text import Example
from medinst_synth.vocab import Table

MQP_INTENTS = Table("demo/sts").pairs("mqp_intents")  # two phrasings of one question


def make_biosses(rng: random.Random) -> Example:
    gene, gene2 = rng.sample(ONCOGENES, 2)
    cancer, cancer2 = rng.sample(CANCERS, 2)
    process, process2 = rng.sample(("proliferation", "migration", "invasion", "chemoresistance"), 2)
    first = f"{gene} promotes {process} of {cancer} cells."
    score = rng.randint(0, 4)
    second = {
        4: f"In {cancer} cells, {process} is enhanced by {gene}.",
        3: f"{gene} was required for {process} of {cancer} cells in vitro, although its role in vivo is"
        " unknown.",
        2: f"{gene} is frequently overexpressed in {cancer}, but its role in {process2} is unclear.",
        1: f"{gene2} regulates {process2} of {cancer2} cells.",
        0: rng.choice(
            (
                "Root hair growth in Arabidopsis depends on auxin transport.",
                "The crystal structure of the bacterial ribosome was solved at 2.4 angstrom resolution.",
            )
        ),
    }[score]
    return writers.fields(("Text 1", first), ("Text 2", second)), str(score)


def make_mqp(rng: random.Random) -> Example:
    drug = rng.choice(
        (
            "sertraline",
            "metformin",
            "amoxicillin",
            "ibuprofen",
            "omeprazole",
            "levothyroxine",
            "prednisone",
            "gabapentin",
        )
    )
    same = rng.random() < 0.5
    if same:
        first, second = rng.sample(rng.choice(MQP_INTENTS), 2)
    else:
        one, two = rng.sample(MQP_INTENTS, 2)
        first, second = rng.choice(one), rng.choice(two)
    pair = writers.fields(("Question 1", first.format(drug=drug)), ("Question 2", second.format(drug=drug)))
    return pair, "1" if same else "0"
