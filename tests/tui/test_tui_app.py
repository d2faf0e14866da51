"""The explorer driven by Pilot at a fixed terminal size on a small index built from real-format files."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import duckdb
import pytest
from textual.widgets import Button, Static

from medinst_tui.store.filters import Filter
from medinst_tui.store.index import ENV_MEMORY_LIMIT, Index
from medinst_tui.tui.browse.chips import FilterChips
from medinst_tui.tui.browse.detail import DetailPane
from medinst_tui.tui.browse.export import ExportScreen
from medinst_tui.tui.browse.facets import FacetNode, FacetsPanel, FacetTree
from medinst_tui.tui.browse.sample_table import SampleTable
from medinst_tui.tui.browse.screen import FACETS_GROUP, BrowseScreen
from medinst_tui.tui.browse.stats import StatsScreen
from medinst_tui.tui.browse.table_pages import PAGE_ROWS
from medinst_tui.tui.browse.task_picker import TaskPickerScreen
from medinst_tui.tui.browse.toggles import Toggles
from medinst_tui.tui.database import MEMORY_LIMIT
from medinst_tui.tui.screens.first_run import FirstRunScreen
from medinst_tui.tui.screens.help import HelpScreen, all_binding_ids, binding_rows
from tests.tui_support import (
    MEDQA_INSTRUCTION,
    NEEDLE,
    NEEDLE_TASK,
    make_app,
    settle,
    small_index,
    sources_factory,
    wait_for,
)


@pytest.fixture(autouse=True)
def tui_memory_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """The app sets DuckDB's memory default through the environment: keep it inside each test."""
    monkeypatch.setenv(ENV_MEMORY_LIMIT, MEMORY_LIMIT)


SIZE = (120, 40)
SLOW_QUERY = "SELECT count(*) FROM range(20000000000) r WHERE r.range % 7 = 3"  # minutes, interruptible
T = TypeVar("T")


def shown_count(table: SampleTable) -> int:
    """The row count the table's header shows ("1,234 rows")."""
    match = re.fullmatch(r"([\d,]+) rows?", str(table.border_title))
    assert match, table.border_title
    return int(match[1].replace(",", ""))


def browse(app: object) -> BrowseScreen:
    screen = getattr(app, "screen", None)
    assert isinstance(screen, BrowseScreen)
    return screen


