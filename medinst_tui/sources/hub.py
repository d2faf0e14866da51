"""MEDINST from the Hugging Face Hub: huggingface_hub *gets* the files (cache, resume, HF_HUB_OFFLINE),
DuckDB reads them. Loading through `datasets` was 2x slower and took 10 GB of RAM at full scale."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from medinst_tui import catalog
from medinst_tui.sources.files import MIXTURES, Issue, SourceSpec, discover
from medinst_tui.sources.specs import select

REPOS = {"medinst": "aialt/MedINST", "medinst32": "aialt/MedINST32"}


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


def hub_sources(
    which: str = "medinst",
    *,
    tasks: Iterable[str] = (),
    categories: Iterable[str] = (),
    splits: Iterable[str] = (),
    revision: str | None = None,
) -> list[SourceSpec]:
    if which not in REPOS:
        raise HubError(f"unknown Hub dataset {which!r}: choose one of {', '.join(REPOS)}")
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import HfHubHTTPError, LocalEntryNotFoundError

    repo = REPOS[which]
    tasks, categories, splits = list(tasks), list(categories), list(splits)
    try:
        # huggingface_hub reads its environment once at import; read it per call so the process's
        # current HF_HUB_CACHE / HF_HUB_OFFLINE always apply.
        root = Path(
            snapshot_download(
                repo,
                repo_type="dataset",
                revision=revision,
                allow_patterns=patterns(which, tasks, categories, splits),
                cache_dir=os.environ.get("HF_HUB_CACHE") or None,
                local_files_only=_offline(),
            )
        )
    except LocalEntryNotFoundError as exc:
        raise HubError(
            f"{repo} is not in the Hugging Face cache and the Hub cannot be reached "
            f"(offline: HF_HUB_OFFLINE={os.environ.get('HF_HUB_OFFLINE', '')}); "
            "connect once, or index a local copy with `medinst index --from PATH`"
        ) from exc
    except HfHubHTTPError as exc:
        raise HubError(f"the Hub refused the download of {repo}: {exc}") from exc
    found, unrecognised = discover(root)
    chosen = select(found, tasks, categories, splits)
    if not chosen:
        raise HubError(f"no {repo} files for that selection in {root}")
    issues = [Issue(str(u.path.relative_to(root)), None, u.reason) for u in unrecognised]
    main = [f for f in chosen if f.task not in MIXTURES]
    out = [SourceSpec(f"hub:{repo}", "hub", str(root), main, issues)] if main else []
    # MEDINST32's training mixtures are sources of their own, so they can be added or dropped alone.
    for f in chosen:
        if f.task in MIXTURES:
            out.append(SourceSpec(f"hub:{repo}:{f.task}", "hub", str(root), [f]))
    return out
