"""Source files: which task and split a file holds, and in which format, from MEDINST's own names."""

from __future__ import annotations

import gzip
import re
from dataclasses import dataclass, field
from pathlib import Path

from medinst_tui.catalog import ZS_SUFFIX

SPLIT_ALIASES = {
    "train": "train",
    "dev": "dev",
    "validation": "dev",
    "valid": "dev",
    "val": "dev",
    "test": "test",
}
# MEDINST32's training mixtures have no split in their names; they are sources of their own.
MIXTURES = {"merged_train_100k", "unseen_train_100k"}
_NAME = re.compile(r"^(?P<task>.+)_(?P<split>[A-Za-z]+)$")
JSON_SUFFIXES = (".json", ".jsonl", ".json.gz", ".jsonl.gz")


@dataclass(frozen=True)
class SourceFile:
    path: Path
    task: str
    split: str
    fmt: str  # "jsonl" | "array" | "parquet"
    label: str  # what reports and the samples table call the file (relative to the source root)

    @property
    def size(self) -> int:
        try:
            return self.path.stat().st_size
        except OSError:
            return 0


@dataclass(frozen=True)
class Unrecognised:
    path: Path
    reason: str


def strip_suffix(name: str) -> str | None:
    for suffix in sorted(JSON_SUFFIXES, key=len, reverse=True):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return None


def sniff_json_format(path: Path) -> str:
    """'array' when the first non-blank byte is '[', else 'jsonl' (JSON Lines)."""
    opener = gzip.open if path.name.endswith(".gz") else open
    try:
        with opener(path, "rb") as fh:
            head = fh.read(4096)
    except OSError:
        return "jsonl"
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    return "array" if stripped.startswith(b"[") else "jsonl"


def task_split_from_name(stem: str) -> tuple[str, str] | None:
    if stem in MIXTURES:
        return stem, "train"
    match = _NAME.match(stem)
    if not match:
        return None
    split = SPLIT_ALIASES.get(match["split"].lower())
    return (match["task"], split) if split else None


def classify(path: Path, root: Path) -> SourceFile | Unrecognised:
    label = path.relative_to(root).as_posix() if path.is_relative_to(root) else path.name
    if path.suffix == ".parquet":
        # Hub parquet conversion: <config>/<split>/0000.parquet
        split = SPLIT_ALIASES.get(path.parent.name.lower())
        if split is None:
            return Unrecognised(path, "parquet file not under <config>/<split>/")
        return SourceFile(path, path.parent.parent.name, split, "parquet", label)
    stem = strip_suffix(path.name)
    if stem is None:
        return Unrecognised(path, "not a .json/.jsonl(.gz) or .parquet file")
    found = task_split_from_name(stem)
    if found is None:
        return Unrecognised(path, "name is not <Task>_<split>.json; index it with --task NAME --split S")
    task, split = found
    # MEDINST32 keeps zero-shot twins in unseen_tests_zs/ under the same file names.
    if path.parent.name == "unseen_tests_zs" and not task.endswith(ZS_SUFFIX):
        task += ZS_SUFFIX
    return SourceFile(path, task, split, sniff_json_format(path), label)


def discover(root: Path) -> tuple[list[SourceFile], list[Unrecognised]]:
    """Every indexable file under `root`, sorted by task then split so ids follow the catalog order."""
    found: list[SourceFile] = []
    unknown: list[Unrecognised] = []
    candidates = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
    base = root.parent if root.is_file() else root
    for path in candidates:
        if any(part.startswith(".") for part in path.relative_to(base).parts):
            continue  # .cache/, .git/, hidden lock files of huggingface_hub
        if path.suffix in {".md", ".txt", ".lock", ".py", ".gitattributes", ".yaml", ".yml"}:
            continue
        item = classify(path, base)
        if isinstance(item, SourceFile):
            found.append(item)
        else:
            unknown.append(item)
    order = {"train": 0, "dev": 1, "test": 2}
    found.sort(key=lambda f: (f.task, order.get(f.split, 9), f.label))
    return found, unknown


def single_file(path: Path, task: str, split: str) -> SourceFile:
    """An alpaca-format file (instruction/input/output[/history]) given its task and split explicitly."""
    split_name = SPLIT_ALIASES.get(split.lower())
    if split_name is None:
        raise ValueError(f"unknown split {split!r}: use train, dev or test")
    fmt = "parquet" if path.suffix == ".parquet" else sniff_json_format(path)
    return SourceFile(path, task, split_name, fmt, path.name)


@dataclass(frozen=True)
class Issue:
    file: str
    line: int | None
    reason: str

    def where(self) -> str:
        return f"{self.file}:{self.line}" if self.line is not None else self.file


@dataclass
class SourceSpec:
    """A named collection of files indexed together (re-indexing the same name replaces its rows)."""

    name: str
    kind: str  # "demo" | "hub" | "local"
    location: str
    files: list[SourceFile]
    issues: list[Issue] = field(default_factory=list)  # problems found before reading (unrecognised names)
    notes: list[str] = field(default_factory=list)  # how the files were chosen (Hub: parquet or JSON, why)
