-- Facet counts under a structural filter (category/task/split/source/MEDINST32), from the per-file block
-- table: a few thousand rows at most, so this never scans samples.
SELECT category, task, split, sum(n)::BIGINT AS n
FROM blocks
WHERE /*WHERE*/
GROUP BY ALL
ORDER BY category, task, split;
