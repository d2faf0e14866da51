"""The `medinst` command's exit codes: stable, so scripts can tell what happened (README: "Exit codes")."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    SOME_FAILED = 1  # a run finished, but some samples have errors (status `partial`)
    USAGE = 2  # a user error: bad option, unknown task, refused output path, unreadable file ...
    ALL_FAILED = 3  # a run in which no sample was scored (status `failed`)
    INTERRUPTED = 130  # Ctrl-C: what was finished is kept, the previous state is intact
    BROKEN_PIPE = 141  # the reader of stdout went away (`medinst export -o - | head`): quiet, as on SIGPIPE
