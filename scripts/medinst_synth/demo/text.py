"""Text helpers the demo makers share: templates of annotated pieces, and small English rules."""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence

from medinst_synth import writers

Example = tuple[str, str]  # (input, output)
Maker = Callable[[random.Random], Example]
# A piece of a templated text: the text and its annotation (entity type or database id), None for
# plain text.
Piece = tuple[str, str | None]

_SLOT = re.compile(r"\{(\w+)\}")


def cap(text: str) -> str:
    """Upper-case the first character only (keeps 'p53' -> 'P53', 'mRNA' -> 'MRNA' rare)."""
    return text[:1].upper() + text[1:]


def article(number: int) -> str:
    """'a' or 'an' before a number read aloud: an 8-, 11-, 18- or 80-something-year-old."""
    return "an" if str(number).startswith("8") or number in (11, 18) else "a"


def plain(text: str) -> Piece:
    return (text, None)


def fill(template: str, slots: dict[str, Piece]) -> list[Piece]:
    """Split a template into plain and annotated pieces, in reading order."""
    pieces: list[Piece] = []
    pos = 0
    for match in _SLOT.finditer(template):
        if match.start() > pos:
            pieces.append((template[pos : match.start()], None))
        pieces.append(slots[match.group(1)])
        pos = match.end()
    if pos < len(template):
        pieces.append((template[pos:], None))
    return pieces


def text_of(pieces: Sequence[Piece]) -> str:
    return "".join(text for text, _ in pieces)


def entity_list(pieces: Sequence[Piece]) -> str:
    """The annotated pieces as MEDINST's entity output, in order of appearance."""
    return writers.entities((text, kind) for text, kind in pieces if kind is not None)


def entity_example(pieces: Sequence[Piece]) -> Example:
    return text_of(pieces), entity_list(pieces)


def bio_example(pieces: Sequence[Piece]) -> Example:
    """Whitespace-tokenised input and its BIO output: an annotated piece is B then I, the rest O."""
    tagged: list[tuple[str, str]] = []
    for text, kind in pieces:
        for i, word in enumerate(text.split()):
            tagged.append((word, "O" if kind is None else ("B" if i == 0 else "I")))
    return " ".join(word for word, _ in tagged), writers.bio(tagged)


def options_input(question: str, options: Sequence[str]) -> str:
    return writers.fields(("Question", question), ("Options", writers.options(options)))


def shown(text: str, mention: str) -> str:
    """The mention as it appears in text: capitalised when it opens the sentence."""
    return cap(mention) if text.startswith(cap(mention)) and not text.startswith(mention) else mention
