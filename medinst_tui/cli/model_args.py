"""The model, prompt, retry and timeout options of every command that talks to a model (`run`, `eval`,
`prompt`), and the backend (or the replica pool of repeatable `--endpoint`s) they choose.

    model = choose_model(args, protocol=True, pooled=True)   # backend, pool, name, format, ...

    add_retry_options(parser)                      # --max-tries N, --retry-wait S, --request-timeout S
    preset = apply_retry_options(preset, args, protocol=True)   # before backend_from_preset(preset)

The protocol mode (`medinst eval`) defaults to the paper's patience: evaluation.py tried 10 times with 30 s
sleeps. Elsewhere the default is medinst's (4 tries, 0.5 s doubling to 20 s). An option, or the preset's
own `max_tries` / `retry_wait_s`, wins over either default. Waits get +-10% jitter (retry.py).
"""

from __future__ import annotations

import argparse
import dataclasses
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from medinst_tui.cli.common import CliError, non_negative, positive, warning_line
from medinst_tui.fewshot.formats import BUILTIN_FORMATS
from medinst_tui.fewshot.shots import ShotSpec

if TYPE_CHECKING:
    from medinst_tui.backends.base import Backend
    from medinst_tui.backends.pool import ReplicaPool
    from medinst_tui.backends.presets import ModelPreset
    from medinst_tui.session import ModelOverrides

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


# -- shared options ------------------------------------------------------------------------------------
def add_model_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("model")
    g.add_argument("--model", help="a preset name (models/*.yaml), a .gguf path, or an http(s) URL")
    g.add_argument(
        "--endpoint",
        action="append",
        metavar="URL",
        help="an OpenAI-compatible base URL (e.g. http://gpu:8000/v1); repeat it for replicas of one model "
        "(run, eval: requests go to the least busy, a failing one is taken out); with --model PRESET: "
        "where that preset is served",
    )
    g.add_argument("--endpoint-model", help="the model name to ask the endpoint for")
    g.add_argument(
        "--api-key-env", help="the env var holding the endpoint's API key (never pass the key itself)"
    )
    g.add_argument("--api", choices=["chat", "completions"], help="the endpoint API to call")
    g.add_argument("--threads", type=positive, help="CPU threads for a local model")
    g.add_argument("--n-ctx", type=positive, help="context size for a local model")
    add_retry_options(g)


def add_prompt_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("prompt")
    shots = g.add_mutually_exclusive_group()
    shots.add_argument(
        "--shots", type=non_negative, help="K seeded shots from the task's train split (dev if none)"
    )
    shots.add_argument("--history", action="store_true", help="the row's own few-shot history (MEDINST32)")
    shots.add_argument(
        "--cross-task", type=non_negative, metavar="K", help="K shots from other tasks of the same category"
    )
    shots.add_argument(
        "--pin", type=int, action="append", metavar="ID", help="pin a shot by sample id (repeatable)"
    )
    g.add_argument("--seed", type=int, default=0, help="seed for the shots (and --sample)")
    g.add_argument(
        "--format", help=f"{' | '.join(BUILTIN_FORMATS)} | a user template name (default: the model's)"
    )
    g.add_argument(
        "--max-tokens",
        type=max_tokens_value,
        metavar="N|auto",
        help="new tokens at most (default: the preset's, 1024); run, prompt: auto (from the gold outputs)",
    )
    g.add_argument("--temperature", type=float, help="default: the preset's, 0")
    g.add_argument("--stop", action="append", default=[], help="a stop sequence (repeatable)")


def max_tokens_value(text: str) -> int | str:
    """`--max-tokens`: a positive number, or `auto` (runs/auto_tokens.py)."""
    return "auto" if text.strip().lower() == "auto" else positive(text)


def shot_spec(args: argparse.Namespace) -> ShotSpec:
    if args.pin:
        return ShotSpec("pinned", len(args.pin), args.seed, tuple(args.pin))
    if args.cross_task is not None:
        return ShotSpec("category", args.cross_task, args.seed)
    if args.shots is not None:
        return ShotSpec("task" if args.shots > 0 else "none", args.shots, args.seed)
    return ShotSpec("history", 0, args.seed)


ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass
class ModelChoice:
    """What the model options chose: the backend, the pool of `--endpoint` replicas (remote, ``pooled``),
    what the user called it (never with credentials), its prompt format, max tokens, temperature, and the
    requests in flight at most (the pool's ceiling when there is one)."""

    backend: Backend
    name: str
    format: str
    max_tokens: int
    temperature: float
    concurrency: int
    pool: ReplicaPool | None = None

    def close(self) -> None:
        self.backend.close()
        for replica in self.pool.replicas[1:] if self.pool is not None else ():
            replica.backend.close()


