"""MEDINST's row shapes per task category, written once for both synthetic sets.

The demo set (``medinst_synth.demo``) and the benchmark set (``bench/gen_synthetic.py`` with
``medinst_synth.bench``) build their outputs, and the labelled fields of their inputs, with these
functions. The shapes are the ones MEDINST's instructions ask for, which the family metrics of the
README's "Few-shot runs and scoring" read (medinst_tui/scoring/families.py parses them):

=============  ==============================================  ==============================
category       output                                          writer
=============  ==============================================  ==============================
NER            ``[mention <Type>] [mention <Type>]``           ``entities``
NER (BIO)      ``word [B] word [I] word [O]``                  ``bio``
NED            ``[mention <db_name/db_id>]``                   ``entities`` + ``linked``
RE             ``[<entity1> <relation> <entity2>]``            ``relations``
EE             ``[<type> <trigger> <theme entity>]``           ``events``
COREF          ``[mention] [mention]``                         ``corefs``
TXTCLASS       ``label`` or ``label, label`` (multi-label)     ``labels``
QA, TE, ...    one option of ``Options: a / b / c``            ``options``
=============  ==============================================  ==============================

Inputs are labelled fields, one a line (``Question: ...\\nOptions: ...``): ``fields``.

The functions only concatenate their arguments with brackets, spaces, commas and slashes. Given
JSON-escaped parts (the benchmark set pre-escapes its text and passes ``nl="\\\\n"``), the result is
JSON-escaped too, so that set can keep building each JSON line by concatenation.
"""

from __future__ import annotations

from collections.abc import Iterable


def span(*parts: str) -> str:
    """One bracketed span: ``[a b c]``."""
    return "[" + " ".join(parts) + "]"


def angled(text: str) -> str:
    return "<" + text + ">"


def entity(mention: str, kind: str) -> str:
    """``[mention <kind>]``: NER's type or NED's ``db_name/db_id``."""
    return span(mention, angled(kind))


def entities(items: Iterable[tuple[str, str]]) -> str:
    """NER / NED output: the (mention, kind) spans in order of appearance, space-separated."""
    return " ".join(entity(mention, kind) for mention, kind in items)


def linked(db: str, identifier: str) -> str:
    """NED's kind: ``MESH/D002945``."""
    return db + "/" + identifier


def bio(tagged: Iterable[tuple[str, str]]) -> str:
    """BIO output: ``word [tag]`` for every (word, tag) of the whitespace-tokenised input."""
    return " ".join(word + " [" + tag + "]" for word, tag in tagged)


def relation(head: str, label: str, tail: str) -> str:
    return span(angled(head), angled(label), angled(tail))


def relations(items: Iterable[tuple[str, str, str]]) -> str:
    """RE output: (entity1, relation, entity2) spans."""
    return " ".join(relation(*item) for item in items)


def event(kind: str, trigger: str, theme: str) -> str:
    return span(angled(kind), angled(trigger), angled(theme))


def events(items: Iterable[tuple[str, str, str]]) -> str:
    """EE output: (type, trigger, theme) spans."""
    return " ".join(event(*item) for item in items)


def corefs(mentions: Iterable[str]) -> str:
    """COREF output: every co-reference of the entity, bracketed."""
    return " ".join(span(mention) for mention in mentions)


def labels(items: Iterable[str]) -> str:
    """Multi-label output (and list answers): ``a, b``."""
    return ", ".join(items)


def options(items: Iterable[str]) -> str:
    """The value of an input's ``Options`` field: ``a / b / c``."""
    return " / ".join(items)


def type_list(items: Iterable[str]) -> str:
    """The label or type set an instruction offers: ``[a, b, c]``."""
    return "[" + ", ".join(items) + "]"


def fields(*items: tuple[str, str], nl: str = "\n") -> str:
    """An input of labelled fields, one a line: ``Question: ...`` then ``Options: ...``."""
    return nl.join(name + ": " + value for name, value in items)
