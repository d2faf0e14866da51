"""Event-extraction outputs read as events (tui/formats.py), in the shape MEDINST writes them
(`[<type> <trigger> <theme>]`, the demo data's EE tasks) and bare; the score panel lists entities as
written, matched as the entity metric matches them."""

from __future__ import annotations

import io
import json

from rich.console import Console

from medinst_tui.paths import PACKAGE_DIR
from medinst_tui.scoring import score_pair
from medinst_tui.scoring.families import entity_spans
from medinst_tui.scoring.live import live_score
from medinst_tui.tui.formats import Entity, Event, Relation, mentions_of, parse_items, render_output, types_of
from medinst_tui.tui.playground.score_panel import diff_text


def plain(renderable: object) -> str:
    console = Console(width=200, record=True, file=io.StringIO())
    console.print(renderable)
    return console.export_text()


def test_an_event_in_medinsts_own_shape_is_an_event_not_an_entity() -> None:
    output = "[<Positive_regulation> <induced> <IL-10>] [<Death> <apoptosis> <gastric cancer cells>]"
    assert parse_items(output, "EE") == [
        Event("Positive_regulation", "induced", "IL-10"),
        Event("Death", "apoptosis", "gastric cancer cells"),
    ]
    assert types_of(output, "EE") == ["Positive_regulation", "Death"]
    shown = plain(render_output(output, "EE"))
    assert "Positive_regulation  trigger induced  theme IL-10" in shown
    assert "<IL-10>" not in shown  # the old reading: entity "<Positive_regulation> <induced>" of type IL-10
    assert ("induced", "Positive_regulation") in mentions_of(parse_items(output, "EE"))


def test_bare_events_entities_and_relations_keep_their_readings() -> None:
    assert parse_items("[Gene_expression expression IL-2]", "EE") == [
        Event("Gene_expression", "expression", "IL-2")
    ]
    assert parse_items("[IL-2 <Protein>]", "EE") == [Entity("IL-2", "Protein")]
    assert parse_items("[<lithium> <CID> <tremor>]", "RE") == [Relation("lithium", "CID", "tremor")]
    assert parse_items("[Endothelial cells <Cell>]", "NER") == [Entity("Endothelial cells", "Cell")]


def test_every_demo_ee_output_reads_as_events() -> None:
    """The bundled demo set writes events as MEDINST does: each one parses to an Event."""
    files = sorted((PACKAGE_DIR / "demo_data" / "medinst").glob("*-EE_*.json"))
    assert files
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines():
            items = parse_items(json.loads(line)["output"], "EE")
            assert items and all(isinstance(it, Event) for it in items), (path.name, items)


def test_the_entity_diff_shows_entities_as_written() -> None:
    gold = "[Endothelial cells <Cell>] [VEGF <Protein>] [VEGF <Protein>]"
    answer = "[endothelial cells <cell>] [vegf <protein>] [Tumour <Disease>]"
    score = live_score("entity", answer, gold)
    assert score.scores == score_pair("entity", answer, gold)
    assert score.diff is not None
    assert score.diff.matched == ("Endothelial cells <Cell>", "VEGF <Protein>")
    assert score.diff.missed == ("VEGF <Protein>",)
    assert score.diff.spurious == ("Tumour <Disease>",)
    # the counts are the metric's: normalized spans, as a multiset
    assert len(score.diff.matched) + len(score.diff.missed) == len(entity_spans(gold))
    shown = plain(diff_text(score.diff))
    assert "matched 2: Endothelial cells <Cell> · VEGF <Protein>" in shown
    assert "endothelial cells cell" not in shown
