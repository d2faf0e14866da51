"""TE makers: claims and the evidence that supports, refutes or says nothing about them."""

from __future__ import annotations

import random

from medinst_synth import writers
from medinst_synth.demo.qa import TRIALS, trial_result
from medinst_synth.demo.text import Example, cap
from medinst_synth.vocab import Table

COVID_CLAIMS = Table("demo/entailment").pairs("covid_claims")  # (intervention, outcome)


def _evidence(rng: random.Random, intervention: str, outcome: str, verdict: str) -> str:
    n = rng.randint(200, 9000)
    if verdict == "support":
        return (
            f"In a randomized trial of {n} participants, {intervention} lowered the risk of {outcome} by"
            f" {rng.randint(15, 70)}% compared with control."
        )
    if verdict == "refute":
        rr = rng.randint(95, 112) / 100
        return (
            f"A randomized trial of {n} participants found that {intervention} did not lower the risk of"
            f" {outcome} (relative risk {rr:.2f}; 95% CI {rr - 0.2:.2f} to {rr + 0.2:.2f})."
        )
    event = rng.choice(("headache", "nausea", "injection-site pain", "fatigue"))
    return (
        f"In a trial of {n} participants, {event} was reported more often with {intervention} than in the"
        f" control group ({rng.randint(6, 20)}% vs {rng.randint(2, 5)}%)."
    )


def make_healthver(rng: random.Random) -> Example:
    intervention, outcome = rng.choice(COVID_CLAIMS)
    verdict = rng.choice(("support", "refute", "neutral"))
    claim = f"{cap(intervention)} reduces the risk of {outcome}."
    label = {"support": "Supports", "refute": "Refutes", "neutral": "Neutral"}[verdict]
    return writers.fields(
        ("Claim", claim), ("Evidence", _evidence(rng, intervention, outcome, verdict))
    ), label


def make_covert(rng: random.Random) -> Example:
    intervention, outcome = rng.choice(COVID_CLAIMS)
    verdict = rng.choice(("support", "refute", "neutral"))
    claim = rng.choice(
        (
            f"Just read that {intervention} can cut {outcome}. Great news!",
            f"Stop saying {intervention} does nothing: it can prevent {outcome}.",
            f"My doctor says {intervention} can protect against {outcome}. Spread the word.",
        )
    )
    label = {"support": "Supports", "refute": "Refutes", "neutral": "Not enough information"}[verdict]
    return writers.fields(
        ("Claim", claim), ("Evidence", _evidence(rng, intervention, outcome, verdict))
    ), label


def make_scifact(rng: random.Random) -> Example:
    t = rng.choice(TRIALS)
    verdict = rng.choice(("yes", "no", "neutral"))
    claim = f"{cap(t.intervention)} reduces {t.outcome} in {t.population}."
    if verdict == "neutral":
        other = rng.choice([o for o in TRIALS if o.intervention != t.intervention])
        evidence = trial_result(rng, other, rng.choice(("yes", "no")))
    else:
        evidence = trial_result(rng, t, verdict)
    label = {"yes": "SUPPORT", "no": "CONTRADICT", "neutral": "NOINFO"}[verdict]
    return writers.fields(("Claim", claim), ("Evidence", evidence)), label
