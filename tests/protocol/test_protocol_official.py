"""The paper's results file (evaluation.py's layout) in and out: medinst's values equal the official
definitions on the same pairs, and write -> parse -> score gives the same numbers.

The official definitions are transcribed below from MedINST's evaluation.py (the README's "Few-shot runs
and scoring" states them): its `rouge` is rouge-score's rougeL F-measure with the stemmer (what
`datasets.load_metric('rouge')` runs), `f1` SQuAD's word F1, `entity_level_f1` a Counter F1 of bracketed
spans (or of `", "`-separated labels for multi-label tasks), `em` SQuAD's normalized exact match, the
label / BIO-tag F1 scikit-learn's macro F1 over the sorted gold labels, `mse` over the one integer 0..5 of
each side (else the pair counts as 0 vs 5). Sums are divided by n after the loop, as the script does.
"""

from __future__ import annotations

import json
import re
import string
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from rouge_score import rouge_scorer

from medinst_tui.protocol import official

# -- evaluation.py's definitions, transcribed (independent of medinst_tui.scoring) ---------------------------
_ROUGE = rouge_scorer.RougeScorer(["rougeL"], use_stemmer=True)


def o_normalize(s: str) -> str:
    s = s.lower()
    s = "".join(ch for ch in s if ch not in set(string.punctuation))
    s = re.sub(r"\b(a|an|the)\b", " ", s)
    return " ".join(s.split())


def o_rouge(pred: str, gold: str) -> float:
    return float(_ROUGE.score(gold, pred)["rougeL"].fmeasure)


def o_word_f1(pred: str, gold: str) -> float:
    p, g = o_normalize(pred).split(), o_normalize(gold).split()
    same = sum((Counter(p) & Counter(g)).values())
    if same == 0:
        return 0
    precision, recall = same / len(p), same / len(g)
    return (2 * precision * recall) / (precision + recall)


def o_entities(s: str) -> list[str]:
    stack: list[str] = []
    entities: list[str] = []
    current: list[str] = []
    for ch in s:
        if ch == "[":
            if stack:
                current.append(ch)
            stack.append(ch)
        elif ch == "]":
            if not stack:
                current = []
                continue
            stack.pop()
            if stack:
                current.append(ch)
            else:
                entities.append(o_normalize("".join(current)))
                current = []
        elif stack:
            current.append(ch)
    return entities


def o_entity_f1(target: list[str], pred: list[str]) -> float:
    t, p = Counter(target), Counter(pred)
    tp = sum((t & p).values())
    fp = sum((p - t).values())
    fn = sum((t - p).values())
    precision = tp / (tp + fp) if tp + fp else 0
    recall = tp / (tp + fn) if tp + fn else 0
    return 2 * precision * recall / (precision + recall) if precision + recall else 0


def o_macro_f1(targets: list[str], preds: list[str]) -> float:
    """sklearn f1_score(targets, preds, labels=sorted(set(targets)), average='macro')."""
    scores = []
    for label in sorted(set(targets)):
        tp = sum(1 for t, p in zip(targets, preds, strict=True) if t == label and p == label)
        fp = sum(1 for t, p in zip(targets, preds, strict=True) if t != label and p == label)
        fn = sum(1 for t, p in zip(targets, preds, strict=True) if t == label and p != label)
        scores.append(2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0)
    return sum(scores) / len(scores)


def o_mse(targets: list[str], preds: list[str]) -> float:
    ts, ps = [], []
    for t, p in zip(targets, preds, strict=True):
        tn = list({int(n) for n in re.findall(r"\d+", t)})
        pn = list({int(n) for n in re.findall(r"\d+", p)})
        if len(tn) != 1 or len(pn) != 1 or tn[0] not in range(6) or pn[0] not in range(6):
            tn, pn = [0], [5]
        ts.append(tn[0])
        ps.append(pn[0])
    return sum((x - y) ** 2 for x, y in zip(ts, ps, strict=True)) / len(ts)


