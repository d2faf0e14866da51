"""One spec per catalog task for the benchmark set: its instruction, row flavor and label set."""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeVar

from medinst_synth import writers
from medinst_synth.vocab import Table

V = TypeVar("V")


@dataclass(frozen=True)
class TaskSpec:
    name: str
    category: str
    flavor: str  # the row maker (medinst_synth.bench.rows.ROW_MAKERS)
    instruction: str
    labels: tuple[str, ...] = ()


# Label and type sets by task; _lookup matches a name exactly or by prefix, in file order.
_T = Table("bench/tasks")
BIO_NER_TASKS = _T.str_lists("bio_ner_tasks")
NER_TYPES = _T.str_lists("ner_types")
BIONLP_TYPES = _T.strs("bionlp_types")
RE_LABELS = _T.str_lists("re_labels")
RE_GENERIC = _T.strs("re_generic")
EE_TYPES = _T.strs("ee_types")
TE_LABELS = _T.str_lists("te_labels")
CLS_LABELS = _T.str_lists("cls_labels")
NED_DB = _T.str_map("ned_db")
QA_FLAVORS = _T.str_map("qa_flavors")
TRANSL = {name: (flavor, language) for name, (flavor, language) in _T.str_lists("transl").items()}
WORD_PAIR_STS = frozenset(_T.strs("word_pair_sts"))


def _lookup(table: Mapping[str, V], name: str) -> V | None:
    for key, value in table.items():
        if name == key or name.startswith(key):
            return value
    return None


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
        types = found if found is not None else tuple(r.sample(BIONLP_TYPES, r.randint(2, 6)))
        offered = writers.type_list(types)
        text = (
            "You are provided with a text. Your objective is to identify, extract and classify all "
            "biomedical entities mentioned in the text, maintaining the order in which they appear. "
            f"Types are {offered}. The entities should be presented in the following format: "
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
        dbname = db if db is not None else "MESH"
        text = (
            "You are provided with a text. Your objective is to identify and extract all biomedical "
            "entities mentioned in the text, maintaining the order in which they appear. For each entity, "
            f"provide its corresponding database identifier from {dbname}. The entities should be "
            "presented in the format: [entity1 <db_name/db_id>]."
        )
        return TaskSpec(name, category, "ned", text, (dbname,))
    if category == "RE":
        found = _lookup(RE_LABELS, name)
        rels = found if found is not None else tuple(r.sample(RE_GENERIC, r.randint(1, 5)))
        offered = writers.type_list(rels)
        text = (
            "Given a text, identify and extract specified relations between biomedical entities mentioned "
            f"within it. The specified relation types are {offered}. Present each relation in "
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
        offered = writers.type_list(types)
        text = (
            "Given a text, identify and extract the specified types of bio-molecular events along with "
            f"their primary arguments. The event type can be {offered}. Present each event in "
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
            f"the following categories: {writers.type_list(labels)}."
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
