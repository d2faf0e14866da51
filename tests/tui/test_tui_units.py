"""The TUI's pure parts: output formats, facet arithmetic, previews, stats, config, themes (no app)."""

from __future__ import annotations

import asyncio
import gc
import importlib
import inspect
import json
import pkgutil
import threading
import time
import weakref
from pathlib import Path

import duckdb
import pytest
from textual.dom import DOMNode

import medinst_tui.tui
from medinst_tui.config import ConfigError, load_config, save_setting
from medinst_tui.store.browse import Positions, previews_at
from medinst_tui.store.facet_counts import base_filter, filter_total, split_counts, tree_counts
from medinst_tui.store.filters import Filter
from medinst_tui.store.index import ENV_MEMORY_LIMIT, Index
from medinst_tui.store.stats import filter_stats, label_balance
from medinst_tui.tui import formats, gc_policy
from medinst_tui.tui.browse.export import default_name
from medinst_tui.tui.browse.jump import parse_row
from medinst_tui.tui.browse.sample_table import SampleTable
from medinst_tui.tui.browse.screen import BrowseScreen
from medinst_tui.tui.browse.task_picker import rank
from medinst_tui.tui.database import MEMORY_LIMIT, Database
from medinst_tui.tui.gc_policy import NEVER, IdleCollector
from medinst_tui.tui.screens.help import binding_sources, declared_bindings
from medinst_tui.tui.themes import load_themes, theme_from_yaml
from tests.tui_support import SIZES, small_index


@pytest.fixture(autouse=True)
def tui_memory_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """The app sets DuckDB's memory default through the environment: keep it inside each test."""
    monkeypatch.setenv(ENV_MEMORY_LIMIT, MEMORY_LIMIT)


# -- output formats -----------------------------------------------------------------------------------


def test_entities_relations_events_and_mentions_are_parsed() -> None:
    assert formats.parse_items("[aspirin <Chemical>] [head [x] ache <Disease>]", "NER") == [
        formats.Entity("aspirin", "Chemical"),
        formats.Entity("head [x] ache", "Disease"),
    ]
    assert formats.parse_items("[IL-2 <Positive_regulation> T cells]", "RE") == [
        formats.Relation("IL-2", "Positive_regulation", "T cells")
    ]
    assert formats.parse_items("[<lithium> <CID> <tremor>]", "RE") == [
        formats.Relation("lithium", "CID", "tremor")
    ]
    assert formats.parse_items("[Binding binds IL-2 receptor]", "EE") == [
        formats.Event("Binding", "binds", "IL-2 receptor")
    ]
    assert formats.parse_items("[the lesion] [it]", "COREF") == [
        formats.Mention("the lesion"),
        formats.Mention("it"),
    ]
    assert formats.parse_items("[aspirin <MESH/D001241>]", "NED") == [
        formats.Entity("aspirin", "MESH/D001241")
    ]


def test_output_kinds() -> None:
    assert formats.output_kind("Breast [B] cancer [I] in [O] mice [O]") == "bio"
    assert formats.output_kind("word [B-Disease] other [O]") == "bio"
    assert formats.output_kind("[aspirin <Chemical>]", "NER") == "items"
    assert formats.output_kind("insulin", "QA") == "text"
    assert formats.output_kind("see [1] for details", "QA") == "text"
    assert not formats.is_bio("breast [B] cancer")  # a word without its tag


def test_bio_render_highlights_entity_words_and_hides_o_tags() -> None:
    text = formats.render_bio("Breast [B] cancer [I] in [O] mice [O]")
    assert text.plain == "Breast[B] cancer[I] in mice"
    styled = {text.plain[s.start : s.end] for s in text.spans if s.style and "bold" in str(s.style)}
    assert styled == {"Breast", "cancer"}


def test_entities_in_the_input_take_their_type_colour_and_types_never_share_one() -> None:
    output = "[aspirin <Chemical>] [headache <Disease>]"
    colors = formats.colors_for(output, "NER")
    assert colors.color("Chemical") != colors.color("Disease")
    text = formats.render_input("aspirin caused headache; aspirin again", output, "NER", colors)
    marked = [(text.plain[s.start : s.end], str(s.style)) for s in text.spans]
    assert [m for m, _ in marked].count("aspirin") == 2 and ("headache" in [m for m, _ in marked])
    assert all(colors.color("Chemical").lower() in style.lower() for m, style in marked if m == "aspirin")


