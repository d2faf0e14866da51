-- The rows an export writes: the index id (what `--pin ID` and `medinst prompt --id` take), MEDINST's own
-- field names, plus task/category/split. Re-indexing an exported file ignores `id` (the reader names its columns).
-- No ORDER BY: ids are assigned in insertion order, and DuckDB's COPY keeps insertion order
-- (preserve_insertion_order), so the file comes out in id order without a sort that would hold the
-- whole subset in memory.
SELECT id, instruction, input, output, history, task, category, split
FROM samples
WHERE /*WHERE*/
