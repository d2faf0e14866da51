"""Write a tiny, well-behaved random-weights GGUF for tests (llama architecture, ~100 KB).

The vocabulary is GPT-2 style byte-level BPE with *no merges*, so plain ASCII text tokenizes to
exactly one token per byte (a BOS is added in front): tests can predict token counts without asking
the tokenizer. Six special tokens follow the 256 byte tokens; the chat template in
``tokenizer.chat_template`` uses them.

Well-behaved output: hidden channel 0 of every token embedding holds a large constant, and no layer
writes into that channel, so after the final RMS norm it is a large positive number. The output
matrix gives printable-ASCII tokens a large positive weight on that channel and every other token
(EOS, control tokens, newline and other non-printable bytes) a large negative one. Greedy decoding
therefore always emits printable ASCII, one byte per token, and never EOS: ``finish_reason`` is
``"length"`` and the completion has exactly ``max_tokens`` tokens and ``max_tokens`` characters. The
remaining channels are random, so the text still depends on the prompt.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

BOS = "<s>"
EOS = "</s>"
SPECIAL_TOKENS = (BOS, EOS, "<|system|>", "<|user|>", "<|assistant|>", "<|end|>")
CHAT_TEMPLATE = (
    "{{ bos_token }}{% for message in messages %}"
    "<|{{ message['role'] }}|>{{ message['content'] }}<|end|>\n"
    "{% endfor %}{% if add_generation_prompt %}<|assistant|>{% endif %}"
)
N_EMBD = 32
N_HEAD = 4
N_LAYER = 2
N_FF = 64
CONTEXT_LENGTH = 2048
PRINTABLE = range(0x20, 0x7F)


def _bytes_to_unicode() -> dict[int, str]:
    """GPT-2's reversible byte -> printable unicode character map (the byte-level BPE alphabet)."""
    keep = list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAD)) + list(range(0xAE, 0x100))
    chars = list(keep)
    extra = 0
    for b in range(256):
        if b not in keep:
            keep.append(b)
            chars.append(256 + extra)
            extra += 1
    return {b: chr(c) for b, c in zip(keep, chars, strict=True)}


def vocabulary() -> list[str]:
    """Token texts: the 256 byte tokens (index == byte value), then the special tokens."""
    table = _bytes_to_unicode()
    return [table[b] for b in range(256)] + list(SPECIAL_TOKENS)


def write_tiny_gguf(path: Path, *, seed: int = 0, chat_template: str | None = CHAT_TEMPLATE) -> Path:
    """Write the model to ``path`` (``chat_template=None`` leaves the template out) and return it."""
    import gguf

    tokens = vocabulary()
    n_vocab = len(tokens)
    bos_id = tokens.index(BOS)
    eos_id = tokens.index(EOS)
    types = [int(gguf.TokenType.NORMAL)] * 256 + [int(gguf.TokenType.CONTROL)] * len(SPECIAL_TOKENS)

    writer = gguf.GGUFWriter(str(path), "llama")
    writer.add_name("medinst-tiny-test")
    writer.add_context_length(CONTEXT_LENGTH)
    writer.add_embedding_length(N_EMBD)
    writer.add_block_count(N_LAYER)
    writer.add_feed_forward_length(N_FF)
    writer.add_head_count(N_HEAD)
    writer.add_head_count_kv(N_HEAD)
    writer.add_layer_norm_rms_eps(1e-5)
    writer.add_rope_dimension_count(N_EMBD // N_HEAD)
    writer.add_vocab_size(n_vocab)
    writer.add_file_type(int(gguf.LlamaFileType.ALL_F32))
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre("gpt-2")
    writer.add_token_list(tokens)
    writer.add_token_types(types)
    writer.add_token_merges(["\u0100 \u0100"])  # llama.cpp requires the key; this pair never occurs
    writer.add_bos_token_id(bos_id)
    writer.add_eos_token_id(eos_id)
    writer.add_add_bos_token(True)
    if chat_template is not None:
        writer.add_chat_template(chat_template)

    rng = np.random.default_rng(seed)

    def normal(*shape: int, scale: float) -> np.ndarray:
        return (rng.standard_normal(shape) * scale).astype(np.float32)

    # numpy shape (rows, cols) is ggml's (ne1, ne0): matrices are (out_features, in_features).
    embd = normal(n_vocab, N_EMBD, scale=1.0)
    embd[:, 0] = 8.0  # the constant channel
    writer.add_tensor("token_embd.weight", embd)
    for layer in range(N_LAYER):
        prefix = f"blk.{layer}."
        writer.add_tensor(prefix + "attn_norm.weight", np.ones(N_EMBD, dtype=np.float32))
        for name in ("attn_q", "attn_k", "attn_v"):
            writer.add_tensor(prefix + name + ".weight", normal(N_EMBD, N_EMBD, scale=0.5))
        attn_out = normal(N_EMBD, N_EMBD, scale=0.3)
        attn_out[0, :] = 0.0  # nothing writes into the constant channel
        writer.add_tensor(prefix + "attn_output.weight", attn_out)
        writer.add_tensor(prefix + "ffn_norm.weight", np.ones(N_EMBD, dtype=np.float32))
        writer.add_tensor(prefix + "ffn_gate.weight", normal(N_FF, N_EMBD, scale=0.3))
        writer.add_tensor(prefix + "ffn_up.weight", normal(N_FF, N_EMBD, scale=0.3))
        ffn_down = normal(N_EMBD, N_FF, scale=0.3)
        ffn_down[0, :] = 0.0
        writer.add_tensor(prefix + "ffn_down.weight", ffn_down)
    writer.add_tensor("output_norm.weight", np.ones(N_EMBD, dtype=np.float32))
    output = normal(n_vocab, N_EMBD, scale=0.3)
    printable = np.zeros(n_vocab, dtype=bool)
    printable[list(PRINTABLE)] = True
    output[:, 0] = np.where(printable, 3.0, -3.0)
    writer.add_tensor("output.weight", output)

    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


if __name__ == "__main__":
    import sys

    out = write_tiny_gguf(Path(sys.argv[1] if len(sys.argv) > 1 else "tiny.gguf"))
    print(out, out.stat().st_size, "bytes")
