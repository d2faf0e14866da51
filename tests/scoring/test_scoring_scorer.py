"""The incremental Scorer, corpus scoring and metric display."""

from __future__ import annotations

import importlib
import math
import statistics
import subprocess
import sys
from pathlib import Path

import pytest

from medinst_tui.scoring import (
    METRICS,
    MetricSummary,
    Scorer,
    format_summary,
    format_value,
    rouge_l,
    score_corpus,
    score_pair,
    token_f1,
)
from medinst_tui.scoring.intervals import Interval
from medinst_tui.scoring.metrics import better


def test_every_family_reports_rouge_and_token_f1_means() -> None:
    preds = ["aspirin reduces pain", "", "[x] [y]"]
    golds = ["Aspirin reduces fever.", "ulcers", "[x]"]
    for family in ("entity", "multicls", "bio", "cls", "em", "mse", "translation", "none"):
        summary = score_corpus(family, preds, golds)
        assert list(summary)[:2] == ["rougeL", "token_f1"]
        assert summary["rougeL"].value == sum(rouge_l(p, g) for p, g in zip(preds, golds, strict=True)) / 3
        assert summary["token_f1"].value == sum(token_f1(p, g) for p, g in zip(preds, golds, strict=True)) / 3
        assert summary["rougeL"].n == 3


def test_entity_family_mean_of_per_sample_f1() -> None:
    scorer = Scorer("entity")
    first = scorer.add("[Aspirin] [ulcer]", "[aspirin] [ulcers] [pain]")
    # One of two predicted spans matches one of three gold spans: P 1/2, R 1/3.
    assert first["entity_f1"] == pytest.approx(2 * (1 / 2) * (1 / 3) / (1 / 2 + 1 / 3))
    second = scorer.add("nothing", "")  # both sides without spans
    assert second["entity_f1"] == 0.0
    assert scorer.summary()["entity_f1"].value == pytest.approx(first["entity_f1"] / 2)
    assert scorer.headline == "entity_f1"


def test_cls_macro_f1_over_gold_labels_with_case_and_punctuation() -> None:
    golds = ["Yes", "yes.", "No", "Maybe"]
    preds = ["YES", "no", "no!", "yes"]
    # Gold labels: maybe, no, yes. yes: TP 1, gold 2, pred 2 -> 0.5. no: TP 1, gold 1, pred 2 -> 2/3.
    # maybe: TP 0 -> 0. Macro = (0 + 2/3 + 1/2) / 3.
    summary = score_corpus("cls", preds, golds)
    assert summary["cls_f1"].value == pytest.approx((0 + 2 / 3 + 1 / 2) / 3)
    assert summary["cls_f1"].stderr is None


def test_cls_predicted_label_outside_gold_only_hurts_recall() -> None:
    assert score_corpus("cls", ["unsure", "yes"], ["yes", "yes"])["cls_f1"].value == pytest.approx(2 / 3)


def test_bio_pads_and_cuts_then_flattens() -> None:
    golds = ["a [B] b [I] c [O]", "d [O] e [O]"]
    preds = ["[B] [O]", "[O] [O] [B] [B]"]
    # Pairs: (B,B) (I,O) (O,N) | (O,O) (O,O). Labels in gold: B, I, O.
    # B: TP1 gold1 pred1 -> 1. I: TP0 -> 0. O: TP2 gold3 pred3 -> 4/6.
    summary = score_corpus("bio", preds, golds)
    assert summary["bio_f1"].value == pytest.approx((1 + 0 + 4 / 6) / 3)


def test_bio_without_any_gold_tag_scores_zero() -> None:
    assert score_corpus("bio", ["[B]"], ["no tags"])["bio_f1"].value == 0.0


def test_mse_family() -> None:
    summary = score_corpus("mse", ["4", "two", "3 or 4", "1"], ["3", "2", "3", "1"])
    # (3,4) -> 1, no integer -> 25, two integers -> 25, (1,1) -> 0.
    assert summary["mse"].value == pytest.approx((1 + 25 + 25 + 0) / 4)
    assert not summary["mse"].higher_is_better
    assert better("mse", 0.5, 1.0) and better("rougeL", 0.6, 0.5)


def test_em_family() -> None:
    summary = score_corpus("em", ["The answer is C", "(B)", "b"], ["answer is c", "B", "C"])
    assert summary["em"].value == pytest.approx(2 / 3)


def test_multicls_family() -> None:
    scorer = Scorer("multicls")
    sample = scorer.add("Evading growth suppressors, Inducing angiogenesis", "inducing angiogenesis")
    assert sample["multicls_f1"] == pytest.approx(2 * 0.5 * 1 / 1.5)


