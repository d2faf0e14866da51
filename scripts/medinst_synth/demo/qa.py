"""QA makers: MedQA vignettes, SciQ facts, PubMedQA trials and BioASQ yes/no questions."""

from __future__ import annotations

import random
from dataclasses import dataclass

from medinst_synth import writers
from medinst_synth.demo.terms import GENETIC, GeneticDisease
from medinst_synth.demo.text import Example, article, cap, options_input
from medinst_synth.vocab import Table, as_dict, as_ints, as_str, as_strs


@dataclass(frozen=True)
class Vignette:
    ages: tuple[int, int]
    nouns: tuple[str, ...]  # "man", "woman", "boy", "girl"
    presentation: str  # follows "A 45-year-old man "
    details: tuple[str, ...]
    question: str
    answer: str
    distractors: tuple[str, ...]  # four
    vitals: tuple[int, ...] | None  # pulse range, systolic range


@dataclass(frozen=True)
class Trial:
    intervention: str
    outcome: str
    population: str


@dataclass(frozen=True)
class Fact:
    phrasings: tuple[str, ...]
    answer: str
    group: str  # the wrong options are the answers of other facts of the group


_T = Table("demo/qa")


def _vignette(row: dict[str, object], where: str) -> Vignette:
    lo, hi = as_ints(row["ages"], where, 2)
    vitals = row["vitals"]
    return Vignette(
        (lo, hi),
        as_strs(row["nouns"], where),
        as_str(row["presentation"], where),
        as_strs(row["details"], where),
        as_str(row["question"], where),
        as_str(row["answer"], where),
        as_strs(row["distractors"], where, 4),
        None if vitals is None else as_ints(vitals, where, 4),
    )


VIGNETTES = tuple(_vignette(row, _T.where("vignettes")) for row in _T.records("vignettes"))
PRONOUNS = {
    noun: {
        key: as_str(value, _T.where("pronouns"))
        for key, value in as_dict(words, _T.where("pronouns")).items()
    }
    for noun, words in as_dict(_T.raw("pronouns"), _T.where("pronouns")).items()
}
TRIALS = tuple(Trial(**record) for record in _T.str_records("trials"))
SCIQ_FACTS = tuple(
    Fact(
        as_strs(row["phrasings"], _T.where("sciq_facts")),
        as_str(row["answer"], _T.where("sciq_facts")),
        as_str(row["group"], _T.where("sciq_facts")),
    )
    for row in _T.records("sciq_facts")
)


def make_medqa(rng: random.Random) -> Example:
    v = rng.choice(VIGNETTES)
    noun = rng.choice(v.nouns)
    words = PRONOUNS[noun]
    age = rng.randint(*v.ages)
    presentation = v.presentation.format(
        months=rng.randint(2, 9),
        weeks=rng.randint(2, 8),
        days=rng.randint(2, 7),
        minutes=rng.choice((15, 20, 30, 45)),
        hours=rng.randint(3, 12),
        count=rng.choice(("two", "three")),
        **words,
    )
    keep = sorted(rng.sample(range(len(v.details)), rng.randint(max(2, len(v.details) - 1), len(v.details))))
    sentences = [f"{cap(article(age))} {age}-year-old {noun} {presentation}."]
    sentences += [v.details[i].format(**words) for i in keep]
    if v.vitals is not None:
        pulse = rng.randint(v.vitals[0], v.vitals[1])
        systolic = rng.randint(v.vitals[2], v.vitals[3])
        sentences.append(
            f"{words['His']} pulse is {pulse}/min, and blood pressure is {systolic}/"
            f"{round(systolic * 0.62)} mm Hg."
        )
    sentences.append(v.question)
    options = [v.answer, *v.distractors]
    rng.shuffle(options)
    return options_input(" ".join(sentences), options), v.answer


def trial_result(rng: random.Random, t: Trial, verdict: str) -> str:
    """One results sentence: 'yes' = significant benefit, 'no' = none, 'maybe' = a trend only."""
    n = rng.randint(60, 2400)
    base = rng.randint(12, 40)
    if verdict == "yes":
        treated = base - rng.randint(4, max(5, base // 2))
        return (
            f"A total of {n} {t.population} were randomly assigned to {t.intervention} or control;"
            f" {t.outcome} occurred in {treated}% vs {base}% (P = 0.0{rng.randint(1, 4)})."
        )
    if verdict == "no":
        treated = base + rng.randint(-1, 2)
        return (
            f"A total of {n} {t.population} were randomly assigned to {t.intervention} or control;"
            f" {t.outcome} did not differ ({treated}% vs {base}%, P = 0.{rng.randint(35, 92)})."
        )
    treated = base - rng.randint(2, 5)
    return (
        f"In this retrospective cohort of {n} {t.population}, {t.intervention} was associated with a"
        f" nonsignificant trend toward less {t.outcome} ({treated}% vs {base}%, P = 0.0{rng.randint(6, 9)})."
    )


def _trial_background(rng: random.Random, t: Trial) -> str:
    return rng.choice(
        (
            f"{cap(t.outcome)} is a frequent problem in {t.population}.",
            f"Whether {t.intervention} affects {t.outcome} in {t.population} is unclear.",
            f"{cap(t.outcome)} increases costs and worsens outcomes in {t.population}.",
        )
    )


def make_sciq(rng: random.Random) -> Example:
    fact = rng.choice(SCIQ_FACTS)
    wrong = [f.answer for f in SCIQ_FACTS if f.group == fact.group and f.answer != fact.answer]
    options = [fact.answer, *rng.sample(wrong, 3)]
    rng.shuffle(options)
    return options_input(rng.choice(fact.phrasings), options), fact.answer


def make_pubmedqa_labeled(rng: random.Random) -> Example:
    t = rng.choice(TRIALS)
    verdict = rng.choice(("yes", "no", "maybe"))
    context = f"{_trial_background(rng, t)} {trial_result(rng, t, verdict)}"
    question = f"Does {t.intervention} reduce {t.outcome} in {t.population}?"
    options = writers.options(("yes", "no", "maybe"))
    return writers.fields(("Question", question), ("Context", context), ("Options", options)), verdict


def make_pubmedqa_artificial(rng: random.Random) -> Example:
    t = rng.choice(TRIALS)
    verdict = rng.choice(("yes", "no"))
    context = f"{_trial_background(rng, t)} {trial_result(rng, t, verdict)}"
    question = f"Is {t.intervention} associated with less {t.outcome} in {t.population}?"
    return writers.fields(("Question", question), ("Context", context)), verdict


def _genetic_context(rng: random.Random, g: GeneticDisease) -> str:
    return rng.choice(
        (
            f"{cap(g.disease)} is an {g.inheritance} disorder caused by mutations in {g.gene}, which encodes"
            f" {g.protein}.",
            f"Loss-of-function variants in {g.gene} account for most cases of {g.disease}; the gene encodes"
            f" {g.protein}.",
            f"{g.gene} encodes {g.protein}, and pathogenic {g.gene} variants cause {g.disease}, which is"
            f" inherited in an {g.inheritance} pattern.",
        )
    )


def make_bioasq_yesno(rng: random.Random) -> Example:
    g = rng.choice(GENETIC)
    truthful = rng.random() < 0.5
    gene = g.gene if truthful else rng.choice([o.gene for o in GENETIC if o.gene != g.gene])
    question = rng.choice(
        (
            f"Is {g.disease} caused by mutations in the {gene} gene?",
            f"Are {gene} mutations the main cause of {g.disease}?",
        )
    )
    context = _genetic_context(rng, g)
    return writers.fields(("Question", question), ("Context", context)), "yes" if truthful else "no"
