"""What the reader last set in the app, remembered across restarts: the theme, the playground's model and
sampling, the batch size, the export folder and format. Headless: no Textual here.

The state is a versioned JSON file, `state.json`, beside `config.yaml` (README, "The app"). It is the app's
file, not the user's: `config.yaml` is never written for it. It is written atomically (a temporary file
renamed over it), re-read before each write so two running apps only replace the section they changed,
and a file that cannot be used (not UTF-8, not JSON, a wrong shape) costs one warning line and gives the
defaults, never a crash. A file written by a newer version is left as it is.

Nothing secret is stored: the API key's *variable name* only (a value that is not a variable name is
dropped, in case a key was pasted there), and a URL's `user:key@` part is stripped.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import re
import types
import typing
import weakref
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, TypeVar, Union, get_args, get_origin

from medinst_tui.paths import config_file, data_dir

STATE_VERSION = 1
FILE_NAME = "state.json"
SECTIONS = ("app", "playground", "batch", "export")
ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")  # the same rule as presets and `--api-key-env`
EXPORT_FORMATS = ("jsonl", "parquet")

T = TypeVar("T")


def state_path(config_path: Path | None = None) -> Path:
    """`state.json` in the folder of the config file (`medinst locate config`)."""
    return (config_path or config_file()).with_name(FILE_NAME)


def default_export_folder() -> Path:
    """Where the app's exports go unless the reader chose another folder: `exports/` in the data dir."""
    return (data_dir() / "exports").expanduser().absolute()