def test_relation_and_event_render_as_triples() -> None:
    assert formats.render_output("[lithium <CID> tremor]", "RE").plain == "  1. lithium  ─CID→  tremor"
    rendered = formats.render_output("[Gene_expression expression IL-2]", "EE").plain
    assert rendered == "  1. Gene_expression  trigger expression  theme IL-2"


def test_one_line_previews() -> None:
    assert formats.one_line("a\n b\tc", 10) == "a b c"
    assert formats.one_line("abcdefghijkl", 5) == "abcd…"


# -- facet arithmetic ---------------------------------------------------------------------------------


def test_facet_panels_derive_from_one_count_and_match_direct_counts() -> None:
    with Index(small_index()) as index:
        f = Filter(categories=("NER",), splits=("test",))
        counts = index.facets(base_filter(f))
        assert (
            filter_total(counts, f)
            == index.count(f)
            == SIZES["NCBI-disease", "test"] + SIZES["BC5CDR", "test"]
        )
        # The tree ignores the category choice (QA keeps its test rows), the splits ignore the split choice.
        assert tree_counts(counts, f).by_category()["QA"] == index.count(
            Filter(categories=("QA",), splits=("test",))
        )
        assert split_counts(counts, f).by_split()["train"] == index.count(
            Filter(categories=("NER",), splits=("train",))
        )


# -- previews (the table's pages) ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "f",
    [
        Filter(),
        Filter(categories=("NER",), splits=("test",)),
        Filter(medinst32=True),
        Filter(search="aspirin"),
    ],
    ids=["all", "ner-test", "medinst32", "search"],
)
def test_previews_are_the_rows_the_index_pages_give(f: Filter) -> None:
    with Index(small_index()) as index:
        n = index.count(f)
        for position in (0, 7, n // 2, n - 3):
            expected = [r.id for r in index.page_at(f, position, 10)]
            assert [p.id for p in previews_at(index, f, position, 10)] == expected
        if not f.structural:
            first = previews_at(index, f, 0, 10)
            after = previews_at(index, f, 10, 10, after_id=first[-1].id)
            assert [p.id for p in after] == [r.id for r in index.page_at(f, 10, 10)]


def test_positions_map_rows_across_blocks() -> None:
    positions = Positions(first_ids=(100, 500, 900), ends=(10, 15, 40))
    assert positions.total == 40
    assert positions.id_at(0) == 100 and positions.id_at(10) == 500 and positions.id_at(39) == 924
    assert positions.id_at(40) is None
    assert positions.ranges(8, 10) == [(108, 109), (500, 504), (900, 902)]


# -- stats ----------------------------------------------------------------------------------------------


def test_label_balance_only_for_label_outputs() -> None:
    assert label_balance(["yes", "no", "yes"]) == ([("yes", 2), ("no", 1)], False)
    pairs = ["x, y", "x, z", "y, w", "z, w", "x, w", "y, z"]  # 6 distinct outputs, 4 distinct labels
    labels, multi = label_balance(pairs * 10, max_labels=5)
    assert multi and labels is not None and dict(labels) == {"x": 30, "y": 30, "z": 30, "w": 30}
    assert label_balance([f"free text {i}" for i in range(100)], max_labels=10) == (None, False)


def test_filter_stats_counts_labels_of_a_small_filter_exactly() -> None:
    with Index(small_index()) as index:
        f = Filter(tasks=("SciCite",))
        stats = filter_stats(index, f, total=index.count(f))
        expected = index.sample(f, 1000)
        assert stats.rows == len(expected) and not stats.sampled
        assert dict(stats.labels or []) == {
            label: sum(r.output == label for r in expected) for label in {r.output for r in expected}
        }
        assert sorted(stats.input_lengths) == sorted(len(r.input) for r in expected)


# -- small helpers of the screens ---------------------------------------------------------------------


def test_jump_row_parsing() -> None:
    assert parse_row("5,000,000", 9_940_000) == 5_000_000
    assert parse_row("12", 10) == "the filter has 10 rows"
    assert parse_row("0", None) == "rows start at 1"
    assert parse_row("abc", None) == "type a row number"


def test_export_default_name_says_what_is_inside() -> None:
    assert default_name(Filter()) == "medinst-all.jsonl"
    assert (
        default_name(Filter(categories=("NER",), splits=("test",)), "parquet") == "medinst-NER-test.parquet"
    )


def test_fuzzy_picker_ranks_tasks_and_categories() -> None:
    names = ["NCBI-disease", "BC5CDR", "BC5CDR-RE", "MedQA", "SciCite"]
    assert rank("ncbi", names)[0] == "NCBI-disease"
    assert rank("medqa", names)[0] == "MedQA"
    assert rank("", names) == names


# -- config and themes --------------------------------------------------------------------------------


def test_config_defaults_when_missing_and_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    assert load_config(path).theme is None
    path.write_text("keymap:\n  browse.search: ctrl+f\nmodels: {default: x}\n")
    save_setting("theme", "medinst-light", path)
    config = load_config(path)
    assert config.theme == "medinst-light" and config.keymap == {"browse.search": "ctrl+f"}
    assert "models" in path.read_text()  # sections owned by others survive
    assert any("models" in w for w in config.warnings)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("theme: [a, b]\n", "'theme' must be a theme name"),
        ("keymap: ctrl+f\n", "'keymap' must map binding ids"),
        ("keymap:\n  browse.search: ''\n", "keymap.browse.search"),
        ("keymap:\n  browse.search: ctrl + f\n", "is not a key"),
        ("theme: x\n  bad: [\n", "invalid YAML at line"),
        ("- a\n- b\n", "must be a mapping"),
    ],
)
def test_config_errors_say_where_and_what(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=r"config\.yaml") as info:
        load_config(path)
    assert message in str(info.value)