def test_incremental_summary_equals_corpus_of_prefix() -> None:
    preds = ["yes", "no", "Yes", "maybe", "no"]
    golds = ["yes", "yes", "no", "maybe", "no"]
    scorer = Scorer("cls")
    for i, (p, g) in enumerate(zip(preds, golds, strict=True), start=1):
        scorer.add(p, g)
        assert scorer.summary() == score_corpus("cls", preds[:i], golds[:i])


def test_confidence_interval_from_sample_stderr() -> None:
    preds = ["a b c d", "a b", "x", "a b c", "b d"]
    golds = ["a b c d", "a b c d", "a b c d", "a c", "d b"]
    summary = score_corpus("none", preds, golds)["rougeL"]
    values = [rouge_l(p, g) for p, g in zip(preds, golds, strict=True)]
    assert summary.stderr == pytest.approx(statistics.stdev(values) / math.sqrt(len(values)))
    assert summary.ci is not None
    low, high = summary.ci
    assert 0.0 <= low < summary.value < high <= 1.0
    assert score_corpus("none", ["x"], ["x"])["rougeL"].stderr is None


def test_translation_matches_sacrebleu_corpus_scores() -> None:
    sacrebleu = importlib.import_module("sacrebleu")  # dev dependency: fail, never skip
    preds = ["The patient was given aspirin .", "Protein binding increased", "", "blood pressure fell"]
    golds = [
        "The patient received aspirin.",
        "Protein binding was increased.",
        "Nothing.",
        "Blood pressure fell.",
    ]
    summary = score_corpus("translation", preds, golds)
    assert summary["bleu"].value == sacrebleu.corpus_bleu(preds, [golds]).score / 100
    assert summary["chrf"].value == sacrebleu.corpus_chrf(preds, [golds]).score / 100
    assert 0 < summary["bleu"].value < 1
    assert "rougeL_unicode" not in summary
    assert Scorer("translation").headline == "rougeL"


def test_chinese_targets_bleu_zh_and_unicode_rouge() -> None:
    sacrebleu = importlib.import_module("sacrebleu")  # dev dependency: fail, never skip
    preds = ["病人服用了阿司匹林。", "蛋白质结合增加"]
    golds = ["患者服用阿司匹林。", "蛋白结合增加了。"]
    summary = score_corpus("translation", preds, golds)
    assert summary["bleu"].value == sacrebleu.corpus_bleu(preds, [golds], tokenize="zh").score / 100
    # The paper-compatible Rouge-L drops every Chinese character; the labelled variant does not.
    assert summary["rougeL"].value == 0.0
    assert summary["rougeL_unicode"].value > 0.5


def test_unicode_rouge_reported_only_after_non_ascii_pair() -> None:
    scorer = Scorer("none")
    assert "rougeL_unicode" not in scorer.add("protein binding", "protein binding")
    assert "rougeL_unicode" not in scorer.summary()
    sample = scorer.add("中文", "中文")
    assert sample["rougeL"] == 0.0 and sample["rougeL_unicode"] == 1.0
    # Mean over both samples; the ASCII one counts its (identical) Rouge-L of 1.
    assert scorer.summary()["rougeL_unicode"].value == 1.0


def test_score_pair_includes_corpus_metrics_of_one_sample() -> None:
    assert score_pair("cls", "Yes.", "yes") == {"rougeL": 1.0, "token_f1": 1.0, "cls_f1": 1.0}
    assert score_pair("mse", "2", "4")["mse"] == 4.0


def test_empty_scorer_and_unknown_family() -> None:
    assert Scorer("em").summary() == {}
    with pytest.raises(ValueError, match="unknown metric family"):
        Scorer("bleu")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        score_corpus("em", ["a", "b"], ["a"])


def test_display_helpers() -> None:
    assert format_value("rougeL", 0.47512) == "47.51"
    assert format_value("mse", 2.05) == "2.05"
    em = MetricSummary("em", 0.5, 10, 0.1, Interval(0.2366, 0.7634, "wilson"))
    assert format_summary(em) == "50.00 [23.66–76.34, n=10, Wilson]"
    assert format_summary(MetricSummary("bleu", 0.9, 10)) == "90.00 [n=10, no interval]"
    assert all(info.higher_is_better for key, info in METRICS.items() if key != "mse")
    assert set(METRICS) == {
        "rougeL",
        "token_f1",
        "entity_f1",
        "multicls_f1",
        "bio_f1",
        "cls_f1",
        "em",
        "mse",
        "bleu",
        "chrf",
        "rougeL_unicode",
    }


def test_scoring_core_imports_neither_sacrebleu_nor_rouge_score() -> None:
    # Runtime scoring must not need the dev-only rouge-score/nltk, and loads sacrebleu lazily.
    code = (
        "import sys, medinst_tui.scoring as s\n"
        "s.score_pair('entity', '[a] b', '[a]')\n"
        "bad = [m for m in ('sacrebleu', 'nltk', 'rouge_score') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parents[2])
