"""Model presets (YAML files under ``models/``, plus the user's own) and ``load_backend``.

A preset names a local GGUF (a file, or a Python package that ships one) or an OpenAI-compatible
endpoint, with the settings that go with it. ``load_backend`` also takes a bare ``.gguf`` path or an
``http(s)://`` URL, so ``medinst run --model ./x.gguf`` and ``--model http://gpu:8000/v1`` just work.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast
from urllib.parse import urlsplit, urlunsplit

import yaml

from medinst_tui import paths
from medinst_tui.backends.base import Backend, BackendError, ErrorKind

if TYPE_CHECKING:
    from medinst_tui.backends.retry import RetryPolicy

PresetKind = Literal["local", "remote"]
KNOWN_PROMPT_FORMATS = ("medinst-chat", "medinst-plain")
PAPER_PROMPT_FORMAT = "medinst-chat"
DEFAULT_LOCAL_N_CTX = 4096
RETRY_JITTER = 0.1  # +-10% on every wait: many requests in flight do not retry in step


class PresetError(ValueError):
    """A preset file that cannot be used; the message names the file and the field."""


@dataclass(frozen=True)
class Sampling:
    temperature: float = 0.0  # the paper's setting
    top_p: float | None = None  # None: not sent (the paper sent none)
    max_tokens: int = 1024  # the paper's setting
    seed: int | None = None  # None: not sent

    def deviations(self) -> dict[str, object]:
        """The settings that differ from the paper's decoding (temperature 0, 1,024 tokens, nothing else)."""
        paper = Sampling()
        return {
            f.name: getattr(self, f.name)
            for f in dataclasses.fields(self)
            if getattr(self, f.name) != getattr(paper, f.name)
        }


@dataclass(frozen=True)
class ModelPreset:
    name: str
    kind: PresetKind
    description: str = ""
    default: bool = False
    # local: a file path, or a package shipping the GGUF (``assemble``: its parts must be joined)
    path: str | None = None
    package: str | None = None
    pip: str | None = None  # the pip name to suggest when ``package`` is missing
    assemble: bool = False
    chat_format: str | None = None  # a llama-cpp-python format name; None: the GGUF's template
    chat_template: str | None = None  # an explicit Jinja chat template (local or remote)
    prompt_format: str = "medinst-chat"  # medinst-chat | medinst-plain | a user template name
    n_ctx: int | None = None  # local: DEFAULT_LOCAL_N_CTX when unset; remote: unknown when unset
    n_threads: int | None = None
    n_gpu_layers: int = 0
    n_batch: int = 512
    # remote
    base_url: str | None = None
    model: str | None = None
    api_key_env: str | None = None
    api: Literal["chat", "completions"] = "chat"
    extra_body: Mapping[str, Any] = field(default_factory=dict, hash=False)  # merged into request bodies
    connect_timeout_s: float = 5.0
    read_timeout_s: float = 300.0
    # Tries in all and the constant wait between them; None: medinst's default (4 tries, 0.5 s doubling
    # to 20 s), or the paper's patience (10 tries, 30 s) in the protocol mode (cli/model_args.py).
    max_tries: int | None = None
    retry_wait_s: float | None = None
    max_retries: int | None = None  # older spelling: tries after the first (max_tries - 1)
    # What this preset changes in the paper's request, and why: {field: reason}. Required for every
    # extra_body key, a sampling setting other than the paper's, and a prompt format other than
    # medinst-chat; shown in the model's description and stored with every run (BackendInfo.deviations).
    deviations: Mapping[str, str] = field(default_factory=dict, hash=False)
    # local: a chat template's own default system prompt (SmolLM2's) is kept, or cut ("omit": the
    # paper's no-system rendering, where the template allows it)
    default_system_prompt: Literal["keep", "omit"] = "keep"
    # both; remote None: ask the server (OpenAIRemoteBackend.concurrency(); unknown servers get 1)
    max_concurrency: int | None = 1
    sampling: Sampling = field(default_factory=Sampling)
    source: Path | None = None  # the file it came from (None: built from a path or URL)

    def retry_policy(self) -> RetryPolicy:
        from medinst_tui.backends.retry import DEFAULT_RETRY, RetryPolicy

        tries = self.max_tries
        if tries is None and self.max_retries is not None:
            tries = self.max_retries + 1
        if tries is None and self.retry_wait_s is None:
            return dataclasses.replace(DEFAULT_RETRY, jitter=RETRY_JITTER)
        return RetryPolicy.tries(tries or DEFAULT_RETRY.max_tries, self.retry_wait_s, jitter=RETRY_JITTER)

    def declared_deviations(self) -> dict[str, str]:
        return {str(k): str(v) for k, v in self.deviations.items()}

    def where(self) -> str:
        """The model file, package or endpoint, for display (an endpoint without its credentials)."""
        if self.kind == "remote":
            return f"{strip_userinfo(self.base_url or '')} ({self.model or 'server default'})"
        return self.path or f"package {self.package}"


