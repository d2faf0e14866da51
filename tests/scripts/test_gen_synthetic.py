"""bench/gen_synthetic.py, run as the benchmarks run it (a subprocess), at a tiny scale."""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "bench" / "gen_synthetic.py"
CATALOG = ROOT / "medinst_tui" / "data" / "tasks.csv"
SCALE = 0.001
SUBSET = "MedQA,BIOSSES,NCBI-disease,MLEE-EE,ParaMed"
SUBSET_FILES = 15  # three non-empty splits each
# The bytes the benchmarks read, pinned: sha256 over (file name, sha256 of its rows' bytes) of the
# `full` fixture below (every task, --scale 0.001, --seed 0, JSON Lines: 334 files, 6,178,862 bytes)
# and of the array + gzip subset (decompressed, so the zlib version plays no part). Both were
# computed from bench/gen_synthetic.py at commit f8aba64, before its shared parts moved into
# scripts/medinst_synth; a new digest means the benchmark data changed, and its figures with it.
FULL_DIGEST = "df90324438940f853acc00b832ed94c04462f40e0cb3e6f2b0fbbc13db23abee"
ARRAY_GZIP_DIGEST = "588c4b2e94a9acdc84eda0c197a781c757839672268a13a90aad4ec405b5d1fe"

Row = dict[str, str]


def generate(out: Path, *extra: str, scale: float = SCALE, seed: int = 0) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, str(SCRIPT), "--out", str(out), "--scale", str(scale), "--seed", str(seed)]
    return subprocess.run([*cmd, *extra], capture_output=True, text=True, check=False, timeout=120)


def digest(folder: Path) -> str:
    """sha256 over the sorted (name, sha256 of the rows' bytes) of every file; .gz files decompressed."""
    total = hashlib.sha256()
    for path in sorted(folder.iterdir()):
        data = path.read_bytes()
        if path.suffix == ".gz":
            data = gzip.decompress(data)
        total.update(path.name.encode() + b"\0" + hashlib.sha256(data).digest())
    return total.hexdigest()


def catalog() -> list[dict[str, str]]:
    with CATALOG.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def expected_rows(scale: float) -> dict[str, int]:
    """File stem -> rows: each split scaled and rounded, never below one row, empty splits absent."""
    out = {}
    for task in catalog():
        for split in ("train", "dev", "test"):
            n = int(task[split])
            if n:
                out[f"{task['name']}_{split}"] = max(1, round(n * scale))
    return out


def read_jsonl(path: Path) -> list[Row]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        assert isinstance(row, dict)
        rows.append(row)
    return rows


