"""NER makers: BIO-tagged sentences and typed entity lists, from templates of annotated pieces."""

from __future__ import annotations

import random
from collections.abc import Callable

from medinst_synth.demo.terms import ADVERSE, CELL_LINES, CHEM_MESH, GENETIC, INDICATION, SPECIES, VARIANTS
from medinst_synth.demo.text import Example, Piece, article, bio_example, cap, entity_example, fill, plain
from medinst_synth.vocab import Table

_T = Table("demo/ner")
BC5CDR_BIO_TEMPLATES = _T.strs("bc5cdr_bio_templates")
NCBI_TEMPLATES = _T.strs("ncbi_templates")
BC2GM_GENES = _T.strs("bc2gm_genes")
BC2GM_TEMPLATES = _T.strs("bc2gm_templates")
ANEM_TERMS = _T.str_lists("anem_terms")
ANEM_TEMPLATES = _T.strs("anem_templates")
GENE_FAMILIES = _T.pairs("gene_families")
DOMAINS = _T.strs("domains")
GNORMPLUS_TEMPLATES = _T.strs("gnormplus_templates")
TMVAR1_TEMPLATES = _T.strs("tmvar1_templates")
TMVAR3_TEMPLATES = _T.strs("tmvar3_templates")


def chem_disease_slots(rng: random.Random) -> dict[str, tuple[str, str]]:
    """A chemical, a disease it induces, the disease it treats, and another chemical (BC5CDR)."""
    chem, dis = rng.choice([pair for pair in ADVERSE if pair[0] in INDICATION])
    other = rng.choice(sorted(set(CHEM_MESH) - {chem, "cocaine"}))
    return {
        "c": (chem, "Chemical"),
        "d": (dis, "Disease"),
        "d2": (INDICATION[chem], "Disease"),
        "c2": (other, "Chemical"),
    }


def make_bc5cdr(rng: random.Random) -> Example:
    s = chem_disease_slots(rng)
    n = rng.randint(20, 400)
    age = rng.randint(18, 85)
    slots: dict[str, Piece] = {
        "c": s["c"],
        "C": (cap(s["c"][0]), "Chemical"),
        "c2": s["c2"],
        "d": s["d"],
        "D": (cap(s["d"][0]), "Disease"),
        "d2": s["d2"],
        "age": plain(str(age)),
        "Article": plain(cap(article(age))),
        "sex": plain(rng.choice(("man", "woman"))),
        "k": plain(str(rng.randint(1, n // 4))),
        "n": plain(str(n)),
    }
    pieces = fill(rng.choice(BC5CDR_BIO_TEMPLATES), slots)
    # BC5CDR's BIO tags do not carry the type: chemicals and diseases are both entities.
    return bio_example(pieces)


def ncbi_slots(rng: random.Random, kind: Callable[[str], str]) -> tuple[str, dict[str, Piece]]:
    """An NCBI-disease template and its slots; kind(disease) annotates each disease mention."""
    g = rng.choice(GENETIC)
    slots: dict[str, Piece] = {
        "d": (g.disease, kind(g.disease)),
        "D": (cap(g.disease), kind(g.disease)),
        "f": (g.feature, kind(g.feature)),
        "gene": plain(g.gene),
        "protein": plain(g.protein),
        "inh": plain(g.inheritance),
        "k": plain(str(rng.randint(2, 12))),
        "n": plain(str(rng.randint(13, 90))),
        "p": plain(str(rng.randint(5, 60))),
    }
    return rng.choice(NCBI_TEMPLATES), slots


def make_ncbi_disease(rng: random.Random) -> Example:
    template, slots = ncbi_slots(rng, lambda _name: "Disease")
    return bio_example(fill(template, slots))


def make_bc2gm(rng: random.Random) -> Example:
    g, g2 = rng.sample(BC2GM_GENES, 2)
    slots: dict[str, Piece] = {
        "g": (g, "Gene"),
        "g2": (g2, "Gene"),
        "chem": plain(rng.choice(sorted(CHEM_MESH))),
        "cell": plain(rng.choice(CELL_LINES)),
    }
    return bio_example(fill(rng.choice(BC2GM_TEMPLATES), slots))


def make_anem(rng: random.Random) -> Example:
    slots: dict[str, Piece] = {}
    for kind, terms in ANEM_TERMS.items():
        term = rng.choice(terms)
        slots[kind.replace("-", "_")] = (term, kind)
        slots[kind.replace("-", "_") + "_cap"] = (cap(term), kind)
    template = rng.choice(ANEM_TEMPLATES).replace("Multi-tissue_structure", "Multi_tissue_structure")
    return entity_example(fill(template, slots))


def make_gnormplus(rng: random.Random) -> Example:
    gene, fam = rng.choice(GENE_FAMILIES)
    slots: dict[str, Piece] = {
        "gene": (gene, "Gene"),
        "fam": (fam, "FamilyName"),
        "dom": (rng.choice(DOMAINS), "DomainMotif"),
        "tissue": plain(rng.choice(("testis", "brain", "liver", "skeletal muscle"))),
    }
    return entity_example(fill(rng.choice(GNORMPLUS_TEMPLATES), slots))


def make_tmvar_v1(rng: random.Random) -> Example:
    v = rng.choice(VARIANTS)
    n = rng.randint(20, 300)
    slots: dict[str, Piece] = {
        "dna": (v.dna, "DNAMutation"),
        "prot": (v.protein, "ProteinMutation"),
        "rs": (v.rsid, "SNP"),
        "gene": plain(v.gene),
        "disease": plain(v.disease),
        "e": plain(str(rng.randint(2, 20))),
        "k": plain(str(rng.randint(1, n // 3))),
        "n": plain(str(n)),
    }
    return entity_example(fill(rng.choice(TMVAR1_TEMPLATES), slots))


def tmvar3_slots(rng: random.Random, ned: bool) -> tuple[str, dict[str, Piece]]:
    """A tmVar-v3 template and its slots, typed for NER or linked to NCBI Gene / dbSNP for NED."""
    v = rng.choice(VARIANTS)
    n = rng.randint(20, 500)
    variant_kind = f"dbSNP/{v.rsid}"
    slots: dict[str, Piece] = {
        "gene": (v.gene, f"NCBIGene/{v.gene_id}" if ned else "Gene"),
        "prot": (v.protein, variant_kind if ned else "ProteinMutation"),
        "dna": (v.dna, variant_kind if ned else "DNAMutation"),
        "rs": (v.rsid, variant_kind if ned else "SNP"),
        "cell": (rng.choice(CELL_LINES), None if ned else "CellLine"),
        "species": (rng.choice(SPECIES), None if ned else "Species"),
        "disease": plain(v.disease),
        "k": plain(str(rng.randint(1, n // 4))),
        "n": plain(str(n)),
    }
    return rng.choice(TMVAR3_TEMPLATES), slots


def make_tmvar_v3(rng: random.Random) -> Example:
    template, slots = tmvar3_slots(rng, ned=False)
    return entity_example(fill(template, slots))
