"""The sample table's pages: 100-row pages of previews, each loaded by one query on a database thread."""

from __future__ import annotations

from dataclasses import dataclass

from medinst_tui.store.browse import Positions, Preview, previews_at
from medinst_tui.store.filters import Filter
from medinst_tui.store.index import Index

PAGE_ROWS = 100
MAX_PAGES = 48  # ~4,800 previews cached: memory stays flat however far one scrolls


@dataclass(frozen=True)
class PageAnswer:
    page: int
    rows: list[Preview]
    positions: Positions | None  # the filter's block map, with the first page that needed it
    mode: str | None = None  # a search: how it is answered ("index", "index + check", "scan", "filter")


def load_page(
    index: Index, *, f: Filter, page: int, after: int | None, known: Positions | None
) -> PageAnswer:
    """Page `page` of the filter's rows (`after`: the last id of the page before, for a keyset read;
    `known`: the filter's block map when a page before loaded it)."""
    block_map = known or (Positions.load(index, f) if f.structural else None)
    mode = index.search_plan(f).mode if index.indexed_search(f) else None
    if not f.structural and not index.indexed_search(f):
        mode = "scan"  # an index without the search index: every search is a scan
    rows = previews_at(index, f, page * PAGE_ROWS, PAGE_ROWS, positions=block_map, after_id=after)
    return PageAnswer(page, rows, block_map if known is None else None, mode)
