#!/usr/bin/env python3
"""Write medinst-tui's bundled demo data set: synthetic rows in MEDINST's own file layout.

The rows are built from templates and small vocabularies of real biomedical terms, so
every gold output is consistent with its input (entities in the output occur in the
input, BIO tags line up with the words, the answer is one of the options). They are
demo data written for medinst-tui, not MEDINST data, and the facts they state are
template fills, not reliable medical information.

Layout written under ``--out`` (default: ``medinst_tui/demo_data``):

* ``medinst/<Task>_<split>.json``: JSON Lines, fields ``instruction``, ``input``, ``output``;
* ``medinst32/unseen_tests/<Task>_test.json``: the same test rows plus ``history``, two
  ``[user_text, assistant_text]`` demonstrations drawn from other tasks of the category;
* ``medinst32/unseen_tests_zs/<Task>_test.json``: the zero-shot twins (no ``history``);
* ``README.md``: what this is, and a table of the tasks.

Deterministic: every random choice comes from a ``random.Random`` seeded with a string
(string seeds are hashed with SHA-512, so PYTHONHASHSEED plays no part) and files are
written in a fixed order with fixed JSON settings, so a rerun gives identical bytes.
Standard library only.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

SEED = "medinst-tui-demo-v1"
REPO_ROOT = Path(__file__).resolve().parents[1]
CATALOG_CSV = REPO_ROOT / "medinst_tui" / "data" / "tasks.csv"
DEFAULT_OUT = REPO_ROOT / "medinst_tui" / "demo_data"
SPLITS = ("train", "dev", "test")
DEFAULT_SIZES = (35, 8, 22)  # about 2 MB in all; MedQA gets more
MEDQA_SIZES = (60, 10, 30)
HISTORY_SHOTS = 2

Example = tuple[str, str]  # (input, output)
Maker = Callable[[random.Random], Example]
# A piece of a templated text: the text and its annotation (entity type or database id),
# None for plain text.
Piece = tuple[str, str | None]


# --------------------------------------------------------------------------- helpers

_SLOT = re.compile(r"\{(\w+)\}")


def cap(text: str) -> str:
    """Upper-case the first character only (keeps 'p53' -> 'P53', 'mRNA' -> 'MRNA' rare)."""
    return text[:1].upper() + text[1:]


def article(number: int) -> str:
    """'a' or 'an' before a number read aloud: an 8-, 11-, 18- or 80-something-year-old."""
    return "an" if str(number).startswith("8") or number in (11, 18) else "a"


def fill(template: str, slots: dict[str, Piece]) -> list[Piece]:
    """Split a template into plain and annotated pieces, in reading order."""
    pieces: list[Piece] = []
    pos = 0
    for match in _SLOT.finditer(template):
        if match.start() > pos:
            pieces.append((template[pos : match.start()], None))
        pieces.append(slots[match.group(1)])
        pos = match.end()
    if pos < len(template):
        pieces.append((template[pos:], None))
    return pieces


def text_of(pieces: Sequence[Piece]) -> str:
    return "".join(text for text, _ in pieces)


def entity_list(pieces: Sequence[Piece]) -> str:
    """MEDINST's entity output: ``[mention <Type>]`` spans in order of appearance."""
    return " ".join(f"[{text} <{kind}>]" for text, kind in pieces if kind is not None)


def bio_example(pieces: Sequence[Piece]) -> Example:
    """Whitespace-tokenised input and its ``word [B]`` / ``word [I]`` / ``word [O]`` output."""
    words: list[str] = []
    tagged: list[str] = []
    for text, kind in pieces:
        for i, word in enumerate(text.split()):
            tag = "O" if kind is None else ("B" if i == 0 else "I")
            words.append(word)
            tagged.append(f"{word} [{tag}]")
    return " ".join(words), " ".join(tagged)


def options_input(question: str, options: Sequence[str]) -> str:
    return f"Question: {question}\nOptions: {' / '.join(options)}"


