"""The auto token cap computed without medinst's code (llama.cpp's tokenizer, numpy's percentile)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from medinst_tui.runs.auto_tokens import CEILING, EXTRA, FLOOR, HEADROOM, PER_TASK


def independent_cap(db: Path, model: Path, task: str) -> int:
    """The auto cap computed without medinst's code: every train/dev gold of `task` (the demo has fewer
    than PER_TASK), tokenized by llama.cpp as the local backend counts plain text, numpy's percentile."""
    import duckdb
    import llama_cpp

    con = duckdb.connect(str(db), read_only=True)
    golds = [
        r[0]
        for r in con.execute(
            "SELECT output FROM samples WHERE task = ? AND split IN ('train', 'dev')", [task]
        ).fetchall()
    ]
    con.close()
    assert 0 < len(golds) <= PER_TASK
    llama = llama_cpp.Llama(str(model), vocab_only=True, verbose=False)
    bos = bool(llama._model.add_bos_token())
    counts = [len(llama.tokenize(g.encode("utf-8"), add_bos=bos, special=False)) for g in golds]
    p99 = int(np.percentile(counts, 99, method="inverted_cdf"))
    return max(FLOOR, min(CEILING, 8 * math.ceil((math.ceil(p99 * HEADROOM) + EXTRA) / 8)))
