"""Retry and timeout options for every command that talks to a model (`run`, `eval`, `prompt`).

    add_retry_options(parser)                      # --max-tries N, --retry-wait S, --request-timeout S
    preset = apply_retry_options(preset, args, protocol=True)   # before backend_from_preset(preset)

The protocol mode (`medinst eval`) defaults to the paper's patience: evaluation.py tried 10 times with 30 s
sleeps. Elsewhere the default is medinst's (4 tries, 0.5 s doubling to 20 s). An option, or the preset's
own `max_tries` / `retry_wait_s`, wins over either default. Waits get +-10% jitter (retry.py).
"""

from __future__ import annotations

import argparse
import dataclasses
from typing import TYPE_CHECKING

from medinst_tui.cli.common import positive

if TYPE_CHECKING:
    from medinst_tui.backends.presets import ModelPreset

PAPER_MAX_TRIES = 10
PAPER_RETRY_WAIT_S = 30.0


def seconds(text: str) -> float:
    """An argparse type: a number of seconds, 0 or more."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be 0 or more seconds, not {text}")
    return value


seconds.__name__ = "seconds"


def add_retry_options(p: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    p.add_argument(
        "--max-tries",
        type=positive,
        metavar="N",
        help="tries per request in all, on 429 / 5xx / dropped connections (default 4; `eval`: the "
        "paper's 10)",
    )
    p.add_argument(
        "--retry-wait",
        type=seconds,
        metavar="S",
        help="a constant wait between tries (default 0.5 s doubling to 20 s; `eval`: the paper's 30 s)",
    )
    p.add_argument(
        "--request-timeout",
        type=seconds,
        metavar="S",
        help="seconds to wait for a server's answer before a try counts as failed (default 300)",
    )


def apply_retry_options(preset: ModelPreset, args: argparse.Namespace, *, protocol: bool) -> ModelPreset:
    """The preset with the options laid over it; ``protocol``: unset ones take the paper's patience."""
    changes: dict[str, object] = {}
    tries = getattr(args, "max_tries", None)
    wait = getattr(args, "retry_wait", None)
    timeout = getattr(args, "request_timeout", None)
    preset_tries = preset.max_tries if preset.max_tries is not None else None
    if preset_tries is None and preset.max_retries is not None:
        preset_tries = preset.max_retries + 1
    if tries is not None:
        changes["max_tries"] = tries
    elif protocol and preset_tries is None:
        changes["max_tries"] = PAPER_MAX_TRIES
    if wait is not None:
        changes["retry_wait_s"] = wait
    elif protocol and preset.retry_wait_s is None:
        changes["retry_wait_s"] = PAPER_RETRY_WAIT_S
    if timeout:
        changes["read_timeout_s"] = timeout
    if changes:
        changes["max_retries"] = None  # max_tries says it now
        if "max_tries" not in changes and preset_tries is not None:
            changes["max_tries"] = preset_tries
    return dataclasses.replace(preset, **changes) if changes else preset  # type: ignore[arg-type]
