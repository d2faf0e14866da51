"""Helpers shared by the CLI commands: the --db option, task name resolution, error exits."""

from __future__ import annotations

import argparse
import errno
import os
import sys
from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.prompt import Confirm

from medinst_tui import catalog
from medinst_tui.paths import ENV_DB, default_db_path
from medinst_tui.store.index import Index


class _Console(Console):
    def on_broken_pipe(self) -> None:
        """The reader of stdout went away (`| head`): cli/main.py exits quietly with BROKEN_PIPE."""
        self.quiet = True
        raise BrokenPipeError(errno.EPIPE, os.strerror(errno.EPIPE))


console = _Console()
err = _Console(stderr=True)


class CliError(Exception):
    """An error with a message for the user and no traceback."""


def error_line(message: str) -> None:
    """One line on stderr, `error: ...`: never wrapped at the terminal width, never read as markup."""
    err.print(f"[red]error:[/] {escape(' '.join(message.split()))}", highlight=False, soft_wrap=True)


def warning_line(message: str) -> None:
    err.print(f"[yellow]warning:[/] {escape(' '.join(message.split()))}", highlight=False, soft_wrap=True)


def at_least(minimum: int) -> Callable[[str], int]:
    """An argparse type: an integer >= `minimum` (so `--limit -1` is a usage error, not a silent no-op)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, not {value}")
        return value

    parse.__name__ = f"integer >= {minimum}"
    return parse


non_negative = at_least(0)
positive = at_least(1)


def add_db_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--db", type=Path, default=None, help="index file (default: $MEDINST_DB or the user data dir)"
    )


def db_path(args: argparse.Namespace) -> Path:
    return Path(args.db).expanduser() if getattr(args, "db", None) else default_db_path()


def open_index(args: argparse.Namespace) -> Index:
    """The index for browsing commands. A first run with no index at the default place builds the demo."""
    path = db_path(args)
    explicit = getattr(args, "db", None) is not None or bool(os.environ.get(ENV_DB))
    if not path.exists() and not explicit:
        from medinst_tui.sources.specs import demo_sources
        from medinst_tui.store.ingest import build_index

        err.print(
            f"[yellow]No index yet: building the bundled demo index (demo data, not MEDINST) at {path}[/]"
        )
        build_index(path, demo_sources())
    return Index(path)


def resolve_task(query: str, known: list[str], *, assume_yes: bool = False) -> str:
    """An exact name, or the best fuzzy match confirmed by the user (or unambiguous when non-interactive)."""
    if query in known:
        return query
    lowered = {k.lower(): k for k in known}
    if query.lower() in lowered:
        return lowered[query.lower()]
    hits = catalog.fuzzy_tasks(query, known, limit=5)
    if not hits or hits[0][1] < 60:
        raise CliError(f"no task matches {query!r}; `medinst tasks` lists them")
    best, score = hits[0]
    runner_up = hits[1][1] if len(hits) > 1 else 0.0
    if assume_yes:
        return best
    if sys.stdin.isatty():
        others = ", ".join(h[0] for h in hits[1:4])
        if Confirm.ask(
            f"--task {query!r}: use [bold]{best}[/]? (others: {others})", console=err, default=True
        ):
            return best
        raise CliError("cancelled")
    if score >= 90 and score - runner_up >= 5:
        err.print(f"[dim]--task {query!r} matched {best!r}[/]")
        return best
    candidates = ", ".join(h[0] for h in hits)
    raise CliError(f"--task {query!r} is ambiguous ({candidates}); give the exact name or pass --yes")
