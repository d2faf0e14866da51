"""How a local model renders chat messages: an explicit template, never a silent fallback.

The preset's Jinja ``chat_template``, a named llama-cpp-python ``chat_format``, or the GGUF's own
``tokenizer.chat_template``; none of them: chat is refused with what to do. A template's own default
system prompt is found (templates.py) and, with ``default_system_prompt: omit``, cut.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, cast

from medinst_tui.backends.base import BackendError, ChatMessage, ErrorKind
from medinst_tui.backends.templates import SystemDefault, system_default

GGUF_TEMPLATE_KEY = "tokenizer.chat_template"
NO_TEMPLATE_HELP = (
    "has no chat template ({key}) and the preset sets neither chat_format nor chat_template: "
    "use the medinst-plain prompt format, or set chat_format (e.g. chatml) or chat_template in the preset"
)
# A chat template's default system prompt (inserted when the messages have none): keep it, or cut it.
SystemPromptPolicy = Literal["keep", "omit"]


@dataclass(frozen=True)
class ChatTemplate:
    label: str
    source: str
    render: Callable[[list[ChatMessage]], tuple[str, list[str]]] | None  # None: chat unavailable


def named_formatter(name: str) -> Callable[..., Any]:
    """llama-cpp-python's built-in formatter for a chat_format name ("chatml", "llama-2", ...)."""
    from llama_cpp import llama_chat_format

    def norm(s: str) -> str:
        return re.sub(r"[^a-z0-9]", "", s.lower())

    wanted = norm(name)
    known: list[str] = []
    for attr, value in vars(llama_chat_format).items():
        if attr.startswith("format_") and callable(value):
            known.append(attr.removeprefix("format_"))
            if norm(attr.removeprefix("format_")) == wanted:
                return value  # type: ignore[no-any-return]
    raise BackendError(
        ErrorKind.CONFIG,
        f"unknown chat_format {name!r}; llama-cpp-python knows: {', '.join(sorted(known))}",
    )


def stops(stop: str | list[str] | None) -> list[str]:
    if stop is None:
        return []
    return [stop] if isinstance(stop, str) else list(stop)


def resolve_template(llama: Any, chat_template: str | None, chat_format: str | None) -> ChatTemplate:
    from llama_cpp import llama_chat_format

    if chat_template is not None:
        return jinja_template(llama, chat_template, "preset:chat_template", "preset")
    if chat_format is not None and chat_format not in ("gguf", "auto"):
        formatter = named_formatter(chat_format)

        def render_named(messages: list[ChatMessage]) -> tuple[str, list[str]]:
            result = formatter(messages=messages)
            return result.prompt, stops(result.stop)

        return ChatTemplate(chat_format, "llama-cpp-python chat_format", render_named)
    template = llama.metadata.get(GGUF_TEMPLATE_KEY)
    if template:
        guessed = llama_chat_format.guess_chat_format_from_gguf_metadata(llama.metadata)
        label = "gguf:" + GGUF_TEMPLATE_KEY + (f" ({guessed})" if guessed else "")
        return jinja_template(llama, template, label, "gguf metadata")
    return ChatTemplate("none", "none", None)


def jinja_template(llama: Any, template: str, label: str, source: str) -> ChatTemplate:
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    bos_id, eos_id = llama.token_bos(), llama.token_eos()
    formatter = Jinja2ChatFormatter(
        template=template,
        eos_token=llama._model.token_get_text(eos_id) if eos_id != -1 else "",
        bos_token=llama._model.token_get_text(bos_id) if bos_id != -1 else "",
        add_generation_prompt=True,
    )

    def render(messages: list[ChatMessage]) -> tuple[str, list[str]]:
        try:
            result = formatter(messages=cast(Any, messages))
        except Exception as exc:  # jinja errors and the template's own raise_exception
            raise BackendError(ErrorKind.BAD_REQUEST, f"the chat template failed: {exc}") from exc
        return result.prompt, stops(result.stop)

    return ChatTemplate(label, source, render)


def with_system_policy(
    template: ChatTemplate, policy: SystemPromptPolicy
) -> tuple[ChatTemplate, SystemDefault | None]:
    """The template as used (cut of its default system prompt with "omit"), and that default if any."""
    original = template.render
    if original is None:
        return template, None
    system = system_default(lambda messages: original(messages)[0])
    if system is None or policy == "keep":
        return template, system
    if not system.can_omit:
        raise BackendError(
            ErrorKind.CONFIG,
            f"default_system_prompt: omit, but this chat template's default system prompt "
            f"({system.text[:60]!r}) cannot be cut from its rendering; use keep, or set a "
            "chat_template without it",
        )

    def render(messages: list[ChatMessage]) -> tuple[str, list[str]]:
        return system.omit(messages), original(messages)[1]

    label = template.label + " (default system prompt omitted)"
    return ChatTemplate(label, template.source, render), system
