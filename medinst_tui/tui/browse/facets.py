"""The facets panel: categories expandable to their tasks, split toggles and the MEDINST32 toggle.

Counts follow the filter. A facet's own choice does not shrink its list: the category tree is counted
without the category/task part of the filter and the splits without the split part, so the other
choices stay visible with the rows they would add.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Static, Tree
from textual.widgets.tree import TreeNode

from medinst_tui import catalog
from medinst_tui.store.facet_counts import split_counts, tree_counts
from medinst_tui.store.filters import Filter
from medinst_tui.store.index import Facets
from medinst_tui.tui.browse.toggles import Toggles
from medinst_tui.tui.css import css_beside
from medinst_tui.tui.messages import FacetsCounted, FacetToggled, Medinst32Toggled
from medinst_tui.tui.names import NameCuts, cut_middle

SPLITS = catalog.SPLITS
SELECTED_MARK = "● "
UNSELECTED_MARK = "  "


@dataclass(frozen=True)
class FacetNode:
    kind: str  # "category" | "task"
    value: str


NAME_WIDTH = {"category": 13, "task": 17}  # TEXTPAIRCLASS; longer task names are cut in the middle (names.py)
COUNT_WIDTH = {"category": 10, "task": 8}


def facet_label(
    kind: str, name: str, count: int, selected: bool, *, muted: bool = False, shown: str | None = None
) -> Text:
    """`● NER            259,920`: name and count in columns of a fixed width, so new counts never
    resize the tree (which would relayout the screen) and the counts line up. `shown`: the name as cut
    to the column (default: cut_middle)."""
    width = NAME_WIDTH.get(kind, 13)
    shown = cut_middle(name, width) if shown is None else shown
    text = Text(SELECTED_MARK if selected else UNSELECTED_MARK, Style(bold=True))
    text.append(shown.ljust(width), Style(bold=selected, dim=muted and not selected))
    text.append(f"{count:>{COUNT_WIDTH.get(kind, 10)},}", Style(dim=True))
    return text


class FacetTree(Tree[FacetNode]):
    """Categories (expandable to tasks); enter or a click filters, space or a click on ▶ expands."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Filter", id="facets.toggle"),
        Binding("space", "toggle_node", "Expand", id="facets.expand"),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("facets", id=id)
        self.show_root = False
        self.auto_expand = False
        self.guide_depth = 2

    def watch_hover_line(self, previous_hover_line: int, hover_line: int) -> None:
        super().watch_hover_line(previous_hover_line, hover_line)
        self.tooltip = self.full_name_at(hover_line)

    def full_name_at(self, line: int) -> str | None:
        """The full name of the facet on tree line `line` when its label shows it cut (the tooltip)."""
        node = self._get_node(line)
        data = node.data if node is not None else None
        if data is None or len(data.value) <= NAME_WIDTH.get(data.kind, 13):
            return None
        return data.value


