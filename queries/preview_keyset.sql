-- Previews of the next $limit rows of a filter after $after_id (keyset paging for text searches).
SELECT id, task, split, left(input, $chars), left(output, $chars), length(input)::BIGINT, length(output)::BIGINT
FROM samples
WHERE id > $after_id AND /*WHERE*/
ORDER BY id
LIMIT $limit;
