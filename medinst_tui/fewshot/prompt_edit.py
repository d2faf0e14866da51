"""The editable form of a prompt: chat messages as `### role` sections, a plain prompt as its text.

    ### user
    Given a question, select the correct answer ...
    ### assistant
    insulin
    ### user
    ...

An edited prompt is sent as it is (no shots drawn, no fitting) and marked `edited` in its result.
"""

from __future__ import annotations

import dataclasses
import re

from medinst_tui.backends.base import ChatMessage
from medinst_tui.fewshot.prompt import BuiltPrompt, FitReport

ROLES = ("system", "user", "assistant")
_MARKER = re.compile(r"^### (system|user|assistant)[ \t]*$", re.MULTILINE)


def to_edit_text(built: BuiltPrompt) -> str:
    if built.messages is None:
        return built.text or ""
    return "\n".join(f"### {m['role']}\n{m['content']}\n" for m in built.messages)


def parse_messages(text: str) -> list[ChatMessage]:
    """The messages of an edited chat prompt (trailing blank lines of each turn are dropped)."""
    markers = list(_MARKER.finditer(text))
    if not markers:
        raise ValueError("a chat prompt needs at least one '### user' line")
    if text[: markers[0].start()].strip():
        raise ValueError("text before the first '### role' line: start with '### user' (or '### system')")
    messages: list[ChatMessage] = []
    for marker, following in zip(markers, [*markers[1:], None], strict=True):
        end = following.start() if following is not None else len(text)
        content = text[marker.end() : end]
        content = content[1:] if content.startswith("\n") else content
        messages.append({"role": marker.group(1), "content": content.rstrip("\n")})
    if messages[-1]["role"] != "user":
        raise ValueError("the last turn must be '### user': the model answers it")
    return messages


def apply_edit(built: BuiltPrompt, text: str, fit: FitReport) -> BuiltPrompt:
    """`built` with the edited prompt in place (raises ValueError when the text cannot be a prompt)."""
    if built.kind == "chat":
        return dataclasses.replace(built, messages=parse_messages(text), text=None, fit=fit, edited=True)
    if not text.strip():
        raise ValueError("the prompt is empty")
    return dataclasses.replace(built, messages=None, text=text, fit=fit, edited=True)