_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def strip_userinfo(url: str) -> str:
    """`http://user:key@host:8000/v1` -> `http://host:8000/v1`: what is stored or shown of an endpoint.

    Anything else (a preset name, a path) comes back unchanged.
    """
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


def check_endpoint_url(url: str, *, option: str = "base_url") -> None:
    """`PresetError` unless `url` is an http(s) URL with a host; the message never repeats credentials."""
    shown = re.sub(r"^([A-Za-z][A-Za-z0-9+.-]*://)?[^/@\s]*@", r"\1***@", url.strip())
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError as exc:
        raise PresetError(f"{option} {shown!r} is not a valid URL ({exc})") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise PresetError(
            f"{option} must be an http:// or https:// URL such as http://localhost:8000/v1, not {shown!r}"
        )
    if not host:
        raise PresetError(f"{option} {shown!r} has no host: write e.g. http://localhost:8000/v1")


_FIELDS = {f.name: f for f in dataclasses.fields(ModelPreset)}
_SAMPLING_FIELDS = {f.name for f in dataclasses.fields(Sampling)}
_INTS = {"n_gpu_layers", "n_batch", "max_retries", "max_concurrency"}
_FLOATS = {"connect_timeout_s", "read_timeout_s"}


def undeclared_deviations(preset: ModelPreset) -> list[str]:
    """What the preset changes in the paper's request without saying why under ``deviations``."""
    declared = set(preset.deviations)

    def said(group: str, key: str) -> bool:  # `repeat_penalty:` or `extra_body.repeat_penalty:`
        return key in declared or f"{group}.{key}" in declared

    changed = [f"extra_body.{k}" for k in preset.extra_body if not said("extra_body", k)]
    changed += [f"sampling.{k}" for k in preset.sampling.deviations() if not said("sampling", k)]
    if preset.prompt_format != PAPER_PROMPT_FORMAT and "prompt_format" not in declared:
        changed.append("prompt_format")
    return changed


_BOOLS = {"default", "assemble"}


def parse_preset(data: Mapping[str, Any], source: Path | None = None) -> ModelPreset:
    """Validate one preset mapping (unknown keys are errors: they are usually typos)."""
    where = str(source) if source else "preset"
    if not isinstance(data, Mapping):
        raise PresetError(f"{where}: expected a mapping of settings")
    values = dict(data)
    unknown = sorted(set(values) - (set(_FIELDS) - {"source"}))
    if unknown:
        raise PresetError(f"{where}: unknown keys {', '.join(unknown)}")
    name = values.get("name") or (source.stem if source else None)
    if not isinstance(name, str) or not name:
        raise PresetError(f"{where}: a preset needs a name")
    values["name"] = name
    kind = values.get("kind")
    if kind not in ("local", "remote"):
        raise PresetError(f"{where}: kind must be 'local' or 'remote', not {kind!r}")
    for key in _INTS & set(values):
        if values[key] is None and key in ("max_concurrency", "max_retries"):
            continue  # null: ask the server / the default
        if not isinstance(values[key], int) or isinstance(values[key], bool):
            raise PresetError(f"{where}: {key} must be an integer")
    for key in _FLOATS & set(values):
        if not isinstance(values[key], int | float) or isinstance(values[key], bool):
            raise PresetError(f"{where}: {key} must be a number")
    for key in _BOOLS & set(values):
        if not isinstance(values[key], bool):
            raise PresetError(f"{where}: {key} must be true or false")
    for key in ("n_ctx", "n_threads"):
        value = values.get(key)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 1):
            raise PresetError(f"{where}: {key} must be a positive integer or null")
    if values.get("api", "chat") not in ("chat", "completions"):
        raise PresetError(f"{where}: api must be 'chat' or 'completions'")
    for key in ("path", "package", "pip", "chat_format", "chat_template", "base_url", "model", "api_key_env"):
        if values.get(key) is not None and not isinstance(values[key], str):
            raise PresetError(f"{where}: {key} must be a string")
    if not isinstance(values.get("extra_body", {}), Mapping):
        raise PresetError(f"{where}: extra_body must be a mapping")
    deviations = values.get("deviations", {})
    if not isinstance(deviations, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in deviations.items()
    ):
        raise PresetError(f"{where}: deviations must map each changed field to why it changes (text)")
    if values.get("default_system_prompt", "keep") not in ("keep", "omit"):
        raise PresetError(f"{where}: default_system_prompt must be 'keep' or 'omit'")
    tries = values.get("max_tries")
    if tries is not None and (not isinstance(tries, int) or isinstance(tries, bool) or tries < 1):
        raise PresetError(f"{where}: max_tries must be a positive integer")
    wait = values.get("retry_wait_s")
    if wait is not None and (not isinstance(wait, int | float) or isinstance(wait, bool) or wait < 0):
        raise PresetError(f"{where}: retry_wait_s must be a number of seconds (0 or more)")
    if values.get("max_retries") is not None and values["max_retries"] < 0:
        raise PresetError(f"{where}: max_retries must not be negative")
    sampling = values.pop("sampling", None) or {}
    if not isinstance(sampling, Mapping) or set(sampling) - _SAMPLING_FIELDS:
        raise PresetError(f"{where}: sampling takes {', '.join(sorted(_SAMPLING_FIELDS))}")
    if kind == "local":
        if bool(values.get("path")) == bool(values.get("package")):
            raise PresetError(f"{where}: a local preset needs exactly one of path or package")
        if values.get("path") and source is not None:
            path = Path(os.path.expandvars(str(values["path"]))).expanduser()
            values["path"] = str(path if path.is_absolute() else (source.parent / path))
    else:
        if not values.get("base_url"):
            raise PresetError(f"{where}: a remote preset needs base_url")
        try:
            check_endpoint_url(values["base_url"])
        except PresetError as exc:
            raise PresetError(f"{where}: {exc}") from None
        values.setdefault("max_concurrency", None)  # unset: ask the server how many it serves at once
    if values.get("api_key_env") is not None and not _ENV_NAME.fullmatch(values["api_key_env"]):
        raise PresetError(
            f"{where}: api_key_env must be the NAME of an environment variable (letters, digits and _), "
            "not the key itself"
        )
    if values.get("max_concurrency") is not None and values["max_concurrency"] < 1:
        raise PresetError(f"{where}: max_concurrency must be at least 1")
    try:
        preset = ModelPreset(**values, sampling=Sampling(**sampling), source=source)
    except TypeError as exc:
        raise PresetError(f"{where}: {exc}") from exc
    missing = undeclared_deviations(preset)
    if missing:
        raise PresetError(
            f"{where}: {', '.join(missing)} change{'s' if len(missing) == 1 else ''} the paper's request: "
            "say why under deviations (field: reason), so every run with this preset records it"
        )
    return preset


