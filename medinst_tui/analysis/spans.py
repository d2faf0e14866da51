"""Per-type precision / recall / F1 of entity, relation, event and coreference outputs, with their samples.

A span matches as the scorer matches it: two spans are the same when their normalized contents are
(`scoring.families.entity_spans`, a multiset per sample), so the type is part of the match and a span with
the right text and the wrong type is one miss and one spurious span (also counted as a type confusion).
Spans are shown as written; a span's type is read from its `<...>` parts by the task's category:

- NER `[text <Type>]`: the type; NED `[text <db/id>]`: the database name (`MESH`);
- RE `[<e1> <Relation> <e2>]`: the relation; EE `[<Type> <trigger> <theme>]`: the event type;
- COREF `[mention]`: one type, `coreference`.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Final

from medinst_tui.scoring.families import entity_spans, multiset_f1
from medinst_tui.scoring.squad import normalize_answer

_ANGLE: Final = re.compile(r"<([^<>]*)>")
UNTYPED: Final = "(untyped)"
COREFERENCE: Final = "coreference"


def written_spans(text: str) -> list[str]:
    """The contents of the top-level `[...]` spans as written, in the order `entity_spans` gives them.

    The same bracket rule as `entity_spans` (nested brackets stay inside, a stray `]` is ignored, a span
    still open at the end is dropped), keeping the text: `entity_spans` returns it normalized, and a
    reader needs the spelling. `span_texts` checks the two agree, span for span."""
    spans: list[str] = []
    depth = 0
    start = 0
    for match in re.finditer(r"[\[\]]", text):
        if match.group() == "[":
            if depth == 0:
                start = match.end()
            depth += 1
        elif depth:
            depth -= 1
            if depth == 0:
                spans.append(text[start : match.start()].strip())
    return spans


def span_texts(text: str) -> list[tuple[str, str]]:
    """(normalized, as written) for every span of `text`: the scorer's spans, each with its spelling."""
    normalized = entity_spans(text)
    written = written_spans(text)
    if [normalize_answer(w) for w in written] != normalized:  # never expected; then show what is matched
        written = normalized
    return list(zip(normalized, written, strict=True))


def span_type(written: str, category: str) -> str:
    """The type of a span as written (see the module doc), stripped; UNTYPED when it has none."""
    category = category.upper()
    if category == "COREF":
        return COREFERENCE
    parts = [p.strip() for p in _ANGLE.findall(written)]
    if not parts:
        return UNTYPED
    if category == "EE":
        return parts[0] or UNTYPED
    if len(parts) >= 3 and category != "NER" and category != "NED":  # RE, or an unknown relation shape
        return parts[1] or UNTYPED
    last = parts[-1]
    if category == "NED" and "/" in last:
        last = last.split("/", 1)[0]
    return last or UNTYPED


def span_text_part(written: str) -> str:
    """A span without its type (`Endothelial cells <Cell>` -> `endothelial cells`), normalized: the key under
    which a missed and a spurious span of one sample are the same text with another type."""
    return normalize_answer(_ANGLE.sub(" ", written))


@dataclass(frozen=True)
class SpanRef:
    sample_id: int
    span: str  # as written
    type: str

    def to_json(self) -> dict[str, Any]:
        return {"id": self.sample_id, "span": self.span, "type": self.type}


@dataclass
class TypeStats:
    type: str  # as first written (in a gold span if any)
    matched: list[SpanRef] = field(default_factory=list)
    missed: list[SpanRef] = field(default_factory=list)  # gold spans the prediction lacks
    spurious: list[SpanRef] = field(default_factory=list)  # predicted spans the gold lacks

    @property
    def tp(self) -> int:
        return len(self.matched)

    @property
    def fn(self) -> int:
        return len(self.missed)

    @property
    def fp(self) -> int:
        return len(self.spurious)

    @property
    def gold(self) -> int:
        return self.tp + self.fn

    @property
    def predicted(self) -> int:
        return self.tp + self.fp

    @property
    def precision(self) -> float | None:
        return self.tp / self.predicted if self.predicted else None

    @property
    def recall(self) -> float | None:
        return self.tp / self.gold if self.gold else None

    @property
    def f1(self) -> float:
        total = 2 * self.tp + self.fp + self.fn
        return 2 * self.tp / total if total else 0.0

    def to_json(self, samples: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {
            "type": self.type,
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "gold": self.gold,
            "predicted": self.predicted,
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
        }
        if samples:
            out["matched"] = [s.to_json() for s in self.matched]
            out["missed"] = [s.to_json() for s in self.missed]
            out["spurious"] = [s.to_json() for s in self.spurious]
        return out


@dataclass
class SpanAnalysis:
    category: str
    types: list[TypeStats]  # most gold spans first
    total: TypeStats  # micro over every type
    mean_sample_f1: float  # the mean per-sample multiset F1: the run's entity_f1
    n: int
    # (gold type, predicted type) -> the samples where a span had the right text and that wrong type
    confusions: dict[tuple[str, str], list[int]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "n": self.n,
            "mean_sample_f1": self.mean_sample_f1,
            "micro": self.total.to_json(samples=False),
            "types": [t.to_json() for t in self.types],
            "type_confusions": [
                {"gold": g, "predicted": p, "count": len(ids), "samples": ids}
                for (g, p), ids in sorted(self.confusions.items(), key=lambda kv: -len(kv[1]))
            ],
        }


def span_analysis(samples: Iterable[tuple[int, str, str]], category: str) -> SpanAnalysis:
    """Per-type counts over `(sample_id, prediction, gold)` triples of one task."""
    by_type: dict[str, TypeStats] = {}
    total = TypeStats("all")
    confusions: dict[tuple[str, str], list[int]] = defaultdict(list)
    f1_sum = 0.0
    n = 0

    def stats(kind: str) -> TypeStats:
        key = kind.lower()
        if key not in by_type:
            by_type[key] = TypeStats(kind)
        return by_type[key]

    for sample_id, prediction, gold in samples:
        n += 1
        gold_spans, predicted_spans = span_texts(gold), span_texts(prediction)
        f1_sum += multiset_f1([g for g, _ in gold_spans], [p for p, _ in predicted_spans])
        left: dict[str, list[str]] = defaultdict(list)  # normalized -> predicted spans not yet matched
        for key, written in predicted_spans:
            left[key].append(written)
        missed: list[SpanRef] = []
        for key, written in gold_spans:
            ref = SpanRef(sample_id, written, span_type(written, category))
            if left.get(key):
                left[key].pop(0)
                stats(ref.type).matched.append(ref)
                total.matched.append(ref)
            else:
                missed.append(ref)
                stats(ref.type).missed.append(ref)
                total.missed.append(ref)
        spurious: list[SpanRef] = []
        for key, written in predicted_spans:  # in the prediction's order, the ones left over
            if written in left.get(key, []):
                left[key].remove(written)
                ref = SpanRef(sample_id, written, span_type(written, category))
                spurious.append(ref)
                stats(ref.type).spurious.append(ref)
                total.spurious.append(ref)
        by_text: dict[str, list[SpanRef]] = defaultdict(list)
        for ref in spurious:
            by_text[span_text_part(ref.span)].append(ref)
        for ref in missed:
            candidates = by_text.get(span_text_part(ref.span))
            if candidates:
                other = candidates.pop(0)
                if other.type.lower() != ref.type.lower():
                    confusions[ref.type, other.type].append(sample_id)
    types = sorted(by_type.values(), key=lambda t: (-t.gold, -t.predicted, t.type.lower()))
    return SpanAnalysis(category, types, total, f1_sum / n if n else 0.0, n, dict(confusions))
