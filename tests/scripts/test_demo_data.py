"""The bundled demo data set: well-formed files, the coverage it claims, gold outputs consistent with
their inputs, and a generator that reproduces the committed files byte for byte.

Everything is checked against the committed files and the catalog CSV directly (no project code), so
these tests say what the data is, whatever the indexer does with it.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import re
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "medinst_tui" / "demo_data"
GENERATOR = REPO / "scripts" / "make_demo_data.py"
CATALOG = REPO / "medinst_tui" / "data" / "tasks.csv"
FILE_NAME = re.compile(r"^(?P<task>.+)_(?P<split>train|dev|test)\.json$")
SPLITS = ("train", "dev", "test")
FIELDS = {"instruction", "input", "output"}
BRACKET_CATEGORIES = {"NER", "NED", "RE", "EE", "COREF"}

Row = dict[str, object]


def read_jsonl(path: Path) -> list[Row]:
    rows: list[Row] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        value = json.loads(line)
        assert isinstance(value, dict), f"{path.name}:{number} is not a JSON object"
        rows.append(value)
    return rows


def text(row: Row, field: str) -> str:
    value = row[field]
    assert isinstance(value, str)
    return value


def load_catalog() -> dict[str, dict[str, str]]:
    with CATALOG.open(newline="", encoding="utf-8") as handle:
        return {row["name"]: row for row in csv.DictReader(handle)}


def medinst_files() -> dict[tuple[str, str], Path]:
    files: dict[tuple[str, str], Path] = {}
    for path in sorted((DEMO / "medinst").iterdir()):
        match = FILE_NAME.match(path.name)
        assert match, f"unexpected file {path.name}"
        files[(match["task"], match["split"])] = path
    return files


def demo_tasks() -> list[str]:
    return sorted({task for task, _ in medinst_files()})


def in_medinst32(task: str) -> bool:
    return load_catalog()[task]["in_medinst32_test"] == "true"


def top_level_spans(output: str) -> list[str]:
    """The bracketed spans, as the entity metric reads them (nested brackets stay inside)."""
    spans: list[str] = []
    depth = 0
    current: list[str] = []
    for char in output:
        if char == "[":
            if depth:
                current.append(char)
            depth += 1
        elif char == "]":
            if not depth:
                current = []
                continue
            depth -= 1
            if depth:
                current.append(char)
            else:
                spans.append("".join(current))
                current = []
        elif depth:
            current.append(char)
    return spans


def options_of(source: str) -> list[str] | None:
    match = re.search(r"\nOptions: (.+)$", source)
    return match.group(1).split(" / ") if match else None


# --------------------------------------------------------------------------- well-formed files


def test_every_line_is_a_json_object_with_string_fields() -> None:
    files = sorted(DEMO.glob("medinst*/**/*.json"))
    assert len(files) > 100
    for path in files:
        rows = read_jsonl(path)
        assert rows, f"{path} is empty"
        few_shot = path.parent.name == "unseen_tests"
        for row in rows:
            assert set(row) == (FIELDS | {"history"} if few_shot else FIELDS), path
            for field in FIELDS:
                assert text(row, field).strip(), f"{path.name}: empty {field}"


def test_readme_says_synthetic_and_not_medinst() -> None:
    readme = (DEMO / "README.md").read_text(encoding="utf-8")
    assert "synthetic" in readme.lower()
    assert "not MEDINST" in readme
    for task in demo_tasks():
        assert f"| {task} |" in readme


def test_total_size_stays_near_two_megabytes() -> None:
    size = sum(path.stat().st_size for path in DEMO.rglob("*") if path.is_file())
    assert size < 2_100_000


# --------------------------------------------------------------------------- coverage claims


def test_task_names_are_catalog_names_and_cover_every_category() -> None:
    catalog = load_catalog()
    tasks = demo_tasks()
    unknown = [t for t in tasks if t not in catalog]
    assert not unknown
    per_category = Counter(catalog[t]["category"] for t in tasks)
    catalog_per_category = Counter(row["category"] for row in catalog.values())
    assert set(per_category) == set(catalog_per_category)
    assert len(per_category) == 12
    for category, available in catalog_per_category.items():
        # at least two tasks, or every task the catalog has (TEXTPAIRCLASS has only Medical-Data)
        assert per_category[category] >= min(2, available), category
    assert catalog_per_category["TEXTPAIRCLASS"] == 1


def test_every_task_has_all_three_splits_of_sensible_size() -> None:
    files = medinst_files()
    for task in demo_tasks():
        sizes = {split: len(read_jsonl(files[(task, split)])) for split in SPLITS}
        assert sizes["train"] >= 30 and sizes["dev"] >= 5 and sizes["test"] >= 20, (task, sizes)
    medqa = {split: len(read_jsonl(files[("MedQA", split)])) for split in SPLITS}
    assert medqa["train"] >= 60 and medqa["test"] >= 30


def test_the_named_benchmark_tasks_are_present_and_mostly_medinst32() -> None:
    tasks = demo_tasks()
    assert {"MedQA", "NCBI-disease", "BC5CDR"} <= set(tasks)
    catalog = load_catalog()
    m32_categories = {catalog[t]["category"] for t in tasks if in_medinst32(t)}
    # every category that has a MEDINST32 task has one among the demo tasks
    assert m32_categories == {
        row["category"] for row in catalog.values() if row["in_medinst32_test"] == "true"
    }


def test_one_instruction_per_task_and_no_input_shared_between_splits() -> None:
    files = medinst_files()
    for task in demo_tasks():
        rows = {split: read_jsonl(files[(task, split)]) for split in SPLITS}
        instructions = {text(r, "instruction") for split_rows in rows.values() for r in split_rows}
        assert len(instructions) == 1, task
        inputs = [text(r, "input") for split_rows in rows.values() for r in split_rows]
        assert len(inputs) == len(set(inputs)), f"{task}: repeated input"


# --------------------------------------------------------------------------- MEDINST32 layout


def test_medinst32_files_exist_exactly_for_medinst32_tasks() -> None:
    expected = {f"{t}_test.json" for t in demo_tasks() if in_medinst32(t)}
    assert len(expected) >= 12
    for sub in ("unseen_tests", "unseen_tests_zs"):
        assert {p.name for p in (DEMO / "medinst32" / sub).iterdir()} == expected


def test_few_shot_rows_carry_two_string_pairs_and_zero_shot_twins_match() -> None:
    for path in sorted((DEMO / "medinst32" / "unseen_tests").iterdir()):
        few_shot = read_jsonl(path)
        zero_shot = read_jsonl(DEMO / "medinst32" / "unseen_tests_zs" / path.name)
        medinst_test = read_jsonl(DEMO / "medinst" / path.name)
        assert zero_shot == medinst_test, path.name
        assert [{k: v for k, v in row.items() if k != "history"} for row in few_shot] == zero_shot
        for row in few_shot:
            history = row["history"]
            assert isinstance(history, list) and len(history) == 2
            for pair in history:
                assert isinstance(pair, list) and len(pair) == 2
                assert all(isinstance(part, str) and part for part in pair)


def test_demonstrations_are_train_rows_of_other_tasks_of_the_same_category() -> None:
    catalog = load_catalog()
    files = medinst_files()
    by_prompt: dict[str, tuple[str, str]] = {}
    for (task, split), path in files.items():
        if split == "train":
            for row in read_jsonl(path):
                by_prompt[f"{text(row, 'instruction')}\n{text(row, 'input')}"] = (task, text(row, "output"))
    sources: dict[str, set[str]] = defaultdict(set)
    for path in sorted((DEMO / "medinst32" / "unseen_tests").iterdir()):
        task = path.name.removesuffix("_test.json")
        for row in read_jsonl(path):
            history = row["history"]
            assert isinstance(history, list)
            for user, assistant in history:
                assert user in by_prompt, f"{task}: demonstration is not a train row"
                source, output = by_prompt[user]
                assert source != task
                assert catalog[source]["category"] == catalog[task]["category"]
                assert assistant == output
                sources[task].add(source)
    # the pools prefer MEDINST32's training side: tasks outside the benchmark
    assert all(not in_medinst32(s) for used in sources.values() for s in used)
    assert sources["MedQA"] and sources["NCBI-disease"] and sources["BC5CDR"]


# --------------------------------------------------------------------------- gold outputs


def all_rows(task: str) -> list[Row]:
    files = medinst_files()
    return [row for split in SPLITS for row in read_jsonl(files[(task, split)])]


def test_bio_outputs_have_one_tag_per_input_token() -> None:
    catalog = load_catalog()
    bio_tasks = [t for t in demo_tasks() if re.search(r" \[[BIO]\]$", text(all_rows(t)[0], "output"))]
    # the catalog's BIO-scored benchmark tasks are among them
    assert {t for t in demo_tasks() if catalog[t]["medinst32_metric_type"] == "bio"} <= set(bio_tasks)
    assert {"NCBI-disease", "BC5CDR"} <= set(bio_tasks)
    tagged = re.compile(r"(\S+) \[([BIO])\]")
    for task in bio_tasks:
        for row in all_rows(task):
            output = text(row, "output")
            pairs = tagged.findall(output)
            assert " ".join(f"{w} [{t}]" for w, t in pairs) == output, task
            assert [w for w, _ in pairs] == text(row, "input").split(), task
            tags = [t for _, t in pairs]
            assert "B" in tags, f"{task}: a sentence with no entity"
            assert all(
                not (tag == "I" and prev == "O") for prev, tag in zip(["O", *tags], tags, strict=False)
            )


def test_bracket_outputs_only_mention_text_of_the_input() -> None:
    catalog = load_catalog()
    relation = re.compile(r"^<(.+?)> <(.+?)> <(.+)>$")
    typed = re.compile(r"^(.*\S) <([^<>]+)>$")
    checked = Counter[str]()
    for task in demo_tasks():
        category = catalog[task]["category"]
        if category not in BRACKET_CATEGORIES:
            continue
        for row in all_rows(task):
            source, output, instruction = text(row, "input"), text(row, "output"), text(row, "instruction")
            spans = top_level_spans(output)
            if not spans:
                continue  # plain answers (MeDAL's expansions) and BIO rows are checked elsewhere
            if " [B]" in output or " [O]" in output:
                continue
            cursor = 0
            for span in spans:
                if category in ("RE", "EE"):
                    match = relation.match(span)
                    assert match, f"{task}: {span!r}"
                    if category == "RE":  # [<entity1> <relation> <entity2>]
                        first, label, second = match.groups()
                    else:  # [<type> <trigger> <theme entity>]
                        label, first, second = match.groups()
                    assert first in source and second in source, f"{task}: {span!r}"
                    assert label in instruction, f"{task}: {label!r} not offered"
                elif category == "COREF":
                    assert span in source.split("\nEntity: ")[0], f"{task}: {span!r}"
                else:
                    match = typed.match(span)
                    assert match, f"{task}: {span!r}"
                    mention, kind = match.groups()
                    # entities are listed in order of appearance, each occurrence once
                    found = source.find(mention, cursor)
                    assert found >= 0, f"{task}: {mention!r} not in order in {source!r}"
                    cursor = found + len(mention)
                    if category == "NER":
                        assert kind in instruction, f"{task}: type {kind!r} not offered"
                    else:
                        assert re.fullmatch(r"(MESH|NCBIGene|dbSNP)/\w+", kind), f"{task}: {kind!r}"
                checked[task] += 1
    assert len(checked) >= 12
    assert all(count >= 50 for count in checked.values())


def test_outputs_fit_each_task_metric_family() -> None:
    catalog = load_catalog()
    for task in demo_tasks():
        metric = catalog[task]["medinst32_metric_type"]
        category = catalog[task]["category"]
        for row in all_rows(task):
            source, output, instruction = text(row, "input"), text(row, "output"), text(row, "instruction")
            options = options_of(source)
            if options is not None:
                assert output in options and len(options) == len(set(options)), task
            if metric == "em" and category == "QA":
                assert options is not None and len(options) >= 4
            if (metric == "cls" or category in ("TE", "TEXTPAIRCLASS")) and options is None:
                assert output.lower() in instruction.lower(), f"{task}: label {output!r} not offered"
            if metric == "multicls":
                labels = output.split(", ")
                assert len(labels) == len(set(labels)) and all(label in instruction for label in labels)
            if category == "STS":
                assert re.fullmatch(r"[0-5]", output), f"{task}: {output!r}"
            if metric == "entity":
                assert top_level_spans(output), task


def test_translation_tasks_carry_non_ascii_text() -> None:
    catalog = load_catalog()
    transl = [t for t in demo_tasks() if catalog[t]["category"] == "TRANSL"]
    assert len(transl) >= 2
    for task in transl:
        assert any(not (text(r, "input") + text(r, "output")).isascii() for r in all_rows(task)), task
    assert all(re.search(r"[\u4e00-\u9fff]", text(r, "input")) for r in all_rows("ParaMed"))


# --------------------------------------------------------------------------- the generator


def test_generator_reproduces_the_committed_files_byte_for_byte(tmp_path: Path) -> None:
    subprocess.run([sys.executable, str(GENERATOR), "--out", str(tmp_path)], check=True, capture_output=True)
    generated = {p.relative_to(tmp_path): p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    committed = {p.relative_to(DEMO): p.read_bytes() for p in DEMO.rglob("*") if p.is_file()}
    assert sorted(generated) == sorted(committed)
    changed = [str(path) for path in generated if generated[path] != committed[path]]
    assert not changed, f"rerun scripts/make_demo_data.py: {changed[:5]}"


def load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_demo_data", GENERATOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_a_vocabulary_file_of_the_wrong_shape_fails_naming_the_file_and_key(tmp_path: Path) -> None:
    load_generator()  # puts scripts/ (the medinst_synth package) on sys.path
    vocab = importlib.import_module("medinst_synth.vocab")
    bad = {"drugs": ["aspirin", 3], "pairs": [["a", "b", "c"]]}
    (tmp_path / "bad.json").write_text(json.dumps(bad), encoding="utf-8")
    table = vocab.Table("bad", root=tmp_path)
    with pytest.raises(ValueError, match=r"bad\.json: drugs: expected a string, got 3"):
        table.strs("drugs")
    with pytest.raises(ValueError, match="expected 2 strings"):
        table.pairs("pairs")
    with pytest.raises(ValueError, match="no 'missing'"):
        table.strs("missing")


def test_generator_refuses_a_task_the_catalog_does_not_have(tmp_path: Path) -> None:
    generator = load_generator()
    catalog = generator.load_catalog(CATALOG)
    del catalog["MedQA"]
    with pytest.raises(ValueError, match="MedQA"):
        generator.generate(tmp_path, catalog)
    assert not list(tmp_path.rglob("*.json"))


def test_generator_removes_stale_files_from_an_earlier_run(tmp_path: Path) -> None:
    generator = load_generator()
    stale = tmp_path / "medinst" / "Retired-Task_train.json"
    stale.parent.mkdir(parents=True)
    stale.write_text("{}\n", encoding="utf-8")
    written = generator.generate(tmp_path)
    assert not stale.exists()
    assert sorted(p for p in tmp_path.rglob("*") if p.is_file()) == written
