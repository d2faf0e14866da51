"""MEDINST from the Hugging Face Hub: huggingface_hub *gets* the files (cache, resume, HF_HUB_OFFLINE),
DuckDB reads them. Loading through `datasets` was 2x slower and took 10 GB of RAM at full scale.

For the full meta-dataset the Hub's parquet conversion (`<config>/<split>/*.parquet` on the
`refs/convert/parquet` revision) is read where it is complete: its shards hold exactly the catalog's rows
for that task and split (a truncated conversion sits under `partial-<split>/` or has fewer rows). Every
other selected task and split is read from the JSON files of the main branch, so the rows are the same
either way. `--revision` pins the JSON files and skips the conversion (it is a revision of its own)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from medinst_tui import catalog
from medinst_tui.sources.files import MIXTURES, Issue, SourceFile, SourceSpec, discover
from medinst_tui.sources.specs import select

REPOS = {"medinst": "aialt/MedINST", "medinst32": "aialt/MedINST32"}
PARQUET_REVISION = "refs/convert/parquet"
# Split folder names the conversion may use for a split (the Hub calls a "dev" split "validation" when it
# infers splits from file names).
PARQUET_SPLITS = {"train": ("train",), "dev": ("dev", "validation"), "test": ("test",)}


class HubError(RuntimeError):
    pass


def _offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in {"1", "true", "yes", "on"}


def _task_names(tasks: Iterable[str], categories: Iterable[str]) -> list[str]:
    names = list(tasks)
    cats = set(categories)
    if cats:
        names += [t.name for t in catalog.tasks().values() if t.category in cats]
    return sorted(set(names))


def patterns(
    which: str, tasks: Iterable[str] = (), categories: Iterable[str] = (), splits: Iterable[str] = ()
) -> list[str]:
    """allow_patterns for snapshot_download, so a task or split selection downloads only its files."""
    names = _task_names(tasks, categories) or ["*"]
    split_list = list(splits) or ["*"]
    if which == "medinst32":
        out = [f"{d}/{n}_test.json" for d in ("unseen_tests", "unseen_tests_zs") for n in names]
        if names == ["*"]:
            out += [f"{m}.json" for m in sorted(MIXTURES)]
        return out
    return [f"{n}_{s}.json" for n in names for s in split_list]


def parquet_patterns(
    tasks: Iterable[str] = (), categories: Iterable[str] = (), splits: Iterable[str] = ()
) -> list[str]:
    """allow_patterns for the parquet conversion of a selection (`<config>/<split>/*.parquet`)."""
    names = _task_names(tasks, categories) or ["*"]
    folders = [d for s in (list(splits) or list(PARQUET_SPLITS)) for d in PARQUET_SPLITS[s]]
    return [f"{n}/{d}/*.parquet" for n in names for d in folders]


def _snapshot(repo: str, revision: str | None, allow: list[str], ignore: list[str] | None = None) -> Path:
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import HfHubHTTPError, LocalEntryNotFoundError

    try:
        # huggingface_hub reads its environment once at import; read it per call so the process's
        # current HF_HUB_CACHE / HF_HUB_OFFLINE always apply.
        return Path(
            snapshot_download(
                repo,
                repo_type="dataset",
                revision=revision,
                allow_patterns=allow,
                ignore_patterns=ignore,
                cache_dir=os.environ.get("HF_HUB_CACHE") or None,
                local_files_only=_offline(),
            )
        )
    except LocalEntryNotFoundError as exc:
        at = f" (revision {revision})" if revision else ""
        raise HubError(
            f"{repo}{at} is not in the Hugging Face cache and the Hub cannot be reached "
            f"(offline: HF_HUB_OFFLINE={os.environ.get('HF_HUB_OFFLINE', '')}); "
            "connect once, or index a local copy with `medinst index --from PATH`"
        ) from exc
    except HfHubHTTPError as exc:
        raise HubError(f"the Hub refused the download of {repo}: {exc}") from exc


def _parquet_rows(files: list[SourceFile]) -> int | None:
    import pyarrow.parquet as pq

    try:
        return sum(int(pq.ParquetFile(f.path).metadata.num_rows) for f in files)
    except (OSError, ValueError):  # pyarrow's ArrowInvalid is a ValueError
        return None


def complete_parquet(
    root: Path, tasks: Iterable[str], categories: Iterable[str], splits: Iterable[str]
) -> tuple[list[SourceFile], list[str]]:
    """The parquet files of the selected tasks and splits whose shards hold exactly the catalog's rows,
    and a note for each task and split that is left to the JSON files (and why)."""
    found, unknown = discover(root)
    partial = {
        (u.path.parent.parent.name, u.path.parent.name.removeprefix("partial-"))
        for u in unknown
        if u.path.suffix == ".parquet" and u.path.parent.name.startswith("partial-")
    }
    groups: dict[tuple[str, str], list[SourceFile]] = {}
    for f in select([f for f in found if f.fmt == "parquet"], tasks, categories, splits):
        groups.setdefault((f.task, f.split), []).append(f)
    keep: list[SourceFile] = []
    notes: list[str] = []
    for (task, split), files in sorted(groups.items()):
        info = catalog.lookup(task)
        rows = _parquet_rows(files)
        want = info.paper_size(split) if info else None
        if want is not None and rows == want:
            keep += files
        elif want is None:
            notes.append(f"{task}/{split}: not in the catalog, its rows cannot be checked: read from JSON")
        else:
            have = "unreadable" if rows is None else f"{rows:,} rows"
            notes.append(f"{task}/{split}: parquet conversion {have}, catalog {want:,}: read from JSON")
    shown = {
        (p.task, p.split)
        for p in select(
            [SourceFile(Path(), t, s, "parquet", "") for t, s in partial], tasks, categories, splits
        )
    }
    notes += [
        f"{task}/{split}: parquet conversion is partial: read from JSON" for task, split in sorted(shown)
    ]
    return keep, notes


def hub_sources(
    which: str = "medinst",
    *,
    tasks: Iterable[str] = (),
    categories: Iterable[str] = (),
    splits: Iterable[str] = (),
    revision: str | None = None,
    parquet: bool = True,
) -> list[SourceSpec]:
    if which not in REPOS:
        raise HubError(f"unknown Hub dataset {which!r}: choose one of {', '.join(REPOS)}")
    repo = REPOS[which]
    tasks, categories, splits = list(tasks), list(categories), list(splits)
    from_parquet: list[SourceFile] = []
    notes: list[str] = []
    roots: list[Path] = []
    if parquet and which == "medinst" and revision is None:
        try:
            proot = _snapshot(repo, PARQUET_REVISION, parquet_patterns(tasks, categories, splits))
        except HubError:
            notes.append("the Hub's parquet conversion is not in the cache and cannot be fetched: JSON read")
        else:
            from_parquet, skipped = complete_parquet(proot, tasks, categories, splits)
            notes += skipped
            if from_parquet:
                roots.append(proot)
    covered = {(f.task, f.split) for f in from_parquet}
    # The JSON files of what the conversion did not cover (none to fetch when it covered the selection).
    ignore = [f"{task}_{split}.json" for task, split in sorted(covered)]
    wanted = [p for p in patterns(which, tasks, categories, splits) if p not in ignore]
    chosen: list[SourceFile] = []
    unrecognised: list[Issue] = []
    if wanted:
        try:
            root = _snapshot(repo, revision, wanted, ignore or None)
        except HubError:
            if not from_parquet:
                raise
            root = None  # the conversion covered what the cache holds; the rest is reported below
            notes.append(f"the JSON files of {repo} are not in the cache: only its parquet conversion read")
        if root is not None:
            roots.insert(0, root)
            found, unknown = discover(root)
            chosen = [f for f in select(found, tasks, categories, splits) if (f.task, f.split) not in covered]
            unrecognised = [Issue(str(u.path.relative_to(root)), None, u.reason) for u in unknown]
    chosen += from_parquet
    if not chosen:
        raise HubError(f"no {repo} files for that selection in {', '.join(map(str, roots)) or 'the cache'}")
    if from_parquet:
        from_json = len({(f.task, f.split) for f in chosen}) - len(covered)
        notes.insert(0, f"{len(covered)} split(s) from the Hub's parquet conversion, {from_json} from JSON")
    location = " + ".join(map(str, roots))
    main = [f for f in chosen if f.task not in MIXTURES]
    out = [SourceSpec(f"hub:{repo}", "hub", location, main, unrecognised, notes)] if main else []
    # MEDINST32's training mixtures are sources of their own, so they can be added or dropped alone.
    for f in chosen:
        if f.task in MIXTURES:
            out.append(SourceSpec(f"hub:{repo}:{f.task}", "hub", location, [f]))
    return out
