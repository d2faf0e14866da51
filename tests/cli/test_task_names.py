"""Task names: an exact name (any case), a prefix of one task or its words never ask, on a terminal (a real
pseudo-terminal) or in a script; loose matches offer the tasks whose words the query starts first."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from medinst_tui import catalog
from medinst_tui.catalog import resolve_name
from tests.pty_run import run_on_pty

ALL = list(catalog.tasks())


@pytest.mark.parametrize(
    ("query", "names", "expected", "how"),
    [
        ("NCBI-disease", ALL, "NCBI-disease", "exact"),
        ("ncbi-DISEASE", ALL, "NCBI-disease", "exact"),
        ("biosses", ALL, "BIOSSES", "exact"),
        ("ncbi", ALL, "NCBI-disease", "prefix"),  # NCBI-disease-NED extends it
        ("ncbi", [*ALL, "NCBI-disease-zs"], "NCBI-disease", "prefix"),
        ("medq", ALL, "MedQA", "prefix"),
        ("BioASQ-Task-B-yes", [*ALL, "BioASQ-Task-B-yesno-zs"], "BioASQ-Task-B-yesno", "prefix"),
        ("bc5", ALL, "BC5CDR", "prefix"),
        ("bc5 re", ALL, "BC5CDR-RE", "words"),
        ("ncbi ned", ALL, "NCBI-disease-NED", "words"),
        ("BioASQ-Task-B-yesno-zs", [*ALL, "BioASQ-Task-B-yesno-zs"], "BioASQ-Task-B-yesno-zs", "exact"),
    ],
)
def test_names_that_resolve_without_asking(query: str, names: list[str], expected: str, how: str) -> None:
    found = resolve_name(query, names)
    assert (found.name, found.how) == (expected, how)


@pytest.mark.parametrize(
    ("query", "candidates"),
    [
        (
            "bioasq",
            {"BioASQ-Task-B-yesno", "BioASQ-Task-B-list", "BioASQ-Task-B-factoid", "BioASQ-Task-B-summary"},
        ),
        ("tmvar", {"tmVar-v1", "tmVar-v2", "tmVar-v3", "tmVar-v2-NED", "tmVar-v3-NED"}),
        ("pubmedqa", {"PubMedQA-artificial", "PubMedQA-labeled"}),
    ],
)
def test_ambiguous_prefixes_offer_exactly_the_tasks_they_start(query: str, candidates: set[str]) -> None:
    found = resolve_name(query, ALL)
    assert found.name is None and set(found.candidates) == candidates


def test_word_prefixes_rank_first_so_ncbi_never_offers_biosses() -> None:
    ranked = [name for name, _ in catalog.fuzzy_tasks("ncbi", limit=10)]
    assert ranked[:2] == ["NCBI-disease", "NCBI-disease-NED"]
    assert ranked.index("BIOSSES") > 1 if "BIOSSES" in ranked else True
    # a query that is no prefix at all falls back to fuzzy candidates
    typo = resolve_name("NCIB-disease", ALL)
    assert typo.name is None and typo.how == "fuzzy" and typo.candidates[0] == "NCBI-disease"
    assert "BIOSSES" not in resolve_name("ncbi", ["BIOSSES", "NCBI-disease", "NCBI-disease-NED"]).candidates


# -- the CLI, in a script and on a terminal --------------------------------------------------------------
@pytest.fixture
def index(demo_db: Path, isolated_dirs: Path) -> Path:
    path = isolated_dirs / "data" / "index.duckdb"
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(demo_db, path)
    return path


def medinst(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "medinst_tui", *args],
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
        env=dict(os.environ),
    )


def test_a_script_needs_no_yes_for_a_prefix_or_another_case(index: Path) -> None:
    done = medinst("show", "ncbi", "-n", "1")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("NCBI-disease ") and "matched 'NCBI-disease'" in done.stderr
    exact = medinst("show", "ncbi-DISEASE", "-n", "1")
    assert exact.returncode == 0 and exact.stdout.startswith("NCBI-disease ") and exact.stderr == ""


def test_an_ambiguous_name_in_a_script_is_one_line_without_biosses(index: Path) -> None:
    done = medinst("show", "pubmedqa", "-n", "1")
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2 and len(lines) == 1, done.stderr
    assert "PubMedQA-artificial" in lines[0] and "PubMedQA-labeled" in lines[0] and "BIOSSES" not in lines[0]
    taken = medinst("show", "pubmedqa", "-n", "1", "--yes")
    assert taken.returncode == 0 and taken.stdout.startswith("PubMedQA-")


def test_a_terminal_is_not_asked_about_a_prefix(index: Path) -> None:
    code, text = run_on_pty(["show", "ncbi", "-n", "1"], timeout=60)  # a question would time out
    assert code == 0, text
    assert ": use " not in text and "NCBI-disease" in text  # the question reads "--task X: use Y?"
