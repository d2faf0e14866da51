"""Error analysis (medinst_tui/analysis/): every number checked against an independent computation.

Predictions are written here (what a model might answer) and scored by the real scorer, as a run scores them;
the expected values come from scikit-learn (confusion matrices, per-label counts, macro-F1), from counting by
hand, or from an exhaustive permutation test.
"""

from __future__ import annotations

import itertools
import math
import random

import pytest
from sklearn.metrics import confusion_matrix, f1_score, multilabel_confusion_matrix
from sklearn.preprocessing import MultiLabelBinarizer

from medinst_tui.analysis import (
    analyze_task,
    bio_confusion,
    cls_confusion,
    mcnemar_exact,
    multilabel_stats,
    span_analysis,
    sts_table,
)
from medinst_tui.analysis.compare import compare_task
from medinst_tui.analysis.labels import OTHER
from medinst_tui.analysis.paired import mean_statistic, permutation_p_value, rng_for
from medinst_tui.analysis.spans import written_spans
from medinst_tui.runs.records import SampleResult
from medinst_tui.scoring import Family, Scorer
from medinst_tui.scoring.families import entity_spans
from medinst_tui.scoring.squad import normalize_answer


def scored(
    family: Family, task: str, triples: list[tuple[int, str, str]]
) -> tuple[list[SampleResult], Scorer]:
    """SampleResults as a run records them: each (id, prediction, gold) scored by the real scorer."""
    scorer = Scorer(family)
    out = []
    for seq, (sample_id, prediction, gold) in enumerate(triples):
        r = SampleResult(seq, task, sample_id, "test", None, None, prediction, gold)
        r.metrics = scorer.add(prediction, gold, key=sample_id)
        out.append(r)
    return out, scorer


# -- spans -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "[Endothelial cells <Cell>] [epithelium <Tissue>]",
        "[a [nested] span <T>] stray ] [open",
        "]] [x] [[y]] [The Lesion <Organ>]",
        "no spans at all",
        "[<amiodarone> <CID> <hypothyroidism>]",
    ],
)
def test_written_spans_are_the_scorers_spans_as_written(text: str) -> None:
    assert [normalize_answer(w) for w in written_spans(text)] == entity_spans(text)


def test_entity_types_count_matched_missed_and_spurious_in_the_original_spelling() -> None:
    gold_1 = "[Endothelial cells <Cell>] [epithelium <Tissue>]"
    gold_2 = "[epithelium <Tissue>] [kidney <Organ>] [neurons <Cell>]"
    triples = [
        (1, gold_1, gold_1),  # right, right
        # kidney missed, neurons typed wrong (a Cell written as Tissue), one spurious Organ
        (2, "[epithelium <Tissue>] [neurons <Tissue>] [liver <Organ>]", gold_2),
        (3, "none", "[cytoplasm <Cellular_component>]"),  # nothing predicted
    ]
    results, scorer = scored("entity", "AnEM", triples)
    analysis = span_analysis([(r.sample_id, r.prediction, r.gold) for r in results], "NER")
    by_type = {t.type: t for t in analysis.types}
    assert (by_type["Cell"].tp, by_type["Cell"].fn, by_type["Cell"].fp) == (1, 1, 0)
    assert (by_type["Tissue"].tp, by_type["Tissue"].fn, by_type["Tissue"].fp) == (2, 0, 1)
    assert (by_type["Organ"].tp, by_type["Organ"].fn, by_type["Organ"].fp) == (0, 1, 1)
    assert (by_type["Cellular_component"].fn, by_type["Cellular_component"].precision) == (1, None)
    assert by_type["Tissue"].precision == pytest.approx(2 / 3) and by_type["Tissue"].recall == 1.0
    assert by_type["Tissue"].f1 == pytest.approx(2 * 2 / (2 * 2 + 1))
    # the samples behind each cell, spelled as the model and the gold wrote them
    assert [(s.sample_id, s.span) for s in by_type["Cell"].missed] == [(2, "neurons <Cell>")]
    assert [(s.sample_id, s.span) for s in by_type["Tissue"].spurious] == [(2, "neurons <Tissue>")]
    assert [(s.sample_id, s.span) for s in by_type["Cell"].matched] == [(1, "Endothelial cells <Cell>")]
    assert analysis.confusions == {("Cell", "Tissue"): [2]}
    # the micro row sums the types, and the mean per-sample F1 is the run's Entity-F1
    assert analysis.total.tp == sum(t.tp for t in analysis.types) == 3
    assert (analysis.total.fp, analysis.total.fn) == (2, 3)
    assert analysis.mean_sample_f1 == pytest.approx(scorer.summary()["entity_f1"].value)


