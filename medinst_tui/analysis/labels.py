"""Confusion matrices of label tasks: `cls` (one label per sample), `bio` (one tag per word) and `multicls`
(several labels per sample: a 2x2 table per label, as scikit-learn's `multilabel_confusion_matrix`).

Labels are read as the scorer reads them (scoring/families.py): a `cls` answer normalized like SQuAD, BIO
tags aligned to the gold length (a missing tag is `N`), multi-labels split on `", "` and lowercased. Rows are
the gold labels in the scorer's order (sorted), so the macro-F1 of the diagonal is the run's Label-F1.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from medinst_tui.scoring.families import align_bio, bio_tags, multicls_labels
from medinst_tui.scoring.squad import normalize_answer

OTHER: Final = "(other)"  # a cls answer that is none of the gold labels
MISSING_TAG: Final = "N"  # align_bio's pad: the prediction had fewer tags than the gold
EMPTY: Final = "(empty)"


@dataclass
class ConfusionMatrix:
    """Gold labels (rows) by predicted labels (columns), each cell with its count and its samples."""

    kind: Literal["cls", "bio"]
    rows: list[str]  # label keys, the scorer's order
    columns: list[str]  # the rows, then predicted labels that are no gold label (OTHER for cls)
    shown: dict[str, str]  # key -> as written (the first gold spelling)
    counts: Counter[tuple[str, str]]
    samples: dict[tuple[str, str], list[int]]  # sample ids, in run order, each once per cell
    n: int  # samples
    # cls only: what the OTHER answers were, (gold key, answer as written) -> sample ids
    other: dict[tuple[str, str], list[int]] = field(default_factory=dict)

    def matrix(self) -> list[list[int]]:
        return [[self.counts[r, c] for c in self.columns] for r in self.rows]

    def label_stats(self, label: str) -> dict[str, Any]:
        tp = self.counts[label, label]
        gold = sum(self.counts[label, c] for c in self.columns)
        predicted = sum(self.counts[r, label] for r in self.rows)
        return {
            "label": self.shown.get(label, label),
            "key": label,
            "gold": gold,
            "predicted": predicted,
            "tp": tp,
            "precision": tp / predicted if predicted else None,
            "recall": tp / gold if gold else None,
            "f1": 2 * tp / (gold + predicted) if gold + predicted else 0.0,
        }

    @property
    def macro_f1(self) -> float:
        """The mean F1 over the gold labels (MacroF1Accumulator's rule: the run's cls_f1 / bio_f1)."""
        if not self.rows:
            return 0.0
        return sum(float(self.label_stats(r)["f1"]) for r in self.rows) / len(self.rows)

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "n": self.n,
            "labels": [self.shown.get(r, r) for r in self.rows],
            "columns": [self.shown.get(c, c) for c in self.columns],
            "matrix": self.matrix(),
            "macro_f1": self.macro_f1,
            "per_label": [self.label_stats(r) for r in self.rows],
            "cells": [
                {
                    "gold": self.shown.get(r, r),
                    "predicted": self.shown.get(c, c),
                    "count": self.counts[r, c],
                    "samples": self.samples.get((r, c), []),
                }
                for r in self.rows
                for c in self.columns
                if self.counts[r, c]
            ],
            "other_answers": [
                {"gold": self.shown.get(g, g), "answer": answer, "count": len(ids), "samples": ids}
                for (g, answer), ids in sorted(self.other.items(), key=lambda kv: -len(kv[1]))
            ],
        }


def _add_sample(samples: dict[tuple[str, str], list[int]], cell: tuple[str, str], sample_id: int) -> None:
    ids = samples.setdefault(cell, [])
    if not ids or ids[-1] != sample_id:
        ids.append(sample_id)


def cls_confusion(samples: Iterable[tuple[int, str, str]]) -> ConfusionMatrix:
    """`(sample_id, prediction, gold)` of a one-label task."""
    pairs: list[tuple[int, str, str, str]] = []
    shown: dict[str, str] = {}
    for sample_id, prediction, gold in samples:
        g, p = normalize_answer(gold), normalize_answer(prediction)
        shown.setdefault(g, gold.strip() or EMPTY)
        pairs.append((sample_id, g, p, prediction.strip()))
    rows = sorted(shown)
    known = set(rows)
    counts: Counter[tuple[str, str]] = Counter()
    cells: dict[tuple[str, str], list[int]] = {}
    other: dict[tuple[str, str], list[int]] = defaultdict(list)
    for sample_id, g, p, written in pairs:
        column = p if p in known else OTHER
        counts[g, column] += 1
        _add_sample(cells, (g, column), sample_id)
        if column == OTHER:
            other[g, written or EMPTY].append(sample_id)
    columns = rows + ([OTHER] if other else [])
    return ConfusionMatrix("cls", rows, columns, shown, counts, cells, len(pairs), dict(other))


def _tag_name(tag: str) -> str:
    return "(missing)" if tag == MISSING_TAG else tag.strip("[]")


def bio_confusion(samples: Iterable[tuple[int, str, str]]) -> ConfusionMatrix:
    """Tag by tag over `(sample_id, prediction, gold)` of a BIO task (the prediction aligned as scored)."""
    counts: Counter[tuple[str, str]] = Counter()
    cells: dict[tuple[str, str], list[int]] = {}
    n = 0
    for sample_id, prediction, gold in samples:
        n += 1
        gold_tags = bio_tags(gold)
        for g, p in zip(gold_tags, align_bio(gold_tags, bio_tags(prediction)), strict=True):
            counts[g, p] += 1
            _add_sample(cells, (g, p), sample_id)
    rows = sorted({g for g, _ in counts})
    extra = sorted({p for _, p in counts if p not in rows}, key=lambda t: (t == MISSING_TAG, t))
    columns = rows + extra
    shown = {t: _tag_name(t) for t in columns}
    return ConfusionMatrix("bio", rows, columns, shown, counts, cells, n)


@dataclass
class LabelCounts:
    label: str  # key (lowercased, as the scorer compares)
    shown: str
    in_gold: bool
    tp: list[int] = field(default_factory=list)  # sample ids
    fp: list[int] = field(default_factory=list)
    fn: list[int] = field(default_factory=list)
    tn: int = 0

    def to_json(self) -> dict[str, Any]:
        tp, fp, fn = len(self.tp), len(self.fp), len(self.fn)
        return {
            "label": self.shown,
            "key": self.label,
            "in_gold": self.in_gold,
            "tp": tp,
            "fp": fp,
            "fn": fn,
            "tn": self.tn,
            "precision": tp / (tp + fp) if tp + fp else None,
            "recall": tp / (tp + fn) if tp + fn else None,
            "f1": 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0,
            "samples": {"tp": self.tp, "fp": self.fp, "fn": self.fn},
        }


@dataclass
class MultiLabelStats:
    labels: list[LabelCounts]  # gold labels (sorted), then labels only ever predicted
    n: int
    exact: int  # samples whose label set is the gold's

    def to_json(self) -> dict[str, Any]:
        return {"n": self.n, "exact_sets": self.exact, "labels": [lab.to_json() for lab in self.labels]}


def multilabel_stats(samples: Iterable[tuple[int, str, str]]) -> MultiLabelStats:
    """One-vs-rest counts per label over `(sample_id, prediction, gold)`: each sample's labels as a set."""
    rows: list[tuple[int, set[str], set[str]]] = []
    shown: dict[str, str] = {}
    for sample_id, prediction, gold in samples:
        g, p = set(multicls_labels(gold)), set(multicls_labels(prediction))
        for written in gold.split(", "):
            shown.setdefault(written.lower().strip(), written.strip() or EMPTY)
        for written in prediction.split(", "):
            shown.setdefault(written.lower().strip(), written.strip() or EMPTY)
        rows.append((sample_id, g, p))
    gold_labels = sorted({label for _, g, _ in rows for label in g})
    predicted_only = sorted({label for _, _, p in rows for label in p} - set(gold_labels))
    stats = {
        label: LabelCounts(label, shown.get(label, label), label in gold_labels)
        for label in gold_labels + predicted_only
    }
    exact = 0
    for sample_id, g, p in rows:
        exact += g == p
        for label, counts in stats.items():
            if label in g and label in p:
                counts.tp.append(sample_id)
            elif label in p:
                counts.fp.append(sample_id)
            elif label in g:
                counts.fn.append(sample_id)
            else:
                counts.tn += 1
    return MultiLabelStats(list(stats.values()), len(rows), exact)
