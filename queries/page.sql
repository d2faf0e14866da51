-- One page of rows after a keyset position ($after_id), in id order: page k costs the same as page 1.
SELECT id, task, split, category, instruction, input, output, history, source, file, line
FROM samples
WHERE id > $after_id AND /*WHERE*/
ORDER BY id
LIMIT $limit;
