"""A local GGUF model through llama-cpp-python.

- The model loads lazily (first call that needs it, or ``load()`` from a worker) and is shared between
  backend objects with the same (path, n_ctx, threads, GPU layers, batch); calls on one model are
  serialized with a lock.
- Chat messages are rendered by an explicit template: the preset's Jinja ``chat_template``, a named
  llama-cpp-python ``chat_format``, or the GGUF's own ``tokenizer.chat_template``. There is no silent
  fallback: a model without a template refuses chat requests and says what to do (llama_templates.py).
- We tokenize the rendered prompt ourselves and drive ``Llama.generate`` token by token. That gives
  exact token counts, a cancel check between tokens, and KV-cache reuse: ``generate`` keeps the
  cached state for the longest common token prefix with the previous prompt, so few-shot prompts
  that share their demonstrations only evaluate the new suffix.
- llama.cpp's log output never reaches the terminal (see ``llama_log``).
"""

from __future__ import annotations

import codecs
import contextlib
import io
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from medinst_tui.backends import llama_log
from medinst_tui.backends.base import (
    BackendError,
    BackendInfo,
    ChatMessage,
    Chunk,
    Completion,
    ErrorKind,
    FinishReason,
    GenerationRequest,
    RateMeter,
    StopMatcher,
    Usage,
    collect,
)
from medinst_tui.backends.gguf_files import (
    check_gguf_magic,
    content_fingerprint,
    load_failure_line,
    model_identity,
)
from medinst_tui.backends.llama_templates import (
    GGUF_TEMPLATE_KEY,
    NO_TEMPLATE_HELP,
    ChatTemplate,
    SystemPromptPolicy,
    resolve_template,
    with_system_policy,
)
from medinst_tui.backends.templates import SystemDefault

__all__ = ["LlamaLocalBackend", "ModelSource", "content_fingerprint", "loaded_models", "model_identity"]

ModelSource = Path | Callable[[], Path]


@dataclass(frozen=True)
class _ModelKey:
    path: str
    n_ctx: int
    n_threads: int | None
    n_gpu_layers: int
    n_batch: int


class _SharedModel:
    def __init__(self, llama: Any) -> None:
        self.llama = llama
        self.lock = threading.Lock()
        self.refs = 0


_models: dict[_ModelKey, _SharedModel] = {}
_models_lock = threading.Lock()


# Fixed sampler settings: OpenAI semantics (temperature + top_p only), part of every cache identity.
_SAMPLING: dict[str, float] = {"top_k": 0, "min_p": 0.0, "repeat_penalty": 1.0}


def _top_p(request: GenerationRequest) -> float:
    return 1.0 if request.top_p is None else request.top_p  # unset: OpenAI's default, no nucleus cut


