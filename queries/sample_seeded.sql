-- A seeded, uniform random sample of $k rows: hash(id, seed) orders rows deterministically; DuckDB's
-- reservoir sampling is biased to the first rows for small k.
SELECT id, task, split, category, instruction, input, output, history, source, file, line
FROM samples
WHERE /*WHERE*/
ORDER BY hash(id, $seed), id
LIMIT $k;
