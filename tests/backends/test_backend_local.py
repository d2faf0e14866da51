"""The llama-cpp-python backend on the tiny random-weights GGUF (real llama.cpp, n_threads=1).

The tiny model is built so that greedy decoding emits one printable ASCII byte per token and never
EOS (see tests/tiny_gguf.py); its vocabulary has one token per byte plus six special tokens. Those two
facts are the independent oracles for token counts and output lengths below.
"""

from __future__ import annotations

import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import jinja2
import pytest

from medinst_tui.backends import llama_log
from medinst_tui.backends.base import (
    Backend,
    BackendError,
    ChatMessage,
    Chunk,
    ErrorKind,
    GenerationRequest,
)
from medinst_tui.backends.llama_local import LlamaLocalBackend, loaded_models
from tests.tiny_gguf import BOS, CHAT_TEMPLATE, SPECIAL_TOKENS, write_tiny_gguf

MESSAGES: list[ChatMessage] = [
    {"role": "user", "content": "Extract the chemicals: aspirin and ibuprofen."},
    {"role": "assistant", "content": "[aspirin], [ibuprofen]"},
    {"role": "user", "content": "Extract the chemicals: caffeine reduces fatigue."},
]
SPECIAL_RE = re.compile("|".join(re.escape(t) for t in SPECIAL_TOKENS))


def expected_token_count(text: str) -> int:
    """One token per special token, one per UTF-8 byte of everything else."""
    specials = SPECIAL_RE.findall(text)
    return len(specials) + len(SPECIAL_RE.sub("", text).encode("utf-8"))


@pytest.fixture
def backend(tiny_gguf_path: Path) -> Iterator[LlamaLocalBackend]:
    b = LlamaLocalBackend(tiny_gguf_path, n_ctx=512, n_threads=1)
    yield b
    b.close()


def test_is_a_backend(backend: LlamaLocalBackend) -> None:
    assert isinstance(backend, Backend)


def test_stream_yields_deltas_then_one_final_chunk(backend: LlamaLocalBackend) -> None:
    chunks = list(backend.stream(GenerationRequest(messages=MESSAGES, max_tokens=24)))
    final = chunks[-1]
    assert final.final and all(not c.final for c in chunks[:-1])
    assert len(chunks) > 2, "the text should arrive token by token"
    text = "".join(c.text for c in chunks)
    assert final.finish_reason == "length"
    assert final.usage is not None and final.usage.exact
    assert final.usage.completion_tokens == 24
    assert len(text) == 24 and all(0x20 <= ord(ch) < 0x7F for ch in text)
    assert final.timings is not None and final.timings.ttft_s is not None
    assert final.timings.tokens_per_s is not None and final.timings.tokens_per_s > 0


def test_prompt_token_counts_are_exact(backend: LlamaLocalBackend) -> None:
    rendered = backend.render(MESSAGES)
    assert backend.count_tokens(MESSAGES) == expected_token_count(rendered)
    # Plain text: the model adds a BOS; specials in plain text are not parsed as control tokens.
    text = "Dose: 5 mg/kg (≈ twice daily) <s>"
    assert backend.count_tokens(text) == 1 + len(text.encode("utf-8"))
    result = backend.complete(GenerationRequest(messages=MESSAGES, max_tokens=3))
    assert result.usage.prompt_tokens == expected_token_count(rendered)


def test_template_comes_from_gguf_metadata(backend: LlamaLocalBackend) -> None:
    info = backend.describe()
    assert info.template == "gguf:tokenizer.chat_template"
    assert info.template_source == "gguf metadata"
    assert info.kind == "local" and info.exact_token_counts and info.n_ctx == 512
    env = jinja2.Environment(trim_blocks=True, lstrip_blocks=True)
    expected = env.from_string(CHAT_TEMPLATE).render(
        messages=MESSAGES, bos_token=BOS, add_generation_prompt=True
    )
    assert backend.render(MESSAGES) == expected
    assert backend.render(MESSAGES).count(BOS) == 1  # the template writes it; no second BOS is added


def test_missing_template_is_an_error_not_a_fallback(tiny_gguf_no_template_path: Path) -> None:
    backend = LlamaLocalBackend(tiny_gguf_no_template_path, n_ctx=256, n_threads=1)
    try:
        assert backend.describe().template == "none"
        with pytest.raises(BackendError) as caught:
            backend.stream(GenerationRequest(messages=MESSAGES))
        assert caught.value.kind is ErrorKind.CONFIG
        assert "medinst-plain" in caught.value.message and "chat_format" in caught.value.message
        with pytest.raises(BackendError):
            backend.render(MESSAGES)
        # The plain format still works on such a model.
        result = backend.complete(GenerationRequest(prompt="Input: aspirin\nOutput:", max_tokens=5))
        assert result.usage.completion_tokens == 5
    finally:
        backend.close()


