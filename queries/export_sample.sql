-- A seeded sample of $k rows for export, written in id order.
SELECT id, instruction, input, output, history, task, category, split
FROM (SELECT * FROM samples WHERE /*WHERE*/ ORDER BY hash(id, $seed), id LIMIT $k)
ORDER BY id