def test_bundled_themes_load_and_bad_theme_files_are_reported(tmp_path: Path) -> None:
    themes, problems = load_themes()
    assert {"medinst-dark", "medinst-light"} <= {t.name for t in themes} and not problems
    (tmp_path / "bad.yaml").write_text(json.dumps({"name": "bad", "primary": "not-a-colour"}))
    (tmp_path / "extra.yaml").write_text(json.dumps({"name": "x", "primary": "#fff", "sparkle": 1}))
    (tmp_path / "mine.yaml").write_text(json.dumps({"name": "mine", "primary": "#123456", "dark": False}))
    themes, problems = load_themes([tmp_path])
    assert [t.name for t in themes] == ["mine"] and not themes[0].dark
    assert sorted(p.path.name for p in problems) == ["bad.yaml", "extra.yaml"]
    assert "not a colour" in str(problems[0]) and "sparkle" in str(problems[1])
    with pytest.raises(ValueError, match="'name' is required"):
        (tmp_path / "noname.yaml").write_text("primary: '#fff'\n")
        theme_from_yaml(tmp_path / "noname.yaml")


# -- workers' plumbing ----------------------------------------------------------------------------------


def test_a_newer_request_interrupts_the_query_running_in_its_group() -> None:
    db = Database(small_index())
    outcome: list[str] = []
    started = threading.Event()

    def slow_query() -> None:
        with db.open("group") as index:
            started.set()
            try:  # a query that would run for many seconds
                index.con.execute(
                    "SELECT count(*) FROM range(20000000000) a WHERE a.range % 7 = 3"
                ).fetchone()
                outcome.append("finished")
            except duckdb.InterruptException:
                outcome.append("interrupted")

    worker = threading.Thread(target=slow_query)
    worker.start()
    assert started.wait(10)
    time.sleep(0.05)
    db.interrupt("other-group")  # another group's request leaves it running
    assert worker.is_alive() and db.busy  # (the idle collector waits while a query runs)
    begun = time.perf_counter()
    db.interrupt("group")
    worker.join(10)
    assert outcome == ["interrupted"] and time.perf_counter() - begun < 5
    assert not db.busy
    with db.open("group") as index:  # the group's next query runs normally
        assert index.count() > 0
    db.close()


class Cycle:
    me: object = None


