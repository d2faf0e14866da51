"""What an OpenAI-compatible server says about itself: who it is, its models, its slots, its tokenizer.

Asked once per backend (``OpenAIRemoteBackend.facts()``), never raising: a server that does not answer
is "unknown" and gets the safe choices (one request at a time, estimated token counts).

- vLLM / SGLang by the ``owned_by`` of ``/v1/models``: they batch concurrent requests themselves, so
  ``BATCHING_SERVER_CONCURRENCY`` in flight keeps them busy (their own schedulers queue the rest).
- llama-cpp-python's ``llama_cpp.server`` (``owned_by: "me"``) computes one request at a time; it
  tokenizes text exactly at ``/extras/tokenize/count``.
- llama.cpp's ``llama-server``: ``/props`` ``total_slots`` (else the length of ``/slots``) requests at once;
  ``/apply-template`` + ``/tokenize`` count a chat prompt exactly as the server will see it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from medinst_tui.backends.base import ChatMessage

BATCHING_SERVER_CONCURRENCY = 64
BATCHING_SERVERS = ("vllm", "sglang")
Tokenizer = Literal["llama.cpp", "llama_cpp.server"] | None
GetJson = Callable[[str], Any]  # GET url -> the JSON body of a 200 answer, or None
PostJson = Callable[[str, dict[str, Any]], Any]  # POST url, body -> the same


@dataclass(frozen=True)
class ServerFacts:
    kind: str  # vllm | sglang | llama.cpp server | llama_cpp.server | unknown
    models: tuple[str, ...]  # the ids /v1/models lists
    owners: tuple[str, ...]
    concurrency: int
    why: str  # why that concurrency, for the model description
    tokenizer: Tokenizer = None  # the server's own exact token counter, if any


def probe(base_url: str, get_json: GetJson) -> ServerFacts:
    models = get_json(f"{base_url}/models")
    ids: list[str] = []
    owners: list[str] = []
    if isinstance(models, dict) and isinstance(models.get("data"), list):
        for m in models["data"]:
            if isinstance(m, dict):
                ids.append(str(m.get("id", "")))
                owners.append(str(m.get("owned_by", "")))
    facts = (tuple(i for i in ids if i), tuple(owners))
    batching = [o for o in owners if o.lower() in BATCHING_SERVERS]
    if batching:
        why = f"the server is {batching[0]} (/v1/models owned_by), which batches concurrent requests"
        return ServerFacts(batching[0].lower(), *facts, BATCHING_SERVER_CONCURRENCY, why)
    if "me" in owners:  # llama-cpp-python's server names itself so
        why = "llama_cpp.server (/v1/models owned_by 'me') serves one request at a time"
        return ServerFacts("llama_cpp.server", *facts, 1, why, tokenizer="llama_cpp.server")
    root = base_url.removesuffix("/v1")
    props = get_json(f"{root}/props")
    slots = props.get("total_slots") if isinstance(props, dict) else None
    if isinstance(slots, int) and not isinstance(slots, bool) and slots >= 1:
        why = f"llama.cpp server with {slots} slot{'s' if slots > 1 else ''} (/props total_slots)"
        return ServerFacts("llama.cpp server", *facts, slots, why, tokenizer="llama.cpp")
    listed = get_json(f"{root}/slots")
    if isinstance(listed, list) and listed:
        why = f"llama.cpp server with {len(listed)} slot(s) (/slots)"
        return ServerFacts("llama.cpp server", *facts, len(listed), why, tokenizer="llama.cpp")
    who = f"owned_by {owners[0]!r}" if owners else "no answer from /v1/models"
    why = f"unknown server ({who}): one request at a time; set --concurrency or max_concurrency"
    return ServerFacts("unknown", *facts, 1, why)


def count_exactly(
    facts: ServerFacts,
    base_url: str,
    post_json: PostJson,
    messages_or_text: Sequence[ChatMessage] | str,
    *,
    model: str | None,
    rendered: str | None,
) -> int | None:
    """The prompt's tokens as the server counts them, or None where it cannot say exactly.

    ``rendered`` is the exact text the server will tokenize (the completions API), when known.
    """
    root = base_url.removesuffix("/v1")
    if facts.tokenizer == "llama.cpp":
        text: object = rendered
        if text is None and isinstance(messages_or_text, str):
            text = messages_or_text
        elif text is None:
            applied = post_json(f"{root}/apply-template", {"messages": list(messages_or_text)})
            text = applied.get("prompt") if isinstance(applied, dict) else None
        if not isinstance(text, str):
            return None
        # llama-server tokenizes a prompt with add_special and parse_special: the same here.
        answer = post_json(f"{root}/tokenize", {"content": text, "add_special": True, "parse_special": True})
        tokens = answer.get("tokens") if isinstance(answer, dict) else None
        return len(tokens) if isinstance(tokens, list) else None
    if facts.tokenizer == "llama_cpp.server":
        plain = rendered if rendered is not None else messages_or_text
        if not isinstance(plain, str):
            return None  # its chat template is not exposed: the rendered chat prompt is unknown
        body: dict[str, Any] = {"input": plain}
        if model:
            body["model"] = model
        # The same tokenization as its completions endpoint (BOS added, special tokens parsed).
        answer = post_json(f"{base_url.removesuffix('/v1')}/extras/tokenize/count", body)
        count = answer.get("count") if isinstance(answer, dict) else None
        return count if isinstance(count, int) and not isinstance(count, bool) else None
    return None
