"""Write a full-scale synthetic MEDINST (163 tasks, real per-task split sizes) for the benchmarks.

    python bench/gen_synthetic.py --out bench/data/full [--scale 1.0] [--seed 0] [--workers 2]

Each task and non-empty split becomes ``<Task>_<split>.json``: JSON Lines (or a JSON array with
``--format array``, gzipped with ``--gzip``) of objects with string fields ``instruction``, ``input``
and ``output``, shaped like the task's category in the real data. Text is drawn from a seeded
Zipf-weighted vocabulary of common English, real biomedical words and made-up biomedical-looking
tokens, so text search has real hits and real misses.

Speed: every worker builds the same seeded pools of sentences, terms and phrases once, and rows are
assembled from whole pool entries (a few random draws per row, not one per word). Pool text is
escape-safe by construction (no quote, backslash or control character except the pre-escaped
``\\"`` and ``\\n`` sequences it inserts on purpose), so a row's JSON is built by concatenation.
Each file has its own generator seeded from (seed, task, split): bytes do not depend on the number
of workers, and a smaller --scale yields a prefix of the rows of a larger one.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import random
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import accumulate
from multiprocessing import Pool
from pathlib import Path

CATALOG = Path(__file__).resolve().parent.parent / "medinst_tui" / "data" / "tasks.csv"
SPLITS = ("train", "dev", "test")
BATCH_ROWS = 20_000
NL = "\\n"  # a newline inside a JSON string, already escaped
Q = '\\"'  # a double quote inside a JSON string, already escaped

# --------------------------------------------------------------------------------------------------
# Vocabulary
# --------------------------------------------------------------------------------------------------


def words_of(text: str) -> list[str]:
    return text.split()


COMMON = words_of(
    "the of and in to a with for was were is are by on that as from at this be or an these which we "
    "not have has been between after than other also both may more most all can its into their two "
    "during using results study patients increased compared associated levels significantly high "
    "however observed found showed suggest including whereas three group groups cases data analysis "
    "effect effects role used based new higher lower reduced response risk total mean time years "
    "present our showed important may revealed further within without among well each only one "
    "similar different specific function model clinical human normal potential several first through "
    "under over while those such here there then thus therefore although because whether early late"
)

BIO_REAL = words_of(
    "protein gene cell cells cancer tumor tumour insulin diabetes aspirin expression receptor kinase "
    "mutation treatment therapy disease infection virus bacteria antibody antigen serum plasma blood "
    "liver kidney lung heart brain neuron neurons mice rat mouse dose drug inhibitor activation "
    "pathway signaling apoptosis proliferation inflammation cytokine interleukin hypertension obesity "
    "asthma sepsis vaccine chemotherapy carcinoma lymphoma leukemia glucose cholesterol lipid metformin "
    "ibuprofen warfarin heparin dopamine serotonin estrogen testosterone cortisol hemoglobin collagen "
    "enzyme membrane mitochondria nucleus chromosome DNA RNA mRNA transcription phosphorylation "
    "ubiquitin promoter binding domain sequence variant allele genotype phenotype biopsy tissue "
    "plasmid vector transfection macrophage lymphocyte fibroblast keratinocyte hepatocyte platelet "
    "erythrocyte neutrophil stroke myocardial infarction arrhythmia fibrosis cirrhosis hepatitis "
    "tuberculosis malaria influenza pneumonia COVID-19 SARS-CoV-2 HIV placebo randomized cohort "
    "trial mortality morbidity prognosis diagnosis symptom symptoms syndrome chronic acute toxicity "
    "pharmacokinetics metabolism oxidative stress mitochondrial cytoplasm ligand agonist antagonist "
    "steroid antibiotic penicillin vancomycin cisplatin doxorubicin tamoxifen paclitaxel methotrexate "
    "morphine nicotine ethanol caffeine melatonin histamine acetylcholine glutamate GABA calcium "
    "sodium potassium zinc iron copper magnesium vitamin folate retinol"
)

GENES_REAL = words_of(
    "BRCA1 BRCA2 TP53 EGFR KRAS HER2 TNF IL-6 IL-2 IL-10 IL-1β CD4 CD8 CD34 VEGF MYC AKT1 PTEN STAT3 "
    "NF-κB p53 p21 MAPK1 JAK2 APOE HLA-B27 TGF-β IFN-γ α-synuclein β-catenin mTOR BCL-2 CDK4 ERK1/2 "
    "PI3K COX-2 ACE2 CFTR HBB SOD1 LRRK2 GAPDH"
)

PREFIXES = words_of(
    "cardio neuro hepato nephro gastro onco immuno hemato myelo osteo derma pneumo endo hyper hypo "
    "peri poly glyco lipo proto pseudo thrombo angio broncho cyto histo lympho macro micro myo phago "
    "pharmaco retro sero spleno toxo uro vaso adeno arthro chondro cranio entero erythro fibro leuko "
    "melano muco oligo pancreato procto pyelo rhino sacro thyro trachea vesico chemo dys meta para"
)
ROOTS = words_of(
    "card nephr path cyt gen troph phil plast scler stat tom pept lip glyc chol kin mer morph ton "
    "phag phos sulf nitr amin carb ox hydr fer lact mel tox vir bac myc"
)
SUFFIXES = words_of(
    "itis osis emia oma ase ine ide ate ol one ium ic al ous ectomy ology opathy genesis lysis cyte "
    "blast plasty algia trophy sin mab nib zole pril olol statin vir gen ase in"
)

ES_FUNCTION = words_of(
    "el la los las de del en con por para que un una se su al es son fue como más entre sin sobre "
    "y o pero también durante después según mediante"
)
ES_ENDINGS = ("o", "a", "ción", "idad", "ico", "ica", "es", "ado", "ada", "ía", "ón", "ências")
DE_FUNCTION = words_of(
    "der die das und mit von zu bei nach wurde wurden ist sind ein eine nicht auch im den dem des "
    "für auf aus durch oder wird"
)
DE_ENDINGS = ("ung", "keit", "en", "ose", "ität", "ische", "er", "heit", "ür", "äre")

CONNECTORS = (
    "Expression of",
    "Levels of",
    "Treatment with",
    "Mutations in",
    "Loss of",
    "Activation of",
    "Patients with",
    "We measured",
    "Binding of",
    "Exposure to",
    "Deficiency of",
    "The role of",
)


def build_vocab(rng: random.Random) -> list[str]:
    """Words by decreasing frequency: common English, real biomedical words, made-up tokens."""
    made: set[str] = set()
    for p in PREFIXES:
        for s in SUFFIXES:
            made.add(p + s)
    while len(made) < 5200:
        made.add(rng.choice(PREFIXES) + rng.choice(ROOTS) + rng.choice(SUFFIXES))
    letters = "ABCDEFGHIJKLMNOPRSTUVWXZ"
    while len(made) < 6300:
        sym = "".join(rng.choice(letters) for _ in range(rng.randint(2, 4))) + str(rng.randint(1, 19))
        if rng.random() < 0.15:
            sym = sym[:-1] + "-" + sym[-1]
        made.add(sym)
    real = BIO_REAL + GENES_REAL
    rng.shuffle(real)
    tail = sorted(made.difference(COMMON, real))
    rng.shuffle(tail)
    # Real biomedical words rank right after the common ones: they are frequent in real abstracts.
    return list(dict.fromkeys(COMMON + real + tail))


def zipf_cum_weights(n: int, exponent: float = 1.0) -> list[float]:
    return list(accumulate(1.0 / (rank + 2) ** exponent for rank in range(n)))


# --------------------------------------------------------------------------------------------------
# Pools (built lazily, once per process, each from its own seed so order of use does not matter)
# --------------------------------------------------------------------------------------------------


class Pools:
    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.vocab = build_vocab(random.Random(f"{seed}:vocab"))
        self.cum = zipf_cum_weights(len(self.vocab), 1.1)
        n_common = len(dict.fromkeys(COMMON))
        self.bio = self.vocab[n_common:]
        self.bio_cum = zipf_cum_weights(len(self.bio), 0.8)
        self._cache: dict[str, list[str]] = {}
        self._builders: dict[str, Callable[[random.Random], list[str]]] = {
            "sent": lambda r: [self._sentence(r, 6, 26) for _ in range(60_000)],
            "short": lambda r: [self._sentence(r, 5, 12) for _ in range(20_000)],
            "question": lambda r: [self._question(r) for _ in range(20_000)],
            "term": lambda r: [self._term(r) for _ in range(30_000)],
            "abbr": lambda r: [self._abbreviation(r) for _ in range(20_000)],
            "es": lambda r: self._foreign(r, ES_FUNCTION, ES_ENDINGS, 30_000, False),
            "de": lambda r: self._foreign(r, DE_FUNCTION, DE_ENDINGS, 8_000, True),
            "zh": lambda r: [self._chinese(r) for _ in range(20_000)],
        }

    def get(self, name: str) -> list[str]:
        pool = self._cache.get(name)
        if pool is None:
            pool = self._builders[name](random.Random(f"{self.seed}:pool:{name}"))
            for text in pool:  # the no-escaping shortcut relies on this
                assert '"' not in text.replace(Q, "") and "\\" not in text.replace(Q, "").replace(NL, "")
            self._cache[name] = pool
        return pool

    def _words(self, r: random.Random, k: int) -> list[str]:
        return r.choices(self.vocab, cum_weights=self.cum, k=k)

    def _bio_words(self, r: random.Random, k: int) -> list[str]:
        return r.choices(self.bio, cum_weights=self.bio_cum, k=k)

    def _sentence(self, r: random.Random, lo: int, hi: int) -> str:
        words = self._words(r, r.randint(lo, hi))
        x = r.random()
        if x < 0.03:
            i = r.randrange(len(words))
            words[i] = Q + words[i] + Q
        elif x < 0.10:
            words.append(f"(p < 0.{r.randint(1, 50):02d})")
        elif x < 0.18:
            unit = r.choice(("mg", "mg/kg", "%", "h"))
            words.insert(r.randrange(len(words)), f"{r.randint(2, 500)} {unit}")
        if len(words) > 8 and r.random() < 0.3:
            words[len(words) // 2] += ","
        text = " ".join(words)
        return text[0].upper() + text[1:] + "."

    def _question(self, r: random.Random) -> str:
        head = r.choice(("What is", "Which", "How does", "What are", "Is", "Does", "Why do", "Which of"))
        return head + " " + " ".join(self._words(r, r.randint(5, 16))) + "?"

    def _term(self, r: random.Random) -> str:
        return " ".join(self._bio_words(r, r.choice((1, 1, 1, 2, 2, 3))))

    def _abbreviation(self, r: random.Random) -> str:
        """'ABBR<TAB>expansion': the abbreviation is the initials of the expansion."""
        words = [w for w in self._bio_words(r, r.randint(2, 4)) if w.isalpha()] or ["serum", "level"]
        return "".join(w[0] for w in words).upper() + "\t" + " ".join(w.lower() for w in words)

    def _foreign(
        self, r: random.Random, function: Sequence[str], endings: Sequence[str], n: int, cap: bool
    ) -> list[str]:
        content = [w.lower() + r.choice(endings) for w in r.sample(self.bio, 3000)]
        content = [w.capitalize() for w in content] if cap else content
        vocab = list(function) + content
        cum = zipf_cum_weights(len(vocab), 0.9)
        out = []
        for _ in range(n):
            text = " ".join(r.choices(vocab, cum_weights=cum, k=r.randint(8, 30)))
            out.append(text[0].upper() + text[1:] + ".")
        return out

    def _chinese(self, r: random.Random) -> str:
        chars = [chr(0x4E00 + int(r.random() ** 2 * 3000)) for _ in range(r.randint(12, 45))]
        if len(chars) > 20:
            chars.insert(len(chars) // 2, "，")
        return "".join(chars) + "。"


POOLS: Pools | None = None


def init_worker(seed: int) -> None:
    global POOLS
    POOLS = Pools(seed)


def pools() -> Pools:
    assert POOLS is not None, "init_worker() was not called"
    return POOLS


# --------------------------------------------------------------------------------------------------
# Task specs: instruction, flavor (row shape) and label / type sets, one per catalog task
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TaskSpec:
    name: str
    category: str
    flavor: str
    instruction: str
    labels: tuple[str, ...] = ()


BIO_NER_TASKS = {
    "NCBI-disease": ("Disease",),
    "BC2GM": ("Gene",),
    "CHEMDNER-BIO": ("Chemical",),
    "BC5CDR": ("Chemical", "Disease"),
    "Linnaeus": ("Species",),
    "JNLPBA-DNA": ("DNA",),
    "JNLPBA-RNA": ("RNA",),
    "JNLPBA-CT": ("cell_type",),
    "JNLPBA-CL": ("cell_line",),
    "AnatEM": ("Anatomy",),
}
NER_TYPES = {
    "tmVar": ("DNAMutation", "SNP", "ProteinMutation", "DNAAllele", "ProteinAllele", "AcidChange"),
    "GNormPlus": ("Gene", "DomainMotif", "FamilyName"),
    "CHEMDNER": ("Chemical",),
    "NLM-Chem": ("Chemical",),
    "NLM-Gene": ("Gene", "GENERIF"),
    "ProGene": ("Gene",),
    "GENETAG": ("NEWGENE", "NEWGENE1"),
    "SCAI-Chemical": ("IUPAC", "TRIVIAL", "ABBREVIATION", "FAMILY", "FORMULA"),
    "SCAI-Disease": ("DISEASE", "ADVERSE"),
    "EBM-NLP": ("Participant", "Intervention", "Outcome"),
    "PICO-Annotation": ("Participant", "Intervention", "Outcome"),
    "DDI": ("DRUG", "BRAND", "GROUP", "DRUG_N"),
    "MedMentions": ("T047", "T121", "T116", "T023", "T109", "T028", "T061"),
}
BIONLP_TYPES = words_of(
    "Protein Gene_or_gene_product Simple_chemical Cell Organism Cellular_component Tissue "
    "Organ Cancer Anatomical_system Multi-tissue_structure Pathological_formation DNA Entity "
    "Chemical Disease Species Drug Habitat Phenotype Microorganism"
)
RE_LABELS = {
    "AnEM-RE": ("frag", "Part-of"),
    "BC5CDR-RE": ("CID",),
    "ChemProt-RE": ("CPR:3", "CPR:4", "CPR:5", "CPR:6", "CPR:9"),
    "DrugProt-RE": ("INHIBITOR", "ACTIVATOR", "SUBSTRATE", "AGONIST", "ANTAGONIST", "INDIRECT-UPREGULATOR"),
    "DDI-RE": ("MECHANISM", "EFFECT", "ADVISE", "INT"),
    "BioRED-RE": ("Association", "Positive_Correlation", "Negative_Correlation", "Bind", "Cotreatment"),
    "EU-ADR-RE": ("PA", "SA", "NA"),
}
RE_GENERIC = words_of(
    "Positive_regulation Negative_regulation Binding Association Interaction Causes Treats "
    "Part-of Located_in Regulates Inhibits Activates Equiv"
)
EE_TYPES = words_of(
    "Binding Positive_regulation Phosphorylation Regulation Transcription Localization "
    "Gene_expression Protein_catabolism Negative_regulation Acetylation Methylation Ubiquitination "
    "Cell_proliferation Growth Development"
)
TE_LABELS = {
    "FEVER": ("SUPPORTS", "REFUTES", "NOT ENOUGH INFO"),
    "HealthVer": ("Supports", "Refutes", "Neutral"),
    "PubHealth": ("true", "false", "mixture", "unproven"),
    "SciFact": ("SUPPORT", "CONTRADICT", "NOINFO"),
    "ManConCorpus": ("contradiction", "not contradiction"),
    "CoVERt": ("SUPPORT", "REFUTE", "NEUTRAL"),
    "MEDIQA-RQE": ("true", "false"),
    "SciTail": ("entails", "neutral"),
}
CLS_LABELS = {
    "MedDialog": ("Cardiology", "Dermatology", "Gastroenterology", "Neurology", "Pediatrics", "Psychiatry"),
    "SciCite": ("background", "method", "result"),
    "GEOKhoj-v1": ("genetic perturbation", "chemical perturbation", "disease", "other"),
    "Hallmarks-of-Cancer": (
        "activating invasion and metastasis",
        "avoiding immune destruction",
        "cellular energetics",
        "enabling replicative immortality",
        "evading growth suppressors",
        "genomic instability and mutation",
        "inducing angiogenesis",
        "resisting cell death",
        "sustaining proliferative signaling",
        "tumor promoting inflammation",
    ),
    "BC7-LitCovid": (
        "Treatment",
        "Mechanism",
        "Prevention",
        "Case Report",
        "Diagnosis",
        "Transmission",
        "Epidemic Forecasting",
    ),
}
NED_DB = {
    "AskAPatient": "SNOMEDCT",
    "TwADR-L": "SNOMEDCT",
    "GNormPlus": "NCBIGene",
    "NLM-Gene": "NCBIGene",
    "miRNA": "NCBIGene",
    "Linnaeus": "NCBITaxon",
    "BioNLP-2019-BB": "NCBITaxon",
    "MedMentions": "UMLS",
    "MuchMore": "UMLS",
    "tmVar": "dbSNP",
    "OSIRIS": "dbSNP",
    "BioRelEx": "UniProt",
    "Bio-ID": "NCBIGene",
}
QA_FLAVORS = {
    "BioASQ-Task-B-yesno": "qa_yesno",
    "BioASQ-Task-B-list": "qa_list",
    "BioASQ-Task-B-factoid": "qa_factoid",
    "BioASQ-Task-B-summary": "qa_long",
    "BiologyHowWhyCorpus": "qa_long",
    "BIOMRC": "qa_cloze",
    "Evidence-Inference-2.0": "qa_label",
    "MedQA": "qa_mcq",
    "MedHop": "qa_mcq",
    "MEDIQA-QA": "qa_long",
    "PubMedQA-artificial": "qa_yesno",
    "PubMedQA-labeled": "qa_yesno",
    "SciQ": "qa_mcq",
}
TRANSL = {
    "MuchMore-TRANSL": ("tr_de", "German"),
    "ParaMed": ("tr_zh", "Chinese"),
    "SciELO": ("tr_es", "Spanish"),
}
WORD_PAIR_STS = {"Bio-SimVerb", "Bio-SimLex", "MayoSRS", "UMNSRS"}


def _lookup(table: dict[str, tuple[str, ...]] | dict[str, str], name: str) -> str | tuple[str, ...] | None:
    for key, value in table.items():
        if name == key or name.startswith(key):
            return value
    return None


def _types_list(types: Sequence[str]) -> str:
    return "[" + ", ".join(types) + "]"


def build_spec(name: str, category: str, seed: int) -> TaskSpec:
    """One instruction per task, worded the way MEDINST words its category (paper Table 14)."""
    r = random.Random(f"{seed}:spec:{name}")
    if category == "QA":
        flavor = QA_FLAVORS.get(name, "qa_factoid")
        text = {
            "qa_mcq": "Given a question, select the correct answer from the provided options.",
            "qa_yesno": "Given a question and context, answer the question with 'yes', 'no' or 'maybe'.",
            "qa_list": "Given a question and context, list all the entities that answer the question, "
            "separated by commas.",
            "qa_factoid": "Given a question and context, answer the question with a short phrase.",
            "qa_long": "Given a question and related snippets, write an ideal answer in a few sentences.",
            "qa_cloze": "Given a biomedical article and a title in which one entity is replaced by XXXX, "
            "select from the candidate entities the one that fills the placeholder.",
            "qa_label": "Given an article, an intervention, a comparator and an outcome, determine whether "
            "the intervention significantly increased, significantly decreased or had no significant "
            "effect on the outcome.",
        }[flavor]
        labels: tuple[str, ...] = ()
        if flavor == "qa_yesno":
            labels = ("yes", "no", "maybe") if name == "PubMedQA-labeled" else ("yes", "no")
        if flavor == "qa_label":
            labels = ("significantly increased", "significantly decreased", "no significant difference")
        return TaskSpec(name, category, flavor, text, labels)
    if category == "TE":
        labels = TE_LABELS.get(name, ("entailment", "neutral", "contradiction"))
        quoted = " , ".join(f"'{label}'" for label in labels)
        text = (
            "Given a pair of texts, consisting of a claim and the evidence, determine whether the evidence "
            "supports, refutes, or is neutral regarding the claim. Respond with one of the following: "
            f"{quoted}."
        )
        return TaskSpec(name, category, "te", text, labels)
    if category == "NER":
        if name in BIO_NER_TASKS:
            kinds = " and ".join(t.lower().replace("_", " ") for t in BIO_NER_TASKS[name])
            text = (
                f"Given a sentence, label each {kinds} entity using the BIO format. In BIO format, 'B' "
                "indicates the beginning of an entity, 'I' indicates the inside of an entity, and 'O' "
                "indicates a token not part of any entity. Label each word in the format: 'word [LABEL]'."
            )
            return TaskSpec(name, category, "ner_bio", text)
        found = _lookup(NER_TYPES, name)
        types = found if isinstance(found, tuple) else tuple(r.sample(BIONLP_TYPES, r.randint(2, 6)))
        text = (
            "You are provided with a text. Your objective is to identify, extract and classify all "
            "biomedical entities mentioned in the text, maintaining the order in which they appear. "
            f"Types are {_types_list(types)}. The entities should be presented in the following format: "
            "[entity <type>]."
        )
        return TaskSpec(name, category, "ner", text, types)
    if category == "NED":
        if name == "MeDAL":
            text = (
                "Given a text and an abbreviation that appears in it, provide the full form of the "
                "abbreviation as it is used in the text."
            )
            return TaskSpec(name, category, "medal", text)
        db = _lookup(NED_DB, name)
        dbname = db if isinstance(db, str) else "MESH"
        text = (
            "You are provided with a text. Your objective is to identify and extract all biomedical "
            "entities mentioned in the text, maintaining the order in which they appear. For each entity, "
            f"provide its corresponding database identifier from {dbname}. The entities should be "
            "presented in the format: [entity1 <db_name/db_id>]."
        )
        return TaskSpec(name, category, "ned", text, (dbname,))
    if category == "RE":
        found = _lookup(RE_LABELS, name)
        rels = found if isinstance(found, tuple) else tuple(r.sample(RE_GENERIC, r.randint(1, 5)))
        text = (
            "Given a text, identify and extract specified relations between biomedical entities mentioned "
            f"within it. The specified relation types are {_types_list(rels)}. Present each relation in "
            "format as follows: [<entity1> <relation> <entity2>]."
        )
        return TaskSpec(name, category, "re", text, rels)
    if category == "COREF":
        text = (
            "Given a text and a specified biomedical entity, identify and extract all co-references to "
            "that entity within the text. Present each co-reference entity in the following format: "
            "[co-reference entity]."
        )
        return TaskSpec(name, category, "coref", text)
    if category == "EE":
        types = tuple(r.sample(EE_TYPES, r.randint(3, 9)))
        text = (
            "Given a text, identify and extract the specified types of bio-molecular events along with "
            f"their primary arguments. The event type can be {_types_list(types)}. Present each event in "
            "the format as follows: [<type> <trigger> <theme entity>]."
        )
        return TaskSpec(name, category, "ee", text, types)
    if category == "STS":
        text = (
            "Given two texts, evaluate their similarity and provide an integer score ranging from 0 to 5, "
            "where 0 indicates no similarity and 5 indicates high similarity."
        )
        return TaskSpec(name, category, "sts_word" if name in WORD_PAIR_STS else "sts_pair", text)
    if category == "TRANSL":
        flavor, language = TRANSL.get(name, ("tr_es", "Spanish"))
        return TaskSpec(name, category, flavor, f"Translate the text from {language} to English.")
    if category == "TXTCLASS":
        labels = CLS_LABELS.get(name, ("positive", "negative"))
        multi = name in ("Hallmarks-of-Cancer", "BC7-LitCovid")
        text = (
            f"You are provided with a text. Classify the text into {'one or more' if multi else 'one'} of "
            f"the following categories: {_types_list(labels)}."
            + (" Separate multiple categories with ', '." if multi else "")
        )
        return TaskSpec(name, category, "multicls" if multi else "cls", text, labels)
    if category == "TEXTPAIRCLASS":
        text = (
            "You are given a drug name and a piece of text. Analyze the sentiment in the text and determine "
            "whether the sentiment towards the drug is positive, negative, or neutral. Answer with "
            "'Positive', 'Negative', or 'Neutral'."
        )
        return TaskSpec(name, category, "pair_cls", text, ("Positive", "Negative", "Neutral"))
    if category == "SUM":
        if name == "MeQSum":
            text = "Summarize the consumer health question in one short question."
            return TaskSpec(name, category, "sum_q", text)
        text = (
            "Writing the related-work section of a paper based on its abstract and the articles it "
            "references."
        )
        return TaskSpec(name, category, "sum_rw", text)
    raise ValueError(f"unknown category {category!r} for task {name!r}")


# --------------------------------------------------------------------------------------------------
# Row makers: (rng, spec) -> (input, output), both already JSON-escaped
# --------------------------------------------------------------------------------------------------

RowMaker = Callable[[random.Random, TaskSpec], tuple[str, str]]


def _n(rng: random.Random, lo: int, hi: int) -> int:
    return lo + int(rng.random() * (hi - lo + 1))


def _para(rng: random.Random, lo: int, hi: int, pool: str = "sent") -> str:
    return " ".join(rng.choices(pools().get(pool), k=_n(rng, lo, hi)))


def _terms(rng: random.Random, k: int) -> list[str]:
    return rng.choices(pools().get("term"), k=k)


def _with_mentions(rng: random.Random, terms: Sequence[str], lo: int, hi: int, pool: str = "sent") -> str:
    """A paragraph with each term mentioned in a clause, so outputs are found in inputs."""
    sents = pools().get(pool)
    parts = [rng.choice(sents)]
    for term in terms:
        s = rng.choice(sents)
        parts.append(rng.choice(CONNECTORS) + " " + term + " " + s[0].lower() + s[1:])
    parts.extend(rng.choices(sents, k=max(0, _n(rng, lo, hi) - len(terms) - 1)))
    return " ".join(parts)


def _pick(rng: random.Random, items: Sequence[str]) -> str:
    return items[int(rng.random() * len(items))]


def qa_mcq(rng: random.Random, spec: TaskSpec) -> tuple[str, str]:
    options = _terms(rng, 4 + (rng.random() < 0.5))
    question = _para(rng, 3, 7) + " " + rng.choice(pools().get("question"))
    text = "Question: " + question + NL + "Options: " + " / ".join(options)
    if spec.name == "SciQ":
        text += NL + "Support: " + _para(rng, 1, 4)
    elif spec.name == "MedHop":
        text += NL + "Context: " + _para(rng, 6, 14)
    return text, _pick(rng, options)


def qa_yesno(rng: random.Random, spec: TaskSpec) -> tuple[str, str]:
    q = rng.choice(pools().get("question"))
    return "Question: " + q + NL + "Context: " + _para(rng, 3, 8), _pick(rng, spec.labels)


def qa_list(rng: random.Random, spec: TaskSpec) -> tuple[str, str]:
    q = rng.choice(pools().get("question"))
    return "Question: " + q + NL + "Context: " + _para(rng, 3, 8), ", ".join(_terms(rng, _n(rng, 2, 6)))


def qa_factoid(rng: random.Random, spec: TaskSpec) -> tuple[str, str]:
    q = rng.choice(pools().get("question"))
    return "Question: " + q + NL + "Context: " + _para(rng, 3, 8), _terms(rng, 1)[0]


def qa_long(rng: random.Random, spec: TaskSpec) -> tuple[str, str]:
    q = rng.choice(pools().get("question"))
    return "Question: " + q + NL + "Context: " + _para(rng, 3, 8), _para(rng, 1, 4)


def qa_cloze(rng: random.Random, spec: TaskSpec) -> tuple[str, str]:
    k = _n(rng, 3, 8)
    candidates = [f"@entity{i}" for i in range(1, k + 1)]
    title = rng.choice(pools().get("short")).replace(" ", " XXXX ", 1)
    text = f"Abstract: {_para(rng, 8, 16)}{NL}Title: {title}{NL}Candidates: {', '.join(candidates)}"
    return text, _pick(rng, candidates)


def qa_label(rng: random.Random, spec: TaskSpec) -> tuple[str, str]:
    i, c, o = _terms(rng, 3)
    text = "Article: " + _para(rng, 6, 14) + NL + f"Intervention: {i}{NL}Comparator: {c}{NL}Outcome: {o}"
    return text, _pick(rng, spec.labels)


def te(rng: random.Random, spec: TaskSpec) -> tuple[str, str]:
    short = pools().get("short")
    return "Claim: " + rng.choice(short) + NL + "Evidence: " + _para(rng, 2, 4), _pick(rng, spec.labels)


def ner(rng: random.Random, spec: TaskSpec) -> tuple[str, str]:
    terms = _terms(rng, _n(rng, 0, 6))
    out = " ".join(f"[{t} <{_pick(rng, spec.labels)}>]" for t in terms)
    return _with_mentions(rng, terms, 3, 8), out


def ner_bio(rng: random.Random, spec: TaskSpec) -> tuple[str, str]:
    words = [*rng.choice(pools().get("sent"))[:-1].split(" "), "."]  # tokenized: final period apart
    if rng.random() < 0.7:  # most sentences hold one entity, tagged B then I
        term = _terms(rng, 1)[0].split(" ")
        at = int(rng.random() * (len(words) - 1))
        words[at:at] = term
        tags = ["O"] * len(words)
        tags[at : at + len(term)] = ["B"] + ["I"] * (len(term) - 1)
    else:
        tags = ["O"] * len(words)
    return " ".join(words), " ".join(f"{w} [{t}]" for w, t in zip(words, tags, strict=True))


def ned(rng: random.Random, spec: TaskSpec) -> tuple[str, str]:
    terms = _terms(rng, _n(rng, 1, 3))
    db = spec.labels[0]
    prefix = {"MESH": "D", "UMLS": "C", "dbSNP": "rs"}.get(db, "")
    out = " ".join(f"[{t} <{db}/{prefix}{int(rng.random() * 999_999):06d}>]" for t in terms)
    return _with_mentions(rng, terms, 2, 3, "short"), out


def medal(rng: random.Random, spec: TaskSpec) -> tuple[str, str]:
    abbr, expansion = rng.choice(pools().get("abbr")).split("\t")
    sents = pools().get("sent")
    words = rng.choice(sents).split(" ")
    words.insert(int(rng.random() * len(words)), abbr)
    text = rng.choice(sents) + " " + " ".join(words)
    if rng.random() < 0.5:
        text += " " + rng.choice(sents)
    return "Text: " + text + NL + "Abbreviation: " + abbr, expansion


def re_(rng: random.Random, spec: TaskSpec) -> tuple[str, str]:
    terms = _terms(rng, _n(rng, 2, 6))
    pairs = [(terms[i], terms[i + 1]) for i in range(0, len(terms) - 1, 2)]
    out = " ".join(f"[{a} <{_pick(rng, spec.labels)}> {b}]" for a, b in pairs if rng.random() < 0.8)
    return _with_mentions(rng, terms, 3, 8), out


def coref(rng: random.Random, spec: TaskSpec) -> tuple[str, str]:
    entity = _terms(rng, 1)[0]
    refs = [entity, *_terms(rng, _n(rng, 0, 3))]
    anaphors = ["it", "this protein", "the gene", "they"][: _n(rng, 0, 2)]
    text = _with_mentions(rng, refs, 3, 8) + NL + "Entity: " + entity
    return text, " ".join(f"[{x}]" for x in refs[1:] + anaphors)


def ee(rng: random.Random, spec: TaskSpec) -> tuple[str, str]:
    terms = _terms(rng, _n(rng, 1, 5))
    events = []
    for t in terms:
        etype = _pick(rng, spec.labels)
        if rng.random() < 0.85:  # some mentioned entities take part in no event
            events.append(f"[{etype} {etype.split('_')[-1].lower()} {t}]")
    out = " ".join(events)
    return _with_mentions(rng, terms, 3, 8), out


def sts_pair(rng: random.Random, spec: TaskSpec) -> tuple[str, str]:
    a, b = rng.choices(pools().get("sent"), k=2)
    if spec.name == "MQP":
        a, b = rng.choices(pools().get("question"), k=2)
    return "Text 1: " + a + NL + "Text 2: " + b, str(int(rng.random() * 6))


def sts_word(rng: random.Random, spec: TaskSpec) -> tuple[str, str]:
    a, b = _terms(rng, 2)
    return "Text 1: " + a + NL + "Text 2: " + b, str(int(rng.random() * 6))


def _translation(pool: str) -> RowMaker:
    def make(rng: random.Random, spec: TaskSpec) -> tuple[str, str]:
        return rng.choice(pools().get(pool)), rng.choice(pools().get("sent"))

    return make


def cls(rng: random.Random, spec: TaskSpec) -> tuple[str, str]:
    lo, hi = (1, 3) if spec.name == "SciCite" else (2, 5)
    return _para(rng, lo, hi), _pick(rng, spec.labels)


def multicls(rng: random.Random, spec: TaskSpec) -> tuple[str, str]:
    labels = sorted(set(rng.choices(spec.labels, k=_n(rng, 1, 3))), key=spec.labels.index)
    text = "Title: " + rng.choice(pools().get("short")) + NL + "Abstract: " + _para(rng, 6, 14)
    return text, ", ".join(labels)


def pair_cls(rng: random.Random, spec: TaskSpec) -> tuple[str, str]:
    drug = _terms(rng, 1)[0]
    return "Drug: " + drug + NL + "Text: " + _with_mentions(rng, [drug], 2, 5), _pick(rng, spec.labels)


def sum_q(rng: random.Random, spec: TaskSpec) -> tuple[str, str]:
    text = "SUBJECT: " + rng.choice(pools().get("short")) + NL + "MESSAGE: " + _para(rng, 2, 8)
    return text, rng.choice(pools().get("question"))


def sum_rw(rng: random.Random, spec: TaskSpec) -> tuple[str, str]:
    parts = ["Abstract: " + _para(rng, 4, 8)]
    for i in range(1, _n(rng, 2, 4) + 1):
        parts.append(f"Reference @cite_{i}: " + _para(rng, 2, 5))
    return NL.join(parts), _para(rng, 3, 8)


ROW_MAKERS: dict[str, RowMaker] = {
    "qa_mcq": qa_mcq,
    "qa_yesno": qa_yesno,
    "qa_list": qa_list,
    "qa_factoid": qa_factoid,
    "qa_long": qa_long,
    "qa_cloze": qa_cloze,
    "qa_label": qa_label,
    "te": te,
    "ner": ner,
    "ner_bio": ner_bio,
    "ned": ned,
    "medal": medal,
    "re": re_,
    "coref": coref,
    "ee": ee,
    "sts_pair": sts_pair,
    "sts_word": sts_word,
    "tr_es": _translation("es"),
    "tr_de": _translation("de"),
    "tr_zh": _translation("zh"),
    "cls": cls,
    "multicls": multicls,
    "pair_cls": pair_cls,
    "sum_q": sum_q,
    "sum_rw": sum_rw,
}


# --------------------------------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Job:
    spec: TaskSpec
    split: str
    rows: int
    path: Path
    array: bool
    gzip: bool
    seed: int


def scaled_rows(n: int, scale: float) -> int:
    """Rows of a split at --scale: 0 stays 0, any non-empty split keeps at least one row."""
    return 0 if n <= 0 else max(1, round(n * scale))


def read_catalog(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def plan_jobs(
    catalog: list[dict[str, str]],
    out: Path,
    scale: float,
    seed: int,
    tasks: set[str] | None = None,
    array: bool = False,
    gz: bool = False,
) -> list[Job]:
    """All files to write, largest first so a pool of workers finishes together."""
    jobs = []
    for row in catalog:
        if tasks is not None and row["name"] not in tasks:
            continue
        spec = build_spec(row["name"], row["category"], seed)
        for split in SPLITS:
            n = scaled_rows(int(row[split]), scale)
            if n:
                name = f"{spec.name}_{split}.json" + (".gz" if gz else "")
                jobs.append(Job(spec, split, n, out / name, array, gz, seed))
    jobs.sort(key=lambda j: -j.rows)
    return jobs


def write_file(job: Job) -> tuple[str, int, int]:
    """Write one file (through a .part name, so a killed run leaves no half file); returns
    (name, rows, bytes on disk)."""
    tmp = job.path.with_name(job.path.name + ".part")
    with tmp.open("wb") as raw:
        if job.gzip:  # no name, mtime 0: the same rows give the same bytes
            with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz:
                write_rows(job, gz.write)
        else:
            write_rows(job, raw.write)
    tmp.replace(job.path)
    return job.path.name, job.rows, job.path.stat().st_size


def write_rows(job: Job, write: Callable[[bytes], object]) -> None:
    rng = random.Random(f"{job.seed}:rows:{job.spec.name}:{job.split}")
    make = ROW_MAKERS[job.spec.flavor]
    head = '{"instruction": ' + json.dumps(job.spec.instruction, ensure_ascii=False) + ', "input": "'
    mid = '", "output": "'
    tail = '"}'
    sep = ",\n" if job.array else "\n"
    write(b"[\n" if job.array else b"")
    done = 0
    while done < job.rows:
        k = min(BATCH_ROWS, job.rows - done)
        batch = []
        for _ in range(k):
            inp, out = make(rng, job.spec)
            batch.append(head + inp + mid + out + tail)
        text = sep.join(batch)
        done += k
        text += ("\n]\n" if done == job.rows else sep) if job.array else "\n"
        write(text.encode("utf-8"))


def _human(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.1f} {unit}" if unit != "B" else f"{int(n)} B"
        n /= 1024
    raise AssertionError


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--out", type=Path, required=True, help="output folder (created)")
    ap.add_argument("--scale", type=float, default=1.0, help="fraction of each split's real size")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--workers", type=int, default=2, help="processes; 1 = no pool")
    ap.add_argument("--format", choices=("jsonl", "array"), default="jsonl")
    ap.add_argument("--gzip", action="store_true", help="write <Task>_<split>.json.gz")
    ap.add_argument("--tasks", default="", help="comma-separated task names (default: all)")
    ap.add_argument("--catalog", type=Path, default=CATALOG)
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args(argv)
    if args.scale <= 0:
        ap.error("--scale must be > 0")

    catalog = read_catalog(args.catalog)
    tasks: set[str] | None = None
    if args.tasks:
        tasks = {t.strip() for t in args.tasks.split(",") if t.strip()}
        unknown = tasks - {row["name"] for row in catalog}
        if unknown:
            ap.error("unknown task(s): " + ", ".join(sorted(unknown)))
    args.out.mkdir(parents=True, exist_ok=True)
    jobs = plan_jobs(catalog, args.out, args.scale, args.seed, tasks, args.format == "array", args.gzip)

    start = time.perf_counter()
    results: list[tuple[str, int, int]] = []
    if args.workers <= 1:
        init_worker(args.seed)
        results = [write_file(job) for job in jobs]
    else:
        with Pool(args.workers, initializer=init_worker, initargs=(args.seed,)) as pool:
            for res in pool.imap_unordered(write_file, jobs, chunksize=1):
                results.append(res)
                if not args.quiet and res[1] >= 500_000:
                    print(f"  {res[0]}: {res[1]:,} rows, {_human(res[2])}", file=sys.stderr)
    seconds = time.perf_counter() - start
    rows = sum(r[1] for r in results)
    size = sum(r[2] for r in results)
    if not args.quiet:
        print(
            f"wrote {len(results)} files, {rows:,} rows, {_human(size)} to {args.out} "
            f"in {seconds:.1f} s ({rows / max(seconds, 1e-9):,.0f} rows/s, {args.workers} workers)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