def test_preset_template_and_named_format_win_over_gguf(tiny_gguf_path: Path) -> None:
    custom = LlamaLocalBackend(
        tiny_gguf_path,
        n_ctx=512,
        n_threads=1,
        chat_template="{% for m in messages %}[{{ m.content }}]{% endfor %}",
    )
    named = LlamaLocalBackend(tiny_gguf_path, n_ctx=512, n_threads=1, chat_format="chatml")
    unknown = LlamaLocalBackend(tiny_gguf_path, n_ctx=512, n_threads=1, chat_format="no-such-format")
    try:
        assert custom.render(MESSAGES[:1]) == "[" + MESSAGES[0]["content"] + "]"
        assert custom.describe().template_source == "preset"
        assert "<|im_start|>user\n" + MESSAGES[0]["content"] in named.render(MESSAGES[:1])
        assert named.describe().template == "chatml"
        with pytest.raises(BackendError, match="unknown chat_format"):
            unknown.load()
    finally:
        for b in (custom, named, unknown):
            b.close()


def test_cancel_stops_between_tokens(backend: LlamaLocalBackend) -> None:
    cancel = threading.Event()
    seen: list[Chunk] = []
    with pytest.raises(BackendError) as caught:
        for chunk in backend.stream(GenerationRequest(messages=MESSAGES, max_tokens=200, cancel=cancel)):
            seen.append(chunk)
            if len(seen) == 3:
                cancel.set()
    err = caught.value
    assert err.kind is ErrorKind.CANCELLED
    assert err.partial is not None and err.partial.usage.completion_tokens == 3
    assert err.partial.text == "".join(c.text for c in seen)
    # The model stays usable after a cancel.
    assert backend.complete(GenerationRequest(prompt="x", max_tokens=2)).usage.completion_tokens == 2


def test_stop_string_cuts_the_output(backend: LlamaLocalBackend) -> None:
    full = backend.complete(GenerationRequest(messages=MESSAGES, max_tokens=40)).text
    stop = full[12:15]
    cut = backend.complete(GenerationRequest(messages=MESSAGES, max_tokens=40, stop=(stop,)))
    assert cut.finish_reason == "stop"
    assert cut.text == full[: full.index(stop)]


def test_kv_prefix_is_reused_and_output_unchanged(backend: LlamaLocalBackend, tiny_gguf_path: Path) -> None:
    shared = "Example 1: aspirin -> [aspirin]\nExample 2: caffeine and ethanol -> [caffeine], [ethanol]\n"
    first = GenerationRequest(prompt=shared + "Now: ibuprofen ->", max_tokens=8)
    second = GenerationRequest(prompt=shared + "Now: metformin lowers glucose ->", max_tokens=8)
    backend.complete(first)
    warm = backend.complete(second)
    common = 1 + len((shared + "Now: ").encode())  # BOS + the shared bytes
    assert warm.usage.cached_prompt_tokens == common
    # A separate model instance (different n_ctx) evaluates the whole prompt from scratch.
    fresh = LlamaLocalBackend(tiny_gguf_path, n_ctx=384, n_threads=1)
    try:
        cold = fresh.complete(second)
    finally:
        fresh.close()
    assert cold.usage.cached_prompt_tokens == 0
    assert warm.text == cold.text


def test_prompt_over_the_context_is_refused(backend: LlamaLocalBackend) -> None:
    with pytest.raises(BackendError) as caught:
        backend.stream(GenerationRequest(prompt="a" * 600))
    assert caught.value.kind is ErrorKind.CONTEXT_OVERFLOW
    # max_tokens is clipped to what the window still holds.
    result = backend.complete(GenerationRequest(prompt="a" * 500, max_tokens=100))
    assert result.usage.prompt_tokens == 501 and result.usage.completion_tokens == 11


def test_same_settings_share_one_model_and_close_frees_it(tiny_gguf_path: Path) -> None:
    before = loaded_models()
    a = LlamaLocalBackend(tiny_gguf_path, n_ctx=320, n_threads=1)
    b = LlamaLocalBackend(tiny_gguf_path, n_ctx=320, n_threads=1)
    a.load()
    b.load()
    assert loaded_models() == before + 1
    a.close()
    assert loaded_models() == before + 1
    b.close()
    assert loaded_models() == before
    with pytest.raises(BackendError):
        a.complete(GenerationRequest(prompt="x"))


