"""SUM makers: consumer health questions to short questions, abstracts to related work."""

from __future__ import annotations

import random

from medinst_synth import writers
from medinst_synth.demo.text import Example, cap
from medinst_synth.vocab import Table

_T = Table("demo/summary")
MXS_TOPICS = _T.pairs("mxs_topics")  # (topic, what its systems produce)
MXS_METHODS = _T.strs("mxs_methods")
MXS_CORPORA = _T.strs("mxs_corpora")


def make_meqsum(rng: random.Random) -> Example:
    drug, drug2 = rng.sample(
        (
            "metformin",
            "lisinopril",
            "sertraline",
            "warfarin",
            "omeprazole",
            "atorvastatin",
            "levothyroxine",
            "amlodipine",
        ),
        2,
    )
    relative = rng.choice(("mother", "father", "husband", "wife"))
    pron = "She" if relative in ("mother", "wife") else "He"
    age = rng.randint(45, 88)
    symptom = rng.choice(("muscle pain", "a dry cough", "dizziness", "swollen ankles", "hair loss"))
    disease = rng.choice(("type 2 diabetes", "atrial fibrillation", "hypothyroidism", "high cholesterol"))
    intent = rng.randrange(4)
    opening = f"Hello, my {relative} is {age} and has {disease}."
    if intent == 0:
        body = (
            f"{pron} has been taking {drug} for {rng.randint(2, 30)} months and recently started having"
            f" {symptom}. Could the {drug} be causing this? Should {pron.lower()} stop taking it? Thank you."
        )
        return f"{opening} {body}", f"Can {drug} cause {symptom}?"
    if intent == 1:
        body = (
            f"{pron} takes {drug} and the new doctor has prescribed {drug2}. Is it safe to take both at the"
            f" same time? We are worried about interactions."
        )
        return f"{opening} {body}", f"Is it safe to take {drug} with {drug2}?"
    if intent == 2:
        body = (
            f"{pron} forgot how much {drug} {pron.lower()} is allowed to take in one day and the label is"
            f" unreadable. What is the maximum?"
        )
        return f"{opening} {body}", f"What is the maximum daily dose of {drug}?"
    body = f"The diagnosis was made {rng.randint(2, 12)} weeks ago. What treatments are available for it?"
    return f"{opening} {body}", f"What are the treatments for {disease}?"


def make_multi_xscience(rng: random.Random) -> Example:
    topic, target = rng.choice(MXS_TOPICS)
    ours, m1, m2 = rng.sample(MXS_METHODS, 3)
    c1, c2 = rng.sample(MXS_CORPORA, 2)
    gain = rng.randint(2, 6)
    abstract = (
        f"We study {topic}, the task of producing {target}. We propose {ours} and show that it improves"
        f" F1 by {gain} points on {rng.randint(2, 5)} benchmark datasets."
    )
    ref1 = f"We present {m1} for {topic}. Experiments on {c1} show state-of-the-art results."
    ref2 = f"This paper applies {m2} to {topic} and releases a new annotated corpus derived from {c2}."
    related = (
        f"{cap(topic)} has been studied extensively. @cite_1 proposed {m1} and reported strong results on"
        f" {c1}, while @cite_2 applied {m2} and introduced a corpus based on {c2}. Unlike these works, we"
        f" use {ours}, which does not require additional annotation."
    )
    source = writers.fields(("Abstract", abstract), ("Reference @cite_1", ref1), ("Reference @cite_2", ref2))
    return source, related
