-- The rows an export writes, in MEDINST's own field names plus task/category/split, in id order.
SELECT instruction, input, output, history, task, category, split
FROM samples
WHERE /*WHERE*/
ORDER BY id
