"""The session layer (medinst_tui/session.py): both front ends resolve a model through it, so the same
settings give the same preset and run defaults in `medinst run` and in the TUI."""

from __future__ import annotations

from pathlib import Path

import pytest

from medinst_tui import session
from medinst_tui.backends.presets import ModelPreset, Sampling
from medinst_tui.cli.main import build_parser
from medinst_tui.cli.model_args import choose_model
from medinst_tui.tui.playground.settings import PlaygroundSettings, resolve_model, run_config


def spy(monkeypatch: pytest.MonkeyPatch) -> list[ModelPreset]:
    """The presets `session.apply_overrides` hands out, in order (each front end must go through it)."""
    seen: list[ModelPreset] = []
    real = session.apply_overrides

    def record(preset: ModelPreset, overrides: session.ModelOverrides) -> ModelPreset:
        out = real(preset, overrides)
        seen.append(out)
        return out

    monkeypatch.setattr(session, "apply_overrides", record)
    return seen


def cli_choice(argv: list[str]) -> session.RunDefaults:
    args = build_parser().parse_args(["run", "--task", "MedQA", *argv])
    choice = choose_model(args)
    choice.close()
    return session.RunDefaults(choice.format, choice.max_tokens, choice.temperature, None)


def test_a_local_model_resolves_alike_in_both_front_ends(
    monkeypatch: pytest.MonkeyPatch, tiny_gguf_path: Path
) -> None:
    seen = spy(monkeypatch)
    options = ["--model", str(tiny_gguf_path), "--n-ctx", "512", "--threads", "1"]
    cli = cli_choice([*options, "--format", "medinst-chat", "--max-tokens", "12", "--temperature", "0"])
    settings = PlaygroundSettings(
        model=str(tiny_gguf_path), n_ctx=512, n_threads=1, format="medinst-chat", max_tokens=12, temperature=0
    )
    cli_preset = seen[-1]  # what the CLI's last call to the session layer gave
    tui_preset = resolve_model(settings, {})
    config = run_config(settings, tui_preset)
    assert seen[-1] == tui_preset and cli_preset == tui_preset
    assert (tui_preset.kind, tui_preset.n_ctx, tui_preset.n_threads) == ("local", 512, 1)
    assert (cli.format, cli.max_tokens, cli.temperature) == (
        config.format,
        config.max_tokens,
        config.temperature,
    )
    assert (config.format, config.max_tokens, config.temperature) == ("medinst-chat", 12, 0.0)


def test_an_endpoint_resolves_alike_in_both_front_ends(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = spy(monkeypatch)
    url = "http://127.0.0.1:9/v1"  # nothing is sent: the concurrency is given
    cli_choice(["--endpoint", url, "--endpoint-model", "m", "--api-key-env", "K", "--concurrency", "6"])
    cli_preset = seen[-1]
    settings = PlaygroundSettings(model=url, endpoint_model="m", api_key_env="K")
    tui_preset = resolve_model(settings, {}, concurrency=6)
    assert seen[-1] == tui_preset == cli_preset
    assert (tui_preset.kind, tui_preset.base_url, tui_preset.model, tui_preset.api_key_env) == (
        "remote",
        url,
        "m",
        "K",
    )
    assert tui_preset.max_concurrency == 6


def test_run_defaults_take_what_is_set_and_the_preset_for_the_rest() -> None:
    preset = ModelPreset(
        "p", "local", path="/m.gguf", prompt_format="medinst-plain", sampling=Sampling(0.3, 1.0, 77, 5)
    )
    assert session.run_defaults(preset) == session.RunDefaults("medinst-plain", 77, 0.3, 5)
    set_all = session.run_defaults(preset, format="medinst-chat", max_tokens=0, temperature=0.0, seed=0)
    assert set_all == session.RunDefaults("medinst-chat", 0, 0.0, 0)  # a set 0 is kept


def test_overrides_change_only_what_they_set() -> None:
    preset = ModelPreset("p", "remote", base_url="http://a/v1", model="x", max_concurrency=4)
    assert session.apply_overrides(preset, session.ModelOverrides()) is preset
    changed = session.apply_overrides(preset, session.ModelOverrides(endpoint_model="y", api="completions"))
    assert (changed.model, changed.api, changed.base_url, changed.max_concurrency) == (
        "y",
        "completions",
        "http://a/v1",
        4,
    )