@pytest.mark.parametrize(
    ("category", "gold", "expected"),
    [
        ("RE", "[<amiodarone> <CID> <hypothyroidism>]", "CID"),
        ("EE", "[<Protein_catabolism> <degradation> <IL-10>]", "Protein_catabolism"),
        ("NED", "[hearing loss <MESH/D034381>]", "MESH"),
        ("COREF", "[These cells]", "coreference"),
    ],
)
def test_relation_event_link_and_coreference_types(category: str, gold: str, expected: str) -> None:
    analysis = span_analysis([(7, gold, gold), (8, "", gold)], category)
    (only,) = analysis.types
    assert (only.type, only.tp, only.fn) == (expected, 1, 1)
    assert only.missed[0].sample_id == 8


# -- labels ----------------------------------------------------------------------------------------------
def _cls_triples(n: int, seed: int) -> list[tuple[int, str, str]]:
    rng = random.Random(seed)
    labels = ["Supports", "Refutes", "Neutral"]
    answers = [*labels, "supports.", "The evidence refutes it", "", "maybe"]
    return [(100 + i, rng.choice(answers), rng.choice(labels)) for i in range(n)]


def test_cls_confusion_matrix_is_sklearns() -> None:
    triples = _cls_triples(200, seed=3)
    results, scorer = scored("cls", "HealthVer", triples)
    cm = cls_confusion([(r.sample_id, r.prediction, r.gold) for r in results])
    gold = [normalize_answer(g) for _, _, g in triples]
    keys = sorted(set(gold))
    predicted = [normalize_answer(p) if normalize_answer(p) in keys else OTHER for _, p, _ in triples]
    expected = confusion_matrix(gold, predicted, labels=[*keys, OTHER])
    assert cm.rows == keys and cm.columns == [*keys, OTHER]
    assert cm.matrix() == expected[: len(keys)].tolist()
    # the diagonal's macro-F1 is the run's Label-F1 and sklearn's macro F1 over the gold labels
    assert cm.macro_f1 == pytest.approx(scorer.summary()["cls_f1"].value)
    assert cm.macro_f1 == pytest.approx(f1_score(gold, predicted, labels=keys, average="macro"))
    # each cell's samples are exactly the ids with that (gold, predicted)
    for (g, p), ids in cm.samples.items():
        assert ids == [
            i for (i, _, _), gg, pp in zip(triples, gold, predicted, strict=True) if (gg, pp) == (g, p)
        ]
    assert cm.shown["supports"] == "Supports"  # labels as written
    others = {answer for _, answer in cm.other}
    assert "maybe" in others and "The evidence refutes it" in others and "(empty)" in others


def test_bio_confusion_is_sklearns_over_aligned_tags() -> None:
    rng = random.Random(5)
    triples = []
    for i in range(60):
        n = rng.randint(3, 9)
        gold = " ".join(f"w{j} [{rng.choice('BIO')}]" for j in range(n))
        m = n + rng.choice([-2, -1, 0, 0, 0, 1])  # a prediction with too few or too many tags
        prediction = " ".join(f"w{j} [{rng.choice('BIOO')}]" for j in range(max(m, 0)))
        triples.append((i, prediction, gold))
    results, scorer = scored("bio", "NCBI-disease", triples)
    cm = bio_confusion([(r.sample_id, r.prediction, r.gold) for r in results])
    flat_gold: list[str] = []
    flat_pred: list[str] = []
    for _, prediction, gold in triples:
        g = [f"[{t}]" for t in gold.split("[")[1:] for t in [t[0]]]
        p = [f"[{t}]" for t in prediction.split("[")[1:] for t in [t[0]]]
        p = (p + ["N"] * len(g))[: len(g)]  # padded with N or cut, independently of align_bio
        flat_gold += g
        flat_pred += p
    labels = ["[B]", "[I]", "[O]", "N"]
    assert cm.columns == labels and cm.rows == ["[B]", "[I]", "[O]"]
    assert cm.matrix() == confusion_matrix(flat_gold, flat_pred, labels=labels)[:3].tolist()
    assert cm.macro_f1 == pytest.approx(scorer.summary()["bio_f1"].value)
    assert cm.macro_f1 == pytest.approx(f1_score(flat_gold, flat_pred, labels=labels[:3], average="macro"))