def load_preset_file(path: Path) -> ModelPreset:
    """One preset file; `PresetError` with a one-line message naming the file when it cannot be used."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise PresetError(f"{path}: not UTF-8 text (byte {exc.start}); save it as UTF-8") from None
    except OSError as exc:
        raise PresetError(f"{path}: cannot read it ({exc.strerror})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or " ".join(str(exc).split())
        raise PresetError(f"{path}: invalid YAML{at}: {problem}") from None
    return parse_preset(data, path)


def builtin_presets_dir() -> Path:
    """``models/`` inside the installed package, or at the top of a source checkout."""
    return paths.resource_dir("models")


def load_presets(
    user_dir: Path | None = None,
    errors: list[str] | None = None,
    broken: dict[str, PresetError] | None = None,
) -> dict[str, ModelPreset]:
    """Built-in presets, then the user's (``*.yaml`` in ``user_dir``; same name replaces a built-in).

    A broken file raises ``PresetError``, unless ``errors`` is given: then its message is appended
    there and the file is skipped (the TUI shows them instead of refusing to start). ``broken`` then
    also gets each skipped file's error under the file's stem (the name it would most likely have).
    """
    presets: dict[str, ModelPreset] = {}
    for folder in (builtin_presets_dir(), user_dir):
        if folder is None or not folder.is_dir():
            continue
        for file in sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]):
            try:
                preset = load_preset_file(file)
            except PresetError as exc:
                if errors is None:
                    raise
                errors.append(str(exc))
                if broken is not None:
                    broken[file.stem] = exc
                continue
            presets[preset.name] = preset
    return presets


def default_preset(presets: Mapping[str, ModelPreset]) -> ModelPreset:
    marked = [p for p in presets.values() if p.default]
    if marked:
        return marked[-1]  # a user preset marked default wins over the built-in one
    local = [p for p in presets.values() if p.kind == "local"]
    if local:
        return local[0]
    raise PresetError("no model presets found")


def resolve_preset(
    spec: str | ModelPreset | None,
    *,
    user_dir: Path | None = None,
    presets: Mapping[str, ModelPreset] | None = None,
    problems: list[str] | None = None,
) -> ModelPreset:
    """A preset from a name, a ``.gguf`` path, an ``http(s)://`` URL, or None (the default preset).

    With ``problems``, a broken preset file is skipped and its one-line message appended there, unless
    it is the one asked for: then its error is raised. Without, any broken file raises.
    A URL's name (what runs record) is the URL without credentials; they stay in ``base_url`` only.
    """
    if isinstance(spec, ModelPreset):
        return spec
    if spec is not None and spec.lower().startswith(("http://", "https://")):
        check_endpoint_url(spec, option="the endpoint URL")
        # max_concurrency None: the backend asks the server (a bare llama_cpp.server serves one at a time)
        return ModelPreset(name=strip_userinfo(spec), kind="remote", base_url=spec, max_concurrency=None)
    if spec is not None and (spec.lower().endswith(".gguf") or Path(spec).expanduser().is_file()):
        path = Path(spec).expanduser()
        return ModelPreset(name=path.stem, kind="local", path=str(path))
    broken: dict[str, PresetError] = {}
    if presets is not None:
        known = presets
    elif problems is not None:
        known = load_presets(user_dir, errors=problems, broken=broken)
    else:
        known = load_presets(user_dir)
    if spec is None:
        return default_preset(known)
    if spec not in known and spec in broken:
        raise broken[spec]
    if spec not in known:
        raise PresetError(f"no model preset named {spec!r}; known: {', '.join(sorted(known)) or 'none'}")
    return known[spec]


def backend_from_preset(preset: ModelPreset, *, cache_dir: Path | None = None) -> Backend:
    """Build the backend (nothing loads or connects until first use)."""
    if preset.kind == "remote":
        from medinst_tui.backends.openai_remote import OpenAIRemoteBackend

        assert preset.base_url is not None
        return OpenAIRemoteBackend(
            preset.base_url,
            preset.model,
            name=preset.name,
            api=preset.api,
            api_key_env=preset.api_key_env,
            chat_template=preset.chat_template,
            n_ctx=preset.n_ctx,
            connect_timeout_s=preset.connect_timeout_s,
            read_timeout_s=preset.read_timeout_s,
            retry=preset.retry_policy(),
            max_concurrency=preset.max_concurrency,
            extra_body=preset.extra_body,
            deviations=preset.declared_deviations(),
        )
    from medinst_tui.backends.llama_local import LlamaLocalBackend, ModelSource

    source: ModelSource
    if preset.path:
        source = Path(preset.path).expanduser()
    else:
        from medinst_tui.backends.embedded import resolve_embedded

        package = cast(str, preset.package)
        folder = (cache_dir or paths.cache_dir()) / "models"

        def source() -> Path:
            return resolve_embedded(package, assemble=preset.assemble, cache_dir=folder, pip_name=preset.pip)

    return LlamaLocalBackend(
        source,
        name=preset.name,
        n_ctx=preset.n_ctx or DEFAULT_LOCAL_N_CTX,
        n_threads=preset.n_threads,
        n_gpu_layers=preset.n_gpu_layers,
        n_batch=preset.n_batch,
        chat_format=preset.chat_format,
        chat_template=preset.chat_template,
        default_system_prompt=preset.default_system_prompt,
        deviations=preset.declared_deviations(),
    )


def load_backend(
    spec: str | ModelPreset | None = None,
    *,
    user_dir: Path | None = None,
    cache_dir: Path | None = None,
    **overrides: Any,
) -> Backend:
    """``backend_from_preset(resolve_preset(spec))`` with field overrides (``n_threads=1``, ``model=...``)."""
    preset = resolve_preset(spec, user_dir=user_dir)
    if overrides:
        unknown = set(overrides) - set(_FIELDS)
        if unknown:
            raise PresetError(f"unknown preset fields: {', '.join(sorted(unknown))}")
        preset = dataclasses.replace(preset, **overrides)
    return backend_from_preset(preset, cache_dir=cache_dir)


def check_available(preset: ModelPreset) -> str | None:
    """Why a local preset cannot run right now (missing file or package), or None. Cheap: no loading."""
    if preset.kind != "local":
        return None
    if preset.path:
        return None if Path(preset.path).expanduser().is_file() else f"model file not found: {preset.path}"
    from medinst_tui.backends.embedded import is_installed

    assert preset.package is not None
    if not is_installed(preset.package):
        return f"not installed: pip install {preset.pip or preset.package.replace('_', '-')}"
    return None


__all__ = [
    "KNOWN_PROMPT_FORMATS",
    "BackendError",
    "ErrorKind",
    "ModelPreset",
    "PresetError",
    "Sampling",
    "backend_from_preset",
    "builtin_presets_dir",
    "check_available",
    "check_endpoint_url",
    "default_preset",
    "load_backend",
    "load_preset_file",
    "load_presets",
    "resolve_preset",
    "strip_userinfo",
    "undeclared_deviations",
]
