"""EE makers: events with their type, trigger word and theme, listed in reading order."""

from __future__ import annotations

import random
from collections.abc import Sequence

from medinst_synth import writers
from medinst_synth.demo.terms import CANCERS, GE_PROTEINS, ONCOGENES, SUPPRESSORS
from medinst_synth.demo.text import Example


def _events(text: str, events: Sequence[tuple[str, str, str]]) -> Example:
    """Render (type, trigger, theme) events ordered by trigger position."""
    ordered = sorted(events, key=lambda e: (text.index(e[1]), text.index(e[2])))
    return text, writers.events(ordered)


def make_ge_ee(rng: random.Random) -> Example:
    p, p2 = rng.sample(GE_PROTEINS, 2)
    stim = rng.choice(("LPS", "PMA", "anti-CD3 antibody", "IL-6", "ionomycin"))
    cell = rng.choice(("Jurkat", "THP-1", "U937", "primary human B"))
    choice = rng.randrange(5)
    if choice == 0:
        text = f"{stim} induced the expression of {p} in {cell} cells."
        return _events(text, [("Positive_regulation", "induced", p), ("Gene_expression", "expression", p)])
    if choice == 1:
        text = f"In {cell} cells, {p} was found to bind directly to {p2}."
        return _events(text, [("Binding", "bind", p), ("Binding", "bind", p2)])
    if choice == 2:
        text = f"Phosphorylation of {p} was inhibited by {stim} pretreatment in {cell} cells."
        return _events(
            text, [("Phosphorylation", "Phosphorylation", p), ("Negative_regulation", "inhibited", p)]
        )
    if choice == 3:
        text = f"{stim} treatment resulted in rapid degradation of {p} and nuclear translocation of {p2}."
        return _events(
            text, [("Protein_catabolism", "degradation", p), ("Localization", "translocation", p2)]
        )
    text = f"Transcription of the {p} gene was reduced in {cell} cells lacking {p2}."
    return _events(text, [("Transcription", "Transcription", p), ("Negative_regulation", "reduced", p)])


def make_mlee_ee(rng: random.Random) -> Example:
    drug = rng.choice(("Bevacizumab", "Sunitinib", "Thalidomide", "Endostatin", "Sorafenib"))
    gene = rng.choice(("VEGF", "FGF2", "HIF-1alpha", "angiopoietin-2"))
    tissue = rng.choice(("cornea", "retina", "chick chorioallantoic membrane", "tumour stroma"))
    cells = rng.choice(("endothelial cells", "pericytes", "HUVECs"))
    choice = rng.randrange(5)
    if choice == 0:
        text = f"{drug} markedly inhibited angiogenesis in the {tissue}."
        return _events(
            text,
            [
                ("Negative_regulation", "inhibited", "angiogenesis"),
                ("Blood_vessel_development", "angiogenesis", tissue),
            ],
        )
    if choice == 1:
        text = f"Expression of {gene} was upregulated in hypoxic {cells}."
        return _events(
            text, [("Gene_expression", "Expression", gene), ("Positive_regulation", "upregulated", gene)]
        )
    if choice == 2:
        text = f"{gene} promoted the proliferation and migration of {cells}."
        return _events(
            text,
            [
                ("Positive_regulation", "promoted", "proliferation"),
                ("Cell_proliferation", "proliferation", cells),
                ("Cell_migration", "migration", cells),
            ],
        )
    if choice == 3:
        text = f"Treatment with {drug.lower()} induced apoptosis of {cells}."
        return _events(text, [("Positive_regulation", "induced", "apoptosis"), ("Death", "apoptosis", cells)])
    cancer = rng.choice(CANCERS)
    text = f"{drug} reduced the growth of {cancer} xenografts by {rng.randint(30, 80)}%."
    return _events(
        text, [("Negative_regulation", "reduced", "growth"), ("Growth", "growth", f"{cancer} xenografts")]
    )


def make_cg_ee(rng: random.Random) -> Example:
    gene = rng.choice(ONCOGENES + SUPPRESSORS)
    cancer_cells = f"{rng.choice(CANCERS)} cells"
    drug = rng.choice(("Cisplatin", "Paclitaxel", "Gemcitabine", "Erlotinib", "Olaparib"))
    choice = rng.randrange(4)
    if choice == 0:
        text = f"Knockdown of {gene} suppressed the proliferation of {cancer_cells}."
        return _events(
            text,
            [
                ("Negative_regulation", "suppressed", "proliferation"),
                ("Cell_proliferation", "proliferation", cancer_cells),
            ],
        )
    if choice == 1:
        n = rng.randint(20, 300)
        text = f"Somatic mutations of {gene} were detected in {rng.randint(2, n // 2)} of {n} tumours."
        return _events(text, [("Mutation", "mutations", gene)])
    if choice == 2:
        text = f"Overexpression of {gene} promoted lung metastasis of {cancer_cells} in mice."
        return _events(
            text,
            [
                ("Gene_expression", "Overexpression", gene),
                ("Positive_regulation", "promoted", "metastasis"),
                ("Metastasis", "metastasis", cancer_cells),
            ],
        )
    text = f"{drug} induced apoptosis in {cancer_cells} lacking {gene}."
    return _events(
        text, [("Positive_regulation", "induced", "apoptosis"), ("Death", "apoptosis", cancer_cells)]
    )
