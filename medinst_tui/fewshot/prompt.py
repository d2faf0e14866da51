"""Assemble the final prompt and fit it into the model's context.

Fitting drops shots from the far end first (the demonstration farthest from the query), then cuts the end
of the query's input, until prompt + max_tokens fits; the report says exactly what was dropped or cut.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from medinst_tui.backends.base import ChatMessage, GenerationRequest
from medinst_tui.fewshot.formats import PromptFormat, chat_messages, plain_text
from medinst_tui.fewshot.shots import Shot

TokenCounter = Callable[[Sequence[ChatMessage] | str], int]
TRUNCATION_MARK = " …"


class PromptTooLongError(ValueError):
    pass


@dataclass(frozen=True)
class FitReport:
    prompt_tokens: int
    exact: bool  # False: an estimate (remote backends)
    n_ctx: int | None
    max_tokens: int
    dropped_shots: tuple[str, ...] = ()  # origins of the shots left out
    input_chars_cut: int = 0

    def describe(self) -> str:
        count = f"{self.prompt_tokens}{'' if self.exact else ' (estimate)'}"
        budget = f" + {self.max_tokens} new / {self.n_ctx} ctx" if self.n_ctx else ""
        notes = []
        if self.dropped_shots:
            notes.append(f"dropped {len(self.dropped_shots)} shot(s): {', '.join(self.dropped_shots)}")
        if self.input_chars_cut:
            notes.append(f"cut {self.input_chars_cut} chars from the end of the input")
        return f"{count} prompt tokens{budget}" + (f"; {'; '.join(notes)}" if notes else "")


@dataclass(frozen=True)
class BuiltPrompt:
    format: str
    kind: str  # "chat" | "plain"
    messages: list[ChatMessage] | None
    text: str | None
    shots: list[Shot]
    fit: FitReport
    edited: bool = False

    def request(
        self,
        *,
        max_tokens: int,
        temperature: float = 0.0,
        seed: int | None = None,
        stop: tuple[str, ...] = (),
        cancel: threading.Event | None = None,
    ) -> GenerationRequest:
        return GenerationRequest(
            messages=self.messages if self.kind == "chat" else None,
            prompt=self.text if self.kind == "plain" else None,
            max_tokens=max_tokens,
            temperature=temperature,
            seed=seed,
            stop=stop,
            cancel=cancel,
        )


def _assemble(
    fmt: PromptFormat, instruction: str, input_text: str, shots: list[Shot]
) -> tuple[list[ChatMessage] | None, str | None]:
    if fmt.kind == "chat":
        return chat_messages(fmt, instruction, input_text, shots), None
    return None, plain_text(fmt, instruction, input_text, shots)


def build_prompt(
    fmt: PromptFormat,
    instruction: str,
    input_text: str,
    shots: list[Shot],
    *,
    count: TokenCounter | None = None,
    exact: bool = True,
    n_ctx: int | None = None,
    max_tokens: int = 1024,
) -> BuiltPrompt:
    """The prompt for one query; with `count` and `n_ctx`, fitted so prompt + max_tokens <= n_ctx."""
    kept = list(shots)
    dropped: list[str] = []
    cut = 0

    def measure(inp: str) -> tuple[list[ChatMessage] | None, str | None, int]:
        messages, text = _assemble(fmt, instruction, inp, kept)
        tokens = count(messages if messages is not None else (text or "")) if count else 0
        return messages, text, tokens

    messages, text, tokens = measure(input_text)
    if count is not None and n_ctx is not None:
        if max_tokens >= n_ctx:
            raise PromptTooLongError(f"max_tokens {max_tokens} leaves no room in a {n_ctx}-token context")
        while tokens + max_tokens > n_ctx and kept:
            dropped.append(kept.pop(0).origin)
            messages, text, tokens = measure(input_text)
        if tokens + max_tokens > n_ctx:
            # Binary search for the longest prefix of the input that fits.
            lo, hi = 0, len(input_text)
            while lo < hi:
                mid = (lo + hi + 1) // 2
                if measure(input_text[:mid] + TRUNCATION_MARK)[2] + max_tokens <= n_ctx:
                    lo = mid
                else:
                    hi = mid - 1
            candidate = input_text[:lo] + TRUNCATION_MARK
            messages, text, tokens = measure(candidate)
            if tokens + max_tokens > n_ctx:
                raise PromptTooLongError(
                    f"the instruction alone needs {tokens} tokens; with max_tokens {max_tokens} it can't fit "
                    f"in {n_ctx}: lower --max-tokens or use a model with a larger context"
                )
            cut = len(input_text) - lo
    fit = FitReport(tokens, exact if count else False, n_ctx, max_tokens, tuple(dropped), cut)
    return BuiltPrompt(fmt.name, fmt.kind, messages, text, kept, fit)
