"""The Table 3 report: Table 3's order, the headline metric, BLURB-style macro averages over the tasks the
model scored (the paper's columns over the same tasks), STS out of the overall average, n and intervals in
every cell, a subset named as one; the same content as terminal, Markdown, CSV and LaTeX."""

from __future__ import annotations

import csv
import io

import pytest
from rich.console import Console

from medinst_tui import catalog
from medinst_tui.protocol import report, table3
from medinst_tui.protocol.plan import narrow, table3_categories, table3_tasks
from medinst_tui.runs.engine import LiveScores
from medinst_tui.runs.records import Summary

# (task, [(prediction, gold)]): MedQA EM 1/2, PubMedQA label F1, AnEM entity F1, BIOSSES MSE
PAIRS = {
    "MedQA": [("Aspirin", "aspirin"), ("heparin", "warfarin")],
    "PubMedQA-labeled": [("yes", "yes"), ("no", "no"), ("yes", "no")],
    "AnEM": [("[lung <Organ>]", "[lung <Organ>]"), ("[skin <Tissue>]", "[liver <Organ>]")],
    "BIOSSES": [("4", "4"), ("1", "3")],
}


def summary_of(pairs: dict[str, list[tuple[str, str]]], suffix: str = "") -> Summary:
    scores = LiveScores()
    for task, items in pairs.items():
        for i, (p, g) in enumerate(items):
            scores.add(task + suffix, catalog.category_of(task), p, g, i)
    return scores.summary()


def test_table3_order_and_the_papers_figures() -> None:
    assert len(table3_tasks()) == 32
    assert table3_categories() == (
        "NER",
        "QA",
        "TE",
        "TXTCLASS",
        "NED",
        "RE",
        "COREF",
        "SUM",
        "EE",
        "STS",
        "TRANSL",
    )
    t = table3.build({}, model="m", setting="few-shot")
    assert [g.category for g in t.groups] == list(table3_categories())
    assert sum(len(g.lines) for g in t.groups) == 32
    medqa = next(ln for g in t.groups for ln in g.lines if ln.task.name == "MedQA")
    assert medqa.paper["LLaMA3_fewshot"] == 49.25 and medqa.paper["GPT-4o_fewshot"] == 81.93
    assert medqa.user is None and medqa.note == "no sample scored"
    # with no value of the user's, each average is the paper's over all of the category's tasks
    ner = t.groups[0]
    assert ner.average.n_tasks == 0 and ner.average.of == 13
    expected = sum(ln.paper["GPT-4o_fewshot"] for ln in ner.lines) / 13
    assert ner.average.paper["GPT-4o_fewshot"] == pytest.approx(expected)


def test_the_users_column_averages_and_subsets() -> None:
    summary = summary_of(PAIRS)
    available = {"MedQA": 30, "PubMedQA-labeled": 3, "AnEM": 22, "BIOSSES": 22}
    t = table3.build(summary, model="my-model", setting="few-shot", available=available)
    lines = {ln.task.name: ln for g in t.groups for ln in g.lines}
    medqa, pubmed, anem, biosses = (lines[n].user for n in ("MedQA", "PubMedQA-labeled", "AnEM", "BIOSSES"))
    assert medqa is not None and pubmed is not None and anem is not None and biosses is not None
    assert medqa.metric == "em" and medqa.value == pytest.approx(50.0)
    # label F1 of (yes,yes), (no,no), (no->yes): yes 2/3, no 2/3 -> 66.67
    assert pubmed.metric == "cls_f1" and pubmed.value == pytest.approx(200 / 3)
    assert anem.metric == "entity_f1" and anem.value == pytest.approx(50.0)
    assert biosses.metric == "mse" and biosses.value == pytest.approx(2.0)  # (0 + 4) / 2, not x100
    # every cell says n; a subset says so; the full PubMedQA set (3 of 3) does not
    assert medqa.n_text() == "2 of 30 (subset)" and pubmed.n_text() == "3"
    assert medqa.bounds is not None and medqa.bounds[0] <= 50.0 <= medqa.bounds[1]
    assert "subset" in medqa.text() and "n=3" in pubmed.text()
    # QA: the mean of the two QA task scores; NER: AnEM only (1 of 13), paper columns over AnEM alone
    qa = next(g for g in t.groups if g.category == "QA").average
    assert qa.user == pytest.approx((50.0 + 200 / 3) / 2) and qa.n_tasks == 2 and qa.of == 3
    assert qa.paper["LLaMA3_fewshot"] == pytest.approx((50.85 + 49.25) / 2)  # BioASQ (91.62) left out
    ner = t.groups[0].average
    assert ner.user == pytest.approx(50.0) and ner.paper["GPT-4o_fewshot"] == pytest.approx(37.44)
    # overall: mean of the category means the user has (NER, QA), STS's MSE left out
    assert t.overall.user == pytest.approx((50.0 + (50.0 + 200 / 3) / 2) / 2)
    assert t.overall.n_tasks == 2 and t.overall.of == 10
    assert t.overall.paper["LLaMA3_fewshot"] == pytest.approx((8.20 + qa.paper["LLaMA3_fewshot"]) / 2)


