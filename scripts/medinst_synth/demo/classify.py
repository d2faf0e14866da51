"""TXTCLASS and TEXTPAIRCLASS makers: single- and multi-label texts, and drug reviews."""

from __future__ import annotations

import random

from medinst_synth import writers
from medinst_synth.demo.terms import AUTHORS, CANCERS, ONCOGENES, SUPPRESSORS, SYMPTOMS
from medinst_synth.demo.text import Example, article, cap
from medinst_synth.vocab import Table

_T = Table("demo/classify")
HALLMARKS = _T.str_lists("hallmarks")  # label -> clause templates; the instruction offers the labels
LITCOVID = _T.str_lists("litcovid")


def make_hallmarks(rng: random.Random) -> Example:
    labels = sorted(rng.sample(sorted(HALLMARKS), rng.choice((1, 1, 2))), key=list(HALLMARKS).index)
    words = {
        "onco": rng.choice(ONCOGENES),
        "tsg": rng.choice(SUPPRESSORS),
        "cancer": rng.choice(CANCERS),
        "drug": rng.choice(("cisplatin", "doxorubicin", "paclitaxel")),
        "k": str(rng.randint(20, 60)),
    }
    clauses = [rng.choice(HALLMARKS[label]).format(**words) for label in labels]
    lead = rng.choice(("We found that ", "Our data show that ", "In this study, ", ""))
    text = lead + ", and ".join(clauses) + "."
    return cap(text), writers.labels(labels)


def make_meddialog(rng: random.Random) -> Example:
    symptom, symptom2 = rng.sample(SYMPTOMS, 2)
    drug = rng.choice(("sertraline", "amoxicillin", "omeprazole", "amlodipine"))
    if rng.random() < 0.5:
        text = rng.choice(
            (
                f"Hi doctor, I have had {symptom} for {rng.randint(2, 10)} days and now I also have"
                f" {symptom2}."
                " What should I do?",
                f"My {rng.choice(('son', 'daughter'))} has had {symptom} since yesterday. Can I give"
                " paracetamol?",
                f"I was prescribed {drug} last week but I still have {symptom}. Is that normal?",
            )
        )
        return writers.fields(("Utterance", text)), "patient"
    text = rng.choice(
        (
            f"Thanks for your question. {cap(symptom)} for a few days is often due to a viral infection;"
            " please rest"
            " and drink plenty of fluids.",
            f"Based on your description, please see a doctor in person within {rng.randint(1, 3)} days to"
            " rule out"
            " a bacterial infection.",
            f"{cap(drug)} usually takes two to three weeks to work, so please continue it as prescribed.",
        )
    )
    return writers.fields(("Utterance", text)), "doctor"


def make_scicite(rng: random.Random) -> Example:
    a, b = rng.sample(AUTHORS, 2)
    year = rng.randint(1995, 2022)
    gene = rng.choice(ONCOGENES)
    cancer = rng.choice(CANCERS)
    label = rng.choice(("background", "method", "result"))
    options = {
        "background": (
            f"{cap(cancer)} is one of the leading causes of cancer death worldwide ({a} et al., {year}).",
            f"Previous studies have linked {gene} to {cancer} ({a} et al., {year}; {b}, {year + 2}).",
        ),
        "method": (
            f"RNA was extracted using the protocol described by {a} et al. ({year}).",
            f"Statistical analyses followed the approach of {a} and {b} ({year}).",
        ),
        "result": (
            f"Consistent with {a} et al. ({year}), we observed increased {gene} expression in {cancer}"
            " tissue.",
            f"Our results differ from those of {a} and {b} ({year}), who found no association between {gene}"
            f" and {cancer}.",
        ),
    }
    return writers.fields(("Citation context", rng.choice(options[label]))), label


def make_litcovid(rng: random.Random) -> Example:
    labels = sorted(rng.sample(sorted(LITCOVID), rng.choice((1, 2))), key=list(LITCOVID).index)
    sentences = []
    for label in labels:  # fresh numbers for every sentence
        n = rng.randint(40, 5000)
        age = rng.randint(18, 80)
        words = {
            "drug": rng.choice(("Remdesivir", "Dexamethasone", "Tocilizumab", "Baricitinib")),
            "n": str(n),
            "k": str(rng.randint(2, n // 3)),
            "age": str(age),
            "article": article(age),
        }
        sentences.append(rng.choice(LITCOVID[label]).format(**words))
    return " ".join(sentences), writers.labels(labels)


def make_medical_data(rng: random.Random) -> Example:
    drug = rng.choice(("sertraline", "metformin", "lisinopril", "ibuprofen", "levothyroxine", "omeprazole"))
    months = rng.randint(1, 24)
    label = rng.choice(("Positive", "Negative", "Neutral"))
    review = {
        "Positive": (
            f"I have been on {drug} for {months} months and it has made a real difference. No side effects"
            " so far.",
            f"{cap(drug)} worked within a week for me. I wish I had started it sooner.",
        ),
        "Negative": (
            f"After {months} months on {drug} I had constant nausea and had to stop. Would not recommend.",
            f"{cap(drug)} did nothing for me and the side effects were awful.",
        ),
        "Neutral": (
            f"My doctor switched me to {drug} {months} months ago. I take it every morning with breakfast.",
            f"I picked up my {drug} refill today; the pharmacy said the generic looks different.",
        ),
    }[label]
    return writers.fields(("Drug", drug), ("Text", rng.choice(review))), label
