"""Task names cut to a column without ambiguity (no Textual).

Task names differ at their end as often as at their start (`BioASQ-Task-B-yesno` / `-yesno-zs`,
`NCBI-disease` / `-NED`), so a cut keeps both ends and puts "…" in the middle. Where two names still read
the same, the cut point of those names moves until they differ (README: "The app", Any width).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

ELLIPSIS = "…"


def cut_middle(name: str, width: int, head: int | None = None) -> str:
    """`name` in at most `width` characters: its first `head` and its last characters around "…".

    `head` defaults to half of what is kept (rounded up).
    """
    if len(name) <= width:
        return name
    if width <= 1:
        return ELLIPSIS[:width]
    keep = width - 1
    head = keep - keep // 2 if head is None else max(0, min(head, keep))
    return name[:head] + ELLIPSIS + name[len(name) - (keep - head) :]


def distinct_cuts(names: Iterable[str], width: int) -> dict[str, str]:
    """Each name cut to `width` (cut_middle), no two shown alike where some cut point tells them apart."""
    shown = {name: cut_middle(name, width) for name in sorted(set(names))}
    keep = max(width - 1, 0)
    balanced = keep - keep // 2
    heads = sorted(range(keep + 1), key=lambda h: (abs(h - balanced), -h))
    for group in _clashes(shown):
        taken = {s for name, s in shown.items() if name not in group}
        for head in heads:
            cuts = {name: cut_middle(name, width, head) for name in group}
            values = set(cuts.values())
            if len(values) == len(group) and not values & taken:
                shown.update(cuts)
                break
    return shown


def _clashes(shown: dict[str, str]) -> list[list[str]]:
    by_text: dict[str, list[str]] = defaultdict(list)
    for name, text in shown.items():
        by_text[text].append(name)
    return [group for group in by_text.values() if len(group) > 1]


class NameCuts:
    """distinct_cuts of a fixed set of names, remembered per width (a table asks once per frame)."""

    def __init__(self, names: Iterable[str] = ()) -> None:
        self.names = tuple(sorted(set(names)))
        self._by_width: dict[int, dict[str, str]] = {}

    def cut(self, name: str, width: int) -> str:
        cuts = self._by_width.get(width)
        if cuts is None:
            cuts = self._by_width[width] = distinct_cuts(self.names, width)
        shown = cuts.get(name)
        return shown if shown is not None else cut_middle(name, width)
