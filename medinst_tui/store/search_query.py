"""Text search: the query language, and the SQL checks for what the index cannot decide.

Semantics (the README's "The app" and the TUI's search bar say the same):

- `BRCA1 V600E`: words; every one must occur (AND), anywhere in the input or the gold output.
- `hepat*`: a word prefix. `"protein kinase"`: a phrase (the words in this order, adjacent).
  A term with inner punctuation is a phrase of its words: `IL-6` is `"il 6"`, `p<0.05` is `"p 0 05"`.
- Case never matters; accents and a few letters are folded (`Crème` = `creme`, `Straße` = `strasse`).
- `input:`, `output:`, `instruction:` before a term restrict it to that field (`output:"B-Disease"`).
- `*fragment*` (a leading star): a case-insensitive substring anywhere, even inside words. The index
  cannot answer it: the rows are scanned (the UI says so and lets it be cancelled). So are terms made only
  of very common words (search_build.STOPWORDS), which the index does not hold.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from medinst_tui.store.search_build import STOPWORDS

SCOPES = ("input", "output", "instruction")
NOT_WORD = r"[^\p{L}\p{N}]"
CJK = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")

_TERM = re.compile(r'(?i)(?:\b(input|output|instruction):)?(?:"([^"]*)"?|(\S+))')


class SearchSyntaxError(ValueError):
    """A query that cannot be searched for (nothing to search: only a scope, or an empty phrase)."""


@dataclass(frozen=True)
class Term:
    text: str  # as typed (the scope excluded)
    scope: str | None  # None: input or output
    words: tuple[str, ...] = ()  # folded; several: a phrase
    prefix: bool = False  # the last word is a prefix
    fragment: str = ""  # a substring (kind "fragment"): matched as typed, case-insensitively

    @property
    def kind(self) -> str:
        if self.fragment:
            return "fragment"
        if len(self.words) > 1:
            return "phrase"
        return "prefix" if self.prefix else "word"

    @property
    def indexed_words(self) -> list[str]:
        """The words the index holds (stopwords are not in it; nor is a prefix that one starts with)."""
        words = list(self.words[:-1] if self.prefix else self.words)
        return [w for w in words if w not in STOPWORDS]

    def prefix_answerable(self) -> bool:
        last = self.words[-1] if self.words else ""
        return bool(last) and not any(s.startswith(last) for s in STOPWORDS)


@dataclass(frozen=True)
class Query:
    text: str
    terms: tuple[Term, ...]

    @property
    def needs_scan_words(self) -> bool:
        return any(t.kind == "fragment" for t in self.terms)


def split_terms(text: str) -> list[tuple[str | None, str, bool]]:
    """(scope, term text, quoted) as typed."""
    out: list[tuple[str | None, str, bool]] = []
    for m in _TERM.finditer(text):
        scope = m.group(1).lower() if m.group(1) else None
        quoted = m.group(2) is not None
        body = m.group(2) if quoted else m.group(3)
        if body is None or (not quoted and body.lower() in {f"{s}:" for s in SCOPES}):
            continue
        if body.strip() or quoted:
            out.append((scope, body, quoted))
    return out


def parse(text: str, normalize: Any) -> Query:
    """`normalize(list of texts) -> list of word lists`: the index's own folding (search_words)."""
    pieces = split_terms(text)
    plain: list[tuple[str | None, str, bool, bool, str]] = []  # scope, body, quoted, prefix, fragment
    for scope, body, quoted in pieces:
        if not quoted and body.startswith("*"):
            fragment = body.strip("*")
            if fragment:
                plain.append((scope, body, quoted, False, fragment))
            continue
        prefix = body.endswith("*")
        plain.append((scope, body, quoted, prefix, ""))
    bodies = [p[1].rstrip("*") if not p[4] else "" for p in plain]
    words = normalize(bodies) if bodies else []
    terms: list[Term] = []
    for (scope, body, _quoted, prefix, fragment), ws in zip(plain, words, strict=True):
        if fragment:
            terms.append(Term(body, scope, fragment=fragment))
        elif ws:
            terms.append(Term(body, scope, tuple(ws), prefix=prefix))
        else:  # no letter or digit in it ("+/-"): only a substring search can find it
            if body.strip("*"):
                terms.append(Term(body, scope, fragment=body.strip("*")))
    if not terms:
        raise SearchSyntaxError(f"nothing to search for in {text!r}")
    return Query(text, tuple(terms))


# --------------------------------------------------------------------------------------------------
# Row checks (SQL) for what the index cannot decide
# --------------------------------------------------------------------------------------------------
def is_cjk(word: str) -> bool:
    """A Chinese or Japanese character: a word of its own (search_words), with no boundary around it."""
    return len(word) == 1 and bool(CJK.match(word))


def word_pattern(term: Term) -> str:
    """An RE2 pattern over folded text for a word, prefix or phrase term (word boundaries at both ends)."""
    words = list(term.words)
    parts = [re.escape(w) for w in words]
    if term.prefix:
        parts[-1] += r"[\p{L}\p{N}]*"
    body = parts[0]
    for before, after, part in zip(words, words[1:], parts[1:], strict=False):
        gap = "*" if is_cjk(before) or is_cjk(after) else "+"
        body += f"{NOT_WORD}{gap}{part}"
    start = "" if is_cjk(words[0]) else f"(^|{NOT_WORD})"
    end = "" if is_cjk(words[-1]) and not term.prefix else f"({NOT_WORD}|$)"
    return f"{start}{body}{end}"


def like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def term_check(term: Term, n: int, params: dict[str, Any]) -> str:
    """The SQL condition a row must meet for `term` (its parameters added to `params`)."""
    columns = [term.scope] if term.scope else ["input", "output"]
    key = f"s_term{n}"
    if term.kind == "fragment":
        params[key] = like_pattern(term.fragment)
        parts = [f"{c} ILIKE ${key} ESCAPE '\\'" for c in columns]
    else:
        params[key] = word_pattern(term)
        parts = [f"regexp_matches(search_fold({c}), ${key})" for c in columns]
    return "(" + " OR ".join(parts) + ")"