def endpoints(args: argparse.Namespace) -> list[str]:
    """The `--endpoint` URLs, in order (the option is repeatable; one used to be a plain string)."""
    value = getattr(args, "endpoint", None)
    if not value:
        return []
    return [value] if isinstance(value, str) else list(value)


def make_backend(
    args: argparse.Namespace, *, protocol: bool = False
) -> tuple[Backend, str, str, int, float, int]:
    """`choose_model` without a pool, as a tuple: the backend, its name, format, max tokens, temperature
    and concurrency."""
    m = choose_model(args, protocol=protocol)
    return m.backend, m.name, m.format, m.max_tokens, m.temperature, m.concurrency


def choose_model(args: argparse.Namespace, *, protocol: bool = False, pooled: bool = False) -> ModelChoice:
    """The model the options name. ``--model PRESET --endpoint URL`` is the preset served at URL (each
    further ``--endpoint`` a replica of it); ``--endpoint`` alone a bare endpoint. ``pooled`` (`run`,
    `eval`): a remote model gets a replica pool over its endpoints, its ceiling ``--concurrency`` or what
    the servers say together. The name stored as the run's model never carries credentials
    (`http://user:key@host` is recorded as `http://host`). ``protocol`` (`medinst eval`): unset retry
    options take the paper's patience.
    """
    from medinst_tui import session
    from medinst_tui.backends.presets import (
        PresetError,
        backend_from_preset,
        check_available,
        check_endpoint_url,
        strip_userinfo,
    )

    if args.api_key_env and not ENV_NAME.fullmatch(args.api_key_env):
        # Probably the key itself: refused, and never repeated in the message.
        raise CliError(
            "--api-key-env takes the NAME of an environment variable that holds the key "
            "(letters, digits and _, e.g. OPENAI_API_KEY), not the key itself"
        )
    urls = endpoints(args)
    named = args.model if args.model and urls and not args.model.lower().startswith("http") else None
    try:
        for url in urls:
            check_endpoint_url(url, option="--endpoint")
        spec = named or (urls[0] if urls else args.model)
        problems: list[str] = []
        # the preset alone first: a local one named beside --endpoint is refused before any override
        preset = session.resolve_model(spec, problems=problems)
    except PresetError as exc:
        raise CliError(str(exc)) from exc
    for problem in problems:
        warning_line(f"{problem} (skipped)")
    if named is not None and preset.kind != "remote":
        raise CliError(f"--endpoint serves a remote model; preset {named!r} is a local one")
    preset = session.apply_overrides(preset, overrides_of(args, urls))
    if preset.kind == "remote":  # a local model does not retry
        preset = apply_retry_options(preset, args, protocol=protocol)
    missing = check_available(preset)
    if missing:
        raise CliError(f"model preset {preset.name!r} cannot run: {missing}")
    backend = backend_from_preset(preset)
    if len(urls) > 1 and not pooled:
        raise CliError("several --endpoint replicas serve a batch: `medinst run` or `medinst eval`")
    # unset for an endpoint: what the server says it serves at once (1 for an unknown server)
    concurrency = preset.max_concurrency or backend.describe().max_concurrency
    pool = None
    if pooled and preset.kind == "remote" and (len(urls) > 1 or concurrency > 1):
        # One endpoint serving one request at a time needs no pool: its answers are streamed one by one.
        from medinst_tui.backends.pool import pool_from_preset

        backend.close()
        pool = pool_from_preset(preset, urls, concurrency=getattr(args, "concurrency", None))
        backend = pool.primary
        concurrency = pool.limit.ceiling  # asks each server once
    fixed = args.max_tokens if isinstance(args.max_tokens, int) else None  # auto: derived later
    defaults = session.run_defaults(
        preset, format=args.format, max_tokens=fixed, temperature=args.temperature
    )
    return ModelChoice(
        backend,
        named or (strip_userinfo(spec) if spec else preset.name),
        defaults.format,
        defaults.max_tokens,
        defaults.temperature,
        concurrency,
        pool,
    )


def overrides_of(args: argparse.Namespace, urls: list[str]) -> ModelOverrides:
    """The model options' changes to the preset (the TUI's settings give the same ones)."""
    from medinst_tui.session import ModelOverrides

    named = args.model and urls and not args.model.lower().startswith("http")
    return ModelOverrides(
        base_url=urls[0] if named else None,
        endpoint_model=args.endpoint_model or None,
        api_key_env=args.api_key_env or None,
        api=args.api or None,
        n_ctx=args.n_ctx or None,
        n_threads=args.threads or None,
        # several replicas: the pool's ceiling is --concurrency (or what the servers say together)
        max_concurrency=getattr(args, "concurrency", None) if len(urls) <= 1 else None,
    )
