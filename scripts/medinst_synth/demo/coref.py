"""COREF makers: an entity and its co-references (pronouns, definite descriptions) in a short text."""

from __future__ import annotations

import random
from collections.abc import Sequence

from medinst_synth import writers
from medinst_synth.demo.ner import ANEM_TERMS
from medinst_synth.demo.terms import CANCERS, GE_PROTEINS
from medinst_synth.demo.text import Example, article, cap


def _coref_example(text: str, entity: str, mentions: Sequence[str]) -> Example:
    return writers.fields(("Text", text), ("Entity", entity)), writers.corefs(mentions)


def make_anem_coref(rng: random.Random) -> Example:
    organ = rng.choice(ANEM_TERMS["Organ"])
    cells = rng.choice(ANEM_TERMS["Cell"])
    tissue = rng.choice(ANEM_TERMS["Tissue"])
    finding = rng.choice(("chronic inflammation", "focal necrosis", "marked fibrosis", "fatty change"))
    n = rng.randint(3, 60)
    choice = rng.randrange(4)
    if choice == 0:
        text = (
            f"The {organ} was removed at autopsy. It weighed {rng.randint(150, 1900)} g, and sections of"
            f" the organ showed {finding}."
        )
        return _coref_example(text, organ, ["It", "the organ"])
    if choice == 1:
        text = (
            f"We isolated {cells} from the {organ} of {n} donors. These cells expressed the marker, and"
            f" they formed colonies within {rng.randint(3, 14)} days."
        )
        return _coref_example(text, cells, ["These cells", "they"])
    if choice == 2:
        text = (
            f"Biopsies of the {tissue} were taken from {n} patients. In every case the tissue showed"
            f" {finding}."
        )
        return _coref_example(text, tissue, ["the tissue"])
    size = rng.randint(2, 9)
    age = rng.randint(20, 80)
    text = (
        f"A tumour was found in the {organ} of {article(age)} {age}-year-old patient. The lesion measured"
        f" {size} cm, and it showed {finding}."
    )
    return _coref_example(text, "tumour", ["The lesion", "it"])


def make_mlee_coref(rng: random.Random) -> Example:
    factor = rng.choice(("VEGF", "FGF2", "PDGF-B", "angiopoietin-2"))
    drug = rng.choice(("bevacizumab", "sunitinib", "thalidomide", "endostatin", "sorafenib"))
    cancer = rng.choice(CANCERS)
    choice = rng.randrange(3)
    if choice == 0:
        text = (
            f"{factor} is a potent inducer of angiogenesis. This growth factor stimulates proliferation of"
            f" endothelial cells, and its expression is increased in {cancer}."
        )
        return _coref_example(text, factor, ["This growth factor", "its"])
    if choice == 1:
        text = (
            f"We treated endothelial cells with {drug} for {rng.randint(6, 72)} hours. This compound"
            f" inhibited tube formation, and it also reduced migration induced by {factor}."
        )
        return _coref_example(text, drug, ["This compound", "it"])
    mention = f"{cancer} xenografts"
    text = (
        f"{cap(mention)} were established in nude mice. These tumours showed dense vascularization, and"
        f" they grew rapidly after {drug} was withdrawn."
    )
    return _coref_example(text, cap(mention), ["These tumours", "they"])


def make_ge_coref(rng: random.Random) -> Example:
    p, p2 = rng.sample(GE_PROTEINS, 2)
    cell = rng.choice(("Jurkat T cells", "human monocytes", "B lymphocytes", "THP-1 cells"))
    choice = rng.randrange(3)
    if choice == 0:
        text = (
            f"{p} is expressed in {cell}. This protein binds to the {p2} promoter, and its activity is"
            f" regulated by phosphorylation."
        )
        return _coref_example(text, p, ["This protein", "its"])
    if choice == 1:
        text = f"Stimulation of {cell} induced {p}, which then activated transcription of {p2}."
        return _coref_example(text, p, ["which"])
    text = (
        f"{p} and {p2} were both up-regulated in {cell}. The former was required for proliferation,"
        f" whereas the latter was dispensable."
    )
    return _coref_example(text, p, ["The former"])
