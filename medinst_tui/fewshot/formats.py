"""Prompt formats: `medinst-chat` (the paper's), `medinst-plain` (one string for base models), user templates.

A user template is a YAML file in the config dir's `templates/` folder:

    name: my-format
    kind: chat            # chat: a list of messages; plain: one string
    system: "optional system message (chat only)"
    shot_user: "{{ instruction }}\\n{{ input }}"          # chat: each shot's user turn
    shot_assistant: "{{ output }}"                       # chat: each shot's assistant turn
    query: "{{ instruction }}\\n{{ input }}"             # chat: the final user turn
    text: "...whole prompt..."       # plain: one Jinja2 template over instruction, input and
                                     # shots (a list of user/assistant/instruction/input/output)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from medinst_tui.backends.base import ChatMessage
from medinst_tui.fewshot.shots import Shot, user_text

CHAT = "medinst-chat"
PLAIN = "medinst-plain"
BUILTIN_FORMATS = (CHAT, PLAIN)


@dataclass(frozen=True)
class PromptFormat:
    name: str
    kind: str  # "chat" | "plain"
    spec: dict[str, Any]


def _render(template: str, **values: Any) -> str:
    from jinja2 import StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment  # user templates are data, not code

    env = SandboxedEnvironment(undefined=StrictUndefined, keep_trailing_newline=True)
    return env.from_string(template).render(**values)


def load_user_formats(folder: Path) -> dict[str, PromptFormat]:
    out: dict[str, PromptFormat] = {}
    if not folder.is_dir():
        return out
    for path in sorted(folder.glob("*.y*ml")):
        spec = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if not isinstance(spec, dict):
            raise ValueError(f"{path}: a template file must be a YAML mapping")
        name = str(spec.get("name") or path.stem)
        kind = str(spec.get("kind", "chat"))
        needed = ("query",) if kind == "chat" else ("text",)
        if kind not in {"chat", "plain"} or any(k not in spec for k in needed):
            raise ValueError(f"{path}: kind must be chat (with `query`) or plain (with `text`)")
        out[name] = PromptFormat(name, kind, spec)
    return out


def resolve_format(name: str, user_formats: dict[str, PromptFormat] | None = None) -> PromptFormat:
    if name in BUILTIN_FORMATS:
        return PromptFormat(name, "chat" if name == CHAT else "plain", {})
    if user_formats and name in user_formats:
        return user_formats[name]
    known = ", ".join([*BUILTIN_FORMATS, *(user_formats or {})])
    raise ValueError(f"unknown prompt format {name!r}; known: {known}")


def chat_messages(
    fmt: PromptFormat, instruction: str, input_text: str, shots: list[Shot]
) -> list[ChatMessage]:
    """Each shot is a user turn then an assistant turn; the last user turn is the query. No system
    message unless a user template sets one (the paper used none)."""
    messages: list[ChatMessage] = []
    if fmt.spec.get("system"):
        messages.append({"role": "system", "content": _render(str(fmt.spec["system"]))})
    for shot in shots:
        if fmt.spec.get("shot_user"):
            values = _shot_values(shot)
            u = _render(str(fmt.spec["shot_user"]), **values)
            a = _render(str(fmt.spec.get("shot_assistant", "{{ output }}")), **values)
        else:
            u, a = shot.user, shot.assistant
        messages += [{"role": "user", "content": u}, {"role": "assistant", "content": a}]
    if fmt.spec.get("query"):
        query = _render(str(fmt.spec["query"]), instruction=instruction, input=input_text)
    else:
        query = user_text(instruction, input_text)
    messages.append({"role": "user", "content": query})
    return messages


def _shot_values(shot: Shot) -> dict[str, str]:
    return {
        "user": shot.user,
        "assistant": shot.assistant,
        "instruction": shot.instruction or "",
        "input": shot.input if shot.input is not None else shot.user,
        "output": shot.assistant,
    }


def plain_text(fmt: PromptFormat, instruction: str, input_text: str, shots: list[Shot]) -> str:
    if fmt.spec.get("text"):
        return _render(
            str(fmt.spec["text"]),
            instruction=instruction,
            input=input_text,
            shots=[_shot_values(s) for s in shots],
        )
    lines = [instruction.strip(), ""]
    for i, shot in enumerate(shots, 1):
        lines.append(f"Example {i}:")
        # A shot from another task keeps its own instruction; a history pair carries it inside `user`.
        if shot.instruction and shot.instruction != instruction:
            lines.append(f"Instruction: {shot.instruction}")
        lines += [
            f"Input: {shot.input if shot.input is not None else shot.user}",
            f"Output: {shot.assistant}",
            "",
        ]
    if shots:
        lines.append("Now complete the new example:")
    lines += [f"Input: {input_text}", "Output:"]
    return "\n".join(lines)