def test_multilabel_counts_are_sklearns() -> None:
    rng = random.Random(11)
    topics = ["Treatment", "Diagnosis", "Prevention", "Mechanism"]
    triples = []
    for i in range(80):
        gold = ", ".join(rng.sample(topics, rng.randint(1, 2)))
        prediction = ", ".join(rng.sample([*topics, "Epidemic Forecasting"], rng.randint(0, 3)))
        triples.append((i, prediction, gold))
    stats = multilabel_stats(triples)
    labels = [lab.label for lab in stats.labels]
    binarizer = MultiLabelBinarizer(classes=labels)
    y_true = binarizer.fit_transform([{x.lower() for x in g.split(", ")} for _, _, g in triples])
    y_pred = binarizer.transform([{x.lower().strip() for x in p.split(", ")} for _, p, _ in triples])
    expected = multilabel_confusion_matrix(y_true, y_pred)  # per label [[tn, fp], [fn, tp]]
    for lab, m in zip(stats.labels, expected, strict=True):
        assert [[lab.tn, len(lab.fp)], [len(lab.fn), len(lab.tp)]] == m.tolist(), lab.label
    assert labels[:4] == sorted(t.lower() for t in topics)
    forecast = next(lab for lab in stats.labels if lab.label == "epidemic forecasting")
    assert not forecast.in_gold and forecast.shown == "Epidemic Forecasting" and not forecast.tp


# -- STS -------------------------------------------------------------------------------------------------
def test_sts_table_counts_scores_and_answers_with_no_valid_integer() -> None:
    triples = [
        (1, "4", "4"),
        (2, "The similarity is 3.", "4"),
        (3, "I think 2 or 3", "4"),  # two integers: not valid
        (4, "none", "0"),  # no integer
        (5, "7", "2"),  # out of range
        (6, "5", "0"),  # a real 5 against 0
        (7, "0", "0"),
    ]
    results, scorer = scored("mse", "BIOSSES", triples)
    table = sts_table([(r.sample_id, r.prediction, r.gold) for r in results])
    assert table.counts[4][4] == 1 and table.counts[4][3] == 1 and table.counts[0][5] == 1
    assert table.counts[0][0] == 1
    assert table.invalid == [1, 0, 1, 0, 1, 0] and table.n_invalid == 3
    assert sum(map(sum, table.counts)) + table.n_invalid == len(triples)
    assert table.samples[0, None] == [4] and table.samples[0, 5] == [6]
    assert (table.exact, table.within_one) == (2, 3)
    assert table.mse == pytest.approx(scorer.summary()["mse"].value)


# -- one run's analysis ----------------------------------------------------------------------------------
def test_analyze_task_counts_failed_samples_and_keeps_the_last_record() -> None:
    results, _ = scored("em", "MedQA", [(1, "A", "A"), (2, "B", "C"), (3, "C", "C")])
    failed = SampleResult(
        9, "MedQA", 4, "test", None, None, "", "D", error="timeout: x", error_kind="timeout"
    )
    again = SampleResult(10, "MedQA", 2, "test", None, None, "C", "C", metrics={"em": 1.0, "rougeL": 1.0})
    analysis = analyze_task("MedQA", "em", [*results, failed, again])
    assert (analysis.n, analysis.n_not_scored) == (3, 1)
    assert analysis.mean == 1.0  # sample 2 was answered again, right
    assert analysis.worst[0].value == 1.0


# -- paired tests ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("b", "c", "expected"),
    [
        (1, 6, 2 * (1 + 7) / 2**7),  # 0.125
        (2, 10, 2 * (1 + 12 + 66) / 2**12),
        (5, 5, 1.0),
        (0, 0, 1.0),
        (0, 9, 2 / 2**9),
    ],
)
def test_mcnemar_exact_by_hand(b: int, c: int, expected: float) -> None:
    assert mcnemar_exact(b, c) == pytest.approx(expected)
    assert mcnemar_exact(c, b) == pytest.approx(expected)


def test_mcnemar_matches_scipys_binomial_test() -> None:
    from scipy.stats import binomtest

    for b, c in [(3, 17), (40, 55), (120, 80)]:
        assert mcnemar_exact(b, c) == pytest.approx(binomtest(min(b, c), b + c, 0.5).pvalue)


