-- Per file of a bulk batch (line = its index in the batch): its rows, where they sit (rowids) and the
-- marks ingest_bulk_jsonl left in `id` (-3 bad, -2 suspect). Reads two integer columns only.
SELECT line AS file_index, count(*) AS n, min(rowid) AS first_rowid, max(rowid) AS last_rowid,
       count(*) FILTER (WHERE id = -3) AS bad, count(*) FILTER (WHERE id = -2) AS suspect
FROM samples
WHERE id < 0
GROUP BY line
ORDER BY line;
