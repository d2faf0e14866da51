"""The `medinst` command: the TUI with no arguments, headless subcommands otherwise."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rich.markup import escape

from medinst_tui import __version__
from medinst_tui.backends.base import BackendError
from medinst_tui.cli import index_cmds, run_cmds
from medinst_tui.cli.common import CliError, err


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="medinst",
        description="Explore MEDINST and run few-shot prompts in the terminal. Without a command: the TUI.",
    )
    parser.add_argument("--version", action="version", version=f"medinst-tui {__version__}")
    parser.add_argument("--db", type=Path, default=None, help="index file for the TUI (default: $MEDINST_DB)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    index_cmds.add_index(sub)
    index_cmds.add_tasks(sub)
    index_cmds.add_show(sub)
    index_cmds.add_export(sub)
    index_cmds.add_locate(sub)
    run_cmds.add_prompt(sub)
    run_cmds.add_run(sub)
    run_cmds.add_score(sub)
    run_cmds.add_runs(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        # The TUI: imported only here, so headless commands never pay for Textual.
        from medinst_tui.cli.common import db_path
        from medinst_tui.tui.app import run_app

        return run_app(db_path(args))
    from medinst_tui.store.index import IndexBusyError, IndexMissingError

    try:
        code: int = args.func(args)
        return code
    except (CliError, IndexMissingError, IndexBusyError) as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}", highlight=False)
        return 2
    except BackendError as exc:  # a model that cannot load (not GGUF, refused by llama.cpp ...)
        err.print(f"[red]error:[/] {escape(exc.message)}", highlight=False, soft_wrap=True)
        return 2
    except KeyboardInterrupt:
        err.print("[yellow]interrupted[/]: nothing was changed")
        return 130


if __name__ == "__main__":
    sys.exit(main())