class FacetsPanel(Vertical):
    DEFAULT_CSS = css_beside(__file__)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._facet_nodes: dict[FacetNode, TreeNode[FacetNode]] = {}
        self._shown: dict[object, tuple[int, bool]] = {}  # what each label shows: only changes are drawn
        self._wanted: dict[FacetNode, tuple[int, bool]] = {}  # what it should show (collapsed: later)
        self._built = False
        self.cuts = NameCuts()  # task names as cut to the column, no two alike

    def compose(self) -> ComposeResult:
        yield Static("Categories", classes="facets-heading")
        yield FacetTree(id="facet-tree")
        yield Static("Splits", classes="facets-heading")
        yield Toggles([(split, split) for split in SPLITS], id="splits")
        yield Static("Benchmark", classes="facets-heading")
        yield Toggles([("medinst32", "MEDINST32 only")], id="medinst32")

    @property
    def facet_tree(self) -> FacetTree:
        return self.query_one(FacetTree)

    def build(self, base: Facets) -> None:
        """The tree's shape from the unfiltered index: every category, every indexed task under it."""
        tree = self.facet_tree
        tree.clear()
        self._facet_nodes.clear()
        self._shown.clear()
        self._wanted.clear()
        tasks_by_category: dict[str, list[str]] = {}
        for count in base.counts:
            tasks_by_category.setdefault(count.category, [])
            if count.task not in tasks_by_category[count.category]:
                tasks_by_category[count.category].append(count.task)
        self.cuts = NameCuts(t for tasks in tasks_by_category.values() for t in tasks)
        order = list(catalog.categories()) + sorted(
            c for c in tasks_by_category if c not in catalog.categories()
        )
        for category in order:
            node = tree.root.add(category, data=FacetNode("category", category), expand=False)
            self._facet_nodes[node.data] = node  # type: ignore[index]
            for task in sorted(tasks_by_category.get(category, []), key=str.lower):
                leaf = node.add_leaf(task, data=FacetNode("task", task))
                self._facet_nodes[FacetNode("task", task)] = leaf
        self._built = True

    def show(self, counted: FacetsCounted) -> None:
        f = counted.filter
        counts = tree_counts(counted.counts, f)
        by_category = counts.by_category()
        by_task = counts.by_task()
        for key, node in self._facet_nodes.items():
            if key.kind == "category":
                count = by_category.get(key.value, 0)
                selected = key.value in f.categories
            else:
                count = by_task.get(key.value, 0)
                selected = key.value in f.tasks
            self._wanted[key] = (count, selected)
            parent = node.parent
            # A task under a collapsed category is labelled when it is expanded (one repaint per label).
            if parent is None or parent.is_root or parent.is_expanded:
                self._label(key, node)
        by_split = split_counts(counted.counts, f).by_split()
        self.query_one("#splits", Toggles).show(counts={split: by_split.get(split, 0) for split in SPLITS})
        self.show_filter(f)

    def _label(self, key: FacetNode, node: TreeNode[FacetNode]) -> None:
        wanted = self._wanted.get(key)
        if wanted is not None and self._shown.get(key) != wanted:
            self._shown[key] = wanted
            count, selected = wanted
            shown = self.cuts.cut(key.value, NAME_WIDTH["task"]) if key.kind == "task" else None
            node.set_label(facet_label(key.kind, key.value, count, selected, muted=count == 0, shown=shown))

    def on_tree_node_expanded(self, event: Tree.NodeExpanded[FacetNode]) -> None:
        for child in event.node.children:
            if child.data is not None:
                self._label(child.data, child)

    def show_filter(self, f: Filter) -> None:
        """Switch on the toggles the filter holds (drawing only: nothing is reported back)."""
        self.query_one("#splits", Toggles).show(states={split: split in f.splits for split in SPLITS})
        self.query_one("#medinst32", Toggles).show(states={"medinst32": f.medinst32})

    def task_names(self) -> list[str]:
        return [key.value for key in self._facet_nodes if key.kind == "task"]

    def expand_to(self, task: str) -> None:
        """Open the task's category and put the tree's cursor on it."""
        node = self._facet_nodes.get(FacetNode("task", task))
        if node is None:
            return
        if node.parent is not None:
            node.parent.expand()
        # The tree numbers its lines when it next draws: a collapsed task has no line before that.
        self.facet_tree.call_after_refresh(self.facet_tree.move_cursor, node)

    def on_tree_node_selected(self, event: Tree.NodeSelected[FacetNode]) -> None:
        event.stop()
        data = event.node.data
        if data is not None:
            self.post_message(FacetToggled(data.kind, data.value))

    def on_toggles_switched(self, event: Toggles.Switched) -> None:
        event.stop()
        if event.toggles.id == "medinst32":
            self.post_message(Medinst32Toggled(event.on))
        else:
            self.post_message(FacetToggled("split", event.key))