def test_idle_collector_defers_full_collections_to_idle_moments_and_restores_gc(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(gc_policy, "FULL_LOOK", 10**9)  # however many old objects pytest holds
    thresholds = gc.get_threshold()
    collector = IdleCollector()
    collector.start()
    try:
        assert gc.get_threshold()[2] == NEVER and gc.isenabled()  # young collections stay automatic
        probe = Cycle()
        probe.me = probe  # garbage only a collection can free
        watch = weakref.ref(probe)
        del probe
        gc.collect(1)  # what CPython's automatic passes would do: the cycle is now old
        collector.last_full -= 60
        collector.note_input()
        collector.tick()
        assert collector.collections == 0  # the reader is active: no pause now
        collector.last_input -= 10
        for _ in range(4):
            collector.tick(busy=True)
        assert collector.collections == 0  # a query runs (a count's scan): no idle moment either
        collector.tick()
        collector.tick()
        assert collector.collections == 0  # the young pass, then the count (short pauses) ...
        collector.note_input()
        collector.tick()
        collector.last_input -= 10
        collector.tick()
        collector.tick()
        assert collector.collections == 0  # ... again after input came between the parts
        collector.tick()
        assert collector.collections == 1 and watch() is None  # ... the rest on the next idle tick
        for _ in range(3):
            collector.tick()
        assert collector.collections == 1  # not again right away
    finally:
        collector.stop()
    assert gc.get_threshold() == thresholds


def test_every_class_with_bindings_is_in_the_help_and_every_binding_has_an_id() -> None:
    listed = {cls for _, cls in binding_sources()}
    declaring = []
    for info in pkgutil.walk_packages(medinst_tui.tui.__path__, prefix="medinst_tui.tui."):
        module = importlib.import_module(info.name)
        for obj in vars(module).values():
            ours = inspect.isclass(obj) and issubclass(obj, DOMNode) and obj.__module__ == module.__name__
            if ours and obj.__dict__.get("BINDINGS"):
                declaring.append(obj)
    assert SampleTable in declaring and BrowseScreen in declaring  # the walk does find them
    assert [cls.__name__ for cls in declaring if cls not in listed] == []
    missing_ids = [(cls.__name__, b.key) for cls in declaring for b in declared_bindings(cls) if not b.id]
    assert missing_ids == []
    ids = [b.id for cls in declaring for b in declared_bindings(cls)]
    assert len(ids) == len(set(ids)), "binding ids are unique (the keymap addresses them by id)"


@pytest.mark.parametrize("look", [10**9, 0], ids=["old objects looked at", "too many old objects"])
def test_idle_collections_freeze_their_survivors_and_a_sweep_frees_cycles_that_died_frozen(
    monkeypatch: pytest.MonkeyPatch, look: int
) -> None:
    monkeypatch.setattr(gc_policy, "SWEEP_MIN", 20_000)
    monkeypatch.setattr(gc_policy, "FULL_LOOK", look)
    collector = IdleCollector()
    collector.start()
    try:
        collector.freeze_startup()
        alive = [[i] for i in range(10_000)]  # survives: the next idle collection freezes it
        young = Cycle()
        young.me = young
        young_watch = weakref.ref(young)
        del young  # a young dead cycle: every idle collection frees it
        old = Cycle()
        old.me = old
        gc.collect(1)  # now in the old generation
        old_watch = weakref.ref(old)
        del old  # an old dead cycle: freed only where the old objects are looked at
        probe = Cycle()
        probe.me = probe
        watch = weakref.ref(probe)  # a cycle alive at that collection, dead after it
        idle_tick(collector)
        assert young_watch() is None
        assert (old_watch() is None) == (look > 0)
        assert collector.collections == 1 and collector.sweeps == 0
        frozen = gc.get_freeze_count()
        assert frozen >= collector.swept_frozen + len(alive)  # out of the next collections' view
        del probe
        idle_tick(collector)
        assert watch() is not None  # frozen when it died: only a sweep frees it
        grown = [[i] for i in range(2 * frozen + 20_000)]  # the frozen set more than doubles
        idle_tick(collector)
        assert collector.sweeps == 1 and watch() is None and old_watch() is None
        assert collector.swept_frozen == gc.get_freeze_count() >= len(grown)
    finally:
        collector.stop()
    assert gc.get_freeze_count() == 0  # everything handed back to the collector on exit


def idle_tick(collector: IdleCollector) -> None:
    """A timer tick after the reader was idle long enough and the last collection is old enough."""
    collector.last_input -= 60
    collector.last_full -= 60
    for _ in range(3):  # the young pass, the count of the old objects, the rest
        collector.tick()


async def test_a_cancelled_query_is_interrupted_on_its_database_thread() -> None:
    db = Database(small_index())
    outcome: list[str] = []

    def slow(index: Index) -> int:
        try:
            row = index.con.execute(
                "SELECT count(*) FROM range(20000000000) a WHERE a.range % 7 = 3"
            ).fetchone()
            outcome.append("finished")
            return int(row[0]) if row else 0
        except duckdb.InterruptException:
            outcome.append("interrupted")
            raise

    task = asyncio.create_task(db.query("group", slow))
    await asyncio.sleep(0.3)
    task.cancel()  # what Textual does to an exclusive worker when a newer one starts
    with pytest.raises(asyncio.CancelledError):
        await task
    for _ in range(100):
        if outcome:
            break
        await asyncio.sleep(0.05)
    assert outcome == ["interrupted"]
    assert await db.query("group", lambda index: index.count()) > 0
    db.close()
