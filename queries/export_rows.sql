-- The rows an export writes, in MEDINST's own field names plus task/category/split.
-- No ORDER BY: ids are assigned in insertion order, and DuckDB's COPY keeps insertion order
-- (preserve_insertion_order), so the file comes out in id order without a sort that would hold the
-- whole subset in memory.
SELECT instruction, input, output, history, task, category, split
FROM samples
WHERE /*WHERE*/
