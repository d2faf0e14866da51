-- Short previews of rows for a scrolling table: the id ranges of one screenful ($chars characters of text,
-- full lengths). The caller splices the ranges in as the WHERE clause ("id BETWEEN a AND b OR ...").
SELECT id, task, split, left(input, $chars), left(output, $chars), length(input)::BIGINT, length(output)::BIGINT
FROM samples
WHERE /*WHERE*/
ORDER BY id;