class LlamaLocalBackend:
    """A ``Backend`` over a local GGUF file."""

    def __init__(
        self,
        model: ModelSource,
        *,
        name: str | None = None,
        n_ctx: int = 4096,
        n_threads: int | None = None,
        n_gpu_layers: int = 0,
        n_batch: int = 512,
        chat_format: str | None = None,
        chat_template: str | None = None,
        seed: int = 0,
        default_system_prompt: SystemPromptPolicy = "keep",
        deviations: Mapping[str, str] | None = None,
    ) -> None:
        self._source = model
        self._name = name
        self._n_ctx = n_ctx
        self._n_threads = n_threads
        self._n_gpu_layers = n_gpu_layers
        self._n_batch = n_batch
        self._chat_format = chat_format
        self._chat_template = chat_template
        self._seed = seed
        self._system_policy: SystemPromptPolicy = default_system_prompt
        self._declared = dict(deviations or {})
        self._system: SystemDefault | None = None
        self._path: Path | None = model if isinstance(model, Path) else None
        self._key: _ModelKey | None = None
        self._shared: _SharedModel | None = None
        self._template: ChatTemplate | None = None
        self._init_lock = threading.Lock()
        self._closed = False

    def __repr__(self) -> str:
        where = str(self._path) if self._path is not None else "<lazy>"
        return f"LlamaLocalBackend({self._name or where!r}, n_ctx={self._n_ctx})"

    # -- loading ---------------------------------------------------------------------------------

    @property
    def loaded(self) -> bool:
        return self._shared is not None

    def load(self) -> None:
        """Load (or attach to an already loaded) model. Blocking: call it from a worker thread."""
        self._ensure()

    def _resolve_path(self) -> Path:
        if self._path is None:
            assert callable(self._source)
            self._path = self._source()
        path = self._path.expanduser()
        if not path.is_file():
            raise BackendError(ErrorKind.CONFIG, f"model file not found: {path}")
        return path

    def _ensure(self) -> _SharedModel:
        if self._shared is not None:
            return self._shared
        with self._init_lock:
            if self._closed:
                raise BackendError(ErrorKind.CONFIG, "this backend was closed")
            if self._shared is not None:
                return self._shared
            path = self._resolve_path()
            key = _ModelKey(
                str(path.resolve()), self._n_ctx, self._n_threads, self._n_gpu_layers, self._n_batch
            )
            with _models_lock:
                shared = _models.get(key)
                if shared is None:
                    shared = _SharedModel(self._load_llama(path))
                    _models[key] = shared
                shared.refs += 1
            self._key = key
            try:
                chosen = resolve_template(shared.llama, self._chat_template, self._chat_format)
                self._template, self._system = with_system_policy(chosen, self._system_policy)
            except BackendError:
                with _models_lock:
                    shared.refs -= 1
                    unused = shared.refs == 0 and _models.pop(key, None) is not None
                if unused:
                    shared.llama.close()
                raise
            self._shared = shared
            return shared

    def _load_llama(self, path: Path) -> Any:
        check_gguf_magic(path)
        llama_log.install()
        from llama_cpp import Llama

        python_stderr = io.StringIO()
        start = llama_log.mark()  # the error cites this load's log only, never a previous model's
        try:
            # verbose=True stops llama-cpp-python from pointing fd 1 *and* fd 2 at /dev/null during
            # the load (fd 1 is the TUI's screen); we capture fd 2 and Python's stderr ourselves.
            with llama_log.capture_fd2(), contextlib.redirect_stderr(python_stderr):
                llama = Llama(
                    model_path=str(path),
                    n_ctx=self._n_ctx,
                    n_threads=self._n_threads,
                    n_threads_batch=self._n_threads,
                    n_gpu_layers=self._n_gpu_layers,
                    n_batch=self._n_batch,
                    seed=self._seed,
                    verbose=True,
                )
        except (ValueError, RuntimeError, OSError) as exc:
            llama_log.append_text(python_stderr.getvalue())
            python_stderr = io.StringIO()
            lines = llama_log.since(start)
            message = f"llama.cpp could not load {path}: {load_failure_line(lines) or exc}"
            if llama_log.full_log_wanted():
                message += "\nllama.cpp log of this load:\n" + "\n".join(lines)
            else:
                message += f" (set {llama_log.FULL_LOG_ENV}=1 for llama.cpp's full log)"
            raise BackendError(ErrorKind.CONFIG, message) from None
        finally:
            llama_log.append_text(python_stderr.getvalue())
        llama.verbose = False  # no per-call prints (prefix-match notes, timings) on stderr
        return llama

    # -- Backend protocol ------------------------------------------------------------------------

    def describe(self) -> BackendInfo:
        shared = self._ensure()
        llama = shared.llama
        assert self._template is not None and self._path is not None
        path = self._path.resolve()
        label = str(llama.metadata.get("general.name") or path.stem)
        details: tuple[tuple[str, str], ...] = (
            ("path", str(path)),
            ("file size", f"{path.stat().st_size / 1e6:.1f} MB"),
            ("model", str(llama._model.desc())),
            ("parameters", f"{llama._model.n_params() / 1e6:.1f} M"),
            ("trained context", str(llama._model.n_ctx_train())),
            ("threads", str(llama.n_threads)),
            ("GPU layers", str(self._n_gpu_layers)),
        )
        deviations = self.deviations()
        if deviations:
            details += (("deviates from the paper", "; ".join(f"{k}: {v}" for k, v in deviations)),)
        return BackendInfo(
            name=self._name or path.stem,
            kind="local",
            model_id=model_identity(path),
            model_label=label,
            template=self._template.label,
            template_source=self._template.source,
            n_ctx=int(llama.n_ctx()),
            exact_token_counts=True,
            exact_render=True,
            max_concurrency=1,
            details=details,
            deviations=deviations,
            request_template=self.request_template(),
            default_system_prompt=self._system.text if self._system is not None else None,
            system_prompt_sent=self._system is not None and self._system_policy == "keep",
        )

    def deviations(self) -> tuple[tuple[str, str], ...]:
        """The preset's declared deviations, plus a default system prompt the template inserts."""
        out = dict(self._declared)
        if self._system is not None and self._system_policy == "keep":
            found = (
                f"the chat template inserts its default system prompt {self._system.text!r} "
                "(the paper sent no system message"
                + ("; default_system_prompt: omit renders without it)" if self._system.can_omit else ")")
            )
            out["system_prompt"] = (out["system_prompt"] + "; " + found) if "system_prompt" in out else found
        return tuple(out.items())

    def request_template(self) -> dict[str, Any]:
        """What llama.cpp runs for a request, with placeholders for the per-request values."""
        assert self._template is not None
        return {
            "engine": "llama.cpp (in process)",
            "prompt": f"{{messages}} rendered by {self._template.label}, tokenized",
            "max_tokens": "{max_tokens}",
            "sampling": {**_SAMPLING, "temperature": "{temperature}", "top_p": 1.0},
            "only_when_set": ["top_p", "seed", "stop"],
        }

    def render(self, messages: Sequence[ChatMessage]) -> str:
        self._ensure()
        return self._render(messages)[0]

    def _render(self, messages: Sequence[ChatMessage]) -> tuple[str, list[str]]:
        template = self._template
        assert template is not None and self._path is not None
        if template.render is None:
            raise BackendError(
                ErrorKind.CONFIG, f"{self._path.name} " + NO_TEMPLATE_HELP.format(key=GGUF_TEMPLATE_KEY)
            )
        return template.render([{"role": m["role"], "content": m["content"]} for m in messages])

    def count_tokens(self, messages_or_text: Sequence[ChatMessage] | str) -> int:
        self._ensure()
        if isinstance(messages_or_text, str):
            return len(self._tokenize_plain(messages_or_text))
        return len(self._tokenize_chat(self._render(messages_or_text)[0]))

    def tokenize(self, request: GenerationRequest) -> list[int]:
        """The exact prompt tokens a request is evaluated on (BOS included)."""
        self._ensure()
        return self._prompt(request)[0]

    def _tokenize_plain(self, text: str) -> list[int]:
        llama = self._ensure().llama
        tokens: list[int] = llama.tokenize(
            text.encode("utf-8"), add_bos=bool(llama._model.add_bos_token()), special=False
        )
        return tokens

    def _tokenize_chat(self, rendered: str) -> list[int]:
        llama = self._ensure().llama
        bos_id = llama.token_bos()
        bos_text = llama._model.token_get_text(bos_id) if bos_id != -1 else ""
        # Templates that write the BOS themselves (most do, via {{ bos_token }}) must not get a second.
        add_bos = bool(llama._model.add_bos_token()) and not (bos_text and rendered.startswith(bos_text))
        tokens: list[int] = llama.tokenize(rendered.encode("utf-8"), add_bos=add_bos, special=True)
        return tokens

    def _prompt(self, request: GenerationRequest) -> tuple[list[int], list[str]]:
        if request.prompt is not None:
            return self._tokenize_plain(request.prompt), []
        assert request.messages is not None
        rendered, template_stops = self._render(request.messages)
        return self._tokenize_chat(rendered), template_stops

    def cache_identity(self, request: GenerationRequest) -> dict[str, object]:
        """The exact prompt tokens (after the chat template), the weights and the sampling they run with."""
        shared = self._ensure()
        assert self._path is not None
        tokens, template_stops = self._prompt(request)
        return {
            "engine": "llama.cpp",
            "model": model_identity(self._path),
            "n_ctx": int(shared.llama.n_ctx()),  # caps the new tokens of a long prompt
            "tokens": tokens,
            "stop": [*request.stop, *template_stops],
            "max_tokens": request.max_tokens,
            "sampling": {**_SAMPLING, "temperature": request.temperature, "top_p": _top_p(request)},
            "seed": request.seed,
        }

    def stream(self, request: GenerationRequest) -> Iterator[Chunk]:
        """Validate and tokenize now (errors raise here), then return the token stream."""
        shared = self._ensure()
        tokens, template_stops = self._prompt(request)
        n_ctx = int(shared.llama.n_ctx())
        if not tokens:
            raise BackendError(ErrorKind.BAD_REQUEST, "the prompt is empty")
        if len(tokens) >= n_ctx:
            raise BackendError(
                ErrorKind.CONTEXT_OVERFLOW,
                f"the prompt is {len(tokens)} tokens; the context window is {n_ctx}",
            )
        max_new = min(request.max_tokens, n_ctx - len(tokens))
        return self._generate(shared, request, tokens, [*request.stop, *template_stops], max_new)

    def complete(self, request: GenerationRequest) -> Completion:
        return collect(self.stream(request))

    def _generate(
        self,
        shared: _SharedModel,
        request: GenerationRequest,
        tokens: list[int],
        stops: list[str],
        max_new: int,
    ) -> Iterator[Chunk]:
        import llama_cpp

        llama = shared.llama
        vocab = llama._model.vocab
        matcher = StopMatcher(stops)
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        with shared.lock:
            meter = RateMeter(time.perf_counter)
            cached = min(_common_prefix(llama._input_ids.tolist(), tokens), len(tokens) - 1)
            n_new = 0
            finish: FinishReason = "length"

            def outcome(reason: FinishReason | None) -> Completion:
                return Completion(
                    matcher.text[: matcher.emitted],
                    reason,
                    Usage(
                        len(tokens),
                        n_new,
                        exact=True,
                        cached_prompt_tokens=max(cached, 0),
                        cache_reported=True,
                    ),
                    meter.timings(),
                )

            if request.cancelled:
                raise BackendError(ErrorKind.CANCELLED, "cancelled before start", partial=outcome(None))
            if request.seed is not None:
                llama.set_seed(request.seed)
            generator = llama.generate(
                tokens,
                temp=request.temperature,
                top_p=_top_p(request),
                **_SAMPLING,
            )
            try:
                for token in generator:
                    meter.token()
                    if llama_cpp.llama_vocab_is_eog(vocab, token):
                        finish = "stop"
                        break
                    n_new += 1
                    text = matcher.feed(decoder.decode(llama.detokenize([token])))
                    if text:
                        yield Chunk(text)
                    if matcher.stopped:
                        finish = "stop"
                        break
                    if n_new >= max_new:
                        break
                    if request.cancelled:
                        raise BackendError(ErrorKind.CANCELLED, "cancelled", partial=outcome(None))
            finally:
                generator.close()
            tail = matcher.feed(decoder.decode(b"", final=True)) if not matcher.stopped else ""
            tail += matcher.flush() if not matcher.stopped else ""
            if tail:
                yield Chunk(tail)
            done = outcome(finish)
            yield Chunk("", finish_reason=finish, usage=done.usage, timings=done.timings)

    def log_tail(self, n: int = 200) -> str:
        """llama.cpp's recent log lines (all local models share one log)."""
        return llama_log.recent(n)

    def close(self) -> None:
        with self._init_lock:
            self._closed = True
            shared, key = self._shared, self._key
            self._shared = None
            if shared is None or key is None:
                return
            with _models_lock:
                shared.refs -= 1
                if shared.refs > 0:
                    return
                _models.pop(key, None)
            with shared.lock:
                shared.llama.close()


def _common_prefix(a: list[int], b: list[int]) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def loaded_models() -> int:
    """How many llama.cpp models are loaded in this process (for tests and a memory panel)."""
    with _models_lock:
        return len(_models)
