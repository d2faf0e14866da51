"""Where a search matches inside a text, for highlighting (the TUI's table and detail pane).

Pure Python, no DuckDB: the query is split into terms by the same grammar as store/search.py and the
text folded the same way (lowercase, accents stripped, ß -> ss ...), with a map back to the original
characters so the spans land on the text as shown. (The index's folding is DuckDB's; a rare character
both fold differently only changes what is painted, never what matches.)
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from medinst_tui.store.search_query import CJK, is_cjk, split_terms

FOLD = {"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th"}
_WORD = re.compile(f"{CJK.pattern}|[^\\W_]+")
_LETTER = r"[^\W_]"


def fold(text: str) -> tuple[str, list[int] | None]:
    """The folded text and, for each of its characters, the index of the character it came from (None:
    the same positions, the text being ASCII)."""
    if text.isascii():
        return text.lower(), None
    out: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        for c in unicodedata.normalize("NFD", ch.lower()):
            if unicodedata.combining(c):
                continue
            c = FOLD.get(c, c)
            out.append(c)
            where.extend([i] * len(c))
    return "".join(out), where


@dataclass(frozen=True)
class Highlighter:
    """Compiled patterns of a query per field: `spans(text, field)` gives (start, end) to paint."""

    patterns: tuple[tuple[str | None, re.Pattern[str], bool], ...]  # scope, pattern, on the folded text

    def spans(self, text: str, field: str) -> list[tuple[int, int]]:
        if not text or not self.patterns:
            return []
        folded, where = fold(text)
        lowered = text.lower() if len(text.lower()) == len(text) else None
        out: list[tuple[int, int]] = []
        for scope, pattern, on_folded in self.patterns:
            if scope is not None and scope != field:
                continue
            if on_folded:
                for m in pattern.finditer(folded):
                    if m.end() > m.start():
                        a, z = m.start(), m.end()
                        out.append((a, z) if where is None else (where[a], where[z - 1] + 1))
            elif lowered is not None:
                out += [(m.start(), m.end()) for m in pattern.finditer(lowered) if m.end() > m.start()]
        return _merge(out)


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    spans.sort()
    merged: list[tuple[int, int]] = []
    for a, z in spans:
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], z))
        else:
            merged.append((a, z))
    return merged


@lru_cache(maxsize=64)
def highlighter(query: str) -> Highlighter:
    patterns: list[tuple[str | None, re.Pattern[str], bool]] = []
    for scope, body, quoted in split_terms(query):
        if not quoted and body.startswith("*"):
            fragment = body.strip("*").lower()
            if fragment:
                patterns.append((scope, re.compile(re.escape(fragment)), False))
            continue
        prefix = body.endswith("*")
        words = _WORD.findall(fold(body.rstrip("*"))[0])
        if not words:
            if body.strip("*"):
                patterns.append((scope, re.compile(re.escape(body.strip("*").lower())), False))
            continue
        parts = [re.escape(w) for w in words]
        if prefix:
            parts[-1] += _LETTER + "*"
        body = parts[0]
        for before, after, part in zip(words, words[1:], parts[1:], strict=False):
            body += r"[\W_]" + ("*" if is_cjk(before) or is_cjk(after) else "+") + part
        start = "" if is_cjk(words[0]) else rf"(?<!{_LETTER})"
        end = "" if is_cjk(words[-1]) and not prefix else rf"(?!{_LETTER})"
        pattern = start + body + end
        patterns.append((scope, re.compile(pattern), True))
    return Highlighter(tuple(patterns))
