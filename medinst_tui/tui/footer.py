"""The key footer, recomposed only when the keys it shows change.

Textual's Footer rebuilds all its key widgets whenever the screen's bindings may have changed (every
focus change, e.g. from the search bar back to the table). At full scale that rebuild (25 widgets
mounted and styled) was ~100 ms of the UI thread per search, most of it for the same keys as before.
"""

from __future__ import annotations

from typing import Any

from textual.screen import Screen
from textual.widgets import Footer


def shown_keys(screen: Screen[Any]) -> tuple[tuple[str, str, str, bool, str], ...]:
    """What a footer on `screen` displays: each shown binding's key, action, label, state, tooltip."""
    return tuple(
        (b.key, b.action, b.description, enabled, tooltip)
        for (_, b, enabled, tooltip) in screen.active_bindings.values()
        if b.show
    )


class KeyFooter(Footer):
    _shown: tuple[tuple[str, str, str, bool, str], ...] | None = None

    def bindings_changed(self, screen: Screen[Any]) -> None:
        if self.is_attached and screen is self.screen and screen.app.app_focus:
            keys = shown_keys(screen)
            if keys == self._shown and self._bindings_ready:
                return  # the same keys as on screen: nothing to rebuild
            self._shown = keys  # the rebuild that follows shows these
        super().bindings_changed(screen)
