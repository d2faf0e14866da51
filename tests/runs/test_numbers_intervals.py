"""Issue 8, "confidence intervals collapse to 0.00-0.00": a Wilson interval for exact match, a seeded
bootstrap for the other metrics, stored with n and how each was made, and n shown beside every interval.
The Wilson figures are computed here by hand from the formula; the bootstrap is checked against plain
computations (its all-ones replicate is the metric itself) and for determinism under its recorded seed."""

from __future__ import annotations

import json
import math
import os
import random
from pathlib import Path

import duckdb
import numpy as np
import pytest
from rich.console import Console

from medinst_tui.cli.main import main
from medinst_tui.runs.engine import LiveScores
from medinst_tui.runs.records import summary_from_json, summary_to_json
from medinst_tui.scoring import Scorer, format_summary, score_corpus
from medinst_tui.scoring.accumulators import MacroF1Accumulator
from medinst_tui.scoring.intervals import (
    RESAMPLES,
    SEED,
    BootstrapMacroF1,
    BootstrapMean,
    Resampler,
    wilson,
)
from medinst_tui.tui.runs.run_summary import summary_table

Z = 1.959963984540054


def hand_wilson(k: int, n: int) -> tuple[float, float]:
    """(p + z²/2n ± z·sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n), written out."""
    p = k / n
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / (1 + Z * Z / n)
    return centre - half, centre + half


def test_wilson_against_the_hand_computation() -> None:
    lo, hi = wilson(0, 4)
    assert lo == 0.0 and hi == pytest.approx(Z * Z / (4 + Z * Z))  # p = 0: the upper bound is z²/(n+z²)
    assert hi == pytest.approx(0.4899, abs=1e-4)
    for k, n in ((2, 4), (1, 10), (37, 50), (10, 10)):
        hand_lo, hand_hi = hand_wilson(k, n)
        got_lo, got_hi = wilson(k, n)
        assert got_lo == pytest.approx(max(0.0, hand_lo)) and got_hi == pytest.approx(min(1.0, hand_hi))


def test_zero_of_four_exact_matches_is_not_a_certain_zero() -> None:
    summary = score_corpus("em", ["a", "b", "c", "d"], ["w", "x", "y", "z"])["em"]
    assert summary.value == 0.0 and summary.n == 4
    assert summary.interval is not None and summary.interval.method == "wilson"
    assert summary.ci == pytest.approx((0.0, 0.48990), abs=1e-5)
    assert format_summary(summary) == "0.00 [0.00–48.99, n=4, Wilson]"
    # the TUI's table: the interval with its n, never 0.00-0.00
    console = Console(width=150, record=True, file=open(os.devnull, "w"))  # noqa: SIM115
    scores = LiveScores()
    for i, (p, g) in enumerate(zip("abcd", "wxyz", strict=True)):
        scores.add("MedQA", "QA", p, g, key=i)
    console.print(summary_table(scores.summary()))
    text = console.export_text()
    assert "0.00–48.99, n=4, Wilson" in text and "0.00–0.00" not in text


def test_all_alike_scores_get_a_wilson_bound_not_a_point() -> None:
    """Four Rouge-L zeros: every resample is 0, so the bootstrap says nothing; the interval is the Wilson
    interval of the value read as a proportion of the metric's range (and MSE's range is 0..25)."""
    rouge = score_corpus("none", ["a", "b", "c", "d"], ["w", "x", "y", "z"])["rougeL"]
    assert rouge.interval is not None and rouge.interval.method == "wilson-bound"
    assert rouge.ci == pytest.approx(wilson(0, 4))
    mse = score_corpus("mse", ["3", "3"], ["3", "3"])["mse"]  # squared errors 0, 0 of a range 0..25
    assert mse.interval is not None and mse.interval.method == "wilson-bound"
    assert mse.ci == pytest.approx((0.0, 25 * wilson(0, 2)[1]))


def test_bootstrap_replicates_with_unit_weights_are_the_metric_itself() -> None:
    resampler = Resampler(resamples=3)
    ones = np.ones(3)
    mean = BootstrapMean(resampler)
    for v in (0.2, 0.5, 1.0):
        mean.add(ones, v)
    assert mean.replicates() == pytest.approx([(0.2 + 0.5 + 1.0) / 3] * 3)
    labels = BootstrapMacroF1(resampler)
    plain = MacroF1Accumulator()
    pairs = [(["yes"], ["no"]), (["no"], ["no"]), (["B", "I", "O"], ["B", "O", "O"]), (["maybe"], ["yes"])]
    for gold, predicted in pairs:
        labels.add(ones, gold, predicted)
        plain.add_many(gold, predicted)
    assert labels.replicates() == pytest.approx([plain.value] * 3)


