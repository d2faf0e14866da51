"""Turn what the user asked for (--demo, --from PATH, --hub) into named sources for the indexer."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from medinst_tui import catalog
from medinst_tui.paths import PACKAGE_DIR
from medinst_tui.sources.files import Issue, SourceFile, SourceSpec, discover, single_file

DEMO_DIR = PACKAGE_DIR / "demo_data"
DEMO_SOURCE = "demo"


def select(
    files: Iterable[SourceFile],
    tasks: Iterable[str] = (),
    categories: Iterable[str] = (),
    splits: Iterable[str] = (),
) -> list[SourceFile]:
    """Keep the files of the chosen tasks (a `-zs` twin follows its task), categories and splits."""
    task_set, cat_set, split_set = set(tasks), set(categories), set(splits)
    return [
        f
        for f in files
        if (not task_set or catalog.base_task(f.task) in task_set or f.task in task_set)
        and (not cat_set or catalog.category_of(f.task) in cat_set)
        and (not split_set or f.split in split_set)
    ]


def local_source(
    path: Path,
    *,
    task: str | None = None,
    split: str | None = None,
    tasks: Iterable[str] = (),
    categories: Iterable[str] = (),
    splits: Iterable[str] = (),
    name: str | None = None,
) -> SourceSpec:
    path = path.expanduser().resolve()
    if not path.exists():
        raise FileNotFoundError(f"no such file or folder: {path}")
    if task or split:
        if not (task and split and path.is_file()):
            raise ValueError("--task NAME --split S index one alpaca-format file: give both and a file path")
        files = [single_file(path, task, split)]
        issues: list[Issue] = []
    else:
        found, unrecognised = discover(path)
        files = select(found, tasks, categories, splits)
        issues = [Issue(str(u.path), None, u.reason) for u in unrecognised]
    return SourceSpec(name or f"local:{path}", "local", str(path), files, issues)


def demo_sources() -> list[SourceSpec]:
    """The bundled demo set: MEDINST-layout files, with MEDINST32 test rows (history) and -zs twins.

    A MEDINST32 task's test split comes from the MEDINST32 files (they carry the few-shot history), so the
    demo index holds each test row once.
    """
    medinst, _ = discover(DEMO_DIR / "medinst")
    m32, _ = discover(DEMO_DIR / "medinst32")
    m32_tests = {(f.task, f.split) for f in m32}
    files = [f for f in medinst if (f.task, f.split) not in m32_tests] + m32
    order = {"train": 0, "dev": 1, "test": 2}
    files.sort(key=lambda f: (catalog.base_task(f.task), f.task, order[f.split]))
    return [SourceSpec(DEMO_SOURCE, "demo", str(DEMO_DIR), files)]
