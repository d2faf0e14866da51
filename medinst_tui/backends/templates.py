"""What a chat template does when the messages carry no system message (the paper's prompts never do).

Some templates insert their own default system prompt then (SmolLM2's: "You are a helpful AI assistant
named SmolLM, trained by Hugging Face"). ``system_default`` finds it by rendering the same user turn
with and without a sentinel system message and comparing, for any template, with no knowledge of its
syntax. ``SystemDefault.omit`` gives the paper's no-system rendering where the template's own turns
allow it: the system turn is cut and the user turn's opening is rebuilt from the system turn's opening
with the role name swapped (checked on a two-turn rendering before it is offered).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from medinst_tui.backends.base import ChatMessage

Render = Callable[[list[ChatMessage]], str]

_SYS = "\x1esentinel-system-7c1f\x1e"
_USER = "\x1esentinel-user-3b9d\x1e"
_USER2 = "\x1esentinel-user-second-a04e\x1e"
_ASSISTANT = "\x1esentinel-assistant-52e8\x1e"


@dataclass(frozen=True)
class SystemDefault:
    """A template's default system prompt, and how to render without it (``None``: it cannot)."""

    text: str
    _cut: int | None  # rendered-with-sentinel prefix length to replace (pre + sentinel + between)
    _head: str  # what replaces it: the text before the system turn's role name + the user opening
    render: Render

    @property
    def can_omit(self) -> bool:
        return self._cut is not None

    def omit(self, messages: list[ChatMessage]) -> str:
        """The rendering of ``messages`` (no system message first) without the default system turn."""
        if self._cut is None or (messages and messages[0]["role"] == "system") or not messages:
            return self.render(messages)
        with_sentinel = self.render([{"role": "system", "content": _SYS}, *messages])
        return self._head + with_sentinel[self._cut :]


def _common_suffix(a: str, b: str) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[-1 - n] == b[-1 - n]:
        n += 1
    return n


def system_default(render: Render) -> SystemDefault | None:
    """The default system prompt ``render`` inserts for messages without one, or None.

    Any failure of the template (one that refuses a system role, say) means "none found": detection
    never makes a model unusable.
    """
    try:
        bare = render([{"role": "user", "content": _USER}])
        with_sys = render([{"role": "system", "content": _SYS}, {"role": "user", "content": _USER}])
    except Exception:
        return None
    if with_sys.count(_SYS) != 1 or with_sys.count(_USER) != 1 or bare.count(_USER) != 1:
        return None
    pre, after = with_sys.split(_SYS)
    post = after  # the system turn's end, the user turn, the generation prompt
    if not (bare.startswith(pre) and bare.endswith(post)) or len(bare) <= len(pre) + len(post):
        return None  # the template adds no system turn of its own
    text = bare[len(pre) : len(bare) - len(post)]
    return SystemDefault(text, *_omission(render, pre, post), render=render)


def _omission(render: Render, pre: str, post: str) -> tuple[int | None, str]:
    """Where the system turn ends and what opens the user turn, or (None, "") when unsure."""
    between = post[: post.index(_USER)]  # the system turn's end + the user turn's opening
    role_at = pre.rfind("system")
    if role_at < 0:
        return None, ""
    user_open = pre[:role_at] + "user" + pre[role_at + len("system") :]
    shared = _common_suffix(user_open, between)
    if shared <= len(pre) - role_at - len("system") + len("user"):
        return None, ""  # the user turn does not open like the system turn: do not guess
    cut = len(pre) + len(_SYS) + len(between)
    # Check on a longer conversation: the cut must fall at the same place and keep every turn.
    turns: list[ChatMessage] = [
        {"role": "user", "content": _USER},
        {"role": "assistant", "content": _ASSISTANT},
        {"role": "user", "content": _USER2},
    ]
    try:
        full = render([{"role": "system", "content": _SYS}, *turns])
    except Exception:
        return None, ""
    if not full.startswith(pre + _SYS + between):
        return None, ""
    cut_full = user_open + full[cut:]
    if _SYS in cut_full or not all(t in cut_full for t in (_USER, _ASSISTANT, _USER2)):
        return None, ""
    return cut, user_open
