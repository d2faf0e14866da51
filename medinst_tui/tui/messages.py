"""Messages that cross widget families. Named in the past tense: each reports something that happened.

Widgets report what the user did (a facet toggled, a chip removed, a search typed); the browse screen
owns the filter and turns those reports into a new one. Workers report results (facets counted, a row
loaded) tagged with the filter they answer, so a late answer to an old question is dropped.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from medinst_tui.store.filters import Filter
from medinst_tui.store.index import Facets, Row


@dataclass
class FacetToggled(Message):
    """A category, task or split facet was switched on or off (kind: 'category' | 'task' | 'split')."""

    kind: str
    value: str


@dataclass
class Medinst32Toggled(Message):
    on: bool


@dataclass
class ChipRemoved(Message):
    kind: str
    value: str


@dataclass
class SearchSubmitted(Message):
    text: str


@dataclass
class FacetsCounted(Message):
    """Per category x task x split counts under `filter` without its category/task/split parts (see
    `facet_counts`): every facet panel and the filter's exact total derive from them."""

    filter: Filter
    counts: Facets


@dataclass
class RowHighlighted(Message):
    """The table cursor moved to row `position` of the filter (row_id None: that row is not loaded yet)."""

    position: int
    row_id: int | None


@dataclass
class RowLoaded(Message):
    row: Row


@dataclass
class QueryFailed(Message):
    """A worker's query failed for a reason the user should see (an interrupted query is not a failure)."""

    what: str
    error: str


class Busy(Message):
    """Work the reader is waiting on is under way (an answer streaming): the app's idle-time garbage
    collection waits, as it does while the reader types."""
