"""The key footer rebuilds only when the keys it shows change (medinst_tui/tui/footer.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets._footer import FooterKey

from medinst_tui.store.index import ENV_MEMORY_LIMIT
from medinst_tui.tui.browse.screen import BrowseScreen
from medinst_tui.tui.database import MEMORY_LIMIT
from medinst_tui.tui.footer import KeyFooter, shown_keys
from tests.tui_support import make_app, settle, small_index


@pytest.fixture(autouse=True)
def tui_memory_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_MEMORY_LIMIT, MEMORY_LIMIT)


def footer_keys(footer: KeyFooter) -> set[str]:
    """The actions of the keys on display (the footer shows one key per action)."""
    return {key.action for key in footer.query(FooterKey)}


def keys_to_show(screen: BrowseScreen) -> set[str]:
    return {k[1] for k in shown_keys(screen)} | {"command_palette"}


async def test_the_footer_rebuilds_only_when_its_keys_change(tmp_path: Path) -> None:
    app = make_app(small_index(), tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, BrowseScreen)
        footer = screen.query_one(KeyFooter)
        rebuilds = 0
        recompose = footer.recompose

        async def counted() -> None:  # the real rebuild, counted
            nonlocal rebuilds
            rebuilds += 1
            await recompose()

        footer.recompose = counted  # type: ignore[method-assign]
        before = footer_keys(footer)
        assert before and before == keys_to_show(screen), before ^ keys_to_show(screen)
        for _ in range(3):
            screen.refresh_bindings()  # what every focus change and binding reactive does
            await settle(pilot)
        assert rebuilds == 0 and footer_keys(footer) == before
        await pilot.press("slash")  # the search bar: other keys
        await settle(pilot)
        assert rebuilds >= 1
        assert footer_keys(footer) == keys_to_show(screen) != before
