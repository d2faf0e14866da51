"""A small MEDINST-shaped index for the TUI tests (deterministic text, real task names and formats).

Built once per test session from JSON Lines files written here; the demo data is not needed.
"""

from __future__ import annotations

import functools
import json
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from medinst_tui.paths import resource_dir
from medinst_tui.sources.files import SourceSpec
from medinst_tui.sources.specs import local_source
from medinst_tui.store.ingest import build_index
from medinst_tui.tui.app import MedinstApp

# A word that occurs in exactly one row: the search test looks for it.
NEEDLE = "zebrafishin"
NEEDLE_TASK = "MedQA"
MEDQA_INSTRUCTION = "Given a question, select the correct answer from the provided options."

SIZES: dict[tuple[str, str], int] = {
    ("NCBI-disease", "train"): 30,
    ("NCBI-disease", "test"): 10,
    ("BC5CDR", "train"): 20,
    ("BC5CDR", "dev"): 5,
    ("BC5CDR", "test"): 5,
    ("BC5CDR-RE", "train"): 12,
    ("MedQA", "train"): 15,
    ("MedQA", "test"): 8,
    ("BioNLP-2009-EE", "train"): 6,
    ("SciCite", "train"): 40,
    ("MeDAL", "train"): 250,
}


def row(task: str, split: str, i: int) -> dict[str, object]:
    if task == "NCBI-disease":
        return {
            "instruction": "Given a sentence, label each disease entity using the BIO format.",
            "input": f"Sentence {i} shows breast cancer in mice .",
            "output": f"Sentence [O] {i} [O] shows [O] breast [B] cancer [I] in [O] mice [O] . [O]",
        }
    if task == "BC5CDR":
        return {
            "instruction": "Extract chemical and disease entities in the format [entity <type>].",
            "input": f"Case {i}: aspirin induced headache in a patient.",
            "output": "[aspirin <Chemical>] [headache <Disease>]",
        }
    if task == "BC5CDR-RE":
        return {
            "instruction": "Extract relations in the format [<entity1> <relation> <entity2>].",
            "input": f"Report {i}: lithium caused tremor.",
            "output": "[lithium <CID> tremor]",
        }
    if task == "MedQA":
        text = (
            f"Question {i}: which drug treats {NEEDLE} fever?"
            if (split, i) == ("test", 3)
            else f"Question {i}?"
        )
        out: dict[str, object] = {
            "instruction": MEDQA_INSTRUCTION,
            "input": text + "\nOptions: aspirin / insulin / warfarin",
            "output": "aspirin" if i % 2 else "insulin",
        }
        if split == "test":
            out["history"] = [["Which hormone lowers glucose?", "insulin"]]
        return out
    if task == "BioNLP-2009-EE":
        return {
            "instruction": "Extract events in the format [<type> <trigger> <theme entity>].",
            "input": f"Text {i}: IL-2 expression binds the receptor.",
            "output": "[Gene_expression expression IL-2]",
        }
    if task == "SciCite":
        return {
            "instruction": "Classify the intent of the citation: [background, method, result].",
            "input": f"Citation context number {i}.",
            "output": ("background", "method", "result")[i % 3] if i % 4 else "background",
        }
    return {
        "instruction": "Expand the abbreviation in the text.",
        "input": f"Abstract {i} mentions the abbreviation ABC.",
        "output": f"alpha beta {i}",
    }


def write_sources(folder: Path) -> SourceSpec:
    folder.mkdir(parents=True, exist_ok=True)
    for (task, split), n in SIZES.items():
        with open(folder / f"{task}_{split}.json", "w", encoding="utf-8") as fh:
            for i in range(n):
                fh.write(json.dumps(row(task, split, i)) + "\n")
    return local_source(folder, name="tui-tests")


@functools.cache
def small_index() -> Path:
    """The index file (built once per session, read-only for every test)."""
    root = Path(tempfile.mkdtemp(prefix="medinst-tui-tests-"))
    db = root / "index.duckdb"
    build_index(db, [write_sources(root / "data")], threads=1)
    return db


def sources_factory(folder: Path) -> list[SourceSpec]:
    return [write_sources(folder)]


async def settle(pilot: Pilot[int], *, rounds: int = 50) -> None:
    """Wait until no worker runs and the messages they posted are handled (their answers may start more)."""
    app = pilot.app
    for _ in range(rounds):
        await app.workers.wait_for_complete()
        await pilot.pause()
        if not any(w.is_running for w in app.workers):
            await pilot.pause()
            if not any(w.is_running for w in app.workers):
                return
    raise AssertionError("workers kept running")


async def wait_for(pilot: Pilot[int], check: Callable[[], bool], *, timeout: float = 10.0) -> None:
    """Wait until `check()` holds while workers may still run (settle would wait for them to end)."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("the app did not get there in time")
        await pilot.pause(0.01)


def make_app(db: Path, config_dir: Path, **kwargs: Any) -> MedinstApp:
    """The app on `db` with its config file under `config_dir` (never the user's)."""
    return MedinstApp(
        db, config_path=config_dir / "config.yaml", theme_dirs=[resource_dir("themes")], **kwargs
    )
