"""RE makers: chemical-disease, protein-protein, drug-drug and chemical-protein relations."""

from __future__ import annotations

import random

from medinst_synth import writers
from medinst_synth.demo.terms import ADVERSE, CELL_LINES, INDICATION
from medinst_synth.demo.text import Example, article, cap, shown
from medinst_synth.vocab import Table

_T = Table("demo/relations")
BIOINFER_PROTEINS = _T.strs("bioinfer_proteins")
BIOINFER_RELATED = _T.strs("bioinfer_related")
BIOINFER_UNRELATED = _T.strs("bioinfer_unrelated")
DDI_DRUGS = _T.strs("ddi_drugs")
DDI_TEMPLATES = _T.pairs("ddi_templates")  # (template, relation)
CHEMPROT_PAIRS = _T.rows("chemprot_pairs", 3)  # (chemical, protein, relation)
CHEMPROT_TEMPLATES = _T.str_lists("chemprot_templates")


def make_bc5cdr_re(rng: random.Random) -> Example:
    chem = rng.choice(sorted({c for c, _ in ADVERSE if c in INDICATION}))
    effects = [d for c, d in ADVERSE if c == chem]
    chosen = rng.sample(effects, min(len(effects), rng.randint(1, 2)))
    indication = INDICATION[chem]
    n = rng.randint(30, 500)
    age = rng.randint(20, 85)
    effects_text = " and ".join(chosen)
    sentences = [
        rng.choice(
            (
                f"Adverse effects of {chem} in patients with {indication}.",
                f"Case series: complications of {chem} therapy.",
                f"Safety of {chem} in routine clinical practice.",
            )
        ),
        rng.choice(
            (
                f"We reviewed {n} patients who received {chem} for {indication}.",
                f"{cap(article(age))} {age}-year-old {rng.choice(('man', 'woman'))} was treated with"
                f" {chem} for {indication}.",
            )
        ),
        rng.choice(
            (
                f"During treatment, {effects_text} developed and improved after the drug was stopped.",
                f"Follow-up revealed {effects_text} attributable to the drug.",
            )
        ),
    ]
    return " ".join(sentences), writers.relations((chem, "CID", d) for d in chosen)


def make_bioinfer_re(rng: random.Random) -> Example:
    a, b, c = rng.sample(BIOINFER_PROTEINS, 3)
    first = cap(rng.choice(BIOINFER_RELATED).format(a=a, b=b, c=c))
    found = [(shown(first, a), "PPI", b)]
    if rng.random() < 0.5:  # a second sentence, with or without a relation of its own
        d, e, f = rng.sample([p for p in BIOINFER_PROTEINS if p not in (a, b)], 3)
        if rng.random() < 0.5:
            second = cap(rng.choice(BIOINFER_RELATED).format(a=d, b=e, c=f))
            found.append((shown(second, d), "PPI", e))
        else:
            second = cap(rng.choice(BIOINFER_UNRELATED).format(a=d, c=f))
        first = f"{first} {second}"
    return first, writers.relations(found)


def make_ddi_re(rng: random.Random) -> Example:
    a, b = rng.sample(DDI_DRUGS, 2)
    template, label = rng.choice(DDI_TEMPLATES)
    text = cap(template.format(a=a, b=b, p=rng.randint(20, 70)))
    return text, writers.relation(shown(text, a), label, b)


def make_chemprot_re(rng: random.Random) -> Example:
    chem, gene, label = rng.choice(CHEMPROT_PAIRS)
    template = rng.choice(CHEMPROT_TEMPLATES[label])
    text = cap(template.format(chem=chem, gene=gene, x=rng.randint(2, 900)))
    extra = rng.choice(
        (
            "",
            f" The effect was measured in {rng.choice(CELL_LINES)} cells.",
            f" Results were confirmed in {rng.randint(3, 9)} independent experiments.",
        )
    )
    return text + extra, writers.relation(shown(text, chem), label, shown(text, gene))