def o_evaluate(targets: list[str], preds: list[str], types: list[str]) -> dict[str, float]:
    """evaluation.py's evaluate(), line for line in what it computes and in which order."""
    m: dict[str, float] = {}
    for gold, pred in zip(targets, preds, strict=True):
        m["rouge"] = m.get("rouge", 0) + o_rouge(pred, gold)
        m["f1"] = m.get("f1", 0) + o_word_f1(pred, gold)
        if "entity" in types:
            m["entity_level_f1"] = m.get("entity_level_f1", 0) + o_entity_f1(
                o_entities(gold), o_entities(pred)
            )
        if "multicls" in types:
            ts = [t.lower().strip() for t in gold.split(", ")]
            ps = [p.lower().strip() for p in pred.split(", ")]
            m["entity_level_f1"] = m.get("entity_level_f1", 0) + o_entity_f1(ts, ps)
        if "em" in types:
            m["em"] = m.get("em", 0) + (o_normalize(pred) == o_normalize(gold))
    for key in m:
        m[key] /= len(preds)
    if "bio" in types:
        all_t: list[str] = []
        all_p: list[str] = []
        for t, p in zip(targets, preds, strict=True):
            tt, pp = re.findall(r"\[B\]|\[I\]|\[O\]", t), re.findall(r"\[B\]|\[I\]|\[O\]", p)
            pp = pp + ["N"] * (len(tt) - len(pp)) if len(tt) > len(pp) else pp[: len(tt)]
            all_t += tt
            all_p += pp
        m["label_leval_f1"] = o_macro_f1(all_t, all_p)
    if "cls" in types:
        m["label_level_f1"] = o_macro_f1([o_normalize(t) for t in targets], [o_normalize(p) for p in preds])
    if "mse" in types:
        m["mse"] = o_mse(targets, preds)
    return m


# -- a hand-written official file: every metric type of MEDINST32 --------------------------------------------
PAIRS: dict[str, dict[str, list[tuple[str, str]]]] = {
    "QA": {
        "MedQA": [
            ("The right coronary artery.", "Right coronary artery"),
            ("left internal thoracic artery", "Right coronary artery"),
            ("Aspirin", "aspirin"),
        ],
        "PubMedQA-labeled": [("yes", "yes"), ("no", "maybe"), ("Yes.", "no"), ("maybe", "maybe")],
    },
    "NER": {
        "NCBI-disease": [
            (
                "Familial [B] adenomatous [I] polyposis [I] is [O]",
                "Familial [B] adenomatous [I] polyposis [I] is [O]",
            ),
            ("The [O] tumour [O]", "The [O] tumour [B] suppressor [I]"),
        ],
        "AnEM": [
            ("[lung <Organ>], [heart <Organ>]", "[lung <Organ>], [liver <Organ>]"),
            ("no entities", "[skin <Tissue>]"),
            ("[[nested] span <Cell>]", "[[nested] span <Cell>]"),
        ],
    },
    "TXTCLASS": {
        "Hallmarks-of-Cancer": [
            ("sustaining proliferative signaling, evading growth suppressors", "evading growth suppressors"),
            (
                "Activating invasion and metastasis",
                "activating invasion and metastasis, inducing angiogenesis",
            ),
        ],
    },
    "SUM": {"Multi-XScience": [("We study graph neural networks.", "This paper studies graph networks.")]},
    "STS": {"BIOSSES": [("4", "4"), ("The score is 2", "3"), ("five", "1"), ("3 or 4", "2")]},
    "TRANSL": {"ParaMed": [("The patient was admitted.", "The patient was hospitalized.")]},
}
TYPES = {
    "MedQA": ["em"],
    "PubMedQA-labeled": ["cls"],
    "NCBI-disease": ["bio"],
    "AnEM": ["entity"],
    "Hallmarks-of-Cancer": ["multicls"],
    "Multi-XScience": [],
    "BIOSSES": ["mse"],
    "ParaMed": [],
}


def hand_written_file(tmp_path: Path) -> Path:
    data: dict[str, Any] = {}
    for category, tasks in PAIRS.items():
        data[category] = {}
        for task, pairs in tasks.items():
            targets = [t for _, t in pairs]
            preds = [p for p, _ in pairs]
            data[category][task] = {
                "generated": [{"prediction": p, "target": t} for p, t in pairs],
                "metrics": o_evaluate(targets, preds, TYPES[task]),
            }
    path = tmp_path / "paper_results.json"
    path.write_text(json.dumps(data, ensure_ascii=False, indent=4), encoding="utf-8")
    return path