def ordered_by_position(text: str, items: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """Sort (key_text, rendered) items by where key_text first occurs in text."""
    return sorted(items, key=lambda item: text.index(item[0]))


def plain(text: str) -> Piece:
    return (text, None)


# --------------------------------------------------------------------------- vocabularies
# Real terms; the identifiers are the usual MeSH / NCBI Gene / dbSNP ones, given for
# illustration in demo rows.

CHEM_MESH = {
    "cisplatin": "D002945",
    "doxorubicin": "D004317",
    "haloperidol": "D006220",
    "warfarin": "D014859",
    "metformin": "D008687",
    "amiodarone": "D000638",
    "heparin": "D006493",
    "lithium": "D008094",
    "cocaine": "D003042",
    "acetaminophen": "D000082",
    "gentamicin": "D005839",
    "tamoxifen": "D013629",
    "methotrexate": "D008727",
    "carbamazepine": "D002220",
    "aspirin": "D001241",
    "ibuprofen": "D007052",
}

DIS_MESH = {
    "acute renal failure": "D058186",
    "hearing loss": "D034381",
    "cardiomyopathy": "D009202",
    "dyskinesia": "D004409",
    "bleeding": "D006470",
    "lactic acidosis": "D000140",
    "pulmonary fibrosis": "D011658",
    "hypothyroidism": "D007037",
    "hepatotoxicity": "D056486",
    "myocardial infarction": "D009203",
    "seizures": "D012640",
    "thrombocytopenia": "D013921",
    "neutropenia": "D009503",
    "hyponatremia": "D007010",
    "ovarian cancer": "D010051",
    "breast cancer": "D001943",
    "type 2 diabetes": "D003924",
    "schizophrenia": "D012559",
    "bipolar disorder": "D001714",
    "epilepsy": "D004827",
    "atrial fibrillation": "D001281",
    "deep vein thrombosis": "D020246",
    "rheumatoid arthritis": "D001172",
    "sepsis": "D018805",
    "chronic pain": "D059350",
    "hypertension": "D006973",
}

# chemical-induced disease pairs (the CID relation of BC5CDR)
ADVERSE: tuple[tuple[str, str], ...] = (
    ("cisplatin", "acute renal failure"),
    ("cisplatin", "hearing loss"),
    ("doxorubicin", "cardiomyopathy"),
    ("doxorubicin", "neutropenia"),
    ("haloperidol", "dyskinesia"),
    ("warfarin", "bleeding"),
    ("metformin", "lactic acidosis"),
    ("amiodarone", "pulmonary fibrosis"),
    ("amiodarone", "hypothyroidism"),
    ("acetaminophen", "hepatotoxicity"),
    ("cocaine", "myocardial infarction"),
    ("cocaine", "seizures"),
    ("heparin", "thrombocytopenia"),
    ("lithium", "hypothyroidism"),
    ("gentamicin", "acute renal failure"),
    ("carbamazepine", "hyponatremia"),
    ("methotrexate", "neutropenia"),
    ("ibuprofen", "acute renal failure"),
)

INDICATION = {
    "cisplatin": "ovarian cancer",
    "doxorubicin": "breast cancer",
    "haloperidol": "schizophrenia",
    "warfarin": "atrial fibrillation",
    "metformin": "type 2 diabetes",
    "amiodarone": "atrial fibrillation",
    "acetaminophen": "chronic pain",
    "heparin": "deep vein thrombosis",
    "lithium": "bipolar disorder",
    "gentamicin": "sepsis",
    "carbamazepine": "epilepsy",
    "methotrexate": "rheumatoid arthritis",
    "ibuprofen": "rheumatoid arthritis",
    "tamoxifen": "breast cancer",
    "aspirin": "myocardial infarction",
}


@dataclass(frozen=True)
class GeneticDisease:
    disease: str
    gene: str
    protein: str
    mesh: str
    inheritance: str
    feature: str  # a disease the condition leads to (also an NCBI-disease mention)


GENETIC: tuple[GeneticDisease, ...] = (
    GeneticDisease(
        "cystic fibrosis",
        "CFTR",
        "the cystic fibrosis transmembrane conductance regulator",
        "D003550",
        "autosomal recessive",
        "pancreatic insufficiency",
    ),
    GeneticDisease("Huntington disease", "HTT", "huntingtin", "D006816", "autosomal dominant", "dementia"),
    GeneticDisease(
        "Duchenne muscular dystrophy", "DMD", "dystrophin", "D020388", "X-linked recessive", "cardiomyopathy"
    ),
    GeneticDisease(
        "hereditary hemochromatosis",
        "HFE",
        "the homeostatic iron regulator protein",
        "D006432",
        "autosomal recessive",
        "liver cirrhosis",
    ),
    GeneticDisease(
        "familial adenomatous polyposis",
        "APC",
        "the adenomatous polyposis coli protein",
        "D011125",
        "autosomal dominant",
        "colorectal cancer",
    ),
    GeneticDisease(
        "ataxia telangiectasia",
        "ATM",
        "the ATM serine/threonine kinase",
        "D001260",
        "autosomal recessive",
        "lymphoma",
    ),
    GeneticDisease(
        "myotonic dystrophy", "DMPK", "myotonin protein kinase", "D009223", "autosomal dominant", "cataract"
    ),
    GeneticDisease(
        "phenylketonuria",
        "PAH",
        "phenylalanine hydroxylase",
        "D010661",
        "autosomal recessive",
        "intellectual disability",
    ),
    GeneticDisease(
        "retinoblastoma", "RB1", "the retinoblastoma protein", "D012175", "autosomal dominant", "osteosarcoma"
    ),
    GeneticDisease(
        "G6PD deficiency",
        "G6PD",
        "glucose-6-phosphate dehydrogenase",
        "D005955",
        "X-linked",
        "hemolytic anemia",
    ),
    GeneticDisease(
        "hereditary breast and ovarian cancer",
        "BRCA1",
        "the breast cancer type 1 susceptibility protein",
        "D061325",
        "autosomal dominant",
        "breast cancer",
    ),
)

FEATURE_MESH = {
    "pancreatic insufficiency": "D010188",
    "dementia": "D003704",
    "cardiomyopathy": "D009202",
    "liver cirrhosis": "D008103",
    "colorectal cancer": "D015179",
    "lymphoma": "D008223",
    "cataract": "D002386",
    "intellectual disability": "D008607",
    "osteosarcoma": "D012516",
    "hemolytic anemia": "D000743",
    "breast cancer": "D001943",
}


@dataclass(frozen=True)
class Variant:
    gene: str
    gene_id: str  # NCBI Gene
    protein: str  # short protein change
    dna: str  # HGVS cDNA change
    rsid: str
    disease: str


VARIANTS: tuple[Variant, ...] = (
    Variant("BRAF", "673", "V600E", "c.1799T>A", "rs113488022", "melanoma"),
    Variant("KRAS", "3845", "G12D", "c.35G>A", "rs121913529", "pancreatic cancer"),
    Variant("EGFR", "1956", "L858R", "c.2573T>G", "rs121434568", "lung adenocarcinoma"),
    Variant("TP53", "7157", "R175H", "c.524G>A", "rs28934578", "Li-Fraumeni syndrome"),
    Variant("JAK2", "3717", "V617F", "c.1849G>T", "rs77375493", "polycythemia vera"),
    Variant("PIK3CA", "5290", "H1047R", "c.3140A>G", "rs121913279", "breast cancer"),
    Variant("HFE", "3077", "C282Y", "c.845G>A", "rs1800562", "hereditary hemochromatosis"),
    Variant("MTHFR", "4524", "A222V", "c.665C>T", "rs1801133", "hyperhomocysteinemia"),
    Variant("F5", "2153", "R506Q", "c.1601G>A", "rs6025", "venous thrombosis"),
    Variant("CFTR", "1080", "F508del", "c.1521_1523delCTT", "rs113993960", "cystic fibrosis"),
)

CELL_LINES = ("HeLa", "A549", "MCF-7", "HEK293T", "HCT116")
SPECIES = ("mice", "rats", "zebrafish")
CANCERS = ("breast cancer", "lung cancer", "colorectal cancer", "pancreatic cancer", "gastric cancer")
ONCOGENES = ("KRAS", "MYC", "EZH2", "YAP1", "STAT3", "HER2", "CDK4")
SUPPRESSORS = ("TP53", "PTEN", "RB1", "CDKN2A", "SMAD4")
AUTHORS = (
    "Smith",
    "Chen",
    "Müller",
    "García",
    "Tanaka",
    "Kowalski",
    "Okafor",
    "Nguyen",
    "Rossi",
    "Johansson",
)
SYMPTOMS = ("fever", "a sore throat", "a headache", "a dry cough", "nausea", "back pain", "a skin rash")


# --------------------------------------------------------------------------- NER


def _chem_disease_slots(rng: random.Random) -> dict[str, tuple[str, str]]:
    chem, dis = rng.choice([pair for pair in ADVERSE if pair[0] in INDICATION])
    other = rng.choice(sorted(set(CHEM_MESH) - {chem, "cocaine"}))
    return {
        "c": (chem, "Chemical"),
        "d": (dis, "Disease"),
        "d2": (INDICATION[chem], "Disease"),
        "c2": (other, "Chemical"),
    }


BC5CDR_BIO_TEMPLATES = (
    "{C} - induced {d} in a patient with {d2} .",
    "{Article} {age} - year - old {sex} treated with {c} for {d2} developed {d} .",
    "{D} occurred in {k} of {n} patients receiving {c} .",
    "The risk of {d} was higher with {c} than with {c2} .",
    "We report a case of {d} after long - term {c} therapy for {d2} .",
    "Withdrawal of {c} led to rapid resolution of {d} .",
)


def make_bc5cdr(rng: random.Random) -> Example:
    s = _chem_disease_slots(rng)
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


NCBI_TEMPLATES = (
    "Mutations in the {gene} gene cause {d} , an {inh} disorder .",
    "Patients with {d} are at increased risk of {f} .",
    "{D} is characterized by {f} and is caused by defects in {protein} .",
    "We identified {k} novel {gene} mutations in {n} unrelated families with {d} .",
    "Germline {gene} mutations were found in {p} % of patients with {d} who also developed {f} .",
    "Screening for {f} is recommended in all carriers of {d} - associated {gene} variants .",
)


def _ncbi_slots(rng: random.Random, kind: Callable[[str], str]) -> tuple[str, dict[str, Piece]]:
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


def _disease_mesh(name: str) -> str:
    for g in GENETIC:
        if g.disease.lower() == name.lower():
            return f"MESH/{g.mesh}"
    return f"MESH/{FEATURE_MESH[name.lower()]}"


def make_ncbi_disease(rng: random.Random) -> Example:
    template, slots = _ncbi_slots(rng, lambda _name: "Disease")
    return bio_example(fill(template, slots))


BC2GM_GENES = (
    "BRCA1",
    "p53",
    "insulin receptor",
    "TNF - alpha",
    "interleukin - 2",
    "EGFR",
    "cyclin D1",
    "c - myc",
    "STAT3",
    "NF - kappa B",
    "Bcl - 2",
    "HER2",
    "vimentin",
    "E - cadherin",
)
BC2GM_TEMPLATES = (
    "Expression of {g} was increased in cells treated with {chem} .",
    "We show that {g} interacts with {g2} in the nucleus .",
    "The {g} promoter contains a binding site for {g2} .",
    "Antibodies against {g} and {g2} were used for immunoblotting .",
    "Overexpression of {g} suppressed the transcriptional activity of {g2} in {cell} cells .",
    "Loss of {g} was associated with reduced levels of {g2} mRNA .",
)


def make_bc2gm(rng: random.Random) -> Example:
    g, g2 = rng.sample(BC2GM_GENES, 2)
    slots: dict[str, Piece] = {
        "g": (g, "Gene"),
        "g2": (g2, "Gene"),
        "chem": plain(rng.choice(sorted(CHEM_MESH))),
        "cell": plain(rng.choice(CELL_LINES)),
    }
    return bio_example(fill(rng.choice(BC2GM_TEMPLATES), slots))


ANEM_TERMS: dict[str, tuple[str, ...]] = {
    "Organ": ("liver", "kidney", "heart", "lung", "spleen", "pancreas", "brain"),
    "Cell": ("hepatocytes", "fibroblasts", "T cells", "neurons", "macrophages", "endothelial cells"),
    "Cellular_component": ("nucleus", "cytoplasm", "mitochondria", "cell membrane"),
    "Tissue": ("epithelium", "connective tissue", "smooth muscle", "adipose tissue"),
    "Organism_substance": ("serum", "blood", "urine", "cerebrospinal fluid"),
    "Pathological_formation": ("tumours", "metastases", "granulomas", "cysts"),
    "Organism_subdivision": ("abdomen", "lower limb", "thorax", "neck"),
    "Multi-tissue_structure": ("blood vessels", "lymph nodes", "glomeruli", "joints"),
}
ANEM_TEMPLATES = (
    "Immunostaining localized the protein to the {Cellular_component} of {Cell} in the {Organ}.",
    "{Pathological_formation_cap} were found in the {Organ} and in the regional {Multi-tissue_structure}.",
    "Levels of the marker in {Organism_substance} were higher in patients with {Pathological_formation}"
    " of the {Organ}.",
    "CT of the {Organism_subdivision} showed enlarged {Multi-tissue_structure} and multiple "
    "{Pathological_formation}.",
    "{Cell_cap} infiltrating the {Tissue} expressed high levels of the receptor.",
    "Biopsies of the {Tissue} of the {Organ} contained numerous {Cell}.",
)


def make_anem(rng: random.Random) -> Example:
    slots: dict[str, Piece] = {}
    for kind, terms in ANEM_TERMS.items():
        term = rng.choice(terms)
        slots[kind.replace("-", "_")] = (term, kind)
        slots[kind.replace("-", "_") + "_cap"] = (cap(term), kind)
    template = rng.choice(ANEM_TEMPLATES).replace("Multi-tissue_structure", "Multi_tissue_structure")
    return _entity_example(fill(template, slots))


def _entity_example(pieces: Sequence[Piece]) -> Example:
    return text_of(pieces), entity_list(pieces)


GENE_FAMILIES = (
    ("HSPA1A", "heat shock protein 70"),
    ("CYP3A4", "cytochrome P450"),
    ("LYN", "Src family kinase"),
    ("ZNF217", "zinc finger protein"),
    ("MAPK1", "MAP kinase"),
    ("SOX2", "SOX transcription factor"),
    ("DDX3X", "DEAD-box helicase"),
    ("KLF4", "Kruppel-like factor"),
)
DOMAINS = ("SH2 domain", "kinase domain", "zinc finger motif", "RING domain", "PDZ domain", "leucine zipper")
GNORMPLUS_TEMPLATES = (
    "{gene}, a member of the {fam} family, contains an N-terminal {dom}.",
    "Deletion of the {dom} abolished the activity of {gene} but not of other {fam} proteins.",
    "We cloned a novel {fam} gene, {gene}, from a human cDNA library.",
    "Unlike other {fam} members, {gene} lacks a functional {dom} and is expressed mainly in {tissue}.",
)


def make_gnormplus(rng: random.Random) -> Example:
    gene, fam = rng.choice(GENE_FAMILIES)
    slots: dict[str, Piece] = {
        "gene": (gene, "Gene"),
        "fam": (fam, "FamilyName"),
        "dom": (rng.choice(DOMAINS), "DomainMotif"),
        "tissue": plain(rng.choice(("testis", "brain", "liver", "skeletal muscle"))),
    }
    return _entity_example(fill(rng.choice(GNORMPLUS_TEMPLATES), slots))


TMVAR1_TEMPLATES = (
    "The {dna} substitution in exon {e} of {gene} results in a {prot} change.",
    "Carriers of the {rs} variant ({prot}) had an increased risk of {disease}.",
    "Sequencing identified {prot} ({dna}) in {k} of {n} tumours.",
    "The {rs} polymorphism, also reported as {dna}, was genotyped in {n} patients with {disease}.",
)


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
    return _entity_example(fill(rng.choice(TMVAR1_TEMPLATES), slots))


TMVAR3_TEMPLATES = (
    "The {gene} {prot} mutation was introduced into {cell} cells by genome editing.",
    "Knock-in {species} carrying the {gene} {prot} mutation developed {disease}.",
    "The {gene} variant {rs} ({dna}) was associated with {disease} in a cohort of {n} patients.",
    "{gene} {dna} was detected in {k} of {n} samples, whereas {cell} cells carried wild-type {gene}.",
)


def _tmvar3_slots(rng: random.Random, ned: bool) -> tuple[str, dict[str, Piece]]:
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
    template, slots = _tmvar3_slots(rng, ned=False)
    return _entity_example(fill(template, slots))


# --------------------------------------------------------------------------- NED

BC5CDR_TEXT_TEMPLATES = (
    "Case report: {d} induced by {c}. {Article} {age}-year-old {sex} receiving {c} for {d2} presented"
    " with {d}.",
    "We studied {n} patients treated with {c} for {d2}; {d} developed in {k} of them.",
    "The incidence of {d} among users of {c} was compared with that among users of {c2}.",
    "Discontinuation of {c} resulted in complete recovery from {d} within {w} weeks.",
)


def make_bc5cdr_ned(rng: random.Random) -> Example:
    s = _chem_disease_slots(rng)
    n = rng.randint(20, 400)
    age = rng.randint(18, 85)
    slots: dict[str, Piece] = {
        key: (text, f"MESH/{CHEM_MESH[text]}" if kind == "Chemical" else f"MESH/{DIS_MESH[text]}")
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
    return _entity_example(fill(rng.choice(BC5CDR_TEXT_TEMPLATES), slots))


def make_ncbi_disease_ned(rng: random.Random) -> Example:
    template, slots = _ncbi_slots(rng, _disease_mesh)
    # natural spacing for the linking task: drop the tokenised punctuation spaces
    text = text_of(fill(template, slots))
    pieces = fill(template, slots)
    text = re.sub(r" ([.,%])", r"\1", text).replace(" - ", "-")
    return text, entity_list(pieces)


def make_tmvar_v3_ned(rng: random.Random) -> Example:
    template, slots = _tmvar3_slots(rng, ned=True)
    return _entity_example(fill(template, slots))


MEDAL_SENSES: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "MI": (
        (
            "myocardial infarction",
            (
                "Of the {n} patients admitted with acute MI, {k} received primary angioplasty within 90"
                " minutes.",
                "Troponin concentrations peaked {h} hours after the onset of MI in most of the {n} subjects.",
            ),
        ),
        (
            "mitral insufficiency",
            (
                "Doppler echocardiography showed moderate MI with a regurgitant jet reaching the left atrial"
                " roof"
                " in {k} of {n} dogs.",
                "Surgical repair of MI with an annuloplasty ring was performed in {k} of {n} patients.",
            ),
        ),
    ),
    "RA": (
        (
            "rheumatoid arthritis",
            (
                "Anti-CCP antibodies were measured in {n} patients with RA and {k} healthy controls.",
                "Methotrexate remains the anchor drug for RA, and {p}% of our {n} patients received it.",
            ),
        ),
        (
            "right atrium",
            (
                "The catheter tip was positioned at the junction of the superior vena cava and the RA in {k}"
                " of"
                " {n} cases.",
                "A thrombus measuring {s} mm was seen in the RA on transesophageal echocardiography in {k}"
                " patients.",
            ),
        ),
    ),
    "PE": (
        (
            "pulmonary embolism",
            (
                "CT angiography confirmed PE in {k} of {n} patients with suspected venous thromboembolism.",
                "Anticoagulation for PE was continued for at least {m} months in {k} of {n} patients.",
            ),
        ),
        (
            "physical examination",
            (
                "On PE, the abdomen was soft and nontender in {k} of the {n} children.",
                "All {n} participants underwent a complete PE, including blood pressure measurement, every"
                " {m}"
                " months.",
            ),
        ),
    ),
    "MS": (
        (
            "multiple sclerosis",
            (
                "Relapse rates in MS decreased by {p}% during interferon beta treatment in {n} patients.",
                "MRI showed periventricular demyelinating lesions typical of MS in {k} of {n} patients.",
            ),
        ),
        (
            "mitral stenosis",
            (
                "Balloon valvotomy for rheumatic MS reduced the transmitral gradient by {s} mm Hg in {n}"
                " patients.",
                "Patients with severe MS ({k} of {n}) had a valve area below 1.0 cm2.",
            ),
        ),
    ),
    "PT": (
        (
            "prothrombin time",
            (
                "PT was prolonged to {s} seconds in {k} of {n} patients receiving warfarin.",
                "Liver dysfunction was defined as a PT above {s} seconds in this cohort of {n} patients.",
            ),
        ),
        (
            "physical therapy",
            (
                "After knee replacement, {n} patients attended PT three times a week for {m} weeks.",
                "Early PT shortened the hospital stay by {m} days in {n} stroke patients.",
            ),
        ),
    ),
    "AD": (
        (
            "Alzheimer disease",
            (
                "Amyloid PET was positive in {k} of {n} patients with clinically diagnosed AD.",
                "Cholinesterase inhibitors produced modest cognitive benefits over {m} months in {n} patients"
                " with mild AD.",
            ),
        ),
        (
            "atopic dermatitis",
            (
                "Topical corticosteroids improved eczema severity scores by {p}% in {n} children with AD.",
                "Filaggrin mutations were found in {k} of {n} patients with AD and in few controls.",
            ),
        ),
    ),
    "DM": (
        (
            "diabetes mellitus",
            (
                "Poorly controlled DM was defined as HbA1c above {x}% in {k} of the {n} participants.",
                "Patients with DM had a higher incidence of surgical wound infection ({p}% vs {q}%).",
            ),
        ),
        (
            "dermatomyositis",
            (
                "Heliotrope rash and Gottron papules were present in {k} of {n} patients with DM.",
                "Anti-MDA5 antibodies in DM were associated with rapidly progressive lung disease in {k} of"
                " {n}"
                " patients.",
            ),
        ),
    ),
    "CP": (
        (
            "cerebral palsy",
            (
                "Botulinum toxin injections reduced spasticity in {n} children with CP aged {m} to {h}"
                " years.",
                "Gross motor function was classified in {n} children with CP, of whom {k} could walk"
                " unaided.",
            ),
        ),
        (
            "chest pain",
            (
                "Among {n} emergency visits for CP, {k} were due to acute coronary syndrome.",
                "A rapid troponin protocol allowed early discharge of {k} of {n} low-risk patients with CP.",
            ),
        ),
    ),
    "ED": (
        (
            "emergency department",
            (
                "Median length of stay in the ED was {h} hours for the {n} patients studied.",
                "A total of {n} ED visits for asthma exacerbation were reviewed, {k} of which led to"
                " admission.",
            ),
        ),
        (
            "erectile dysfunction",
            (
                "Sildenafil improved erectile function scores in {k} of {n} men with ED after prostatectomy.",
                "The prevalence of ED was {p}% among {n} men with type 2 diabetes.",
            ),
        ),
    ),
}


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
    return f"Text: {text}\nAbbreviation: {abbreviation}", expansion


# --------------------------------------------------------------------------- RE


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
    text = " ".join(sentences)
    output = " ".join(f"[<{chem}> <CID> <{d}>]" for d in chosen)
    return text, output


BIOINFER_PROTEINS = (
    "actin",
    "profilin",
    "cofilin",
    "gelsolin",
    "thymosin beta4",
    "alpha-actinin",
    "vinculin",
    "talin",
    "tropomyosin",
    "cortactin",
    "WASP",
    "Arp2/3 complex",
)
BIOINFER_RELATED = (
    "{a} binds to {b} with high affinity.",
    "{a} inhibits the nucleation activity of {b} in vitro.",
    "In the absence of {c}, {a} sequesters {b} monomers.",
    "The interaction between {a} and {b} was abolished by a point mutation.",
)
BIOINFER_UNRELATED = (
    "Both {a} and {c} were enriched at focal adhesions.",
    "{a} was purified from rabbit muscle.",
)


def shown(text: str, mention: str) -> str:
    """The mention as it appears in text: capitalised when it opens the sentence."""
    return cap(mention) if text.startswith(cap(mention)) and not text.startswith(mention) else mention


def make_bioinfer_re(rng: random.Random) -> Example:
    a, b, c = rng.sample(BIOINFER_PROTEINS, 3)
    first = cap(rng.choice(BIOINFER_RELATED).format(a=a, b=b, c=c))
    relations = [f"[<{shown(first, a)}> <PPI> <{b}>]"]
    if rng.random() < 0.5:  # a second sentence, with or without a relation of its own
        d, e, f = rng.sample([p for p in BIOINFER_PROTEINS if p not in (a, b)], 3)
        if rng.random() < 0.5:
            second = cap(rng.choice(BIOINFER_RELATED).format(a=d, b=e, c=f))
            relations.append(f"[<{shown(second, d)}> <PPI> <{e}>]")
        else:
            second = cap(rng.choice(BIOINFER_UNRELATED).format(a=d, c=f))
        first = f"{first} {second}"
    return first, " ".join(relations)


DDI_DRUGS = (
    "warfarin",
    "digoxin",
    "simvastatin",
    "clarithromycin",
    "fluconazole",
    "ketoconazole",
    "rifampin",
    "phenytoin",
    "cyclosporine",
    "theophylline",
    "ciprofloxacin",
    "lithium",
    "ibuprofen",
    "midazolam",
)
DDI_TEMPLATES = (
    ("{a} increases the plasma concentrations of {b}.", "mechanism"),
    ("Coadministration of {a} reduced the clearance of {b} by {p}%.", "mechanism"),
    ("Concomitant use of {a} and {b} may potentiate the risk of toxicity.", "effect"),
    ("Patients receiving {a} together with {b} showed an enhanced effect.", "effect"),
    ("{a} should not be administered together with {b}.", "advise"),
    ("Dose adjustment of {b} is recommended when {a} is started.", "advise"),
    ("{a} interacts with {b}.", "int"),
)


def make_ddi_re(rng: random.Random) -> Example:
    a, b = rng.sample(DDI_DRUGS, 2)
    template, label = rng.choice(DDI_TEMPLATES)
    text = cap(template.format(a=a, b=b, p=rng.randint(20, 70)))
    return text, f"[<{shown(text, a)}> <{label}> <{b}>]"


CHEMPROT_PAIRS = (
    ("imatinib", "BCR-ABL", "CPR:4"),
    ("gefitinib", "EGFR", "CPR:4"),
    ("celecoxib", "COX-2", "CPR:4"),
    ("atorvastatin", "HMG-CoA reductase", "CPR:4"),
    ("tamoxifen", "estrogen receptor alpha", "CPR:6"),
    ("haloperidol", "dopamine D2 receptor", "CPR:6"),
    ("losartan", "angiotensin II type 1 receptor", "CPR:6"),
    ("salbutamol", "beta2-adrenergic receptor", "CPR:5"),
    ("morphine", "mu-opioid receptor", "CPR:5"),
    ("rosiglitazone", "PPARgamma", "CPR:5"),
    ("forskolin", "adenylyl cyclase", "CPR:3"),
    ("omeprazole", "CYP2C19", "CPR:9"),
    ("midazolam", "CYP3A4", "CPR:9"),
)
CHEMPROT_TEMPLATES = {
    "CPR:3": (
        "{chem} activated {gene} in a dose-dependent manner.",
        "{gene} activity was increased by {chem}.",
    ),
    "CPR:4": (
        "{chem} potently inhibited {gene} with an IC50 of {x} nM.",
        "{gene} activity was blocked by {chem}.",
    ),
    "CPR:5": (
        "{chem} acts as a selective agonist of {gene}.",
        "Stimulation of {gene} by {chem} raised cAMP.",
    ),
    "CPR:6": (
        "{chem} is a competitive antagonist of {gene}.",
        "{gene} signalling was antagonized by {chem}.",
    ),
    "CPR:9": ("{chem} is metabolized mainly by {gene}.", "{gene} converts {chem} into inactive metabolites."),
}


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
    return text + extra, f"[<{shown(text, chem)}> <{label}> <{shown(text, gene)}>]"


# --------------------------------------------------------------------------- COREF


def _coref_example(text: str, entity: str, mentions: Sequence[str]) -> Example:
    return f"Text: {text}\nEntity: {entity}", " ".join(f"[{m}]" for m in mentions)


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


GE_PROTEINS = ("NF-kappaB", "STAT3", "c-Fos", "GATA3", "IL-2", "IL-4", "TNF-alpha", "CD40", "TRAF2", "IL-10")


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


# --------------------------------------------------------------------------- EE


def _events(text: str, events: Sequence[tuple[str, str, str]]) -> Example:
    """Render (type, trigger, theme) events ordered by trigger position."""
    ordered = sorted(events, key=lambda e: (text.index(e[1]), text.index(e[2])))
    return text, " ".join(f"[<{kind}> <{trigger}> <{theme}>]" for kind, trigger, theme in ordered)


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


# --------------------------------------------------------------------------- QA


@dataclass(frozen=True)
class Vignette:
    ages: tuple[int, int]
    nouns: tuple[str, ...]  # "man", "woman", "boy", "girl"
    presentation: str  # follows "A 45-year-old man "
    details: tuple[str, ...]
    question: str
    answer: str
    distractors: tuple[str, str, str, str]
    vitals: tuple[int, int, int, int] | None = None  # pulse range, systolic range


ADULTS = ("man", "woman")
VIGNETTES: tuple[Vignette, ...] = (
    Vignette(
        (30, 65),
        ("woman",),
        "comes to the physician because of fatigue, weight gain, and constipation for {months} months",
        (
            "{He} reports feeling cold even in a warm room.",
            "{His} skin is dry and coarse.",
            "Deep tendon reflexes show a delayed relaxation phase.",
            "Serum TSH concentration is increased, and free T4 concentration is decreased.",
        ),
        "Which of the following is the most likely diagnosis?",
        "Primary hypothyroidism",
        ("Graves disease", "Cushing syndrome", "Primary adrenal insufficiency", "Major depressive disorder"),
        (54, 64, 110, 130),
    ),
    Vignette(
        (45, 75),
        ADULTS,
        "comes to the physician because of a persistent dry cough for {weeks} weeks",
        (
            "Six weeks ago, {he} was started on lisinopril for hypertension.",
            "{He} has never smoked.",
            "A chest x-ray shows no abnormalities.",
            "Lung examination shows no wheezes or crackles.",
        ),
        "Which of the following is the most likely cause of this patient's cough?",
        "Increased bradykinin concentration",
        (
            "Eosinophilic airway inflammation",
            "Gastroesophageal reflux",
            "Postnasal drip",
            "Interstitial lung disease",
        ),
        (64, 82, 128, 146),
    ),
    Vignette(
        (8, 16),
        ("boy", "girl"),
        "is brought to the physician because of a sore throat and fever for {days} days",
        (
            "{He} has no cough or rhinorrhea.",
            "Temperature is 38.9°C (102°F).",
            "Examination shows tonsillar swelling with exudates and tender anterior cervical lymph nodes.",
            "A rapid streptococcal antigen test is positive.",
        ),
        "Which of the following is the most appropriate pharmacotherapy?",
        "Oral penicillin V",
        ("Oral ciprofloxacin", "Oral doxycycline", "Oral oseltamivir", "Intravenous vancomycin"),
    ),
    Vignette(
        (60, 82),
        ADULTS,
        "comes to the physician for a follow-up examination {days} days after being"
        " discharged from the hospital for deep venous thrombosis",
        (
            "{He} has hypertension treated with amlodipine.",
            "{His} left calf is no longer swollen.",
            "{He} is started on an oral anticoagulant whose dose is adjusted according to the INR.",
        ),
        "This drug acts by which of the following mechanisms?",
        "Inhibition of vitamin K epoxide reductase",
        (
            "Direct inhibition of thrombin",
            "Direct inhibition of factor Xa",
            "Activation of antithrombin III",
            "Irreversible inhibition of cyclooxygenase",
        ),
        (68, 84, 124, 142),
    ),
    Vignette(
        (40, 70),
        ADULTS,
        "comes to the physician because of increased thirst and frequent urination for {months} months",
        (
            "{His} body mass index is 33 kg/m2.",
            "Fasting serum glucose concentration is 164 mg/dL.",
            "Hemoglobin A1c is 7.9%.",
            "Serum creatinine concentration is within the reference range.",
        ),
        "The most appropriate initial drug therapy lowers glucose mainly by which of the following?",
        "Decreased hepatic gluconeogenesis",
        (
            "Increased insulin release from beta cells",
            "Inhibition of intestinal alpha-glucosidase",
            "Increased urinary glucose excretion",
            "Activation of PPAR-gamma in adipose tissue",
        ),
        (70, 88, 128, 148),
    ),
    Vignette(
        (18, 40),
        ADULTS,
        "is brought to the emergency department {minutes} minutes after being stung by a bee",
        (
            "{He} has difficulty breathing and diffuse hives.",
            "{His} lips are swollen.",
            "Pulse is 126/min, and blood pressure is 78/44 mm Hg.",
            "Wheezes are heard over both lung fields.",
        ),
        "Which of the following is the most appropriate next step in management?",
        "Intramuscular epinephrine",
        (
            "Oral diphenhydramine",
            "Intravenous methylprednisolone",
            "Nebulized albuterol",
            "Observation in the emergency department",
        ),
    ),
    Vignette(
        (25, 45),
        ("woman",),
        "comes to the physician because of fatigue and shortness of breath on exertion for {months} months",
        (
            "{He} has heavy menstrual bleeding.",
            "{His} conjunctivae are pale.",
            "Hemoglobin concentration is 9.1 g/dL, and mean corpuscular volume is 71 μm3.",
            "Serum ferritin concentration is decreased.",
        ),
        "Which of the following is the most likely diagnosis?",
        "Iron deficiency anemia",
        (
            "Beta-thalassemia minor",
            "Anemia of chronic disease",
            "Sideroblastic anemia",
            "Vitamin B12 deficiency",
        ),
        (88, 104, 104, 122),
    ),
    Vignette(
        (50, 78),
        ("man",),
        "is brought to the emergency department {minutes} minutes after the onset of crushing chest pain",
        (
            "{He} has hypertension and hyperlipidemia.",
            "{He} is diaphoretic.",
            "An ECG shows ST-segment elevations in leads II, III, and aVF.",
        ),
        "Occlusion of which of the following arteries is the most likely cause of this patient's condition?",
        "Right coronary artery",
        (
            "Left anterior descending artery",
            "Left circumflex artery",
            "Left main coronary artery",
            "Left internal thoracic artery",
        ),
        (52, 96, 98, 150),
    ),
    Vignette(
        (35, 75),
        ADULTS,
        "develops sudden shortness of breath and pleuritic chest pain {days} days after"
        " a total hip arthroplasty",
        (
            "Pulse is 118/min, and respirations are 26/min.",
            "Pulse oximetry on room air shows an oxygen saturation of 89%.",
            "The lungs are clear to auscultation.",
            "{His} left calf is swollen and tender.",
        ),
        "Which of the following is the most appropriate next step in diagnosis?",
        "CT pulmonary angiography",
        ("Chest x-ray", "Coronary angiography", "Pulmonary function testing", "Exercise stress test"),
    ),
    Vignette(
        (45, 72),
        ("man",),
        "comes to the emergency department because of severe pain and swelling of"
        " the right great toe that began during the night",
        (
            "{He} drank several beers at a party the evening before.",
            "{He} takes hydrochlorothiazide for hypertension.",
            "The first metatarsophalangeal joint is red, warm, and exquisitely tender.",
            "Joint aspiration shows needle-shaped, negatively birefringent crystals.",
        ),
        "Which of the following is the most likely diagnosis?",
        "Gout",
        ("Pseudogout", "Septic arthritis", "Reactive arthritis", "Osteoarthritis"),
        (78, 96, 136, 158),
    ),
    Vignette(
        (20, 42),
        ("woman",),
        "comes to the physician because of double vision and drooping of the"
        " eyelids for {weeks} weeks that worsen toward the end of the day",
        (
            "{He} also has difficulty chewing food.",
            "Symptoms improve after rest.",
            "Sustained upward gaze causes progressive ptosis.",
        ),
        "This patient's condition is most likely caused by antibodies against which of the following?",
        "Nicotinic acetylcholine receptors",
        (
            "Presynaptic voltage-gated calcium channels",
            "Myelin basic protein",
            "Muscarinic acetylcholine receptors",
            "Thyroid-stimulating hormone receptors",
        ),
        (66, 82, 108, 126),
    ),
    Vignette(
        (25, 55),
        ADULTS,
        "is started on treatment for latent tuberculosis infection after a positive"
        " interferon-gamma release assay",
        (
            "A chest x-ray shows no abnormalities.",
            "{He} has a history of alcohol use disorder.",
            "{He} has no symptoms.",
        ),
        "Which of the following should be added to prevent an adverse effect of the therapy?",
        "Pyridoxine",
        ("Folic acid", "Thiamine", "Cyanocobalamin", "Vitamin D"),
        (62, 80, 112, 134),
    ),
    Vignette(
        (55, 80),
        ADULTS,
        "with end-stage renal disease is brought to the emergency department after"
        " missing {count} hemodialysis sessions",
        (
            "{He} reports generalized weakness.",
            "Serum potassium concentration is 7.4 mEq/L.",
            "An ECG shows peaked T waves and a widened QRS complex.",
        ),
        "Which of the following is the most appropriate initial step in management?",
        "Intravenous calcium gluconate",
        (
            "Oral sodium polystyrene sulfonate",
            "Intravenous furosemide",
            "Intravenous normal saline",
            "Repeat laboratory studies in 6 hours",
        ),
        (52, 68, 148, 176),
    ),
    Vignette(
        (25, 55),
        ADULTS,
        "comes to the physician because of fatigue, weight loss, and dizziness on"
        " standing for {months} months",
        (
            "{He} has been craving salty foods.",
            "Examination shows hyperpigmentation of the palmar creases and buccal mucosa.",
            "Serum sodium concentration is 128 mEq/L, and potassium concentration is 5.9 mEq/L.",
            "Blood pressure is 92/58 mm Hg.",
        ),
        "Which of the following is the most likely diagnosis?",
        "Primary adrenal insufficiency",
        (
            "Secondary adrenal insufficiency",
            "Primary hyperaldosteronism",
            "Pheochromocytoma",
            "Syndrome of inappropriate antidiuretic hormone secretion",
        ),
    ),
    Vignette(
        (2, 5),
        ("boy", "girl"),
        "is brought to the physician because of fever for 6 days",
        (
            "{He} has bilateral nonexudative conjunctival injection.",
            "Examination shows cracked red lips and a strawberry tongue.",
            "There is erythema and swelling of the hands and feet.",
            "A tender 2-cm cervical lymph node is palpated.",
        ),
        "Which of the following is the most appropriate pharmacotherapy?",
        "Intravenous immunoglobulin and aspirin",
        ("Oral amoxicillin", "Oral prednisone", "Intravenous ceftriaxone", "Oral ibuprofen alone"),
    ),
    Vignette(
        (22, 38),
        ("woman",),
        "at 34 weeks' gestation comes to the physician because of a severe headache for {days} days",
        (
            "This is {his} first pregnancy.",
            "Blood pressure is 166/112 mm Hg.",
            "Urinalysis shows 3+ protein.",
            "{His} blood pressure was normal before 20 weeks' gestation.",
        ),
        "Which of the following is the most likely diagnosis?",
        "Preeclampsia with severe features",
        ("Gestational hypertension", "Chronic hypertension", "Eclampsia", "Migraine without aura"),
    ),
    Vignette(
        (20, 42),
        ADULTS,
        "comes to the physician because of chronic diarrhea and bloating for {months} months",
        (
            "{He} has lost 5 kg over this period.",
            "{He} has an itchy vesicular rash on the elbows and knees.",
            "Laboratory studies show iron deficiency anemia.",
        ),
        "Which of the following is the most appropriate next step in diagnosis?",
        "Serum tissue transglutaminase IgA antibody",
        (
            "Stool ova and parasite examination",
            "Hydrogen breath test",
            "Abdominal CT scan",
            "Fecal calprotectin",
        ),
        (70, 90, 104, 124),
    ),
    Vignette(
        (55, 85),
        ADULTS,
        "develops profuse watery diarrhea {days} days after starting clindamycin for cellulitis",
        (
            "Temperature is 38.2°C (100.8°F).",
            "The abdomen is mildly tender.",
            "Leukocyte count is 16,500/mm3.",
            "A stool PCR test for the toxin B gene is positive.",
        ),
        "Which of the following is the most appropriate pharmacotherapy?",
        "Oral vancomycin",
        ("Intravenous vancomycin", "Oral loperamide", "Oral ciprofloxacin", "Oral rifaximin"),
    ),
    Vignette(
        (18, 45),
        ADULTS,
        "is brought to the emergency department after being found unresponsive",
        ("Respirations are 6/min.", "The pupils are pinpoint.", "Needle marks are present on both forearms."),
        "Which of the following is the most appropriate initial pharmacotherapy?",
        "Naloxone",
        ("Flumazenil", "Atropine", "Physostigmine", "Fomepizole"),
    ),
    Vignette(
        (16, 30),
        ADULTS,
        "is brought to the emergency department {hours} hours after ingesting a large"
        " number of pills in a suicide attempt",
        (
            "{He} has nausea.",
            "The empty bottle was labeled as an over-the-counter analgesic.",
            "Serum acetaminophen concentration is markedly increased.",
        ),
        "Which of the following is the most appropriate pharmacotherapy?",
        "N-acetylcysteine",
        ("Fomepizole", "Deferoxamine", "Sodium bicarbonate", "Naloxone"),
        (92, 110, 106, 124),
    ),
    Vignette(
        (20, 45),
        ("woman",),
        "comes to the physician because of palpitations, heat intolerance, and"
        " weight loss for {months} months",
        (
            "{His} eyes appear prominent.",
            "There is a fine tremor of the outstretched hands.",
            "The thyroid gland is diffusely enlarged and nontender.",
            "Serum TSH is undetectable.",
        ),
        "Which of the following is the most likely cause of this patient's condition?",
        "Graves disease",
        (
            "Subacute granulomatous thyroiditis",
            "Toxic multinodular goiter",
            "Hashimoto thyroiditis",
            "Factitious thyrotoxicosis",
        ),
        (104, 122, 132, 148),
    ),
    Vignette(
        (12, 30),
        ADULTS,
        "comes to the emergency department because of abdominal pain that began"
        " around the umbilicus {hours} hours ago and moved to the right lower quadrant",
        (
            "{He} has nausea and loss of appetite.",
            "Temperature is 38.1°C (100.6°F).",
            "There is tenderness at McBurney point.",
            "Leukocyte count is 14,200/mm3.",
        ),
        "Which of the following is the most likely diagnosis?",
        "Acute appendicitis",
        ("Mesenteric adenitis", "Meckel diverticulitis", "Crohn disease", "Ureteral stone"),
        (92, 108, 112, 130),
    ),
)

PRONOUNS = {
    "man": {"He": "He", "His": "His", "he": "he", "his": "his"},
    "boy": {"He": "He", "His": "His", "he": "he", "his": "his"},
    "woman": {"He": "She", "His": "Her", "he": "she", "his": "her"},
    "girl": {"He": "She", "His": "Her", "he": "she", "his": "her"},
}


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


@dataclass(frozen=True)
class Trial:
    intervention: str
    outcome: str
    population: str


TRIALS: tuple[Trial, ...] = (
    Trial("dexmedetomidine", "postoperative delirium", "patients undergoing cardiac surgery"),
    Trial("N-acetylcysteine", "contrast-induced nephropathy", "patients with chronic kidney disease"),
    Trial("colchicine", "major cardiovascular events", "patients with coronary artery disease"),
    Trial("tranexamic acid", "perioperative blood loss", "patients undergoing total knee arthroplasty"),
    Trial("vitamin D supplementation", "asthma exacerbations", "children with asthma"),
    Trial("statin therapy", "28-day mortality", "patients with sepsis"),
    Trial("early mobilization", "length of stay", "patients in the intensive care unit"),
    Trial("probiotics", "antibiotic-associated diarrhoea", "hospitalized adults"),
    Trial("melatonin", "delirium", "older medical inpatients"),
    Trial("metformin", "cancer incidence", "patients with type 2 diabetes"),
)


def _trial_result(rng: random.Random, t: Trial, verdict: str) -> str:
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


# Science facts for SciQ: (question phrasings, answer, answer group); the wrong options are
# drawn from the other answers of the same group.
SCIQ_FACTS: tuple[tuple[tuple[str, str], str, str], ...] = (
    (
        (
            "Which organelle is the main site of cellular respiration?",
            "Cellular respiration mainly takes place in which organelle?",
        ),
        "mitochondrion",
        "organelle",
    ),
    (
        (
            "Which organelle carries out protein synthesis?",
            "Proteins are synthesized on which cell structure?",
        ),
        "ribosome",
        "organelle",
    ),
    (
        (
            "Which organelle performs photosynthesis in plant cells?",
            "In plant cells, photosynthesis occurs in which organelle?",
        ),
        "chloroplast",
        "organelle",
    ),
    (
        (
            "Which organelle stores most of the DNA of a eukaryotic cell?",
            "Most DNA of a eukaryotic cell is found in which organelle?",
        ),
        "nucleus",
        "organelle",
    ),
    (
        (
            "Which organelle digests worn-out cell parts?",
            "Cellular waste is broken down by enzymes in which organelle?",
        ),
        "lysosome",
        "organelle",
    ),
    (
        (
            "Which organelle modifies and packages proteins for secretion?",
            "Proteins are sorted and packaged for export in which organelle?",
        ),
        "Golgi apparatus",
        "organelle",
    ),
    (
        ("Which hormone lowers blood glucose?", "Blood sugar is reduced by which hormone?"),
        "insulin",
        "hormone",
    ),
    (
        (
            "Which hormone is released by the pineal gland and regulates sleep?",
            "Sleep-wake cycles are regulated by which pineal hormone?",
        ),
        "melatonin",
        "hormone",
    ),
    (
        (
            "Which hormone do the kidneys release to stimulate red blood cell production?",
            "Red blood cell production is stimulated by which kidney hormone?",
        ),
        "erythropoietin",
        "hormone",
    ),
    (
        (
            "Which hormone is the main glucocorticoid of the adrenal cortex?",
            "The adrenal cortex releases which stress hormone?",
        ),
        "cortisol",
        "hormone",
    ),
    (
        (
            "Which hormone of the thyroid gland contains four iodine atoms?",
            "The thyroid hormone with four iodine atoms is called what?",
        ),
        "thyroxine",
        "hormone",
    ),
    (
        ("A lack of which vitamin causes scurvy?", "Scurvy results from a deficiency of which vitamin?"),
        "vitamin C",
        "vitamin",
    ),
    (
        (
            "A lack of which vitamin causes rickets in children?",
            "Rickets results from a deficiency of which vitamin?",
        ),
        "vitamin D",
        "vitamin",
    ),
    (
        (
            "A lack of which vitamin causes night blindness?",
            "Night blindness is an early sign of a deficiency of which vitamin?",
        ),
        "vitamin A",
        "vitamin",
    ),
    (
        ("A lack of which vitamin causes beriberi?", "Beriberi results from a deficiency of which vitamin?"),
        "thiamine",
        "vitamin",
    ),
    (
        ("A lack of which vitamin causes pellagra?", "Pellagra results from a deficiency of which vitamin?"),
        "niacin",
        "vitamin",
    ),
    (
        ("What type of pathogen causes tuberculosis?", "Tuberculosis is caused by what kind of organism?"),
        "bacterium",
        "pathogen",
    ),
    (
        ("What type of pathogen causes influenza?", "Influenza is caused by what kind of agent?"),
        "virus",
        "pathogen",
    ),
    (
        ("What type of pathogen causes malaria?", "Malaria is caused by what kind of organism?"),
        "protozoan",
        "pathogen",
    ),
    (
        (
            "What type of pathogen causes athlete's foot?",
            "Athlete's foot is caused by what kind of organism?",
        ),
        "fungus",
        "pathogen",
    ),
    (
        (
            "Which blood cells carry oxygen to the tissues?",
            "Oxygen is transported in the blood by which cells?",
        ),
        "red blood cells",
        "blood cell",
    ),
    (
        ("Which blood components start clot formation?", "Blood clotting begins with which cell fragments?"),
        "platelets",
        "blood cell",
    ),
    (
        ("Which white blood cells produce antibodies?", "Antibodies are made by which white blood cells?"),
        "B lymphocytes",
        "blood cell",
    ),
    (
        (
            "Which white blood cells are the first to engulf invading bacteria?",
            "The most numerous phagocytes in blood are which cells?",
        ),
        "neutrophils",
        "blood cell",
    ),
)


def make_sciq(rng: random.Random) -> Example:
    phrasings, answer, group = rng.choice(SCIQ_FACTS)
    wrong = [a for _, a, g in SCIQ_FACTS if g == group and a != answer]
    options = [answer, *rng.sample(wrong, 3)]
    rng.shuffle(options)
    return options_input(rng.choice(phrasings), options), answer


def make_pubmedqa_labeled(rng: random.Random) -> Example:
    t = rng.choice(TRIALS)
    verdict = rng.choice(("yes", "no", "maybe"))
    context = f"{_trial_background(rng, t)} {_trial_result(rng, t, verdict)}"
    question = f"Does {t.intervention} reduce {t.outcome} in {t.population}?"
    return f"Question: {question}\nContext: {context}\nOptions: yes / no / maybe", verdict


def make_pubmedqa_artificial(rng: random.Random) -> Example:
    t = rng.choice(TRIALS)
    verdict = rng.choice(("yes", "no"))
    context = f"{_trial_background(rng, t)} {_trial_result(rng, t, verdict)}"
    question = f"Is {t.intervention} associated with less {t.outcome} in {t.population}?"
    return f"Question: {question}\nContext: {context}", verdict


def _genetic_context(rng: random.Random, g: GeneticDisease, *, states_inheritance: bool = False) -> str:
    options = (
        f"{cap(g.disease)} is an {g.inheritance} disorder caused by mutations in {g.gene}, which encodes"
        f" {g.protein}.",
        f"Loss-of-function variants in {g.gene} account for most cases of {g.disease}; the gene encodes"
        f" {g.protein}.",
        f"{g.gene} encodes {g.protein}, and pathogenic {g.gene} variants cause {g.disease}, which is"
        " inherited"
        f" in an {g.inheritance} pattern.",
    )
    return rng.choice([o for o in options if g.inheritance in o] if states_inheritance else options)


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
    return f"Question: {question}\nContext: {_genetic_context(rng, g)}", "yes" if truthful else "no"


# --------------------------------------------------------------------------- TE

COVID_CLAIMS = (
    ("vitamin D supplementation", "severe COVID-19"),
    ("face masks", "SARS-CoV-2 transmission"),
    ("dexamethasone", "death in ventilated COVID-19 patients"),
    ("zinc supplements", "symptomatic COVID-19"),
    ("vaccination", "hospitalization for COVID-19"),
    ("hand hygiene", "respiratory infections"),
    ("remdesivir", "time to recovery from COVID-19"),
)


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
    return f"Claim: {claim}\nEvidence: {_evidence(rng, intervention, outcome, verdict)}", label


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
    return f"Claim: {claim}\nEvidence: {_evidence(rng, intervention, outcome, verdict)}", label


def make_scifact(rng: random.Random) -> Example:
    t = rng.choice(TRIALS)
    verdict = rng.choice(("yes", "no", "neutral"))
    claim = f"{cap(t.intervention)} reduces {t.outcome} in {t.population}."
    if verdict == "neutral":
        other = rng.choice([o for o in TRIALS if o.intervention != t.intervention])
        evidence = _trial_result(rng, other, rng.choice(("yes", "no")))
    else:
        evidence = _trial_result(rng, t, verdict)
    label = {"yes": "SUPPORT", "no": "CONTRADICT", "neutral": "NOINFO"}[verdict]
    return f"Claim: {claim}\nEvidence: {evidence}", label


# --------------------------------------------------------------------------- TXTCLASS

HALLMARKS: dict[str, tuple[str, ...]] = {
    "sustaining proliferative signaling": (
        "{onco} overexpression enhanced growth factor-dependent proliferation of {cancer} cells",
        "constitutive {onco} activity sustained ERK signalling in {cancer} cells",
    ),
    "evading growth suppressors": (
        "loss of {tsg} allowed {cancer} cells to bypass the G1/S checkpoint",
        "{cancer} cells escaped contact inhibition after {tsg} silencing",
    ),
    "resisting cell death": (
        "{onco} protected {cancer} cells from apoptosis induced by {drug}",
        "high BCL-2 levels made {cancer} cells resistant to {drug}-induced cell death",
    ),
    "enabling replicative immortality": (
        "{cancer} cells maintained telomere length through TERT reactivation",
        "telomerase inhibition caused senescence of {cancer} cells after {k} population doublings",
    ),
    "inducing angiogenesis": (
        "{onco} increased VEGF secretion and microvessel density in {cancer} xenografts",
        "hypoxia-driven HIF-1alpha promoted tumour angiogenesis in {cancer}",
    ),
    "activating invasion and metastasis": (
        "knockdown of {onco} reduced invasion and lung metastasis of {cancer} cells",
        "loss of E-cadherin promoted epithelial-mesenchymal transition in {cancer}",
    ),
    "genomic instability and mutation": (
        "{tsg} deficiency caused chromosomal instability in {cancer} cells",
        "defective mismatch repair led to a high mutation burden in {cancer}",
    ),
    "tumor promoting inflammation": (
        "macrophage-derived IL-6 promoted the growth of {cancer}",
        "chronic inflammation driven by NF-kappaB accelerated {cancer} development",
    ),
    "cellular energetics": (
        "{cancer} cells relied on aerobic glycolysis and produced large amounts of lactate",
        "{onco} increased glucose uptake in {cancer} cells",
    ),
    "avoiding immune destruction": (
        "PD-L1 expression allowed {cancer} cells to escape T cell-mediated killing",
        "{cancer} tumours recruited regulatory T cells that suppressed antitumour immunity",
    ),
}


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
    return cap(text), ", ".join(labels)


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
        return f"Utterance: {text}", "patient"
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
    return f"Utterance: {text}", "doctor"


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
    return f"Citation context: {rng.choice(options[label])}", label


LITCOVID: dict[str, tuple[str, ...]] = {
    "Treatment": (
        "{drug} was given to {n} hospitalized patients with COVID-19, and time to recovery was recorded.",
    ),
    "Diagnosis": ("RT-PCR and chest CT were compared for detecting SARS-CoV-2 infection in {n} patients.",),
    "Prevention": ("Mask wearing and vaccination reduced infections among {n} health care workers.",),
    "Mechanism": ("The SARS-CoV-2 spike protein binds ACE2 and is primed by the protease TMPRSS2.",),
    "Transmission": ("Household transmission occurred in {k} of {n} families with an index case.",),
    "Epidemic Forecasting": ("An SEIR model predicted {n} new cases per day at the epidemic peak.",),
    "Case Report": ("We report {article} {age}-year-old patient who developed myocarditis after COVID-19.",),
}


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
    return " ".join(sentences), ", ".join(labels)


# --------------------------------------------------------------------------- TEXTPAIRCLASS


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
    return f"Drug: {drug}\nText: {rng.choice(review)}", label


# --------------------------------------------------------------------------- STS


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
    return f"Text 1: {first}\nText 2: {second}", str(score)


MQP_INTENTS = (
    ("Is it safe to take {drug} during pregnancy?", "Can a pregnant woman use {drug}?"),
    ("What is the usual adult dose of {drug}?", "How much {drug} should an adult take per day?"),
    ("What are the common side effects of {drug}?", "Which side effects does {drug} usually cause?"),
    ("Can I drink alcohol while taking {drug}?", "Is it dangerous to combine {drug} with alcohol?"),
    ("How long does {drug} take to start working?", "After how many days does {drug} begin to work?"),
)


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
    return (
        f"Question 1: {first.format(drug=drug)}\nQuestion 2: {second.format(drug=drug)}",
        "1" if same else "0",
    )


# --------------------------------------------------------------------------- SUM


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


MXS_TOPICS = (
    ("biomedical named entity recognition", "disease and chemical mentions in PubMed abstracts"),
    ("clinical relation extraction", "relations between drugs and adverse events in clinical notes"),
    ("medical question answering", "answers to consumer health questions"),
    ("biomedical entity linking", "links from disease mentions to MeSH concepts"),
    ("radiology report summarization", "impressions from the findings section of radiology reports"),
    ("adverse drug event detection", "adverse drug events in social media posts"),
)
MXS_METHODS = (
    "a BiLSTM-CRF tagger",
    "a graph convolutional network",
    "a domain-specific pretrained language model",
    "distant supervision from UMLS",
    "a pointer-generator network",
    "a retrieval-augmented generator",
    "multi-task learning across related corpora",
    "contrastive pretraining on PubMed abstracts",
)
MXS_CORPORA = ("NCBI-disease", "BC5CDR", "i2b2 2010", "MedQA", "MIMIC-CXR", "n2c2 2018")


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
    return f"Abstract: {abstract}\nReference @cite_1: {ref1}\nReference @cite_2: {ref2}", related


# --------------------------------------------------------------------------- TRANSL
# Columns: English, Chinese, German, Spanish.

TR_DISEASES = (
    ("hypertension", "高血压", "Hypertonie", "hipertensión"),
    ("breast cancer", "乳腺癌", "Brustkrebs", "cáncer de mama"),
    ("type 2 diabetes", "2型糖尿病", "Typ-2-Diabetes", "diabetes tipo 2"),
    ("epilepsy", "癫痫", "Epilepsie", "epilepsia"),
    ("schizophrenia", "精神分裂症", "Schizophrenie", "esquizofrenia"),
    ("atrial fibrillation", "心房颤动", "Vorhofflimmern", "fibrilación auricular"),
    ("sepsis", "脓毒症", "Sepsis", "sepsis"),
    ("heart failure", "心力衰竭", "Herzinsuffizienz", "insuficiencia cardiaca"),
    ("pneumonia", "肺炎", "Pneumonie", "neumonía"),
    ("asthma", "哮喘", "Asthma", "asma"),
    ("tuberculosis", "结核病", "Tuberkulose", "tuberculosis"),
)
TR_DRUGS = (
    ("metformin", "二甲双胍", "Metformin", "metformina"),
    ("warfarin", "华法林", "Warfarin", "warfarina"),
    ("aspirin", "阿司匹林", "Aspirin", "aspirina"),
    ("tamoxifen", "他莫昔芬", "Tamoxifen", "tamoxifeno"),
    ("insulin", "胰岛素", "Insulin", "insulina"),
    ("amoxicillin", "阿莫西林", "Amoxicillin", "amoxicilina"),
    ("carbamazepine", "卡马西平", "Carbamazepin", "carbamazepina"),
    ("salbutamol", "沙丁胺醇", "Salbutamol", "salbutamol"),
    ("isoniazid", "异烟肼", "Isoniazid", "isoniazida"),
)
TR_EVENTS = (
    ("nausea", "恶心", "Übelkeit", "náuseas"),
    ("headache", "头痛", "Kopfschmerzen", "cefalea"),
    ("dizziness", "头晕", "Schwindel", "mareo"),
    ("rash", "皮疹", "Hautausschlag", "exantema"),
    ("diarrhoea", "腹泻", "Durchfall", "diarrea"),
    ("fatigue", "乏力", "Müdigkeit", "fatiga"),
)
# German and Spanish need the article and preposition that go with each outcome.
TR_OUTCOMES = (
    ("mortality", "死亡率", "in der Mortalität", "en la mortalidad"),
    ("blood pressure", "血压", "im Blutdruck", "en la presión arterial"),
    (
        "length of hospital stay",
        "住院时间",
        "in der Krankenhausverweildauer",
        "en la duración de la estancia hospitalaria",
    ),
    ("quality of life", "生活质量", "in der Lebensqualität", "en la calidad de vida"),
)
TR_SENTENCES = (
    (
        "Patients with {dis} were treated with {drug} for {n} weeks.",
        "{dis}患者接受了为期{n}周的{drug}治疗。",
        "Patienten mit {dis} wurden {n} Wochen lang mit {drug} behandelt.",
        "Los pacientes con {dis} fueron tratados con {drug} durante {n} semanas.",
    ),
    (
        "No significant difference {out} was found between the two groups.",
        "两组之间的{out}无显著差异。",
        "Zwischen den beiden Gruppen wurde kein signifikanter Unterschied {out} festgestellt.",
        "No se observaron diferencias significativas {out} entre los dos grupos.",
    ),
    (
        "The most common adverse event was {ev}, reported by {p}% of patients.",
        "最常见的不良事件是{ev}，发生于{p}%的患者。",
        "Das häufigste unerwünschte Ereignis war {ev}; es wurde von {p} % der Patienten berichtet.",
        "El acontecimiento adverso más frecuente fue {ev}, notificado por el {p} % de los pacientes.",
    ),
    (
        "{Article} {age}-year-old man was admitted to hospital with {dis}.",
        "一名{age}岁男性因{dis}入院。",
        "Ein {age}-jähriger Mann wurde mit {dis} ins Krankenhaus aufgenommen.",
        "Un hombre de {age} años ingresó en el hospital por {dis}.",
    ),
    (
        "{Drug} should be used with caution in patients with {dis}.",
        "{dis}患者应慎用{drug}。",
        "Bei Patienten mit {dis} sollte {drug} mit Vorsicht angewendet werden.",
        "{Drug} debe utilizarse con precaución en pacientes con {dis}.",
    ),
    (
        "The incidence of {dis} increased with age.",
        "{dis}的发病率随年龄增长而升高。",
        "Die Inzidenz von {dis} nahm mit dem Alter zu.",
        "La incidencia de {dis} aumentó con la edad.",
    ),
    (
        "A total of {n} patients with {dis} were enrolled in the study.",
        "本研究共纳入{n}例{dis}患者。",
        "Insgesamt wurden {n} Patienten mit {dis} in die Studie aufgenommen.",
        "Se incluyeron en el estudio {n} pacientes con {dis}.",
    ),
)
ENGLISH, CHINESE, GERMAN, SPANISH = range(4)


def _parallel_text(rng: random.Random, source: int, target: int) -> Example:
    templates = rng.sample(TR_SENTENCES, 2)
    dis = rng.choice(TR_DISEASES)
    drug = rng.choice(TR_DRUGS)
    event = rng.choice(TR_EVENTS)
    outcome = rng.choice(TR_OUTCOMES)
    age = rng.randint(30, 90)
    numbers = {"n": str(rng.randint(2, 52)), "p": str(rng.randint(3, 30)), "age": str(age)}
    numbers["Article"] = cap(article(age))  # English only; the other languages ignore it

    def render(lang: int) -> str:
        # English "No significant difference in X"; the other languages carry their own preposition.
        out = f"in {outcome[ENGLISH]}" if lang == ENGLISH else outcome[lang]
        parts = [
            t[lang].format(
                dis=dis[lang], drug=drug[lang], Drug=cap(drug[lang]), ev=event[lang], out=out, **numbers
            )
            for t in templates
        ]
        return ("" if lang == CHINESE else " ").join(parts)

    return render(source), render(target)


def make_paramed(rng: random.Random) -> Example:
    return _parallel_text(rng, CHINESE, ENGLISH)


def make_muchmore(rng: random.Random) -> Example:
    return _parallel_text(rng, GERMAN, ENGLISH)


def make_scielo(rng: random.Random) -> Example:
    return _parallel_text(rng, ENGLISH, SPANISH)


# --------------------------------------------------------------------------- the tasks


@dataclass(frozen=True)
class TaskSpec:
    name: str  # a real MEDINST task name (medinst_tui/data/tasks.csv)
    category: str
    style: str  # output shape; demonstrations prefer tasks of the same shape
    instruction: str
    make: Maker
    sizes: tuple[int, int, int] = DEFAULT_SIZES


def _bio_instruction(what: str) -> str:
    return (
        f"Given a sentence, label each {what} mention in the BIO format: 'B' for the first word of a mention,"
        " 'I' for a following word of the same mention, 'O' for any other word. Write each word as"
        " 'word [LABEL]'."
    )


def _entity_instruction(what: str, types: Sequence[str]) -> str:
    return (
        f"Identify, extract and classify all {what} entities in the text, in order of appearance. Types are"
        f" [{', '.join(types)}]. Present them as [entity <type>]."
    )


def _relation_instruction(what: str, types: str) -> str:
    return (
        f"Extract the relations between {what} in the text. Relation types: {types}. Present each relation"
        " as [<entity1> <relation> <entity2>]."
    )


def _coref_instruction(what: str) -> str:
    return (
        f"Given a text and a specified {what} entity, extract every co-reference to that entity, in order"
        " of appearance. Present each as [co-reference]."
    )


def _event_instruction(types: Sequence[str]) -> str:
    return (
        f"Extract the events in the text with their primary arguments. Event types are [{', '.join(types)}]."
        " Present each event as [<type> <trigger> <theme entity>]."
    )


TASKS: tuple[TaskSpec, ...] = (
    # NER
    TaskSpec("NCBI-disease", "NER", "bio", _bio_instruction("disease"), make_ncbi_disease),
    TaskSpec("BC5CDR", "NER", "bio", _bio_instruction("chemical and disease"), make_bc5cdr),
    TaskSpec("BC2GM", "NER", "bio", _bio_instruction("gene and protein"), make_bc2gm),
    TaskSpec("AnEM", "NER", "entity", _entity_instruction("anatomical", list(ANEM_TERMS)), make_anem),
    TaskSpec(
        "tmVar-v3",
        "NER",
        "entity",
        _entity_instruction(
            "gene variant", ["Gene", "Species", "DNAMutation", "ProteinMutation", "SNP", "CellLine"]
        ),
        make_tmvar_v3,
    ),
    TaskSpec(
        "GNormPlus",
        "NER",
        "entity",
        _entity_instruction("gene and protein", ["Gene", "FamilyName", "DomainMotif"]),
        make_gnormplus,
    ),
    TaskSpec(
        "tmVar-v1",
        "NER",
        "entity",
        _entity_instruction("gene variant", ["DNAMutation", "SNP", "ProteinMutation"]),
        make_tmvar_v1,
    ),
    # NED
    TaskSpec(
        "MeDAL",
        "NED",
        "text",
        "Given a text and an abbreviation that occurs in it, write out the full form"
        " that the abbreviation stands for in this context.",
        make_medal,
    ),
    TaskSpec(
        "tmVar-v3-NED",
        "NED",
        "entity",
        "You are given a text. Identify and extract all gene and variant"
        " entities in it, in order of appearance, and give each its identifier: NCBI Gene for genes and"
        " dbSNP for variants. Present the entities in the format: [entity <db_name/db_id>].",
        make_tmvar_v3_ned,
    ),
    TaskSpec(
        "BC5CDR-NED",
        "NED",
        "entity",
        "You are given a text. Identify and extract all chemical and disease"
        " entities in it, in order of appearance, and give each its MeSH identifier. Present the entities"
        " in the format: [entity <db_name/db_id>].",
        make_bc5cdr_ned,
    ),
    TaskSpec(
        "NCBI-disease-NED",
        "NED",
        "entity",
        "You are given a text. Identify and extract all disease entities"
        " in it, in order of appearance, and link each to its MeSH identifier. Present the entities in the"
        " format: [entity <db_name/db_id>].",
        make_ncbi_disease_ned,
    ),
    # RE
    TaskSpec(
        "BC5CDR-RE",
        "RE",
        "relation",
        _relation_instruction("chemicals and diseases", "[CID] (CID: the chemical induces the disease)"),
        make_bc5cdr_re,
    ),
    TaskSpec(
        "BioInfer-RE",
        "RE",
        "relation",
        _relation_instruction("proteins", "[PPI] (PPI: the proteins interact)"),
        make_bioinfer_re,
    ),
    TaskSpec(
        "DDI-RE",
        "RE",
        "relation",
        _relation_instruction(
            "drugs",
            "[mechanism, effect, advise, int] (mechanism: pharmacokinetic; effect: changed drug effect;"
            " advise: a recommendation; int: unspecified)",
        ),
        make_ddi_re,
    ),
    TaskSpec(
        "ChemProt-RE",
        "RE",
        "relation",
        _relation_instruction(
            "chemicals and proteins",
            "[CPR:3, CPR:4, CPR:5, CPR:6, CPR:9] (activator, inhibitor, agonist, antagonist, substrate)",
        ),
        make_chemprot_re,
    ),
    # COREF
    TaskSpec("AnEM-COREF", "COREF", "coref", _coref_instruction("anatomical"), make_anem_coref),
    TaskSpec("MLEE-COREF", "COREF", "coref", _coref_instruction("biological"), make_mlee_coref),
    TaskSpec("BioNLP-2011-GE-COREF", "COREF", "coref", _coref_instruction("protein"), make_ge_coref),
    # EE
    TaskSpec(
        "MLEE-EE",
        "EE",
        "event",
        _event_instruction(
            [
                "Blood_vessel_development",
                "Cell_proliferation",
                "Cell_migration",
                "Gene_expression",
                "Growth",
                "Death",
                "Positive_regulation",
                "Negative_regulation",
            ]
        ),
        make_mlee_ee,
    ),
    TaskSpec(
        "BioNLP-2011-GE-EE",
        "EE",
        "event",
        _event_instruction(
            [
                "Binding",
                "Positive_regulation",
                "Phosphorylation",
                "Regulation",
                "Transcription",
                "Localization",
                "Gene_expression",
                "Protein_catabolism",
                "Negative_regulation",
            ]
        ),
        make_ge_ee,
    ),
    TaskSpec(
        "BioNLP-2013-CG-EE",
        "EE",
        "event",
        _event_instruction(
            [
                "Cell_proliferation",
                "Death",
                "Metastasis",
                "Mutation",
                "Gene_expression",
                "Positive_regulation",
                "Negative_regulation",
            ]
        ),
        make_cg_ee,
    ),
    # QA
    TaskSpec(
        "MedQA",
        "QA",
        "choice",
        "Given a medical question, choose the correct answer from the listed options.",
        make_medqa,
        MEDQA_SIZES,
    ),
    TaskSpec(
        "PubMedQA-labeled",
        "QA",
        "label",
        "Given a question and a context from a biomedical abstract,"
        " choose the correct answer from the provided options.",
        make_pubmedqa_labeled,
    ),
    TaskSpec(
        "BioASQ-Task-B-yesno",
        "QA",
        "label",
        "Given a biomedical question and a supporting snippet, answer the question with 'yes' or 'no'.",
        make_bioasq_yesno,
    ),
    TaskSpec(
        "PubMedQA-artificial",
        "QA",
        "label",
        "Given a question and a context from a biomedical abstract, answer the question with 'yes' or 'no'.",
        make_pubmedqa_artificial,
    ),
    TaskSpec(
        "SciQ",
        "QA",
        "choice",
        "Given a science question, select the correct answer from the provided options.",
        make_sciq,
    ),
    # TE
    TaskSpec(
        "SciFact",
        "TE",
        "label",
        "Given a scientific claim and a piece of evidence, decide whether the"
        " evidence supports the claim, contradicts it, or gives no information about it. Answer with one"
        " of: 'SUPPORT', 'CONTRADICT', 'NOINFO'.",
        make_scifact,
    ),
    TaskSpec(
        "CoVERt",
        "TE",
        "label",
        "Given a claim from social media and a piece of evidence, determine whether"
        " the evidence supports or refutes the claim. Respond with one of the following: 'Supports',"
        " 'Refutes', or 'Not enough information'.",
        make_covert,
    ),
    TaskSpec(
        "HealthVer",
        "TE",
        "label",
        "Given a pair of texts, a claim and the evidence, determine whether the"
        " evidence supports, refutes, or is neutral regarding the claim. Respond with one of the following:"
        " 'Supports', 'Refutes', or 'Neutral'.",
        make_healthver,
    ),
    # TXTCLASS
    TaskSpec(
        "Hallmarks-of-Cancer",
        "TXTCLASS",
        "multilabel",
        "Classify the sentence into the hallmarks of cancer"
        " it describes: [" + ", ".join(HALLMARKS) + "]. List all that apply, separated by ', '.",
        make_hallmarks,
    ),
    TaskSpec(
        "MedDialog",
        "TXTCLASS",
        "label",
        "You are given an utterance from an online medical consultation."
        " Decide who wrote it. Answer with 'patient' or 'doctor'.",
        make_meddialog,
    ),
    TaskSpec(
        "SciCite",
        "TXTCLASS",
        "label",
        "You are provided with a citation context. Classify the intent of"
        " the citation. Intents are: [background, method, result].",
        make_scicite,
    ),
    TaskSpec(
        "BC7-LitCovid",
        "TXTCLASS",
        "multilabel",
        "You are given a text from a COVID-19 article. Assign all"
        " the topics that apply from [" + ", ".join(LITCOVID) + "], separated by ', '.",
        make_litcovid,
    ),
    # TEXTPAIRCLASS: Medical-Data is the only task of this category in MEDINST.
    TaskSpec(
        "Medical-Data",
        "TEXTPAIRCLASS",
        "label",
        "You are given a drug name and a text about it. Judge the"
        " sentiment the text expresses towards the drug. Answer with 'Positive', 'Negative', or 'Neutral'.",
        make_medical_data,
    ),
    # STS
    TaskSpec(
        "BIOSSES",
        "STS",
        "score",
        "Given two texts, rate how similar they are in meaning with an integer"
        " from 0 to 5, where 0 means unrelated and 5 means equivalent.",
        make_biosses,
    ),
    TaskSpec(
        "MQP",
        "STS",
        "score",
        "Given two medical questions, decide whether they ask the same thing. Answer"
        " 1 if they are similar and 0 if they are not.",
        make_mqp,
    ),
    # SUM
    TaskSpec(
        "Multi-XScience",
        "SUM",
        "text",
        "Write the related-work section of a paper based on its abstract"
        " and the abstracts of the articles it references.",
        make_multi_xscience,
    ),
    TaskSpec(
        "MeQSum",
        "SUM",
        "text",
        "Summarize the consumer health question below into one short question that keeps its main request.",
        make_meqsum,
    ),
    # TRANSL
    TaskSpec("ParaMed", "TRANSL", "text", "Translate the text from Chinese to English.", make_paramed),
    TaskSpec(
        "MuchMore-TRANSL",
        "TRANSL",
        "text",
        "Translate the medical text from German to English.",
        make_muchmore,
    ),
    TaskSpec("SciELO", "TRANSL", "text", "Translate the text from English to Spanish.", make_scielo),
)


# --------------------------------------------------------------------------- generation


@dataclass(frozen=True)
class CatalogEntry:
    category: str
    in_medinst32: bool


def load_catalog(path: Path = CATALOG_CSV) -> dict[str, CatalogEntry]:
    with path.open(newline="", encoding="utf-8") as handle:
        return {
            row["name"]: CatalogEntry(row["category"], row["in_medinst32_test"].strip().lower() == "true")
            for row in csv.DictReader(handle)
        }


Row = dict[str, object]


def build_rows(spec: TaskSpec) -> dict[str, list[Row]]:
    """Rows per split; inputs are unique across the task's splits (no leakage between splits)."""
    seen: set[str] = set()
    rows: dict[str, list[Row]] = {}
    for split, size in zip(SPLITS, spec.sizes, strict=True):
        rng = random.Random(f"{SEED}:{spec.name}:{split}")
        rows[split] = []
        while len(rows[split]) < size:
            for _attempt in range(500):
                source, target = spec.make(rng)
                if source not in seen:
                    break
            else:
                raise RuntimeError(f"{spec.name}: templates too few for {sum(spec.sizes)} distinct inputs")
            seen.add(source)
            rows[split].append({"instruction": spec.instruction, "input": source, "output": target})
    return rows


def demo_pool(spec: TaskSpec, specs: Sequence[TaskSpec], m32: set[str]) -> list[TaskSpec]:
    """Tasks whose train rows may serve as demonstrations for spec: the same category, not spec itself,
    preferably outside MEDINST32 (its training side), preferably of the same output shape."""
    others = [s for s in specs if s.category == spec.category and s.name != spec.name]
    pool = [s for s in others if s.name not in m32] or others
    return [s for s in pool if s.style == spec.style] or pool


def with_history(
    spec: TaskSpec, test_rows: Sequence[Row], pool: Sequence[TaskSpec], train: dict[str, list[Row]]
) -> list[Row]:
    result: list[Row] = []
    for index, row in enumerate(test_rows):
        rng = random.Random(f"{SEED}:history:{spec.name}:{index}")
        if len(pool) >= HISTORY_SHOTS:
            shots = [rng.choice(train[s.name]) for s in rng.sample(list(pool), HISTORY_SHOTS)]
        else:
            shots = rng.sample(train[pool[0].name], HISTORY_SHOTS)
        history = [[f"{shot['instruction']}\n{shot['input']}", shot["output"]] for shot in shots]
        result.append({**row, "history": history})
    return result


def dump_jsonl(path: Path, rows: Sequence[Row]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    path.write_bytes(text.encode("utf-8"))


def readme_text(specs: Sequence[TaskSpec], m32: set[str]) -> str:
    lines = [
        "# medinst-tui demo data (synthetic)",
        "",
        "**This is synthetic demo data written for medinst-tui. It is not MEDINST and not MEDINST32.**",
        "Every row was generated by `scripts/make_demo_data.py` from templates and small vocabularies of"
        " real",
        "biomedical terms (drugs, diseases, genes, variants, species). The rows only imitate the *shape* of",
        "MEDINST rows: the task names are real MEDINST task names so the catalog recognises them, but the",
        "texts, labels, scores and identifiers are template fills. The facts they state are not reliable",
        "medical information, and scores on this data say nothing about a model's quality. Use it to try",
        "the app offline; use the real data sets (`aialt/MedINST`, `aialt/MedINST32`) for anything else.",
        "",
        "Layout (the same as the real data sets, so the normal local-folder indexer reads it):",
        "",
        "- `medinst/<Task>_<split>.json`: JSON Lines, fields `instruction`, `input`, `output`;",
        "  every task has `train`, `dev` and `test` files here, even where the real task lacks a split.",
        "- `medinst32/unseen_tests/<Task>_test.json`: for the demo tasks that are in MEDINST32, the same"
        " test",
        "  rows with a `history` field: two `[user_text, assistant_text]` demonstrations taken from the"
        " train",
        "  rows of *other* demo tasks of the same category (user_text = that task's instruction + newline +",
        "  its input), as in the paper's few-shot setting.",
        "- `medinst32/unseen_tests_zs/<Task>_test.json`: the zero-shot twins (the same rows, no `history`).",
        "",
        "Medical-Data is the only TEXTPAIRCLASS task in MEDINST, so that category has one demo task.",
        "",
        "Regenerate (deterministic, byte-identical output):",
        "",
        "```",
        "python scripts/make_demo_data.py            # writes medinst_tui/demo_data/",
        "python scripts/make_demo_data.py --out DIR  # writes elsewhere",
        "```",
        "",
        "| task | category | MEDINST32 | train | dev | test |",
        "|---|---|---|---:|---:|---:|",
    ]
    for spec in sorted(specs, key=lambda s: (s.category, s.name)):
        train, dev, test = spec.sizes
        lines.append(
            f"| {spec.name} | {spec.category} | {'yes' if spec.name in m32 else ''} | {train} | {dev} |"
            f" {test} |"
        )
    return "\n".join(lines) + "\n"


def clear_outputs(out: Path) -> None:
    """Remove JSON files a previous run wrote, so a renamed task leaves nothing stale behind."""
    for sub in ("medinst", "medinst32/unseen_tests", "medinst32/unseen_tests_zs"):
        folder = out / sub
        if folder.is_dir():
            for path in folder.glob("*.json"):
                path.unlink()


def generate(out: Path, catalog: dict[str, CatalogEntry] | None = None) -> list[Path]:
    """Write the whole demo data set under out; return the files written, sorted."""
    catalog = load_catalog() if catalog is None else catalog
    for spec in TASKS:
        entry = catalog.get(spec.name)
        if entry is None or entry.category != spec.category:
            raise ValueError(f"{spec.name}/{spec.category} is not a task of that category in the catalog")
    m32 = {spec.name for spec in TASKS if catalog[spec.name].in_medinst32}
    clear_outputs(out)
    rows = {spec.name: build_rows(spec) for spec in TASKS}
    train = {name: splits["train"] for name, splits in rows.items()}
    written: list[Path] = []
    for spec in TASKS:
        for split in SPLITS:
            path = out / "medinst" / f"{spec.name}_{split}.json"
            dump_jsonl(path, rows[spec.name][split])
            written.append(path)
        if spec.name in m32:
            test_rows = rows[spec.name]["test"]
            few_shot = with_history(spec, test_rows, demo_pool(spec, TASKS, m32), train)
            for sub, data in (("unseen_tests", few_shot), ("unseen_tests_zs", test_rows)):
                path = out / "medinst32" / sub / f"{spec.name}_test.json"
                dump_jsonl(path, data)
                written.append(path)
    readme = out / "README.md"
    readme.write_bytes(readme_text(TASKS, m32).encode("utf-8"))
    written.append(readme)
    return sorted(written)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder (default: %(default)s)")
    args = parser.parse_args(argv)
    written = generate(args.out)
    size = sum(path.stat().st_size for path in written)
    print(f"wrote {len(written)} files, {size / 1e6:.2f} MB, under {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
