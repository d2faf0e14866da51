"""The `medinst` command: the TUI with no arguments, headless subcommands otherwise."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import threading
from pathlib import Path
from typing import NoReturn, cast

from rich.markup import escape

from medinst_tui import __version__
from medinst_tui.backends.base import BackendError
from medinst_tui.cli import analysis_cmds, eval_cmds, index_cmds, run_cmds
from medinst_tui.cli.common import DB_HELP, CliError, add_db_option, err, error_line
from medinst_tui.exit_codes import ExitCode
from medinst_tui.outputs import OutputError


class Parser(argparse.ArgumentParser):
    """argparse, with a usage error on one line (`error: ...; see medinst X --help`), exit code USAGE."""

    def error(self, message: str) -> NoReturn:
        error_line(f"{self.prog}: {message} (see {self.prog} --help)")
        raise SystemExit(ExitCode.USAGE)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="medinst",
        description="Explore MEDINST and run few-shot prompts in the terminal. Without a command: the TUI.",
    )
    parser.add_argument("--version", action="version", version=f"medinst-tui {__version__}")
    parser.add_argument("--db", type=Path, default=None, help="index file (default: $MEDINST_DB)")
    # Each command's parser is a Parser too (argparse makes them of the same class as their parent).
    sub = cast(
        "argparse._SubParsersAction[argparse.ArgumentParser]",
        parser.add_subparsers(dest="command", metavar="COMMAND"),
    )
    index_cmds.add_index(sub)
    index_cmds.add_tasks(sub)
    index_cmds.add_show(sub)
    index_cmds.add_export(sub)
    index_cmds.add_locate(sub)
    run_cmds.add_prompt(sub)
    run_cmds.add_run(sub)
    run_cmds.add_score(sub)
    run_cmds.add_runs(sub)
    eval_cmds.add_eval(sub)
    analysis_cmds.extend_runs(sub.choices["runs"])
    for command in sub.choices.values():  # every command takes --db (README: "CLI reference")
        if not any("--db" in a.option_strings for a in command._actions):
            add_db_option(command, help=f"{DB_HELP}; this command reads no index (accepted for scripts)")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; its exit code (medinst_tui/exit_codes.py).

    User errors end in one `error: ...` line and ExitCode.USAGE, with no traceback: the errors the code
    raises for the user, refused output paths, and any OSError or DuckDB I/O error (a full or read-only
    disk, a missing permission). Ctrl-C is one line and INTERRUPTED; a closed stdout (`| head`) is quiet
    and BROKEN_PIPE. Anything else is a bug in medinst: its traceback stays visible, so it can be reported.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        # The TUI: imported only here, so headless commands never pay for Textual.
        from medinst_tui.cli.common import db_path
        from medinst_tui.tui.app import run_app

        return run_app(db_path(args))
    import duckdb

    from medinst_tui.store.index import IndexBusyError, IndexMissingError

    try:
        code: int = args.func(args)
        return code
    except BrokenPipeError:
        return _broken_pipe()
    except KeyboardInterrupt:
        return _interrupted()
    except (CliError, IndexMissingError, IndexBusyError, OutputError) as exc:
        error_line(str(exc))
        return ExitCode.USAGE
    except BackendError as exc:  # a model that cannot load (not GGUF, refused by llama.cpp ...)
        error_line(exc.message)
        return ExitCode.USAGE
    except Exception as exc:
        if _caused_by_interrupt(exc):  # Ctrl-C, as DuckDB reports it or as it unwound through a connection
            return _interrupted()
        if isinstance(exc, OSError):
            error_line(describe_os_error(exc))
            return ExitCode.USAGE
        if isinstance(exc, duckdb.IOException):
            error_line(str(exc).removeprefix("IO Error: "))
            return ExitCode.USAGE
        raise


def describe_os_error(exc: OSError) -> str:
    """`cannot write /x/y: No space left on device`: the file, then the system's reason."""
    reason = exc.strerror or str(exc)
    if exc.filename is not None:
        return f"{exc.filename}: {reason}"
    return reason


def _caused_by_interrupt(exc: BaseException) -> bool:
    import duckdb

    seen: BaseException | None = exc
    for _ in range(20):
        if seen is None:
            return False
        if isinstance(seen, KeyboardInterrupt | duckdb.InterruptException):
            return True
        # DuckDB turns a SIGINT that arrives while a query runs into this RuntimeError.
        if type(seen) is RuntimeError and str(seen) == "Query interrupted":
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _interrupted() -> int:
    from medinst_tui.store.export import EXPORT_THREAD

    error_line_plain("interrupted: nothing was changed")
    if any(t.name == EXPORT_THREAD and t.is_alive() for t in threading.enumerate()):
        # A COPY blocked in the kernel (a pipe nobody reads) cannot be stopped; leaving the interpreter
        # normally with it inside DuckDB aborts (rc 134). Its temporary file is already removed.
        with contextlib.suppress(Exception):
            sys.stdout.flush()
        sys.stderr.flush()
        os._exit(ExitCode.INTERRUPTED)
    return ExitCode.INTERRUPTED


def error_line_plain(message: str) -> None:
    err.print(f"[yellow]{escape(message)}[/]", highlight=False, soft_wrap=True)


def _broken_pipe() -> int:
    """The reader of stdout went away: exit quietly, as CLI tools do on SIGPIPE.

    Python's own flush of stdout at exit would fail again (and print a warning), so stdout is pointed at
    /dev/null first, as the note on SIGPIPE in Python's `signal` documentation recommends.
    """
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    return ExitCode.BROKEN_PIPE


if __name__ == "__main__":
    sys.exit(main())
