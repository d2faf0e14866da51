"""Family extraction rules (entity spans, multi-labels, BIO tags, STS integers) and task mapping."""

from __future__ import annotations

import csv
import random
from importlib import resources

import pytest

from medinst_tui.scoring.families import (
    HEADLINE_METRIC,
    align_bio,
    bio_tags,
    entity_spans,
    family_for,
    multicls_labels,
    multiset_f1,
    sts_pair,
)
from medinst_tui.scoring.squad import normalize_answer


def _stack_entities(s: str) -> list[str]:
    # MEDINST's rule as a character-by-character bracket stack: the reference.
    stack: list[str] = []
    entities: list[str] = []
    current: list[str] = []
    for char in s:
        if char == "[":
            if stack:
                current.append(char)
            stack.append(char)
        elif char == "]":
            if not stack:
                current = []
                continue
            stack.pop()
            if stack:
                current.append(char)
            else:
                entities.append(normalize_answer("".join(current)))
                current = []
        elif stack:
            current.append(char)
    return entities


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[IL-2] and [NF-kappaB]", ["il2", "nfkappab"]),
        ("[outer [inner] tail] [x]", ["outer inner tail", "x"]),
        ("] stray [kept]", ["kept"]),
        ("[a]] [b]", ["", "b"]),  # "a" is an article, normalized away
        ("[never closed", []),
        ("[ok] [open [nested]", ["ok"]),
        ("no brackets", []),
        ("", []),
        ("[The Protein.] [protein]", ["protein", "protein"]),
    ],
)
def test_entity_spans(text: str, expected: list[str]) -> None:
    assert entity_spans(text) == expected


def test_entity_spans_match_stack_reference_on_random_strings() -> None:
    rng = random.Random(4)
    alphabet = ["[", "]", "[", "]", "a", "b", " ", "The", ",", "x y", "é"]
    for _ in range(3_000):
        s = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        assert entity_spans(s) == _stack_entities(s)


def test_multiset_f1_edges() -> None:
    assert multiset_f1([], []) == 0.0
    assert multiset_f1(["x"], []) == 0.0
    assert multiset_f1([], ["x"]) == 0.0
    assert multiset_f1(["x", "y"], ["y", "x"]) == 1.0
    # Repeated entities: gold has x twice, prediction once -> P 1, R 1/2.
    assert multiset_f1(["x", "x"], ["x"]) == pytest.approx(2 / 3)
    # Prediction repeats x three times against one gold x -> P 1/3, R 1.
    assert multiset_f1(["x"], ["x", "x", "x"]) == pytest.approx(0.5)


def test_multicls_labels_split_on_comma_space_only() -> None:
    assert multicls_labels("Sustaining proliferative signaling, Evading growth suppressors") == [
        "sustaining proliferative signaling",
        "evading growth suppressors",
    ]
    assert multicls_labels("A,B") == ["a,b"]
    # MEDINST splits "" into [""], so two empty outputs agree fully.
    assert multicls_labels("") == [""]
    assert multiset_f1(multicls_labels(""), multicls_labels("")) == 1.0
    assert multiset_f1(multicls_labels("X, Y"), multicls_labels("y ,  x")) == 1.0  # stripped
    assert multiset_f1(multicls_labels("X, Y"), multicls_labels("X,Y")) == 0.0


def test_bio_tags_and_alignment() -> None:
    assert bio_tags("Aspirin [B] causes [O] ulcers [B] [I] [X] [b]") == ["[B]", "[O]", "[B]", "[I]"]
    assert align_bio(["[B]", "[O]", "[O]"], ["[B]"]) == ["[B]", "N", "N"]
    assert align_bio(["[B]"], ["[O]", "[B]", "[I]"]) == ["[O]"]
    assert align_bio([], ["[O]"]) == []


@pytest.mark.parametrize(
    ("gold", "prediction", "expected"),
    [
        ("3", "The similarity is 4.", (3, 4)),
        ("2", "2 out of 5", (0, 5)),  # two distinct integers in the prediction
        ("2", "2 or 2", (2, 2)),  # the same integer twice is one distinct integer
        ("4", "no idea", (0, 5)),
        ("4", "7", (0, 5)),  # out of range
        ("3.5", "3", (0, 5)),  # "3.5" holds the integers 3 and 5
        ("0", "0", (0, 0)),
    ],
)
def test_sts_pair(gold: str, prediction: str, expected: tuple[int, int]) -> None:
    assert sts_pair(gold, prediction) == expected


def test_family_for_by_metric_type_and_category() -> None:
    assert family_for("entity", "NER") == "entity"
    assert family_for("bio", "NER") == "bio"
    assert family_for("cls", "QA") == "cls"
    assert family_for("rouge_only", "SUM") == "none"
    assert family_for("rouge_only", "TRANSL") == "translation"
    assert family_for("", "RE") == "entity"
    assert family_for(None, "TEXTPAIRCLASS") == "cls"
    assert family_for("", "STS") == "mse"
    assert family_for("", "QA") == "em"
    assert family_for("", "TRANSL") == "translation"
    assert family_for("", "SUM") == "none"
    assert family_for("", "UNKNOWN") == "none"
    assert family_for("", "NER", example_gold="Aspirin [B] induced [O]") == "bio"
    assert family_for("", "NER", example_gold="[aspirin]") == "entity"


def test_every_catalog_task_resolves_and_matches_the_paper_metric() -> None:
    text = resources.files("medinst_tui").joinpath("data/tasks.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    assert len(rows) == 163
    paper_headline = {
        "Label-F1": {"cls_f1", "bio_f1"},
        "Entity-F1": {"entity_f1", "multicls_f1"},
        "EM": {"em"},
        "MSE(lower=better)": {"mse"},
        "Rouge-L": {"rougeL"},
    }
    for row in rows:
        family = family_for(row["medinst32_metric_type"], row["category"])
        if row["paper_table3_metric"]:
            assert HEADLINE_METRIC[family] in paper_headline[row["paper_table3_metric"]], row["name"]
