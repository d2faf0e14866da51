"""MEDINST's output formats made readable: entities, BIO tags, relations, events (Rich text, no Textual).

The outputs are plain strings in a handful of shapes (paper Table 14):

- entities `[text <Type>]`, or `[text <DB/ID>]` for entity linking;
- BIO labels, each word followed by its tag: `word [B] word [I] word [O]`;
- relations `[<entity1> <relation> <entity2>]`, in the data as `[a <relation> b]`;
- events `[<type> <trigger> <theme entity>]`, in the data as written (`[<Binding> <bind> <IL-2>]`) or
  bare (`[Type trigger theme]`); in an EE task the event reading comes first, or `[<a> <b> <c>]` would read
  as the entity `<a> <b>` of type `c`;
- co-reference mentions `[mention]`;
- anything else (labels, answers, summaries, translations) is shown as it is.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass

from rich.style import Style
from rich.text import Text

from medinst_tui.scoring.families import bracket_contents

# Colours that read on dark and light backgrounds; an entity type always gets the same one.
PALETTE = (
    "#e06c75",
    "#61afef",
    "#98c379",
    "#e5c07b",
    "#c678dd",
    "#56b6c2",
    "#d19a66",
    "#ff79c6",
    "#8be9fd",
    "#50fa7b",
    "#f1fa8c",
    "#bd93f9",
)
ENTITY_CATEGORIES = {"NER", "NED", "RE", "COREF", "EE"}
MAX_HIGHLIGHTS = 300

_TYPED = re.compile(r"^(?P<text>.+?) <(?P<type>[^<>]+)>$", re.S)
_RELATION = re.compile(r"^<?(?P<a>[^<>]+?)>? <(?P<rel>[^<>]+)> <?(?P<b>[^<>]+?)>?$", re.S)
_EVENT = re.compile(r"^<(?P<type>[^<>]+)>\s*<(?P<trigger>[^<>]+)>\s*<(?P<theme>[^<>]+)>$", re.S)
_BIO_TAG = re.compile(r"\[(?P<tag>[BIO])(?:-(?P<label>[^\]\s]+))?\]")
_BIO_PAIR = re.compile(r"(?P<word>\S+) \[(?P<tag>[BIO])(?:-(?P<label>[^\]\s]+))?\]")


class TypeColors:
    """Colours for the types of one sample: each type its hashed colour, the next free one on a clash,
    so the types shown together never share a colour (up to the palette size)."""

    def __init__(self, types: list[str] | None = None) -> None:
        self._colors: dict[str, str] = {}
        for name in sorted(set(types or ())):
            self.color(name)

    def color(self, name: str) -> str:
        if name not in self._colors:
            used = set(self._colors.values())
            start = zlib.crc32(name.encode("utf-8")) % len(PALETTE)
            for step in range(len(PALETTE)):
                candidate = PALETTE[(start + step) % len(PALETTE)]
                if candidate not in used:
                    break
            self._colors[name] = candidate
        return self._colors[name]

    def style(self, name: str) -> Style:
        return Style(color=self.color(name), bold=True)


@dataclass(frozen=True)
class Entity:
    text: str
    type: str


@dataclass(frozen=True)
class Relation:
    head: str
    relation: str
    tail: str


@dataclass(frozen=True)
class Event:
    type: str
    trigger: str
    theme: str


@dataclass(frozen=True)
class Mention:
    text: str


Item = Entity | Relation | Event | Mention


def is_bio(text: str) -> bool:
    """True when the text is a sequence of `word [TAG]` pairs with B/I/O tags."""
    stripped = text.strip()
    if not stripped:
        return False
    pairs = _BIO_PAIR.findall(stripped)
    return (
        bool(pairs)
        and len(pairs) == len(_BIO_TAG.findall(stripped))
        and not _BIO_PAIR.sub("", stripped).strip()
    )


def parse_item(content: str, category: str = "") -> Item:
    content = content.strip()
    if category == "EE":
        event = _EVENT.match(content)
        if event:
            return Event(event["type"].strip(), event["trigger"].strip(), event["theme"].strip())
    if category in ("RE", ""):
        rel = _RELATION.match(content)
        if rel:
            return Relation(rel["a"].strip(), rel["rel"].strip(), rel["b"].strip())
    typed = _TYPED.match(content)
    if typed:
        return Entity(typed["text"].strip(), typed["type"].strip())
    if category == "EE":
        parts = content.split(maxsplit=2)
        if len(parts) == 3:
            event_type, trigger, theme = (p.strip("<>") for p in parts)
            return Event(event_type, trigger, theme)
    return Mention(content)


def parse_items(output: str, category: str = "") -> list[Item]:
    return [parse_item(c, category) for c in bracket_contents(output)]


def output_kind(output: str, category: str = "") -> str:
    """'bio', 'items' (bracketed entities/relations/events/mentions) or 'text'."""
    if is_bio(output):
        return "bio"
    spans = bracket_contents(output)
    if spans and (category in ENTITY_CATEGORIES or all(_TYPED.match(s.strip()) for s in spans)):
        return "items"
    return "text"


def types_of(output: str, category: str = "") -> list[str]:
    """The entity/relation/event types an output names (what gets a colour)."""
    if is_bio(output):
        return [m["label"] or "entity" for m in _BIO_PAIR.finditer(output) if m["tag"] != "O"]
    out: list[str] = []
    for it in parse_items(output, category):
        if isinstance(it, Entity | Event):
            out.append(it.type)
        elif isinstance(it, Relation):
            out.append(it.relation)
    return out


def colors_for(output: str, category: str = "") -> TypeColors:
    return TypeColors(types_of(output, category))


def render_bio(output: str, colors: TypeColors | None = None) -> Text:
    """Words inline; B/I words highlighted with their tag, O words plain (their tag hidden)."""
    colors = colors or colors_for(output)
    text = Text()
    for n, m in enumerate(_BIO_PAIR.finditer(output.strip())):
        if n:
            text.append(" ")
        tag, label = m["tag"], m["label"]
        if tag == "O":
            text.append(m["word"])
            continue
        name = label or "entity"
        text.append(m["word"], colors.style(name) + Style(underline=tag == "B"))
        text.append(f"[{tag}{'-' + label if label else ''}]", Style(color=colors.color(name), dim=True))
    return text


def render_item(item: Item, colors: TypeColors) -> Text:
    if isinstance(item, Entity):
        return Text.assemble((item.text, colors.style(item.type)), "  ", (f"<{item.type}>", Style(dim=True)))
    if isinstance(item, Relation):
        return Text.assemble(
            (item.head, Style(bold=True)),
            ("  ─", Style(dim=True)),
            (item.relation, colors.style(item.relation)),
            ("→  ", Style(dim=True)),
            (item.tail, Style(bold=True)),
        )
    if isinstance(item, Event):
        return Text.assemble(
            (item.type, colors.style(item.type)),
            ("  trigger ", Style(dim=True)),
            (item.trigger, Style(bold=True)),
            ("  theme ", Style(dim=True)),
            (item.theme, Style(bold=True)),
        )
    return Text(item.text, Style(bold=True))


def render_output(output: str, category: str = "", colors: TypeColors | None = None) -> Text:
    """The gold output in a readable form (see the module docstring)."""
    colors = colors or colors_for(output, category)
    kind = output_kind(output, category)
    if kind == "bio":
        return render_bio(output, colors)
    if kind == "items":
        items = parse_items(output, category)
        lines = [
            Text.assemble((f"{n:>3}. ", Style(dim=True)), render_item(it, colors))
            for n, it in enumerate(items, 1)
        ]
        return Text("\n").join(lines)
    return Text(output)


def mentions_of(items: list[Item]) -> list[tuple[str, str | None]]:
    """(surface text, type) of everything an output names, for highlighting the input."""
    out: list[tuple[str, str | None]] = []
    for it in items:
        if isinstance(it, Entity):
            out.append((it.text, it.type))
        elif isinstance(it, Relation):
            out += [(it.head, None), (it.tail, None)]
        elif isinstance(it, Event):
            out += [(it.trigger, it.type), (it.theme, None)]
        else:
            out.append((it.text, None))
    return out


def render_input(text: str, output: str = "", category: str = "", colors: TypeColors | None = None) -> Text:
    """The input, with the mentions the gold output names highlighted (entity colours by type)."""
    rich = Text(text)
    if output_kind(output, category) != "items":
        return rich
    colors = colors or colors_for(output, category)
    taken = [False] * len(text)
    marks = 0
    for surface, kind in sorted(
        set(mentions_of(parse_items(output, category))), key=lambda m: (-len(m[0]), m[0], m[1] or "")
    ):
        if len(surface) < 2:
            continue
        style = colors.style(kind) if kind else Style(bold=True, underline=True)
        start = text.find(surface)
        while start >= 0 and marks < MAX_HIGHLIGHTS:
            end = start + len(surface)
            if not any(taken[start:end]):
                rich.stylize(style, start, end)
                taken[start:end] = [True] * (end - start)
                marks += 1
            start = text.find(surface, end)
    return rich


def one_line(text: str, width: int) -> str:
    """A preview: whitespace runs as single spaces, cut to `width` with an ellipsis."""
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: max(width - 1, 0)] + "…"
