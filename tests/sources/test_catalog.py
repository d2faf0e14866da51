from __future__ import annotations

import csv
import hashlib
from collections import Counter
from pathlib import Path

from medinst_tui import catalog

PACKAGED = Path(catalog.__file__).resolve().parent / "data" / "tasks.csv"


def test_catalog_has_all_163_tasks_in_12_categories() -> None:
    tasks = catalog.tasks()
    assert len(tasks) == 163
    assert set(catalog.categories()) == {t.category for t in tasks.values()}
    assert len(catalog.categories()) == 12
    assert sum(t.in_medinst32 for t in tasks.values()) == 32


def test_catalog_totals_match_the_paper() -> None:
    tasks = catalog.tasks()
    by_cat = Counter[str]()
    for t in tasks.values():
        by_cat[t.category] += t.total
    assert 9_900_000 < sum(by_cat.values()) < 9_950_000
    assert 5_000_000 < by_cat["NED"] < 5_100_000  # MeDAL alone is 5M
    assert 3_000_000 < by_cat["TRANSL"] < 3_100_000
    assert tasks["MedQA"].metric_type == "em" and tasks["NCBI-disease"].metric_type == "bio"


# sha256 of the 163 task names, one per line in catalog order, as the MEDINST task catalog lists them
# (computed once from that catalog when medinst_tui/data/tasks.csv was copied into the repo).
CATALOG_NAMES_SHA256 = "315a01c93f72b24e1e7f329b3c83c9fd81a9a204d071c485d00b05476c5339e7"


def test_catalog_is_the_medinst_task_list() -> None:
    names = list(catalog.tasks())
    assert hashlib.sha256("\n".join(names).encode()).hexdigest() == CATALOG_NAMES_SHA256
    with open(PACKAGED, encoding="utf-8") as fh:
        assert [row["name"] for row in csv.DictReader(fh)] == names


def test_zero_shot_twins_and_unknown_names() -> None:
    assert catalog.category_of("MedQA-zs") == "QA"
    assert catalog.lookup("MedQA-zs") is catalog.tasks()["MedQA"]
    assert catalog.category_of("NoSuchTask") == catalog.UNKNOWN_CATEGORY


def test_fuzzy_task_picker_finds_loose_names() -> None:
    assert catalog.fuzzy_tasks("ncbi disease")[0][0] == "NCBI-disease"
    assert catalog.fuzzy_tasks("medqa")[0][0] == "MedQA"
    assert catalog.fuzzy_tasks("BC5CDR-RE")[0] == ("BC5CDR-RE", 100.0)


def test_paper_results_carry_table3() -> None:
    results = catalog.paper_results()
    assert len(results) == 32
    assert results["NCBI-disease"].scores["GPT-4o_fewshot"] == 47.57
