"""Benchmark: Rouge-L + token F1 against rouge-score and a plain SQuAD F1, same numbers required.

    python bench/bench_scoring.py [--pairs 10000] [--seed 0] [--repeats 5] [--out bench/results/scoring.md]

Generates (prediction, gold) pairs of biomedical-looking text shaped like MEDINST outputs
(short labels, bracketed entity lists, BIO-tagged sentences, long summaries and
translations; predictions are edited copies, other answers or verbose answers), scores
them with ``medinst_tui.scoring`` and with ``rouge_score.RougeScorer(['rougeL'],
use_stemmer=True)`` plus a plain SQuAD v1.1 F1, asserts every value is identical, and
writes the timings to a markdown file. Budget (README "Benchmarks"): 10x faster or better.

Runs are interleaved and the fastest of each is reported (the machine is shared); our
runs start from an empty stem cache, so stemming every distinct token once is included.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import random
import re
import statistics
import string
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from medinst_tui.scoring import rouge as our_rouge  # noqa: E402
from medinst_tui.scoring.squad import token_f1  # noqa: E402

BUDGET = 10.0

_TERMS_TEXT = (
    "aspirin ibuprofen paracetamol metformin insulin warfarin heparin cisplatin tamoxifen doxorubicin "
    "interleukin-6 IL-2 IL-10 TNF-alpha NF-kappaB p53 BRCA1 EGFR HER2 VEGF TGF-beta CD4+ CD8+ MAPK "
    "STAT3 JAK2 mTOR AKT1 caspase-3 Bcl-2 cyclin-D1 HbA1c troponin creatinine albumin ferritin "
    "hepatocellular carcinoma adenocarcinoma melanoma glioblastoma leukemia lymphoma myocardial "
    "infarction hypertension diabetes mellitus nephropathy neuropathy retinopathy pneumonia sepsis "
    "tuberculosis hepatitis cirrhosis fibrosis asthma COPD arrhythmia thrombosis embolism stroke "
    "Alzheimer's Parkinson's schizophrenia depression anxiety epilepsy migraine osteoporosis arthritis"
)
_TERMS = _TERMS_TEXT.split()
_WORDS_TEXT = (
    "the of and in to a with for was were is are by on that this from as at be an or which patients "
    "patient study studies studied treatment treated treating expression expressed increased decreased "
    "increase decrease significantly significant associated association compared group groups levels "
    "level cells cell protein proteins gene genes binding bound activation activated activity "
    "inhibition inhibited inhibits receptor receptors response responses induced inducing induction "
    "clinical trial trials randomized controlled cohort risk factors factor analysis analyses observed "
    "showed shows results result suggest suggests suggested role mechanism mechanisms pathway pathways "
    "tumor tumors tumour growth proliferation apoptosis mutation mutations variant variants dose doses "
    "daily weeks months years mg kg mL mmol/L plasma serum blood tissue tissues samples sample "
    "mice rats vivo vitro human humans healthy controls control baseline follow-up outcome outcomes "
    "adverse events event therapy therapies therapeutic efficacy safety reduced reduction higher lower"
)
_WORDS = _WORDS_TEXT.split()
_LABELS = (
    "Yes",
    "No",
    "Maybe",
    "Supports",
    "Refutes",
    "Neutral",
    "Positive",
    "Negative",
    "(A)",
    "(B)",
    "(C)",
)
_ENTITY_TYPES = ("Chemical", "Disease", "Gene", "Protein", "Cell", "Organism", "Mutation")
_PUNCT = (",", ".", ";", ":", "(", ")", "%", "/", "-")


def _sentence(rng: random.Random, n: int) -> str:
    out = []
    for _ in range(n):
        r = rng.random()
        if r < 0.15:
            out.append(rng.choice(_TERMS))
        elif r < 0.2:
            out.append(f"{rng.randint(0, 999)}{rng.choice(('', '%', ' mg', '.5'))}")
        elif r < 0.27:
            out.append(rng.choice(_PUNCT))
        else:
            out.append(rng.choice(_WORDS))
    text = " ".join(out)
    return text[:1].upper() + text[1:] + "."


def _gold(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.3:  # label answers (QA, TE, TXTCLASS, STS)
        return rng.choice((*_LABELS, str(rng.randint(0, 5))))
    if r < 0.65:  # entity lists (NER, RE, COREF, EE, NED)
        spans = [
            f"{rng.choice(_ENTITY_TYPES)}: [{' '.join(rng.choice(_TERMS) for _ in range(rng.randint(1, 3)))}]"
            for _ in range(rng.randint(1, 8))
        ]
        return ", ".join(spans)
    if r < 0.8:  # BIO-tagged sentences
        return " ".join(f"{w} {rng.choice(('[B]', '[I]', '[O]', '[O]'))}" for w in _sentence(rng, 25).split())
    # Long outputs (SUM, TRANSL, explanations).
    return " ".join(_sentence(rng, rng.randint(12, 30)) for _ in range(rng.randint(2, 10)))


def _edit(rng: random.Random, gold: str) -> str:
    words = gold.split()
    out = []
    for w in words:
        r = rng.random()
        if r < 0.15:
            continue  # dropped
        if r < 0.25:
            out.append(rng.choice(_WORDS))  # substituted
        elif r < 0.32:
            out.append(w + rng.choice(("s", "ed", "ing", "ly")))  # morphological variant
        else:
            out.append(w)
        if rng.random() < 0.05:
            out.append(rng.choice(_WORDS))  # inserted
    if len(out) > 3 and rng.random() < 0.3:
        i = rng.randrange(len(out) - 2)
        out[i], out[i + 1] = out[i + 1], out[i]
    return " ".join(out)


def make_pairs(count: int, seed: int) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    pairs = []
    for _ in range(count):
        gold = _gold(rng)
        r = rng.random()
        if r < 0.6:
            prediction = _edit(rng, gold)
        elif r < 0.85:
            prediction = _gold(rng)
        else:
            prediction = f"The answer is {gold} {_sentence(rng, rng.randint(5, 40))}"
        pairs.append((prediction, gold))
    return pairs


def squad_f1(prediction: str, gold: str) -> float:
    """The SQuAD v1.1 script's F1, written plainly (the reference for token F1)."""

    def normalize(s: str) -> str:
        s = s.lower()
        exclude = set(string.punctuation)
        s = "".join(ch for ch in s if ch not in exclude)
        s = re.sub(r"\b(a|an|the)\b", " ", s)
        return " ".join(s.split())

    p = normalize(prediction).split()
    g = normalize(gold).split()
    common = Counter(p) & Counter(g)
    same = sum(common.values())
    if same == 0:
        return 0.0
    precision = 1.0 * same / len(p)
    recall = 1.0 * same / len(g)
    return (2 * precision * recall) / (precision + recall)


