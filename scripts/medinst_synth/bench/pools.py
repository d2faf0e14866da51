"""Seeded pools of sentences, terms and phrases the benchmark rows are assembled from.

Text is drawn from a seeded Zipf-weighted vocabulary of common English, real biomedical words and
made-up biomedical-looking tokens, so text search has real hits and real misses. Every worker builds
the same pools once (lazily, each from its own seed, so the order of use does not matter), and rows
are assembled from whole pool entries: a few random draws per row, not one per word.

Pool text is escape-safe by construction (no quote, backslash or control character except the
pre-escaped ``\\"`` and ``\\n`` sequences it inserts on purpose), so a row's JSON is built by
concatenation.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from itertools import accumulate

from medinst_synth.vocab import Table

NL = "\\n"  # a newline inside a JSON string, already escaped
Q = '\\"'  # a double quote inside a JSON string, already escaped

_V = Table("bench/vocab")
COMMON = _V.strs("common")
BIO_REAL = _V.strs("bio_real")
GENES_REAL = _V.strs("genes_real")
PREFIXES = _V.strs("prefixes")
ROOTS = _V.strs("roots")
SUFFIXES = _V.strs("suffixes")
ES_FUNCTION = _V.strs("es_function")
ES_ENDINGS = _V.strs("es_endings")
DE_FUNCTION = _V.strs("de_function")
DE_ENDINGS = _V.strs("de_endings")


def build_vocab(rng: random.Random) -> list[str]:
    """Words by decreasing frequency: common English, real biomedical words, made-up tokens."""
    made: set[str] = set()
    for p in PREFIXES:
        for s in SUFFIXES:
            made.add(p + s)
    while len(made) < 5200:
        made.add(rng.choice(PREFIXES) + rng.choice(ROOTS) + rng.choice(SUFFIXES))
    letters = "ABCDEFGHIJKLMNOPRSTUVWXZ"
    while len(made) < 6300:
        sym = "".join(rng.choice(letters) for _ in range(rng.randint(2, 4))) + str(rng.randint(1, 19))
        if rng.random() < 0.15:
            sym = sym[:-1] + "-" + sym[-1]
        made.add(sym)
    real = [*BIO_REAL, *GENES_REAL]
    rng.shuffle(real)
    tail = sorted(made.difference(COMMON, real))
    rng.shuffle(tail)
    # Real biomedical words rank right after the common ones: they are frequent in real abstracts.
    return list(dict.fromkeys([*COMMON, *real, *tail]))


def zipf_cum_weights(n: int, exponent: float = 1.0) -> list[float]:
    return list(accumulate(1.0 / (rank + 2) ** exponent for rank in range(n)))


class Pools:
    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.vocab = build_vocab(random.Random(f"{seed}:vocab"))
        self.cum = zipf_cum_weights(len(self.vocab), 1.1)
        n_common = len(dict.fromkeys(COMMON))
        self.bio = self.vocab[n_common:]
        self.bio_cum = zipf_cum_weights(len(self.bio), 0.8)
        self._cache: dict[str, list[str]] = {}
        self._builders: dict[str, Callable[[random.Random], list[str]]] = {
            "sent": lambda r: [self._sentence(r, 6, 26) for _ in range(60_000)],
            "short": lambda r: [self._sentence(r, 5, 12) for _ in range(20_000)],
            "question": lambda r: [self._question(r) for _ in range(20_000)],
            "term": lambda r: [self._term(r) for _ in range(30_000)],
            "abbr": lambda r: [self._abbreviation(r) for _ in range(20_000)],
            "es": lambda r: self._foreign(r, ES_FUNCTION, ES_ENDINGS, 30_000, False),
            "de": lambda r: self._foreign(r, DE_FUNCTION, DE_ENDINGS, 8_000, True),
            "zh": lambda r: [self._chinese(r) for _ in range(20_000)],
        }

    def get(self, name: str) -> list[str]:
        pool = self._cache.get(name)
        if pool is None:
            pool = self._builders[name](random.Random(f"{self.seed}:pool:{name}"))
            for text in pool:  # the no-escaping shortcut relies on this
                assert '"' not in text.replace(Q, "") and "\\" not in text.replace(Q, "").replace(NL, "")
            self._cache[name] = pool
        return pool

    def _words(self, r: random.Random, k: int) -> list[str]:
        return r.choices(self.vocab, cum_weights=self.cum, k=k)

    def _bio_words(self, r: random.Random, k: int) -> list[str]:
        return r.choices(self.bio, cum_weights=self.bio_cum, k=k)

    def _sentence(self, r: random.Random, lo: int, hi: int) -> str:
        words = self._words(r, r.randint(lo, hi))
        x = r.random()
        if x < 0.03:
            i = r.randrange(len(words))
            words[i] = Q + words[i] + Q
        elif x < 0.10:
            words.append(f"(p < 0.{r.randint(1, 50):02d})")
        elif x < 0.18:
            unit = r.choice(("mg", "mg/kg", "%", "h"))
            words.insert(r.randrange(len(words)), f"{r.randint(2, 500)} {unit}")
        if len(words) > 8 and r.random() < 0.3:
            words[len(words) // 2] += ","
        text = " ".join(words)
        return text[0].upper() + text[1:] + "."

    def _question(self, r: random.Random) -> str:
        head = r.choice(("What is", "Which", "How does", "What are", "Is", "Does", "Why do", "Which of"))
        return head + " " + " ".join(self._words(r, r.randint(5, 16))) + "?"

    def _term(self, r: random.Random) -> str:
        return " ".join(self._bio_words(r, r.choice((1, 1, 1, 2, 2, 3))))

    def _abbreviation(self, r: random.Random) -> str:
        """'ABBR<TAB>expansion': the abbreviation is the initials of the expansion."""
        words = [w for w in self._bio_words(r, r.randint(2, 4)) if w.isalpha()] or ["serum", "level"]
        return "".join(w[0] for w in words).upper() + "\t" + " ".join(w.lower() for w in words)

    def _foreign(
        self, r: random.Random, function: Sequence[str], endings: Sequence[str], n: int, cap: bool
    ) -> list[str]:
        content = [w.lower() + r.choice(endings) for w in r.sample(self.bio, 3000)]
        content = [w.capitalize() for w in content] if cap else content
        vocab = list(function) + content
        cum = zipf_cum_weights(len(vocab), 0.9)
        out = []
        for _ in range(n):
            text = " ".join(r.choices(vocab, cum_weights=cum, k=r.randint(8, 30)))
            out.append(text[0].upper() + text[1:] + ".")
        return out

    def _chinese(self, r: random.Random) -> str:
        chars = [chr(0x4E00 + int(r.random() ** 2 * 3000)) for _ in range(r.randint(12, 45))]
        if len(chars) > 20:
            chars.insert(len(chars) // 2, "，")
        return "".join(chars) + "。"


POOLS: Pools | None = None


def init_worker(seed: int) -> None:
    global POOLS
    POOLS = Pools(seed)


def pools() -> Pools:
    assert POOLS is not None, "init_worker() was not called"
    return POOLS