class StateFile:
    """The state file of one app: loaded once, each `remember` merged into the file on disk."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.writable = True
        self.warning: str | None = None  # why the file on disk was not used (one line), until taken
        self.data: dict[str, dict[str, Any]] = {}
        loaded, problem, newer = _read(path)
        if problem:
            self.warning = problem
            self.writable = not newer
        self.data = loaded

    def take_warning(self) -> str | None:
        """The load warning, once (the first screen that uses the state shows it)."""
        warning, self.warning = self.warning, None
        return warning

    def section(self, name: str) -> dict[str, Any]:
        return dict(self.data.get(name, {}))

    def remember(self, name: str, values: Mapping[str, Any]) -> str | None:
        """Merge `values` into section `name` and write the file; None, or why it could not be written."""
        assert name in SECTIONS, name
        merged = {**self.data.get(name, {}), **values}
        if merged == self.data.get(name):
            return None
        self.data[name] = merged
        if not self.writable:
            return None  # a newer version's file: kept as it is (this session remembers in memory)
        on_disk, problem, newer = _read(self.path)
        if newer:
            self.writable = False
            return problem
        # what another running app wrote meanwhile stays; this app's change wins in its section
        sections = {**(on_disk if not problem else {}), name: merged}
        try:
            _write(self.path, {"version": STATE_VERSION, **sections})
        except OSError as exc:
            return f"{self.path}: cannot remember the settings ({exc.strerror or exc})"
        return None


def _read(path: Path) -> tuple[dict[str, dict[str, Any]], str | None, bool]:
    """(sections, problem, written by a newer version). A missing file is no problem."""
    unusable = "the remembered settings are not used (defaults), and the file is replaced on the next change"
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        return {}, None, False
    except UnicodeDecodeError as exc:
        return {}, f"{path}: not UTF-8 (byte {exc.start}): {unusable}", False
    except OSError as exc:
        return {}, f"{path}: cannot be read ({exc.strerror or exc}): {unusable}", False
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        return {}, f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}): {unusable}", False
    if not isinstance(raw, dict):
        return {}, f"{path}: not a JSON object: {unusable}", False
    version = raw.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        return {}, f"{path}: no valid 'version': {unusable}", False
    if version > STATE_VERSION:
        note = f"{path}: written by a newer medinst (state version {version}): defaults are used, file kept"
        return {}, note, True
    sections = {k: v for k, v in raw.items() if k in SECTIONS and isinstance(v, dict)}
    bad = sorted(k for k in SECTIONS if k in raw and not isinstance(raw[k], dict))
    problem = f"{path}: ignored {', '.join(bad)} (not a JSON object)" if bad else None
    return sections, problem, False


def _write(path: Path, payload: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        tmp.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


# -- dataclasses to and from JSON ----------------------------------------------------------------------------
def _fit(value: Any, hint: Any) -> tuple[bool, Any]:
    """(whether `value` from JSON fits the type `hint`, the value as that type)."""
    origin = get_origin(hint)
    if origin is Union or origin is types.UnionType:
        for arg in get_args(hint):
            ok, out = _fit(value, arg)
            if ok:
                return True, out
        return False, None
    if origin is Literal:
        return value in get_args(hint), value
    if origin is tuple:
        args = get_args(hint)
        if not isinstance(value, list) or len(args) != 2 or args[1] is not Ellipsis:
            return False, None
        items = [_fit(v, args[0]) for v in value]
        return all(ok for ok, _ in items), tuple(v for _, v in items)
    if hint is type(None):
        return value is None, None
    if hint is bool:
        return isinstance(value, bool), value
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool), value
    if hint is float:
        return isinstance(value, int | float) and not isinstance(value, bool), float(value)
    if hint is str:
        return isinstance(value, str), value
    return False, None


def restore(cls: type[T], raw: Mapping[str, Any], base: T | None = None) -> tuple[T, list[str]]:
    """An instance of the dataclass `cls` from remembered values: each field that is present and of the
    field's type is taken, the others keep `base`'s (or the default). Returns it and the ignored keys."""
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    kept: dict[str, Any] = {}
    ignored: list[str] = []
    for key, value in raw.items():
        if key not in names:
            continue  # a field a later version added and this one does not know: not an error
        ok, converted = _fit(value, hints[key])
        if ok:
            kept[key] = converted
        else:
            ignored.append(key)
    start = base if base is not None else cls()
    return dataclasses.replace(start, **kept), ignored  # type: ignore[type-var]


def to_json(obj: Any) -> dict[str, Any]:
    """A dataclass as JSON values (tuples become lists)."""
    out = {}
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        out[f.name] = list(value) if isinstance(value, tuple) else value
    return out


def safe_model_fields(values: dict[str, Any]) -> dict[str, Any]:
    """The playground's model fields with nothing secret in them: the key env var's name only when it is
    a variable name, a URL without its `user:key@`."""
    out = dict(values)
    env = out.get("api_key_env")
    if isinstance(env, str) and env.strip() and not ENV_NAME.fullmatch(env.strip()):
        out["api_key_env"] = ""  # not a variable name: perhaps the key itself, never written
    model = out.get("model")
    if isinstance(model, str) and model.startswith(("http://", "https://")):
        from medinst_tui.backends.presets import strip_userinfo

        out["model"] = strip_userinfo(model)
    return out


# -- the app, batch and export sections ----------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class AppState:
    theme: str = ""  # the theme last chosen in the app ("": none)
    config_theme: str = ""  # config.yaml's `theme:` when it was chosen ("": none)

    def theme_for(self, config_theme: str | None) -> str | None:
        """The theme to start with: the one chosen in the app, unless config.yaml's `theme:` was changed
        since that choice (the later decision wins)."""
        if self.theme and self.config_theme == (config_theme or ""):
            return self.theme
        return config_theme


def app_state(state: StateFile) -> AppState:
    value, _ = restore(AppState, state.section("app"))
    return value


@dataclasses.dataclass(frozen=True)
class BatchState:
    n: int | None = 20  # a seeded sample of N; None: every row of the filter
    seed: int = 0
    concurrency: int | None = None  # requests in flight; None: the preset's


@dataclasses.dataclass(frozen=True)
class ExportState:
    folder: str = ""  # "" is default_export_folder()
    format: str = "jsonl"

    def folder_path(self) -> Path:
        path = Path(self.folder).expanduser() if self.folder else default_export_folder()
        return path if path.is_absolute() else default_export_folder()

    def fmt(self) -> str:
        return self.format if self.format in EXPORT_FORMATS else "jsonl"


def batch_state(state: StateFile) -> BatchState:
    value, _ = restore(BatchState, state.section("batch"))
    bad_n = value.n is not None and value.n < 1
    bad_concurrency = value.concurrency is not None and value.concurrency < 1
    if bad_n or bad_concurrency or value.seed < 0:
        return BatchState()
    return value


def export_state(state: StateFile) -> ExportState:
    value, _ = restore(ExportState, state.section("export"))
    return value


# -- one state file per running app --------------------------------------------------------------------------
_states: weakref.WeakKeyDictionary[object, StateFile] = weakref.WeakKeyDictionary()


def state_for(app: object) -> StateFile:
    """The app's state file, beside its config file (`app.config_path`, else the default config)."""
    state = _states.get(app)
    if state is None:
        config_path = getattr(app, "config_path", None)
        state = _states[app] = StateFile(state_path(Path(config_path) if config_path else None))
    return state