def test_medinst_computes_the_official_values_of_a_hand_written_file(tmp_path: Path) -> None:
    path = hand_written_file(tmp_path)
    tasks = official.parse(path)
    assert [t.task for t in tasks] == [t for tasks in PAIRS.values() for t in tasks]
    checks = official.check(tasks)
    assert checks and all(c.matches for c in checks), [c for c in checks if not c.matches]
    by = {(c.task, c.key): c for c in checks}
    # the official key names, the BIO spelling included, and nothing medinst-only (no bleu, chrf, unicode)
    assert {k for (t, k) in by if t == "NCBI-disease"} == {"rouge", "f1", "label_leval_f1"}
    assert {k for (t, k) in by if t == "PubMedQA-labeled"} == {"rouge", "f1", "label_level_f1"}
    assert {k for (t, k) in by if t == "Hallmarks-of-Cancer"} == {"rouge", "f1", "entity_level_f1"}
    assert {k for (t, k) in by if t == "ParaMed"} == {"rouge", "f1"}
    # a few values by hand: 2 of 3 exact matches; MSE (0 + 1 + 25 + 25) / 4 (unparseable pairs count 0 vs 5)
    assert by["MedQA", "em"].computed == pytest.approx(2 / 3)
    assert by["BIOSSES", "mse"].computed == pytest.approx(51 / 4)
    # AnEM: 1/2 (lung), 0 (nothing found), 1 (the nested span is one top-level span)
    assert by["AnEM", "entity_level_f1"].computed == pytest.approx((0.5 + 0 + 1) / 3)


def test_a_stated_metric_that_is_wrong_is_reported(tmp_path: Path) -> None:
    path = hand_written_file(tmp_path)
    data = json.loads(path.read_text())
    data["QA"]["MedQA"]["metrics"]["em"] = 0.5
    path.write_text(json.dumps(data))
    checks = official.check(official.parse(path))
    wrong = [c for c in checks if c.matches is False]
    assert [(c.task, c.key, c.stated) for c in wrong] == [("MedQA", "em", 0.5)]
    assert wrong[0].computed == pytest.approx(2 / 3)


def test_write_then_read_gives_the_same_numbers(tmp_path: Path) -> None:
    # medinst's build takes a run's tasks (a zero-shot run's `-zs` names too) in any order
    pairs = [(f"{task}-zs", list(p)) for tasks in reversed(PAIRS.values()) for task, p in tasks.items()]
    built = official.build(pairs)
    # evaluation.py's category order; base task names
    assert list(built) == ["QA", "NER", "TXTCLASS", "SUM", "STS", "TRANSL"]
    assert list(built["NER"]) == ["NCBI-disease", "AnEM"]  # Table 3's task order
    out = tmp_path / "official.json"
    official.write(out, built)
    assert official.looks_official(out)
    read = official.parse(out)
    for t in read:
        assert official.compute_metrics(t) == built[t.category][t.task]["metrics"]  # bit for bit
        targets, preds = [g for _, g in t.pairs], [p for p, _ in t.pairs]
        expected = o_evaluate(targets, preds, TYPES[t.task])
        assert list(built[t.category][t.task]["metrics"]) == list(expected)  # the script's key order
        for key, value in expected.items():
            assert built[t.category][t.task]["metrics"][key] == value, (t.task, key)  # exactly


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[1, 2]", "expected {category"),
        ('{"QA": []}', "category 'QA' is not an object"),
        ('{"QA": {"MedQA": {"metrics": {}}}}', "QA/MedQA has no `generated` list"),
        ('{"QA": {"MedQA": {"generated": [{"prediction": 1, "target": "x"}]}}}', "generated[0]"),
        ('{"task": "MedQA", "prediction": "a", "gold": "b"}\n{"task": "MedQA"}', "not one JSON object"),
    ],
)
def test_a_file_that_is_not_official_is_refused_with_where_and_why(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(official.OfficialFormatError, match=re.escape(message)):
        official.parse(path)
    assert not official.looks_official(path)
