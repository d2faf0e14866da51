"""NED makers: entities linked to MeSH / NCBI Gene / dbSNP ids, and MeDAL's abbreviations."""

from __future__ import annotations

import random
import re

from medinst_synth import writers
from medinst_synth.demo.ner import chem_disease_slots, ncbi_slots, tmvar3_slots
from medinst_synth.demo.terms import CHEM_MESH, DIS_MESH, FEATURE_MESH, GENETIC
from medinst_synth.demo.text import (
    Example,
    Piece,
    article,
    cap,
    entity_example,
    entity_list,
    fill,
    plain,
    text_of,
)
from medinst_synth.vocab import Table, as_dict, as_list, as_str, as_strs

_T = Table("demo/ned")
BC5CDR_TEXT_TEMPLATES = _T.strs("bc5cdr_text_templates")


def _senses(value: object, where: str) -> dict[str, tuple[tuple[str, tuple[str, ...]], ...]]:
    """abbreviation -> (expansion, context templates) for each of its senses."""
    return {
        abbreviation: tuple(
            (as_str(sense["expansion"], where), as_strs(sense["contexts"], where))
            for sense in (as_dict(item, where) for item in as_list(senses, where))
        )
        for abbreviation, senses in as_dict(value, where).items()
    }


MEDAL_SENSES = _senses(_T.raw("medal_senses"), _T.where("medal_senses"))


def _disease_mesh(name: str) -> str:
    for g in GENETIC:
        if g.disease.lower() == name.lower():
            return writers.linked("MESH", g.mesh)
    return writers.linked("MESH", FEATURE_MESH[name.lower()])


def make_bc5cdr_ned(rng: random.Random) -> Example:
    s = chem_disease_slots(rng)
    n = rng.randint(20, 400)
    age = rng.randint(18, 85)
    slots: dict[str, Piece] = {
        key: (text, writers.linked("MESH", CHEM_MESH[text] if kind == "Chemical" else DIS_MESH[text]))
        for key, (text, kind) in s.items()
    }
    slots.update(
        age=plain(str(age)),
        Article=plain(cap(article(age))),
        sex=plain(rng.choice(("man", "woman"))),
        n=plain(str(n)),
        k=plain(str(rng.randint(1, n // 4))),
        w=plain(str(rng.randint(1, 8))),
    )
    return entity_example(fill(rng.choice(BC5CDR_TEXT_TEMPLATES), slots))


def make_ncbi_disease_ned(rng: random.Random) -> Example:
    template, slots = ncbi_slots(rng, _disease_mesh)
    pieces = fill(template, slots)
    # natural spacing for the linking task: drop the tokenised punctuation spaces
    text = re.sub(r" ([.,%])", r"\1", text_of(pieces)).replace(" - ", "-")
    return text, entity_list(pieces)


def make_tmvar_v3_ned(rng: random.Random) -> Example:
    template, slots = tmvar3_slots(rng, ned=True)
    return entity_example(fill(template, slots))


def make_medal(rng: random.Random) -> Example:
    abbreviation = rng.choice(sorted(MEDAL_SENSES))
    expansion, contexts = rng.choice(MEDAL_SENSES[abbreviation])
    n = rng.randint(30, 900)
    text = rng.choice(contexts).format(
        n=n,
        k=rng.randint(2, n // 3),
        h=rng.randint(3, 18),
        p=rng.randint(10, 70),
        q=rng.randint(2, 9),
        s=rng.randint(14, 40),
        m=rng.randint(2, 12),
        x=rng.choice(("7.5", "8.0", "8.5", "9.0")),
    )
    return writers.fields(("Text", text), ("Abbreviation", abbreviation)), expansion