def test_run_vs_run_on_exact_match_flips_mcnemar_and_a_seeded_interval() -> None:
    golds = [f"answer {i}" for i in range(40)]
    a_right = [i % 4 != 0 for i in range(40)]  # 30 right
    b_right = [(i % 4 != 0 and i % 5 != 0) or i in (0, 4) for i in range(40)]
    a, _ = scored(
        "em",
        "MedQA",
        [(i, g if ok else "wrong", g) for i, (g, ok) in enumerate(zip(golds, a_right, strict=True))],
    )
    b, _ = scored(
        "em",
        "MedQA",
        [(i, g if ok else "nope", g) for i, (g, ok) in enumerate(zip(golds, b_right, strict=True))],
    )
    result = compare_task("MedQA", "em", a, b, seed=1, resamples=500)
    right_to_wrong = [i for i in range(40) if a_right[i] and not b_right[i]]
    wrong_to_right = [i for i in range(40) if b_right[i] and not a_right[i]]
    assert [f.sample_id for f in result.right_to_wrong] == right_to_wrong
    assert [f.sample_id for f in result.wrong_to_right] == wrong_to_right == [0, 4]
    em = next(m for m in result.metrics if m.metric == "em")
    assert em.test == "mcnemar-exact" and em.discordant == (len(right_to_wrong), 2)
    assert em.p_value == pytest.approx(mcnemar_exact(len(right_to_wrong), 2))
    assert em.delta == pytest.approx((sum(b_right) - sum(a_right)) / 40)
    assert em.lower is not None and em.upper is not None and em.lower <= em.delta <= em.upper
    again = compare_task("MedQA", "em", a, b, seed=1, resamples=500)
    other = compare_task("MedQA", "em", a, b, seed=2, resamples=500)
    assert next(m for m in again.metrics if m.metric == "em") == em  # seeded: reproducible
    assert next(m for m in other.metrics if m.metric == "em").lower != em.lower
    # the biggest drops are the right-to-wrong samples (EM 1 -> 0), worst first
    assert [f.sample_id for f in result.drops] == right_to_wrong  # all 1 -> 0, then by id
    # every metric of the family is compared
    assert [m.metric for m in result.metrics] == ["rougeL", "token_f1", "em"]


def test_permutation_p_value_matches_the_exhaustive_test() -> None:
    rng = random.Random(2)
    a = [rng.random() for _ in range(12)]
    b = [x + rng.gauss(0.15, 0.2) for x in a]
    d = [y - x for x, y in zip(a, b, strict=True)]
    observed = abs(sum(d) / len(d))
    flips = list(itertools.product((1, -1), repeat=len(d)))
    exact = sum(
        abs(sum(s * x for s, x in zip(signs, d, strict=True)) / len(d)) >= observed - 1e-12 for signs in flips
    )
    exact_p = exact / len(flips)
    estimate = permutation_p_value(mean_statistic(a, b), rng_for(0, "t", 1), resamples=20_000)
    assert estimate == pytest.approx(exact_p, abs=3 * math.sqrt(exact_p * (1 - exact_p) / 20_000) + 1e-3)


def test_label_f1_difference_uses_the_corpus_macro_f1() -> None:
    triples = _cls_triples(120, seed=8)
    flipped = [(i, g if k % 3 else p, g) for k, (i, p, g) in enumerate(triples)]  # B is right more often
    a, scorer_a = scored("cls", "HealthVer", triples)
    b, scorer_b = scored("cls", "HealthVer", flipped)
    result = compare_task("HealthVer", "cls", a, b, seed=0, resamples=400)
    f1 = next(m for m in result.metrics if m.metric == "cls_f1")
    assert f1.a == pytest.approx(scorer_a.summary()["cls_f1"].value)
    assert f1.b == pytest.approx(scorer_b.summary()["cls_f1"].value)
    assert f1.test == "permutation" and f1.delta > 0 and f1.p_value < 0.01
    assert f1.lower is not None and 0 < f1.lower < f1.delta < (f1.upper or 0)


def test_translation_metrics_are_compared_with_corpus_bleu() -> None:
    import sacrebleu

    golds = ["the patient was given aspirin", "blood pressure was high", "no fever was seen", "the cat sat"]
    a_pred = ["patient got aspirin", "pressure high", "no fever", "a cat sat"]
    b_pred = ["the patient was given aspirin", "blood pressure was high", "fever", "the cat sat"]
    a, _ = scored(
        "translation", "ParaMed", [(i, p, g) for i, (p, g) in enumerate(zip(a_pred, golds, strict=True))]
    )
    b, _ = scored(
        "translation", "ParaMed", [(i, p, g) for i, (p, g) in enumerate(zip(b_pred, golds, strict=True))]
    )
    result = compare_task("ParaMed", "translation", a, b, seed=0, resamples=200)
    bleu = next(m for m in result.metrics if m.metric == "bleu")
    assert bleu.a == pytest.approx(sacrebleu.corpus_bleu(a_pred, [golds]).score / 100)
    assert bleu.b == pytest.approx(sacrebleu.corpus_bleu(b_pred, [golds]).score / 100)
    assert result.right_to_wrong == [] and result.wrong_to_right == []  # no "right" for translation