async def test_opens_on_the_browse_screen_with_the_exact_count(tmp_path: Path) -> None:
    app = make_app(small_index(), tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = browse(app).table
        with Index(small_index()) as index:
            assert shown_count(table) == index.count(Filter())
        assert table.visible_loaded()
        # The first row is read into the detail pane without any key pressed.
        with Index(small_index()) as index:
            first = index.page(Filter(), limit=1)[0]
        assert browse(app).detail.row == first


async def test_filter_by_category_and_split_shows_the_direct_count(tmp_path: Path) -> None:
    app = make_app(small_index(), tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = browse(app)
        panel = screen.query_one(FacetsPanel)
        tree = screen.query_one(FacetTree)
        tree.focus()
        tree.move_cursor(panel._facet_nodes[FacetNode("category", "NER")])
        await pilot.press("enter")  # the keyboard filters by a category ...
        await settle(pilot)
        await pilot.click("#splits", offset=(3, 2))  # ... the mouse by a split (its third line: test)
        await settle(pilot)
        expected = Filter(categories=("NER",), splits=("test",))
        assert screen.filter == expected
        with Index(small_index()) as index:
            assert shown_count(screen.table) == index.count(expected) > 0
            by_split = index.facets(Filter(categories=("NER",))).by_split()
        # The split toggles keep counting the other splits of the chosen category.
        assert screen.query_one("#splits", Toggles).line_of("train").split()[-1] == f"{by_split['train']:,}"
        # Tasks under a category show their counts under the filter once the category is expanded.
        panel._facet_nodes[FacetNode("category", "NER")].expand()
        await settle(pilot)
        with Index(small_index()) as index:
            bc5cdr_test = index.count(Filter(tasks=("BC5CDR",), splits=("test",)))
        assert str(panel._facet_nodes[FacetNode("task", "BC5CDR")].label).split()[-1] == f"{bc5cdr_test:,}"
        # Each part of the filter is a chip; clicking one removes it.
        chips = screen.query_one(FilterChips)
        assert chips.chips == [("category", "NER"), ("split", "test")]
        await pilot.click(chips, offset=(chips.chip_spans()[0][0] + 1, 0))
        await settle(pilot)
        assert screen.filter == Filter(splits=("test",))
        with Index(small_index()) as index:
            assert shown_count(screen.table) == index.count(Filter(splits=("test",)))
        chips.focus()  # and from the keyboard: pick a chip, backspace removes it
        await pilot.press("backspace")
        await settle(pilot)
        assert screen.filter == Filter() and chips.chips == []


async def test_search_finds_a_known_sample(tmp_path: Path) -> None:
    app = make_app(small_index(), tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash", *NEEDLE, "enter")
        await settle(pilot)
        screen = browse(app)
        assert screen.filter.search == NEEDLE
        assert shown_count(screen.table) == 1
        row = screen.detail.row
        assert row is not None and NEEDLE in row.input and row.task == NEEDLE_TASK
        assert screen.query_one(FilterChips).chips == [("search", NEEDLE)]
        assert screen.table.has_focus  # enter searched and went back to the table


async def test_a_search_the_index_cannot_answer_says_it_scans_and_escape_cancels_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fragment inside a word (`*bbreviatio*`, in 250 MeDAL rows: more than a page) is read from the
    rows themselves. At 9.94M rows that scan takes seconds; on the small index it takes milliseconds, so
    the count under the search (the scan that runs after the first page) is held back by a real, slow
    DuckDB query on the same connection, which an interrupt stops as it stops the scan."""
    outcome: list[str] = []
    real_facets = Index.facets

    def slow_facets(index: Index, f: Filter) -> object:
        if f.search.startswith("*"):
            try:
                index.con.execute(SLOW_QUERY).fetchone()
            except duckdb.InterruptException:
                outcome.append("interrupted")
                raise
            outcome.append("finished")
        return real_facets(index, f)

    monkeypatch.setattr(Index, "facets", slow_facets)
    fragment = "*bbreviatio*"
    app = make_app(small_index(), tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = browse(app)
        table = screen.table
        await pilot.press("slash", *fragment, "enter")
        await wait_for(pilot, lambda: table.search_mode == "scan" and table.preview_at(0) is not None)
        assert table.scanning
        assert "scanning every row (esc cancels)" in str(table.border_title)
        await pilot.press("escape")
        await wait_for(pilot, lambda: bool(outcome))
        assert outcome == ["interrupted"]  # the count's scan was stopped, not waited for
        assert table.cancelled and not table.scanning
        assert "scan cancelled" in str(table.border_title)
        first = table.preview_at(0)  # the rows found so far are kept
        assert first is not None and first.task == "MeDAL" and table.preview_at(PAGE_ROWS - 1) is not None
        assert screen.filter.search == fragment  # the search itself stays
        await pilot.press("escape")  # a second escape is the table's own again: nothing to cancel
        assert outcome == ["interrupted"] and table.cancelled


async def test_fuzzy_picker_opens_a_task(tmp_path: Path) -> None:
    app = make_app(small_index(), tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+t")
        assert isinstance(app.screen, TaskPickerScreen)
        await pilot.press(*"medqa", "enter")
        await settle(pilot)
        screen = browse(app)
        assert screen.filter.tasks == ("MedQA",)
        with Index(small_index()) as index:
            assert shown_count(screen.table) == index.count(Filter(tasks=("MedQA",)))
        assert screen.detail.row is not None and screen.detail.row.task == "MedQA"


async def test_detail_pane_shows_the_selected_rows_instruction_and_gold_output(tmp_path: Path) -> None:
    app = make_app(small_index(), tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = browse(app)
        screen.open_task("MedQA")
        await settle(pilot)
        await pilot.press("down", "down", "down")
        await settle(pilot)
        with Index(small_index()) as index:
            expected = index.page_at(Filter(tasks=("MedQA",)), 3, 1)[0]
        detail = screen.query_one(DetailPane)
        assert detail.row == expected
        shown = detail.text().splitlines()
        assert shown[shown.index("Instruction") + 1] == MEDQA_INSTRUCTION
        assert shown[shown.index("Gold output") + 1] == expected.output
        await pilot.press("c")  # copy the sample as JSON
        assert json.loads(app.clipboard)["output"] == expected.output


async def test_paging_and_jumping_load_only_the_pages_on_screen(tmp_path: Path) -> None:
    app = make_app(small_index(), tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = browse(app)
        screen.open_task("MeDAL")
        await settle(pilot)
        table = screen.table
        await pilot.press("end")
        await settle(pilot)
        with Index(small_index()) as index:
            total = index.count(Filter(tasks=("MeDAL",)))
            last = index.page_at(Filter(tasks=("MeDAL",)), total - 1, 1)[0]
        assert table.cursor == total - 1 and table.visible_loaded()
        assert screen.detail.row == last
        assert set(table._pages) <= {0, (total - 1) // PAGE_ROWS, (total - 1) // PAGE_ROWS - 1}
        await pilot.press("ctrl+g", *"201", "enter")
        await settle(pilot)
        with Index(small_index()) as index:
            row_201 = index.page_at(Filter(tasks=("MeDAL",)), 200, 1)[0]
        assert table.cursor == 200 and screen.detail.row == row_201


async def test_export_writes_the_rows_of_the_filter(tmp_path: Path) -> None:
    app = make_app(small_index(), tmp_path)
    target = tmp_path / "out" / "ner.jsonl"
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = browse(app)
        screen.filter = Filter(categories=("NER",))
        await settle(pilot)
        await pilot.press("ctrl+e")
        dialog = app.screen
        assert isinstance(dialog, ExportScreen)
        dialog.query_one("#export-path").value = str(target)  # type: ignore[attr-defined]
        await pilot.click("#export-run")
        await settle(pilot)
        with Index(small_index()) as index:
            expected = index.count(Filter(categories=("NER",)))
            lines = target.read_text().splitlines()
            assert len(lines) == expected and all(json.loads(line)["category"] == "NER" for line in lines)
            first = json.loads(lines[0])  # the row's index id: it maps back to the index (and --pin ID)
            assert index.get(first["id"]).input == first["input"]  # type: ignore[union-attr]
        assert f"wrote {expected:,} rows" in str(dialog.query_one("#export-status").render())
        await pilot.press("escape")
        assert isinstance(app.screen, BrowseScreen)


async def test_export_a_seeded_sample(tmp_path: Path) -> None:
    app = make_app(small_index(), tmp_path)
    target = tmp_path / "sample.jsonl"
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+e")
        dialog = app.screen
        assert isinstance(dialog, ExportScreen)
        await pilot.click("#rows-sample")
        dialog.query_one("#sample-n").value = "7"  # type: ignore[attr-defined]
        dialog.query_one("#export-path").value = str(target)  # type: ignore[attr-defined]
        await pilot.click("#export-run")
        await settle(pilot)
        assert len(target.read_text().splitlines()) == 7


async def test_first_run_builds_the_demo_index_and_opens_it(tmp_path: Path) -> None:
    db = tmp_path / "data" / "index.duckdb"
    app = make_app(db, tmp_path, demo_sources=lambda: sources_factory(tmp_path / "demo"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, FirstRunScreen)
        await pilot.click("#first-run-build")
        await settle(pilot)
        screen = browse(app)
        with Index(db) as index:
            assert shown_count(screen.table) == index.count(Filter()) > 0


async def test_replacing_the_index_from_the_palette_focuses_cancel(tmp_path: Path) -> None:
    db = tmp_path / "index.duckdb"
    db.write_bytes(small_index().read_bytes())
    before = db.read_bytes()
    app = make_app(db, tmp_path, demo_sources=lambda: sources_factory(tmp_path / "demo"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        browse(app)
        app.action_build_demo()  # the palette's "Index: build the demo index"
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, FirstRunScreen) and screen.replacing
        focused = app.focused
        assert focused is not None and focused.id == "first-run-quit"
        assert str(screen.query_one("#first-run-quit", Button).label) == "Cancel"
        await pilot.press("enter")  # Enter on the focused button: nothing is replaced
        await settle(pilot)
        browse(app)
    assert db.read_bytes() == before


async def test_a_file_that_is_not_an_index_is_not_replaced_by_an_enter(tmp_path: Path) -> None:
    db = tmp_path / "index.duckdb"
    db.write_bytes(b"my notes, not an index\n")
    app = make_app(db, tmp_path, demo_sources=lambda: sources_factory(tmp_path / "demo"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, FirstRunScreen)
        assert screen.replacing and "This replaces the index there" in str(
            screen.query_one("#first-run-text", Static).render()
        )
        focused = app.focused
        assert focused is not None and focused.id == "first-run-quit"
        await pilot.press("enter")
        await settle(pilot)
    assert db.read_bytes() == b"my notes, not an index\n"


async def test_stats_show_the_label_balance_of_a_label_task(tmp_path: Path) -> None:
    app = make_app(small_index(), tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        browse(app).open_task("SciCite")
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        stats = app.screen
        assert isinstance(stats, StatsScreen)
        summary = str(stats.query_one("#stats-summary").render())
        assert "From all 40 rows" in summary and "3 labels" in summary


async def test_help_lists_every_binding_with_its_id(tmp_path: Path) -> None:
    app = make_app(small_index(), tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        listed = {row.id for row in binding_rows(app)}
        assert listed == all_binding_ids() and "" not in listed
        assert {"app.quit", "browse.search", "browse.export", "table.page_down", "export.cancel"} <= listed
        await pilot.press("escape")
        assert isinstance(app.screen, BrowseScreen)


async def test_keymap_from_the_config_file_rebinds_by_id(tmp_path: Path) -> None:
    (tmp_path / "config.yaml").write_text("keymap:\n  browse.search: ctrl+f\n")
    app = make_app(small_index(), tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        search = browse(app).query_one("#search")
        await pilot.press("slash")
        assert not search.has_focus  # the old key is gone
        await pilot.press("ctrl+f")
        assert search.has_focus
        assert any(r.id == "browse.search" and r.keys == "^f" for r in binding_rows(app))


async def test_a_keymap_id_no_binding_has_is_reported(tmp_path: Path) -> None:
    (tmp_path / "config.yaml").write_text("keymap:\n  browse.search: ctrl+f\n  browse.serch: ctrl+g\n")
    app = make_app(small_index(), tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await wait_for(pilot, lambda: any("keymap" in n.message for n in app._notifications))
        texts = [n.message for n in app._notifications]
        assert any("no binding with id browse.serch" in t for t in texts), texts
        assert not any("browse.search" in t for t in texts)  # the known id is not reported


# The theme chosen in the app is remembered in state.json: test_tui_state.py.


async def test_palette_commands_filter_and_open_tasks(tmp_path: Path) -> None:
    app = make_app(small_index(), tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = browse(app)
        commands = {c.title: c for c in app.get_system_commands(screen)}
        assert {
            "Export current filter…",
            "Stats for current filter",
            "Index: build the demo index",
            "Theme",
        } <= set(commands)
        commands["Filter by category: QA"].callback()
        await settle(pilot)
        assert screen.filter == Filter(categories=("QA",))
        with Index(small_index()) as index:
            assert shown_count(screen.table) == index.count(Filter(categories=("QA",)))
        assert not commands["Open task: MedQA"].discover  # 163 of them: shown when typing, not before


async def test_a_bad_config_is_a_notification_not_a_crash(tmp_path: Path) -> None:
    (tmp_path / "config.yaml").write_text("theme: [oops\n")
    app = make_app(small_index(), tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, BrowseScreen)
        assert any("invalid YAML" in n.message for n in app._notifications)


async def test_a_config_that_is_not_utf8_is_a_warning_not_a_crash(tmp_path: Path) -> None:
    (tmp_path / "config.yaml").write_bytes(b"theme: medinst-l\xe9ger\n")  # Latin-1, as an old editor saves
    app = make_app(small_index(), tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, BrowseScreen)
        assert app.theme == "medinst-dark"  # the defaults are used
        messages = [n.message for n in app._notifications]
        assert any("not UTF-8" in m and "config.yaml" in m for m in messages), messages


async def test_typing_a_search_runs_one_query_not_one_per_key(tmp_path: Path) -> None:
    app = make_app(small_index(), tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = browse(app).table
        before = table._generation
        await pilot.press("slash", *"aspirin")  # faster than the debounce: nothing searched yet
        assert table._generation == before
        await pilot.pause(0.6)
        await settle(pilot)
        assert table._generation == before + 1 and table.filter.search == "aspirin"
        with Index(small_index()) as index:
            assert shown_count(table) == index.count(Filter(search="aspirin"))


async def test_the_scrollbar_follows_the_count_of_each_filter(tmp_path: Path) -> None:
    app = make_app(small_index(), tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = browse(app)
        with Index(small_index()) as index:
            for f in (Filter(tasks=("MeDAL",)), Filter(categories=("QA",), medinst32=True), Filter()):
                screen.filter = f
                await settle(pilot)
                assert screen.table.virtual_size.height == index.count(f) + 1  # rows + the header line


async def test_narrowing_a_search_reuses_its_counts_instead_of_scanning_again(tmp_path: Path) -> None:
    app = make_app(small_index(), tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = browse(app)
        screen.filter = Filter(search="aspirin")
        await settle(pilot)
        groups: list[str] = []
        query = screen.db.query

        async def spied(group: str, fn: Callable[[Index], T]) -> T:  # the real query, recorded
            groups.append(group)
            return await query(group, fn)

        screen.db.query = spied  # type: ignore[method-assign]
        narrowed = Filter(search="aspirin", categories=("NER",), splits=("test",))
        screen.filter = narrowed
        await settle(pilot)
        assert FACETS_GROUP not in groups  # the counts under the search already answer it
        with Index(small_index()) as index:
            assert shown_count(screen.table) == index.count(narrowed) > 0
