"""The Textual app: loads the config and themes, opens the index (or the first-run screen), and hosts
the screens. Everything else lives in screens/ and widgets/."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any, ClassVar

import duckdb
from textual import events, on, work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.theme import Theme

from medinst_tui.config import Config, ConfigError, load_config
from medinst_tui.state import AppState, app_state, state_for, to_json
from medinst_tui.store.index import IndexBusyError, IndexMissingError
from medinst_tui.tui.browse.screen import BrowseScreen
from medinst_tui.tui.commands import app_commands, browse_commands, playground_commands
from medinst_tui.tui.database import Database
from medinst_tui.tui.gc_policy import IdleCollector
from medinst_tui.tui.messages import Busy
from medinst_tui.tui.screens.first_run import FirstRunScreen, SourcesFactory
from medinst_tui.tui.themes import DEFAULT_THEME, load_themes


def demo_sources_factory() -> SourcesFactory:
    from medinst_tui.sources.specs import demo_sources

    return demo_sources


class MedinstApp(App[int]):
    CSS_PATH = "app.tcss"
    TITLE = "medinst"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quit", priority=True, id="app.quit"),
        Binding("f1,question_mark", "help", "Help", id="app.help"),
        Binding("ctrl+p", "command_palette", "Commands", show=False, priority=True, id="app.command_palette"),
    ]

    def __init__(
        self,
        db: Path,
        *,
        config: Config | None = None,
        config_path: Path | None = None,
        demo_sources: SourcesFactory | None = None,
        theme_dirs: list[Path] | None = None,
    ) -> None:
        super().__init__()
        self.db_path = Path(db).expanduser()
        self.config_path = config_path
        self.demo_sources = demo_sources or demo_sources_factory()
        self.database: Database | None = None
        self.collector = IdleCollector()
        self._startup_problems: list[str] = []
        if config is None:
            try:
                config = load_config(config_path)
            except ConfigError as exc:
                self._startup_problems.append(f"{exc}\n(the defaults are used)")
                config = Config()
        self.config = config
        self._startup_problems += list(config.warnings)
        themes, problems = load_themes(theme_dirs)
        self._startup_problems += [f"theme file {p}" for p in problems]
        self.medinst_themes: list[Theme] = themes
        for theme in themes:
            self.register_theme(theme)
        # the theme chosen in the app is remembered in state.json, never written into config.yaml
        self.theme = self._initial_theme(app_state(state_for(self)).theme_for(config.theme))
        if config.keymap:
            self.set_keymap(config.keymap)

    def _initial_theme(self, wanted: str | None) -> str:
        fallback = DEFAULT_THEME if DEFAULT_THEME in self.available_themes else "textual-dark"
        if wanted and wanted not in self.available_themes:
            self._startup_problems.append(f"theme {wanted!r} is not installed; using {fallback!r}")
            return fallback
        return wanted or fallback

    def on_mount(self) -> None:
        self.collector.start()
        self.set_interval(0.25, self._idle_tick, name="idle-gc")
        for problem in self._startup_problems:
            self.notify(problem, title="Config", severity="warning", timeout=10)
        if self.config.keymap:
            self._check_keymap()
        self.theme_changed_signal.subscribe(self, self._theme_changed)
        if self.db_path.exists():
            self.open_index()
        else:
            self.push_screen(FirstRunScreen(self.db_path, self.demo_sources))

    def _idle_tick(self) -> None:
        self.collector.tick(busy=self.database is not None and self.database.busy)

    @work(thread=True, exit_on_error=False, description="checking the keymap")
    def _check_keymap(self) -> None:
        """Warn of keymap ids no binding has. On a thread: listing the ids imports every screen's module
        (~0.3 s, which delayed the first rows when it ran on the UI thread at start)."""
        from medinst_tui.tui.screens.help import all_binding_ids

        unknown = sorted(set(self.config.keymap) - all_binding_ids())
        if unknown:
            self.call_from_thread(
                self.notify,
                f"keymap: no binding with id {', '.join(unknown)} (the help screen lists the ids)",
                title="Config",
                severity="warning",
                timeout=10,
            )

    @on(BrowseScreen.Ready)
    def _browse_ready(self) -> None:
        self.collector.freeze_startup()

    @on(FirstRunScreen.Built)
    def _index_built(self) -> None:
        self.open_index()

    def open_index(self) -> None:
        """Open (or reopen, after a build) the index and show the browse screen."""
        if self.database is not None:
            self.database.close()  # its instance must go: a rebuilt file is a new database
            self.database = None
        try:
            self.database = Database(self.db_path)
        except (IndexMissingError, IndexBusyError, duckdb.Error, OSError) as exc:
            self.notify(str(exc), title="Cannot open the index", severity="error", timeout=15)
            if not isinstance(self.screen, FirstRunScreen):
                self.push_screen(FirstRunScreen(self.db_path, self.demo_sources))
            return
        while len(self.screen_stack) > 1:
            self.pop_screen()
        self.push_screen(BrowseScreen(self.database))

    # -- theme -----------------------------------------------------------------------------------------
    def _theme_changed(self, theme: Theme) -> None:
        self._save_theme(theme.name)

    @work(thread=True, exclusive=True, group="state", exit_on_error=False)
    def _save_theme(self, name: str) -> None:
        chosen = AppState(theme=name, config_theme=self.config.theme or "")
        problem = state_for(self).remember("app", to_json(chosen))
        if problem:
            self.call_from_thread(self.notify, f"could not remember the theme: {problem}", severity="warning")

    # -- commands and actions --------------------------------------------------------------------------
    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from browse_commands(self, screen)
        yield from playground_commands(screen)
        yield from app_commands(self)
        yield from super().get_system_commands(screen)

    def action_help(self) -> None:
        from medinst_tui.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_build_demo(self) -> None:
        if not isinstance(self.screen, FirstRunScreen):
            self.push_screen(FirstRunScreen(self.db_path, self.demo_sources, replacing=self.db_path.exists()))

    def on_busy(self, message: Busy) -> None:
        self.collector.note_input()

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key | events.MouseDown | events.MouseScrollDown | events.MouseScrollUp):
            self.collector.note_input()
        await super().on_event(event)

    def on_unmount(self) -> None:
        self.collector.stop()
        if self.database is not None:
            self.database.close()


def run_app(db: Path) -> int:
    """Run the explorer on the index at `db` (built on first run when missing); the exit code."""
    app = MedinstApp(db)
    code = app.run()
    return int(code or 0)
