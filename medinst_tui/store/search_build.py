"""Build the search index inside the index file: for every word, the rows that hold it.

Design (measured at full scale, see bench/results/index.md and the README's "How the index works"):

- Words: the text lowercased, accents stripped (`search_fold`), split at anything that is not a letter
  or a digit. A fixed list of very common English, Spanish and German function words (STOPWORDS) is not
  indexed: they are a third of all tokens, and a query made of them alone is scanned instead.
- Postings are per word, per field (input, output) and per block of 65,536 ids: a BLOB of uint16
  offsets of the rows in the block, so a word's rows cost 2 bytes each and reading them is one
  `WHERE word = ?` on a table sorted by word within each chunk of 2^20 ids (zone maps skip the rest).
- The tokenizer runs in DuckDB per chunk of 2^20 ids: a split at spaces and one GROUP BY (raw token,
  block) with a list of offsets; raw tokens are normalized to words once per distinct token, and the
  lists become BLOBs zero-copy through Arrow. A finer tokenizer per occurrence (a regex) cost 5x more.
- A token made of several words ("IL-6", "mg/kg", "SARS-CoV-2") is also indexed as its words joined by
  spaces ("il 6"): the rows where that phrase sits in one token, so a phrase query reads only the other
  rows that hold all its words to check their order.
- Updates (`--add`, re-indexing a source) rebuild only the chunks whose rows changed.
- A checkpoint follows each chunk's insert (see `_index_chunk`): the file keeps almost no free blocks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, nullcontext
from typing import Any

import duckdb

from medinst_tui.store import sql

VERSION = "2"  # 2: phrases inside one token indexed too
META_KEY = "search_index"
BLOCK_BITS = 16  # offsets are uint16
CHUNK_BITS = 20
MAX_COMPOUND = 8  # a token of up to this many words is also indexed as one phrase ("mg kg", "il 6")
PART_BITS = 18  # chunks are tokenized in parts of 2^18 ids (whole blocks: a group never spans parts)
FIELDS = ("input", "output")  # field number = position
# Function words that are not indexed (a query of only these words is scanned). Measured on the
# full-scale synthetic set: these are about a third of all tokens; none is a biomedical term (no, im, al
# are kept: NO, IM, et al.).
STOPWORDS = frozenset(
    (  # noqa: SIM905 - a list of words reads best as words
        "a an and are as at be been but by for from has have if in into is it its not of on or such that the "
        "their then there these they this to was were which will with we "
        "el la los las de del y que en un una por con para se "
        "der die das und von zu mit den dem des ein eine ist"
    ).split()
)

StepTimer = Callable[[str], AbstractContextManager[None]]


def present(con: duckdb.DuckDBPyConnection) -> bool:
    try:
        row = con.execute("SELECT value FROM meta WHERE key = $k", {"k": META_KEY}).fetchone()
    except duckdb.CatalogException:
        return False
    return row is not None and str(row[0]) == VERSION


def drop(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("DELETE FROM search_postings")
    con.execute("DELETE FROM search_words")
    con.execute("DELETE FROM meta WHERE key = $k", {"k": META_KEY})


def _chunks(ranges: Iterable[tuple[int, int]]) -> list[int]:
    out: set[int] = set()
    for lo, hi in ranges:
        if lo <= hi:
            out.update(range(lo >> CHUNK_BITS, (hi >> CHUNK_BITS) + 1))
    return sorted(out)


def update(
    con: duckdb.DuckDBPyConnection, changed: list[tuple[int, int]] | None, steps: StepTimer | None = None
) -> None:
    """(Re)index the chunks holding the id ranges `changed` (None: every row)."""

    def step(name: str) -> AbstractContextManager[None]:
        return steps(name) if steps else nullcontext()

    row = con.execute("SELECT coalesce(max(id), -1) FROM samples").fetchone()
    last = int(row[0]) if row else -1
    if changed is None:
        con.execute("DELETE FROM search_postings")
        chunks = _chunks([(0, last)])
    else:
        chunks = _chunks(changed)
        for c in chunks:
            con.execute(
                "DELETE FROM search_postings WHERE b BETWEEN $lo AND $hi",
                {"lo": c << (CHUNK_BITS - BLOCK_BITS), "hi": ((c + 1) << (CHUNK_BITS - BLOCK_BITS)) - 1},
            )
    for c in chunks:
        lo, hi = c << CHUNK_BITS, ((c + 1) << CHUNK_BITS) - 1
        if lo > last:
            continue
        for number, name in enumerate(FIELDS):
            _index_chunk(con, lo, hi, number, name, step)
    with step("search index: word list"):
        for stmt in sql.statements("search_words_build"):
            con.execute(stmt)
    con.execute("INSERT OR REPLACE INTO meta VALUES ($k, $v)", {"k": META_KEY, "v": VERSION})


def _index_chunk(
    con: duckdb.DuckDBPyConnection, lo: int, hi: int, number: int, name: str, step: StepTimer
) -> None:
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    with step("search index: tokenize (split, group by word and block)"):
        # In parts: DuckDB's aggregate of a part is smaller (long texts hold 100M+ tokens per chunk).
        query = sql.render("search_tokenize", field=name)
        parts = [
            con.sql(query, params={"lo": a, "hi": min(a + (1 << PART_BITS) - 1, hi)}).to_arrow_table()
            for a in range(lo, hi + 1, 1 << PART_BITS)
        ]
        grouped = pa.concat_tables(parts)
        del parts
    if grouped.num_rows == 0:
        return
    with step("search index: normalize words, build postings"):
        raw = grouped.column("t").combine_chunks().dictionary_encode()
        con.register(
            "raw_tokens",
            pa.table({"i": pa.array(np.arange(len(raw.dictionary), dtype=np.int32)), "t": raw.dictionary}),
        )
        try:
            params = {"stop": sorted(STOPWORDS), "max_compound": MAX_COMPOUND}
            words = con.sql(sql.render("search_raw_words"), params=params).to_arrow_table()
        finally:
            con.unregister("raw_tokens")
        postings = _postings(raw, grouped, words, np, pa, pc)
    if postings is None:
        return
    with step("search index: write postings"):
        con.register("chunk_postings", postings)
        try:
            con.execute(f"INSERT INTO search_postings SELECT {number}, word, b, n, p FROM chunk_postings")
        finally:
            con.unregister("chunk_postings")
        # Each insert's row groups are written to the file while it runs; one checkpoint at the end of the
        # build re-packed them all and left their first copies as free blocks (file 3.34 GiB at full scale).
        # A checkpoint after every insert packs each once: 3.05 GiB, and the build takes no longer in all.
        con.execute("CHECKPOINT")


def _postings(raw: Any, grouped: Any, words: Any, np: Any, pa: Any, pc: Any) -> Any:
    """One row per (word, block) of the raw groups: a raw token with k words lends its offsets to each.

    The offsets stay where DuckDB's list put them: a BLOB of a group is a slice of the list's value
    buffer (uint16), so no offset is copied until the rows are sorted by word.
    """
    if words.num_rows == 0:
        return None
    word_raw = words.column("i").to_numpy()
    order = np.argsort(word_raw, kind="stable")
    word_raw = word_raw[order]
    word_text = words.column("w").take(pa.array(order))
    n_raw = len(raw.dictionary)
    starts = np.searchsorted(word_raw, np.arange(n_raw), "left")
    counts = np.searchsorted(word_raw, np.arange(n_raw), "right") - starts
    group_raw = raw.indices.to_numpy()
    repeat = counts[group_raw]  # words per group
    group = np.repeat(np.arange(len(group_raw)), repeat)
    # the k-th word of each repeated group
    nth = np.arange(len(group)) - np.repeat(np.cumsum(repeat) - repeat, repeat)
    word = word_text.take(pa.array(np.repeat(starts[group_raw], repeat) + nth))
    lists = grouped.column("l").combine_chunks()
    offsets = lists.offsets.to_numpy()
    values = lists.values
    base = int(offsets[0])
    blob_offsets = ((offsets - base) * 2).astype(np.int32)
    data = values.buffers()[1].slice((values.offset + base) * 2, (int(offsets[-1]) - base) * 2)
    blobs = pa.BinaryArray.from_buffers(pa.binary(), len(lists), [None, pa.py_buffer(blob_offsets), data])
    take = pa.array(group)
    table = pa.table(
        {
            "word": word,
            "b": grouped.column("b").take(take),
            "n": pa.array(np.diff(offsets)[group].astype(np.int32)),
            "p": blobs.take(take),
        }
    )
    return table.take(pc.sort_indices(table, sort_keys=[("word", "ascending"), ("b", "ascending")]))