@pytest.fixture(scope="module")
def full(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("full")
    proc = generate(out, "--workers", "2")
    assert proc.returncode == 0, proc.stderr
    assert f"{sum(expected_rows(SCALE).values()):,} rows" in proc.stdout
    return out


def test_the_bytes_are_the_pinned_ones(full: Path) -> None:
    assert digest(full) == FULL_DIGEST


def test_every_non_empty_split_has_its_scaled_size(full: Path) -> None:
    expected = expected_rows(SCALE)
    files = {p.name: p for p in full.iterdir()}
    assert set(files) == {f"{stem}.json" for stem in expected}
    counts = {name[: -len(".json")]: len(read_jsonl(p)) for name, p in files.items()}
    assert counts == expected
    # Proportional to the catalog: the biggest splits keep their real relative sizes.
    assert counts["MeDAL_train"] == 3000 and counts["SciELO_train"] == 3007 and counts["BIOMRC_train"] == 700


def test_rows_are_three_string_fields_with_one_instruction_per_task(full: Path) -> None:
    instructions: dict[str, set[str]] = {}
    for path in full.iterdir():
        for row in read_jsonl(path):
            assert set(row) == {"instruction", "input", "output"}
            assert all(isinstance(v, str) for v in row.values())
            assert row["instruction"] and row["input"]
            instructions.setdefault(path.name.rsplit("_", 1)[0], set()).add(row["instruction"])
    assert len(instructions) == len(catalog())
    assert all(len(texts) == 1 for texts in instructions.values())


def test_same_seed_gives_identical_bytes_whatever_the_worker_count(full: Path, tmp_path: Path) -> None:
    proc = generate(tmp_path / "again", "--workers", "1", "--tasks", SUBSET)
    assert proc.returncode == 0, proc.stderr
    again = sorted((tmp_path / "again").iterdir())
    assert len(again) == SUBSET_FILES
    for path in again:
        assert path.read_bytes() == (full / path.name).read_bytes(), path.name

    other = generate(tmp_path / "seed1", "--workers", "1", "--tasks", SUBSET, seed=1)
    assert other.returncode == 0, other.stderr
    for path in again:
        assert (tmp_path / "seed1" / path.name).read_bytes() != path.read_bytes()


def test_a_smaller_scale_is_a_prefix_of_a_larger_one(full: Path, tmp_path: Path) -> None:
    proc = generate(tmp_path, "--workers", "1", "--tasks", "MeDAL", scale=SCALE / 4)
    assert proc.returncode == 0, proc.stderr
    small = read_jsonl(tmp_path / "MeDAL_train.json")
    assert len(small) == 750
    assert small == read_jsonl(full / "MeDAL_train.json")[:750]


def test_array_and_gzip_formats_hold_the_same_rows(full: Path, tmp_path: Path) -> None:
    proc = generate(tmp_path, "--workers", "2", "--tasks", SUBSET, "--format", "array", "--gzip")
    assert proc.returncode == 0, proc.stderr
    names = sorted(p.name for p in tmp_path.iterdir())
    assert len(names) == SUBSET_FILES and all(n.endswith(".json.gz") for n in names)
    for name in names:
        with gzip.open(tmp_path / name, "rt", encoding="utf-8") as f:
            rows = json.load(f)
        assert rows == read_jsonl(full / name[: -len(".gz")])
    assert digest(tmp_path) == ARRAY_GZIP_DIGEST


def test_unknown_task_is_an_error(tmp_path: Path) -> None:
    proc = generate(tmp_path, "--tasks", "MedQA,NoSuchTask")
    assert proc.returncode != 0
    assert "NoSuchTask" in proc.stderr


def mean_input(full: Path, stem: str) -> float:
    rows = read_jsonl(full / f"{stem}.json")
    return sum(len(r["input"]) for r in rows) / len(rows)


def test_input_lengths_vary_by_category(full: Path) -> None:
    assert 1000 <= mean_input(full, "Multi-XScience_train") <= 2600
    assert 500 <= mean_input(full, "MedQA_train") <= 1500
    assert 200 <= mean_input(full, "MeDAL_train") <= 400
    assert 100 <= mean_input(full, "SciELO_train") <= 400
    for row in read_jsonl(full / "SciELO_train.json"):  # one sentence
        assert "\n" not in row["input"] and row["input"].count(".") == 1


def test_outputs_have_the_shape_of_their_category(full: Path) -> None:
    for task in ("BIOSSES", "UMNSRS", "MQP"):
        assert {r["output"] for r in read_jsonl(full / f"{task}_train.json")} <= set("012345")

    for row in read_jsonl(full / "tmVar-v1_train.json"):  # NER: [mention <Type>] with a declared type
        types = set(re.findall(r"Types are \[(.*?)\]", row["instruction"])[0].split(", "))
        spans = re.findall(r"\[([^\[\]]+) <([^<>]+)>\]", row["output"])
        assert " ".join(f"[{m} <{t}>]" for m, t in spans) == row["output"]
        assert all(t in types and m in row["input"] for m, t in spans)

    for row in read_jsonl(full / "NCBI-disease_train.json"):  # BIO: one tag per input token
        tagged = re.findall(r"(\S+) \[([BIO])\]", row["output"])
        assert [w for w, _ in tagged] == row["input"].split(" ")

    for row in read_jsonl(full / "MeDAL_train.json"):  # abbreviation = initials of the expansion
        abbr = row["input"].rsplit("Abbreviation: ", 1)[1]
        assert abbr == "".join(w[0] for w in row["output"].split()).upper()
        assert f" {abbr} " in row["input"]

    labels = {r["output"] for r in read_jsonl(full / "SciCite_train.json")}
    assert labels <= {"background", "method", "result"} and len(labels) > 1


def test_text_search_has_hits_and_misses(full: Path) -> None:
    inputs = [r["input"].lower() for r in read_jsonl(full / "MeDAL_train.json")]
    assert sum("protein" in text for text in inputs) > 3
    assert not any("zebrafish" in text for text in inputs)
