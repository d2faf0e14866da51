"""Text search through the search index: semantics, counts, facets, paging, and consistency with samples.

README: "The app" (search) and "How the index works". Every test builds a real index file. The expected
answers come from an oracle that reads the rows straight from `samples` (plain DuckDB, no search code)
and matches them in Python (search_highlight's patterns over the whole text), so the index's postings are
checked against the rows they claim to describe, also after --add, re-indexing and an interrupted build.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import duckdb
import pytest

from medinst_tui.sources.files import SourceFile
from medinst_tui.sources.specs import local_source
from medinst_tui.store.browse import previews_at
from medinst_tui.store.export import export
from medinst_tui.store.filters import Filter
from medinst_tui.store.index import SEARCH_BACKEND_INDEX, SEARCH_BACKEND_SCAN, Index
from medinst_tui.store.ingest import build_index
from medinst_tui.store.search_highlight import fold, highlighter
from medinst_tui.store.search_query import SearchSyntaxError, split_terms
from tests.helpers import write_jsonl

FILLER = [
    "patients",
    "cells",
    "protein",
    "kinase",
    "binding",
    "expression",
    "levels",
    "treated",
    "study",
    "results",
    "increased",
    "liver",
    "the",
    "of",
    "and",
    "in",
    "to",
    "with",
    "was",
    "were",
    "tumor",
    "insulin",
    "dose",
    "response",
    "serum",
]

# (input, output) pairs planted among the filler rows: each is the case a query below is about.
PLANTED = [
    ("BRAF V600E mutation in melanoma", "positive"),
    ("no mutation found", "v600e"),  # only in the output
    ("Mutations of BRCA1, TP53 and (BRCA1) again", "BRCA1"),
    ("Crème brûlée after surgery", "dessert"),
    ("CRÈME fraîche", "creme"),
    ("the Straße was closed", "strasse"),
    ("hepatitis B and hepatocyte injury", "hepatic"),
    ("Hepatology clinic visit", "none"),
    ("IL-6 was raised", "IL 6 high"),
    ("IL6 is another word", "il6"),
    ("zorbic quandase C activity", "zorbic, quandase"),
    ("quandase zorbic reversed order", "x"),
    ("本研究共纳入27例乳腺癌患者。", "乳腺癌"),
    ("mucoferinose is a made-up word", "y"),
    ("the of and", "the"),  # stopwords only
    # a phrase inside one token (indexed as the phrase too) vs the same words apart or in another order
    ("SARS-CoV-2 outbreak report", "x"),
    ("sars cov 2 spelled apart", "x"),
    ("cov then sars then 2", "x"),
    ("dose 5 mg/kg daily", "x"),
    ("kg/mg inverted", "x"),
    ("10 mg/kg/day", "x"),
    ("SARS-CoV-2 at 5 mg/kg", "x"),
    ("quux-zib assay", "quux-zib"),  # only ever inside one token: the index alone answers it
]
QUERIES = [
    "V600E",
    "v600e",
    "input:V600E",
    "output:v600e",
    "BRCA1",
    "brca1 tp53",
    "creme",
    "CRÈME",
    "brulee",
    "strasse",
    "hepat*",
    "Hepat* injury",
    "IL-6",
    "il6",
    '"protein kinase"',
    '"zorbic quandase"',
    '"quandase zorbic"',
    "protein kinase",
    '"IL 6"',
    "乳腺癌",
    "*ferino*",
    "*KINASE C*",
    "the",
    "the mutation",
    "qzxvbkwj",
    "cells liver",
    "instruction:classify",
    "instruction:classify protein",
    "instruction:label",
    "instruction:*nothing*",
    "output:kinase",
    '"SARS-CoV-2"',
    "sars-cov-2",
    '"sars cov 2"',
    '"cov sars"',
    '"cov 2"',
    "mg/kg",
    '"kg mg"',
    '"mg kg day"',
    "SARS-CoV-2 mg/kg",
    "quux-zib",
    'output:"quux zib"',
    '"zib quux"',
]


def _make_rows(task: str, n: int, rng: random.Random, planted: list[tuple[str, str]]) -> list[dict[str, str]]:
    rows = []
    for i in range(n):
        text = " ".join(rng.choice(FILLER) for _ in range(8))
        instruction = f"Classify the {task} text."
        rows.append({"instruction": instruction, "input": f"{task} {i} {text}", "output": rng.choice(FILLER)})
    for k, (inp, out) in enumerate(planted):
        at = rng.randrange(len(rows))
        # a second instruction in the same task: an instruction scope that covers part of it
        instruction = "Label the entities." if k % 3 == 0 else f"Classify the {task} text."
        rows.insert(at, {"instruction": instruction, "input": f"{task} {inp}", "output": out})
    return rows


def _write_source(root: Path, sizes: dict[tuple[str, str], int], seed: int) -> Path:
    rng = random.Random(seed)
    for (task, split), n in sizes.items():
        write_jsonl(root / f"{task}_{split}.json", _make_rows(task, n, rng, PLANTED))
    return root


def _oracle(db: Path, query: str, f: Filter | None = None) -> list[int]:
    """The ids whose rows match, read straight from samples and matched in Python."""
    f = f or Filter()
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute(
            "SELECT id, task, split, category, instruction, input, output FROM samples"
        ).fetchall()
    finally:
        con.close()
    h = highlighter(query)
    terms = split_terms(query)
    hits = []
    for row_id, task, split, category, instruction, inp, out in rows:
        if (f.tasks and task not in f.tasks) or (f.splits and split not in f.splits):
            continue
        if f.categories and category not in f.categories:
            continue
        fields = {"instruction": instruction, "input": inp, "output": out}
        ok = True
        for (scope, _body, _quoted), pattern in zip(terms, h.patterns, strict=True):
            single = type(h)((pattern,))
            where = [scope] if scope else ["input", "output"]
            if not any(single.spans(fields[w], w) for w in where):
                ok = False
                break
        if ok:
            hits.append(int(row_id))
    return sorted(hits)


@pytest.fixture(scope="module")
def planted_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("search")
    # more than 65,536 rows: matches sit in several blocks of the postings
    sizes = {("NCBI-disease", "train"): 70_000, ("NCBI-disease", "test"): 300, ("MedQA", "dev"): 500}
    _write_source(root / "src", sizes, seed=1)
    db = root / "index.duckdb"
    build_index(db, [local_source(root / "src")])
    return db


@pytest.mark.parametrize("query", QUERIES)
def test_search_answers_what_the_rows_hold(planted_db: Path, query: str) -> None:
    expected = _oracle(planted_db, query)
    with Index(planted_db) as index:
        assert index.search_backend == SEARCH_BACKEND_INDEX
        f = Filter(search=query)
        assert index.count(f) == len(expected)
        assert sum(index.facets(f).by_task().values()) == len(expected)
        seen: list[int] = []
        after = -1
        size = max(7, len(expected) // 10)  # small pages, a dozen of them for the common matches
        while page := index.page(f, after_id=after, limit=size):
            seen += [r.id for r in page]
            after = page[-1].id
        assert seen == expected


def test_the_planted_cases_mean_what_the_readme_says(planted_db: Path) -> None:
    def inputs(query: str) -> set[str]:
        with Index(planted_db) as index:
            return {r.input.split(" ", 1)[1] for r in index.page(Filter(search=query), limit=1000)}

    assert inputs("v600e") == {"BRAF V600E mutation in melanoma", "no mutation found"}  # case, either field
    assert inputs("output:V600E") == {"no mutation found"}
    assert inputs("creme") == {"Crème brûlée after surgery", "CRÈME fraîche"}  # accents folded
    assert inputs("strasse") == {"the Straße was closed"}  # ß spelled out
    assert inputs("hepat*") == {"hepatitis B and hepatocyte injury", "Hepatology clinic visit"}
    assert inputs("IL-6") == {"IL-6 was raised"}  # "IL 6" is in that row's output as well
    assert inputs('"IL 6"') == {"IL-6 was raised"}
    assert inputs("il6") == {"IL6 is another word"}  # a word of its own
    assert inputs('"quandase zorbic"') == {"quandase zorbic reversed order"}  # a phrase keeps its order
    assert inputs('"zorbic quandase"') == {"zorbic quandase C activity"}  # its output "zorbic, quandase" too
    assert inputs("乳腺癌") == {"本研究共纳入27例乳腺癌患者。"}
    assert inputs("*ferino*") == {"mucoferinose is a made-up word"}  # a fragment inside a word
    assert inputs("mucoferin") == set()  # a word is a whole word
    assert inputs("brca1 tp53") == {"Mutations of BRCA1, TP53 and (BRCA1) again"}  # AND
    # one token or separate words, the phrase is the same; other orders are not
    sars = {"SARS-CoV-2 outbreak report", "sars cov 2 spelled apart", "SARS-CoV-2 at 5 mg/kg"}
    assert inputs("SARS-CoV-2") == inputs('"sars cov 2"') == sars
    assert inputs('"cov sars"') == set()
    assert inputs("mg/kg") == {"dose 5 mg/kg daily", "10 mg/kg/day", "SARS-CoV-2 at 5 mg/kg"}
    assert inputs('"kg mg"') == {"kg/mg inverted"}
    assert inputs("sars-cov-2 mg/kg") == {"SARS-CoV-2 at 5 mg/kg"}


def test_plans_say_what_the_index_answers(planted_db: Path) -> None:
    queries = (
        "V600E",
        "hepat*",
        '"protein kinase"',
        "*ferin*",
        "the",
        "instruction:label",
        "instruction:the",
        "quux-zib",
        "mg/kg",
    )
    with Index(planted_db) as index:
        mode = {q: index.search_plan(Filter(search=q)).mode for q in queries}
    assert mode == {
        "V600E": "index",
        "hepat*": "index",
        '"protein kinase"': "index + check",  # the words from the index, their order from the rows
        "*ferin*": "scan",
        "the": "scan",  # stopwords are not indexed
        "instruction:label": "scan",  # part of each task: those tasks' rows are read
        "instruction:the": "filter",  # every instruction of the tasks: their blocks, nothing read
        "quux-zib": "index",  # every row holding both words holds the phrase in one token
        "mg/kg": "index + check",  # "kg/mg" holds both words too: those rows are read
    }


def test_search_within_a_filter_and_positions(planted_db: Path) -> None:
    f = Filter(tasks=("NCBI-disease",), splits=("train",), search="protein")
    expected = _oracle(planted_db, "protein", f)
    with Index(planted_db) as index:
        assert index.count(f) == len(expected)
        assert index.facets(f).by_split() == {"train": len(expected)}
        for position in (0, 1, 999, len(expected) - 1):
            assert index.id_at(f, position) == expected[position]
            assert [p.id for p in previews_at(index, f, position, 3)] == expected[position : position + 3]
        assert index.id_at(f, len(expected)) is None


def test_export_sample_and_stats_of_a_search(planted_db: Path, tmp_path: Path) -> None:
    expected = _oracle(planted_db, "hepat*")
    with Index(planted_db) as index:
        f = Filter(search="hepat*")
        result = export(index, f, str(tmp_path / "out.jsonl"))
        lines = [json.loads(x) for x in (tmp_path / "out.jsonl").read_text().splitlines()]
        drawn = index.sample(f, 2, seed=3)
        again = index.sample(f, 2, seed=3)
    assert result.rows == len(lines) == len(expected)
    assert all("hepat" in fold(r["input"] + r["output"])[0] for r in lines)
    assert [r.id for r in drawn] == [r.id for r in again] and {r.id for r in drawn} <= set(expected)


def test_a_query_with_nothing_to_search_is_a_clear_error(planted_db: Path) -> None:
    with Index(planted_db) as index, pytest.raises(SearchSyntaxError):
        index.count(Filter(search="input:"))


def test_the_index_follows_add_reindex_and_an_interrupted_build(tmp_path: Path) -> None:
    a = _write_source(tmp_path / "a", {("MedQA", "train"): 66_000, ("MedQA", "test"): 50}, seed=2)
    b = _write_source(tmp_path / "b", {("SciQ", "test"): 400}, seed=3)
    db = tmp_path / "i.duckdb"
    probes = ["v600e", "hepat*", '"protein kinase"', "sciq", "medqa", "brand_new_word"]

    def check() -> None:
        with Index(db) as index:
            for q in probes:
                assert [r.id for r in index.page(Filter(search=q), limit=100_000)] == _oracle(db, q), q

    build_index(db, [local_source(a)])
    check()
    build_index(db, [local_source(b)], add=True)
    check()
    # re-indexing a source with new content: its old rows (and their postings) go, the new ones come
    write_jsonl(a / "MedQA_test.json", [{"instruction": "i", "input": "brand_new_word here", "output": "o"}])
    build_index(db, [local_source(a)], add=True)
    check()
    with Index(db) as index:
        assert index.count(Filter(search="brand_new_word")) == 1
    before = db.read_bytes()

    class Interrupt:
        def start(self, total_files: int, total_bytes: int) -> None:
            pass

        def file_started(self, item: SourceFile) -> None:
            raise KeyboardInterrupt

        def file_finished(self, item: SourceFile, rows: int, skipped: int, seconds: float) -> None:
            pass

    with pytest.raises(KeyboardInterrupt):
        build_index(db, [local_source(b)], add=True, progress=Interrupt())
    assert db.read_bytes() == before
    check()
    # without --add: only this source, and its postings only
    build_index(db, [local_source(b)])
    check()


def test_an_index_without_the_search_index_still_searches_by_scanning(tmp_path: Path) -> None:
    src = _write_source(tmp_path / "src", {("MedQA", "test"): 200}, seed=4)
    db = tmp_path / "i.duckdb"
    build_index(db, [local_source(src)], search_index=False)
    with Index(db) as index:
        assert index.search_backend == SEARCH_BACKEND_SCAN
        assert index.count(Filter(search="mucoferinose")) == 1
    build_index(db, [local_source(src)], add=True)  # --add on it builds the search index for all rows
    with Index(db) as index:
        assert index.search_backend == SEARCH_BACKEND_INDEX
        assert index.count(Filter(search="mucoferinose")) == 1


def test_the_demo_index_searches_by_the_index(demo_db: Path) -> None:
    with Index(demo_db) as index:
        assert index.search_backend == SEARCH_BACKEND_INDEX
        garcia = index.page(Filter(search="garcia"), limit=100)
        assert garcia and all("García" in r.input + r.output for r in garcia)
        assert index.count(Filter(search="garcia")) == index.count(Filter(search="GARCÍA"))
        chinese = index.page(Filter(search="乳腺癌"), limit=100)
        assert chinese and all("乳腺癌" in r.input + r.output for r in chinese)
        for q in ("neumonia", "hepat*", '"chest pain"', "instruction:BIO", "output:aspirin"):
            assert index.count(Filter(search=q)) == len(_oracle(demo_db, q)) > 0, q


def test_highlight_spans_land_on_the_original_text() -> None:
    h = highlighter('creme hepat* "protein kinase" output:il-6 *ferin*')
    text = "Crème and Hepatitis: protein,\nkinase mucoferinose"
    assert [text[a:z] for a, z in h.spans(text, "input")] == [
        "Crème",
        "Hepatitis",
        "protein,\nkinase",
        "ferin",
    ]
    out = "IL-6 high"
    assert [out[a:z] for a, z in h.spans(out, "output")] == ["IL-6"]
    assert h.spans("IL-6 high", "input") == []  # the scope is output only


def test_the_index_command_can_skip_the_search_index(tmp_path: Path) -> None:
    import subprocess
    import sys

    src = _write_source(tmp_path / "src", {("MedQA", "test"): 20}, seed=5)
    for flags, backend in (["--no-search-index"], SEARCH_BACKEND_SCAN), ([], SEARCH_BACKEND_INDEX):
        db = tmp_path / f"i{len(flags)}.duckdb"
        cmd = [sys.executable, "-m", "medinst_tui", "index", "--from", str(src), "--db", str(db), *flags]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
        with Index(db) as index:
            assert index.search_backend == backend
            assert index.count(Filter(search="mucoferinose")) == 1


def test_id_sets_are_numpys_unique_without_its_cost() -> None:
    # sorted_unique / run_counts replace np.unique (numpy 2.4 hashes first: 10x slower at full scale);
    # numpy's own np.unique is the reference, on ids with repeats, runs and unsorted stretches.
    import numpy as np

    from medinst_tui.store.search import intersect_sorted, run_counts, sorted_unique

    rng = np.random.default_rng(7)
    cases = [np.zeros(0, np.int64), np.array([5], np.int64), np.array([3, 3, 3], np.int64)]
    cases += [rng.integers(0, n, size, dtype=np.int64) for n, size in ((10, 50), (1 << 20, 5000), (7, 2))]
    cases.append(np.concatenate([np.arange(100, 0, -1), np.arange(50)]).astype(np.int64))
    for ids in cases:
        assert np.array_equal(sorted_unique(ids), np.unique(ids))
        values, counts = run_counts(np.sort(ids))
        want_values, want_counts = np.unique(ids, return_counts=True)
        assert np.array_equal(values, want_values)
        assert np.array_equal(counts, want_counts)
    sets = [np.unique(ids) for ids in cases]
    sets += [np.arange(0, 10_000, 3), np.arange(0, 10_000, 5)]  # similar sizes: the merge
    sets += [np.array([15, 9_995, 20_000]), np.arange(0, 30_000, 5)]  # one much smaller: the lookup
    for a in sets:
        for b in sets:
            assert np.array_equal(intersect_sorted(a, b), np.intersect1d(a, b, assume_unique=True))
