-- Lengths and outputs of a seeded uniform sample of $k rows of a filter, for the stats view. The ids are
-- drawn first (hash order over one column), then only those rows' text is read.
SELECT length(input)::BIGINT, length(output)::BIGINT, left(output, 200)
FROM samples
WHERE id IN (SELECT id FROM samples WHERE /*WHERE*/ ORDER BY hash(id, $seed), id LIMIT $k);
