"""The demo tasks: real MEDINST task names, one instruction each, the maker of their rows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from medinst_synth import writers
from medinst_synth.demo.classify import (
    HALLMARKS,
    LITCOVID,
    make_hallmarks,
    make_litcovid,
    make_meddialog,
    make_medical_data,
    make_scicite,
)
from medinst_synth.demo.coref import make_anem_coref, make_ge_coref, make_mlee_coref
from medinst_synth.demo.entailment import make_covert, make_healthver, make_scifact
from medinst_synth.demo.events import make_cg_ee, make_ge_ee, make_mlee_ee
from medinst_synth.demo.ned import make_bc5cdr_ned, make_medal, make_ncbi_disease_ned, make_tmvar_v3_ned
from medinst_synth.demo.ner import (
    ANEM_TERMS,
    make_anem,
    make_bc2gm,
    make_bc5cdr,
    make_gnormplus,
    make_ncbi_disease,
    make_tmvar_v1,
    make_tmvar_v3,
)
from medinst_synth.demo.qa import (
    make_bioasq_yesno,
    make_medqa,
    make_pubmedqa_artificial,
    make_pubmedqa_labeled,
    make_sciq,
)
from medinst_synth.demo.relations import make_bc5cdr_re, make_bioinfer_re, make_chemprot_re, make_ddi_re
from medinst_synth.demo.sts import make_biosses, make_mqp
from medinst_synth.demo.summary import make_meqsum, make_multi_xscience
from medinst_synth.demo.text import Maker
from medinst_synth.demo.translation import make_muchmore, make_paramed, make_scielo

DEFAULT_SIZES = (35, 8, 22)  # train, dev, test: about 2 MB in all; MedQA gets more
MEDQA_SIZES = (60, 10, 30)


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
        f" {writers.type_list(types)}. Present them as [entity <type>]."
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
        "Extract the events in the text with their primary arguments. Event types are"
        f" {writers.type_list(types)}. Present each event as [<type> <trigger> <theme entity>]."
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