def test_zero_shot_reads_the_zs_tasks_and_narrowing_keeps_the_order() -> None:
    summary = summary_of(PAIRS, suffix="-zs")
    chosen = narrow(["MedQA-zs", "AnEM"], [])
    assert [c.name for c in chosen] == ["AnEM", "MedQA"]  # Table 3's order, `-zs` accepted
    t = table3.build(summary, model="m", setting="zero-shot", tasks=chosen)
    assert [ln.task.name for g in t.groups for ln in g.lines] == ["AnEM", "MedQA"]
    assert all(ln.user is not None for g in t.groups for ln in g.lines)
    # a few-shot table of the same run finds nothing: the rows of the other setting are not mixed in
    assert all(
        ln.user is None for g in table3.build(summary, model="m", setting="few-shot").groups for ln in g.lines
    )
    with pytest.raises(ValueError, match="not a MEDINST32 task: BC2GM"):
        narrow(["BC2GM"], [])
    with pytest.raises(ValueError, match="no MEDINST32 task in category TEXTPAIRCLASS"):
        narrow([], ["TEXTPAIRCLASS"])


def test_every_format_carries_the_same_rows() -> None:
    summary = summary_of(PAIRS)
    t = table3.build(
        summary,
        model="my_model & co",
        setting="few-shot",
        available={"MedQA": 30, "PubMedQA-labeled": 3, "AnEM": 22, "BIOSSES": 22},
        notes=["Rows: first 2 row(s) per task (by id)."],
    )
    md = report.to_markdown(t)
    table_lines = [ln for ln in md.splitlines() if ln.startswith("|")]
    assert len({ln.count(" | ") for ln in table_lines[2:]}) == 1  # every row has every column
    assert "| **QA** | BioASQ-Task-B-yesno |" in md and "2 of 30 (subset)" in md
    assert "| *Overall* | *macro avg* | *2/10 categories* |" in md and "| *avg 1/13* |" in md
    assert "Rows: first 2 row(s) per task" in md and "95% intervals, by method: Wilson" in md

    rows = list(csv.DictReader(io.StringIO(report.to_csv(t))))
    task_rows = [r for r in rows if r["row"] == "task"]
    assert len(task_rows) == 32 and len(rows) == 32 + 11 + 1  # tasks, one average per category, overall
    medqa = next(r for r in task_rows if r["task"] == "MedQA")
    assert (medqa["metric"], medqa["value"], medqa["n"], medqa["available"], medqa["subset"]) == (
        "em",
        "50.0000",
        "2",
        "30",
        "true",
    )
    assert float(medqa["lower"]) <= 50 <= float(medqa["upper"]) and medqa["interval"] == "wilson"
    assert medqa["GPT-4o_fewshot"] == "81.9300"

    tex = report.to_latex(t)
    body = [ln for ln in tex.splitlines() if ln.endswith(r"\\") and "multicolumn" not in ln]
    assert len({ln.count(" & ") for ln in body}) == 1  # 13 columns on every row
    assert r"my\_model \& co" in tex and r"LLaMA3-MI$^\dagger$" in tex
    assert tex.count(r"\midrule") == 11 + 1

    console = Console(width=260, record=True)
    console.print(report.rich_table(t))
    text = console.export_text()
    assert "MedQA" in text and "2 of 30 (subset)" in text and "macro avg" in text