def test_concurrent_calls_are_serialized(backend: LlamaLocalBackend) -> None:
    prompts = [f"Sample {i}: the patient received {i} mg of drug" for i in range(4)]
    sequential = [backend.complete(GenerationRequest(prompt=p, max_tokens=10)).text for p in prompts]
    results: dict[int, str] = {}

    def run(i: int) -> None:
        results[i] = backend.complete(GenerationRequest(prompt=prompts[i], max_tokens=10)).text

    threads = [threading.Thread(target=run, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert [results[i] for i in range(4)] == sequential


def test_llama_cpp_never_writes_to_the_terminal(
    tiny_gguf_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    llama_log.clear()
    backend = LlamaLocalBackend(tiny_gguf_path, n_ctx=448, n_threads=1)  # a fresh load
    try:
        backend.complete(GenerationRequest(messages=MESSAGES, max_tokens=4))
    finally:
        backend.close()
    captured = capfd.readouterr()
    assert captured.err == "" and captured.out == ""
    assert "llama" in llama_log.recent(), "the load log is kept for diagnostics"


def test_model_identity_tracks_the_file(tiny_gguf_path: Path, tmp_path: Path) -> None:
    other = write_tiny_gguf(tmp_path / "tiny.gguf", seed=1)
    a = LlamaLocalBackend(tiny_gguf_path, n_ctx=512, n_threads=1)
    b = LlamaLocalBackend(other, n_ctx=512, n_threads=1)
    try:
        assert a.describe().model_id == a.describe().model_id
        assert a.describe().model_id != b.describe().model_id
    finally:
        a.close()
        b.close()


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    backend = LlamaLocalBackend(tmp_path / "nope.gguf")
    with pytest.raises(BackendError) as caught:
        backend.describe()
    assert caught.value.kind is ErrorKind.CONFIG and "nope.gguf" in caught.value.message


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "medinst_tui", *args], capture_output=True, text=True, timeout=120, check=False
    )


def test_a_file_that_is_not_gguf_is_one_line_from_the_cli(demo_db: Path, tmp_path: Path) -> None:
    model = tmp_path / "notgguf.bin"
    model.write_bytes(b"PK\x03\x04" + bytes(range(256)) * 8)  # e.g. a zip, or a PyTorch checkpoint
    proc = run_cli("prompt", "MedQA", "--model", str(model), "--db", str(demo_db))
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and "llama_model_load" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error: ") and "notgguf.bin is not a GGUF model file (bad magic" in lines[0]


def test_a_gguf_llama_cpp_refuses_cites_this_load_only(tiny_gguf_path: Path, tmp_path: Path) -> None:
    good = LlamaLocalBackend(tiny_gguf_path, n_ctx=320, n_threads=1)  # a fresh load that logs plenty
    good.load()
    good.close()
    data = tiny_gguf_path.read_bytes()
    broken = tmp_path / "truncated.gguf"
    broken.write_bytes(data[: len(data) // 2])  # valid header, tensor data cut off
    with pytest.raises(BackendError) as caught:
        LlamaLocalBackend(broken, n_threads=1).load()
    message = caught.value.message
    assert caught.value.kind is ErrorKind.CONFIG and "\n" not in message
    assert message.startswith(f"llama.cpp could not load {broken}: ")
    assert "not within the file bounds" in message  # llama.cpp's own reason, its prefixes removed
    assert "medinst-tiny-test" not in message and "tiny.gguf" not in message  # nothing from the last load
    assert llama_log.FULL_LOG_ENV in message


def test_the_full_llama_cpp_log_of_a_failed_load_is_behind_an_env_var(
    tiny_gguf_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tiny_gguf_path.read_bytes()
    broken = tmp_path / "truncated.gguf"
    broken.write_bytes(data[: len(data) // 2])
    monkeypatch.setenv(llama_log.FULL_LOG_ENV, "1")
    with pytest.raises(BackendError) as caught:
        LlamaLocalBackend(broken, n_threads=1).load()
    first, *log = caught.value.message.splitlines()
    assert "not within the file bounds" in first
    assert "failed to load model" not in first  # the one line is the cause; the log has the rest
    assert any(line.startswith("llama_model_load") and "not within the file bounds" in line for line in log)
    assert any(line.endswith("failed to load model") for line in log)


def test_an_empty_model_file_is_refused_before_llama_cpp(tmp_path: Path) -> None:
    empty = tmp_path / "empty.gguf"
    empty.write_bytes(b"")
    mark = llama_log.mark()
    with pytest.raises(BackendError) as caught:
        LlamaLocalBackend(empty, n_threads=1).load()
    assert caught.value.message == f"{empty} is not a GGUF model file (bad magic: it is empty)"
    assert llama_log.since(mark) == []  # llama.cpp never saw it
