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
from rich.text import Text

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


DB_HELP = "index file (default: $MEDINST_DB or the user data dir)"


def add_db_option(p: argparse.ArgumentParser, help: str = DB_HELP) -> None:
    """`--db PATH` after the command. Its default is SUPPRESS: when it is not given there, the value of
    `medinst --db PATH COMMAND` (the top-level option) stays, instead of being reset by the command's."""
    p.add_argument("--db", type=Path, default=argparse.SUPPRESS, help=help)


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
    """The task `query` names (catalog.resolve_name's rules, README: "CLI reference").

    An exact name (case-insensitive), a prefix of one task (and of names that extend it) or the words of one
    task resolve without asking, on a terminal or not; any other match is asked on a terminal, taken with
    `--yes`, and refused in a script unless it is a clear fuzzy winner (90+ and 5 ahead of the next)."""
    found = catalog.resolve_name(query, known)
    if found.name is not None:
        if found.how != "exact":
            others = [c for c in found.candidates if c != found.name]
            also = f" (also starting so: {', '.join(others[:4])})" if others else ""
            err.print(Text(f"--task {query!r} matched {found.name!r}{also}", style="dim"), soft_wrap=True)
        return found.name
    if not found.candidates:
        raise CliError(f"no task matches {query!r}; `medinst tasks` lists them")
    best = found.candidates[0]
    if assume_yes:
        return best
    if sys.stdin.isatty():
        rest = ", ".join(found.candidates[1:4])
        question = Text.assemble(f"--task {query!r}: use ", (best, "bold"), f"? (others: {rest})")
        if Confirm.ask(question, console=err, default=True):
            return best
        raise CliError("cancelled")
    if found.how == "fuzzy":
        scores = catalog.fuzzy_tasks(query, known, limit=2)
        runner_up = scores[1][1] if len(scores) > 1 else 0.0
        if scores[0][1] >= 90 and scores[0][1] - runner_up >= 5:
            err.print(Text(f"--task {query!r} matched {scores[0][0]!r}", style="dim"), soft_wrap=True)
            return scores[0][0]
    candidates = ", ".join(found.candidates)
    if found.how == "fuzzy":
        raise CliError(
            f"--task {query!r} is no task name or prefix; closest: {candidates} "
            "(give the exact name, or pass --yes to take the first)"
        )
    raise CliError(f"--task {query!r} is ambiguous ({candidates}); give the exact name or pass --yes")