def test_bootstrap_interval_of_a_mean_matches_the_normal_one_at_large_n() -> None:
    rng = random.Random(0)
    values = [rng.random() for _ in range(2000)]
    resampler = Resampler()
    boot = BootstrapMean(resampler)
    for i, v in enumerate(values):
        boot.add(resampler.weights(i), v)
    mean = sum(values) / len(values)
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1))
    interval = resampler.interval(boot.replicates(), mean, len(values), 0.0, 1.0)
    assert interval.method == "bootstrap" and interval.seed == SEED and interval.resamples == RESAMPLES
    half = Z * sd / math.sqrt(len(values))
    assert interval.lower == pytest.approx(mean - half, abs=half * 0.15)
    assert interval.upper == pytest.approx(mean + half, abs=half * 0.15)


PREDS = ["yes", "no", "yes", "maybe", "no", "yes", "no", "no", "yes", "maybe"]
GOLDS = ["yes", "yes", "no", "maybe", "no", "yes", "no", "yes", "yes", "no"]


def test_the_bootstrap_is_deterministic_under_its_seed_and_order_free_with_keys() -> None:
    def intervals(order: list[int], seed: int = SEED) -> dict[str, tuple[float, float] | None]:
        scorer = Scorer("cls", seed=seed)
        for i in order:
            scorer.add(PREDS[i], GOLDS[i], key=100 + i)
        return {k: m.ci for k, m in scorer.summary().items()}

    first = intervals(list(range(10)))
    assert first == intervals(list(range(10)))  # same seed, same samples: the same intervals
    shuffled = list(range(10))
    random.Random(1).shuffle(shuffled)
    again = intervals(shuffled)  # keyed by sample id: the order they finish in does not matter
    for key, ci in first.items():
        assert ci is not None and again[key] == pytest.approx(ci, abs=1e-12)
    assert intervals(list(range(10)), seed=SEED + 1) != first  # the seed is what makes them


def test_every_stored_metric_carries_its_interval_n_and_method(
    demo_db: Path,
    tiny_gguf_path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    runs = tmp_path / "runs.duckdb"
    monkeypatch.setenv("MEDINST_RUNS_DB", str(runs))
    args = ["run", "--db", str(demo_db), "--task", "MedQA", "--limit", "4", "--shots", "0"]
    args += ["--model", str(tiny_gguf_path), "--threads", "1", "--n-ctx", "1024", "--max-tokens", "4"]
    assert main(args) == 0
    out = capsys.readouterr().out
    con = duckdb.connect(str(runs), read_only=True)
    try:
        (raw,) = con.execute("SELECT summary FROM runs").fetchone() or ("{}",)
    finally:
        con.close()
    stored = json.loads(raw)["MedQA"]
    assert stored["headline"] == {"metric": "em", "family": "em", "scorer_version": "2"}
    for key, m in stored["metrics"].items():
        assert m["n"] == 4 and m["lower"] <= m["value"] <= m["upper"], (key, m)
        if key == "em":
            assert m["interval"] == "wilson" and "seed" not in m
        elif m["interval"] == "bootstrap":
            assert m["seed"] == SEED and m["resamples"] == RESAMPLES
        else:
            assert m["interval"] == "wilson-bound", (key, m)
    # printed: n beside every interval
    interval_cells = [line for line in out.splitlines() if "–" in line and "n=" in line]
    assert len(interval_cells) == len(stored["metrics"]), out
    # the stored summary reads back to the same numbers
    assert summary_to_json(summary_from_json(json.loads(raw))) == json.loads(raw)


def test_medinst_score_reproduces_a_runs_intervals(
    demo_db: Path,
    tiny_gguf_path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The bootstrap is keyed by sample id, so re-scoring the results file gives the run's intervals."""
    monkeypatch.setenv("MEDINST_RUNS_DB", str(tmp_path / "runs.duckdb"))
    out = tmp_path / "r.jsonl"
    args = ["run", "--db", str(demo_db), "--task", "NCBI-disease", "--limit", "5", "--shots", "1"]
    args += ["--model", str(tiny_gguf_path), "--threads", "1", "--n-ctx", "1024", "--max-tokens", "8"]
    assert main([*args, "-o", str(out)]) == 0
    run_text = capsys.readouterr().out
    assert main(["score", str(out)]) == 0
    score_text = capsys.readouterr().out
    rows = [line for line in run_text.splitlines() if "n=5" in line]
    assert len(rows) == 3 and all(r in score_text for r in rows), (run_text, score_text)
