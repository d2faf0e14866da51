"""The app's own commands for the command palette (ctrl+p): filters, tasks, export, stats, the demo index.

Textual's palette lists the system commands an app yields; "discover" ones show before typing, the rest
(one per task, 163 of them) appear as matches when the reader types.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import TYPE_CHECKING, Any

from textual.app import SystemCommand
from textual.screen import Screen

from medinst_tui import catalog

if TYPE_CHECKING:
    from medinst_tui.tui.app import MedinstApp


def browse_commands(app: MedinstApp, screen: Screen[Any]) -> Iterable[SystemCommand]:
    from medinst_tui.tui.browse.screen import BrowseScreen

    if not isinstance(screen, BrowseScreen):
        return
    yield SystemCommand("Search", "Search input and output text (/)", screen.action_search)
    yield SystemCommand("Open task…", "Fuzzy-pick a task to browse (ctrl+t)", screen.action_pick_task)
    yield SystemCommand(
        "Export current filter…", "JSONL or Parquet, all rows or a sample (ctrl+e)", screen.action_export
    )
    yield SystemCommand(
        "Stats for current filter", "Length distributions and label balance (s)", screen.action_stats
    )
    yield SystemCommand(
        "Task info", "Sizes, metric, MEDINST32 and the paper's figures (i)", screen.action_task_info
    )
    yield SystemCommand("Jump to row…", "Go to row N of the filter (ctrl+g)", screen.action_jump)
    yield SystemCommand(
        "Playground on the selected sample",
        "Exact prompt, streaming answer, live score; batches over the filter (p)",
        screen.action_playground,
    )
    yield SystemCommand("Clear filter", "Show all rows (x)", screen.action_clear_filter)
    yield SystemCommand(
        "Toggle MEDINST32 only", "The 32 held-out benchmark tasks (m)", screen.action_toggle_medinst32
    )
    for split in catalog.SPLITS:
        yield SystemCommand(
            f"Toggle split: {split}",
            f"Add or remove the {split} split",
            partial(screen.action_toggle_split, split),
        )
    yield SystemCommand("Copy sample as JSON", "The selected row (c)", screen.action_copy_sample)
    yield SystemCommand("Copy gold output", "The selected row's output (o)", screen.action_copy_output)
    for code, description in catalog.categories().items():
        yield SystemCommand(f"Filter by category: {code}", description, partial(screen.filter_category, code))
    for task in sorted(catalog.tasks(), key=str.lower):
        info = catalog.tasks()[task]
        yield SystemCommand(
            f"Open task: {task}",
            f"{info.category} · {info.total:,} rows in the paper",
            partial(screen.open_task, task),
            discover=False,
        )


def app_commands(app: MedinstApp) -> Iterable[SystemCommand]:
    yield SystemCommand("Help: keys", "Every binding and its id (? or F1)", app.action_help)
    yield SystemCommand(
        "Index: build the demo index",
        "Bundled sample data in MEDINST's format (replaces the index)",
        app.action_build_demo,
    )
    yield SystemCommand(
        "Runs: list, plot, export", "Every run from the TUI and `medinst run`", partial(open_runs, app)
    )
    yield SystemCommand(
        "Compare two runs…", "Mark two runs with space, then c", partial(open_runs, app, compare=True)
    )


def open_runs(app: MedinstApp, compare: bool = False) -> None:
    from medinst_tui.tui.runs.screen import RunsScreen

    app.push_screen(RunsScreen())
    if compare:
        app.notify("mark two runs with space, then press c to compare them", title="Compare runs")


def playground_commands(screen: Screen[Any]) -> Iterable[SystemCommand]:
    from medinst_tui.tui.playground.batch import BatchScreen
    from medinst_tui.tui.playground.screen import PlaygroundScreen

    if isinstance(screen, PlaygroundScreen):
        yield SystemCommand("Send", "Generate the answer to the exact prompt (F5)", screen.action_send)
        yield SystemCommand(
            "Batch…", "Run the browser's filter or a seeded sample of it (b)", screen.action_batch
        )
        yield SystemCommand("Reshuffle shots", "The next shot seed (n)", screen.action_reshuffle)
        yield SystemCommand(
            "Edit the prompt", "Send an edited prompt, marked as such (e)", screen.action_edit_prompt
        )
        yield SystemCommand(
            "Test connection", "List the endpoint's models (t)", screen.action_test_connection
        )
    if isinstance(screen, BatchScreen):
        yield SystemCommand(
            "Start / resume the batch", "Finished samples come from the cache (F5)", screen.action_start
        )
