"""The browse screen at any width: the facets panel collapses (below 110 columns, or by `\\`), the task
column shrinks, task names are cut in the middle without ambiguity and shown whole on hover."""

from __future__ import annotations

from pathlib import Path

import pytest

from medinst_tui.store.filters import Filter
from medinst_tui.store.index import ENV_MEMORY_LIMIT
from medinst_tui.tui.browse.facets import FacetNode, FacetTree
from medinst_tui.tui.browse.screen import FACETS_BELOW, BrowseScreen
from medinst_tui.tui.browse.table_lines import TASK_MAX, TASK_MIN, Columns
from medinst_tui.tui.database import MEMORY_LIMIT
from tests.tui_support import make_app, settle, small_index


@pytest.fixture(autouse=True)
def tui_memory_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_MEMORY_LIMIT, MEMORY_LIMIT)


def browse(app: object) -> BrowseScreen:
    screen = getattr(app, "screen", None)
    assert isinstance(screen, BrowseScreen)
    return screen


def table_line(screen: BrowseScreen, y: int) -> str:
    return screen.table.render_line(y).text


def test_the_columns_give_input_and_output_the_room_at_80_columns() -> None:
    narrow = Columns.fit(77, 401)  # the table's content at 80 columns, facets hidden
    assert TASK_MIN <= narrow.task < TASK_MAX and narrow.length == 0
    assert narrow.input >= 30 and narrow.output >= 20
    wide = Columns.fit(117, 401)
    assert wide.task == TASK_MAX and wide.length == 6
    for width in range(40, 200):
        cols = Columns.fit(width, 10_000)
        used = cols.position + cols.task + cols.split + cols.input + cols.output
        used += 2 * cols.length + (6 if cols.length else 4)
        assert used == width, width  # the columns fill the line exactly: no wrap, no gap


async def test_at_80x24_the_facets_start_hidden_and_backslash_toggles_them(tmp_path: Path) -> None:
    app = make_app(small_index(), tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = browse(app)
        assert not screen.facets.display
        assert screen.table.size.width >= 77  # the whole width, bar the border and scrollbar
        header = table_line(screen, 0)
        assert "gold output" in header and " in " not in header
        await pilot.press("backslash")
        await settle(pilot)
        assert screen.facets.display and screen.facets.outer_size.width == 36
        assert screen.table.size.width < 50
        await pilot.press("backslash")
        await settle(pilot)
        assert not screen.facets.display and screen.table.has_focus


async def test_f_shows_hidden_facets_and_hiding_them_gives_the_focus_back(tmp_path: Path) -> None:
    app = make_app(small_index(), tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = browse(app)
        await pilot.press("f")
        await settle(pilot)
        assert screen.facets.display and screen.query_one(FacetTree).has_focus
        await pilot.press("down", "enter")  # the first facet filters: the panel works as at any width
        await settle(pilot)
        assert screen.filter == Filter(categories=("NER",))
        await pilot.press("backslash")
        await settle(pilot)
        assert not screen.facets.display and screen.table.has_focus


async def test_crossing_the_breakpoint_shows_or_hides_the_facets_again(tmp_path: Path) -> None:
    app = make_app(small_index(), tmp_path)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        screen = browse(app)
        assert screen.facets.display
        await pilot.press("backslash")  # hidden by hand at a wide size ...
        await settle(pilot)
        assert not screen.facets.display
        await pilot.resize_terminal(FACETS_BELOW + 5, 40)  # ... stays hidden while the width stays wide
        await settle(pilot)
        assert not screen.facets.display
        await pilot.resize_terminal(80, 24)
        await settle(pilot)
        assert not screen.facets.display
        await pilot.press("backslash")
        await settle(pilot)
        assert screen.facets.display
        await pilot.resize_terminal(FACETS_BELOW - 1, 24)  # shown by hand while narrow: kept
        await settle(pilot)
        assert screen.facets.display
        await pilot.resize_terminal(140, 40)
        await pilot.resize_terminal(FACETS_BELOW - 1, 24)  # narrow again: hidden again
        await settle(pilot)
        assert not screen.facets.display


async def test_twin_task_names_read_apart_and_show_whole_on_hover(demo_db: Path, tmp_path: Path) -> None:
    app = make_app(demo_db, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = browse(app)
        twins = ("BioASQ-Task-B-yesno", "BioASQ-Task-B-yesno-zs")
        assert set(twins) <= set(screen.facets.task_names())
        screen.open_task(twins[1])  # expands QA, the cursor on the -zs twin
        await settle(pilot)
        tree = screen.query_one(FacetTree)
        labels = {
            node.data.value: str(node.label)
            for node in tree.root.children[5].children
            if node.data is not None and node.data.value in twins
        }
        assert labels[twins[0]] != labels[twins[1]]
        assert "BioASQ-T…-B-yesno" in labels[twins[0]] and "BioASQ-T…yesno-zs" in labels[twins[1]]
        line = tree.cursor_line
        assert tree.cursor_node is not None and tree.cursor_node.data == FacetNode("task", twins[1])
        await pilot.hover(FacetTree, offset=(10, line - int(tree.scroll_offset.y)))
        await pilot.pause()
        assert tree.tooltip == twins[1]
        await pilot.hover(FacetTree, offset=(10, 1))  # NER: a name shown whole has no tooltip
        await pilot.pause()
        assert tree.tooltip is None
        # The table cuts the same way; its task cell shows the whole name on hover.
        cols = screen.table._cols
        assert cols is not None and cols.task < len(twins[1])
        row = table_line(screen, 1)
        assert screen.table.cuts.cut(twins[1], cols.task) in row
        await pilot.hover(screen.table, offset=(1 + cols.position + 2, 2))
        await pilot.pause()
        assert screen.table.tooltip == twins[1]