def _timed(fn: Callable[[], list[float]]) -> tuple[float, list[float]]:
    start = time.perf_counter()
    values = fn()
    return time.perf_counter() - start, values


def _fmt(times: list[float]) -> str:
    return ", ".join(f"{t:.3f}" for t in times)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pairs", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--reference-repeats", type=int, default=2, help="rouge-score runs (slow)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "scoring.md")
    args = parser.parse_args()

    from rouge_score import rouge_scorer

    load_before = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    pairs = make_pairs(args.pairs, args.seed)
    tokens = [len(our_rouge.rouge_tokens(g)) + len(our_rouge.rouge_tokens(p)) for p, g in pairs]
    vocabulary = {t for p, g in pairs for t in re.findall(r"[a-z0-9]+", (p + " " + g).lower())}

    def ours_rouge() -> list[float]:
        return [our_rouge.rouge_l(p, g) for p, g in pairs]

    def ours_f1() -> list[float]:
        return [token_f1(p, g) for p, g in pairs]

    def ref_f1() -> list[float]:
        return [squad_f1(p, g) for p, g in pairs]

    scorer = rouge_scorer.RougeScorer(["rougeL"], use_stemmer=True)

    def ref_rouge() -> list[float]:
        return [scorer.score(g, p)["rougeL"].fmeasure for p, g in pairs]

    # Runs are interleaved so that load from other processes hits both sides alike;
    # the fastest run of each is the least disturbed one.
    rouge_times, f1_times, ref_f1_times, ref_rouge_times = [], [], [], []
    for repeat in range(args.repeats):
        our_rouge.clear_stem_cache()  # every repeat pays for stemming the vocabulary
        t, our_rouge_values = _timed(ours_rouge)
        rouge_times.append(t)
        t, our_f1_values = _timed(ours_f1)
        f1_times.append(t)
        t, ref_f1_values = _timed(ref_f1)
        ref_f1_times.append(t)
        if repeat < args.reference_repeats:
            t, ref_rouge_values = _timed(ref_rouge)
            ref_rouge_times.append(t)

    rouge_mismatch = sum(a != b for a, b in zip(our_rouge_values, ref_rouge_values, strict=True))
    f1_mismatch = sum(a != b for a, b in zip(our_f1_values, ref_f1_values, strict=True))
    assert rouge_mismatch == 0, f"{rouge_mismatch} Rouge-L values differ from rouge-score"
    assert f1_mismatch == 0, f"{f1_mismatch} token F1 values differ from the SQuAD reference"

    ours_rouge_t = min(rouge_times)
    ours_f1_t = min(f1_times)
    ref_rouge_time = min(ref_rouge_times)
    ref_f1_time = min(ref_f1_times)
    ours_total = ours_rouge_t + ours_f1_t
    ref_total = ref_rouge_time + ref_f1_time
    ratio = ref_total / ours_total

    rows = [
        (
            "Rouge-L",
            ours_rouge_t,
            ref_rouge_time,
            "rouge-score 0.1.2 RougeScorer(['rougeL'], use_stemmer=True)",
        ),
        ("token F1", ours_f1_t, ref_f1_time, "plain SQuAD v1.1 F1"),
        ("Rouge-L + token F1", ours_total, ref_total, "both"),
    ]
    lines = [
        "# Scoring benchmark: Rouge-L + token F1",
        "",
        f"- date: {datetime.datetime.now().astimezone().isoformat(timespec='seconds')}",
        f"- machine: {platform.machine()}, nproc {os.cpu_count()}, {platform.platform()}",
        f"- python: {sys.version.split()[0]} ({platform.python_implementation()})",
        f"- command: `python bench/bench_scoring.py --pairs {args.pairs} --seed {args.seed} "
        f"--repeats {args.repeats} --reference-repeats {args.reference_repeats}`",
        f"- data: {len(pairs):,} generated (prediction, gold) pairs; rouge tokens per pair "
        f"median {statistics.median(tokens):.0f}, mean {statistics.mean(tokens):.0f}, max {max(tokens)}; "
        f"{len(vocabulary):,} distinct lowercase tokens",
        f"- timing: fastest of {args.repeats} interleaved runs (rouge-score: {len(ref_rouge_times)}); "
        "our stem cache is emptied before each run, so stemming the vocabulary is included",
        f"- load average before the run: {load_before}",
        f"- values: identical on all {len(pairs):,} pairs for both metrics (asserted, exact float equality)",
        "",
        "| metric | ours (s) | reference (s) | reference | speed-up |",
        "|---|---:|---:|---|---:|",
    ]
    for name, ours_t, ref_t, ref_name in rows:
        lines.append(f"| {name} | {ours_t:.3f} | {ref_t:.3f} | {ref_name} | {ref_t / ours_t:.1f}x |")
    verdict = "PASS" if ratio >= BUDGET else "FAIL"
    lines += [
        "",
        f"Budget: Rouge-L + token F1 {BUDGET:.0f}x faster or better with identical values: "
        f"**{ratio:.1f}x, {verdict}**.",
        "",
        f"Per pair: ours {ours_total / len(pairs) * 1e6:.1f} µs, "
        f"reference {ref_total / len(pairs) * 1e6:.1f} µs.",
        "",
        "All runs (s):",
        "",
        f"- ours Rouge-L: {_fmt(rouge_times)}",
        f"- ours token F1: {_fmt(f1_times)}",
        f"- rouge-score: {_fmt(ref_rouge_times)}",
        f"- SQuAD F1: {_fmt(ref_f1_times)}",
        "",
    ]
    report = "\n".join(lines)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report, encoding="utf-8")
    print(report)


if __name__ == "__main__":
    main()
