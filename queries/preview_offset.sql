-- Previews of $limit rows from row $position of a filter with a text search (a jump: counts its way there).
SELECT id, task, split, left(input, $chars), left(output, $chars), length(input)::BIGINT, length(output)::BIGINT
FROM samples
WHERE /*WHERE*/
ORDER BY id
LIMIT $limit OFFSET $position;
